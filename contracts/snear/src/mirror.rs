//! Telling the router holders' new balances (`meta_common::mirror`), so
//! that its staking-pool views show a liquid staker's stake to wallets.
//!
//! Every path that changes a balance, registers or unregisters a holder ends
//! with one `notify` listing what changed. The call is detached and attaches
//! only its own gas: its failure (the router paused, out of gas, upgraded
//! mid-flight) leaves the sNEAR call untouched; the router's copy of that
//! holder then catches up at the holder's next change.

use meta_common::mirror::{
    ext_router_mirror, HolderChange, MirrorUpdate, GAS_FOR_MIRROR_UPDATE, MIRROR_RECORD_DEPOSIT,
};
use near_sdk::{env, AccountId, Gas, NearToken};

use crate::events::SNearEvent;
use crate::SNear;

/// Gas a call must have left to send the notice: the gas it attaches plus
/// creating the receipt and the rest of the call's own work after it.
pub const MIN_GAS_TO_NOTIFY: Gas = Gas::from_ggas(GAS_FOR_MIRROR_UPDATE.as_ggas() + 1_000);

impl SNear {
    /// Sends the router `changes` made in this block. Registrations attach
    /// the router record's deposit each, out of the registration the holder
    /// (or the router, for a holder its `mint` registered) just paid.
    ///
    ///
    /// A balance-only notice is skipped by a call left with too little gas
    /// to send it, rather than fail the transfer: the router's copy then
    /// lags until the holder's next change (wallets attach far more than
    /// `MIN_GAS_TO_NOTIFY`). A registration or unregistration always sends
    /// it, since it moves the record's deposit.
    pub(crate) fn notify(&self, changes: Vec<(AccountId, HolderChange)>) {
        let balances_only = changes
            .iter()
            .all(|(_, c)| matches!(c, HolderChange::Balance(_)));
        let left = env::prepaid_gas().saturating_sub(env::used_gas());
        if balances_only && left < MIN_GAS_TO_NOTIFY {
            SNearEvent::MirrorSkipped {
                accounts: changes.into_iter().map(|(a, _)| a).collect(),
            }
            .emit();
            return;
        }
        let registered = changes
            .iter()
            .filter(|(_, c)| *c == HolderChange::Registered)
            .count() as u128;
        ext_router_mirror::ext(self.router_account_id.clone())
            .with_static_gas(GAS_FOR_MIRROR_UPDATE)
            .with_unused_gas_weight(0)
            .with_attached_deposit(NearToken::from_yoctonear(
                MIRROR_RECORD_DEPOSIT.as_yoctonear() * registered,
            ))
            .on_snear_balances(MirrorUpdate {
                block: env::block_height(),
                changes,
            })
            .detach();
    }
}
