//! Every way the router refuses a call. A refused call panics before it
//! changes anything; the code before the colon is stable for tools to match.
//!
//! Action validation errors (`E_PARAM_BOUNDS`, `E_WEIGHT_BOUNDS`,
//! `E_EMISSION_BOUNDS`, `E_EMPTY_WEIGHTS`, `E_DUPLICATE`) come from
//! `meta_common::actions`, shared with the governance contract.

// Initialisation.
pub const ERR_ALREADY_INITIALIZED: &str =
    "E_ALREADY_INITIALIZED: the router is already initialised";
pub const ERR_SEED_TOO_SMALL: &str = "E_SEED_TOO_SMALL: attach at least the minimum seed to new";
pub const ERR_BAD_LOCKUP_SUFFIX: &str =
    "E_BAD_LOCKUP_SUFFIX: the lockup suffix must be a valid sub-account id (e.g. lockup.near) without a leading dot";

// Authorisation.
pub const ERR_NOT_GOVERNANCE: &str =
    "E_NOT_GOVERNANCE: only the governance contract (or the owner during bootstrap) may do this";
pub const ERR_BAD_NOTICE: &str =
    "E_BAD_NOTICE: the arguments are not a borsh-encoded sNEAR balance notice";
pub const ERR_NOT_SNEAR: &str = "E_NOT_SNEAR: only the sNEAR contract may call this";
pub const ERR_NOT_OWNER: &str = "E_NOT_OWNER: only the owner may do this";
pub const ERR_BOOTSTRAP_ENDED: &str = "E_BOOTSTRAP_ENDED: the bootstrap phase has already ended";

// Amounts and balances.
pub const ERR_ZERO_AMOUNT: &str = "E_ZERO_AMOUNT: the amount must be positive";
pub const ERR_NOT_ENOUGH_UNSTAKED: &str = "E_NOT_ENOUGH_UNSTAKED: not enough unstaked balance";
pub const ERR_NOT_ENOUGH_STAKED: &str = "E_NOT_ENOUGH_STAKED: not enough staked balance";
pub const ERR_STAKE_TOO_SMALL: &str =
    "E_STAKE_TOO_SMALL: the amount is worth less than one share at the current price";
pub const ERR_LIQUID_STAKE_TOO_SMALL: &str =
    "E_LIQUID_STAKE_TOO_SMALL: a liquid stake must be at least 0.1 NEAR (a new holder pays sNEAR's registration out of it)";
pub const ERR_FIRST_DEPOSIT_TOO_SMALL: &str =
    "E_FIRST_DEPOSIT_TOO_SMALL: an account's first deposit must be at least 0.1 NEAR (it pays its record's storage)";
pub const ERR_NOT_AVAILABLE: &str =
    "E_NOT_AVAILABLE: the unstaked balance is not yet available due to the unstaking delay";
pub const ERR_RESERVE_SHORT: &str =
    "E_RESERVE_SHORT: the withdrawal reserve does not hold this amount yet; the keeper collects it";
pub const ERR_STORAGE_RESERVE_LOW: &str =
    "E_STORAGE_RESERVE_LOW: the router's own storage reserve is too low; top it up by transfer";
pub const ERR_NOT_ENOUGH_GAS: &str =
    "E_NOT_ENOUGH_GAS: attach more gas for the cross-contract call";
pub const ERR_MATH: &str = "E_MATH: arithmetic overflow";

// Validators.
pub const ERR_UNKNOWN_VALIDATOR: &str = "E_UNKNOWN_VALIDATOR: the validator is not in the list";
pub const ERR_VALIDATOR_EXISTS: &str = "E_VALIDATOR_EXISTS: the validator is already in the list";
pub const ERR_TOO_MANY_VALIDATORS: &str = "E_TOO_MANY_VALIDATORS: the validator list is full";
pub const ERR_VALIDATOR_STATE: &str =
    "E_VALIDATOR_STATE: the action does not apply to the validator's current state";

// Lockup governance-token claims.
pub const ERR_NOT_LOCKUP: &str = "E_NOT_LOCKUP: the account is not a lockup account";
pub const ERR_NOT_LOCKUP_OWNER: &str =
    "E_NOT_LOCKUP_OWNER: the caller is not the owner the lockup account id derives from";
pub const ERR_NOTHING_TO_CLAIM: &str = "E_NOTHING_TO_CLAIM: no governance tokens to claim";
pub const ERR_CLAIM_DEPOSIT: &str =
    "E_CLAIM_DEPOSIT: attach at least GOVERNANCE_MINT_DEPOSIT (0.025 NEAR) for the META mint's storage";
pub const ERR_UNSTAKE_BELOW_RECORD_COST: &str =
    "E_UNSTAKE_BELOW_RECORD_COST: a first unstake must exceed the storage of the record it creates (ACCOUNT_RECORD_COST)";

// The staking pause (issue 14, `pause`).
pub const ERR_STAKING_PAUSED: &str =
    "E_STAKING_PAUSED: new stake is paused (see is_staking_paused); unstake and withdraw still work";
pub const ERR_ALREADY_PAUSED: &str =
    "E_ALREADY_PAUSED: staking is already paused; only the DAO extends or ends a pause";
