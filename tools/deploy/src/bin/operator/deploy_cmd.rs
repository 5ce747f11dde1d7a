//! `operator deploy`.

use anyhow::{bail, Context};
use clap::Args;
use deploy::chain::api_public_key;
use deploy::local::{self, NodeState};
use deploy::plan::{self, Wasm};
use deploy::suite::{Network, SuiteIds};
use near_primitives::types::AccountId;
use std::path::PathBuf;

use crate::net::NetOptions;

#[derive(Args, Debug)]
pub(crate) struct DeployOptions {
    /// Print the transactions without sending (needs no network).
    #[arg(long)]
    dry_run: bool,
    /// Required to send on mainnet.
    #[arg(long)]
    yes: bool,
    /// The account the protocol's accounts are created under (local: the
    /// node's validator).
    #[arg(long)]
    master: Option<AccountId>,
    /// A key file to sign with instead of the credentials directory's.
    #[arg(long)]
    master_key: Option<PathBuf>,
    /// The staking-pool whitelist (mainnet default lockup-whitelist.near;
    /// required on testnet; local deploys a test one).
    #[arg(long)]
    whitelist: Option<AccountId>,
    /// Lockup accounts the router treats as lockups.
    #[arg(long)]
    lockup_suffix: Option<String>,
    /// The router's emission in whole META per epoch (default 1000 on
    /// local and testnet, none on mainnet).
    #[arg(long)]
    meta_per_epoch: Option<u128>,
    /// The contracts' wasm.
    #[arg(long, default_value = "res")]
    res: PathBuf,
}

pub(crate) async fn deploy_command(net: &NetOptions, o: DeployOptions) -> anyhow::Result<()> {
    let rpc_url = net.rpc_url();
    let chain = net.chain()?;
    let wasm = Wasm::read(&o.res)?;
    let meta_per_epoch = match o.meta_per_epoch {
        Some(whole) => Some(
            whole
                .checked_mul(deploy::suite::ONE_META)
                .context("--meta-per-epoch is too large")?,
        ),
        None => None,
    };

    // The master account and its key.
    let key = match (net.network, &o.master_key) {
        (_, Some(path)) => Some(deploy::read_key_file(path)?),
        (Network::Local, None) if !o.dry_run => {
            match local::ensure_node(&chain, &net.home, &rpc_url).await? {
                NodeState::AlreadyRunning => println!("using the node at {rpc_url}"),
                NodeState::Started { pid, log } => println!(
                    "started a local node at {rpc_url} (pid {pid}, home {}, log {}); stop it with `kill {pid}`",
                    net.home.display(),
                    log.display()
                ),
            }
            Some(local::master_key(&net.home)?)
        }
        (Network::Local, None) => local::master_key(&net.home).ok(),
        (_, None) => {
            let master = o
                .master
                .as_ref()
                .context("--master ACCOUNT is required on testnet and mainnet")?;
            match net.stored_key(&chain, master).await {
                Ok(k) => Some(k),
                Err(e) if o.dry_run => {
                    eprintln!("note: {e:#}; AddKey shows a placeholder key");
                    None
                }
                Err(e) => return Err(e),
            }
        }
    };
    let master = match (&o.master, &key) {
        (Some(m), _) => m.clone(),
        (None, Some(k)) => k.account_id.clone(),
        (None, None) => localnet::node::DEFAULT_VALIDATOR_ACCOUNT.parse()?,
    };
    if let Some(k) = &key {
        if k.account_id != master {
            bail!("the key file is for {}, not {master}", k.account_id);
        }
    }
    let whitelist = match net.network {
        Network::Local => None,
        Network::Mainnet => Some(
            o.whitelist
                .clone()
                .unwrap_or("lockup-whitelist.near".parse()?),
        ),
        Network::Testnet => Some(
            o.whitelist
                .clone()
                .context("--whitelist ACCOUNT is required on testnet")?,
        ),
    };
    let mut ids = SuiteIds::new(net.network, &master, whitelist);
    if let Some(suffix) = &o.lockup_suffix {
        ids.lockup_suffix = suffix.clone();
    }
    if let Some(meta) = meta_per_epoch {
        ids.meta_per_epoch = Some(meta);
    }
    let public_key = key
        .as_ref()
        .map(|k| k.public_key)
        .unwrap_or_else(|| api_public_key(&localnet::derive_public_key(&master)));
    let plan = plan::plan(net.network, &ids, &wasm, &public_key);

    if o.dry_run {
        println!(
            "dry run on {} ({rpc_url}): {} transactions, none sent",
            net.network.name(),
            plan.steps().count()
        );
        deploy::print_plan(&mut std::io::stdout(), &plan)?;
        print_ids(&ids);
        return Ok(());
    }
    if net.network == Network::Mainnet && !o.yes {
        bail!("deploying to mainnet spends real NEAR: run with --dry-run first, then --yes");
    }
    let key = key.context("no key for the master account")?;
    let chain_id = net.check_chain(&chain).await?;
    println!(
        "deploying to {} (chain {chain_id}) as {master}",
        net.network.name()
    );
    let done = deploy::deploy(&chain, &key, &plan, &ids, &mut std::io::stdout()).await?;
    println!("{} transactions sent; health check:", done.sent);
    for line in &done.checks {
        println!("  ok  {line}");
    }
    print_ids(&ids);
    Ok(())
}

fn print_ids(ids: &SuiteIds) {
    println!("accounts:");
    println!("  router      {}", ids.router);
    println!("  snear       {}", ids.snear);
    println!("  governance  {}", ids.governance);
    println!("  whitelist   {}", ids.whitelist);
    for pool in &ids.pools {
        println!("  pool        {pool}  (a validator of the router)");
    }
    println!("  treasury    {}", ids.treasury);
    // The owner is an account id in the router's state, so it outlives the
    // router's keys; what it may do ends with `end_bootstrap`.
    println!(
        "  owner       {}  (of the router, with its own key: the router's typed actions until it \
         calls end_bootstrap, never code; nothing after)",
        ids.master
    );
    println!("  lockups     *.{}", ids.lockup_suffix);
}
