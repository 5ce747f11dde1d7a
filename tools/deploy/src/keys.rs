//! Access keys as the node lists them, for the lock and its health check.
//!
//! None may remain on sNEAR, governance or the router once they are
//! deployed, whatever its kind: a full-access key deploys code over the
//! contract, and a function-call key signs calls *as* the contract, so it
//! reaches what only the contract itself may call (its `#[private]`
//! callbacks and `migrate`, the router's `mint` and `burn` on sNEAR,
//! governance's `upgrade` calls on the others).

use near_api::types::{AccessKey, AccessKeyPermission};
use near_api::PublicKey;

/// A key as `view_access_key_list` lists it.
pub type KeyInfo = (PublicKey, AccessKey);

/// Whether the key may sign any action, `DeployContract` included.
pub fn is_full_access(key: &KeyInfo) -> bool {
    matches!(key.1.permission, AccessKeyPermission::FullAccess)
}

/// The key a `DeleteKey` action names.
pub fn public_key(key: &KeyInfo) -> Option<PublicKey> {
    Some(key.0)
}

/// Whether `key` is `ours` with full access: the only key this tool can
/// sign a contract's lock with.
pub fn is_ours(key: &KeyInfo, ours: &PublicKey) -> bool {
    is_full_access(key) && key.0 == *ours
}

/// The key and its permission, for messages.
pub fn describe(key: &KeyInfo) -> String {
    match &key.1.permission {
        AccessKeyPermission::FullAccess => format!("{} (full access)", key.0),
        AccessKeyPermission::FunctionCall(f) => format!(
            "{} (function call to {}, methods {})",
            key.0,
            f.receiver_id,
            if f.method_names.is_empty() {
                "any".to_string()
            } else {
                f.method_names.join(", ")
            }
        ),
    }
}
