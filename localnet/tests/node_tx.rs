//! Signed transactions through the node: signatures, nonces, access keys and
//! block-hash expiry are enforced with nearcore's errors, and outcomes parse
//! as nearcore's views.

mod node_support;

use near_primitives::account::{AccessKey, AccessKeyPermission, FunctionCallPermission};
use near_primitives::action::{
    Action, AddKeyAction, CreateAccountAction, DeployContractAction, FunctionCallAction,
    TransferAction,
};
use near_primitives::views::{FinalExecutionOutcomeView, FinalExecutionStatus};
use near_token::NearToken;
use node_support::{key_for, sign_with, to_base64, TestNode};
use serde_json::{json, Value};

fn probe_wasm() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../res/localnet_probe.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `make build`", path.display()))
}

fn outcome(body: &Value) -> FinalExecutionOutcomeView {
    serde_json::from_value(body["result"].clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The `InvalidTransaction` cause nearcore reports, as near-jsonrpc-client
/// reads it (`error.data.TxExecutionError.InvalidTxError`).
fn invalid_tx(body: &Value) -> Value {
    assert_eq!(
        body["error"]["cause"]["name"], "INVALID_TRANSACTION",
        "{body}"
    );
    body["error"]["data"]["TxExecutionError"]["InvalidTxError"].clone()
}

fn create_account(node: &TestNode, id: &str, near: u128, actions: Vec<Action>) {
    let key = key_for(id, id);
    let mut all = vec![
        Action::CreateAccount(CreateAccountAction {}),
        Action::Transfer(TransferAction {
            deposit: NearToken::from_near(near),
        }),
        Action::AddKey(Box::new(AddKeyAction {
            public_key: key.public_key.clone(),
            access_key: AccessKey::full_access(),
        })),
    ];
    all.extend(actions);
    let tx = node.sign(&node.validator(), id, all);
    let (code, body) = node.commit(&tx);
    assert_eq!(code, 200, "{body}");
    assert!(
        matches!(outcome(&body).status, FinalExecutionStatus::SuccessValue(_)),
        "{body}"
    );
}

#[test]
fn a_transfer_commits_and_its_outcome_parses() {
    let node = TestNode::start();
    create_account(&node, "alice.test.near", 10, vec![]);
    let alice = key_for("alice.test.near", "alice.test.near");
    let tx = node.sign(
        &alice,
        "test.near",
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_near(1),
        })],
    );
    let (code, body) = node.commit(&tx);
    assert_eq!(code, 200);
    let o = outcome(&body);
    assert_eq!(o.status, FinalExecutionStatus::SuccessValue(Vec::new()));
    assert_eq!(o.transaction.hash, tx.get_hash());
    assert_eq!(o.transaction_outcome.id, tx.get_hash());
    // The transfer receipt plus the gas refund.
    assert!(!o.receipts_outcome.is_empty());
    assert!(o.transaction_outcome.outcome.gas_burnt.as_gas() > 0);
    assert_eq!(node.nonce(&alice), tx.transaction.nonce().nonce());
    let account = node.result(
        "query",
        json!({"request_type": "view_account", "finality": "final", "account_id": "alice.test.near"}),
    );
    let amount: NearToken = serde_json::from_value(account["amount"].clone()).unwrap();
    assert!(amount < NearToken::from_near(9) && amount > NearToken::from_millinear(8_990));

    // The same transaction again is the same transaction, not a second one.
    let (_, again) = node.commit(&tx);
    assert_eq!(outcome(&again).transaction_outcome.id, tx.get_hash());
    // `tx`, by hash and sender, and EXPERIMENTAL_tx_status with receipts.
    let by_hash = node.result("tx", json!([tx.get_hash(), "alice.test.near"]));
    assert_eq!(by_hash["final_execution_status"], "FINAL");
    assert_eq!(by_hash["transaction"]["hash"], json!(tx.get_hash()));
    let detailed = node.result(
        "EXPERIMENTAL_tx_status",
        json!({"tx_hash": tx.get_hash(), "sender_account_id": "alice.test.near", "wait_until": "FINAL"}),
    );
    assert_eq!(detailed["receipts"][0]["receiver_id"], "test.near");
    let (_, unknown) = node.rpc(
        "tx",
        json!([
            near_primitives::hash::CryptoHash::default(),
            "alice.test.near"
        ]),
    );
    assert_eq!(unknown["error"]["cause"]["name"], "UNKNOWN_TRANSACTION");
}

#[test]
fn async_broadcast_then_send_tx_wait_levels() {
    let node = TestNode::start();
    let v = node.validator();
    let tx = node.sign(
        &v,
        "near",
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_yoctonear(1),
        })],
    );
    let hash = node.result("broadcast_tx_async", json!([to_base64(&tx)]));
    assert_eq!(hash, json!(tx.get_hash()));
    let status = node.result(
        "tx",
        json!({"tx_hash": hash, "sender_account_id": "test.near"}),
    );
    assert_eq!(status["status"]["SuccessValue"], "");

    let next = sign_with(
        &v,
        tx.transaction.nonce().nonce() + 1,
        "near",
        vec![],
        node.head_hash(),
    );
    let none = node.result(
        "send_tx",
        json!({"signed_tx_base64": to_base64(&next), "wait_until": "NONE"}),
    );
    assert!(none.get("transaction").is_none(), "{none}");
    let fin = node.result(
        "send_tx",
        json!({"signed_tx_base64": to_base64(&next), "wait_until": "FINAL"}),
    );
    assert_eq!(fin["final_execution_status"], "FINAL");
}

#[test]
fn bad_signatures_nonces_and_expired_hashes_are_rejected() {
    let node = TestNode::start();
    let v = node.validator();
    let transfer = || {
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_near(1),
        })]
    };
    // Signed by another key than the one it names.
    let mut forged = node.sign(&v, "near", transfer());
    let other = key_for("test.near", "mallory.near");
    forged.signature = other.secret_key.sign(forged.get_hash().as_ref());
    let (code, body) = node.commit(&forged);
    assert_eq!(code, 200);
    assert_eq!(invalid_tx(&body), json!("InvalidSignature"));

    // A key the account does not have.
    let stranger = sign_with(&other, 1, "near", transfer(), node.head_hash());
    let (_, body) = node.commit(&stranger);
    assert!(
        invalid_tx(&body)["InvalidAccessKeyError"]["AccessKeyNotFound"].is_object(),
        "{body}"
    );

    // A used nonce.
    let ok = node.sign(&v, "near", transfer());
    assert_eq!(node.commit(&ok).0, 200);
    let replay = sign_with(
        &v,
        ok.transaction.nonce().nonce(),
        "near",
        transfer(),
        node.head_hash(),
    );
    let (_, body) = node.commit(&replay);
    let nonce = &invalid_tx(&body)["InvalidNonce"];
    assert_eq!(nonce["tx_nonce"], nonce["ak_nonce"]);

    // A signer that does not exist.
    let ghost = key_for("ghost.near", "ghost.near");
    let (_, body) = node.commit(&sign_with(&ghost, 1, "near", transfer(), node.head_hash()));
    assert!(invalid_tx(&body)["SignerDoesNotExist"].is_object());

    // An unknown block hash, then a hash older than the validity period.
    let (_, body) = node.commit(&sign_with(
        &v,
        node.nonce(&v) + 1,
        "near",
        transfer(),
        Default::default(),
    ));
    assert_eq!(invalid_tx(&body), json!("Expired"));
    let old = node.head_hash();
    node.result("sandbox_fast_forward", json!({"delta_height": 101}));
    let (_, body) = node.commit(&sign_with(&v, node.nonce(&v) + 1, "near", transfer(), old));
    assert_eq!(invalid_tx(&body), json!("Expired"));

    // Not a transaction at all.
    let (code, body) = node.rpc("broadcast_tx_commit", json!(["AAAA"]));
    assert_eq!(code, 400);
    assert_eq!(body["error"]["cause"]["name"], "PARSE_ERROR");
    // And the node still works.
    assert_eq!(node.commit(&node.sign(&v, "near", transfer())).0, 200);
}

#[test]
fn function_call_keys_enforce_receiver_methods_deposit_and_allowance() {
    let node = TestNode::start();
    create_account(
        &node,
        "probe.test.near",
        20,
        vec![Action::DeployContract(DeployContractAction {
            code: probe_wasm(),
        })],
    );
    let probe = key_for("probe.test.near", "probe.test.near");
    let init = node.sign(
        &probe,
        "probe.test.near",
        vec![Action::FunctionCall(Box::new(FunctionCallAction {
            method_name: "new".into(),
            args: b"{}".to_vec(),
            gas: near_primitives::types::Gas::from_teragas(10),
            deposit: NearToken::ZERO,
        }))],
    );
    assert_eq!(node.commit(&init).0, 200);

    // A function-call key of alice for `ping` on the probe, 0.05 NEAR allowance.
    let limited = key_for("alice.test.near", "limited.near");
    create_account(&node, "alice.test.near", 5, vec![]);
    let alice = key_for("alice.test.near", "alice.test.near");
    let add = node.sign(
        &alice,
        "alice.test.near",
        vec![Action::AddKey(Box::new(AddKeyAction {
            public_key: limited.public_key.clone(),
            access_key: AccessKey {
                nonce: 0,
                permission: AccessKeyPermission::FunctionCall(FunctionCallPermission {
                    allowance: Some(NearToken::from_millinear(50)),
                    receiver_id: "probe.test.near".into(),
                    method_names: vec!["ping".into()],
                }),
            },
        }))],
    );
    assert_eq!(node.commit(&add).0, 200);
    let call = |method: &str, receiver: &str, deposit: NearToken, tgas: u64| {
        node.sign(
            &limited,
            receiver,
            vec![Action::FunctionCall(Box::new(FunctionCallAction {
                method_name: method.into(),
                args: b"{}".to_vec(),
                gas: near_primitives::types::Gas::from_teragas(tgas),
                deposit,
            }))],
        )
    };
    let (code, body) = node.commit(&call("ping", "probe.test.near", NearToken::ZERO, 10));
    assert_eq!(code, 200);
    assert_eq!(
        outcome(&body).status,
        FinalExecutionStatus::SuccessValue(b"1".to_vec())
    );

    let err = |tx| invalid_tx(&node.commit(&tx).1)["InvalidAccessKeyError"].clone();
    assert!(
        err(call("counter", "probe.test.near", NearToken::ZERO, 10))["MethodNameMismatch"]
            .is_object()
    );
    assert!(err(call("ping", "test.near", NearToken::ZERO, 10))["ReceiverMismatch"].is_object());
    assert_eq!(
        err(call(
            "ping",
            "probe.test.near",
            NearToken::from_yoctonear(1),
            10
        )),
        json!("DepositWithFunctionCall")
    );
    // 300 Tgas at the purchase price costs more than the 0.05 NEAR allowance.
    assert!(
        err(call("ping", "probe.test.near", NearToken::ZERO, 300))["NotEnoughAllowance"]
            .is_object()
    );
    // Anything but a single function call needs a full-access key.
    let transfer = node.sign(
        &limited,
        "probe.test.near",
        vec![Action::Transfer(TransferAction {
            deposit: NearToken::from_yoctonear(1),
        })],
    );
    assert_eq!(err(transfer), json!("RequiresFullAccess"));
    // A failed view is reported in nearcore's legacy result shape.
    let view = node.result(
        "query",
        json!({"request_type": "call_function", "finality": "final", "account_id": "probe.test.near",
               "method_name": "fail", "args_base64": near_primitives::serialize::to_base64(br#"{"message":"E_NO"}"#)}),
    );
    assert!(
        view["error"].as_str().unwrap().contains("storage_write")
            || view["error"].as_str().unwrap().contains("E_NO"),
        "{view}"
    );
    let counter = node.result(
        "query",
        json!({"request_type": "call_function", "finality": "final", "account_id": "probe.test.near",
               "method_name": "counter", "args_base64": ""}),
    );
    assert_eq!(counter["result"], json!(b"1".to_vec()));
}
