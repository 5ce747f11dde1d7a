//! Helpers for the node tests: the `localnet-node` binary on a fresh home in
//! a temporary directory, a plain HTTP/1.1 client (the error tests need the
//! raw status codes and bodies) and transaction signing.
#![allow(dead_code)]

use localnet::node::{self, InitOptions};
use near_crypto::KeyFile;
use near_primitives::action::Action;
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::{SignedTransaction, Transaction, TransactionV0};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A `localnet-node` process; killed when dropped.
pub struct TestNode {
    pub home: PathBuf,
    pub addr: SocketAddr,
    pub child: Child,
}

/// A fresh home directory (`init --fast`), edited by `edit_config` before
/// the node starts.
pub fn fresh_home(edit_config: impl FnOnce(&mut Value)) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "localnet-node-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    node::init(
        &dir,
        &InitOptions {
            fast: true,
            ..Default::default()
        },
    )
    .unwrap();
    let path = dir.join(node::CONFIG_FILE);
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit_config(&mut config);
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    dir
}

impl TestNode {
    /// Starts a node with the default configuration.
    pub fn start() -> TestNode {
        Self::start_with(|_| {})
    }

    /// Starts a node after `edit_config` changed its `config.json`.
    pub fn start_with(edit_config: impl FnOnce(&mut Value)) -> TestNode {
        Self::start_in(fresh_home(edit_config))
    }

    /// Runs `localnet-node --home <home> run` on a free port and waits for
    /// it to say where it listens.
    pub fn start_in(home: PathBuf) -> TestNode {
        let mut child = Command::new(env!("CARGO_BIN_EXE_localnet-node"))
            .arg("--home")
            .arg(&home)
            .args([
                "run",
                "--rpc-addr",
                "127.0.0.1:0",
                "--network-addr",
                "127.0.0.1:0",
            ])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start localnet-node");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("localnet-node exited before listening")
                .unwrap();
            if let Some(url) = line.split("JSON-RPC on http://").nth(1) {
                break url.trim().parse().unwrap();
            }
        };
        // Keep draining stderr so the node never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        TestNode { home, addr, child }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A JSON-RPC call; the HTTP status and the parsed body.
    pub fn rpc(&self, method: &str, params: Value) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": "t", "method": method, "params": params});
        let (status, body) = http_post(self.addr, body.to_string().as_bytes());
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// The `result` of a call that must succeed.
    pub fn result(&self, method: &str, params: Value) -> Value {
        let (status, body) = self.rpc(method, params);
        assert_eq!(status, 200, "{method}: {body}");
        assert!(body.get("error").is_none(), "{method}: {body}");
        body["result"].clone()
    }

    /// The genesis validator (`test.near`) and its key.
    pub fn validator(&self) -> KeyFile {
        node::read_key_file(&self.home.join(node::VALIDATOR_KEY_FILE)).unwrap()
    }

    pub fn head_hash(&self) -> CryptoHash {
        self.result("block", json!({"finality": "final"}))["header"]["hash"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The access key's nonce.
    pub fn nonce(&self, key: &KeyFile) -> u64 {
        let r = self.result(
            "query",
            json!({"request_type": "view_access_key", "finality": "final",
                   "account_id": key.account_id, "public_key": key.public_key}),
        );
        r["nonce"].as_u64().unwrap()
    }

    /// Signs `actions` from `key`'s account to `receiver` with the next nonce.
    pub fn sign(&self, key: &KeyFile, receiver: &str, actions: Vec<Action>) -> SignedTransaction {
        sign_with(
            key,
            self.nonce(key) + 1,
            receiver,
            actions,
            self.head_hash(),
        )
    }

    /// `broadcast_tx_commit`: HTTP status and body.
    pub fn commit(&self, tx: &SignedTransaction) -> (u16, Value) {
        self.rpc("broadcast_tx_commit", json!([to_base64(tx)]))
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "node did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

pub fn sign_with(
    key: &KeyFile,
    nonce: u64,
    receiver: &str,
    actions: Vec<Action>,
    block_hash: CryptoHash,
) -> SignedTransaction {
    let tx = Transaction::V0(TransactionV0 {
        signer_id: key.account_id.clone(),
        public_key: key.public_key.clone(),
        nonce,
        receiver_id: receiver.parse().unwrap(),
        block_hash,
        actions,
    });
    let (hash, _) = tx.get_hash_and_size();
    SignedTransaction::new(key.secret_key.sign(hash.as_ref()), tx)
}

pub fn to_base64(tx: &SignedTransaction) -> String {
    near_primitives::serialize::to_base64(&borsh::to_vec(tx).unwrap())
}

/// A key file for `account_id` with localnet's key derived from `seed`
/// (any valid account id).
pub fn key_for(account_id: &str, seed: &str) -> KeyFile {
    let secret_key = localnet::derive_secret_key(&seed.parse().unwrap());
    KeyFile {
        account_id: account_id.parse().unwrap(),
        public_key: secret_key.public_key(),
        secret_key,
    }
}

/// POSTs `body` to `/` and returns the status and the body.
pub fn http_post(addr: SocketAddr, body: &[u8]) -> (u16, Vec<u8>) {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    http_exchange(addr, &request)
}

/// GETs `path`.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    http_exchange(addr, request.as_bytes())
}

/// Writes a raw request and reads the response until the server closes.
pub fn http_exchange(addr: SocketAddr, request: &[u8]) -> (u16, Vec<u8>) {
    let (status, _, body) = http_exchange_with_head(addr, request);
    (status, body)
}

/// The status, the response head (status line and headers, lower-cased)
/// and the body of one raw HTTP exchange.
pub fn http_exchange_with_head(addr: SocketAddr, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer (413) before reading the whole body and close.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}
