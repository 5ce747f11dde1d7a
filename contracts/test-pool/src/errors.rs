//! Panic texts. The core pool's texts are kept verbatim so that anything
//! matching on them (tests, tools, the router's error handling) behaves the
//! same against this pool as against a mainnet pool; checks the core pool
//! does not have use this project's `E_…` form.

pub const ERR_NOT_OWNER: &str = "Can only be called by the owner";
pub const ERR_FEE_DENOMINATOR: &str = "Denominator must be a positive number";
pub const ERR_FEE_ABOVE_ONE: &str = "The reward fee must be less or equal to 1";
pub const ERR_STAKING_AT_INIT: &str = "The staking pool shouldn't be staking at the initialization";
pub const ERR_INIT_BALANCE: &str =
    "E_INIT_BALANCE: the initial balance must exceed the stake share price guarantee fund";
pub const ERR_BALANCE_DECREASED: &str =
    "The new total balance should not be less than the old total balance";

pub const ERR_WITHDRAW_ZERO: &str = "Withdrawal amount should be positive";
pub const ERR_WITHDRAW_NOT_ENOUGH: &str = "Not enough unstaked balance to withdraw";
pub const ERR_WITHDRAW_LOCKED: &str =
    "The unstaked balance is not yet available due to unstaking delay";

pub const ERR_STAKE_ZERO: &str = "Staking amount should be positive";
pub const ERR_STAKE_ZERO_SHARES: &str =
    "The calculated number of \"stake\" shares received for staking should be positive";
pub const ERR_STAKE_NOT_ENOUGH: &str = "Not enough unstaked balance to stake";

pub const ERR_UNSTAKE_ZERO: &str = "Unstaking amount should be positive";
pub const ERR_NO_STAKED_BALANCE: &str = "The contract doesn't have staked balance";
pub const ERR_UNSTAKE_ZERO_SHARES: &str =
    "Invariant violation. The calculated number of \"stake\" shares for unstaking should be positive";
pub const ERR_UNSTAKE_NOT_ENOUGH: &str = "Not enough staked balance to unstake";

pub const ERR_ZERO_AMOUNT_FOR_SHARES: &str = "Invariant violation. Calculated staked amount must be positive, because \"stake\" share price should be at least 1";
pub const ERR_TOTAL_STAKED_ZERO: &str = "The total staked balance can't be 0";
pub const ERR_TOTAL_SHARES_ZERO: &str = "The total number of stake shares can't be 0";
pub const ERR_OVERFLOW: &str = "E_OVERFLOW: balance arithmetic out of range";

pub const ERR_ALREADY_PAUSED: &str = "The staking is already paused";
pub const ERR_NOT_PAUSED: &str = "The staking is not paused";
