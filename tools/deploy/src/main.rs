//! `operator`: deploys the protocol, runs the keeper, shows the protocol's
//! state, on local, testnet or mainnet. See `make deploy|keeper|status`,
//! `tools/deploy/README.md` and `docs/OPERATIONS.md`.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use deploy::chain::{api_public_key, Chain, Key};
use deploy::keeper_rpc::RpcChain;
use deploy::local::{self, NodeState};
use deploy::plan::{self, Wasm};
use deploy::suite::{Network, SuiteIds};
use keeper::{Keeper, RunEvent, RunOptions};
use near_primitives::types::AccountId;
use std::path::PathBuf;
use std::time::Duration;

/// The protocol's operator tool: deploy, keeper and status on a NEAR
/// network, through near-api.
#[derive(Parser, Debug)]
#[command(name = "operator", version)]
struct Cli {
    #[command(flatten)]
    net: NetOptions,
    #[command(subcommand)]
    command: Command,
}

/// Where and as whom: shared by every subcommand.
#[derive(Args, Debug)]
struct NetOptions {
    /// local (a localnet node; `deploy` starts one), testnet or mainnet.
    #[arg(long, global = true, default_value = "local", value_parser = parse_network)]
    network: Network,
    /// The RPC node (default: http://127.0.0.1:3030 on local, near-api's
    /// FastNEAR endpoints on testnet and mainnet, which rate-limit: use
    /// your provider's URL for a keeper).
    #[arg(long, global = true, env = "NEAR_RPC_URL")]
    rpc_url: Option<String>,
    /// An RPC provider's API key (sent as `Authorization: Bearer` and
    /// `x-api-key`).
    #[arg(long, global = true, env = "NEAR_RPC_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The credentials directory near-cli and near-cli-rs write: the key of
    /// ACCOUNT is DIR/<network>/<ACCOUNT>.json.
    #[arg(long, global = true, default_value_os_t = deploy::default_credentials_dir())]
    credentials: PathBuf,
    /// The local node's home (its validator key signs on local).
    #[arg(long, global = true, default_value = "target/localnet")]
    home: PathBuf,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Deploy and initialise the router, sNEAR and governance (local: also
    /// a test whitelist and two test pools), check them, delete every
    /// access key of the three contracts, print the accounts.
    Deploy(DeployOptions),
    /// Run the router's epoch operations once an epoch (see
    /// docs/OPERATIONS.md); any account can, with a function-call key.
    Keeper(KeeperOptions),
    /// The protocol at a glance, or one account (`--account`).
    Status(StatusOptions),
    /// Run the localnet node itself (localnet-node's command line).
    #[command(name = "node", disable_help_flag = true)]
    Node {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Args, Debug)]
struct DeployOptions {
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

/// The router: `--router`, else `router.<--master>`, else (local) the
/// router `make deploy` made under the node's validator.
#[derive(Args, Debug)]
struct RouterOption {
    /// The router's account.
    #[arg(long, env = "ROUTER")]
    router: Option<AccountId>,
}

#[derive(Args, Debug)]
struct KeeperOptions {
    #[command(flatten)]
    router: RouterOption,
    /// The account that signs (pays the gas); local default: the node's
    /// validator.
    #[arg(long)]
    account: Option<AccountId>,
    /// A key file (near-cli format) to sign with instead of the
    /// credentials directory's; a function-call key for the router's
    /// epoch methods is enough.
    #[arg(long)]
    key: Option<PathBuf>,
    /// One round now, then exit (cron-style).
    #[arg(long)]
    once: bool,
    /// Exit after this many rounds (default: run until stopped).
    #[arg(long)]
    rounds: Option<u64>,
    /// Seconds between reads of the epoch height while waiting.
    #[arg(long, default_value_t = 30.0)]
    poll: f64,
    /// Failed rounds in a row before exiting non-zero.
    #[arg(long, default_value_t = 5)]
    max_failures: u32,
    /// Tgas attached to every call (default: what the router documents
    /// for each operation plus the 5 Tgas it burns before checking).
    #[arg(long)]
    gas: Option<u64>,
}

#[derive(Args, Debug)]
struct StatusOptions {
    #[command(flatten)]
    router: RouterOption,
    /// Show one account as the router, sNEAR and governance see it.
    #[arg(long)]
    account: Option<AccountId>,
    /// JSON for scripts (amounts in yocto, as the contracts serve them).
    #[arg(long)]
    json: bool,
}

fn parse_network(s: &str) -> Result<Network, String> {
    s.parse()
}

fn main() {
    // The node runs with its own command line; clap must not parse it.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(local::NODE_SUBCOMMAND) {
        std::process::exit(match localnet::node::cli::parse(&args[2..]) {
            Ok(command) => match localnet::node::cli::execute(command) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("operator node: {e}");
                    1
                }
            },
            Err(e) => {
                eprintln!("operator node: {e}");
                2
            }
        });
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Deploy(o) => runtime().and_then(|rt| rt.block_on(deploy_command(&cli.net, o))),
        Command::Status(o) => runtime().and_then(|rt| rt.block_on(status_command(&cli.net, o))),
        // Synchronous: the RPC chain owns its runtime (see `keeper_rpc`).
        Command::Keeper(o) => keeper_command(&cli.net, o),
        Command::Node { .. } => unreachable!("handled before clap"),
    };
    if let Err(e) = result {
        eprintln!("operator: {e:#}");
        std::process::exit(1);
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

impl NetOptions {
    fn rpc_url(&self) -> String {
        self.rpc_url
            .clone()
            .unwrap_or_else(|| self.network.default_rpc_url())
    }

    fn chain(&self) -> anyhow::Result<Chain> {
        Chain::with_api_key(&self.rpc_url(), self.api_key.as_deref())
    }

    /// The signing key of `account` (`file` if given; on local without
    /// either, the node's validator key).
    fn key(&self, account: Option<&AccountId>, file: Option<&PathBuf>) -> anyhow::Result<Key> {
        let key = match (file, account, self.network) {
            (Some(path), _, _) => deploy::read_key_file(path)?,
            (None, None, Network::Local) => local::master_key(&self.home)?,
            (None, Some(a), Network::Local) if local_master(&self.home).as_ref() == Some(a) => {
                local::master_key(&self.home)?
            }
            (None, Some(a), network) => deploy::read_credentials(&self.credentials, network, a)?,
            (None, None, _) => bail!("--account ACCOUNT is required on testnet and mainnet"),
        };
        if let Some(a) = account {
            if &key.account_id != a {
                bail!("the key file is for {}, not {a}", key.account_id);
            }
        }
        Ok(key)
    }

    fn router(&self, o: &RouterOption) -> anyhow::Result<AccountId> {
        if let Some(r) = &o.router {
            return Ok(r.clone());
        }
        match self.network {
            Network::Local => {
                let master = local_master(&self.home).unwrap_or_else(|| {
                    localnet::node::DEFAULT_VALIDATOR_ACCOUNT
                        .parse()
                        .expect("a valid account")
                });
                Ok(SuiteIds::new(Network::Local, &master, None).router)
            }
            _ => bail!("--router ACCOUNT (or ROUTER=) is required on testnet and mainnet"),
        }
    }

    /// The node answers and serves the chain `--network` names; before
    /// anything is sent or shown.
    async fn check_chain(&self, chain: &Chain) -> anyhow::Result<String> {
        let id = chain.check_chain_id(self.network.chain_id()).await?;
        if self.network == Network::Local && (id == "mainnet" || id == "testnet") {
            bail!(
                "{} serves {id}, not a local chain: pass --network {id}",
                chain.url
            );
        }
        Ok(id)
    }
}

/// The local node's validator account, from its key file.
fn local_master(home: &std::path::Path) -> Option<AccountId> {
    local::master_key(home).ok().map(|k| k.account_id)
}

async fn status_command(net: &NetOptions, o: StatusOptions) -> anyhow::Result<()> {
    let chain = net.chain()?;
    net.check_chain(&chain).await?;
    let router = net.router(&o.router)?;
    let value = match &o.account {
        Some(id) => deploy::status::account(&chain, &router, id).await?,
        None => deploy::status::protocol(&chain, &router).await?,
    };
    if o.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else if o.account.is_some() {
        print!("{}", deploy::status::render_account(&value));
    } else {
        print!("{}", deploy::status::render_protocol(&value));
    }
    Ok(())
}

fn keeper_command(net: &NetOptions, o: KeeperOptions) -> anyhow::Result<()> {
    let router = net.router(&o.router)?;
    let key = net.key(o.account.as_ref(), o.key.as_ref())?;
    let mut chain = RpcChain::new(net.chain()?, key.clone(), router.clone())?;
    let chain_id = chain.block_on(net.check_chain(chain.chain()))?;
    println!(
        "keeper for {router} on {} (chain {chain_id}, {}) as {} ({})",
        net.network.name(),
        chain.chain().url,
        key.account_id,
        key.public_key
    );
    let keeper = Keeper {
        gas: o.gas.map(keeper::Gas::from_tgas),
        ..Keeper::default()
    };
    let options = RunOptions {
        once: o.once,
        rounds: o.rounds,
        poll: Duration::from_secs_f64(o.poll.max(0.05)),
        max_failures: o.max_failures.max(1),
    };
    let summary = keeper
        .run(
            &mut chain,
            &options,
            &mut std::thread::sleep,
            &mut |event| {
                match event {
                    RunEvent::RoundStart { epoch } => println!("epoch {epoch}: round starts"),
                    RunEvent::Call(c) => println!("  {c}"),
                    RunEvent::Round(r) => println!("{}", r.summary()),
                    RunEvent::Failure { error, in_a_row } => eprintln!(
                        "round failed ({in_a_row} in a row, at most {}): {error}",
                        options.max_failures
                    ),
                }
                // A supervisor reading a pipe sees each line as it happens.
                use std::io::Write;
                let _ = std::io::stdout().flush();
            },
        )
        .with_context(|| {
            if options.once {
                "the keeper's round failed".to_string()
            } else {
                format!(
                    "the keeper stopped after {} failed rounds in a row",
                    options.max_failures
                )
            }
        })?;
    println!(
        "keeper done: {} rounds, {} calls, {} failed rounds retried",
        summary.rounds, summary.calls, summary.failures
    );
    Ok(())
}

async fn deploy_command(net: &NetOptions, o: DeployOptions) -> anyhow::Result<()> {
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
        (network, None) => {
            let master = o
                .master
                .as_ref()
                .context("--master ACCOUNT is required on testnet and mainnet")?;
            match deploy::read_credentials(&net.credentials, network, master) {
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
