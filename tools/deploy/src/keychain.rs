//! Keys in the OS keychain, where near-cli-rs's `save-to-keychain` puts
//! them: one entry per key, service `near-<network>-<account>`, user
//! `<account>:<public key>`, the secret a JSON with `public_key` and
//! `private_key` (near-cli-rs adds other fields; they are ignored). The
//! Secret Service over D-Bus on Linux, Keychain on macOS, Credential
//! Manager on Windows (the `keyring` crate).
//!
//! The keychain cannot list entries, so the lookup asks the chain for the
//! account's access keys and tries each: one RPC query plus one keychain
//! read per key.

use crate::chain::{Chain, Key};
use crate::suite::Network;
use anyhow::{anyhow, bail, Context};
use near_primitives::types::AccountId;
use serde::Deserialize;

/// The keychain service near-cli-rs files `account`'s keys under.
pub fn service(network: Network, account: &AccountId) -> String {
    format!("near-{}-{account}", network.name())
}

/// The keychain user of one key.
pub fn user(account: &AccountId, public_key: &str) -> String {
    format!("{account}:{public_key}")
}

/// What near-cli-rs writes as the entry's secret.
#[derive(Deserialize)]
struct Entry {
    public_key: String,
    private_key: String,
}

/// `account`'s signing key from the OS keychain: the first of its access
/// keys on chain that the keychain holds for `network`.
///
/// Called by the operator CLI when no `--key` file is given and the
/// credentials directory has none. Costs one `view_access_key_list` and a
/// keychain read per key (blocking; run off the async runtime).
///
/// # Errors
/// The account has no key the keychain holds, or the keychain cannot be
/// reached (no Secret Service on D-Bus, for one): the message says which.
pub async fn find(chain: &Chain, network: Network, account: &AccountId) -> anyhow::Result<Key> {
    let keys = chain.access_keys(account).await?;
    if keys.is_empty() {
        bail!("{account} has no access key on the chain");
    }
    let service = service(network, account);
    let users: Vec<(String, String)> = keys
        .iter()
        .map(|(pk, _)| (pk.to_string(), user(account, &pk.to_string())))
        .collect();
    let lookup = {
        let service = service.clone();
        tokio::task::spawn_blocking(move || read_first(&service, &users))
    };
    let (public_key, secret) = lookup
        .await
        .map_err(|e| anyhow!("the keychain lookup stopped: {e}"))??
        .with_context(|| {
            format!(
                "the OS keychain holds none of {account}'s {} access keys (service {service})",
                keys.len()
            )
        })?;
    let key = Key::from_secret(account.clone(), &secret)?;
    if key.public_key.to_string() != public_key {
        bail!("the keychain's entry for {public_key} holds the secret of another key");
    }
    Ok(key)
}

/// The first `(public key, secret)` the keychain holds among `users`;
/// `None` when it holds none of them. A keychain that cannot be reached
/// is an error, distinct from an entry that is not there.
fn read_first(
    service: &str,
    users: &[(String, String)],
) -> anyhow::Result<Option<(String, String)>> {
    for (public_key, user) in users {
        let entry =
            keyring::Entry::new(service, user).map_err(|e| anyhow!("the OS keychain: {e}"))?;
        match entry.get_password() {
            Ok(json) => {
                let entry: Entry = serde_json::from_str(&json).with_context(|| {
                    format!("the keychain's entry {service} / {user} is not a near-cli-rs key")
                })?;
                if &entry.public_key != public_key {
                    bail!(
                        "the keychain's entry {service} / {user} names the key {}",
                        entry.public_key
                    );
                }
                return Ok(Some((entry.public_key, entry.private_key)));
            }
            Err(keyring::Error::NoEntry) => continue,
            Err(e) => bail!("the OS keychain cannot be read: {e}"),
        }
    }
    Ok(None)
}
