//! Sync rewards: read the router's balance at each validator, book the
//! growth, mint the protocol fee to the treasury and push the pool state
//! (price and reward index) to sNEAR.
//!
//! The push follows every sync (and, when no validator is left to sync,
//! `epoch_sync` pushes once an epoch), so sNEAR sees a new price as soon as
//! any reward is booked; sNEAR rejects only a lower index or an older epoch,
//! both impossible here, so a push that arrives late is harmless.

use meta_common::ext::{
    ext_snear, ext_staking_pool, HumanReadableAccount, GAS_FOR_POOL_STAKE_CALL, GAS_FOR_POOL_VIEW,
    GAS_FOR_SNEAR_POOL_STATE, SNEAR_REGISTRATION_DEPOSIT,
};
use meta_common::pool_state::PoolState;
use meta_common::shares::mul_div_down;
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, NearToken, Promise, PromiseError, PromiseOrValue};

use crate::config::{
    MAX_REWARD_BPS_PER_EPOCH, MIN_OWN_FUNDS_FOR_GROWTH, SYNC_GROWTH_SLACK, SYNC_LOSS_TOLERANCE,
};
use crate::epoch::{landed, next_to_sync, RawResult};
use crate::events::Event;
use crate::gas::{
    GAS_EPOCH_PUSH, GAS_EPOCH_SYNC, GAS_ON_FEE_MINT, GAS_ON_PING, GAS_ON_POOL_STATE_PUSH,
    GAS_ON_SYNC,
};
use crate::validators::{EpochOp, ValidatorState};
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Syncs the next validator not yet synced this epoch: pings the pool
    /// (so it books the epoch's rewards), reads the router's account there
    /// (`get_account`) and books the change. A reading taken after a failed
    /// ping is booked but marked stale: no new stake goes to that validator
    /// this epoch.
    /// When every validator is synced (or failed) this epoch and sNEAR has
    /// had no push this epoch, pushes the pool state instead.
    ///
    /// Lock recovery: a validator locked for `LOCK_RECOVERY_EPOCHS` by a
    /// call whose callback never ran is synced too; its lock is released
    /// (`lock_recovered`) and the call, kept as the validator's lost call,
    /// is settled by this sync's reading before the reading is booked
    /// (`lost_call_settled`): booked as its callback would have booked it
    /// if the pool shows it happened, else rolled back. Its callback, should
    /// it still arrive, is ignored (`stale_callback_ignored`).
    ///
    /// A reading whose growth exceeds the per-epoch bound books nothing,
    /// but when it shows the unstaked NEAR booked there the validator's
    /// withdrawals go on this epoch (a donation to the pool delays no claim).
    ///
    /// Anyone; needs 130 Tgas (a push alone, 25). Resolves to `true` while
    /// more validators wait to be synced (or the push is still due) this
    /// epoch, `false` when the sync work of the epoch is done (or nothing
    /// could be started now: the remaining validators are locked by calls in
    /// flight). Emits
    /// `epoch_attempt`/`epoch_success`/`epoch_failed` (op `sync`),
    /// `rewards_synced`, `seed_paid` (rounding loss), `fee_minted`,
    /// `pool_state_pushed`.
    pub fn epoch_sync(&mut self) -> PromiseOrValue<bool> {
        self.advance_index();
        let now = env::epoch_height();
        if let Some(i) = next_to_sync(self.validators.get(), now) {
            Self::require_gas(GAS_EPOCH_SYNC);
            self.refresh_network_total();
            // A lock whose callback never ran: released here, and the
            // reading this sync takes settles its call.
            self.release_stale_lock(i);
            let id = self.lock(i, EpochOp::Sync, 0, 0);
            // The one read of the validator's network stake this epoch.
            let v = &mut self.validators.get_mut()[i];
            v.network_stake = env::validator_stake(&id).as_yoctonear();
            // A pool books the epoch's reward at its first mutating call
            // (`ping`); its views are stale until then. A failed ping does
            // not stop the read, which then sees the stale (lower) balance:
            // `on_ping` notes it, so the caps are not judged on that balance.
            return ext_staking_pool::ext(id.clone())
                .with_static_gas(GAS_FOR_POOL_STAKE_CALL)
                .ping()
                .then(
                    Self::ext(env::current_account_id())
                        .with_static_gas(GAS_ON_PING)
                        .on_ping(id, now),
                )
                .into();
        }
        if self.push_attempt_epoch != Some(now) {
            Self::require_gas(GAS_EPOCH_PUSH);
            self.refresh_network_total();
            return self.push_pool_state().into();
        }
        PromiseOrValue::Value(false)
    }

    /// Callback of a sync's `ping`. Private; never panics (it only creates
    /// promises, within the gas `epoch_sync` checked). Reads the router's
    /// account at the pool, then `on_sync` books it, told whether the ping
    /// succeeded. The validator stays locked until `on_sync`.
    #[private]
    pub fn on_ping(
        &mut self,
        validator_id: AccountId,
        epoch: u64,
        #[callback_result(max_bytes = 4096)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> Promise {
        let pinged = landed(&result);
        ext_staking_pool::ext(validator_id.clone())
            .with_static_gas(GAS_FOR_POOL_VIEW)
            .get_account(env::current_account_id())
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_SYNC)
                    .on_sync(validator_id, epoch, pinged),
            )
    }

    /// Callback of a sync's `get_account`. Private; never panics. Books the
    /// reading unless it is unusable (failed call, malformed reply, another
    /// account's balances, a growth above `MAX_REWARD_BPS_PER_EPOCH` or a loss
    /// above `SYNC_LOSS_TOLERANCE`: then nothing is booked). `pinged`: the
    /// pool's `ping` before the read succeeded (else the reading is stale).
    /// A usable reading first settles the validator's lost call, if lock
    /// recovery released one. A callback whose lock is gone books nothing.
    /// Returns whether `epoch_sync` has more to do this epoch.
    #[private]
    pub fn on_sync(
        &mut self,
        validator_id: AccountId,
        epoch: u64,
        pinged: bool,
        #[callback_result(max_bytes = 4096)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        self.advance_index();
        let Some(i) = self.unlock(&validator_id, EpochOp::Sync, epoch) else {
            return self.sync_work_pending();
        };
        let reading = result
            .map_err(|_| "call_failed")
            .and_then(|raw| {
                near_sdk::serde_json::from_slice::<HumanReadableAccount>(&raw.0)
                    .map_err(|_| "malformed_reply")
            })
            .and_then(|a| {
                if a.account_id == env::current_account_id() {
                    Ok(a)
                } else {
                    Err("wrong_account")
                }
            });
        match reading {
            Ok(a) => {
                let settled = self.settle_lost_call(i, a.staked_balance.0, a.unstaked_balance.0);
                // `None`: the settled withdrawal emptied a draining
                // validator, which is gone.
                if let Some(i) = settled {
                    if let Err(reason) = self.book_sync(i, epoch, &a, pinged) {
                        self.record_failure(
                            Some(i),
                            EpochOp::Sync,
                            &validator_id,
                            0,
                            epoch,
                            reason,
                        );
                    }
                }
            }
            Err(reason) => {
                self.record_failure(Some(i), EpochOp::Sync, &validator_id, 0, epoch, reason)
            }
        }
        self.sync_work_pending()
    }

    /// Callback of the treasury's fee mint. Private; never panics. On failure
    /// the fee's shares are removed: their NEAR stays with every holder.
    #[private]
    pub fn on_fee_mint(
        &mut self,
        shares: U128,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) {
        self.advance_index();
        let b = &mut self.books;
        b.mint_in_flight_shares = b.mint_in_flight_shares.saturating_sub(shares.0);
        if landed(&result) {
            b.snear_supply = b.snear_supply.saturating_add(shares.0);
            Event::FeeMinted {
                treasury_id: &self.treasury_account_id,
                shares,
            }
            .emit();
        } else {
            b.total_shares = b.total_shares.saturating_sub(shares.0);
            Event::FeeMintFailed {
                treasury_id: &self.treasury_account_id,
                shares,
            }
            .emit();
        }
    }

    /// Callback of a pool-state push. Private; never panics. Returns whether
    /// `epoch_sync` has more to do this epoch.
    #[private]
    pub fn on_pool_state_pushed(
        &mut self,
        state: PoolState,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        if landed(&result) {
            self.pushed_epoch = self.pushed_epoch.max(Some(state.epoch_height));
            Event::PoolStatePushed { state: &state }.emit();
        } else {
            Event::PoolStatePushFailed {
                epoch_height: state.epoch_height,
            }
            .emit();
        }
        self.sync_work_pending()
    }
}

impl MetaPool {
    /// Whether `epoch_sync` has more to do this epoch: a validator to read,
    /// or the epoch's pool-state push.
    pub(crate) fn sync_work_pending(&self) -> bool {
        let now = env::epoch_height();
        self.push_attempt_epoch != Some(now) || next_to_sync(self.validators.get(), now).is_some()
    }

    /// Books a validator reading: growth is reward (less the protocol fee,
    /// minted as sNEAR to the treasury at the new price), a small decrease
    /// is pool rounding paid by the seed. The records then equal the reading
    /// (stale for the epoch unless `pinged`).
    fn book_sync(
        &mut self,
        i: usize,
        epoch: u64,
        a: &HumanReadableAccount,
        pinged: bool,
    ) -> Result<(), &'static str> {
        let (staked, unstaked) = (a.staked_balance.0, a.unstaked_balance.0);
        let total = staked.checked_add(unstaked).ok_or("malformed_reply")?;
        let v = &self.validators.get()[i];
        let booked = v.staked + v.unstaked;
        let epochs = match v.synced_epoch {
            Some(e) if epoch > e => (epoch - e) as u128,
            _ => 1,
        };
        let (growth, loss) = if total >= booked {
            (total - booked, 0)
        } else {
            (0, booked - total)
        };
        // A larger loss is refused, except on a validator governance is
        // draining: there it is booked (the seed pays what it can, the rest
        // lowers the price, evented), because refusing it would freeze the
        // validator, and everything it holds, for ever.
        let draining = v.state == ValidatorState::Draining;
        if loss > SYNC_LOSS_TOLERANCE && !draining {
            return Err("balance_decreased");
        }
        let max_growth = mul_div_down(booked, MAX_REWARD_BPS_PER_EPOCH * epochs, 10_000)
            .unwrap_or(u128::MAX)
            .saturating_add(SYNC_GROWTH_SLACK);
        if growth > max_growth {
            // Refused (a pool cannot inflate the price past the bound; the
            // growth is booked once the bound over the epochs since the last
            // sync covers it), but a donation to the pool must not hold up
            // the claims earmarked there: when the pool holds the unstaked
            // NEAR booked there, it may be withdrawn this epoch. The books
            // do not change.
            if unstaked >= v.unstaked {
                let v = &mut self.validators.get_mut()[i];
                v.can_withdraw = a.can_withdraw;
                v.withdraw_checked_epoch = Some(epoch);
            }
            return Err("reward_too_large");
        }
        let v = &mut self.validators.get_mut()[i];
        v.staked = staked;
        v.unstaked = unstaked;
        v.can_withdraw = a.can_withdraw;
        v.synced_epoch = Some(epoch);
        v.stale_epoch = (!pinged).then_some(epoch);
        if v.earmarked > unstaked {
            // The pool holds less unstaked than is owed to the reserve (its
            // rounding): ask for the difference again from staked NEAR.
            let short = v.earmarked - unstaked;
            v.earmarked = unstaked;
            self.books.earmarked -= short;
            self.books.to_unstake += short;
        }
        let validator_id = v.account_id.clone();
        let (fee, fee_shares) = if growth > 0 {
            self.books.add_reward(growth, self.params.protocol_fee_bps)
        } else {
            (0, 0)
        };
        if loss > 0 {
            let burnt = self.books.pay_from_seed(loss);
            let reason = if loss > SYNC_LOSS_TOLERANCE {
                "drained_validator_loss"
            } else {
                "validator_rounding"
            };
            Event::SeedPaid {
                amount: U128(loss),
                seed_shares_burnt: U128(burnt),
                reason,
            }
            .emit();
        }
        Event::EpochSuccess {
            op: EpochOp::Sync,
            validator_id: &validator_id,
            amount: U128(total),
        }
        .emit();
        Event::RewardsSynced {
            validator_id: &validator_id,
            reward: U128(growth),
            fee: U128(fee),
            fee_shares: U128(fee_shares),
            loss: U128(loss),
            total_staked: U128(self.books.total_staked),
            total_shares: U128(self.books.total_shares),
        }
        .emit();
        if fee_shares > 0 {
            self.mint_fee(fee_shares);
        }
        self.remove_if_drained(i);
        // Detached: its callback records the outcome.
        self.push_pool_state().detach();
        Ok(())
    }

    /// Mints the protocol fee's shares to the treasury (counted in flight).
    /// The registration deposit comes from the router's own funds when they
    /// allow; an unregistered treasury without it fails the mint, and the
    /// fee then stays with all holders.
    fn mint_fee(&mut self, shares: u128) {
        self.books.mint_in_flight_shares += shares;
        let reg = SNEAR_REGISTRATION_DEPOSIT.as_yoctonear();
        let deposit = if self.own_funds() >= reg + MIN_OWN_FUNDS_FOR_GROWTH {
            SNEAR_REGISTRATION_DEPOSIT
        } else {
            NearToken::from_yoctonear(0)
        };
        self.snear_mint(&self.treasury_account_id, shares, deposit, 0)
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_FEE_MINT)
                    .on_fee_mint(U128(shares)),
            )
            .detach();
    }

    /// Sends the current pool state to sNEAR.
    pub(crate) fn push_pool_state(&mut self) -> Promise {
        let state = self.pool_state();
        self.push_attempt_epoch = Some(state.epoch_height);
        ext_snear::ext(self.snear_account_id.clone())
            .with_static_gas(GAS_FOR_SNEAR_POOL_STATE)
            .update_pool_state(state.clone())
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_POOL_STATE_PUSH)
                    .on_pool_state_pushed(state),
            )
    }
}
