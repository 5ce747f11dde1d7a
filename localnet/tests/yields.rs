//! `promise_yield_create` / `promise_yield_resume` and the yield timeout.

mod common;
use common::*;
use localnet::Gas;
use serde_json::{json, Value};

#[test]
fn a_resumed_yield_runs_its_callback_with_the_payload() {
    let (mut net, alice, [a, _, _]) = setup();
    let start = net
        .call(&alice, &a, "yield_start")
        .gas(Gas::from_tgas(50))
        .submit();
    // Let the yield be created, then resume it from another transaction.
    for _ in 0..3 {
        net.produce_block();
    }
    assert!(net.outcome(&start).unwrap().is_pending());
    let resume = net
        .call(&alice, &a, "yield_resume")
        .args_json(json!({ "payload": "hello" }))
        .transact();
    assert!(resume.json::<bool>().unwrap());
    let out = net.outcome(&start).unwrap();
    out.assert_success();
    let record: Value = out.json().unwrap();
    assert_eq!(record["results"], json!(["hello"]));
    // Resuming twice finds nothing.
    let again = net
        .call(&alice, &a, "yield_resume")
        .args_json(json!({ "payload": "x" }))
        .transact();
    assert!(!again.json::<bool>().unwrap());
}

#[test]
fn an_unresumed_yield_times_out_with_a_failed_result() {
    let (mut net, alice, [a, _, _]) = setup();
    let h = net.block_height();
    let out = net
        .call(&alice, &a, "yield_start")
        .gas(Gas::from_tgas(50))
        .transact();
    out.assert_success();
    let record: Value = out.json().unwrap();
    assert_eq!(record["results"], json!([null]));
    let timeout = net
        .runtime_config()
        .wasm_config
        .limit_config
        .yield_timeout_length_in_blocks;
    let created_at = h + 2;
    assert_eq!(record["block_height"], json!(created_at + timeout));
}
