//! Gas sNEAR attaches to its own callbacks, and what its callers must attach.

use near_sdk::Gas;

/// `ft_resolve_transfer`: two holder reads and writes, accrual settlement and
/// one event. The same budget as near-contract-standards gives its resolver,
/// so wallets that size `ft_transfer_call` for a standard token size ours.
pub const GAS_FOR_RESOLVE_TRANSFER: Gas = Gas::from_tgas(5);

/// `on_governance_mint`: one holder read and write, an event and possibly a
/// refund transfer.
pub const GAS_FOR_CLAIM_CALLBACK: Gas = Gas::from_tgas(5);

/// The least gas `claim_governance_tokens` accepts: its own work (settlement,
/// two promises) plus the governance `mint` and the callback. Checked up
/// front so a short transaction fails with a clear error instead of midway
/// through scheduling.
pub const MIN_GAS_FOR_CLAIM: Gas = Gas::from_tgas(
    meta_common::ext::GAS_FOR_GOVERNANCE_MINT.as_tgas() + GAS_FOR_CLAIM_CALLBACK.as_tgas() + 10,
);
