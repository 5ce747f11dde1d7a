//! The validator records and the list operations on them.

use near_sdk::{near, AccountId};

use crate::config::{LOCK_RECOVERY_EPOCHS, NETWORK_STAKE_LAG_EPOCHS};

/// What governance has decided for a validator.
#[near(serializers = [borsh, json])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidatorState {
    /// Takes new stake up to its target and the caps.
    Active,
    /// Takes no new stake; its stake stays (user unstakes may still draw on
    /// it first).
    Paused,
    /// Everything is unstaked and withdrawn, then the record is removed.
    Draining,
}

/// The cross-contract operation holding a validator's lock.
#[near(serializers = [borsh, json])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EpochOp {
    Sync,
    Stake,
    Unstake,
    Withdraw,
    Rebalance,
}

/// A validator call whose callback never ran: what its lock recorded, kept
/// after the lock is released until a fresh reading of the pool shows
/// whether the call took effect there (`epoch_sync`'s lock recovery).
#[near(serializers = [borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LostCall {
    pub op: EpochOp,
    /// Epoch the call was made (and its lock taken).
    pub epoch: u64,
    pub amount: u128,
    /// Claims the call carried (unstakes only).
    pub earmark: u128,
}

/// A validator pool as the router last saw it.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    pub account_id: AccountId,
    pub weight_bps: u16,
    pub state: ValidatorState,
    /// The router's staked balance at the pool, as last synced and since
    /// changed by the router's own calls.
    pub staked: u128,
    /// The router's unstaked balance at the pool (waiting or withdrawable).
    pub unstaked: u128,
    /// Part of `unstaked` owed to the withdrawal reserve (users' claims);
    /// the rest is stake in transit (rebalancing, draining).
    pub earmarked: u128,
    /// Epoch of the router's last unstake here, as seen by its callback
    /// (never earlier than the pool saw it).
    pub last_unstake_epoch: Option<u64>,
    /// Epoch whose reading the balances reflect.
    pub synced_epoch: Option<u64>,
    /// The pool's `can_withdraw` at the last sync.
    pub can_withdraw: bool,
    /// The operation in flight, if any. Every other operation skips a locked
    /// validator; the callback always clears it.
    pub lock: Option<EpochOp>,
    /// Epoch of the last failed call; the validator is skipped for the rest
    /// of that epoch so keepers move on.
    pub failed_epoch: Option<u64>,
    /// Stake the router added, by epoch, over the last epochs that
    /// `env::validator_stake` does not show yet.
    pub recent_stake: Vec<(u64, u128)>,
    /// `env::validator_stake` as read when the last sync started (the
    /// validator set is fixed within an epoch, and only validators synced
    /// this epoch are acted on, so it is this epoch's figure whenever it
    /// is used).
    pub network_stake: u128,
    /// Epoch whose sync read the pool although its `ping` failed: the
    /// reading may miss rewards the pool has not booked yet (its views are
    /// stale until a mutating call), so the pool may hold more than the
    /// record and the caps cannot be checked against it. The validator takes
    /// no new stake that epoch; unstakes and withdrawals go on.
    pub stale_epoch: Option<u64>,
    /// Epoch the current lock was taken: a late callback is recognised by
    /// it (its lock is gone or newer), and a lock older than
    /// `LOCK_RECOVERY_EPOCHS` is released by the sync.
    pub lock_epoch: u64,
    /// What the call holding the lock moved in the books: its amount and
    /// the claims it carries (unstakes), to roll back if its callback
    /// never runs.
    pub lock_amount: u128,
    pub lock_earmark: u128,
    /// A call released by lock recovery, settled by the next reading.
    pub lost_call: Option<LostCall>,
    /// Epoch whose sync refused the reading's growth (above the per-epoch
    /// bound: a donation to the pool, say) but found the router's booked
    /// unstaked NEAR there: withdrawals go on that epoch, so a donation
    /// delays no claim.
    pub withdraw_checked_epoch: Option<u64>,
}

impl Validator {
    pub fn new(account_id: AccountId, weight_bps: u16) -> Self {
        Self {
            account_id,
            weight_bps,
            state: ValidatorState::Active,
            staked: 0,
            unstaked: 0,
            earmarked: 0,
            last_unstake_epoch: None,
            synced_epoch: None,
            can_withdraw: false,
            lock: None,
            failed_epoch: None,
            recent_stake: Vec::new(),
            network_stake: 0,
            stale_epoch: None,
            lock_epoch: 0,
            lock_amount: 0,
            lock_earmark: 0,
            lost_call: None,
            withdraw_checked_epoch: None,
        }
    }

    /// Holds nothing at the pool and has no call in flight or unsettled:
    /// safe to remove.
    pub fn is_empty(&self) -> bool {
        self.staked == 0 && self.unstaked == 0 && self.lock.is_none() && self.lost_call.is_none()
    }

    /// Whether the lock is old enough that its callback can no longer run
    /// (see `LOCK_RECOVERY_EPOCHS`).
    pub fn lock_is_stale(&self, now: u64) -> bool {
        self.lock.is_some() && self.lock_epoch.saturating_add(LOCK_RECOVERY_EPOCHS) <= now
    }

    /// Free for a withdrawal this epoch: usable, or its reading this epoch
    /// was refused for growth but confirmed the unstaked NEAR booked there.
    pub fn is_collectable(&self, now: u64) -> bool {
        self.is_usable(now) || (self.lock.is_none() && self.withdraw_checked_epoch == Some(now))
    }

    /// Free to act on this epoch: unlocked, synced this epoch, not failed.
    pub fn is_usable(&self, now: u64) -> bool {
        self.lock.is_none() && self.synced_epoch == Some(now) && self.failed_epoch != Some(now)
    }

    /// Whether a user-demand unstake here now would delay NEAR owed to the
    /// reserve: only when earmarked NEAR waits from an earlier epoch (an
    /// unstake restarts the pool's wait for everything unstaked there).
    pub fn free_for_claims(&self, now: u64) -> bool {
        self.earmarked == 0 || self.last_unstake_epoch == Some(now)
    }

    /// Stake the router added over the lag window ending at `now`.
    pub fn recent_added(&self, now: u64) -> u128 {
        self.recent_stake
            .iter()
            .filter(|(e, _)| e + NETWORK_STAKE_LAG_EPOCHS > now)
            .map(|(_, a)| *a)
            .fold(0u128, u128::saturating_add)
    }

    /// Records `amount` added at `epoch`, dropping entries out of the window.
    pub fn record_added(&mut self, epoch: u64, amount: u128) {
        self.recent_stake
            .retain(|(e, _)| e + NETWORK_STAKE_LAG_EPOCHS > epoch);
        match self.recent_stake.iter_mut().find(|(e, _)| *e == epoch) {
            Some((_, a)) => *a = a.saturating_add(amount),
            None => self.recent_stake.push((epoch, amount)),
        }
    }
}

/// Position of `id` in the list.
pub fn position(list: &[Validator], id: &AccountId) -> Option<usize> {
    list.iter().position(|v| &v.account_id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> Validator {
        Validator::new("a.pool.near".parse().unwrap(), 100)
    }

    #[test]
    fn recent_stake_window_slides() {
        let mut x = v();
        x.record_added(10, 5);
        x.record_added(10, 1);
        x.record_added(11, 2);
        assert_eq!(x.recent_added(11), 8);
        assert_eq!(x.recent_added(12), 8);
        assert_eq!(x.recent_added(13), 2, "epoch 10 leaves the window at 13");
        assert_eq!(x.recent_added(14), 0);
        x.record_added(14, 3);
        assert_eq!(x.recent_stake, vec![(14, 3)], "old entries are dropped");
    }

    #[test]
    fn usable_needs_fresh_sync_no_lock_no_failure() {
        let mut x = v();
        assert!(!x.is_usable(5));
        x.synced_epoch = Some(5);
        assert!(x.is_usable(5));
        assert!(!x.is_usable(6));
        x.lock = Some(EpochOp::Stake);
        assert!(!x.is_usable(5));
        x.lock = None;
        x.failed_epoch = Some(5);
        assert!(!x.is_usable(5));
    }

    #[test]
    fn earmarked_funds_block_unstakes_from_other_epochs() {
        let mut x = v();
        assert!(x.free_for_claims(9));
        x.earmarked = 1;
        x.last_unstake_epoch = Some(8);
        assert!(!x.free_for_claims(9));
        assert!(x.free_for_claims(8), "same epoch adds to the same wait");
    }

    #[test]
    fn locks_go_stale_after_the_recovery_window() {
        let mut x = v();
        assert!(!x.lock_is_stale(100), "no lock");
        x.lock = Some(EpochOp::Stake);
        x.lock_epoch = 10;
        assert!(!x.lock_is_stale(10 + LOCK_RECOVERY_EPOCHS - 1));
        assert!(x.lock_is_stale(10 + LOCK_RECOVERY_EPOCHS));
    }

    #[test]
    fn a_checked_refused_reading_allows_withdrawals_only_that_epoch() {
        let mut x = v();
        x.failed_epoch = Some(7);
        x.synced_epoch = Some(6);
        assert!(!x.is_collectable(7));
        x.withdraw_checked_epoch = Some(7);
        assert!(x.is_collectable(7) && !x.is_usable(7));
        assert!(!x.is_collectable(8));
        x.lock = Some(EpochOp::Withdraw);
        assert!(!x.is_collectable(7), "not while locked");
    }

    #[test]
    fn emptiness_counts_locks() {
        let mut x = v();
        assert!(x.is_empty());
        x.lock = Some(EpochOp::Sync);
        assert!(!x.is_empty());
        x.lock = None;
        x.lost_call = Some(LostCall {
            op: EpochOp::Stake,
            epoch: 1,
            amount: 1,
            earmark: 0,
        });
        assert!(!x.is_empty(), "an unsettled call");
        x.lost_call = None;
        x.unstaked = 1;
        assert!(!x.is_empty());
    }
}
