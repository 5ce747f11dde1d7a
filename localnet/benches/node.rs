//! Transactions per second through the JSON-RPC node (`make bench`, or
//! `cargo bench -p localnet --features node --bench node`).
//!
//! The node runs in-process (`RunningNode`) on loopback; clients are plain
//! HTTP/1.1 connections sending signed transactions with
//! `broadcast_tx_commit`, which returns once every receipt has run. Reported:
//! one client (latency-bound), several clients at once (throughput), and
//! contract calls (`ping` on the probe contract) from several clients.

use localnet::node::{self, InitOptions, RunningNode};
use near_crypto::KeyFile;
use near_primitives::account::AccessKey;
use near_primitives::action::{
    Action, AddKeyAction, CreateAccountAction, DeployContractAction, FunctionCallAction,
    TransferAction,
};
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::{SignedTransaction, Transaction, TransactionV0};
use near_token::NearToken;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

fn post(addr: SocketAddr, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params}).to_string();
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("receive");
    let start = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("http") + 4;
    let v: Value = serde_json::from_slice(&raw[start..]).expect("json");
    assert!(v.get("error").is_none(), "{method}: {v}");
    v["result"].clone()
}

struct Client {
    addr: SocketAddr,
    key: KeyFile,
    nonce: u64,
}

impl Client {
    /// Reads the key's current nonce from the node.
    fn sync_nonce(&mut self) {
        self.nonce = post(
            self.addr,
            "query",
            json!({"request_type": "view_access_key", "finality": "final",
                   "account_id": self.key.account_id, "public_key": self.key.public_key}),
        )["nonce"]
            .as_u64()
            .unwrap();
    }

    fn send(&mut self, receiver: &str, actions: Vec<Action>) -> Value {
        let head = post(self.addr, "block", json!({"finality": "final"}));
        let block_hash: CryptoHash = head["header"]["hash"].as_str().unwrap().parse().unwrap();
        self.nonce += 1;
        let tx = Transaction::V0(TransactionV0 {
            signer_id: self.key.account_id.clone(),
            public_key: self.key.public_key.clone(),
            nonce: self.nonce,
            receiver_id: receiver.parse().unwrap(),
            block_hash,
            actions,
        });
        let (hash, _) = tx.get_hash_and_size();
        let tx = SignedTransaction::new(self.key.secret_key.sign(hash.as_ref()), tx);
        let encoded = near_primitives::serialize::to_base64(&borsh::to_vec(&tx).unwrap());
        let out = post(self.addr, "broadcast_tx_commit", json!([encoded]));
        assert!(out["status"].get("SuccessValue").is_some(), "{out}");
        out
    }
}

fn transfer() -> Vec<Action> {
    vec![Action::Transfer(TransferAction {
        deposit: NearToken::from_yoctonear(1),
    })]
}

/// Runs `per_client` transactions from each client at once; returns tx/s.
fn run(
    clients: &mut [Client],
    per_client: usize,
    receiver: &str,
    actions: fn() -> Vec<Action>,
) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for c in clients.iter_mut() {
            s.spawn(move || {
                for _ in 0..per_client {
                    c.send(receiver, actions());
                }
            });
        }
    });
    (clients.len() * per_client) as f64 / start.elapsed().as_secs_f64()
}

fn ping() -> Vec<Action> {
    vec![Action::FunctionCall(Box::new(FunctionCallAction {
        method_name: "ping".into(),
        args: b"{}".to_vec(),
        gas: near_primitives::types::Gas::from_teragas(10),
        deposit: NearToken::ZERO,
    }))]
}

fn main() {
    let home = std::env::temp_dir().join(format!("localnet-node-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    node::init(
        &home,
        &InitOptions {
            fast: true,
            ..Default::default()
        },
    )
    .unwrap();
    let node = RunningNode::start(&home, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = node.addr();
    let validator = node::read_key_file(&home.join(node::VALIDATOR_KEY_FILE)).unwrap();
    let mut root = Client {
        addr,
        key: validator,
        nonce: 0,
    };
    root.sync_nonce();

    let wasm_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../res/localnet_probe.wasm");
    let wasm = std::fs::read(&wasm_path).expect("res/localnet_probe.wasm (run `make build`)");
    root.send(
        "probe.test.near",
        vec![
            Action::CreateAccount(CreateAccountAction {}),
            Action::Transfer(TransferAction {
                deposit: NearToken::from_near(20),
            }),
            Action::DeployContract(DeployContractAction { code: wasm }),
            Action::FunctionCall(Box::new(FunctionCallAction {
                method_name: "new".into(),
                args: b"{}".to_vec(),
                gas: near_primitives::types::Gas::from_teragas(10),
                deposit: NearToken::ZERO,
            })),
        ],
    );
    let mut clients: Vec<Client> = (0..8)
        .map(|i| {
            let id = format!("client{i}.test.near");
            let secret = localnet::derive_secret_key(&id.parse().unwrap());
            root.send(
                &id,
                vec![
                    Action::CreateAccount(CreateAccountAction {}),
                    Action::Transfer(TransferAction {
                        deposit: NearToken::from_near(100),
                    }),
                    Action::AddKey(Box::new(AddKeyAction {
                        public_key: secret.public_key(),
                        access_key: AccessKey::full_access(),
                    })),
                ],
            );
            Client {
                addr,
                key: KeyFile {
                    account_id: id.parse().unwrap(),
                    public_key: secret.public_key(),
                    secret_key: secret,
                },
                nonce: 0,
            }
        })
        .collect();
    for c in &mut clients {
        c.sync_nonce();
    }

    let one = run(&mut clients[..1], 200, "test.near", transfer);
    let many = run(&mut clients, 100, "test.near", transfer);
    let calls = run(&mut clients, 50, "probe.test.near", ping);
    println!("node: transfer, 1 client, broadcast_tx_commit       {one:>8.0} tx/s");
    println!("node: transfer, 8 clients, broadcast_tx_commit      {many:>8.0} tx/s");
    println!("node: contract call (ping), 8 clients               {calls:>8.0} tx/s");
    node.stop();
    let _ = std::fs::remove_dir_all(&home);
}
