//! The guardian: an account that may cancel a queued proposal and pause
//! the router's new stake for a bounded time (`pause_staking`), and do
//! nothing else. Its mandate lapses at `expires_at_epoch` unless a passed
//! proposal renews it.
//!
//! It may cancel any queued proposal, one that replaces it included. A
//! guardian that could not would be disarmed by any majority willing to
//! replace it first and queue its real action after the change executed.
//! A guardian that abuses its powers can only delay: it moves no funds, the
//! router runs on unchanged but for new stake (which its pause can keep
//! out, never an exit), and holders outlast it, since its mandate
//! lapses (at most `GUARDIAN_TERM_EPOCHS.max` epochs after it was set) and
//! only a vote renews it.
//!
//! Its staking pause (issue 14) stops only new stake, never an exit, and
//! ends by itself after `GUARDIAN_PAUSE_EPOCHS`; the guardian cannot
//! extend it (the router refuses a pause while one is in force), only the
//! DAO extends or ends it (`PauseStaking`, `ResumeStaking`).

use meta_common::actions::GUARDIAN_PAUSE_EPOCHS;
use meta_common::ext::{ext_router, GAS_FOR_ROUTER_PAUSE};
use near_sdk::{env, near, require, AccountId, Gas, Promise};

use crate::config::{TIMELOCK_EPOCHS, VOTING_PERIOD_EPOCHS};
use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::proposal::{ProposalState, ProposalStatus};
use crate::{require_one_yocto, Governance, GovernanceExt};

/// What `pause_staking` needs: its own work (a state read and write, an
/// event, one receipt: 2.0 Tgas burnt on localnet) with headroom,
/// plus the router's budget ([`GAS_FOR_ROUTER_PAUSE`]): 15 Tgas.
pub const GAS_FOR_PAUSE_STAKING: Gas =
    Gas::from_gas(Gas::from_tgas(5).as_gas() + GAS_FOR_ROUTER_PAUSE.as_gas());

// The guardian's pause outlasts a DAO decision under the default rules
// (vote, an epoch to queue, time-lock), so a `PauseStaking` proposal made
// when the guardian pauses executes before the pause lapses.
const _: () =
    assert!(GUARDIAN_PAUSE_EPOCHS > VOTING_PERIOD_EPOCHS.default + 1 + TIMELOCK_EPOCHS.default);

#[near(serializers = [json, borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guardian {
    pub account_id: AccountId,
    /// The mandate holds while the epoch is below this.
    pub expires_at_epoch: u64,
}

impl Governance {
    pub(crate) fn set_guardian(&mut self, account_id: AccountId, term_epochs: u64) {
        let expires_at_epoch = env::epoch_height() + term_epochs;
        GovernanceEvent::GuardianSet {
            account_id: account_id.clone(),
            expires_at_epoch,
        }
        .emit();
        self.guardian = Some(Guardian {
            account_id,
            expires_at_epoch,
        });
    }
}

#[near]
impl Governance {
    /// Cancels a Queued proposal, of any kind (one that replaces the
    /// guardian included). Caller: the guardian, while its mandate holds
    /// (`E_NOT_GUARDIAN`, `E_GUARDIAN_EXPIRED`), with exactly 1 yoctoNEAR
    /// attached. Only Queued proposals (`E_NOT_QUEUED`). Gas: ~3 Tgas.
    /// Emits `proposal_cancelled`.
    #[payable]
    pub fn cancel(&mut self, proposal_id: u64) {
        require_one_yocto();
        let caller = self.require_active_guardian();
        let epoch = env::epoch_height();
        let proposal = self
            .proposals
            .get_mut(&proposal_id)
            .unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_PROPOSAL));
        let state = proposal.state(epoch);
        if state != ProposalState::Queued {
            env::panic_str(&format!("{ERR_NOT_QUEUED} (state {state:?})"));
        }
        proposal.status = ProposalStatus::Cancelled;
        self.release_code(proposal_id);
        GovernanceEvent::ProposalCancelled {
            proposal_id,
            guardian: caller,
        }
        .emit();
    }

    /// Pauses new stake on the router for `GUARDIAN_PAUSE_EPOCHS` (20)
    /// epochs, in an emergency: the router's `deposit`,
    /// `deposit_and_stake`, `stake`, `stake_all` and `epoch_stake` refuse
    /// (`E_STAKING_PAUSED`); unstakes, withdrawals and the keeper's other
    /// operations go on. Staking reopens by itself when the pause ends
    /// unless a DAO `PauseStaking` proposal extends it; only the DAO ends
    /// it early (`ResumeStaking`).
    ///
    /// Caller: the guardian, while its mandate holds (`E_NOT_GUARDIAN`,
    /// `E_GUARDIAN_EXPIRED`), with exactly 1 yoctoNEAR attached
    /// (`E_ONE_YOCTO`). Gas: at least [`GAS_FOR_PAUSE_STAKING`] (15 Tgas,
    /// `E_GAS`); on localnet the whole transaction burns 4.2 Tgas (its own
    /// receipt 2.0, the router's 1.8).
    /// Emits `staking_pause_requested`; returns the promise of the router's
    /// `guardian_pause_staking`, which emits `staking_paused` or fails the
    /// call with `E_ALREADY_PAUSED` while a pause is in force (the
    /// guardian cannot extend its own pause).
    #[payable]
    pub fn pause_staking(&mut self) -> Promise {
        require_one_yocto();
        let guardian = self.require_active_guardian();
        require!(env::prepaid_gas() >= GAS_FOR_PAUSE_STAKING, ERR_GAS);
        GovernanceEvent::StakingPauseRequested { guardian }.emit();
        ext_router::ext(self.router_account_id.clone())
            .with_static_gas(GAS_FOR_ROUTER_PAUSE)
            .guardian_pause_staking()
    }
}

impl Governance {
    /// The caller, when it is the guardian and its mandate holds; panics
    /// with `E_NOT_GUARDIAN` or `E_GUARDIAN_EXPIRED` otherwise.
    fn require_active_guardian(&self) -> AccountId {
        let caller = env::predecessor_account_id();
        let guardian = self
            .guardian
            .as_ref()
            .filter(|g| g.account_id == caller)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_GUARDIAN));
        require!(
            env::epoch_height() < guardian.expires_at_epoch,
            ERR_GUARDIAN_EXPIRED
        );
        caller
    }
}
