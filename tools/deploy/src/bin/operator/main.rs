//! `operator`: deploys the protocol, runs the keeper, shows the protocol's
//! state, on local, testnet or mainnet. See `make deploy|keeper|status`,
//! `tools/deploy/README.md` and `docs/OPERATIONS.md`.

mod deploy_cmd;
mod keeper_cmd;
mod net;
mod status_cmd;

use clap::{Parser, Subcommand};
use deploy::local;
use deploy::suite::Network;

use deploy_cmd::{deploy_command, DeployOptions};
use keeper_cmd::{keeper_command, KeeperOptions};
use net::NetOptions;
use status_cmd::{status_command, StatusOptions};

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

pub(crate) fn parse_network(s: &str) -> Result<Network, String> {
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

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
