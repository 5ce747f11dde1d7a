//! Deploys and initialises the protocol (`make deploy NETWORK=...`).
//!
//! - [`suite`]: the accounts and every contract's init arguments (the
//!   near-workspaces tests take them from here too);
//! - [`plan`]: the deployment as ordered transactions, each skipped when an
//!   earlier run already did it;
//! - [`chain`]: the RPC node, through near-jsonrpc-client;
//! - [`health`]: the views that must answer after a deployment;
//! - [`local`]: the local node, started when none is running.
//!
//! Keys come from the NEAR credentials directory
//! (`~/.near-credentials/<network>/<account>.json`, as near-cli writes it);
//! locally, from the node's `validator_key.json`.

pub mod chain;
pub mod health;
pub mod local;
pub mod plan;
pub mod suite;

use anyhow::{bail, Context};
use chain::Chain;
use near_crypto::KeyFile;
use near_primitives::types::AccountId;
use plan::{DoneWhen, Step};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads `<dir>/<network>/<account>.json`.
pub fn read_credentials(
    dir: &Path,
    network: suite::Network,
    account: &AccountId,
) -> anyhow::Result<KeyFile> {
    let path = dir.join(network.name()).join(format!("{account}.json"));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("no credentials for {account} at {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("invalid key file {}", path.display()))
}

/// The standard credentials directory: `~/.near-credentials`.
pub fn default_credentials_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".near-credentials")
}

/// Prints the transactions without sending them.
pub fn print_plan(out: &mut dyn Write, steps: &[Step]) -> std::io::Result<()> {
    for (i, step) in steps.iter().enumerate() {
        writeln!(out, "{:>2}. {}", i + 1, step.description)?;
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
            let running = chain.account(id).await?.map(|a| a.code_hash);
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
        DoneWhen::KeyDeleted(id, key) => !chain.has_key(id, key).await?,
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
    key: &KeyFile,
    steps: &[Step],
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    for (i, step) in steps.iter().enumerate() {
        if is_done(chain, &step.done_when).await? {
            writeln!(out, "{:>2}. {} (already done)", i + 1, step.description)?;
            continue;
        }
        let outcome = chain
            .transact(&step.signer, key, &step.receiver, step.actions.clone())
            .await
            .with_context(|| format!("step {}: {}", i + 1, step.description))?;
        confirm(chain, &step.done_when)
            .await
            .with_context(|| format!("step {}: {}", i + 1, step.description))?;
        writeln!(
            out,
            "{:>2}. {} (tx {})",
            i + 1,
            step.description,
            outcome.transaction.hash
        )?;
        sent += 1;
    }
    Ok(sent)
}
