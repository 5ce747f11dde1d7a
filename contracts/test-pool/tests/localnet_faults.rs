//! res/test_pool_faults.wasm on localnet: every fault switch as a
//! transaction and, where the router depends on it, as a cross-contract call
//! with a callback (played by localnet's probe contract).

mod common;

use common::*;
use localnet::{AccountId, Gas, NearToken};
use serde_json::{json, Value};

fn faulty_pool() -> PoolNet {
    let mut p = PoolNet::deploy("test_pool_faults.wasm");
    let alice = p.alice.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(10))
        .assert_success();
    p
}

/// localnet's probe contract on `caller.near`: `call_then` calls a method
/// and records what its callback sees (`None` for a failed call).
fn deploy_caller(p: &mut PoolNet) -> AccountId {
    let caller = p
        .net
        .create_and_deploy("caller.near", near(100), &wasm("localnet_probe.wasm"));
    p.net
        .call(&caller, &caller, "new")
        .transact()
        .assert_success();
    caller
}

/// `caller` calls `method(args)` on the pool with `deposit` and `tgas`, and
/// returns what its callback saw.
fn call_through(
    p: &mut PoolNet,
    caller: &AccountId,
    method: &str,
    args: Value,
    deposit: NearToken,
    tgas: u64,
) -> Option<String> {
    let alice = p.alice.clone();
    let pool = p.pool.clone();
    p.net
        .call(&alice, caller, "call_then")
        .args_json(json!({
            "target": pool,
            "method": method,
            "args": args.to_string(),
            "deposit": deposit.as_yoctonear().to_string(),
            "gas_tgas": tgas,
        }))
        .gas(Gas::from_tgas(150))
        .transact()
        .assert_success();
    let record: Value = p.net.view(caller, "last_callback", json!({})).unwrap();
    assert_eq!(record["results"].as_array().unwrap().len(), 1);
    record["results"][0].as_str().map(str::to_owned)
}

fn events(out: &localnet::ExecutionOutcome) -> Vec<(String, Value)> {
    out.events()
        .into_iter()
        .filter(|e| e.standard == "test_pool_faults")
        .map(|e| (e.event, e.data))
        .collect()
}

#[test]
fn fail_next_calls_fails_that_many_transactions_and_returns_their_deposits() {
    let mut p = faulty_pool();
    let out = p.owner_call(
        "fault_fail_next_calls",
        json!({"method_name": "deposit_and_stake", "count": 2}),
    );
    out.assert_success();
    assert_eq!(
        events(&out),
        vec![(
            "fail_next_calls".to_string(),
            json!({"method_name": "deposit_and_stake", "count": 2})
        )]
    );
    let bob = p.bob.clone();
    let total = p.total_staked();
    for calls_left in [1, 0] {
        let before = p.net.balance(&bob).as_yoctonear();
        let out = p.call(&bob, "deposit_and_stake", json!({}), near(5));
        out.assert_failure_contains("E_FAULT_INJECTED: deposit_and_stake");
        assert_eq!(
            events(&out),
            vec![(
                "call_failed".to_string(),
                json!({"method_name": "deposit_and_stake", "calls_left": calls_left})
            )]
        );
        assert_eq!(
            p.net.balance(&bob).as_yoctonear() + out.tokens_burnt().as_yoctonear(),
            before,
            "the deposit came back"
        );
        assert_eq!(p.total(&bob), 0);
        assert_eq!(p.total_staked(), total);
    }
    p.call(&bob, "deposit_and_stake", json!({}), near(5))
        .assert_success();
    assert_eq!(p.staked(&bob), near(5).as_yoctonear());
}

#[test]
fn a_failed_call_fails_the_callers_promise_and_returns_its_deposit() {
    let mut p = faulty_pool();
    let caller = deploy_caller(&mut p);
    p.owner_call(
        "fault_fail_next_calls",
        json!({"method_name": "deposit_and_stake", "count": 1}),
    )
    .assert_success();
    let before = p.net.balance(&caller);
    let seen = call_through(&mut p, &caller, "deposit_and_stake", json!({}), near(5), 50);
    assert_eq!(seen, None, "the callback sees a failed promise");
    assert_eq!(p.net.balance(&caller), before, "the deposit came back");
    assert_eq!(p.total(&caller), 0);

    // The switch is spent: the same call now succeeds.
    let seen = call_through(&mut p, &caller, "deposit_and_stake", json!({}), near(5), 50);
    assert_eq!(seen, Some(String::new()));
    assert_eq!(p.staked(&caller), near(5).as_yoctonear());
}

#[test]
fn every_mutating_method_can_be_failed_on_chain() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    for (method, args, deposit) in [
        ("ping", json!({}), NearToken::ZERO),
        ("deposit", json!({}), near(1)),
        ("deposit_and_stake", json!({}), near(1)),
        ("withdraw", json!({"amount": "1"}), NearToken::ZERO),
        ("withdraw_all", json!({}), NearToken::ZERO),
        ("stake", json!({"amount": "1"}), NearToken::ZERO),
        ("stake_all", json!({}), NearToken::ZERO),
        ("unstake", json!({"amount": "1"}), NearToken::ZERO),
        ("unstake_all", json!({}), NearToken::ZERO),
    ] {
        p.owner_call(
            "fault_fail_next_calls",
            json!({"method_name": method, "count": 1}),
        )
        .assert_success();
        p.call(&alice, method, args, deposit)
            .assert_failure_contains(&format!("E_FAULT_INJECTED: {method}"));
    }
    let faults: Value = p.view("get_faults", json!({}));
    assert_eq!(faults["fail_next_calls"], json!([]));
    assert_eq!(p.staked(&alice), near(10).as_yoctonear(), "nothing changed");
}

#[test]
fn failing_views_fail_for_rpc_and_for_callers() {
    let mut p = faulty_pool();
    let caller = deploy_caller(&mut p);
    let alice = p.alice.clone();
    let out = p.owner_call("fault_fail_views", json!({"enabled": true}));
    assert_eq!(
        events(&out),
        vec![("fail_views".to_string(), json!({"enabled": true}))]
    );
    for view in [
        "get_account_staked_balance",
        "get_account_unstaked_balance",
        "get_account_total_balance",
        "is_account_unstaked_balance_available",
        "get_account",
    ] {
        let err = p
            .net
            .view::<Value>(&p.pool, view, json!({ "account_id": alice }))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("E_FAULT_INJECTED: {view}")),
            "{err}"
        );
    }
    let seen = call_through(
        &mut p,
        &caller,
        "get_account_total_balance",
        json!({ "account_id": alice }),
        NearToken::ZERO,
        10,
    );
    assert_eq!(seen, None);
    let owner: String = p.view("get_owner_id", json!({}));
    assert_eq!(owner, "owner.near", "settings stay readable");

    p.owner_call("fault_fail_views", json!({"enabled": false}))
        .assert_success();
    assert_eq!(p.staked(&alice), near(10).as_yoctonear());
}

#[test]
fn balance_delta_offsets_what_the_account_views_report() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    let staked = p.staked(&alice);
    let out = p.owner_call("fault_balance_delta", json!({"delta": "-1000"}));
    assert_eq!(
        events(&out),
        vec![("balance_delta".to_string(), json!({"delta": "-1000"}))]
    );
    assert_eq!(p.staked(&alice), staked - 1000);
    assert_eq!(p.total(&alice), staked - 1000);
    assert_eq!(p.unstaked(&alice), 0, "saturates at zero");

    p.owner_call(
        "fault_balance_delta",
        json!({"delta": "5000000000000000000000000"}),
    )
    .assert_success();
    assert_eq!(p.staked(&alice), staked + near(5).as_yoctonear());

    p.owner_call("fault_balance_delta", json!({"delta": "0"}))
        .assert_success();
    assert_eq!(p.staked(&alice), staked);
}

#[test]
fn the_pause_switch_unstakes_and_keeps_deposits_unstaked_at_the_chain() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    for _ in 0..2 {
        let out = p.owner_call("fault_pause_staking", json!({"paused": true}));
        out.assert_success();
        assert_eq!(stake_actions(&out), vec![0]);
        assert_eq!(
            events(&out),
            vec![("pause_staking".to_string(), json!({"paused": true}))]
        );
    }
    let paused: bool = p.view("is_staking_paused", json!({}));
    assert!(paused);
    let out = p.call(&alice, "deposit_and_stake", json!({}), near(5));
    out.assert_success();
    assert!(stake_actions(&out).is_empty());
    p.net.advance_epochs(3);
    assert_eq!(p.net.locked(&p.pool), NearToken::ZERO);

    let out = p.owner_call("fault_pause_staking", json!({"paused": false}));
    out.assert_success();
    assert_eq!(p.net.locked(&p.pool).as_yoctonear(), p.total_staked());
}

#[test]
fn burnt_gas_runs_callers_out_of_gas() {
    let mut p = faulty_pool();
    let caller = deploy_caller(&mut p);
    let alice = p.alice.clone();
    let out = p.owner_call(
        "fault_burn_gas",
        json!({"method_name": "deposit", "tgas": 60}),
    );
    assert_eq!(
        events(&out),
        vec![(
            "burn_gas".to_string(),
            json!({"method_name": "deposit", "tgas": 60})
        )]
    );
    // Less gas than the burn: the call fails and the deposit comes back.
    let before = p.net.balance(&alice).as_yoctonear();
    let out = p.call(&alice, "deposit", json!({}), near(1));
    out.assert_failure_contains("Exceeded the prepaid gas");
    assert_eq!(
        p.net.balance(&alice).as_yoctonear() + out.tokens_burnt().as_yoctonear(),
        before
    );
    // With enough gas it burns and then works.
    let out = p.call_with_gas(&alice, "deposit", json!({}), near(1), Gas::from_tgas(100));
    out.assert_success();
    assert!(out.receipts[0].gas_burnt >= Gas::from_tgas(60));
    assert_eq!(p.unstaked(&alice), near(1).as_yoctonear());

    // A view burning more than a caller attaches fails the caller's promise.
    p.owner_call(
        "fault_burn_gas",
        json!({"method_name": "get_account_total_balance", "tgas": 20}),
    )
    .assert_success();
    let seen = call_through(
        &mut p,
        &caller,
        "get_account_total_balance",
        json!({ "account_id": alice }),
        NearToken::ZERO,
        10,
    );
    assert_eq!(seen, None);

    p.owner_call("fault_reset", json!({})).assert_success();
    let faults: Value = p.view("get_faults", json!({}));
    assert_eq!(
        faults,
        json!({
            "fail_next_calls": [],
            "fail_views": false,
            "balance_delta": "0",
            "burn_gas": [],
            "malformed_reply": "none",
            "staking_paused": false,
        })
    );
    p.call(&alice, "deposit", json!({}), near(1))
        .assert_success();
}

#[test]
fn only_the_owner_sets_switches() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    for (method, args) in [
        (
            "fault_fail_next_calls",
            json!({"method_name": "stake", "count": 1}),
        ),
        ("fault_fail_views", json!({"enabled": true})),
        ("fault_balance_delta", json!({"delta": "1"})),
        ("fault_pause_staking", json!({"paused": true})),
        ("fault_burn_gas", json!({"method_name": "stake", "tgas": 1})),
        ("fault_reset", json!({})),
        ("fault_lose_principal", json!({"amount": "1"})),
        ("fault_malformed_reply", json!({"kind": "foreign_account"})),
    ] {
        p.call(&alice, method, args, NearToken::ZERO)
            .assert_failure_contains("Can only be called by the owner");
    }
    p.call(
        &alice,
        "fault_injected_failure",
        json!({"method_name": "stake"}),
        NearToken::ZERO,
    )
    .assert_failure_contains("Method fault_injected_failure is private");
}

#[test]
fn a_principal_loss_lowers_the_stake_at_the_chain_small_or_large() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    let mut lost = 0;
    for amount in [3, near(1).as_yoctonear(), p.total_staked() / 10 * 3] {
        let total = p.total_staked();
        let staked = p.staked(&alice);
        let out = p.owner_call(
            "fault_lose_principal",
            json!({"amount": amount.to_string()}),
        );
        out.assert_success();
        let after = p.total_staked();
        // A ping in this call may have added a reward first.
        let reward = logged_reward(&out).unwrap_or(0);
        assert_eq!(after, total + reward - amount);
        assert_eq!(stake_actions(&out), vec![after]);
        let lost_event = events(&out).pop().unwrap();
        assert_eq!(
            lost_event,
            (
                "principal_lost".to_string(),
                json!({"amount": amount.to_string(), "total_staked_balance": after.to_string()})
            )
        );
        if amount > 3 {
            assert!(p.staked(&alice) < staked, "every share lost value");
        }
        lost += amount;
    }
    // The chain releases the excess; the pool stakes exactly its total.
    p.net.advance_epochs(3);
    p.call(&alice, "ping", json!({}), NearToken::ZERO)
        .assert_success();
    assert_eq!(p.net.locked(&p.pool).as_yoctonear(), p.total_staked());
    assert!(lost > near(14).as_yoctonear());
}

#[test]
fn after_a_large_loss_a_full_exit_pays_less_and_the_loss_is_no_reward() {
    let mut p = faulty_pool();
    let alice = p.alice.clone();
    let loss = p.total_staked() / 10 * 3;
    p.owner_call("fault_lose_principal", json!({"amount": loss.to_string()}))
        .assert_success();
    p.net.advance_epochs(1);
    let out = p.call(&alice, "ping", json!({}), NearToken::ZERO);
    out.assert_success();
    // Only the chain's 0.1% per epoch comes back as reward, not the loss.
    let reward = logged_reward(&out).unwrap_or(0);
    assert!(reward < near(1).as_yoctonear(), "{reward}");

    p.call(&alice, "unstake_all", json!({}), NearToken::ZERO)
        .assert_success();
    p.net.advance_epochs(5);
    let out = p.call(&alice, "withdraw_all", json!({}), NearToken::ZERO);
    out.assert_success();
    let paid: u128 = transfers(&out)
        .into_iter()
        .filter(|(to, _)| *to == alice)
        .map(|(_, a)| a)
        .sum();
    // 10 NEAR staked, 30% lost, a few epochs of 0.1% rewards.
    assert!(
        paid > near(6).as_yoctonear()
            && paid < near(7).as_yoctonear() + near(1).as_yoctonear() / 10,
        "{paid}"
    );
    assert_eq!(p.total(&alice), 0);
}

#[test]
fn malformed_replies_reach_rpc_and_callers() {
    let mut p = faulty_pool();
    let caller = deploy_caller(&mut p);
    let alice = p.alice.clone();
    let out = p.owner_call("fault_malformed_reply", json!({"kind": "foreign_account"}));
    assert_eq!(
        events(&out),
        vec![(
            "malformed_reply".to_string(),
            json!({"kind": "foreign_account"})
        )]
    );
    let account: Value = p.view("get_account", json!({ "account_id": alice }));
    assert_eq!(account["account_id"], json!("pool.near"));
    assert_eq!(
        account["staked_balance"],
        json!(p.staked(&alice).to_string())
    );
    let seen = call_through(
        &mut p,
        &caller,
        "get_account",
        json!({ "account_id": alice }),
        NearToken::ZERO,
        10,
    )
    .unwrap();
    assert!(seen.contains("\"account_id\":\"pool.near\""), "{seen}");

    p.owner_call(
        "fault_malformed_reply",
        json!({"kind": "non_number_balance"}),
    )
    .assert_success();
    let staked: Value = p.view("get_account_staked_balance", json!({ "account_id": alice }));
    assert_eq!(staked, json!("not-a-number"));
    let seen = call_through(
        &mut p,
        &caller,
        "get_account",
        json!({ "account_id": alice }),
        NearToken::ZERO,
        10,
    )
    .unwrap();
    assert!(
        seen.contains("\"staked_balance\":\"not-a-number\""),
        "{seen}"
    );

    p.owner_call("fault_malformed_reply", json!({"kind": "none"}))
        .assert_success();
    assert_eq!(p.staked(&alice), near(10).as_yoctonear());
    let account: Value = p.view("get_account", json!({ "account_id": alice }));
    assert_eq!(account["account_id"], json!("alice.near"));
}
