//! View calls: results, and the runtime's restrictions on them.

mod common;
use common::*;
use localnet::Error;
use serde_json::{json, Value};

#[test]
fn view_returns_the_value_and_sees_itself_as_caller() {
    let (mut net, alice, [a, _, _]) = setup();
    net.call(&alice, &a, "set")
        .args_json(json!({"key": "k", "value": "v"}))
        .transact()
        .assert_success();
    let v: Option<String> = net.view(&a, "get", json!({ "key": "k" })).unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    let info: Value = net.view(&a, "chain_info", json!({})).unwrap();
    let account = net.account(&a).unwrap();
    assert_eq!(
        info,
        json!([
            net.block_height(),
            net.block_timestamp(),
            net.epoch_height(),
            account.amount.as_yoctonear().to_string(),
            "0",
            account.storage_usage
        ])
    );
}

#[test]
fn a_view_cannot_read_the_caller() {
    let (net, _alice, [a, _, _]) = setup();
    let err = net.view::<Value>(&a, "env_info", json!({})).unwrap_err();
    assert!(
        matches!(&err, Error::View { message, .. } if message == "predecessor_account_id is not allowed in view calls"),
        "{err:?}"
    );
}

#[test]
fn a_view_that_writes_state_fails_with_the_runtime_error() {
    let (net, _alice, [a, _, _]) = setup();
    let err = net.view::<u64>(&a, "ping", json!({})).unwrap_err();
    match &err {
        Error::View { message, logs } => {
            assert_eq!(message, "storage_write is not allowed in view calls");
            // Logs are allowed in views and came before the write.
            assert_eq!(logs[0], "ping 1");
        }
        e => panic!("unexpected {e:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("wasm execution failed with error:"));
    let count: u64 = net.view(&a, "counter", json!({})).unwrap();
    assert_eq!(count, 0);
}

#[test]
fn a_view_that_creates_a_promise_fails() {
    let (net, alice, [a, _, _]) = setup();
    let err = net
        .view::<()>(&a, "promise_in_view", json!({ "receiver": alice }))
        .unwrap_err();
    assert!(
        matches!(&err, Error::View { message, .. } if message == "promise_batch_create is not allowed in view calls"),
        "{err:?}"
    );
}

#[test]
fn view_errors_carry_panics_and_missing_methods_and_accounts() {
    let (net, _alice, [a, _, _]) = setup();
    let err = net
        .view::<()>(&a, "fail", json!({ "message": "E_VIEW: no" }))
        .unwrap_err();
    assert!(
        matches!(&err, Error::View { message, .. } if message == "Smart contract panicked: E_VIEW: no"),
        "{err:?}"
    );
    let err = net.view::<()>(&a, "no_such_method", json!({})).unwrap_err();
    assert!(
        matches!(&err, Error::View { message, .. } if message.contains("MethodNotFound")),
        "{err:?}"
    );
    let ghost: localnet::AccountId = "ghost.near".parse().unwrap();
    assert_eq!(
        net.view::<()>(&ghost, "x", json!({})).unwrap_err(),
        Error::AccountNotFound(ghost)
    );
}
