//! Gas budgets of the contract's own callbacks, and what a caller must attach
//! so every callback of a call gets its budget (a callback that runs out of
//! gas would leave a proposal stuck in Executing).
//!
//! No reply can make a callback's cost grow: callbacks read at most a few
//! bytes of their callee's reply (`reply`, and 48 bytes in
//! `ft_resolve_transfer`), and the runtime hands a promise result to the
//! callback without a per-byte charge (the callee paid for every byte when
//! it returned them, ~69 Mgas a byte, so within a transaction's gas no
//! callee returns much more than 4 MB). The localnet tests measure each
//! callback against a one-byte reply and a 3 MiB one and find the same
//! cost; each budget is a few times that.

pub use meta_common::ext::MAX_TRANSACTION_GAS;
use meta_common::ext::{GAS_FOR_ROUTER_ACTION, GAS_FOR_WHITELIST_CHECK};
use meta_common::upgrade::{code_args_gas, deploy_and_migrate_gas, upgrade_call_gas};
use near_sdk::Gas;

use crate::proposal::UpgradeTarget;

/// Headroom for a method's own work and the receipts it creates.
const OWN_WORK: Gas = Gas::from_tgas(15);

const fn sum(parts: &[Gas]) -> Gas {
    let mut total = 0;
    let mut i = 0;
    while i < parts.len() {
        total += parts[i].as_gas();
        i += 1;
    }
    Gas::from_gas(total)
}

/// `ft_resolve_transfer`: a refund writes up to two checkpoints (measured
/// on localnet: at most 3.4 Tgas).
pub const GAS_FOR_RESOLVE_TRANSFER: Gas = Gas::from_tgas(10);
/// `ft_transfer_call`'s own work: the transfer, its checkpoints and the two
/// receipts it creates (measured on localnet: about 5 Tgas).
pub const FT_TRANSFER_CALL_OWN_WORK: Gas = Gas::from_tgas(10);
/// The least the receiver's `ft_on_transfer` gets: everything attached
/// beyond [`FT_TRANSFER_CALL_OWN_WORK`] and [`GAS_FOR_RESOLVE_TRANSFER`]
/// goes to it.
pub const GAS_FOR_FT_ON_TRANSFER_MIN: Gas = Gas::from_tgas(15);
/// The least `ft_transfer_call` accepts (35 Tgas): at exactly this the
/// receiver gets [`GAS_FOR_FT_ON_TRANSFER_MIN`].
pub const GAS_FOR_FT_TRANSFER_CALL: Gas = sum(&[
    FT_TRANSFER_CALL_OWN_WORK,
    GAS_FOR_RESOLVE_TRANSFER,
    GAS_FOR_FT_ON_TRANSFER_MIN,
]);

/// `on_proposal_whitelisted`: parses the proposal, stores it or refunds
/// its deposit (measured on localnet: about 2 Tgas).
pub const GAS_FOR_ON_PROPOSAL_WHITELISTED: Gas = Gas::from_tgas(15);
/// What `propose` needs for an added validator (35 Tgas).
pub const GAS_FOR_PROPOSE_WITH_WHITELIST: Gas = sum(&[
    OWN_WORK,
    GAS_FOR_WHITELIST_CHECK,
    GAS_FOR_ON_PROPOSAL_WHITELISTED,
]);

/// `on_execute_result`: marks the proposal Executed or Queued again
/// (measured on localnet: 2 Tgas).
pub const GAS_FOR_ON_EXECUTE_RESULT: Gas = Gas::from_tgas(10);
/// `on_execute_whitelisted`: reads the whitelist's answer, then calls the
/// router and its callback (measured on localnet: about 3.5 Tgas of own
/// work), or restores the proposal.
pub const GAS_FOR_ON_EXECUTE_WHITELISTED: Gas =
    sum(&[OWN_WORK, GAS_FOR_ROUTER_ACTION, GAS_FOR_ON_EXECUTE_RESULT]);
/// What `execute` needs for a router action (65 Tgas).
pub const GAS_FOR_EXECUTE: Gas = sum(&[OWN_WORK, GAS_FOR_ROUTER_ACTION, GAS_FOR_ON_EXECUTE_RESULT]);
/// What `execute` needs for an added validator, whitelist re-check first
/// (85 Tgas).
pub const GAS_FOR_EXECUTE_WITH_WHITELIST: Gas = sum(&[
    OWN_WORK,
    GAS_FOR_WHITELIST_CHECK,
    GAS_FOR_ON_EXECUTE_WHITELISTED,
]);

/// `storage_read` and `storage_remove` charge about 5.6 and 11.5 Mgas a
/// byte of value; this covers either, with headroom.
const CODE_STORAGE_GAS_PER_BYTE: u64 = 15_000_000;

/// `on_upgrade_result`: marks the proposal and may delete the staged code
/// (measured on localnet: about 3 Tgas plus the deletion).
pub const fn on_upgrade_result_gas(code_len: u64) -> Gas {
    Gas::from_gas(Gas::from_tgas(10).as_gas() + code_len * CODE_STORAGE_GAS_PER_BYTE)
}

/// What `execute` needs for an upgrade proposal of `code_len` bytes: its
/// own work with the code's read, the code sent to the target (for the
/// router and sNEAR) and the target's `upgrade`, or the deploy and
/// migration (for governance itself), and the callback. About 150 Tgas for
/// the router's 410 kB; attach 300 Tgas.
pub const fn execute_upgrade_gas(target: UpgradeTarget, code_len: u64) -> Gas {
    let read = code_len * CODE_STORAGE_GAS_PER_BYTE;
    let call = match target {
        UpgradeTarget::Router | UpgradeTarget::Snear => {
            code_args_gas(code_len).as_gas() + upgrade_call_gas(code_len).as_gas()
        }
        UpgradeTarget::Governance => deploy_and_migrate_gas(code_len).as_gas(),
    };
    Gas::from_gas(OWN_WORK.as_gas() + read + call + on_upgrade_result_gas(code_len).as_gas())
}
