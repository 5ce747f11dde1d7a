//! Same inputs, same outcomes, hashes and state.

mod common;
use common::*;
use localnet::{derive_public_key, Gas, Localnet, RewardRate};
use serde_json::json;

/// Runs a mixed scenario and returns everything observable about it.
fn scenario() -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut net = Localnet::builder()
        .epoch_length(20)
        .reward_rate(RewardRate::new(1, 100))
        .build();
    let alice = net.create_account("alice.near", near(100));
    let a = deploy_probe(&mut net, "a.near", near(50));
    let b = deploy_probe(&mut net, "b.near", near(50));
    let mut outcomes = Vec::new();
    let txs = [
        net.call(&alice, &a, "ping").transact(),
        net.call(&alice, &a, "call_then")
            .args_json(json!({"target": b, "method": "deposit_and_fail", "args": "", "deposit": "5", "gas_tgas": 20}))
            .gas(Gas::from_tgas(100))
            .transact(),
        net.call(&alice, &a, "relay").args_json(json!({ "path": [b] })).gas(Gas::from_tgas(80)).transact(),
        net.call(&alice, &b, "stake")
            .args_json(json!({"amount": near(10).as_yoctonear().to_string(), "public_key": derive_public_key(&b).to_string()}))
            .transact(),
        net.call(&alice, &a, "fill").args_json(json!({"key": "k", "bytes": 300})).transact(),
    ];
    outcomes.extend(txs.iter().map(|o| format!("{o:?}")));
    net.advance_epochs(4);
    outcomes.push(format!("{:?}", net.call(&alice, &a, "env_info").transact()));

    let state = [&alice, &a, &b]
        .iter()
        .map(|id| format!("{:?} {:?}", net.account(id), net.view_state(id)))
        .collect();
    let blocks = (0..=net.block_height())
        .step_by(7)
        .map(|h| format!("{:?}", net.block(h)))
        .collect();
    (outcomes, state, blocks)
}

#[test]
fn two_identical_runs_are_identical() {
    let first = scenario();
    let second = scenario();
    assert_eq!(first.0, second.0);
    assert_eq!(first.1, second.1);
    assert_eq!(first.2, second.2);
    // Sanity: the scenario did something worth comparing.
    assert!(first.0[1].contains("Smart contract panicked: deposit refused"));
}

#[test]
fn a_cloned_chain_evolves_identically() {
    let (mut net, alice, [a, _, _]) = setup();
    let mut fork = net.clone();
    let x = net.call(&alice, &a, "ping").transact();
    let y = fork.call(&alice, &a, "ping").transact();
    assert_eq!(x, y);
    assert_eq!(net.view_state(&a), fork.view_state(&a));
}
