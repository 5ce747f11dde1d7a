//! Upgrades: the router's code changes only through a governance proposal
//! (`UpgradeRouter`), never by a key or the bootstrap owner.
//!
//! The state is versioned (`meta_common::versioned`): `STATE` holds
//! [`STATE_VERSION`] then the borsh of [`MetaPool`]. `upgrade` deploys the
//! code governance sends and calls its `migrate` in the same receipt, so a
//! migration that fails leaves the old code and state. Accounts, validators
//! and shares live under their own keys (append-only `StorageKey`) and are
//! carried over untouched; callbacks already in flight land on the new
//! code, so callback names and arguments are part of the stable interface.
//!
//! The `next-version` feature builds the test-only second version the
//! upgrade tests deploy: one more state field, appended, and one more view.

use meta_common::upgrade::deploy_input_and_migrate;
use meta_common::versioned;
use near_sdk::{env, near, require};

use crate::errors::*;
use crate::events::Event;
use crate::{MetaPool, MetaPoolExt};

meta_common::versioned_contract_state!(MetaPool);

#[near]
impl MetaPool {
    /// Replaces the router's code with the call's raw argument bytes (the
    /// wasm, not JSON) and migrates the state, in one receipt to itself:
    /// a failed migration undoes the deploy.
    ///
    /// Caller: the governance contract only, executing a passed and
    /// time-locked `UpgradeRouter` proposal (`E_NOT_GOVERNANCE`; the
    /// bootstrap owner cannot). No deposit. Gas: at least
    /// `meta_common::upgrade::upgrade_call_gas(code length)` (about 55 Tgas
    /// for 410 kB), `E_UPGRADE_GAS` otherwise; `E_NO_CODE` for empty
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
    /// receipt `upgrade` creates (private: the router itself calls it);
    /// refuses a stored version this code does not know
    /// (`E_STATE_VERSION`), which fails the whole upgrade receipt. The
    /// same version migrates to itself unchanged (a fix without a layout
    /// change). Gas: under 3 Tgas. Emits `state_migrated`.
    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        let (from_version, this): (u8, Self) = versioned::migrate(STATE_VERSION, appended_since);
        // Where `on_snear_balances` finds sNEAR's id without the state; a
        // router deployed before `mirror` existed gets it here.
        crate::mirror::set_snear_id(&this.snear_account_id);
        Event::StateMigrated {
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
impl MetaPool {
    /// Test-only second version: the epoch the migration to it ran in.
    pub fn get_upgraded_at_epoch(&self) -> u64 {
        self.upgraded_at_epoch
    }
}
