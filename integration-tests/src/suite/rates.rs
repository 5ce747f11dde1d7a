//! Which reward rates each validator may have earned, so invariant 1 bounds
//! a pool's unbooked rewards by the rates that pool was paid, not by the
//! highest rate any validator was paid.
//!
//! The chain pays a validator its own rate when one is set, the chain-wide
//! rate otherwise (`localnet::Localnet::set_validator_reward_rate_of`). A
//! validator that never had a rate of its own earned only chain-wide rates,
//! so its bound is the highest chain-wide rate (`Ledger::max_reward_rate`);
//! one that had is tracked here from its first own rate on.

use std::collections::BTreeMap;

use localnet::{AccountId, RewardRate};

/// The higher of two rates (compared as fractions, exactly).
pub fn higher(a: RewardRate, b: RewardRate) -> RewardRate {
    let lhs = a.numerator.checked_mul(b.denominator);
    let rhs = b.numerator.checked_mul(a.denominator);
    match (lhs, rhs) {
        (Some(l), Some(r)) if l >= r => a,
        (Some(_), Some(_)) => b,
        // Rates in tests have small terms; an overflow means a broken rate.
        _ => panic!("reward rates {a:?} and {b:?} cannot be compared"),
    }
}

/// Per-validator reward rates and the highest each has earned under.
#[derive(Clone, Debug)]
pub struct ValidatorRates {
    /// The chain-wide rate in force.
    chain_rate: RewardRate,
    /// Validators with a rate of their own now.
    own: BTreeMap<AccountId, RewardRate>,
    /// For each validator that ever had a rate of its own, the highest rate
    /// it has been paid under (own or chain-wide) since genesis.
    max_of: BTreeMap<AccountId, RewardRate>,
}

impl ValidatorRates {
    /// No validator with a rate of its own; the chain pays `chain_rate`.
    pub fn new(chain_rate: RewardRate) -> Self {
        Self {
            chain_rate,
            own: BTreeMap::new(),
            max_of: BTreeMap::new(),
        }
    }

    /// The chain-wide rate changed: every tracked validator on it now may
    /// earn it.
    pub fn chain_rate_set(&mut self, rate: RewardRate) {
        self.chain_rate = rate;
        for (v, max) in self.max_of.iter_mut() {
            if !self.own.contains_key(v) {
                *max = higher(*max, rate);
            }
        }
    }

    /// `v` gets `rate` of its own (`None`: back on the chain-wide rate).
    /// `chain_max` is the highest chain-wide rate so far, what `v` may have
    /// earned before its first own rate.
    pub fn set(&mut self, v: &AccountId, rate: Option<RewardRate>, chain_max: RewardRate) {
        let earns = match rate {
            Some(r) => {
                self.own.insert(v.clone(), r);
                r
            }
            None => {
                self.own.remove(v);
                self.chain_rate
            }
        };
        let max = self.max_of.entry(v.clone()).or_insert(chain_max);
        *max = higher(*max, earns);
    }

    /// The highest rate `v` may have been paid, given the highest
    /// chain-wide rate so far.
    pub fn max_of(&self, v: &AccountId, chain_max: RewardRate) -> RewardRate {
        self.max_of.get(v).copied().unwrap_or(chain_max)
    }

    /// The rate of its own `v` earns now, if it has one.
    pub fn own_rate(&self, v: &AccountId) -> Option<RewardRate> {
        self.own.get(v).copied()
    }

    /// The rate `v` earns now.
    pub fn rate_of(&self, v: &AccountId) -> RewardRate {
        self.own.get(v).copied().unwrap_or(self.chain_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AccountId {
        s.parse().unwrap()
    }

    #[test]
    fn each_validator_is_bounded_by_the_rates_it_was_paid() {
        let r = |n| RewardRate::new(n, 1_000);
        let (a, b, c) = (id("a.near"), id("b.near"), id("c.near"));
        let mut chain_max = r(2);
        let mut rates = ValidatorRates::new(r(2));
        // a earns 9 of its own, b nothing: b's bound stays the chain's 2
        // (it earned 2 before), not a's 9.
        rates.set(&a, Some(r(9)), chain_max);
        rates.set(&b, Some(r(0)), chain_max);
        assert_eq!(rates.max_of(&a, chain_max), r(9));
        assert_eq!(rates.max_of(&b, chain_max), r(2));
        // A higher chain rate reaches c (never overridden) but neither a nor b.
        chain_max = higher(chain_max, r(5));
        rates.chain_rate_set(r(5));
        assert_eq!(rates.max_of(&c, chain_max), r(5));
        assert_eq!(rates.max_of(&b, chain_max), r(2));
        assert_eq!(rates.rate_of(&b), r(0));
        // Cleared, b is on the chain rate again and may earn it.
        rates.set(&b, None, chain_max);
        assert_eq!(rates.max_of(&b, chain_max), r(5));
        assert_eq!(rates.rate_of(&b), r(5));
        // Lowering a's own rate does not forget what it was paid.
        rates.set(&a, Some(r(1)), chain_max);
        assert_eq!(rates.max_of(&a, chain_max), r(9));
    }

    #[test]
    fn rates_compare_as_fractions() {
        let (a, b) = (RewardRate::new(1, 3), RewardRate::new(33, 100));
        assert_eq!(higher(a, b), a);
        assert_eq!(higher(b, a), a);
    }
}
