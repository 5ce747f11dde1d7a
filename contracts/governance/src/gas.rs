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

use meta_common::ext::{GAS_FOR_ROUTER_ACTION, GAS_FOR_WHITELIST_CHECK};
use near_sdk::Gas;

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
