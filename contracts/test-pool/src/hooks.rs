//! Where the fault switches hook into the pool's methods. Without the `test`
//! feature every hook is empty and compiles away, so the production wasm
//! behaves as the core pool and nothing else.

/// Signed offset the balance views add to what they report (always 0 in the
/// production build).
pub(crate) type Delta = i128;

#[cfg(feature = "test")]
pub(crate) use crate::faults::{account_reply, balance_reply, before_view, intercept_call, Reply};

/// Production build: a view answers its value as it is.
#[cfg(not(feature = "test"))]
pub(crate) type Reply<T> = T;

/// Production build: a balance is its JSON string.
#[cfg(not(feature = "test"))]
#[inline(always)]
pub(crate) fn balance_reply(balance: u128) -> Reply<near_sdk::json_types::U128> {
    near_sdk::json_types::U128(balance)
}

/// Production build: an account is answered as it is.
#[cfg(not(feature = "test"))]
#[inline(always)]
pub(crate) fn account_reply(
    account: meta_common::ext::HumanReadableAccount,
    _foreign_id: &near_sdk::AccountId,
) -> Reply<meta_common::ext::HumanReadableAccount> {
    account
}

/// Production build: no call is intercepted.
#[cfg(not(feature = "test"))]
#[inline(always)]
pub(crate) fn intercept_call(_method_name: &str) -> bool {
    false
}

/// Production build: views report true balances.
#[cfg(not(feature = "test"))]
#[inline(always)]
pub(crate) fn before_view(_method_name: &str) -> Delta {
    0
}

/// `value` moved by `delta`, saturating at 0 and at `u128::MAX`.
pub(crate) fn offset(value: u128, delta: Delta) -> u128 {
    if delta >= 0 {
        value.saturating_add(delta.unsigned_abs())
    } else {
        value.saturating_sub(delta.unsigned_abs())
    }
}
