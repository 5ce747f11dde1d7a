//! Epochs and validators: stake proposals, validator sets, rewards and the
//! return of lowered stake.
//!
//! As in nearcore, a stake proposal made during epoch `E` shapes the validator
//! set of epoch `E + 2`; at each epoch boundary the validators of the epoch
//! that ended are rewarded on their stake, and locked balance above the
//! largest stake the account has in the ended, current and next-but-one epoch
//! returns to the liquid balance. A lowered stake is therefore liquid again
//! three epoch boundaries after the proposal.
//!
//! Rewards: each validator earns its own rate when one is set
//! ([`Epochs::set_rate_of`]), the chain-wide rate otherwise.
//!
//! Seat threshold and kick-outs. nearcore seats only validators whose stake
//! reaches the epoch's seat price; the others get a `NotEnoughStake`
//! kick-out: they are left out of the epoch info being built and their
//! stake change there is zero. Localnet takes the seat price as a fixed,
//! configurable threshold (zero: everyone is seated) and applies it where
//! nearcore does, when the set two epochs ahead is formed at a boundary:
//! - a member of that set (a rolled-over validator with its reward, or a
//!   fresh proposal) whose stake is below the threshold is left out of it;
//!   sets already formed keep it, so a threshold change shows two epochs
//!   later, as a seat price change does;
//! - out of a set it validates nothing in that epoch, so contracts read a
//!   zero `env::validator_stake` for it, the total leaves it out, and it
//!   earns no reward for that epoch;
//! - it does not roll over into later sets: it is back only after a new
//!   proposal at or above the threshold (a staking pool re-proposes on its
//!   next `ping` in a new epoch);
//! - its locked balance comes back as nearcore returns a kicked-out
//!   validator's (the runtime keeps the largest of the stake changes of the
//!   last three epoch infos, and a kick-out's is zero): liquid at the first
//!   boundary where it is in none of the ended, current and next-but-one
//!   sets and made no proposal in the ended epoch.

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
    /// Validators earning another rate than `reward_rate`.
    rate_overrides: BTreeMap<AccountId, RewardRate>,
    /// Smallest stake seated in a set formed at a boundary (zero: any).
    pub seat_threshold: NearToken,
    /// Accounts left out of the last set formed for want of stake.
    kicked_out: Stakes,
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
            rate_overrides: BTreeMap::new(),
            seat_threshold: NearToken::ZERO,
            kicked_out: Stakes::new(),
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

    /// The rate `account` earns: its own if set, the chain-wide one otherwise.
    pub fn rate_of(&self, account: &AccountId) -> RewardRate {
        self.rate_overrides
            .get(account)
            .copied()
            .unwrap_or(self.reward_rate)
    }

    /// Gives `account` its own rate (`None`: back to the chain-wide rate).
    pub fn set_rate_of(&mut self, account: AccountId, rate: Option<RewardRate>) {
        match rate {
            Some(rate) => self.rate_overrides.insert(account, rate),
            None => self.rate_overrides.remove(&account),
        };
    }

    /// Validators with a rate of their own.
    pub fn rate_overrides(&self) -> &BTreeMap<AccountId, RewardRate> {
        &self.rate_overrides
    }

    /// Accounts (with the stake they fell short with) left out of the set
    /// formed at the last boundary.
    pub fn kicked_out(&self) -> &Stakes {
        &self.kicked_out
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
            let reward = self.rate_of(id).reward(*stake);
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
        // Seats: whoever falls short of the threshold is out of the new set;
        // it stays in `accounts` below through the proposal or `next`, so
        // its stake is kept exactly as long as those sets hold it.
        let threshold = self.seat_threshold;
        let (seated, short): (Stakes, Stakes) = new_set
            .into_iter()
            .partition(|(_, stake)| *stake >= threshold);
        let new_set = seated;
        self.kicked_out = short;
        let mut accounts: Vec<&AccountId> = ended_set.keys().collect();
        accounts.extend(self.retired.keys());
        accounts.extend(next.keys());
        accounts.extend(new_set.keys());
        accounts.extend(self.proposals.keys());
        accounts.sort();
        accounts.dedup();
        for id in accounts {
            let get = |s: &Stakes| s.get(id).copied().unwrap_or(NearToken::ZERO);
            // An accepted proposal is in `new_set` with its reward, so only
            // a rejected one would add anything here, and nearcore keeps
            // none: the stake of a proposal that won no seat comes back.
            let keep = get(&ended_set).max(get(&next)).max(get(&new_set));
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

    fn near(n: u128) -> NearToken {
        NearToken::from_near(n)
    }

    fn kept(update: &BoundaryUpdate, v: &AccountId) -> NearToken {
        update.keep_locked.get(v).copied().unwrap_or_default()
    }

    /// Epochs at height 1 with `v` a validator of every set at `stake`.
    fn seeded(v: &AccountId, stake: NearToken, rate: RewardRate) -> Epochs {
        let mut epochs = Epochs::new(1, rate);
        epochs.seed_validator(1, v.clone(), stake);
        epochs
    }

    #[test]
    fn a_validator_rate_overrides_the_chain_rate_until_cleared() {
        let (a, b) = (id("a.near"), id("b.near"));
        let mut epochs = seeded(&a, near(1_000), RewardRate::new(1, 100));
        epochs.seed_validator(1, b.clone(), near(1_000));
        epochs.set_rate_of(b.clone(), Some(RewardRate::new(3, 100)));
        let update = epochs.advance(1);
        assert_eq!(update.rewards[&a], near(10));
        assert_eq!(update.rewards[&b], near(30));
        epochs.set_rate_of(a.clone(), Some(RewardRate::ZERO));
        epochs.set_rate_of(b.clone(), None);
        let update = epochs.advance(2);
        assert!(!update.rewards.contains_key(&a), "zero rate pays nothing");
        assert_eq!(update.rewards[&b], near(10));
        assert_eq!(epochs.rate_of(&b), RewardRate::new(1, 100));
    }

    #[test]
    fn below_the_threshold_a_validator_is_kicked_out_unpaid_and_gets_its_stake_back() {
        let v = id("v.near");
        let mut epochs = seeded(&v, near(10), RewardRate::new(1, 100));
        epochs.seat_threshold = near(20);
        // Boundary 1→2 forms set 3 without v; sets 1 and 2 were formed before.
        let update = epochs.advance(1);
        assert_eq!(
            update.rewards.get(&v),
            Some(&NearToken::from_millinear(100))
        );
        assert!(epochs.set(3).unwrap().get(&v).is_none());
        assert!(epochs.kicked_out().contains_key(&v));
        assert!(epochs.view().0.contains_key(&v), "epoch 2 still has it");
        assert_eq!(kept(&update, &v), near(10));
        // 2→3: paid for epoch 2, then out of the view; still locked for set 2.
        let update = epochs.advance(2);
        assert!(update.rewards.contains_key(&v));
        assert!(!epochs.view().0.contains_key(&v));
        assert_eq!(epochs.view().1, NearToken::ZERO, "the total leaves it out");
        assert_eq!(kept(&update, &v), near(10));
        // 3→4: nothing earned in epoch 3, and no set holds it: all returns.
        let update = epochs.advance(3);
        assert!(!update.rewards.contains_key(&v));
        assert_eq!(update.keep_locked.get(&v), Some(&NearToken::ZERO));
        // It does not roll back in on its own.
        let update = epochs.advance(4);
        assert!(!update.rewards.contains_key(&v));
        assert!(epochs.set(6).unwrap().get(&v).is_none());
    }

    #[test]
    fn a_kicked_out_validator_returns_after_a_proposal_above_the_threshold() {
        let v = id("v.near");
        let mut epochs = seeded(&v, near(10), RewardRate::ZERO);
        epochs.seat_threshold = near(20);
        for e in 1..=3 {
            epochs.advance(e);
        }
        assert!(!epochs.view().0.contains_key(&v));
        // A proposal still short is refused again, and its stake not kept.
        epochs.propose(v.clone(), near(15));
        let update = epochs.advance(4);
        assert!(epochs.set(6).unwrap().get(&v).is_none());
        assert_eq!(update.keep_locked.get(&v), Some(&NearToken::ZERO));
        // Enough stake: seated two epochs later.
        epochs.propose(v.clone(), near(25));
        let update = epochs.advance(5);
        assert_eq!(kept(&update, &v), near(25));
        assert_eq!(epochs.set(7).unwrap().get(&v), Some(&near(25)));
        epochs.advance(6);
        assert_eq!(epochs.view().0.get(&v), Some(&near(25)));
        assert!(epochs.kicked_out().is_empty());
    }

    #[test]
    fn a_threshold_change_applies_to_the_sets_formed_after_it() {
        let (small, big) = (id("small.near"), id("big.near"));
        let mut epochs = seeded(&small, near(10), RewardRate::ZERO);
        epochs.seed_validator(1, big.clone(), near(100));
        epochs.advance(1);
        // Raised in epoch 2: set 3 is formed already, set 4 is not.
        epochs.seat_threshold = near(50);
        epochs.advance(2);
        assert!(epochs.view().0.contains_key(&small));
        assert!(epochs.set(4).unwrap().get(&small).is_none());
        assert_eq!(epochs.set(4).unwrap().get(&big), Some(&near(100)));
        // Lowered again: the kicked-out one needs a new proposal to return.
        epochs.seat_threshold = NearToken::ZERO;
        epochs.advance(3);
        assert!(epochs.set(5).unwrap().get(&small).is_none());
        epochs.propose(small.clone(), near(10));
        epochs.advance(4);
        assert_eq!(epochs.set(6).unwrap().get(&small), Some(&near(10)));
        // Raised above everyone: the whole set empties, two epochs on.
        epochs.seat_threshold = near(1_000);
        epochs.advance(5);
        assert!(epochs.set(7).unwrap().is_empty());
        assert_eq!(epochs.kicked_out().len(), 2);
    }
}
