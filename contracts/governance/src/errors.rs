//! Every rejection of the contract: a stable code before the colon, for
//! tools and tests, and a sentence after it, for people.

// Initialisation and configuration.
pub const ERR_ALREADY_INITIALIZED: &str =
    "E_ALREADY_INITIALIZED: the contract is already initialised";
pub const ERR_CONFIG_VOTING_PERIOD: &str =
    "E_CONFIG_VOTING_PERIOD: voting_period_epochs outside its hard bounds";
pub const ERR_CONFIG_QUORUM: &str = "E_CONFIG_QUORUM: quorum_bps outside its hard bounds";
pub const ERR_CONFIG_MIN_QUORUM: &str = "E_CONFIG_MIN_QUORUM: min_quorum outside its hard bounds";
pub const ERR_CONFIG_THRESHOLD: &str =
    "E_CONFIG_THRESHOLD: proposal_threshold outside its hard bounds";
pub const ERR_CONFIG_TIMELOCK: &str = "E_CONFIG_TIMELOCK: timelock_epochs outside its hard bounds";
pub const ERR_CONFIG_GRACE: &str = "E_CONFIG_GRACE: grace_epochs outside its hard bounds";

// Token.
pub const ERR_NOT_MINTER: &str = "E_NOT_MINTER: only the router or sNEAR may mint META";
pub const ERR_SUPPLY_CAP: &str = "E_SUPPLY_CAP: the mint would exceed the META total-supply cap";
pub const ERR_ZERO_AMOUNT: &str = "E_ZERO_AMOUNT: the amount must be positive";
pub const ERR_NOT_REGISTERED: &str = "E_NOT_REGISTERED: the account is not registered";
pub const ERR_RECEIVER_NOT_REGISTERED: &str =
    "E_RECEIVER_NOT_REGISTERED: the receiver is not registered; call storage_deposit for it";
pub const ERR_SELF_TRANSFER: &str = "E_SELF_TRANSFER: sender and receiver are the same account";
pub const ERR_INSUFFICIENT_BALANCE: &str = "E_INSUFFICIENT_BALANCE: the balance is too low";
pub const ERR_META_LOCKED: &str =
    "E_META_LOCKED: that META is locked as a proposal bond until the proposal's vote ends (get_locked_balance)";
pub const ERR_PROPOSAL_BOND: &str =
    "E_PROPOSAL_BOND: each open proposal locks the proposal threshold of its proposer's META until its vote ends, and the proposer's unlocked META is below it";
pub const ERR_ONE_YOCTO: &str = "E_ONE_YOCTO: attach exactly 1 yoctoNEAR";
pub const ERR_GAS: &str = "E_GAS: not enough gas attached for the call and its callbacks";

// Storage (NEP-145).
pub const ERR_STORAGE_SHORT: &str =
    "E_STORAGE_SHORT: the storage balance cannot pay for the records this call writes; top it up with storage_deposit";
pub const ERR_MINT_REGISTRATION_DEPOSIT: &str =
    "E_MINT_REGISTRATION_DEPOSIT: minting to a new account needs the registration deposit attached";
pub const ERR_DEPOSIT_BELOW_MIN: &str =
    "E_DEPOSIT_BELOW_MIN: the deposit is below the minimum storage balance";
pub const ERR_WITHDRAW_TOO_MUCH: &str =
    "E_WITHDRAW_TOO_MUCH: the amount exceeds the available storage balance";
pub const ERR_UNREGISTER_BALANCE: &str =
    "E_UNREGISTER_BALANCE: the account still holds META; transfer it or pass force = true to burn it";

// Checkpoints.
pub const ERR_LOOKUP_NOT_PAST: &str =
    "E_LOOKUP_NOT_PAST: only a block before the current one can be looked up";
pub const ERR_HISTORY_COMPACTED: &str =
    "E_HISTORY_COMPACTED: the history before this block was compacted; balances are kept from its exact_from block on and at the snapshots of proposals open for voting";

// Proposals.
pub const ERR_PROPOSAL_INPUT: &str = "E_PROPOSAL_INPUT: the proposal input is malformed";
pub const ERR_DESCRIPTION_TOO_LONG: &str = "E_DESCRIPTION_TOO_LONG: the description is too long";
pub const ERR_GUARDIAN_TERM: &str = "E_GUARDIAN_TERM: term_epochs outside its hard bounds";
pub const ERR_NO_SNAPSHOT: &str = "E_NO_SNAPSHOT: there is no block before the current one";
pub const ERR_BELOW_THRESHOLD: &str =
    "E_BELOW_THRESHOLD: the proposer's voting power at the snapshot is below the proposal threshold";
pub const ERR_QUORUM_UNREACHABLE: &str =
    "E_QUORUM_UNREACHABLE: the supply at the snapshot is below the quorum floor, so no vote could pass";
pub const ERR_UNKNOWN_PROPOSAL: &str = "E_UNKNOWN_PROPOSAL: no proposal has this id";
pub const ERR_TOO_MANY_OPEN_PROPOSALS: &str =
    "E_TOO_MANY_OPEN_PROPOSALS: the most proposals open for voting at once (MAX_OPEN_PROPOSALS) are open; propose when a vote has ended";

// Voting.
pub const ERR_VOTING_CLOSED: &str = "E_VOTING_CLOSED: the proposal is not open for votes";
pub const ERR_ALREADY_VOTED: &str =
    "E_ALREADY_VOTED: the account has already voted on this proposal";
pub const ERR_NO_VOTING_POWER: &str =
    "E_NO_VOTING_POWER: the account held no META at the proposal's snapshot";

// Time-lock and execution.
pub const ERR_NOT_SUCCEEDED: &str = "E_NOT_SUCCEEDED: only a succeeded proposal can be queued";
pub const ERR_TIMELOCK: &str = "E_TIMELOCK: the time-lock has not elapsed";
pub const ERR_EXPIRED: &str = "E_EXPIRED: the proposal has expired";
pub const ERR_EXECUTING: &str = "E_EXECUTING: the proposal is being executed";
pub const ERR_ALREADY_EXECUTED: &str = "E_ALREADY_EXECUTED: the proposal was executed";
pub const ERR_NOT_QUEUED: &str = "E_NOT_QUEUED: the proposal is not queued";

// Guardian.
pub const ERR_NOT_GUARDIAN: &str =
    "E_NOT_GUARDIAN: only the guardian may cancel a proposal or pause staking";
pub const ERR_GUARDIAN_EXPIRED: &str = "E_GUARDIAN_EXPIRED: the guardian's mandate has lapsed";

// Upgrades and staged code.
pub const ERR_NOT_WASM: &str = "E_NOT_WASM: the staged code is not a wasm module";
pub const ERR_STAGE_DEPOSIT: &str =
    "E_STAGE_DEPOSIT: attach at least the staged code's storage (its length in bytes x 10^19 yoctoNEAR, plus its records)";
pub const ERR_CODE_NOT_STAGED: &str =
    "E_CODE_NOT_STAGED: no staged code has this hash (stage it with stage_code first)";
pub const ERR_CODE_IN_USE: &str =
    "E_CODE_IN_USE: a proposal that may still execute names this code";
pub const ERR_NOT_STAGER: &str =
    "E_NOT_STAGER: only the account that staged the code may unstage it";
pub const ERR_PROPOSAL_LIVE: &str =
    "E_PROPOSAL_LIVE: the proposal may still execute; its code is released when it ends";
pub const ERR_CODE_TOO_LARGE: &str =
    "E_CODE_TOO_LARGE: executing an upgrade to this code would need more than 300 Tgas";
pub const ERR_NO_CODE_REF: &str =
    "E_NO_CODE_REF: the proposal names no staged code, or its code was already released";
