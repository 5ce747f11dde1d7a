//! The emergency staking pause (issue 14): new stake stops, exits never do.
//!
//! While paused (`env::epoch_height() < staking_paused_until_epoch`) the
//! methods that bring NEAR in or put it behind shares refuse with
//! `E_STAKING_PAUSED` before they change anything: `deposit`,
//! `deposit_and_stake`, `stake`, `stake_all` (liquid and lockup accounts
//! alike) and the keeper's `epoch_stake`. Everything that lets NEAR out
//! goes on: `unstake`, `unstake_all`, `withdraw`, `withdraw_all` (lockups'
//! exits included), `epoch_sync`, `epoch_withdraw`, `epoch_unstake` and
//! `epoch_rebalance` (whose NEAR waits in the buffer, where it nets
//! against claims, until the pause ends), and every callback, so a mint
//! or validator stake already in flight when the pause begins is booked
//! as usual. A pause can therefore never keep anyone's NEAR in the router.
//!
//! Who pauses and how it ends:
//! - the guardian, through governance's `pause_staking` (which calls
//!   [`MetaPool::guardian_pause_staking`]): for
//!   [`GUARDIAN_PAUSE_EPOCHS`] epochs, then staking reopens by itself. The
//!   guardian cannot extend its own pause: it is refused while any pause
//!   is in force (`E_ALREADY_PAUSED`);
//! - the DAO (`RouterAction::PauseStaking { epochs }`, or the owner during
//!   the bootstrap): until `epochs` epochs from now, replacing the end of
//!   any pause in force, so it extends or shortens it;
//! - only the DAO ends a pause early (`RouterAction::ResumeStaking`).
//!
//! No event marks a pause that runs out; `is_staking_paused` and
//! `get_pool_summary.staking_paused_until_epoch` tell.

use meta_common::actions::GUARDIAN_PAUSE_EPOCHS;
use near_sdk::{env, near, require};

use crate::errors::*;
use crate::events::Event;
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Whether new stake is paused now (`deposit`, `deposit_and_stake`,
    /// `stake`, `stake_all` and `epoch_stake` refuse with
    /// `E_STAKING_PAUSED`; unstakes and withdrawals work). The core
    /// staking pool's view, which wallets read. Anyone; view.
    pub fn is_staking_paused(&self) -> bool {
        self.staking_paused()
    }

    /// The guardian's emergency pause of new stake, for
    /// [`GUARDIAN_PAUSE_EPOCHS`] (20) epochs: staking reopens by itself when
    /// epoch `now + 20` begins unless the DAO extends the pause
    /// (`PauseStaking`) or ends it early (`ResumeStaking`).
    ///
    /// Caller: the governance contract only, relaying its guardian's
    /// `pause_staking` (`E_NOT_GOVERNANCE` otherwise, the bootstrap owner
    /// included: the owner pauses with `apply_governance_action`). Refused
    /// while any pause is in force (`E_ALREADY_PAUSED`), so the guardian
    /// cannot extend its own pause. No deposit; bookkeeping only, within
    /// `meta_common::ext::GAS_FOR_ROUTER_PAUSE` (10 Tgas; 1.8 Tgas burnt on
    /// localnet). Emits `staking_paused {until_epoch, by:
    /// "guardian"}`.
    pub fn guardian_pause_staking(&mut self) {
        require!(
            env::predecessor_account_id() == self.governance_account_id,
            ERR_NOT_GOVERNANCE
        );
        require!(!self.staking_paused(), ERR_ALREADY_PAUSED);
        self.advance_index();
        self.set_staking_pause(env::epoch_height() + GUARDIAN_PAUSE_EPOCHS, "guardian");
    }
}

impl MetaPool {
    /// Whether new stake is paused now.
    pub(crate) fn staking_paused(&self) -> bool {
        env::epoch_height() < self.staking_paused_until_epoch
    }

    /// Refuses a call that adds stake while staking is paused. Every such
    /// method calls it first, before anything changes.
    pub(crate) fn require_staking_open(&self) {
        require!(!self.staking_paused(), ERR_STAKING_PAUSED);
    }

    /// The epoch the pause in force ends in (staking reopens when it
    /// begins); `None` when staking is open.
    pub(crate) fn staking_pause_end(&self) -> Option<u64> {
        self.staking_paused()
            .then_some(self.staking_paused_until_epoch)
    }

    /// `RouterAction::PauseStaking`: paused until `epochs` epochs from now,
    /// replacing the end of any pause in force (`epochs` validated by
    /// `RouterAction::validate`).
    pub(crate) fn dao_pause_staking(&mut self, epochs: u64, by: &str) {
        self.set_staking_pause(env::epoch_height() + epochs, by);
    }

    /// `RouterAction::ResumeStaking`: ends a pause in force now; does
    /// nothing (and emits nothing) when there is none, so a retried
    /// execution succeeds.
    pub(crate) fn dao_resume_staking(&mut self, by: &str) {
        if !self.staking_paused() {
            return;
        }
        // The pause ended at the start of this epoch: `is_staking_paused`
        // is false from now on, and the field keeps when the last one ended.
        self.staking_paused_until_epoch = env::epoch_height();
        Event::StakingResumed { by }.emit();
    }

    fn set_staking_pause(&mut self, until_epoch: u64, by: &str) {
        self.staking_paused_until_epoch = until_epoch;
        Event::StakingPaused { until_epoch, by }.emit();
    }
}
