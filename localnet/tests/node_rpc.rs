//! The node's read methods: every response parses into nearcore's own types.

mod node_support;

use near_primitives::types::BlockHeight;
use near_primitives::views::{
    AccessKeyList, AccessKeyView, AccountView, BlockView, EpochValidatorInfo, GasPriceView,
    StatusResponse, ViewStateResult,
};
use node_support::TestNode;
use serde_json::{json, Value};

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

#[test]
fn status_over_rpc_and_get_agree_and_parse() {
    let node = TestNode::start();
    let status: StatusResponse = parse(node.result("status", Value::Null));
    assert_eq!(status.chain_id, "localnet");
    assert_eq!(status.validators[0].account_id.as_str(), "test.near");
    assert_eq!(
        status.validator_public_key,
        Some(node.validator().public_key)
    );
    let (code, body) = node_support::http_get(node.addr, "/status");
    assert_eq!(code, 200);
    let by_get: StatusResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(by_get.genesis_hash, status.genesis_hash);
    assert!(by_get.sync_info.latest_block_height >= status.sync_info.latest_block_height);
    assert_eq!(node_support::http_get(node.addr, "/health").0, 200);
    assert_eq!(node_support::http_get(node.addr, "/nowhere").0, 404);
}

#[test]
fn blocks_by_finality_height_and_hash_are_the_same_block() {
    let node = TestNode::start();
    let head: BlockView = parse(node.result("block", json!({"finality": "final"})));
    let by_height: BlockView = parse(node.result("block", json!({"block_id": head.header.height})));
    let by_hash: BlockView = parse(node.result("block", json!({"block_id": head.header.hash})));
    let legacy: BlockView = parse(node.result("block", json!([head.header.height])));
    for b in [&by_height, &by_hash, &legacy] {
        assert_eq!(b.header.hash, head.header.hash);
    }
    let genesis: BlockView = parse(node.result("block", json!({"block_id": 0})));
    assert_eq!(genesis.header.prev_height, None);
    assert_eq!(genesis.header.epoch_id, Default::default());
    if head.header.height > 0 {
        let parent: BlockView =
            parse(node.result("block", json!({"block_id": head.header.height - 1})));
        assert_eq!(parent.header.hash, head.header.prev_hash);
    }
    // A height beyond the head: nearcore's UNKNOWN_BLOCK handler error.
    let (code, body) = node.rpc("block", json!({"block_id": 1_000_000_000u64}));
    assert_eq!(code, 200);
    assert_eq!(body["error"]["cause"]["name"], "UNKNOWN_BLOCK");
    assert_eq!(body["error"]["name"], "HANDLER_ERROR");
}

#[test]
fn config_validators_and_gas_price_parse_as_nearcore_types() {
    let node = TestNode::start();
    let genesis: near_chain_configs::GenesisConfig =
        parse(node.result("EXPERIMENTAL_genesis_config", Value::Null));
    assert_eq!(genesis.epoch_length, near_chain_configs::FAST_EPOCH_LENGTH);
    let protocol: near_chain_configs::ProtocolConfigView =
        parse(node.result("EXPERIMENTAL_protocol_config", json!({"finality": "final"})));
    assert_eq!(protocol.epoch_length, genesis.epoch_length);
    assert_eq!(
        protocol.runtime_config.storage_amount_per_byte,
        near_token::NearToken::from_yoctonear(10u128.pow(19))
    );

    let validators: EpochValidatorInfo = parse(node.result("validators", json!([null])));
    assert_eq!(validators.epoch_height, 1);
    assert_eq!(validators.current_validators.len(), 1);
    assert_eq!(
        validators.current_validators[0].stake,
        genesis.validators[0].amount
    );
    let latest: EpochValidatorInfo = parse(node.result("validators", json!({"latest": null})));
    assert_eq!(latest, validators);
    let ordered = node.result("EXPERIMENTAL_validators_ordered", json!({"block_id": null}));
    assert_eq!(ordered[0]["account_id"], "test.near");

    let price: GasPriceView = parse(node.result("gas_price", json!([null])));
    assert_eq!(price.gas_price, genesis.min_gas_price);
    let (code, body) = node.rpc("gas_price", json!([999_999_999u64]));
    assert_eq!(code, 200);
    assert_eq!(body["error"]["cause"]["name"], "UNKNOWN_BLOCK");
}

#[test]
fn queries_read_accounts_keys_and_report_unknown_ones() {
    let node = TestNode::start();
    let validator = node.validator();
    let q = |request: Value| node.rpc("query", request);
    let (_, r) =
        q(json!({"request_type": "view_account", "finality": "final", "account_id": "test.near"}));
    let account: AccountView = parse(r["result"].clone());
    assert!(account.locked > near_token::NearToken::ZERO);
    let height: BlockHeight = parse(r["result"]["block_height"].clone());
    assert!(
        height
            <= node.result("status", Value::Null)["sync_info"]["latest_block_height"]
                .as_u64()
                .unwrap()
    );

    let key: AccessKeyView = parse(node.result(
        "query",
        json!({"request_type": "view_access_key", "finality": "final",
               "account_id": "test.near", "public_key": validator.public_key}),
    ));
    assert_eq!(key.nonce, 0);
    let list: AccessKeyList = parse(node.result(
        "query",
        json!({"request_type": "view_access_key_list", "finality": "final", "account_id": "test.near"}),
    ));
    assert_eq!(list.keys.len(), 1);
    let state: ViewStateResult = parse(node.result(
        "query",
        json!({"request_type": "view_state", "finality": "final", "account_id": "test.near", "prefix_base64": ""}),
    ));
    assert!(state.values.is_empty());

    // nearcore's error shapes: a handler error for an unknown account...
    let (code, body) = q(
        json!({"request_type": "view_account", "finality": "final", "account_id": "nobody.near"}),
    );
    assert_eq!(code, 200);
    assert_eq!(body["error"]["cause"]["name"], "UNKNOWN_ACCOUNT");
    assert_eq!(
        body["error"]["cause"]["info"]["requested_account_id"],
        "nobody.near"
    );
    // ...no code...
    let (_, body) =
        q(json!({"request_type": "view_code", "finality": "final", "account_id": "test.near"}));
    assert_eq!(body["error"]["cause"]["name"], "NO_CONTRACT_CODE");
    // ...and the legacy result-with-`error` shape for a missing access key.
    let other = localnet::derive_public_key(&"other.near".parse().unwrap());
    let (code, body) = q(
        json!({"request_type": "view_access_key", "finality": "final",
                                "account_id": "test.near", "public_key": other}),
    );
    assert_eq!(code, 200);
    assert_eq!(
        body["result"]["error"],
        format!("access key {other} does not exist while viewing")
    );
    // A block the node no longer has state for (it keeps the head's only).
    node.result("sandbox_fast_forward", json!({"delta_height": 1}));
    let (code, body) =
        q(json!({"request_type": "view_account", "block_id": 0, "account_id": "test.near"}));
    assert_eq!(code, 200);
    assert_eq!(
        body["error"]["cause"]["name"], "GARBAGE_COLLECTED_BLOCK",
        "{body}"
    );
    // And one it never had: nearcore's "DB Not Found" text.
    let (_, body) = q(
        json!({"request_type": "view_account", "block_id": 999_999_999u64, "account_id": "test.near"}),
    );
    assert_eq!(body["error"]["cause"]["name"], "UNKNOWN_BLOCK", "{body}");
    assert!(body["error"]["data"]
        .as_str()
        .unwrap()
        .starts_with("DB Not Found Error: BLOCK HEIGHT: 999999999"));
    // A malformed query is a request validation error.
    let (code, body) = q(json!({"request_type": "view_nothing", "finality": "final"}));
    assert_eq!(code, 400);
    assert_eq!(body["error"]["cause"]["name"], "PARSE_ERROR");
}
