//! The local network: a localnet node in a home directory, started in the
//! background when nothing answers at the RPC address, and left running so
//! the deployment can be used.

use crate::chain::{Chain, Key};
use anyhow::{bail, Context};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The subcommand under which this tool's binary runs the node itself, so
/// `make deploy` needs no second binary (`operator node ...`).
pub const NODE_SUBCOMMAND: &str = "node";

/// What [`ensure_node`] found or did.
#[derive(Debug, PartialEq, Eq)]
pub enum NodeState {
    AlreadyRunning,
    Started { pid: u32, log: std::path::PathBuf },
}

/// Makes sure a node answers at `rpc_url`: if none does, initialises `home`
/// (when needed) and starts `<this binary> node --home <home> run` detached,
/// logging to `<home>/node.log`.
pub async fn ensure_node(chain: &Chain, home: &Path, rpc_url: &str) -> anyhow::Result<NodeState> {
    if chain.chain_id().await.is_ok() {
        return Ok(NodeState::AlreadyRunning);
    }
    localnet::node::init(home, &localnet::node::InitOptions::default())
        .map_err(anyhow::Error::msg)?;
    let addr = rpc_url
        .strip_prefix("http://")
        .context("a local RPC URL is http://HOST:PORT")?
        .trim_end_matches('/');
    let log = home.join("node.log");
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
    let exe = std::env::current_exe().context("cannot find this binary")?;
    let mut command = Command::new(exe);
    command
        .arg(NODE_SUBCOMMAND)
        .arg("--home")
        .arg(home)
        .args(["run", "--rpc-addr", addr])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    // Its own process group: the node outlives `make` and its Ctrl-C.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().context("cannot start the local node")?;
    let start = Instant::now();
    while chain.chain_id().await.is_err() {
        if start.elapsed() > Duration::from_secs(30) {
            bail!(
                "the local node did not answer at {rpc_url} within 30 s; see {}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(NodeState::Started {
        pid: child.id(),
        log,
    })
}

/// The local master account: the node's genesis validator, whose key
/// `init` wrote to `validator_key.json`.
pub fn master_key(home: &Path) -> anyhow::Result<Key> {
    let path = home.join(localnet::node::VALIDATOR_KEY_FILE);
    let key = localnet::node::read_key_file(&path).map_err(|e| {
        anyhow::anyhow!("{e}: a node not started by this tool needs --master-key <key file>")
    })?;
    Key::from_near_crypto(&key)
}
