//! One epoch's reading: what the demo prints and charts. Read after the
//! keeper's round, from views only.

use localnet::AccountId;
use meta_pool::views::RouterConfig;
use near_sdk::json_types::U128;
use serde_json::json;

use super::network::{coefficients, Coefficients, NetStake};
use crate::suite::System;

/// Epochs in a year: mainnet's epochs are 43,200 blocks of about a second,
/// twelve hours, so two a day. The APY is annualised with this figure.
pub const EPOCHS_PER_YEAR: f64 = 730.0;

/// The state after one epoch's keeper round.
#[derive(Clone, Debug)]
pub struct EpochRow {
    /// Epoch of the run (0: deployed, nothing staked yet).
    pub epoch: u64,
    /// The chain's epoch height.
    pub chain_epoch: u64,
    /// Stakers who have arrived.
    pub stakers: usize,
    /// The router's `total_staked` (value of every share), yoctoNEAR.
    pub total_staked: u128,
    /// Stake the router holds undelegated (`books.buffered`).
    pub unplaced: u128,
    /// The router's list in order, with its stake at each validator.
    pub validators: Vec<(AccountId, u128)>,
    /// sNEAR's `get_snear_price` (yoctoNEAR per sNEAR), what wallets show.
    pub snear_price: u128,
    /// The router's own price (`get_pool_summary.share_price`).
    pub router_price: u128,
    /// Annualised from the price change since the previous row.
    pub apy: Option<f64>,
    /// Largest validator's part of the router's stake, and its cap.
    pub max_validator_share: f64,
    pub validator_cap: f64,
    /// Largest network share (live stake) of a validator in the router's
    /// list, and the cap on it.
    pub max_network_share: f64,
    pub network_cap: f64,
    /// Every validator of the network.
    pub network: Vec<NetStake>,
    pub nakamoto: Coefficients,
    /// Calls the keeper made this epoch and the gas they burnt (Tgas).
    pub keeper_calls: usize,
    pub keeper_tgas: f64,
    /// What happened during the epoch, after the reading.
    pub notes: Vec<String>,
}

impl EpochRow {
    /// The router's stake at `id` (0 when not listed).
    pub fn stake_at(&self, id: &AccountId) -> u128 {
        self.validators
            .iter()
            .find(|(v, _)| v == id)
            .map_or(0, |(_, s)| *s)
    }
}

/// `(p_now / p_prev)^EPOCHS_PER_YEAR - 1`.
pub fn annualise(prev: u128, now: u128, epochs: u64) -> Option<f64> {
    if prev == 0 || epochs == 0 {
        return None;
    }
    // The ratio is near 1: take the difference exactly first.
    let growth = (now as f64 - prev as f64) / prev as f64;
    Some((1.0 + growth).powf(EPOCHS_PER_YEAR / epochs as f64) - 1.0)
}

/// Reads the row of epoch `epoch` of the run.
pub fn observe(
    sys: &System,
    outside: &[AccountId],
    epoch: u64,
    stakers: usize,
    prev: Option<&EpochRow>,
) -> EpochRow {
    let summary = sys.pool_summary();
    let config: RouterConfig = sys.router_view("get_config", json!({}));
    let listed = sys.router_validators();
    let snear_price: U128 = sys.view(&sys.snear, "get_snear_price", json!({}));
    let total_staked = summary.books.total_staked;

    let mut network: Vec<NetStake> = outside
        .iter()
        .map(|id| NetStake {
            id: id.clone(),
            stake: sys.net.locked(id).as_yoctonear(),
            router: 0,
            outside: true,
        })
        .collect();
    for (i, p) in sys.pools.iter().enumerate() {
        let total: U128 = sys.view(&p.id, "get_total_staked_balance", json!({}));
        let router = sys
            .pool_balance_of_router(i)
            .map_or(0, |(staked, _)| staked);
        let is_listed = listed.iter().any(|v| v.account_id == p.id);
        network.push(NetStake {
            id: p.id.clone(),
            stake: total.0,
            router,
            outside: !is_listed,
        });
    }
    let network_total: u128 = network.iter().map(|v| v.stake).sum();

    let share = |x: u128, of: u128| if of == 0 { 0.0 } else { x as f64 / of as f64 };
    let max_validator_share = listed
        .iter()
        .map(|v| share(v.staked.0, total_staked))
        .fold(0.0, f64::max);
    let max_network_share = network
        .iter()
        .filter(|v| !v.outside)
        .map(|v| share(v.stake, network_total))
        .fold(0.0, f64::max);

    let apy =
        prev.and_then(|p| annualise(p.snear_price, snear_price.0, epoch.saturating_sub(p.epoch)));
    EpochRow {
        epoch,
        chain_epoch: sys.net.epoch_height(),
        stakers,
        total_staked,
        unplaced: summary.books.buffered,
        validators: listed
            .iter()
            .map(|v| (v.account_id.clone(), v.staked.0))
            .collect(),
        snear_price: snear_price.0,
        router_price: summary.share_price.0,
        apy,
        max_validator_share,
        validator_cap: f64::from(config.params.max_validator_share_bps) / 10_000.0,
        max_network_share,
        network_cap: f64::from(config.params.max_network_share_bps) / 10_000.0,
        nakamoto: coefficients(&network),
        network,
        keeper_calls: 0,
        keeper_tgas: 0.0,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annualising_compounds_over_the_year() {
        let one = 10u128.pow(24);
        assert_eq!(annualise(0, one, 1), None);
        assert_eq!(annualise(one, one, 0), None);
        assert_eq!(annualise(one, one, 1), Some(0.0));
        // 1.3 bps an epoch, 730 epochs: (1.00013)^730 - 1.
        let a = annualise(one, one + one * 13 / 100_000, 1).unwrap();
        let expected = 1.00013f64.powf(730.0) - 1.0;
        assert!((a - expected).abs() < 1e-9, "{a} vs {expected}");
        // Over two epochs the same growth is half the rate.
        let b = annualise(one, one + one * 13 / 100_000, 2).unwrap();
        assert!(b < a && b > 0.0);
    }
}
