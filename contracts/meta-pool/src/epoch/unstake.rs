//! Unstake: request users' claims from validators (after netting), and
//! empty draining validators.
//!
//! The NEAR a claim needs is earmarked at the validator it is unstaked from,
//! and an unstake goes only where it delays no earmarked NEAR of an earlier
//! epoch: that is what lets the router promise the unstake wait (see the
//! "meta-pool router" section of `docs/ARCHITECTURE.md`).

use meta_common::ext::{ext_staking_pool, GAS_FOR_POOL_STAKE_CALL};
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, PromiseError, PromiseOrValue};

use crate::config::{EARMARK_OVERDUE_EPOCHS, NUM_EPOCHS_TO_UNLOCK};
use crate::epoch::{landed, RawResult};
use crate::events::Event;
use crate::gas::{GAS_EPOCH_VALIDATOR_CALL, GAS_ON_VALIDATOR_CALL};
use crate::validators::EpochOp;
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Nets buffered NEAR against claims, then unstakes at one validator:
    /// a draining validator's whole stake, or else the claims not yet
    /// requested, from the validator furthest above its target where a new
    /// unstake delays no NEAR already owed to the reserve.
    ///
    /// Anyone; needs 85 Tgas. Resolves to `true` while more unstaking can be
    /// done now, `false` otherwise (`get_epoch_status` tells a backlog that
    /// no validator can take this epoch: `unstake_blocked`). Emits `netted`,
    /// `epoch_attempt`/`epoch_success`/`epoch_failed` (op `unstake`).
    pub fn epoch_unstake(&mut self) -> PromiseOrValue<bool> {
        self.advance_index();
        self.release_overdue_earmarks();
        self.net_now();
        let Some(plan) = self.plan(|p| p.unstake()) else {
            return PromiseOrValue::Value(false);
        };
        Self::require_gas(GAS_EPOCH_VALIDATOR_CALL);
        self.books.to_unstake -= plan.earmark;
        self.books.unstake_in_flight += plan.earmark;
        let id = self.lock(plan.index, EpochOp::Unstake, plan.amount, plan.earmark);
        self.call_unstake(id, plan.amount, plan.earmark, EpochOp::Unstake)
    }

    /// Callback of a validator's `unstake`, for `epoch_unstake` (op
    /// `unstake`) and `epoch_rebalance` (op `rebalance`). Private; never
    /// panics. On success the NEAR is booked as unstaked at the validator,
    /// `earmark` of it owed to the reserve, and the validator's wait restarts
    /// now; on failure the claims go back to `to_unstake` and a rebalance's
    /// budget is restored. Returns whether more of the same operation can be
    /// done now.
    #[private]
    pub fn on_unstake(
        &mut self,
        validator_id: AccountId,
        amount: U128,
        earmark: U128,
        epoch: u64,
        op: EpochOp,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        self.advance_index();
        // A lock released by recovery: the call is settled already.
        let Some(i) = self.unlock(&validator_id, op, epoch) else {
            return false;
        };
        let i = Some(i);
        // Claims restaked while this call was in flight are no longer owed.
        let earmark = U128(self.books.land_in_flight(earmark.0));
        match (i, landed(&result)) {
            (Some(i), true) => {
                let v = &mut self.validators.get_mut()[i];
                v.staked = v.staked.saturating_sub(amount.0);
                v.unstaked += amount.0;
                v.earmarked += earmark.0;
                v.can_withdraw = false;
                // The call's epoch: the pool unstaked then (or, at an
                // epoch boundary, one block later, which its
                // `can_withdraw` at the withdraw's sync covers). The
                // callback's epoch would delay the withdrawal a whole epoch
                // and, in that epoch, let another claims unstake restart
                // the pool's wait for these earmarks.
                v.last_unstake_epoch = Some(epoch);
                self.books.earmarked += earmark.0;
                Event::EpochSuccess {
                    op,
                    validator_id: &validator_id,
                    amount,
                }
                .emit();
            }
            (i, _) => {
                self.books.to_unstake += earmark.0;
                if op == EpochOp::Rebalance && self.rebalance_epoch == epoch {
                    self.rebalance_moved = self.rebalance_moved.saturating_sub(amount.0);
                }
                let reason = if i.is_some() {
                    "call_failed"
                } else {
                    "unknown_validator"
                };
                self.record_failure(i, op, &validator_id, amount.0, epoch, reason);
            }
        }
        if op == EpochOp::Rebalance {
            let budget = self.rebalance_budget_left();
            self.pending(|p| p.rebalance(budget).is_some())
        } else {
            self.pending(|p| p.unstake().is_some())
        }
    }
}

impl MetaPool {
    /// Releases earmarks `EARMARK_OVERDUE_EPOCHS` past the pools' unlock
    /// back to `to_unstake`: a validator that cannot be synced or pay out
    /// must not hold users' claims for ever. Pure bookkeeping (the NEAR
    /// there becomes stake in transit, collected to the buffer whenever the
    /// validator recovers); the claims are then unstaked elsewhere, with a
    /// new wait. Emits `earmarks_released`.
    pub(crate) fn release_overdue_earmarks(&mut self) {
        let now = env::epoch_height();
        let due = NUM_EPOCHS_TO_UNLOCK + EARMARK_OVERDUE_EPOCHS;
        if self.books.earmarked == 0 {
            return;
        }
        let list = self.validators.get_mut();
        for v in list.iter_mut() {
            let overdue = v.last_unstake_epoch.is_some_and(|e| e + due <= now);
            if v.earmarked == 0 || v.lock.is_some() || !overdue {
                continue;
            }
            let amount = v.earmarked;
            v.earmarked = 0;
            self.books.earmarked -= amount;
            self.books.to_unstake += amount;
            Event::EarmarksReleased {
                validator_id: &v.account_id,
                amount: U128(amount),
            }
            .emit();
        }
    }

    /// Calls `unstake(amount)` on the locked validator with its callback.
    pub(crate) fn call_unstake(
        &mut self,
        id: AccountId,
        amount: u128,
        earmark: u128,
        op: EpochOp,
    ) -> PromiseOrValue<bool> {
        ext_staking_pool::ext(id.clone())
            .with_static_gas(GAS_FOR_POOL_STAKE_CALL)
            .unstake(U128(amount))
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_VALIDATOR_CALL)
                    .on_unstake(id, U128(amount), U128(earmark), env::epoch_height(), op),
            )
            .into()
    }
}
