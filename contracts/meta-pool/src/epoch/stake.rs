//! Stake: place buffered NEAR on validators, after netting it against
//! claims, never past either cap.

use meta_common::ext::{ext_staking_pool, GAS_FOR_POOL_STAKE_CALL};
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, NearToken, PromiseError, PromiseOrValue};

use crate::epoch::{landed, RawResult};
use crate::events::Event;
use crate::gas::{GAS_EPOCH_VALIDATOR_CALL, GAS_ON_VALIDATOR_CALL};
use crate::validators::EpochOp;
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Nets buffered NEAR against claims still staked, then stakes what is
    /// left on the active validator furthest below its target that has room
    /// under both caps (`deposit_and_stake` with the NEAR attached).
    ///
    /// Anyone; needs 85 Tgas. Resolves to `true` while more buffered NEAR
    /// can be placed now, `false` otherwise (nothing to place, every
    /// validator capped, locked, failed or not yet synced this epoch). A
    /// failed call's deposit comes back to the router and to the buffer.
    /// Refused while staking is paused (`E_STAKING_PAUSED`, changing
    /// nothing; `get_epoch_status.stake_pending` is false then, so a keeper
    /// following it never calls). Emits `netted`,
    /// `epoch_attempt`/`epoch_success`/`epoch_failed` (op `stake`).
    pub fn epoch_stake(&mut self) -> PromiseOrValue<bool> {
        self.require_staking_open();
        self.advance_index();
        self.net_now();
        let Some(plan) = self.plan(|p| p.stake()) else {
            return PromiseOrValue::Value(false);
        };
        Self::require_gas(GAS_EPOCH_VALIDATOR_CALL);
        self.books.buffered -= plan.amount;
        self.books.stake_in_flight += plan.amount;
        let id = self.lock(plan.index, EpochOp::Stake, plan.amount, 0);
        ext_staking_pool::ext(id.clone())
            .with_attached_deposit(NearToken::from_yoctonear(plan.amount))
            .with_static_gas(GAS_FOR_POOL_STAKE_CALL)
            .deposit_and_stake()
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_VALIDATOR_CALL)
                    .on_stake(id, U128(plan.amount), env::epoch_height()),
            )
            .into()
    }

    /// Callback of a validator's `deposit_and_stake`. Private; never panics.
    /// A callback whose lock is gone (released by recovery, which settled
    /// the call) books nothing. Returns whether more stake can be placed now
    /// (`false` once staking is paused: the stake in flight is booked as
    /// usual, no more is placed).
    #[private]
    pub fn on_stake(
        &mut self,
        validator_id: AccountId,
        amount: U128,
        epoch: u64,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        self.advance_index();
        let Some(i) = self.unlock(&validator_id, EpochOp::Stake, epoch) else {
            return false;
        };
        self.settle_stake(i, &validator_id, amount.0, epoch, landed(&result));
        !self.staking_paused() && self.pending(|p| p.stake().is_some())
    }
}

impl MetaPool {
    /// Books a stake call on validator `i`: the stake if it `landed`, else
    /// the deposit back in the buffer (the failed receipt refunded it to
    /// the router). Used by `on_stake` and by lock recovery.
    pub(crate) fn settle_stake(
        &mut self,
        i: usize,
        validator_id: &AccountId,
        amount: u128,
        epoch: u64,
        landed: bool,
    ) {
        self.books.stake_in_flight = self.books.stake_in_flight.saturating_sub(amount);
        if landed {
            let v = &mut self.validators.get_mut()[i];
            v.staked = v.staked.saturating_add(amount);
            v.record_added(epoch, amount);
            Event::EpochSuccess {
                op: EpochOp::Stake,
                validator_id,
                amount: U128(amount),
            }
            .emit();
        } else {
            self.books.buffered = self.books.buffered.saturating_add(amount);
            self.record_failure(
                Some(i),
                EpochOp::Stake,
                validator_id,
                amount,
                epoch,
                "call_failed",
            );
        }
    }
}
