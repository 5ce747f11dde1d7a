//! Upgrades: executing an upgrade proposal, and this contract's own
//! versioned state and migration.
//!
//! An `UpgradeRouter` or `UpgradeSnear` proposal sends the staged code as
//! the raw arguments of the target's `upgrade`, which deploys it and calls
//! its `migrate` in one receipt. An `UpgradeGovernance` proposal creates
//! that receipt itself. Either way a failed deploy or migration leaves the
//! old code and state, and the proposal goes back to Queued (retryable
//! until it expires), as any failed execution does. The callback
//! `on_upgrade_result` of a governance upgrade runs on the new code, so its
//! name and arguments are part of the stable interface.
//!
//! The state is versioned (`meta_common::versioned`); the `next-version`
//! feature builds the test-only second version: one more state field,
//! appended, and one more view.

use meta_common::upgrade::{deploy_and_migrate, upgrade_call_gas, UPGRADE_METHOD};
use meta_common::versioned;
use near_sdk::{env, near, require, AccountId, CryptoHash, NearToken, Promise};

use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::gas::{execute_upgrade_gas, on_upgrade_result_gas};
use crate::proposal::{ProposalStatus, UpgradeTarget};
use crate::reply::call_succeeded;
use crate::{Governance, GovernanceExt};

meta_common::versioned_contract_state!(Governance);

impl Governance {
    /// Starts an upgrade proposal's execution: checks the gas, marks it
    /// Executing and sends the staged code on its way.
    pub(crate) fn execute_upgrade(
        &mut self,
        proposal_id: u64,
        target: UpgradeTarget,
        hash: CryptoHash,
    ) -> Promise {
        let length = self
            .staged_code(&hash)
            .unwrap_or_else(|| env::panic_str(ERR_CODE_NOT_STAGED))
            .length;
        require!(
            env::prepaid_gas() >= execute_upgrade_gas(target, length),
            ERR_GAS
        );
        let code = self.staged_code_bytes(&hash);
        if let Some(p) = self.proposals.get_mut(&proposal_id) {
            p.status = ProposalStatus::Executing;
        }
        GovernanceEvent::ProposalExecuting { proposal_id }.emit();
        let remote = |account_id: AccountId| {
            Promise::new(account_id).function_call(
                UPGRADE_METHOD.to_string(),
                code.clone(),
                NearToken::from_yoctonear(0),
                upgrade_call_gas(length),
            )
        };
        let call = match target {
            UpgradeTarget::Router => remote(self.router_account_id.clone()),
            UpgradeTarget::Snear => remote(self.snear_account_id.clone()),
            UpgradeTarget::Governance => deploy_and_migrate(code),
        };
        call.then(
            Self::ext(env::current_account_id())
                .with_static_gas(on_upgrade_result_gas(length))
                .with_unused_gas_weight(0)
                .on_upgrade_result(proposal_id),
        )
    }
}

#[near]
impl Governance {
    /// Callback of an upgrade's execution: Executed when the deploy and the
    /// migration succeeded (the proposal's staged code is then released,
    /// refunding its stager if no other proposal names it); else back to
    /// Queued (`proposal_execution_failed`), retryable until it expires.
    /// Private; never panics. After `UpgradeGovernance` it runs on the new
    /// code when the upgrade succeeded, on the old one when it failed.
    #[private]
    pub fn on_upgrade_result(&mut self, proposal_id: u64) -> bool {
        if !self.is_executing(proposal_id) {
            return false;
        }
        if call_succeeded() {
            self.mark_executed(proposal_id);
            self.release_code(proposal_id);
            true
        } else {
            self.restore_queued(proposal_id, "upgrade failed: deploy or migration refused");
            false
        }
    }

    /// Turns the stored state into this code's layout. Runs only in the
    /// receipt an `UpgradeGovernance` execution creates (private);
    /// refuses a stored version this code does not know
    /// (`E_STATE_VERSION`), which fails the whole upgrade receipt. The same
    /// version migrates to itself unchanged. Gas: under 3 Tgas. Emits
    /// `state_migrated`.
    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        let (from_version, this) = versioned::migrate(STATE_VERSION, appended_since);
        GovernanceEvent::StateMigrated {
            from_version,
            to_version: STATE_VERSION,
        }
        .emit();
        this
    }

    /// The version of the state layout the running code reads. Anyone;
    /// view.
    pub fn get_state_version(&self) -> u8 {
        STATE_VERSION
    }
}

#[cfg(feature = "next-version")]
#[near]
impl Governance {
    /// Test-only second version: the epoch the migration to it ran in.
    pub fn get_upgraded_at_epoch(&self) -> u64 {
        self.upgraded_at_epoch
    }
}
