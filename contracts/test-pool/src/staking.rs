//! The stake action: the pool stakes `total_staked_balance` with its
//! validator key after every change, and undoes a stake the chain refused.

use near_sdk::{env, near, NearToken, Promise, PromiseError};

use crate::gas::ON_STAKE_ACTION_GAS;
use crate::{TestPool, TestPoolExt};

impl TestPool {
    /// Stakes the current total with the staking key, unless paused. An
    /// invalid key fails the whole call, as in the core pool.
    pub(crate) fn internal_restake(&mut self) {
        if self.paused {
            return;
        }
        Promise::new(env::current_account_id())
            .stake(
                NearToken::from_yoctonear(self.total_staked_balance),
                self.stake_public_key.clone(),
            )
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(ON_STAKE_ACTION_GAS)
                    .on_stake_action(),
            )
            .detach();
    }

    /// Stakes nothing: the validator leaves the set and its stake unlocks.
    pub(crate) fn internal_unstake_all_stake(&self) {
        Promise::new(env::current_account_id())
            .stake(NearToken::from_yoctonear(0), self.stake_public_key.clone())
            .detach();
    }
}

#[near]
impl TestPool {
    /// Callback of every stake action. A stake the chain refused (e.g. below
    /// the seat threshold) would leave the old stake locked while the
    /// bookkeeping moved on, so the pool then stakes nothing, as the core pool
    /// does.
    ///
    /// Only the pool itself may call it. Gas: [`ON_STAKE_ACTION_GAS`]. Emits
    /// nothing; never panics.
    #[private]
    pub fn on_stake_action(&mut self, #[callback_result] stake_result: Result<(), PromiseError>) {
        if stake_result.is_err() && !env::account_locked_balance().is_zero() {
            self.internal_unstake_all_stake();
        }
    }
}
