//! The command line, in the shape of `neard`'s as the `near-sandbox` crate
//! calls it:
//!
//! ```text
//! localnet-node [--home DIR] init [--fast] [--chain-id ID] [--account-id ID]
//! localnet-node [--home DIR] run [--rpc-addr HOST:PORT] [--network-addr HOST:PORT]
//! ```
//!
//! `--network-addr` (and `--boot-nodes`) are accepted and ignored: localnet
//! has no peer network.

use super::{home, http, new_shared, InitOptions};
use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::watch;

/// A NEAR JSON-RPC node on localnet's in-process chain, started like neard
/// (near-sandbox).
#[derive(Parser, Debug)]
#[command(name = "localnet-node", version)]
struct Cli {
    /// The home directory (genesis.json, config.json, keys).
    #[arg(long, global = true, default_value_os_t = default_home())]
    home: PathBuf,
    /// neard's logging options, accepted and ignored: localnet logs little.
    #[arg(long, global = true, hide = true)]
    verbose: Option<String>,
    #[arg(long, global = true, hide = true)]
    color: Option<String>,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Write a home: genesis with the validator's account, config, keys.
    Init {
        /// Short epochs and block times, as near-sandbox asks.
        #[arg(long)]
        fast: bool,
        #[arg(long)]
        chain_id: Option<String>,
        /// The validator's account (default: test.near).
        #[arg(long)]
        account_id: Option<String>,
    },
    /// Serve the chain over JSON-RPC until SIGINT or SIGTERM.
    Run {
        /// Where to listen (default: config.json's, else 127.0.0.1:3030).
        #[arg(long)]
        rpc_addr: Option<String>,
        /// neard's peer options, accepted and ignored: localnet has no peer
        /// network.
        #[arg(long, hide = true)]
        network_addr: Option<String>,
        #[arg(long, hide = true)]
        boot_nodes: Option<String>,
    },
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Init {
        home: PathBuf,
        options: InitOptionsArgs,
    },
    Run {
        home: PathBuf,
        rpc_addr: Option<String>,
    },
    /// `--help` (or no command): the text to print.
    Help(String),
    Version,
}

/// `init`'s options as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitOptionsArgs {
    pub fast: bool,
    pub chain_id: Option<String>,
    pub account_id: Option<String>,
}

/// Parses the arguments after the program name.
///
/// # Errors
/// An unknown subcommand or option, or an option without its value: clap's
/// message, with the usage.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let argv = std::iter::once("localnet-node").chain(args.iter().map(String::as_str));
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                | ErrorKind::MissingSubcommand => Ok(Command::Help(e.render().to_string())),
                ErrorKind::DisplayVersion => Ok(Command::Version),
                _ => Err(e.render().to_string()),
            }
        }
    };
    Ok(match cli.command {
        Sub::Init {
            fast,
            chain_id,
            account_id,
        } => Command::Init {
            home: cli.home,
            options: InitOptionsArgs {
                fast,
                chain_id,
                account_id,
            },
        },
        Sub::Run { rpc_addr, .. } => Command::Run {
            home: cli.home,
            rpc_addr,
        },
    })
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".near")
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return 2;
        }
    };
    match execute(command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("localnet-node: {e}");
            1
        }
    }
}

/// Runs a parsed command. `run` serves until SIGINT or SIGTERM.
///
/// # Errors
/// As `init` and `run` fail: unreadable files, an invalid genesis, a port in use.
pub fn execute(command: Command) -> Result<(), String> {
    match command {
        Command::Help(text) => {
            print!("{text}");
            Ok(())
        }
        Command::Version => {
            println!("localnet-node {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Init { home, options } => {
            let mut init = InitOptions {
                fast: options.fast,
                ..Default::default()
            };
            if let Some(id) = options.chain_id {
                init.chain_id = id;
            }
            if let Some(id) = options.account_id {
                init.account_id = id.parse().map_err(|e| format!("--account-id: {e}"))?;
            }
            home::init(&home, &init)
        }
        Command::Run { home, rpc_addr } => run(&home, rpc_addr),
    }
}

fn run(home_dir: &std::path::Path, rpc_addr: Option<String>) -> Result<(), String> {
    let home = home::load(home_dir)?;
    let addr = rpc_addr
        .or_else(|| home.settings.rpc_addr.clone())
        .unwrap_or_else(|| "127.0.0.1:3030".into());
    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| format!("invalid rpc address {addr}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot bind {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = new_shared(&home, bound)?;
        // Handlers first: whoever reads the line below may signal at once.
        let stop_signal = stop_signal()?;
        eprintln!(
            "localnet-node: chain {} at height {}, JSON-RPC on http://{bound}",
            home.genesis.chain_id, home.genesis.genesis_height
        );
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(http::serve(shared, listener, stopped));
        stop_signal.await;
        let _ = stop.send(true);
        let _ = server.await;
        eprintln!("localnet-node: stopped");
        Ok(())
    })
}

/// Resolves at the first SIGTERM or SIGINT; the handlers are installed
/// when this returns.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_near_sandbox_init() {
        assert_eq!(
            parse(&args("--home node-home init --fast")).unwrap(),
            Command::Init {
                home: "node-home".into(),
                options: InitOptionsArgs {
                    fast: true,
                    ..Default::default()
                }
            }
        );
    }

    #[test]
    fn parses_near_sandbox_run() {
        assert_eq!(
            parse(&args(
                "--home node-home run --rpc-addr 127.0.0.1:1234 --network-addr 127.0.0.1:1235"
            ))
            .unwrap(),
            Command::Run {
                home: "node-home".into(),
                rpc_addr: Some("127.0.0.1:1234".into())
            }
        );
    }

    #[test]
    fn rejects_unknown_commands_and_options() {
        assert!(parse(&args("--home node-home frobnicate"))
            .unwrap_err()
            .contains("unrecognized subcommand 'frobnicate'"));
        assert!(parse(&args("run --bogus"))
            .unwrap_err()
            .contains("unexpected argument '--bogus'"));
        assert!(parse(&args("--home"))
            .unwrap_err()
            .contains("a value is required for '--home <HOME>'"));
        for help in ["", "--help", "init --help"] {
            assert!(
                matches!(parse(&args(help)).unwrap(), Command::Help(ref t) if t.contains("Usage")),
                "{help:?}"
            );
        }
        assert_eq!(parse(&args("--version")).unwrap(), Command::Version);
    }

    #[test]
    fn accepts_neards_options_it_ignores() {
        assert_eq!(
            parse(&args(
                "--home h --verbose x run --boot-nodes ed25519:abc@1.2.3.4:24567"
            ))
            .unwrap(),
            Command::Run {
                home: "h".into(),
                rpc_addr: None
            }
        );
        // `--home` after the subcommand, as clap's global options allow.
        assert_eq!(
            parse(&args(
                "init --home h --chain-id localnet --account-id v.near"
            ))
            .unwrap(),
            Command::Init {
                home: "h".into(),
                options: InitOptionsArgs {
                    fast: false,
                    chain_id: Some("localnet".into()),
                    account_id: Some("v.near".into()),
                }
            }
        );
    }
}
