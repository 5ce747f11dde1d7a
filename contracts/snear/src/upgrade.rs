//! Upgrades: sNEAR's code changes only through a governance proposal
//! (`UpgradeSnear`); nobody else can deploy to it.
//!
//! The contract state is versioned (`state`); holders live under their own
//! keys and are never touched by an upgrade, so balances and accrued META
//! carry over exactly. `upgrade` deploys the code governance sends and
//! calls its `migrate` in the same receipt, so a failed migration leaves
//! the old code and state.
//!
//! The `next-version` feature builds the test-only second version the
//! upgrade tests deploy: one more state field, appended, and one more view.

use meta_common::upgrade::deploy_input_and_migrate;
use meta_common::versioned;
use near_sdk::{env, near, require};

use crate::errors::ERR_NOT_GOVERNANCE;
use crate::events::SNearEvent;
use crate::state::{appended_since, STATE_VERSION};
use crate::{SNear, SNearExt};

#[near]
impl SNear {
    /// Replaces sNEAR's code with the call's raw argument bytes (the wasm,
    /// not JSON) and migrates the state, in one receipt to itself: a failed
    /// migration undoes the deploy.
    ///
    /// Caller: the governance contract only, executing a passed and
    /// time-locked `UpgradeSnear` proposal (`E_NOT_GOVERNANCE`). No
    /// deposit. Gas: at least `meta_common::upgrade::upgrade_call_gas(code
    /// length)`, `E_UPGRADE_GAS` otherwise; `E_NO_CODE` for empty
    /// arguments. Resolves to the migration's result; the new code emits
    /// `state_migrated`.
    pub fn upgrade(&self) {
        require!(
            env::predecessor_account_id() == self.governance_account_id,
            ERR_NOT_GOVERNANCE
        );
        deploy_input_and_migrate()
    }

    /// Turns the stored state into this code's layout. Runs only in the
    /// receipt `upgrade` creates (private); refuses a stored version this
    /// code does not know (`E_STATE_VERSION`), which fails the whole
    /// upgrade receipt. The same version migrates to itself unchanged.
    /// Gas: under 3 Tgas. Emits `state_migrated`.
    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        let (from_version, this) = versioned::migrate(STATE_VERSION, appended_since);
        SNearEvent::StateMigrated {
            from_version,
            to_version: STATE_VERSION,
        }
        .emit();
        this
    }
}

#[cfg(feature = "next-version")]
#[near]
impl SNear {
    /// Test-only second version: the epoch the migration to it ran in.
    pub fn get_upgraded_at_epoch(&self) -> u64 {
        self.upgraded_at_epoch
    }
}
