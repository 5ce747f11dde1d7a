//! The operator CLI's library (`operator deploy|keeper|status`, `make
//! deploy|keeper|status NETWORK=...`): deploys and initialises the
//! protocol, runs the keeper and reads the protocol's state over JSON-RPC,
//! through near-api.
//!
//! - [`suite`]: the accounts and every contract's init arguments (the
//!   near-workspaces tests take them from here too);
//! - [`plan`]: the deployment as ordered transactions, each skipped when an
//!   earlier run already did it: the setup, then the lock that deletes
//!   every key of sNEAR, governance and the router;
//! - [`chain`]: the RPC node, through near-api (views, keys, signed
//!   transactions, retries with backoff, the chain-id check);
//! - [`keeper_rpc`]: the keeper's chain on an RPC node (the loop itself is
//!   the `keeper` crate's, shared with the tests and the demo);
//! - [`status`]: the protocol and one account at a glance;
//! - [`health`]: the views that must answer after a deployment, and that
//!   no key is left on the three contracts;
//! - [`keys`]: access keys as the node lists them;
//! - [`keychain`]: keys in the OS keychain, as near-cli-rs saves them;
//! - [`local`]: the local node, started when none is running.
//!
//! [`deploy`] runs a plan: setup, health check of the wiring, lock, key
//! check, in that order.
//!
//! Keys come from the NEAR credentials directory
//! (`~/.near-credentials/<network>/<account>.json`, as near-cli and
//! near-cli-rs write it) or a key file; locally, from the node's
//! `validator_key.json`.

pub mod chain;
pub mod health;
pub mod keeper_rpc;
pub mod keychain;
pub mod keys;
pub mod local;
pub mod plan;
pub mod status;
pub mod suite;

use anyhow::{bail, Context};
use chain::{Chain, Key};
use near_primitives::types::AccountId;
use plan::{DoneWhen, Plan, Step};
use std::io::Write;
use std::path::{Path, PathBuf};
use suite::SuiteIds;

/// Reads `<dir>/<network>/<account>.json`, the file near-cli and
/// near-cli-rs write (`near account import-account ... save-to-legacy-keychain`).
/// near-cli-rs may keep several keys of an account as
/// `<dir>/<network>/<account>/<public key>.json`; the first one found there
/// is used when the single file is missing.
pub fn read_credentials(
    dir: &Path,
    network: suite::Network,
    account: &AccountId,
) -> anyhow::Result<Key> {
    let path = dir.join(network.name()).join(format!("{account}.json"));
    let path = if path.exists() {
        path
    } else {
        let folder = dir.join(network.name()).join(account.as_str());
        std::fs::read_dir(&folder)
            .ok()
            .and_then(|entries| {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect();
                files.sort();
                files.into_iter().next()
            })
            .unwrap_or(path)
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("no credentials for {account} at {}", path.display()))?;
    let key = Key::from_key_file_json(&text)
        .with_context(|| format!("invalid key file {}", path.display()))?;
    if &key.account_id != account {
        anyhow::bail!(
            "{} holds a key of {}, not {account}",
            path.display(),
            key.account_id
        );
    }
    Ok(key)
}

/// `account`'s signing key where near-cli and near-cli-rs keep it: the
/// credentials directory ([`read_credentials`]), else the OS keychain
/// ([`keychain::find`]).
///
/// Called by the operator CLI for the signer of `deploy` and `keeper`.
/// Costs a file read, and when that finds nothing one RPC query and a
/// keychain read per access key, waiting at most `keychain_wait` for the
/// keychain.
///
/// # Errors
/// Neither place holds a key of `account`; the message says what each
/// answered.
pub async fn find_key(
    chain: &Chain,
    dir: &Path,
    network: suite::Network,
    account: &AccountId,
    keychain_wait: std::time::Duration,
) -> anyhow::Result<Key> {
    let in_files = match read_credentials(dir, network, account) {
        Ok(key) => return Ok(key),
        Err(e) => e,
    };
    keychain::find(chain, network, account, keychain_wait)
        .await
        .map_err(|in_keychain| {
            anyhow::anyhow!(
                "no key of {account}: {in_files:#}; and {in_keychain:#} \
                 (save one with near-cli-rs, `save-to-keychain` or `save-to-legacy-keychain`)"
            )
        })
}

/// Reads a key file given by path (any account).
pub fn read_key_file(path: &Path) -> anyhow::Result<Key> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    Key::from_key_file_json(&text).with_context(|| format!("invalid key file {}", path.display()))
}

/// The standard credentials directory: `~/.near-credentials`.
pub fn default_credentials_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".near-credentials")
}

/// Prints the transactions without sending them, numbered as a live run
/// numbers them, with the point where the live run checks the wiring
/// before it deletes any key.
pub fn print_plan(out: &mut dyn Write, plan: &Plan) -> std::io::Result<()> {
    print_steps(out, &plan.setup, 1)?;
    writeln!(
        out,
        "    then the health check of the wiring; only if it passes, the keys go \
         (a live run deletes every key the account then holds, read with view_access_key_list):"
    )?;
    print_steps(out, &plan.lock, plan.setup.len() + 1)
}

fn print_steps(out: &mut dyn Write, steps: &[Step], first: usize) -> std::io::Result<()> {
    for (i, step) in steps.iter().enumerate() {
        writeln!(out, "{:>2}. {}", first + i, step.description)?;
        writeln!(
            out,
            "    signer {} -> receiver {}",
            step.signer, step.receiver
        )?;
        for line in plan::describe_actions(&step.actions) {
            writeln!(out, "      {line}")?;
        }
    }
    Ok(())
}

/// Whether the step's effect is on chain. A contract initialised with other
/// code than the step would deploy is an error: re-deploying over a
/// contract's state is an upgrade, which this tool never does.
async fn is_done(chain: &Chain, done: &DoneWhen) -> anyhow::Result<bool> {
    Ok(match done {
        DoneWhen::AccountExists(id) => chain.account(id).await?.is_some(),
        DoneWhen::Deployed {
            id,
            code_hash,
            wasm,
        } => {
            if !chain.has_state_key(id, b"STATE").await? {
                return Ok(false);
            }
            let running = chain.code_hash(id).await?;
            if running.as_ref() != Some(code_hash) {
                bail!(
                    "{id} is initialised with other code than {wasm} (code hash {} instead of \
                     {code_hash}); this tool does not upgrade contracts: deploy to a fresh \
                     master account (locally: stop the node, whose state is in memory)",
                    running.map_or_else(|| "none".to_string(), |h| h.to_string())
                );
            }
            true
        }
        DoneWhen::Whitelisted { whitelist, pool } => chain
            .view(
                whitelist,
                "is_whitelisted",
                serde_json::json!({ "staking_pool_account_id": pool }),
            )
            .await?
            .as_bool()
            .unwrap_or(false),
        DoneWhen::ValidatorListed { router, validator } => !chain
            .view(
                router,
                "get_validator",
                serde_json::json!({ "account_id": validator }),
            )
            .await?
            .is_null(),
        DoneWhen::NoAccessKey(id) => chain.access_keys(id).await?.is_empty(),
    })
}

/// Waits until `done` holds after its transaction: the views read the final
/// block, which on testnet and mainnet trails the transaction's by a few
/// blocks. A transaction can succeed without its effect (the router answers
/// `false` to a validator the whitelist refuses), which this catches too.
async fn confirm(chain: &Chain, done: &DoneWhen) -> anyhow::Result<()> {
    for _ in 0..CONFIRM_TRIES {
        if is_done(chain, done).await? {
            return Ok(());
        }
        tokio::time::sleep(CONFIRM_INTERVAL).await;
    }
    bail!("the transaction succeeded but {done:?} does not hold")
}

const CONFIRM_TRIES: u32 = 20;
const CONFIRM_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs the steps in order, skipping those already done; every step is
/// signed with `key` (the master's key, which the sub-accounts also hold).
/// Returns how many transactions were sent.
pub async fn execute(
    chain: &Chain,
    key: &Key,
    steps: &[Step],
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    execute_from(chain, key, steps, 1, out).await
}

/// [`execute`], numbering the steps from `first` (the lock continues the
/// setup's numbers, as the dry run prints them).
async fn execute_from(
    chain: &Chain,
    key: &Key,
    steps: &[Step],
    first: usize,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    for (i, step) in steps.iter().enumerate() {
        let n = first + i;
        if is_done(chain, &step.done_when).await? {
            writeln!(out, "{n:>2}. {} (already done)", step.description)?;
            continue;
        }
        let hash = chain
            .transact(&step.signer, key, &step.receiver, step.actions.clone())
            .await
            .with_context(|| format!("step {n}: {}", step.description))?;
        confirm(chain, &step.done_when)
            .await
            .with_context(|| format!("step {n}: {}", step.description))?;
        writeln!(out, "{n:>2}. {} (tx {hash})", step.description)?;
        sent += 1;
    }
    Ok(sent)
}

/// The lock as the chain requires it now: per contract, one transaction
/// deleting every key the account holds, whatever its kind (an account
/// that existed before this deployment may hold keys the plan never
/// added). A contract that holds no key gets a step already done.
///
/// Fails, deleting nothing, when a contract holds keys but not `key` with
/// full access (only the account itself can delete its keys, so their
/// holder must), or holds a key `DeleteKey` cannot name.
pub async fn lock_steps(chain: &Chain, ids: &SuiteIds, key: &Key) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    for (id, proposal) in plan::locked_contracts(ids) {
        let found = chain.access_keys(id).await?;
        if !found.is_empty() && !found.iter().any(|k| keys::is_ours(k, &key.public_key)) {
            bail!(
                "{id} holds {} but not {} with full access, so this tool cannot delete them: \
                 their holder must (near account delete-keys), then re-run",
                found
                    .iter()
                    .map(keys::describe)
                    .collect::<Vec<_>>()
                    .join(", "),
                key.public_key
            );
        }
        let mut public_keys = found
            .iter()
            .map(|k| {
                keys::public_key(k).with_context(|| {
                    format!(
                        "{id} holds {}, which DeleteKey cannot name: delete it with its full \
                         public key, then re-run",
                        keys::describe(k)
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        // The signing key last, so the log reads "the others, then ours".
        public_keys.sort_by_key(|k| *k == key.public_key);
        steps.push(plan::delete_keys(id, proposal, &public_keys));
    }
    Ok(steps)
}

/// What [`deploy`] did.
#[derive(Debug)]
pub struct Deployed {
    /// Transactions sent, setup and lock (0 when an earlier run did all).
    pub sent: usize,
    /// The health checks that passed: the wiring's ([`health::check`]),
    /// then [`health::NO_FULL_ACCESS_KEY`] ([`health::check_keys`]).
    pub checks: Vec<health::Check>,
}

/// Runs a deployment: the setup, the health check of the wiring, the lock
/// (rebuilt from the keys on chain, see [`lock_steps`]), then the check
/// that no key is left. The keys go only once everything before passed:
/// until then they are what lets the operator fix a failed step and re-run,
/// so any failure before the lock leaves them all (and a lock cut short
/// half way is finished by the next run, which finds the rest done).
pub async fn deploy(
    chain: &Chain,
    key: &Key,
    plan: &Plan,
    ids: &SuiteIds,
    out: &mut dyn Write,
) -> anyhow::Result<Deployed> {
    let mut sent = execute(chain, key, &plan.setup, out).await?;
    let mut checks = health::check(chain, ids).await.context(
        "the health check of the wiring failed, so no key was deleted: fix the deployment \
         and re-run",
    )?;
    writeln!(
        out,
        "    the wiring passed its health check ({} checks); deleting the contracts' keys:",
        checks.len()
    )?;
    let lock = lock_steps(chain, ids, key).await?;
    sent += execute_from(chain, key, &lock, plan.setup.len() + 1, out).await?;
    checks.push(health::check_keys(chain, ids).await?);
    Ok(Deployed { sent, checks })
}
