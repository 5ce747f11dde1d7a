//! Storage staking: a receipt that leaves its account unable to pay for its
//! storage fails and rolls back.

mod common;
use common::*;
use localnet::errors::ActionErrorKind;
use localnet::{Gas, TxExecutionError};
use serde_json::json;

/// Bytes a probe `fill(key, bytes)` adds: the `LookupMap` entry (prefix `n` +
/// borsh string key, borsh string value) plus the per-record overhead.
fn fill_bytes(net: &localnet::Localnet, key: &str, bytes: u64) -> u64 {
    let extra = net
        .runtime_config()
        .fees
        .storage_usage_config
        .num_extra_bytes_record;
    (1 + 4 + key.len() as u64) + (4 + bytes) + extra
}

#[test]
fn storage_grows_by_the_bytes_written() {
    let (mut net, alice, [a, _, _]) = setup();
    let before = net.account(&a).unwrap().storage_usage;
    net.call(&alice, &a, "fill")
        .args_json(json!({ "key": "k", "bytes": 1000 }))
        .transact()
        .assert_success();
    assert_eq!(
        net.account(&a).unwrap().storage_usage,
        before + fill_bytes(&net, "k", 1000)
    );
}

#[test]
fn lack_of_balance_for_storage_fails_the_receipt_and_rolls_it_back() {
    let mut net = localnet::Localnet::new();
    let alice = net.create_account("alice.near", near(100));
    // Enough for the code, the deployment's gas and a little more.
    let byte = net.storage_byte_cost();
    let code_cost = byte.as_yoctonear() * (probe_wasm().len() as u128 + 1_000)
        + localnet::NearToken::from_millinear(50).as_yoctonear();
    let poor = deploy_probe(
        &mut net,
        "poor.near",
        localnet::NearToken::from_yoctonear(code_cost),
    );
    let usage = net.account(&poor).unwrap().storage_usage;
    let balance = net.balance(&poor);
    let bytes = 50_000;
    let out = net
        .call(&alice, &poor, "fill")
        .args_json(json!({ "key": "big", "bytes": bytes }))
        .gas(Gas::from_tgas(100))
        .transact();
    let needed = (usage + fill_bytes(&net, "big", bytes)) as u128 * byte.as_yoctonear()
        - balance.as_yoctonear();
    match out.failure() {
        Some(TxExecutionError::ActionError(e)) => {
            assert_eq!(e.index, None);
            assert_eq!(
                e.kind,
                ActionErrorKind::LackBalanceForState {
                    account_id: poor.clone(),
                    amount: localnet::NearToken::from_yoctonear(needed)
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(out
        .failure_message()
        .unwrap()
        .contains("wouldn't have enough balance to cover storage"));
    // Nothing was written.
    assert_eq!(net.account(&poor).unwrap().storage_usage, usage);
    let stored: Option<String> = net.view(&poor, "get", json!({ "key": "big" })).unwrap();
    assert_eq!(stored, None);
    // A deposit large enough to pay for the bytes makes the same call succeed.
    net.call(&alice, &poor, "deposit")
        .deposit(localnet::NearToken::from_yoctonear(needed))
        .transact()
        .assert_success();
    net.call(&alice, &poor, "fill")
        .args_json(json!({ "key": "big", "bytes": bytes }))
        .gas(Gas::from_tgas(100))
        .transact()
        .assert_success();
}

#[test]
fn small_accounts_need_no_balance_for_storage() {
    let mut net = localnet::Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let tiny = net.create_account("tiny.near", localnet::NearToken::ZERO);
    // 182 bytes of storage with a zero balance is allowed (zero-balance accounts).
    assert!(net.account(&tiny).unwrap().storage_usage <= 770);
    net.transfer(&alice, &tiny, localnet::NearToken::from_yoctonear(1))
        .assert_success();
}
