//! `deploy`: deploys and initialises the protocol, checks it, prints the
//! account ids. See `make deploy` and `tools/deploy/README.md`.

use anyhow::{bail, Context};
use deploy::chain::Chain;
use deploy::local::{self, NodeState};
use deploy::plan::{self, Wasm};
use deploy::suite::{Network, SuiteIds};
use near_primitives::types::AccountId;
use std::path::PathBuf;

const USAGE: &str = "\
usage: deploy [--network local|testnet|mainnet] [--dry-run]
              [--rpc-url URL] [--master ACCOUNT] [--master-key FILE]
              [--credentials DIR] [--whitelist ACCOUNT] [--lockup-suffix SUFFIX]
              [--meta-per-epoch META] [--home DIR] [--res DIR] [--yes]
       deploy node [localnet-node arguments]

Deploys and initialises the router (res/meta_pool.wasm), sNEAR and
governance (and on local a test whitelist and two test pools, listed on the
router), checks them with views, then deletes every access key of the
router, sNEAR and governance (on every network, local included) and checks
that none is left; prints the account ids. A failure before the keys go
leaves them, so a fixed deployment can be re-run.
local (the default) starts a localnet node in --home (default target/localnet)
when none answers at --rpc-url and deploys as its validator account; testnet
and mainnet sign with --master's key from --credentials (default
~/.near-credentials/<network>/<account>.json). --meta-per-epoch sets the
router's emission in whole META (default: 1000 on local and testnet, none on
mainnet). Mainnet needs --yes unless --dry-run.";

#[derive(Debug)]
struct Options {
    network: Network,
    dry_run: bool,
    yes: bool,
    rpc_url: Option<String>,
    master: Option<AccountId>,
    master_key: Option<PathBuf>,
    credentials: PathBuf,
    whitelist: Option<AccountId>,
    lockup_suffix: Option<String>,
    meta_per_epoch: Option<u128>,
    home: PathBuf,
    res: PathBuf,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options {
        network: Network::Local,
        dry_run: false,
        yes: false,
        rpc_url: None,
        master: None,
        master_key: None,
        credentials: deploy::default_credentials_dir(),
        whitelist: None,
        lockup_suffix: None,
        meta_per_epoch: None,
        home: PathBuf::from("target/localnet"),
        res: PathBuf::from("res"),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--network" => o.network = value()?.parse().map_err(anyhow::Error::msg)?,
            "--dry-run" => o.dry_run = true,
            "--yes" => o.yes = true,
            "--rpc-url" => o.rpc_url = Some(value()?),
            "--master" => o.master = Some(value()?.parse()?),
            "--master-key" => o.master_key = Some(value()?.into()),
            "--credentials" => o.credentials = value()?.into(),
            "--whitelist" => o.whitelist = Some(value()?.parse()?),
            "--lockup-suffix" => o.lockup_suffix = Some(value()?),
            "--meta-per-epoch" => {
                let whole: u128 = value()?
                    .parse()
                    .context("--meta-per-epoch takes whole META, e.g. 1000")?;
                o.meta_per_epoch = Some(
                    whole
                        .checked_mul(deploy::suite::ONE_META)
                        .context("--meta-per-epoch is too large")?,
                );
            }
            "--home" => o.home = value()?.into(),
            "--res" => o.res = value()?.into(),
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(local::NODE_SUBCOMMAND) {
        std::process::exit(match localnet::node::cli::parse(&args[1..]) {
            Ok(command) => match localnet::node::cli::execute(command) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("deploy node: {e}");
                    1
                }
            },
            Err(e) => {
                eprintln!("deploy node: {e}");
                2
            }
        });
    }
    let result = parse(&args).and_then(|o| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run(o))
    });
    if let Err(e) = result {
        eprintln!("deploy: {e:#}");
        std::process::exit(1);
    }
}

async fn run(o: Options) -> anyhow::Result<()> {
    let rpc_url = o
        .rpc_url
        .clone()
        .unwrap_or_else(|| o.network.default_rpc_url().to_string());
    let chain = Chain::connect(&rpc_url);
    let wasm = Wasm::read(&o.res)?;

    // The master account and its key.
    let key = match (o.network, &o.master_key) {
        (_, Some(path)) => Some(localnet::node::read_key_file(path).map_err(anyhow::Error::msg)?),
        (Network::Local, None) if !o.dry_run => {
            match local::ensure_node(&chain, &o.home, &rpc_url).await? {
                NodeState::AlreadyRunning => println!("using the node at {rpc_url}"),
                NodeState::Started { pid, log } => println!(
                    "started a local node at {rpc_url} (pid {pid}, home {}, log {}); stop it with `kill {pid}`",
                    o.home.display(),
                    log.display()
                ),
            }
            Some(local::master_key(&o.home)?)
        }
        (Network::Local, None) => local::master_key(&o.home).ok(),
        (network, None) => {
            let master = o
                .master
                .as_ref()
                .context("--master ACCOUNT is required on testnet and mainnet")?;
            match deploy::read_credentials(&o.credentials, network, master) {
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
    let whitelist = match o.network {
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
    let mut ids = SuiteIds::new(o.network, &master, whitelist);
    if let Some(suffix) = &o.lockup_suffix {
        ids.lockup_suffix = suffix.clone();
    }
    if let Some(meta) = o.meta_per_epoch {
        ids.meta_per_epoch = Some(meta);
    }
    let public_key = key
        .as_ref()
        .map(|k| k.public_key.clone())
        .unwrap_or_else(|| localnet::derive_public_key(&master));
    let plan = plan::plan(o.network, &ids, &wasm, &public_key);

    if o.dry_run {
        println!(
            "dry run on {} ({rpc_url}): {} transactions, none sent",
            o.network.name(),
            plan.steps().count()
        );
        deploy::print_plan(&mut std::io::stdout(), &plan)?;
        print_ids(&ids);
        return Ok(());
    }
    if o.network == Network::Mainnet && !o.yes {
        bail!("deploying to mainnet spends real NEAR: run with --dry-run first, then --yes");
    }
    let key = key.context("no key for the master account")?;
    let chain_id = chain.chain_id().await?;
    println!(
        "deploying to {} (chain {chain_id}) as {master}",
        o.network.name()
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
