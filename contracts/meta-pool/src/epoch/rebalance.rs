//! Rebalance: move stake off a validator that drifted above its target,
//! only past the drift threshold and within the epoch's budget. The NEAR
//! returns to the buffer after the pool's wait (`epoch_withdraw`) and
//! `epoch_stake` places it below target, under the caps.

use near_sdk::{env, near, PromiseOrValue};

use crate::validators::EpochOp;
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Unstakes from the active validator furthest above its target when
    /// some active validator's distance from its target exceeds
    /// `rebalance_threshold_bps` of the total stake, no claims wait to be
    /// unstaked, and the validator has nothing unstaked pending; by at most
    /// its excess, what the validators below target can take under the caps,
    /// and what remains of `rebalance_max_move_bps` of the total stake this
    /// epoch.
    ///
    /// Anyone; needs 85 Tgas. Resolves to `true` while more rebalancing can
    /// be done now, `false` otherwise. Emits `netted`,
    /// `epoch_attempt`/`epoch_success`/`epoch_failed` (op `rebalance`).
    pub fn epoch_rebalance(&mut self) -> PromiseOrValue<bool> {
        self.advance_index();
        self.net_now();
        let now = env::epoch_height();
        if self.rebalance_epoch != now {
            self.rebalance_epoch = now;
            self.rebalance_moved = 0;
        }
        let budget = self.rebalance_budget_left();
        let Some(plan) = self.plan(|p| p.rebalance(budget)) else {
            return PromiseOrValue::Value(false);
        };
        Self::require_gas(crate::gas::GAS_EPOCH_VALIDATOR_CALL);
        self.rebalance_moved += plan.amount;
        let id = self.lock(plan.index, EpochOp::Rebalance, plan.amount, 0);
        self.call_unstake(id, plan.amount, 0, EpochOp::Rebalance)
    }
}
