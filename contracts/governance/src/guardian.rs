//! The guardian: an account that may cancel a queued proposal and do
//! nothing else. Its mandate lapses at `expires_at_epoch` unless a passed
//! proposal renews it.
//!
//! It may cancel any queued proposal, one that replaces it included. A
//! guardian that could not would be disarmed by any majority willing to
//! replace it first and queue its real action after the change executed.
//! A guardian that abuses its veto can only delay: it moves no funds, the
//! router runs on unchanged, and holders outlast it, since its mandate
//! lapses (at most `GUARDIAN_TERM_EPOCHS.max` epochs after it was set) and
//! only a vote renews it.

use near_sdk::{env, near, require, AccountId};

use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::proposal::{ProposalState, ProposalStatus};
use crate::{require_one_yocto, Governance, GovernanceExt};

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
        let caller = env::predecessor_account_id();
        let guardian = self
            .guardian
            .as_ref()
            .filter(|g| g.account_id == caller)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_GUARDIAN));
        let epoch = env::epoch_height();
        require!(epoch < guardian.expires_at_epoch, ERR_GUARDIAN_EXPIRED);
        let proposal = self
            .proposals
            .get_mut(&proposal_id)
            .unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_PROPOSAL));
        let state = proposal.state(epoch);
        if state != ProposalState::Queued {
            env::panic_str(&format!("{ERR_NOT_QUEUED} (state {state:?})"));
        }
        proposal.status = ProposalStatus::Cancelled;
        GovernanceEvent::ProposalCancelled {
            proposal_id,
            guardian: caller,
        }
        .emit();
    }
}
