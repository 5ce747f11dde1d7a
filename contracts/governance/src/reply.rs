//! Reading a callee's boolean reply in a callback without trusting it.
//!
//! near-sdk's typed `#[callback_result]` reads the reply in full and panics
//! on anything serde cannot parse as the declared type. A callback that
//! panics after `execute` marked its proposal Executing would leave it
//! there for good, so the callbacks read the reply by hand: at most a few
//! bytes, never panicking, and only the exact JSON `true` counts as yes.
//! Reading a bounded prefix also keeps the callback's cost independent of
//! the reply's length (see `gas`).

use near_sdk::{env, PromiseError};

/// What a callee answered to a yes/no question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Exactly `true`.
    True,
    /// Exactly `false`.
    False,
    /// The call failed (panicked, ran out of gas, no such method).
    Failed,
    /// Anything else: another value, padding, an empty reply, too long.
    Unusable,
}

/// The longest reply that can be a bool: `false`.
const MAX_BOOL_LEN: usize = 5;

/// The reply of the one call this callback waited on. Reads at most five
/// bytes; never panics.
pub(crate) fn bool_reply() -> Reply {
    if env::promise_results_count() != 1 {
        return Reply::Unusable;
    }
    match env::promise_result_checked(0, MAX_BOOL_LEN) {
        Ok(bytes) => match bytes.as_slice() {
            b"true" => Reply::True,
            b"false" => Reply::False,
            _ => Reply::Unusable,
        },
        Err(PromiseError::Failed) => Reply::Failed,
        Err(_) => Reply::Unusable,
    }
}

/// Whether the one call this callback waited on succeeded, whatever it
/// returned. Reads nothing of the reply; never panics.
pub(crate) fn call_succeeded() -> bool {
    env::promise_results_count() == 1
        && !matches!(env::promise_result_checked(0, 0), Err(PromiseError::Failed))
}
