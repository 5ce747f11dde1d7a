//! A NEAR JSON-RPC node around localnet's chain (feature `node`).
//!
//! It serves the part of nearcore's JSON-RPC that near-workspaces,
//! near-jsonrpc-client and near-api use, with nearcore's request, response
//! and error types, and accepts the command line and home directory of
//! `neard` as the `near-sandbox` crate drives it, so
//! `NEAR_SANDBOX_BIN_PATH=<localnet-node>` runs near-workspaces tests on it.
//! See the "Node" section of `localnet/README.md`.
//!
//! ```no_run
//! # fn main() -> Result<(), String> {
//! let home = std::env::temp_dir().join("my-localnet");
//! localnet::node::init(&home, &localnet::node::InitOptions::default())?;
//! let node = localnet::node::RunningNode::start(&home, "127.0.0.1:0".parse().unwrap())?;
//! println!("JSON-RPC on {}", node.rpc_url());
//! node.stop();
//! # Ok(()) }
//! ```

pub mod cli;
mod core;
mod home;
mod http;
mod records;
mod rpc;
mod views;

pub use home::{
    init, load, read_key_file, Home, InitOptions, Settings, CONFIG_FILE, DEFAULT_EPOCH_LENGTH,
    DEFAULT_VALIDATOR_ACCOUNT, GENESIS_FILE, NODE_KEY_FILE, VALIDATOR_KEY_FILE,
};

use self::core::NodeCore;
use near_primitives::views::{StatusResponse, StatusSyncInfo, ValidatorInfo};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{watch, Notify};

/// What the HTTP handlers and the block producer share.
pub(crate) struct Shared {
    core: Mutex<NodeCore>,
    /// Height of the head, sent after every block (waiters watch it).
    head: watch::Sender<u64>,
    /// A transaction arrived: produce a block now.
    work: Notify,
    settings: Settings,
    rpc_addr: String,
}

impl Shared {
    /// The core. A panic inside the chain (a localnet bug) must not take the
    /// node down with it, so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, NodeCore> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn status_view(shared: &Shared) -> StatusResponse {
    let core = shared.lock();
    let head = core.chain.head();
    let genesis = core
        .chain
        .block(core.genesis.genesis_height)
        .expect("genesis exists");
    let utc = |ns: u64| {
        near_time::Utc::from_unix_timestamp_nanos(i128::from(ns))
            .unwrap_or(near_time::Utc::UNIX_EPOCH)
    };
    let (validators, _) = core.chain.validators();
    StatusResponse {
        version: near_primitives::version::Version {
            version: format!("localnet-{}", env!("CARGO_PKG_VERSION")),
            build: "localnet".into(),
            commit: String::new(),
            rustc_version: String::new(),
        },
        chain_id: core.genesis.chain_id.clone(),
        protocol_version: core.chain.config().protocol_version,
        latest_protocol_version: core.chain.config().protocol_version,
        rpc_addr: Some(shared.rpc_addr.clone()),
        validators: validators
            .into_keys()
            .map(|account_id| ValidatorInfo { account_id })
            .collect(),
        sync_info: StatusSyncInfo {
            latest_block_hash: head.hash,
            latest_block_height: head.height,
            latest_state_root: Default::default(),
            latest_block_time: utc(head.timestamp_ns),
            syncing: false,
            earliest_block_hash: Some(genesis.hash),
            earliest_block_height: Some(genesis.height),
            earliest_block_time: Some(utc(genesis.timestamp_ns)),
            epoch_id: Some(near_primitives::types::EpochId(
                core.epoch_id(head.epoch_height),
            )),
            epoch_start_height: Some(core.chain.epoch_start(head.epoch_height)),
        },
        validator_account_id: Some(core.validator_id.clone()),
        validator_public_key: Some(core.validator_key.clone()),
        node_public_key: core.node_key.clone(),
        node_key: Some(core.validator_key.clone()),
        uptime_sec: core.started.elapsed().as_secs() as i64,
        genesis_hash: core.genesis_hash,
        detailed_debug_status: None,
    }
}

/// A node serving on a background thread (for tests, benchmarks and tools
/// that want a chain without a separate process). Dropping it stops it.
pub struct RunningNode {
    addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningNode {
    /// Loads an initialised home directory and serves JSON-RPC on `rpc_addr`
    /// (port 0: any free port). Returns once the port is bound.
    ///
    /// # Errors
    /// An unreadable home directory, an invalid genesis or a bind failure.
    pub fn start(home_dir: &Path, rpc_addr: SocketAddr) -> Result<RunningNode, String> {
        let home = load(home_dir)?;
        let (stop, stopped) = watch::channel(false);
        let (ready, bound) = std::sync::mpsc::channel();
        // The runtime lives on its own thread, so this works from inside
        // another runtime (an async test) too.
        let thread = std::thread::Builder::new()
            .name("localnet-node".into())
            .spawn(move || {
                let started = (|| {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .map_err(|e| format!("cannot start the runtime: {e}"))?;
                    let listener = runtime
                        .block_on(tokio::net::TcpListener::bind(rpc_addr))
                        .map_err(|e| format!("cannot bind {rpc_addr}: {e}"))?;
                    let addr = listener.local_addr().map_err(|e| e.to_string())?;
                    let shared = new_shared(&home, addr)?;
                    Ok::<_, String>((runtime, listener, shared, addr))
                })();
                match started {
                    Ok((runtime, listener, shared, addr)) => {
                        let _ = ready.send(Ok(addr));
                        runtime.block_on(http::serve(shared, listener, stopped));
                        runtime.shutdown_timeout(std::time::Duration::from_secs(1));
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            })
            .map_err(|e| format!("cannot start the node thread: {e}"))?;
        let addr = bound
            .recv()
            .map_err(|_| "the node thread ended before binding".to_string())??;
        Ok(RunningNode {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, for RPC clients.
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits for the node's thread to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn new_shared(home: &Home, addr: SocketAddr) -> Result<Arc<Shared>, String> {
    let core = NodeCore::from_home(home)?;
    let height = core.chain.height();
    Ok(Arc::new(Shared {
        core: Mutex::new(core),
        head: watch::channel(height).0,
        work: Notify::new(),
        settings: home.settings.clone(),
        rpc_addr: addr.to_string(),
    }))
}
