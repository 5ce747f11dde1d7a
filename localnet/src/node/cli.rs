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
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::watch;

const USAGE: &str = "\
usage: localnet-node [--home DIR] init [--fast] [--chain-id ID] [--account-id ID]
       localnet-node [--home DIR] run [--rpc-addr HOST:PORT] [--network-addr HOST:PORT]

A NEAR JSON-RPC node on localnet's in-process chain, started like neard
(near-sandbox). The home directory defaults to ~/.near.";

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
    Help,
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
/// An unknown subcommand or option, or an option without its value.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut home = None;
    let mut it = args.iter();
    let value = |it: &mut std::slice::Iter<'_, String>, flag: &str| {
        it.next()
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    let sub = loop {
        match it.next().map(String::as_str) {
            Some("--home") => home = Some(PathBuf::from(value(&mut it, "--home")?)),
            Some(s) if s.starts_with("--home=") => home = Some(PathBuf::from(&s[7..])),
            Some("--help" | "-h" | "help") | None => return Ok(Command::Help),
            Some("--version" | "-V") => return Ok(Command::Version),
            // neard's global logging options; localnet logs little.
            Some("--verbose" | "--color") => {
                let _ = value(&mut it, "--verbose")?;
            }
            Some(sub) => break sub.to_string(),
        }
    };
    let home = home.unwrap_or_else(default_home);
    match sub.as_str() {
        "init" => {
            let mut options = InitOptionsArgs::default();
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--fast" => options.fast = true,
                    "--chain-id" => options.chain_id = Some(value(&mut it, arg)?),
                    "--account-id" => options.account_id = Some(value(&mut it, arg)?),
                    other => return Err(format!("init: unknown option {other}")),
                }
            }
            Ok(Command::Init { home, options })
        }
        "run" => {
            let mut rpc_addr = None;
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--rpc-addr" => rpc_addr = Some(value(&mut it, arg)?),
                    "--network-addr" | "--boot-nodes" => {
                        let _ = value(&mut it, arg)?;
                    }
                    other => return Err(format!("run: unknown option {other}")),
                }
            }
            Ok(Command::Run { home, rpc_addr })
        }
        other => Err(format!("unknown command {other}")),
    }
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
            eprintln!("localnet-node: {e}\n{USAGE}");
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
        Command::Help => {
            println!("{USAGE}");
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
            .contains("unknown command"));
        assert!(parse(&args("run --bogus"))
            .unwrap_err()
            .contains("unknown option"));
        assert!(parse(&args("--home"))
            .unwrap_err()
            .contains("needs a value"));
        assert_eq!(parse(&[]).unwrap(), Command::Help);
    }
}
