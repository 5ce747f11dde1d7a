//! Gas budgets of the contract's own callbacks, and what a caller must attach
//! so every callback of a call gets its budget (a callback that runs out of
//! gas would leave a proposal stuck in Executing).

use meta_common::ext::{GAS_FOR_ROUTER_ACTION, GAS_FOR_WHITELIST_CHECK};
use near_sdk::Gas;

/// Headroom for a method's own work and the receipts it creates.
const OWN_WORK: Gas = Gas::from_tgas(15);

/// `ft_resolve_transfer`: a refund writes up to two checkpoints.
pub const GAS_FOR_RESOLVE_TRANSFER: Gas = Gas::from_tgas(10);
/// What `ft_transfer_call` needs beyond the receiver's `ft_on_transfer`.
pub const GAS_FOR_FT_TRANSFER_CALL: Gas =
    Gas::from_tgas(OWN_WORK.as_tgas() + GAS_FOR_RESOLVE_TRANSFER.as_tgas() + 10);

/// `on_proposal_whitelisted`: stores the proposal or refunds its deposit.
pub const GAS_FOR_ON_PROPOSAL_WHITELISTED: Gas = Gas::from_tgas(15);
/// What `propose` needs for an added validator.
pub const GAS_FOR_PROPOSE_WITH_WHITELIST: Gas = Gas::from_tgas(
    OWN_WORK.as_tgas()
        + GAS_FOR_WHITELIST_CHECK.as_tgas()
        + GAS_FOR_ON_PROPOSAL_WHITELISTED.as_tgas(),
);

/// `on_execute_result`: marks the proposal Executed or Queued again.
pub const GAS_FOR_ON_EXECUTE_RESULT: Gas = Gas::from_tgas(10);
/// `on_execute_whitelisted`: calls the router and its callback, or restores.
pub const GAS_FOR_ON_EXECUTE_WHITELISTED: Gas = Gas::from_tgas(
    OWN_WORK.as_tgas() + GAS_FOR_ROUTER_ACTION.as_tgas() + GAS_FOR_ON_EXECUTE_RESULT.as_tgas(),
);
/// What `execute` needs for a router action.
pub const GAS_FOR_EXECUTE: Gas = Gas::from_tgas(
    OWN_WORK.as_tgas() + GAS_FOR_ROUTER_ACTION.as_tgas() + GAS_FOR_ON_EXECUTE_RESULT.as_tgas(),
);
/// What `execute` needs for an added validator (whitelist re-check first).
pub const GAS_FOR_EXECUTE_WITH_WHITELIST: Gas = Gas::from_tgas(
    OWN_WORK.as_tgas()
        + GAS_FOR_WHITELIST_CHECK.as_tgas()
        + GAS_FOR_ON_EXECUTE_WHITELISTED.as_tgas(),
);
