//! Withdraw: collect unstaked NEAR whose wait has passed. The part owed to
//! claims goes to the reserve that pays users' withdrawals; the rest
//! (rebalanced or drained stake) to the buffer, to be staked again.

use meta_common::ext::{ext_staking_pool, GAS_FOR_POOL_STAKE_CALL};
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, PromiseError, PromiseOrValue};

use crate::epoch::{landed, RawResult};
use crate::events::Event;
use crate::gas::{GAS_EPOCH_VALIDATOR_CALL, GAS_ON_VALIDATOR_CALL};
use crate::validators::EpochOp;
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Withdraws the router's whole unstaked balance from the next validator
    /// where it is available (as the pool said at this epoch's sync, and at
    /// least `NUM_EPOCHS_TO_UNLOCK` epochs after the router's last unstake
    /// there). Run before `epoch_unstake` each epoch: a validator emptied
    /// here is free for new unstakes.
    ///
    /// Anyone; needs 85 Tgas. Resolves to `true` while more can be withdrawn
    /// now, `false` otherwise. A draining validator left empty is removed.
    /// Emits `epoch_attempt`/`epoch_success`/`epoch_failed` (op `withdraw`),
    /// `validator_removed`.
    pub fn epoch_withdraw(&mut self) -> PromiseOrValue<bool> {
        self.advance_index();
        let Some(i) = self.plan(|p| p.withdraw()) else {
            return PromiseOrValue::Value(false);
        };
        Self::require_gas(GAS_EPOCH_VALIDATOR_CALL);
        let amount = self.validators.get()[i].unstaked;
        let id = self.lock(i, EpochOp::Withdraw, amount, 0);
        ext_staking_pool::ext(id.clone())
            .with_static_gas(GAS_FOR_POOL_STAKE_CALL)
            .withdraw(U128(amount))
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_VALIDATOR_CALL)
                    .on_withdraw(id, U128(amount), env::epoch_height()),
            )
            .into()
    }

    /// Callback of a validator's `withdraw`. Private; never panics. The pool
    /// transfers the NEAR in its own receipt, so it may land just after this
    /// callback; it is booked here. A callback whose lock is gone (released
    /// by recovery, which settled the call) books nothing. Returns whether
    /// more can be withdrawn now.
    #[private]
    pub fn on_withdraw(
        &mut self,
        validator_id: AccountId,
        amount: U128,
        epoch: u64,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        self.advance_index();
        let Some(i) = self.unlock(&validator_id, EpochOp::Withdraw, epoch) else {
            return false;
        };
        self.settle_withdraw(i, &validator_id, amount.0, epoch, landed(&result));
        self.pending(|p| p.withdraw().is_some())
    }
}

impl MetaPool {
    /// Books a withdrawal call on validator `i` if it `landed`: the
    /// earmarked part to the reserve, the rest to the buffer; a draining
    /// validator left empty is removed. A failure is recorded (and ends the
    /// epoch's withdrawals there, also on a validator collectable only by a
    /// refused reading). Used by `on_withdraw` and by lock recovery.
    pub(crate) fn settle_withdraw(
        &mut self,
        i: usize,
        validator_id: &AccountId,
        amount: u128,
        epoch: u64,
        landed: bool,
    ) {
        if landed {
            let v = &mut self.validators.get_mut()[i];
            v.unstaked = v.unstaked.saturating_sub(amount);
            let owed = amount.min(v.earmarked);
            v.earmarked -= owed;
            self.books.earmarked = self.books.earmarked.saturating_sub(owed);
            self.books.reserve = self.books.reserve.saturating_add(owed);
            self.books.buffered = self.books.buffered.saturating_add(amount - owed);
            Event::EpochSuccess {
                op: EpochOp::Withdraw,
                validator_id,
                amount: U128(amount),
            }
            .emit();
            self.remove_if_drained(i);
        } else {
            self.validators.get_mut()[i].withdraw_checked_epoch = None;
            self.record_failure(
                Some(i),
                EpochOp::Withdraw,
                validator_id,
                amount,
                epoch,
                "call_failed",
            );
        }
    }
}
