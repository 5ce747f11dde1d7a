//! Access keys as the node lists them, for the lock and its health check.
//!
//! None may remain on sNEAR, governance or the router once they are
//! deployed, whatever its kind: a full-access key deploys code over the
//! contract, and a function-call key signs calls *as* the contract, so it
//! reaches what only the contract itself may call (its `#[private]`
//! callbacks and `migrate`, the router's `mint` and `burn` on sNEAR,
//! governance's `upgrade` calls on the others).

use near_crypto::{PublicKey, PublicKeyHandle};
use near_primitives::views::{AccessKeyInfoView, AccessKeyPermissionView};

/// Whether the key may sign any action, `DeployContract` included (gas
/// keys with full access count: the permission is the same).
pub fn is_full_access(key: &AccessKeyInfoView) -> bool {
    matches!(
        key.access_key.permission,
        AccessKeyPermissionView::FullAccess | AccessKeyPermissionView::GasKeyFullAccess { .. }
    )
}

/// The key a `DeleteKey` action can name. The node lists an ML-DSA-65 key
/// by its hash only, which `DeleteKey` does not take; `None` then.
pub fn public_key(key: &AccessKeyInfoView) -> Option<PublicKey> {
    match &key.public_key {
        PublicKeyHandle::ED25519(k) => Some(PublicKey::ED25519(k.clone())),
        PublicKeyHandle::SECP256K1(k) => Some(PublicKey::SECP256K1(k.clone())),
        PublicKeyHandle::MlDsa65(_) => None,
    }
}

/// Whether `key` is `ours` with full access: the only key this tool can
/// sign a contract's lock with.
pub fn is_ours(key: &AccessKeyInfoView, ours: &PublicKey) -> bool {
    is_full_access(key) && key.public_key == PublicKeyHandle::from(ours)
}

/// The key and its permission, for messages.
pub fn describe(key: &AccessKeyInfoView) -> String {
    match &key.access_key.permission {
        AccessKeyPermissionView::FullAccess | AccessKeyPermissionView::GasKeyFullAccess { .. } => {
            format!("{} (full access)", key.public_key)
        }
        AccessKeyPermissionView::FunctionCall {
            receiver_id,
            method_names,
            ..
        }
        | AccessKeyPermissionView::GasKeyFunctionCall {
            receiver_id,
            method_names,
            ..
        } => format!(
            "{} (function call to {receiver_id}, methods {})",
            key.public_key,
            if method_names.is_empty() {
                "any".to_string()
            } else {
                method_names.join(", ")
            }
        ),
    }
}
