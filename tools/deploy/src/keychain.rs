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
use std::time::Duration;

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
/// keychain read per key (blocking, on a thread of its own). Waits at
/// most `wait` for the keychain: a locked desktop keychain asks its user
/// for a password, and a keeper running as a service must not hang on a
/// prompt nobody sees.
///
/// # Errors
/// The account has no key the keychain holds, the keychain cannot be
/// reached (no Secret Service on D-Bus, for one) or did not answer within
/// `wait`: the message says which.
pub async fn find(
    chain: &Chain,
    network: Network,
    account: &AccountId,
    wait: Duration,
) -> anyhow::Result<Key> {
    let keys = chain.access_keys(account).await?;
    if keys.is_empty() {
        bail!("{account} has no access key on the chain");
    }
    let service = service(network, account);
    let users: Vec<(String, String)> = keys
        .iter()
        .map(|(pk, _)| (pk.to_string(), user(account, &pk.to_string())))
        .collect();
    // A thread of its own, not `spawn_blocking`: a runtime waits for its
    // blocking tasks when it shuts down, so a read stuck on a keychain that
    // never answers would keep the CLI from exiting after the timeout. The
    // abandoned thread holds nothing the caller needs.
    let (tx, rx) = tokio::sync::oneshot::channel();
    {
        let service = service.clone();
        std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = tx.send(read_first(&service, &users));
            })
            .context("cannot start the keychain lookup")?;
    }
    let (public_key, secret) = tokio::time::timeout(wait, rx)
        .await
        .map_err(|_| {
            anyhow!(
                "the OS keychain did not answer within {} s (locked? unlock it, \
                 or pass --key FILE)",
                wait.as_secs()
            )
        })?
        .map_err(|_| anyhow!("the keychain lookup stopped"))??
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
