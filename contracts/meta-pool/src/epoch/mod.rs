//! Permissionless epoch operations: what moves NEAR between the router and
//! the validator pools.
//!
//! Each operation acts on one validator per call, so each fits in one
//! transaction whatever the list holds; it locks the validator before the
//! call and its callback (private, reading the raw result so no reply can
//! make it panic) unlocks it and commits or rolls back, emitting
//! `epoch_attempt` then `epoch_success` or `epoch_failed`. A validator whose
//! call failed is skipped for the rest of the epoch, so a keeper calling an
//! operation until it returns `false` always stops.
//!
//! Keeper loop, once an epoch (see `get_epoch_status`):
//! `epoch_sync`* → `epoch_withdraw`* → `epoch_unstake`* → `epoch_stake`* →
//! `epoch_rebalance`*, each called until it returns `false`. Every operation
//! except the sync needs the validator synced this epoch, so the books it
//! acts on are this epoch's.
//!
//! The choices (which validator, how much) are pure functions of the list,
//! the books and the network's stake (`Planner`), shared by the operations,
//! their callbacks (to say whether more work is pending) and the views.

pub mod rebalance;
pub mod rewards;
pub mod stake;
pub mod unstake;
pub mod withdraw;

use std::cmp::Reverse;
use std::io::Read;

use near_sdk::borsh::BorshDeserialize;
use near_sdk::json_types::U128;
use near_sdk::{env, AccountId};

use crate::books::Books;
use crate::caps::{excess, stake_room, targets, CachedNetwork, NetworkStake};
use crate::config::{
    bps_of, Params, MIN_EPOCH_MOVE, NUM_EPOCHS_TO_UNLOCK, SYNC_LOSS_TOLERANCE, UNSTAKED_DUST,
};
use crate::events::Event;
use crate::validators::{position, EpochOp, LostCall, Validator, ValidatorState};
use crate::MetaPool;

/// A callback's result bytes, whatever they are. Callbacks parse them
/// themselves, so a reply that is not what the interface promises becomes a
/// recorded failure instead of a panic (near-sdk's JSON deserialisation of
/// `#[callback_result]` panics on malformed input).
pub struct RawResult(pub Vec<u8>);

impl BorshDeserialize for RawResult {
    fn deserialize_reader<R: Read>(reader: &mut R) -> std::io::Result<Self> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(Self(bytes))
    }
}

/// Whether the call a callback waited on succeeded. near-sdk reports a
/// successful call whose return value is longer than the callback's
/// `max_bytes` as `Err(TooLong)`: the call still happened (a stake was
/// taken, NEAR was sent), so only `Failed` is a failure. Callbacks that
/// read the value itself (`on_sync`, the whitelist and balance reads) treat
/// `TooLong` as a malformed reply instead.
pub fn landed<T>(result: &Result<T, near_sdk::PromiseError>) -> bool {
    !matches!(result, Err(near_sdk::PromiseError::Failed))
}

/// One validator call an operation would make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub index: usize,
    pub amount: u128,
    /// Part of `amount` that serves users' claims (unstakes only).
    pub earmark: u128,
}

/// Chooses the next call of each operation.
pub struct Planner<'a> {
    pub list: &'a [Validator],
    pub targets: Vec<u128>,
    /// The books after netting.
    pub books: &'a Books,
    pub params: &'a Params,
    pub net: &'a dyn NetworkStake,
    pub now: u64,
}

impl<'a> Planner<'a> {
    pub fn new(
        list: &'a [Validator],
        books: &'a Books,
        params: &'a Params,
        net: &'a dyn NetworkStake,
        now: u64,
    ) -> Self {
        Self {
            list,
            targets: targets(list, books.total_staked, params),
            books,
            params,
            net,
            now,
        }
    }

    fn usable(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.list.len()).filter(|&i| self.list[i].is_usable(self.now))
    }

    /// How much more validator `i` may take under both caps.
    pub fn room(&self, i: usize) -> u128 {
        stake_room(
            &self.list[i],
            self.books.total_staked,
            self.params,
            self.net,
            self.now,
        )
    }

    /// The next validator to read (see `next_to_sync`).
    pub fn sync(&self) -> Option<usize> {
        next_to_sync(self.list, self.now)
    }

    /// The next validator whose unstaked NEAR can be withdrawn: the pool
    /// said so at this epoch's sync and the router's own record agrees.
    /// Rounding dust a pool leaves unstaked (the core pool's stake charge
    /// rounds down) waits for a real withdrawal, unless it is owed to the
    /// reserve or keeps a draining validator from being removed.
    /// A validator whose reading this epoch was refused for growth but
    /// confirmed its unstaked NEAR is collectable too (a donation to a pool
    /// must not hold up the claims earmarked there).
    pub fn withdraw(&self) -> Option<usize> {
        let mut collectable =
            (0..self.list.len()).filter(|&i| self.list[i].is_collectable(self.now));
        collectable.find(|&i| {
            let v = &self.list[i];
            v.unstaked > 0
                && (v.unstaked > UNSTAKED_DUST
                    || v.earmarked > 0
                    || v.state == ValidatorState::Draining)
                && v.can_withdraw
                && v.last_unstake_epoch
                    .is_none_or(|e| e + NUM_EPOCHS_TO_UNLOCK <= self.now)
        })
    }

    /// The next unstake: a draining validator empties first, whole (serving
    /// claims with as much as they need); then claims not yet requested are
    /// taken, all at once, from the validator furthest above its target among
    /// those where a new unstake delays no NEAR owed to the reserve.
    /// Taking the whole demand from one validator keeps the others free for
    /// the next epochs' unstakes (see the unstake-wait argument).
    pub fn unstake(&self) -> Option<Plan> {
        let demand = self.books.to_unstake;
        let drain = self.usable().find(|&i| {
            let v = &self.list[i];
            v.state == ValidatorState::Draining && v.staked > 0 && v.free_for_claims(self.now)
        });
        if let Some(i) = drain {
            let amount = self.list[i].staked;
            return Some(Plan {
                index: i,
                amount,
                earmark: amount.min(demand),
            });
        }
        if demand == 0 {
            return None;
        }
        self.usable()
            .filter(|&i| {
                let v = &self.list[i];
                v.staked > 0 && v.state != ValidatorState::Draining && v.free_for_claims(self.now)
            })
            .max_by_key(|&i| (excess(self.list[i].staked, self.targets[i]), Reverse(i)))
            .map(|i| {
                let amount = demand.min(self.list[i].staked);
                Plan {
                    index: i,
                    amount,
                    earmark: amount,
                }
            })
    }

    /// The next stake: buffered NEAR (after netting) goes to the active
    /// validator furthest below its target among those with room under both
    /// caps, up to its gap and its room. When no validator with room is
    /// below target by `MIN_EPOCH_MOVE` (the network cap holds back some
    /// that are), the rest goes where there is room, so that no stake stays
    /// idle that the caps allow to place.
    pub fn stake(&self) -> Option<Plan> {
        let available = self.books.buffered;
        if available < MIN_EPOCH_MOVE {
            return None;
        }
        self.usable()
            .filter(|&i| {
                self.list[i].state == ValidatorState::Active && self.room(i) >= MIN_EPOCH_MOVE
            })
            .max_by_key(|&i| (-excess(self.list[i].staked, self.targets[i]), Reverse(i)))
            .map(|i| {
                let gap = -excess(self.list[i].staked, self.targets[i]);
                let mut amount = available.min(self.room(i));
                if gap >= MIN_EPOCH_MOVE as i128 {
                    amount = amount.min(gap as u128);
                }
                Plan {
                    index: i,
                    amount,
                    earmark: 0,
                }
            })
    }

    /// What the caps let the active validators take now, up to the buffer.
    pub fn placeable(&self) -> u128 {
        (0..self.list.len())
            .filter(|&i| self.list[i].state == ValidatorState::Active)
            .map(|i| self.room(i))
            .fold(0u128, u128::saturating_add)
            .min(self.books.buffered)
    }

    /// The next rebalancing unstake, when some active validator has drifted
    /// from its target by more than the threshold (of the router's total
    /// stake) and no claims wait: from the active validator furthest above
    /// target with nothing unstaked pending there, by at most its excess, the
    /// epoch's remaining budget and what the validators below target can
    /// take under the caps less what is already on its way to them (the
    /// buffer and stake in transit). The NEAR comes back to the buffer after
    /// the wait and `epoch_stake` places it.
    pub fn rebalance(&self, budget_left: u128) -> Option<Plan> {
        if self.books.to_unstake > 0 {
            return None;
        }
        let active: Vec<usize> = (0..self.list.len())
            .filter(|&i| self.list[i].state == ValidatorState::Active)
            .collect();
        let drift = active
            .iter()
            .map(|&i| excess(self.list[i].staked, self.targets[i]).unsigned_abs())
            .max()?;
        if drift <= bps_of(self.books.total_staked, self.params.rebalance_threshold_bps) {
            return None;
        }
        let receivable = active
            .iter()
            .map(|&i| {
                let gap = (-excess(self.list[i].staked, self.targets[i])).max(0) as u128;
                gap.min(self.room(i))
            })
            .fold(0u128, u128::saturating_add);
        // Room is not used up by a rebalance (the NEAR comes back to the
        // buffer only after the pool's wait), so what is already on its way
        // to it counts: the buffer, which `epoch_stake` places first, and
        // stake in transit back to it (earlier moves, this epoch's included,
        // and drains). Otherwise every call would count the same room again.
        let incoming = self
            .list
            .iter()
            .map(|v| v.unstaked.saturating_sub(v.earmarked))
            .fold(self.books.buffered, u128::saturating_add);
        let receivable = receivable.saturating_sub(incoming);
        let source = active
            .iter()
            .copied()
            .filter(|&i| {
                let v = &self.list[i];
                v.is_usable(self.now)
                    && (v.unstaked <= UNSTAKED_DUST || v.last_unstake_epoch == Some(self.now))
                    && excess(v.staked, self.targets[i]) > 0
            })
            .max_by_key(|&i| (excess(self.list[i].staked, self.targets[i]), Reverse(i)))?;
        let amount = (excess(self.list[source].staked, self.targets[source]) as u128)
            .min(budget_left)
            .min(receivable);
        (amount >= MIN_EPOCH_MOVE).then_some(Plan {
            index: source,
            amount,
            earmark: 0,
        })
    }
}

/// The next validator to read: not synced this epoch, unlocked (or locked
/// for `LOCK_RECOVERY_EPOCHS` by a call whose callback never ran: the sync
/// releases it), not failed this epoch. Needs no targets, so the sync never
/// builds a planner.
pub fn next_to_sync(list: &[Validator], now: u64) -> Option<usize> {
    (0..list.len()).find(|&i| {
        let v = &list[i];
        (v.lock.is_none() || v.lock_is_stale(now))
            && v.synced_epoch != Some(now)
            && v.failed_epoch != Some(now)
    })
}

impl MetaPool {
    /// The books as the next operation will see them: after netting.
    pub(crate) fn netted_books(&self) -> Books {
        let mut b = self.books.clone();
        b.repay_storage();
        b.net();
        b
    }

    /// Repays the own funds' storage shares from the buffer (see
    /// `Books::repay_storage`), then nets buffered stake against claims
    /// (see `Books::net`).
    pub(crate) fn net_now(&mut self) {
        self.books.repay_storage();
        let m = self.books.net();
        if m > 0 {
            Event::Netted { amount: U128(m) }.emit();
        }
    }

    /// Runs `f` with a planner over the current state and the network
    /// figures cached this epoch (no host call: see `caps`).
    pub(crate) fn plan<T>(&self, f: impl FnOnce(&Planner) -> T) -> T {
        let books = self.netted_books();
        let net = self.network();
        let p = Planner::new(
            self.validators.get(),
            &books,
            &self.params,
            &net,
            env::epoch_height(),
        );
        f(&p)
    }

    /// The cached network figures.
    pub(crate) fn network(&self) -> CachedNetwork {
        CachedNetwork {
            total: self.network_total.1,
        }
    }

    /// Reads `env::validator_total_stake` once an epoch (at its first sync
    /// or push).
    pub(crate) fn refresh_network_total(&mut self) {
        let now = env::epoch_height();
        if self.network_total.0 != now {
            self.network_total = (now, env::validator_total_stake().as_yoctonear());
        }
    }

    /// A callback's answer to "is more work pending": `f` over a planner
    /// when the callback can afford to plan, else `true` ("maybe"; the
    /// next call decides). A callback never risks its own gas, and so its
    /// lock and bookkeeping, on the answer.
    pub(crate) fn pending(&self, f: impl FnOnce(&Planner) -> bool) -> bool {
        let left = env::prepaid_gas().saturating_sub(env::used_gas());
        left < crate::gas::GAS_FOR_PLANNING || self.plan(f)
    }

    /// What rebalancing may still move this epoch.
    pub(crate) fn rebalance_budget_left(&self) -> u128 {
        let max = bps_of(self.books.total_staked, self.params.rebalance_max_move_bps);
        if self.rebalance_epoch == env::epoch_height() {
            max.saturating_sub(self.rebalance_moved)
        } else {
            max
        }
    }

    /// Locks validator `i` for `op` and emits the attempt. Records the
    /// epoch and what the call moved in the books, so that recovery can
    /// settle the call should its callback never run.
    /// `earmark`: the claims an unstake call carries (0 for other calls).
    pub(crate) fn lock(&mut self, i: usize, op: EpochOp, amount: u128, earmark: u128) -> AccountId {
        let v = &mut self.validators.get_mut()[i];
        v.lock = Some(op);
        v.lock_epoch = env::epoch_height();
        v.lock_amount = amount;
        v.lock_earmark = earmark;
        Event::EpochAttempt {
            op,
            validator_id: &v.account_id,
            amount: U128(amount),
        }
        .emit();
        v.account_id.clone()
    }

    /// Unlocks the validator a callback is about, if the callback's call
    /// (`op`, made at `epoch`) still holds its lock. `None` otherwise: the
    /// lock was released by recovery (which settled the call) and the
    /// validator is unlocked, locked by a newer call or removed; the caller
    /// then books nothing (event `stale_callback_ignored`).
    pub(crate) fn unlock(&mut self, id: &AccountId, op: EpochOp, epoch: u64) -> Option<usize> {
        let list = self.validators.get_mut();
        match position(list, id) {
            Some(i) if list[i].lock == Some(op) && list[i].lock_epoch == epoch => {
                list[i].lock = None;
                Some(i)
            }
            _ => {
                Event::StaleCallbackIgnored {
                    validator_id: id,
                    op,
                    epoch,
                }
                .emit();
                None
            }
        }
    }

    /// Releases validator `i`'s lock when it is stale (its callback never
    /// ran, see `LOCK_RECOVERY_EPOCHS`): what the call moved in the books
    /// waits in `lost_call` until the reading the sync takes now shows
    /// whether it happened at the pool. A lost sync moved nothing (and an
    /// earlier lost call it was settling stays). Emits `lock_recovered`.
    pub(crate) fn release_stale_lock(&mut self, i: usize) {
        let v = &mut self.validators.get_mut()[i];
        let Some(op) = v.lock.take() else {
            return;
        };
        if op != EpochOp::Sync {
            v.lost_call = Some(LostCall {
                op,
                epoch: v.lock_epoch,
                amount: v.lock_amount,
                earmark: v.lock_earmark,
            });
        }
        Event::LockRecovered {
            validator_id: &v.account_id,
            op,
            locked_epoch: v.lock_epoch,
            amount: U128(v.lock_amount),
            earmark: U128(v.lock_earmark),
        }
        .emit();
    }

    /// Settles validator `i`'s lost call, if any, against a fresh reading
    /// (`staked`, `unstaked`) of the pool taken after it, before the reading
    /// is booked: the call is booked as its callback would have booked it
    /// if the reading shows it happened, else rolled back. Nothing else
    /// touched the router's balances there since (the validator was locked,
    /// then not synced), so the reading differs from the records by the
    /// call, rewards (staked side only) and rounding:
    /// - unstake, rebalance: the unstaked side grew by the amount, or not;
    /// - withdraw: the unstaked side fell by the amount, or not;
    /// - stake: the staked side holds the amount (within
    ///   `SYNC_LOSS_TOLERANCE`), or the deposit was refunded. A stake that
    ///   failed while the pool paid rewards worth more than the stake over
    ///   the recovery window would be misread as landed: the next sync then
    ///   sees the shortfall and refuses it (`balance_decreased`), so it
    ///   shows rather than passes silently.
    ///
    /// Returns the validator's index afterwards (`None`: a drained
    /// validator emptied by the withdrawal was removed). Emits
    /// `lost_call_settled`.
    pub(crate) fn settle_lost_call(
        &mut self,
        i: usize,
        staked: u128,
        unstaked: u128,
    ) -> Option<usize> {
        let v = &mut self.validators.get_mut()[i];
        let Some(lost) = v.lost_call.take() else {
            return Some(i);
        };
        let id = v.account_id.clone();
        let half = lost.amount.div_ceil(2);
        let landed = match lost.op {
            EpochOp::Sync => true,
            EpochOp::Stake => {
                staked.saturating_add(SYNC_LOSS_TOLERANCE) >= v.staked.saturating_add(lost.amount)
            }
            EpochOp::Unstake | EpochOp::Rebalance => unstaked >= v.unstaked.saturating_add(half),
            EpochOp::Withdraw => unstaked.saturating_add(half) <= v.unstaked,
        };
        match lost.op {
            EpochOp::Sync => {}
            EpochOp::Stake => self.settle_stake(i, &id, lost.amount, lost.epoch, landed),
            EpochOp::Withdraw => self.settle_withdraw(i, &id, lost.amount, lost.epoch, landed),
            EpochOp::Unstake | EpochOp::Rebalance => self.settle_lost_unstake(i, &id, lost, landed),
        }
        Event::LostCallSettled {
            validator_id: &id,
            op: lost.op,
            amount: U128(lost.amount),
            landed,
        }
        .emit();
        position(self.validators.get(), &id)
    }

    /// Books a lost unstake (or rebalance) call as `on_unstake` would have:
    /// the claims it carried (less those restaked meanwhile) are earmarked
    /// there if it landed, else back in `to_unstake`.
    fn settle_lost_unstake(&mut self, i: usize, id: &AccountId, lost: LostCall, landed: bool) {
        let owed = self.books.land_in_flight(lost.earmark);
        if landed {
            let v = &mut self.validators.get_mut()[i];
            v.staked = v.staked.saturating_sub(lost.amount);
            v.unstaked = v.unstaked.saturating_add(lost.amount);
            v.earmarked = v.earmarked.saturating_add(owed);
            v.can_withdraw = false;
            v.last_unstake_epoch = Some(lost.epoch);
            self.books.earmarked = self.books.earmarked.saturating_add(owed);
            Event::EpochSuccess {
                op: lost.op,
                validator_id: id,
                amount: U128(lost.amount),
            }
            .emit();
        } else {
            self.books.to_unstake = self.books.to_unstake.saturating_add(owed);
            self.record_failure(Some(i), lost.op, id, lost.amount, lost.epoch, "call_failed");
        }
    }

    /// Records a failed call: the validator is skipped for the rest of
    /// `epoch` (`i` is `None` for a validator no longer listed).
    pub(crate) fn record_failure(
        &mut self,
        i: Option<usize>,
        op: EpochOp,
        id: &AccountId,
        amount: u128,
        epoch: u64,
        reason: &str,
    ) {
        if let Some(i) = i {
            self.validators.get_mut()[i].failed_epoch = Some(epoch);
        }
        Event::EpochFailed {
            op,
            validator_id: id,
            amount: U128(amount),
            reason,
        }
        .emit();
    }

    /// Removes validator `i` when it is draining and holds nothing.
    pub(crate) fn remove_if_drained(&mut self, i: usize) -> bool {
        let list = self.validators.get_mut();
        let v = &list[i];
        if v.state != ValidatorState::Draining || !v.is_empty() {
            return false;
        }
        let v = list.remove(i);
        crate::events::Event::ValidatorRemoved {
            account_id: &v.account_id,
        }
        .emit();
        true
    }
}
