//! Promises: chains, callbacks on success and failure, `and`, `promise_return`,
//! batch actions and gas weights.

mod common;
use common::*;
use localnet::errors::ActionErrorKind;
use localnet::{derive_public_key, ActionSummary, Gas, NearToken, ReceiptStatus, TxExecutionError};
use serde_json::{json, Value};

#[test]
fn relay_chain_returns_the_last_hop_value_one_block_per_hop() {
    let (mut net, alice, [a, b, c]) = setup();
    let out = net
        .call(&alice, &a, "relay")
        .args_json(json!({ "path": [b, c] }))
        .gas(Gas::from_tgas(150))
        .transact();
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), "end@c.near");
    let hops: Vec<_> = out.receipts.iter().filter(|r| !r.is_refund).collect();
    assert_eq!(
        hops.iter()
            .map(|r| r.receiver_id.as_str())
            .collect::<Vec<_>>(),
        ["a.near", "b.near", "c.near"]
    );
    for pair in hops.windows(2) {
        assert_eq!(pair[1].block_height, pair[0].block_height + 1);
        assert_eq!(pair[1].parent, Some(pair[0].receipt_id));
        // Each hop returned the next hop's promise.
        assert_eq!(
            pair[0].status,
            ReceiptStatus::SuccessReceiptId(pair[1].receipt_id)
        );
    }
    assert_eq!(hops[0].block_height, out.transaction.block_height + 1);
}

#[test]
fn callback_sees_success_value() {
    let (mut net, alice, [a, b, _]) = setup();
    let out = net
        .call(&alice, &a, "call_then")
        .args_json(
            json!({"target": b, "method": "ping", "args": "", "deposit": "0", "gas_tgas": 20}),
        )
        .gas(Gas::from_tgas(100))
        .transact();
    out.assert_success();
    let record: Value = out.json().unwrap();
    assert_eq!(record["results"], json!(["1"]));
    assert_eq!(record["predecessor"], json!("a.near"));
    // b ran one block after a, the callback one block after b's data arrived.
    let b_height = out.receipts_on(&b).next().unwrap().block_height;
    assert_eq!(record["block_height"], json!(b_height + 1));
    assert!(!out.is_receipt_failure_anywhere());
    let logs = out.logs();
    assert_eq!(logs[0], "ping 1");
    assert_eq!(out.events()[0].standard, "localnet-probe");
    assert_eq!(out.events()[0].event, "pinged");
    assert_eq!(out.events()[0].emitter, b);
    assert_eq!(out.events()[0].data, json!({ "count": 1 }));
}

#[test]
fn callback_sees_failure_and_the_transaction_still_returns_its_value() {
    let (mut net, alice, [a, b, _]) = setup();
    let out = net
        .call(&alice, &a, "call_then")
        .args_json(json!({"target": b, "method": "fail", "args": "{\"message\":\"E_NOPE: nope\"}", "deposit": "0", "gas_tgas": 20}))
        .gas(Gas::from_tgas(100))
        .transact();
    // As on chain: the result is the callback's, which handled the failure.
    out.assert_success();
    let record: Value = out.json().unwrap();
    assert_eq!(record["results"], json!([null]));
    assert!(out.is_receipt_failure_anywhere());
    let failed = out.receipt_failures().next().unwrap();
    assert_eq!(failed.receiver_id, b);
    let message = out.first_failure_anywhere().unwrap().to_string();
    assert!(
        message.contains("Smart contract panicked: E_NOPE: nope"),
        "{message}"
    );
    assert_eq!(
        net.view::<Value>(&a, "last_callback", json!({})).unwrap()["results"],
        json!([null])
    );
}

#[test]
fn promise_and_delivers_every_result_in_order() {
    let (mut net, alice, [a, b, c]) = setup();
    let plain = net.create_account("plain.near", near(1)); // no contract: its call fails
    let out = net
        .call(&alice, &a, "ping_all")
        .args_json(json!({ "targets": [b, plain, c] }))
        .gas(Gas::from_tgas(100))
        .transact();
    out.assert_success();
    let record: Value = out.json().unwrap();
    assert_eq!(record["results"], json!(["1", null, "1"]));
    let failure = out.receipts_on(&plain).next().unwrap();
    match &failure.status {
        ReceiptStatus::Failure(TxExecutionError::ActionError(e)) => match &e.kind {
            ActionErrorKind::FunctionCallError(f) => {
                assert!(format!("{f:?}").contains("CodeDoesNotExist"), "{f:?}")
            }
            k => panic!("unexpected {k:?}"),
        },
        s => panic!("unexpected {s:?}"),
    }
}

#[test]
fn failing_callee_returned_with_promise_return_fails_the_transaction() {
    let (mut net, alice, [a, b, _]) = setup();
    let out = net
        .call(&alice, &a, "relay")
        .args_json(json!({ "path": [b, "missing.near"] }))
        .gas(Gas::from_tgas(150))
        .transact();
    out.assert_failure_contains("doesn't exist");
}

#[test]
fn batch_actions_create_fund_key_and_deploy_a_subaccount() {
    let (mut net, alice, [a, _, _]) = setup();
    let sub: localnet::AccountId = "kid.a.near".parse().unwrap();
    let code = near_b64(probe_wasm());
    let out = net
        .call(&alice, &a, "create_sub")
        .args_json(json!({
            "prefix": "kid",
            "amount": near(5).as_yoctonear().to_string(),
            "public_key": derive_public_key(&sub).to_string(),
            "code": code,
        }))
        .gas(Gas::from_tgas(200))
        .transact();
    out.assert_success();
    let created = out.receipts_on(&sub).next().unwrap();
    assert!(matches!(created.actions[0], ActionSummary::CreateAccount));
    assert!(
        matches!(created.actions[1], ActionSummary::Transfer { deposit } if deposit == near(5))
    );
    assert!(matches!(
        created.actions[2],
        ActionSummary::AddKey {
            full_access: true,
            ..
        }
    ));
    assert!(
        matches!(created.actions[3], ActionSummary::DeployContract { len, .. } if len == probe_wasm().len())
    );
    let account = net.account(&sub).unwrap();
    assert_eq!(account.amount, near(5));
    assert!(account.code_hash.is_some());
    // The sub-account's key works.
    net.call(&sub, &sub, "new").transact().assert_success();
}

fn near_b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn unused_gas_is_split_by_weight() {
    let (mut net, alice, [a, b, _]) = setup();
    let out = net
        .call(&alice, &a, "split_gas")
        .args_json(json!({ "target": b, "weight_a": 1, "weight_b": 3 }))
        .gas(Gas::from_tgas(200))
        .transact();
    out.assert_success();
    let gas: Vec<u64> = out
        .receipts_on(&b)
        .map(|r| match &r.actions[0] {
            ActionSummary::FunctionCall { gas, .. } => gas.as_gas(),
            x => panic!("unexpected {x:?}"),
        })
        .collect();
    assert_eq!(gas.len(), 2);
    // nearcore's split: floor(unused * w / sum) each, the remainder to the last.
    let unused = gas[0] + gas[1];
    assert_eq!(gas[0], unused / 4);
    assert_eq!(gas[1], unused - unused / 4);
    assert!(gas[0] > 0);
}

#[test]
fn deposit_attached_by_a_contract_is_refunded_to_the_contract_on_failure() {
    let (mut net, alice, [a, b, _]) = setup();
    let a_before = net.balance(&a);
    let b_before = net.balance(&b);
    let out = net
        .call(&alice, &a, "call_then")
        .args_json(json!({"target": b, "method": "deposit_and_fail", "args": "", "deposit": near(2).as_yoctonear().to_string(), "gas_tgas": 20}))
        .gas(Gas::from_tgas(100))
        .transact();
    out.assert_success();
    let refund = out
        .receipts
        .iter()
        .find(|r| r.is_refund && r.receiver_id == a)
        .expect("deposit refund to the predecessor");
    assert!(matches!(refund.actions[0], ActionSummary::Transfer { deposit } if deposit == near(2)));
    // Gas refunds go to the signer, never to the contracts.
    assert!(out
        .receipts
        .iter()
        .filter(|r| r.is_refund && r.receiver_id != a)
        .all(|r| r.receiver_id == alice));
    assert_eq!(net.balance(&b), b_before);
    // a paid nothing for gas (alice did); its storage grew, its balance is back.
    assert_eq!(net.balance(&a), a_before);
    let _ = NearToken::ZERO;
}
