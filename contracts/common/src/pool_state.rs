//! The router's pool totals and governance-token index, as pushed to sNEAR.

use near_sdk::json_types::U128;
use near_sdk::near;

use crate::shares::mul_div_down;

/// Fixed-point scale of the reward-per-share index: the index is the META
/// (in its smallest unit) earned by one share unit since genesis, times this.
///
/// Sized for the extremes: 500k META an epoch over a pool of one NEAR of
/// shares adds 5e29 a epoch, so u128 lasts 10^8 epochs; a 10^9-NEAR pool
/// still sees an increment of 10^18 a epoch from one META, keeping 18 digits.
pub const REWARD_INDEX_SCALE: u128 = 10u128.pow(24);

/// One yoctoNEAR-denominated unit of sNEAR is one share; 10^24 of them are
/// "one sNEAR" (24 decimals, as NEAR).
pub const ONE_SHARE_TOKEN: u128 = 10u128.pow(24);

/// What the router pushes to sNEAR each time it syncs rewards.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolState {
    /// NEAR value of all shares, in yoctoNEAR.
    pub total_staked: U128,
    /// All shares: sNEAR supply, lockup shares held by the router and the
    /// router's seed shares.
    pub total_shares: U128,
    /// Cumulative META per share, scaled by [`REWARD_INDEX_SCALE`]. Never
    /// decreases.
    pub reward_index: U128,
    /// Epoch of the sync that produced this state.
    pub epoch_height: u64,
}

impl PoolState {
    /// yoctoNEAR one sNEAR (10^24 shares) is worth, rounded down.
    pub fn price(&self) -> u128 {
        mul_div_down(ONE_SHARE_TOKEN, self.total_staked.0, self.total_shares.0)
            .unwrap_or(ONE_SHARE_TOKEN)
    }

    /// yoctoNEAR `shares` are worth, rounded down (never over-reports).
    pub fn value_of(&self, shares: u128) -> u128 {
        mul_div_down(shares, self.total_staked.0, self.total_shares.0).unwrap_or(0)
    }
}

/// META earned by `shares` held while the index moved from `index_then` to
/// `index_now`, rounded down. Zero when the index did not move forward.
pub fn accrued_reward(shares: u128, index_then: u128, index_now: u128) -> u128 {
    if index_now <= index_then {
        return 0;
    }
    mul_div_down(shares, index_now - index_then, REWARD_INDEX_SCALE).unwrap_or(u128::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(staked: u128, shares: u128) -> PoolState {
        PoolState {
            total_staked: U128(staked),
            total_shares: U128(shares),
            reward_index: U128(0),
            epoch_height: 0,
        }
    }

    #[test]
    fn price_and_value_round_down() {
        let s = state(3 * ONE_SHARE_TOKEN, 2 * ONE_SHARE_TOKEN);
        assert_eq!(s.price(), ONE_SHARE_TOKEN * 3 / 2);
        assert_eq!(state(3, 2).value_of(1), 1);
    }

    #[test]
    fn empty_pool_prices_at_par_and_values_nothing() {
        assert_eq!(state(0, 0).price(), ONE_SHARE_TOKEN);
        assert_eq!(state(0, 0).value_of(5), 0);
    }

    #[test]
    fn accrual_follows_index_and_rounds_down() {
        assert_eq!(accrued_reward(10, 0, REWARD_INDEX_SCALE), 10);
        assert_eq!(accrued_reward(3, 0, REWARD_INDEX_SCALE / 2), 1);
        assert_eq!(accrued_reward(10, 5, 5), 0);
        assert_eq!(accrued_reward(10, 6, 5), 0);
    }

    #[test]
    fn pool_state_json_rejects_unknown_fields() {
        let ok = r#"{"total_staked":"1","total_shares":"1","reward_index":"0","epoch_height":3}"#;
        assert!(near_sdk::serde_json::from_str::<PoolState>(ok).is_ok());
        let extra =
            r#"{"total_staked":"1","total_shares":"1","reward_index":"0","epoch_height":3,"x":1}"#;
        assert!(near_sdk::serde_json::from_str::<PoolState>(extra).is_err());
    }
}
