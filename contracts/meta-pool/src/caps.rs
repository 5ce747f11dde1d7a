//! Targets and caps: how much stake each validator should hold and how much
//! more it may take. Pure functions; the network figures are passed in so
//! views and operations share them and tests can set them.
//!
//! `env::validator_stake` and `env::validator_total_stake` cost ~0.9 Tgas
//! each, so planning never calls them: each validator's network stake is
//! read once at its sync (it is constant within an epoch, and only
//! validators synced this epoch are acted on) and the network's total once
//! an epoch (`CachedNetwork`).

use meta_common::shares::mul_div_down;

use crate::config::{bps_of, Params};
use crate::validators::{Validator, ValidatorState};

/// The network's stake as this epoch's validator set shows it.
pub trait NetworkStake {
    /// `env::validator_stake(id)`: 0 for a pool outside the validator set.
    fn stake_of(&self, v: &Validator) -> u128;
    /// `env::validator_total_stake()`.
    fn total(&self) -> u128;
}

/// The chain's figures as the router cached them: each validator's stake
/// as read at its last sync (`Validator::network_stake`) and the total as
/// read at the epoch's first sync.
pub struct CachedNetwork {
    pub total: u128,
}

impl NetworkStake for CachedNetwork {
    fn stake_of(&self, v: &Validator) -> u128 {
        v.network_stake
    }
    fn total(&self) -> u128 {
        self.total
    }
}

/// The most one validator may hold: `max_validator_share_bps` of the
/// router's total stake.
pub fn validator_cap(total_staked: u128, params: &Params) -> u128 {
    bps_of(total_staked, params.max_validator_share_bps)
}

/// How much more the router may stake on `v` now without either cap being
/// exceeded after the stake lands:
/// - its stake with the router stays within `validator_cap`;
/// - its network stake (what the validator set shows, plus what the router
///   added in the epochs the set does not show yet) stays within
///   `max_network_share_bps` of the network's total stake.
///
/// Zero when the network total is unknown (0): no stake goes anywhere
/// whose share cannot be checked. Zero too for a validator outside the
/// current validator set (`env::validator_stake` reads 0: kicked out, or
/// never seated): it earns nothing, and its network share cannot be
/// checked, because the set does not show the stake its pool already
/// holds; stake placed there could seat it above the network cap.
pub fn stake_room(
    v: &Validator,
    total_staked: u128,
    params: &Params,
    net: &dyn NetworkStake,
    now: u64,
) -> u128 {
    if v.stale_epoch == Some(now) || net.stake_of(v) == 0 {
        return 0;
    }
    let share_room = validator_cap(total_staked, params).saturating_sub(v.staked);
    let limit = bps_of(net.total(), params.max_network_share_bps);
    let network_room = limit
        .saturating_sub(net.stake_of(v))
        .saturating_sub(v.recent_added(now));
    share_room.min(network_room)
}

/// Each validator's target stake, in list order.
///
/// Active validators share, by weight, the router's total stake less what
/// paused validators hold (a paused validator's stake stays where it is).
/// No target exceeds `validator_cap`: what a capped validator's weight would
/// give beyond the cap is shared by weight among the others, until none is
/// over (water-filling), so targets agree with the caps and rebalancing
/// never fights them. Paused and draining validators have a target of 0:
/// user unstakes draw on them first, and draining ones empty.
pub fn targets(list: &[Validator], total_staked: u128, params: &Params) -> Vec<u128> {
    let paused: u128 = list
        .iter()
        .filter(|v| v.state == ValidatorState::Paused)
        .map(|v| v.staked)
        .fold(0, u128::saturating_add);
    let cap = validator_cap(total_staked, params);
    let mut remaining = total_staked.saturating_sub(paused);
    let mut open: Vec<usize> = (0..list.len())
        .filter(|&i| list[i].state == ValidatorState::Active)
        .collect();
    let mut out = vec![0u128; list.len()];
    while !open.is_empty() {
        let weights: u128 = open.iter().map(|&i| list[i].weight_bps as u128).sum();
        let share =
            |i: usize| mul_div_down(remaining, list[i].weight_bps as u128, weights).unwrap_or(0);
        let (capped, uncapped): (Vec<usize>, Vec<usize>) =
            open.iter().partition(|&&i| share(i) >= cap);
        if capped.is_empty() {
            for i in uncapped {
                out[i] = share(i);
            }
            break;
        }
        for i in capped {
            out[i] = cap;
            remaining = remaining.saturating_sub(cap);
        }
        open = uncapped;
    }
    out
}

/// `staked - target` as a signed figure (balances are below 2^127).
pub fn excess(staked: u128, target: u128) -> i128 {
    staked as i128 - target as i128
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::config::ONE_NEAR;
    use std::collections::HashMap;

    /// Network figures set by a test.
    pub struct FixedNetwork {
        pub total: u128,
        pub stakes: HashMap<String, u128>,
    }

    impl NetworkStake for FixedNetwork {
        fn stake_of(&self, v: &Validator) -> u128 {
            self.stakes.get(v.account_id.as_str()).copied().unwrap_or(0)
        }
        fn total(&self) -> u128 {
            self.total
        }
    }

    fn val(name: &str, weight: u16, staked: u128, state: ValidatorState) -> Validator {
        let mut v = Validator::new(name.parse().unwrap(), weight);
        v.staked = staked;
        v.state = state;
        v
    }

    /// A large network in which `a.pool` is a seated validator.
    fn big_network() -> FixedNetwork {
        FixedNetwork {
            total: 1_000_000 * ONE_NEAR,
            stakes: HashMap::from([("a.pool".to_string(), 1_000 * ONE_NEAR)]),
        }
    }

    #[test]
    fn single_validator_is_held_to_the_share_cap() {
        let p = Params::default(); // 25% of the router's stake
        let v = val("a.pool", 10_000, 0, ValidatorState::Active);
        let total = 100 * ONE_NEAR;
        assert_eq!(stake_room(&v, total, &p, &big_network(), 1), 25 * ONE_NEAR);
        let full = val("a.pool", 10_000, 25 * ONE_NEAR, ValidatorState::Active);
        assert_eq!(stake_room(&full, total, &p, &big_network(), 1), 0);
        assert_eq!(
            targets(&[v], total, &p),
            vec![25 * ONE_NEAR],
            "target capped too"
        );
    }

    #[test]
    fn network_share_limits_room() {
        let p = Params::default(); // 5% of the network
        let v = val("a.pool", 10_000, 0, ValidatorState::Active);
        let mut net = FixedNetwork {
            total: 1_000 * ONE_NEAR,
            stakes: HashMap::new(),
        };
        net.stakes.insert("a.pool".into(), 45 * ONE_NEAR);
        let total = 1_000 * ONE_NEAR;
        assert_eq!(stake_room(&v, total, &p, &net, 1), 5 * ONE_NEAR);
        net.stakes.insert("a.pool".into(), 60 * ONE_NEAR);
        assert_eq!(
            stake_room(&v, total, &p, &net, 1),
            0,
            "already above: nothing more"
        );
    }

    #[test]
    fn recent_additions_count_against_the_network_cap() {
        let p = Params::default();
        let mut v = val("a.pool", 10_000, 0, ValidatorState::Active);
        let net = FixedNetwork {
            total: 1_000 * ONE_NEAR,
            stakes: HashMap::from([("a.pool".to_string(), ONE_NEAR)]),
        };
        v.record_added(7, 30 * ONE_NEAR);
        assert_eq!(stake_room(&v, 1_000 * ONE_NEAR, &p, &net, 8), 19 * ONE_NEAR);
        assert_eq!(
            stake_room(&v, 1_000 * ONE_NEAR, &p, &net, 10),
            49 * ONE_NEAR
        );
    }

    /// A validator the set does not show (kicked out, or never seated)
    /// earns nothing and its pool's real stake is unknown to the network
    /// cap: no room at all, whatever its share of the router.
    #[test]
    fn a_validator_outside_the_validator_set_gets_no_stake() {
        let p = Params::default();
        let v = val("a.pool", 10_000, 0, ValidatorState::Active);
        let mut net = FixedNetwork {
            total: 1_000_000 * ONE_NEAR,
            stakes: HashMap::new(),
        };
        assert_eq!(stake_room(&v, 100 * ONE_NEAR, &p, &net, 1), 0);
        net.stakes.insert("a.pool".into(), 1);
        assert_eq!(stake_room(&v, 100 * ONE_NEAR, &p, &net, 1), 25 * ONE_NEAR);
    }

    #[test]
    fn unknown_network_total_gives_no_room() {
        let v = val("a.pool", 1, 0, ValidatorState::Active);
        let net = FixedNetwork {
            total: 0,
            stakes: HashMap::new(),
        };
        assert_eq!(stake_room(&v, ONE_NEAR, &Params::default(), &net, 0), 0);
    }

    #[test]
    fn targets_follow_weights_and_states() {
        let p = Params {
            max_validator_share_bps: 3_000,
            ..Params::default()
        };
        let list = [
            val("aa", 1, 0, ValidatorState::Active),
            val("bb", 3, 0, ValidatorState::Active),
            val("cc", 5, 10, ValidatorState::Paused),
            val("dd", 5, 7, ValidatorState::Draining),
        ];
        // base 110 - 10 paused = 100; weights 1:3 -> 25 and 75, 75 capped at
        // 33 and the 42 it cannot take go to the other: capped at 33 too.
        assert_eq!(targets(&list, 110, &p), vec![33, 33, 0, 0]);
    }

    #[test]
    fn capped_weight_flows_to_the_others() {
        let p = Params::default(); // cap 25%
        let list = [
            val("aa", 1_000, 0, ValidatorState::Active),
            val("bb", 3_000, 0, ValidatorState::Active),
            val("cc", 3_000, 0, ValidatorState::Active),
            val("dd", 3_000, 0, ValidatorState::Active),
            val("ee", 3_000, 0, ValidatorState::Active),
        ];
        // 100 by 1:3:3:3:3 is 7.7 and 23.1: nobody capped.
        assert_eq!(targets(&list, 100, &p), vec![7, 23, 23, 23, 23]);
        // Without ee, b c d would take 30: capped at 25, a gets the rest.
        assert_eq!(targets(&list[..4], 100, &p), vec![25, 25, 25, 25]);
        // Targets never exceed the cap, even when the caps cannot hold it all.
        assert_eq!(targets(&list[..2], 100, &p), vec![25, 25]);
    }

    #[test]
    fn no_active_validator_means_no_target() {
        let list = [val("aa", 1, 5, ValidatorState::Paused)];
        assert_eq!(targets(&list, 100, &Params::default()), vec![0]);
        assert_eq!(excess(5, 0), 5);
        assert_eq!(excess(0, 5), -5);
    }
}
