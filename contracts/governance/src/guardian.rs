//! The guardian: an account that may cancel a queued proposal and do
//! nothing else. Its mandate lapses at `expires_at_epoch` unless a passed
//! proposal renews it. It cannot cancel a proposal that sets the guardian,
//! so holders can always replace a guardian that abuses its veto.

use near_sdk::{env, near, require, AccountId};

use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::proposal::{ProposalKind, ProposalState, ProposalStatus};
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
    /// Cancels a Queued proposal. Caller: the guardian, while its mandate
    /// holds (`E_NOT_GUARDIAN`, `E_GUARDIAN_EXPIRED`), with exactly 1
    /// yoctoNEAR attached. Only Queued proposals (`E_NOT_QUEUED`), and never
    /// one that sets the guardian (`E_GUARDIAN_CHANGE`). Gas: ~3 Tgas.
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
        require!(
            !matches!(proposal.kind, ProposalKind::SetGuardian { .. }),
            ERR_GUARDIAN_CHANGE
        );
        proposal.status = ProposalStatus::Cancelled;
        GovernanceEvent::ProposalCancelled {
            proposal_id,
            guardian: caller,
        }
        .emit();
    }
}
