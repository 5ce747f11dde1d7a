//! One delegator's state in the pool.

use near_sdk::{near, EpochHeight};

/// What the pool holds for one account.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// NEAR the account may stake or (once unlocked) withdraw.
    pub unstaked: u128,
    /// Stake shares; their value is `stake_shares * total_staked_balance /
    /// total_stake_shares`, rounded down.
    pub stake_shares: u128,
    /// First epoch at which `unstaked` may be withdrawn.
    pub unstaked_available_epoch_height: EpochHeight,
}

impl Account {
    /// An account with nothing in it is not stored.
    pub fn is_empty(&self) -> bool {
        self.unstaked == 0 && self.stake_shares == 0
    }
}
