//! The node as a server: malformed requests, concurrency, block production,
//! the sandbox methods, near-sandbox's home-directory edits and shutdown.

mod node_support;

use near_primitives::action::{Action, TransferAction};
use near_token::NearToken;
use node_support::{
    fresh_home, http_exchange, http_exchange_with_head, http_post, key_for, TestNode,
};
use serde_json::{json, Value};
use std::time::Duration;

#[test]
fn malformed_requests_get_nearcore_errors_and_the_node_keeps_serving() {
    let node =
        TestNode::start_with(|c| c["rpc"]["limits_config"]["json_payload_max_size"] = json!(4096));
    // Not JSON.
    let (code, body) = http_post(node.addr, b"{not json");
    assert_eq!(code, 400);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["cause"]["name"], "PARSE_ERROR");
    assert_eq!(body["error"]["code"], -32700);
    assert_eq!(body["id"], Value::Null);
    // JSON, but not a JSON-RPC request.
    let (code, body) = http_post(node.addr, br#"{"hello": "world"}"#);
    assert_eq!(code, 400);
    assert!(String::from_utf8_lossy(&body).contains("JSON RPC Request format was expected"));
    // An unknown method.
    let (code, body) = node.rpc("frobnicate", json!({}));
    assert_eq!(code, 400);
    assert_eq!(body["error"]["cause"]["name"], "METHOD_NOT_FOUND");
    assert_eq!(body["error"]["cause"]["info"]["method_name"], "frobnicate");
    assert_eq!(body["id"], "t");
    // Over the payload limit, declared and streamed without a length.
    let big = vec![b' '; 5000];
    assert_eq!(http_post(node.addr, &big).0, 413);
    let mut chunked =
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..5 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend_from_slice(&[b' '; 0x400]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(http_exchange(node.addr, &chunked).0, 413);
    // Still serving.
    assert!(node.result("status", Value::Null)["sync_info"]["latest_block_height"].is_u64());
}

#[test]
fn browsers_on_any_origin_may_call_the_node() {
    let node = TestNode::start();
    // The preflight a page sends before POSTing JSON to another origin.
    let (code, head, body) = http_exchange_with_head(
        node.addr,
        b"OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://page.example\r\n\
          Access-Control-Request-Method: POST\r\n\
          Access-Control-Request-Headers: content-type\r\n\
          Access-Control-Request-Private-Network: true\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 204);
    assert!(body.is_empty());
    for header in [
        "access-control-allow-origin: *",
        "access-control-allow-headers: content-type",
        "access-control-allow-private-network: true",
    ] {
        assert!(head.contains(header), "no `{header}` in {head}");
    }
    assert!(head.contains("access-control-allow-methods:") && head.contains("post"));
    // The call itself, and an error reply, carry the origin header too.
    let request = br#"{"jsonrpc":"2.0","id":"t","method":"status","params":[]}"#;
    let (code, head, body) = http_exchange_with_head(node.addr, &post_with_origin(request));
    assert_eq!(code, 200);
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(body["result"]["sync_info"]["latest_block_height"].is_u64());
    let (code, head, _) = http_exchange_with_head(node.addr, &post_with_origin(b"{not json"));
    assert_eq!(code, 400);
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
}

fn post_with_origin(body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nOrigin: http://page.example\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

#[test]
fn concurrent_clients_all_get_their_transactions_through() {
    let node = TestNode::start();
    let v = node.validator();
    let payer = |i: usize| format!("payer{i}.test.near");
    // One account per client so nonces never race.
    let mut setup = Vec::new();
    for i in 0..6 {
        let key = key_for(&payer(i), &payer(i));
        setup.push(node.sign(
            &v,
            &payer(i),
            vec![
                Action::CreateAccount(near_primitives::action::CreateAccountAction {}),
                Action::Transfer(TransferAction {
                    deposit: NearToken::from_near(10),
                }),
                Action::AddKey(Box::new(near_primitives::action::AddKeyAction {
                    public_key: key.public_key,
                    access_key: near_primitives::account::AccessKey::full_access(),
                })),
            ],
        ));
        // Distinct nonces: sign each after the previous one was sent.
        let (code, body) = node.commit(setup.last().unwrap());
        assert_eq!(code, 200, "{body}");
    }
    let per_client = 5;
    std::thread::scope(|s| {
        for i in 0..6 {
            let node = &node;
            s.spawn(move || {
                let key = key_for(&payer(i), &payer(i));
                let base = node.nonce(&key);
                for n in 1..=per_client {
                    let tx = node_support::sign_with(
                        &key,
                        base + n,
                        "test.near",
                        vec![Action::Transfer(TransferAction {
                            deposit: NearToken::from_millinear(1),
                        })],
                        node.head_hash(),
                    );
                    let (code, body) = node.commit(&tx);
                    assert_eq!(code, 200, "{body}");
                    assert_eq!(body["result"]["status"]["SuccessValue"], "", "{body}");
                }
            });
        }
    });
    for i in 0..6 {
        let key = key_for(&payer(i), &payer(i));
        assert!(node.nonce(&key) >= per_client);
    }
}

#[test]
fn idle_node_produces_blocks_on_its_timer() {
    let node = TestNode::start_with(|c| {
        c["consensus"]["min_block_production_delay"] = json!({"secs": 0, "nanos": 50_000_000})
    });
    let height = |n: &TestNode| {
        n.result("status", Value::Null)["sync_info"]["latest_block_height"]
            .as_u64()
            .unwrap()
    };
    let before = height(&node);
    std::thread::sleep(Duration::from_millis(500));
    assert!(height(&node) >= before + 3, "no blocks on the timer");
}

#[test]
fn fast_forward_crosses_epochs_of_the_genesis_length() {
    let node = TestNode::start();
    let genesis = node.result("EXPERIMENTAL_genesis_config", Value::Null);
    let epoch_length = genesis["epoch_length"].as_u64().unwrap();
    let start = node.result("block", json!({"finality": "final"}))["header"]["height"]
        .as_u64()
        .unwrap();
    assert_eq!(
        node.result(
            "sandbox_fast_forward",
            json!({"delta_height": 3 * epoch_length})
        ),
        json!({})
    );
    let head = node.result("block", json!({"finality": "final"}));
    assert!(head["header"]["height"].as_u64().unwrap() >= start + 3 * epoch_length);
    let validators = node.result("validators", json!([null]));
    assert!(validators["epoch_height"].as_u64().unwrap() >= 4);
    assert_eq!(
        validators["epoch_start_height"].as_u64().unwrap() % epoch_length,
        0,
        "epochs start at multiples of the genesis epoch length"
    );
    // The jumped-to head is a block like any other.
    let hash = head["header"]["hash"].clone();
    assert_eq!(
        node.result("block", json!({"block_id": hash}))["header"]["hash"],
        hash
    );
}

#[test]
fn patch_state_writes_accounts_keys_and_data() {
    let node = TestNode::start();
    let key = key_for("patched.near", "patched.near");
    let records = json!([
        {"Account": {"account_id": "patched.near", "account": {
            "amount": "5000000000000000000000000", "locked": "0",
            "code_hash": "11111111111111111111111111111111", "storage_usage": 0}}},
        {"AccessKey": {"account_id": "patched.near", "public_key": key.public_key,
                       "access_key": {"nonce": 0, "permission": "FullAccess"}}},
        {"Data": {"account_id": "patched.near", "data_key": "a2V5", "value": "dmFsdWU="}},
    ]);
    assert_eq!(
        node.result("sandbox_patch_state", json!({"records": records})),
        json!({})
    );
    let state = node.result(
        "query",
        json!({"request_type": "view_state", "finality": "final", "account_id": "patched.near", "prefix_base64": "a2V5"}),
    );
    assert_eq!(
        state["values"],
        json!([{"key": "a2V5", "value": "dmFsdWU="}])
    );
    // The patched key signs.
    let tx = node.sign(
        &key,
        "test.near",
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_near(1),
        })],
    );
    assert_eq!(node.commit(&tx).1["result"]["status"]["SuccessValue"], "");
    // A key for an account that does not exist is refused, nothing changes.
    let (code, body) = node.rpc(
        "sandbox_patch_state",
        json!({"records": [{"AccessKey": {"account_id": "ghost.near", "public_key": key.public_key,
                                          "access_key": {"nonce": 0, "permission": "FullAccess"}}}]}),
    );
    assert_eq!(code, 500);
    assert_eq!(body["error"]["cause"]["name"], "INTERNAL_ERROR", "{body}");
    assert!(body["error"]["cause"]["info"]["error_message"]
        .as_str()
        .unwrap()
        .contains("ghost.near"));
}

#[test]
fn home_edited_like_near_sandbox_runs_with_its_accounts() {
    // near-sandbox merges into config.json and appends genesis accounts
    // (adjusting total_supply) after `init`; the node must take both.
    let home = fresh_home(|c| {
        c["rpc"]["limits_config"]["json_payload_max_size"] = json!(1_073_741_824u64);
        c["store"]["max_open_files"] = json!(3000);
    });
    let sandbox = key_for("sandbox", "sandbox");
    let path = home.join(localnet::node::GENESIS_FILE);
    let mut genesis: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let supply: u128 = genesis["total_supply"].as_str().unwrap().parse().unwrap();
    genesis["total_supply"] = json!((supply + 10_000 * 10u128.pow(24)).to_string());
    let records = genesis["records"].as_array_mut().unwrap();
    records.push(json!({"Account": {"account_id": "sandbox", "account": {
        "amount": "10000000000000000000000000000", "locked": "0",
        "code_hash": "11111111111111111111111111111111", "storage_usage": 182}}}));
    records.push(
        json!({"AccessKey": {"account_id": "sandbox", "public_key": sandbox.public_key,
        "access_key": {"nonce": 0, "permission": "FullAccess"}}}),
    );
    genesis["epoch_length"] = json!(20);
    std::fs::write(&path, serde_json::to_string(&genesis).unwrap()).unwrap();

    let node = TestNode::start_in(home);
    assert_eq!(
        node.result("EXPERIMENTAL_genesis_config", Value::Null)["epoch_length"],
        20
    );
    let tx = node.sign(
        &sandbox,
        "test.near",
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_near(1),
        })],
    );
    assert_eq!(node.commit(&tx).1["result"]["status"]["SuccessValue"], "");
}

#[test]
fn sigterm_stops_the_node_cleanly_and_frees_the_port() {
    let mut node = TestNode::start();
    let addr = node.addr;
    let status = node.terminate();
    assert!(status.success(), "exit status {status}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "port still open"
    );
}
