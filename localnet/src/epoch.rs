//! Epochs and validators: stake proposals, validator sets, rewards and the
//! return of lowered stake.
//!
//! As in nearcore, a stake proposal made during epoch `E` shapes the validator
//! set of epoch `E + 2`; at each epoch boundary the validators of the epoch
//! that ended are rewarded on their stake, and locked balance above the
//! largest stake the account has in the ended, current and next-but-one epoch
//! (or its last proposal) returns to the liquid balance. A lowered stake is
//! therefore liquid again three epoch boundaries after the proposal.

use near_account_id::AccountId;
use near_token::NearToken;
use std::collections::BTreeMap;

/// A per-epoch reward rate: `numerator / denominator` of the stake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardRate {
    pub numerator: u128,
    pub denominator: u128,
}

impl RewardRate {
    /// No reward.
    pub const ZERO: RewardRate = RewardRate {
        numerator: 0,
        denominator: 1,
    };

    /// `numerator / denominator` of the stake per epoch.
    ///
    /// # Panics
    /// If `denominator` is zero.
    pub fn new(numerator: u128, denominator: u128) -> Self {
        assert!(denominator > 0, "reward rate denominator must be positive");
        RewardRate {
            numerator,
            denominator,
        }
    }

    /// The reward on `stake`, rounded down.
    pub fn reward(&self, stake: NearToken) -> NearToken {
        // stake * n / d without overflow for any realistic stake: split the division.
        let s = stake.as_yoctonear();
        let q = s / self.denominator;
        let r = s % self.denominator;
        let reward = q
            .checked_mul(self.numerator)
            .and_then(|a| a.checked_add(r.checked_mul(self.numerator)? / self.denominator))
            .expect("reward overflow");
        NearToken::from_yoctonear(reward)
    }
}

pub(crate) type Stakes = BTreeMap<AccountId, NearToken>;

/// What an epoch boundary does to accounts.
#[derive(Debug, Default)]
pub(crate) struct BoundaryUpdate {
    /// Reward added to the locked balance.
    pub rewards: BTreeMap<AccountId, NearToken>,
    /// Largest stake each account must keep locked; the excess returns.
    pub keep_locked: BTreeMap<AccountId, NearToken>,
}

#[derive(Clone, Debug)]
pub(crate) struct Epochs {
    /// Validator sets by epoch height: the current one and the next two.
    sets: BTreeMap<u64, Stakes>,
    /// Last proposal of each account in the current epoch.
    proposals: Stakes,
    /// The set of the epoch before the one that ended last, so an account that
    /// left every set is still visited once more and gets its stake back.
    retired: Stakes,
    pub reward_rate: RewardRate,
    pub external_total: NearToken,
    pub external_named: Stakes,
    /// `sets[current]` plus the named outside validators, as contracts see it.
    view: Stakes,
    view_total: NearToken,
}

impl Epochs {
    pub fn new(current: u64, reward_rate: RewardRate) -> Self {
        let mut sets = BTreeMap::new();
        for e in current..=current + 2 {
            sets.insert(e, Stakes::new());
        }
        let mut epochs = Epochs {
            sets,
            proposals: Stakes::new(),
            retired: Stakes::new(),
            reward_rate,
            external_total: NearToken::ZERO,
            external_named: Stakes::new(),
            view: Stakes::new(),
            view_total: NearToken::ZERO,
        };
        epochs.refresh_view(current);
        epochs
    }

    pub fn set(&self, epoch: u64) -> Option<&Stakes> {
        self.sets.get(&epoch)
    }

    /// Validator stakes of the current epoch as `env::validator_stake` reports them.
    pub fn view(&self) -> (&Stakes, NearToken) {
        (&self.view, self.view_total)
    }

    pub fn refresh_view(&mut self, current: u64) {
        let mut view = self.sets.get(&current).cloned().unwrap_or_default();
        for (id, stake) in &self.external_named {
            view.insert(id.clone(), *stake);
        }
        let total = view
            .values()
            .try_fold(self.external_total, |acc, s| acc.checked_add(*s))
            .expect("stake overflow");
        self.view = view;
        self.view_total = total;
    }

    pub fn propose(&mut self, account: AccountId, stake: NearToken) {
        self.proposals.insert(account, stake);
    }

    /// Makes `account` a validator with `stake` from epoch `current` on, as a
    /// genesis validator would be (no proposal delay).
    pub fn seed_validator(&mut self, current: u64, account: AccountId, stake: NearToken) {
        for (_, set) in self.sets.range_mut(current..) {
            if stake == NearToken::ZERO {
                set.remove(&account);
            } else {
                set.insert(account.clone(), stake);
            }
        }
        self.refresh_view(current);
    }

    /// Moves from epoch `ended` to `ended + 1`. Returns what to apply to accounts.
    pub fn advance(&mut self, ended: u64) -> BoundaryUpdate {
        let ended_set = self.sets.get(&ended).cloned().unwrap_or_default();
        let next = self.sets.get(&(ended + 1)).cloned().unwrap_or_default();
        let mut update = BoundaryUpdate::default();
        for (id, stake) in &ended_set {
            let reward = self.reward_rate.reward(*stake);
            if reward > NearToken::ZERO {
                update.rewards.insert(id.clone(), reward);
            }
        }
        // The set two epochs ahead: last epoch's stakes roll over with their reward,
        // proposals replace them.
        let mut new_set = Stakes::new();
        for (id, stake) in &next {
            let reward = update.rewards.get(id).copied().unwrap_or(NearToken::ZERO);
            new_set.insert(
                id.clone(),
                stake.checked_add(reward).expect("stake overflow"),
            );
        }
        for (id, stake) in &self.proposals {
            if *stake == NearToken::ZERO {
                new_set.remove(id);
            } else {
                let reward = update.rewards.get(id).copied().unwrap_or(NearToken::ZERO);
                new_set.insert(
                    id.clone(),
                    stake.checked_add(reward).expect("stake overflow"),
                );
            }
        }
        let mut accounts: Vec<&AccountId> = ended_set.keys().collect();
        accounts.extend(self.retired.keys());
        accounts.extend(next.keys());
        accounts.extend(new_set.keys());
        accounts.extend(self.proposals.keys());
        accounts.sort();
        accounts.dedup();
        for id in accounts {
            let get = |s: &Stakes| s.get(id).copied().unwrap_or(NearToken::ZERO);
            let keep = get(&ended_set)
                .max(get(&next))
                .max(get(&new_set))
                .max(get(&self.proposals));
            update.keep_locked.insert(id.clone(), keep);
        }
        self.sets.remove(&ended);
        self.sets.insert(ended + 2, new_set);
        self.retired = ended_set;
        self.proposals.clear();
        self.refresh_view(ended + 1);
        update
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AccountId {
        s.parse().unwrap()
    }

    #[test]
    fn reward_is_exact_for_large_stakes() {
        let rate = RewardRate::new(1, 10_000);
        let stake = NearToken::from_near(1_000_000_000);
        assert_eq!(rate.reward(stake), NearToken::from_near(100_000));
        let rate = RewardRate::new(3, 7);
        assert_eq!(
            rate.reward(NearToken::from_yoctonear(100)),
            NearToken::from_yoctonear(42)
        );
    }

    #[test]
    fn proposal_takes_two_epochs_and_lowered_stake_is_kept_three() {
        let mut epochs = Epochs::new(1, RewardRate::ZERO);
        let v = id("v.near");
        epochs.propose(v.clone(), NearToken::from_near(10));
        epochs.advance(1);
        assert!(epochs.set(2).unwrap().get(&v).is_none());
        assert_eq!(
            epochs.set(3).unwrap().get(&v),
            Some(&NearToken::from_near(10))
        );
        epochs.advance(2);
        assert_eq!(epochs.view().0.get(&v), Some(&NearToken::from_near(10)));
        // Unstake in epoch 3: still kept through the boundaries 3→4 and 4→5.
        epochs.propose(v.clone(), NearToken::ZERO);
        assert_eq!(epochs.advance(3).keep_locked[&v], NearToken::from_near(10));
        assert_eq!(epochs.advance(4).keep_locked[&v], NearToken::from_near(10));
        assert_eq!(
            epochs
                .advance(5)
                .keep_locked
                .get(&v)
                .copied()
                .unwrap_or_default(),
            NearToken::ZERO
        );
    }
}
