//! Deterministic key pairs for accounts the Rust API creates.
//!
//! Keys are derived from the account id, so two runs of the same test produce
//! the same keys, transactions and hashes. They are real ed25519 key pairs, so a
//! JSON-RPC front end can later verify signatures made with them.

use near_account_id::AccountId;
use near_crypto::{ED25519PublicKey, ED25519SecretKey, PublicKey, SecretKey};
use sha2::{Digest, Sha256};

/// The ed25519 key pair localnet derives for `account_id` (seed: SHA-256 of
/// `"localnet:" + account_id`).
pub fn derive_secret_key(account_id: &AccountId) -> SecretKey {
    let seed: [u8; 32] = Sha256::digest(format!("localnet:{account_id}")).into();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    SecretKey::ED25519(ED25519SecretKey(signing.to_keypair_bytes()))
}

/// The public half of [`derive_secret_key`].
pub fn derive_public_key(account_id: &AccountId) -> PublicKey {
    let seed: [u8; 32] = Sha256::digest(format!("localnet:{account_id}")).into();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    PublicKey::ED25519(ED25519PublicKey(signing.verifying_key().to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_and_distinct() {
        let a: AccountId = "alice.near".parse().unwrap();
        let b: AccountId = "bob.near".parse().unwrap();
        assert_eq!(derive_public_key(&a), derive_public_key(&a));
        assert_ne!(derive_public_key(&a), derive_public_key(&b));
        assert_eq!(derive_secret_key(&a).public_key(), derive_public_key(&a));
    }
}
