//! Every way a call to sNEAR can be refused. A refused call changes nothing:
//! each check runs before the first write, and a panic reverts the receipt
//! anyway. The code before the colon is what callers and tests match on.

pub const ERR_NOT_ROUTER: &str = "E_NOT_ROUTER: only the router may call this method";
pub const ERR_ZERO_AMOUNT: &str = "E_ZERO_AMOUNT: the amount must be positive";
pub const ERR_SELF_TRANSFER: &str = "E_SELF_TRANSFER: sender and receiver must differ";
pub const ERR_ONE_YOCTO: &str = "E_ONE_YOCTO: attach exactly 1 yoctoNEAR";
pub const ERR_NOT_REGISTERED: &str = "E_NOT_REGISTERED: the account holds no sNEAR storage";
pub const ERR_RECEIVER_NOT_REGISTERED: &str =
    "E_RECEIVER_NOT_REGISTERED: the receiver holds no sNEAR storage";
pub const ERR_INSUFFICIENT_BALANCE: &str =
    "E_INSUFFICIENT_BALANCE: the account holds less sNEAR than the amount";
pub const ERR_BALANCE_OVERFLOW: &str = "E_BALANCE_OVERFLOW: a balance would exceed u128";
pub const ERR_STORAGE_DEPOSIT: &str =
    "E_STORAGE_DEPOSIT: the attached deposit does not cover a new holder's storage";
pub const ERR_STORAGE_WITHDRAW: &str =
    "E_STORAGE_WITHDRAW: the storage balance is fixed, nothing is available to withdraw";
pub const ERR_POSITIVE_BALANCE: &str =
    "E_POSITIVE_BALANCE: the account holds sNEAR; unstake it through the router or transfer it before unregistering (force does not burn it)";
pub const ERR_UNCLAIMED_GOVERNANCE_TOKENS: &str =
    "E_UNCLAIMED_META: claim the accrued governance tokens before unregistering";
pub const ERR_CLAIM_IN_FLIGHT: &str =
    "E_CLAIM_IN_FLIGHT: a governance-token claim of this account is still in flight";
pub const ERR_NOTHING_TO_CLAIM: &str = "E_NOTHING_TO_CLAIM: no governance tokens have accrued";
pub const ERR_CLAIM_DEPOSIT: &str =
    "E_CLAIM_DEPOSIT: attach GOVERNANCE_MINT_DEPOSIT to pay for the META storage of the claim";
pub const ERR_NOT_ENOUGH_GAS: &str = "E_NOT_ENOUGH_GAS: attach more gas";
pub const ERR_INDEX_BACKWARDS: &str =
    "E_INDEX_BACKWARDS: the reward index may not be lower than the one already pushed";
pub const ERR_STALE_EPOCH: &str =
    "E_STALE_EPOCH: the pool state is older than the one already pushed";
pub const ERR_REGISTRATION_EXCEEDS_MINT: &str =
    "E_REGISTRATION_EXCEEDS_MINT: the registration would take the whole mint";
pub const ERR_NOT_GOVERNANCE: &str =
    "E_NOT_GOVERNANCE: only the governance contract may upgrade sNEAR";
