//! The fault switches (only with the `test` feature): each on, acting, and
//! off again.

use std::panic::{catch_unwind, AssertUnwindSafe};

use near_sdk::json_types::{I128, U128};
use near_sdk::mock::MockAction;
use near_sdk::serde_json::{self, json, Value};
use near_sdk::test_utils::get_logs;
use near_sdk::{env, testing_env, AccountId, Gas};

use super::harness::*;
use crate::errors::ERR_NOT_OWNER;
use crate::faults::*;
use crate::TestPool;

/// Alice has 10 NEAR staked and 1 NEAR unstaked, Bob 2 NEAR staked and
/// 3 NEAR unstaked (unlocked).
pub(super) fn busy_pool() -> Chain {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.deposit(&alice(), NEAR);
    chain.deposit_and_stake(&bob(), 2 * NEAR);
    chain.deposit(&bob(), 3 * NEAR);
    chain
}

/// The NEP-297 events among the last call's logs.
pub(super) fn events(chain: &Chain) -> Vec<Value> {
    chain
        .logs
        .iter()
        .filter_map(|log| log.strip_prefix("EVENT_JSON:"))
        .map(|json| serde_json::from_str(json).unwrap())
        .collect()
}

pub(super) fn event(name: &str, data: Value) -> Value {
    json!({"standard": "test_pool_faults", "version": "1.0.0", "event": name, "data": data})
}

pub(super) fn faults(chain: &Chain) -> Value {
    serde_json::to_value(chain.view(|p| p.get_faults())).unwrap()
}

/// Everything a failed call must leave untouched.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    total_staked_balance: u128,
    total_stake_shares: u128,
    last_total_balance: u128,
    last_epoch_height: u64,
    /// (account, unstaked, shares)
    accounts: Vec<(AccountId, u128, u128)>,
}

fn snapshot(chain: &Chain) -> Snapshot {
    Snapshot {
        total_staked_balance: chain.pool.total_staked_balance,
        total_stake_shares: chain.pool.total_stake_shares,
        last_total_balance: chain.pool.last_total_balance,
        last_epoch_height: chain.pool.last_epoch_height,
        accounts: chain
            .pool
            .accounts
            .iter()
            .map(|(id, a)| (id.clone(), a.unstaked, a.stake_shares))
            .collect(),
    }
}

/// Runs a method of the interface by name as `who`, with a deposit for the
/// payable ones.
fn call_by_name(chain: &mut Chain, who: &AccountId, method_name: &str) {
    let deposit = match method_name {
        "deposit" | "deposit_and_stake" => NEAR,
        _ => 0,
    };
    chain.call(who, deposit, |p| match method_name {
        "ping" => p.ping(),
        "deposit" => p.deposit(),
        "deposit_and_stake" => p.deposit_and_stake(),
        "withdraw" => p.withdraw(U128(NEAR)),
        "withdraw_all" => p.withdraw_all(),
        "stake" => p.stake(U128(NEAR)),
        "stake_all" => p.stake_all(),
        "unstake" => p.unstake(U128(NEAR)),
        "unstake_all" => p.unstake_all(),
        other => panic!("not a mutating method: {other}"),
    });
}

/// The panic message of `f`, if it panicked.
pub(super) fn panic_message(f: impl FnOnce()) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(f)).err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

/// Whether a panic message carries `expected`: as is (`require!`) or quoted
/// inside the mocked host's error (`env::panic_str`).
pub(super) fn carries(message: Option<String>, expected: &str) -> bool {
    message.is_some_and(|m| m == expected || m.contains(&format!("\"{expected}\"")))
}

/// Runs a balance view by name.
fn view_by_name(p: &TestPool, method_name: &str) {
    let id = alice();
    match method_name {
        "get_account_unstaked_balance" => drop(p.get_account_unstaked_balance(id)),
        "get_account_staked_balance" => drop(p.get_account_staked_balance(id)),
        "get_account_total_balance" => drop(p.get_account_total_balance(id)),
        "is_account_unstaked_balance_available" => {
            p.is_account_unstaked_balance_available(id);
        }
        "get_total_staked_balance" => drop(p.get_total_staked_balance()),
        "get_account" => drop(p.get_account(id)),
        "get_accounts" => drop(p.get_accounts(0, 10)),
        other => panic!("not a balance view: {other}"),
    }
}

#[test]
fn fail_next_calls_fails_exactly_that_many_calls() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("deposit_and_stake".into(), 2)
    });
    assert_eq!(
        events(&chain),
        vec![event(
            "fail_next_calls",
            json!({"method_name": "deposit_and_stake", "count": 2})
        )]
    );
    assert_eq!(
        faults(&chain)["fail_next_calls"],
        json!([{"method_name": "deposit_and_stake", "count": 2}])
    );

    for calls_left in [1u32, 0] {
        let before = snapshot(&chain);
        let balance = chain.balance;
        chain.deposit_and_stake(&carol(), 5 * NEAR);

        assert_eq!(snapshot(&chain), before, "a failed call changes nothing");
        assert_eq!(
            chain.transfers(),
            vec![(carol(), 5 * NEAR)],
            "deposit returned"
        );
        assert_eq!(chain.balance, balance);
        assert!(chain.stake_actions().is_empty());
        assert_eq!(
            chain.function_calls(),
            vec![(
                pool_id(),
                "fault_injected_failure".to_string(),
                json!({"method_name": "deposit_and_stake"}).to_string()
            )]
        );
        let failure_gas = chain
            .receipts
            .iter()
            .flat_map(|r| &r.actions)
            .find_map(|a| match a {
                MockAction::FunctionCallWeight { prepaid_gas, .. } => Some(*prepaid_gas),
                _ => None,
            });
        assert_eq!(failure_gas, Some(FAULT_FAILURE_GAS));
        assert_eq!(
            events(&chain),
            vec![event(
                "call_failed",
                json!({"method_name": "deposit_and_stake", "calls_left": calls_left})
            )]
        );
    }
    assert_eq!(faults(&chain)["fail_next_calls"], json!([]));

    chain.deposit_and_stake(&carol(), 5 * NEAR);
    assert_eq!(
        chain.staked(&carol()),
        5 * NEAR,
        "the next call goes through"
    );
    assert!(chain
        .function_calls()
        .iter()
        .all(|(_, m, _)| m != "fault_injected_failure"));
}

#[test]
fn a_failed_call_does_not_distribute_rewards() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| p.fault_fail_next_calls("ping".into(), 1));
    let total = chain.pool.total_staked_balance;
    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total + NEAR);
}

#[test]
fn every_mutating_method_can_be_failed() {
    for method_name in MUTATING_METHODS {
        let mut chain = busy_pool();
        chain.call(&owner(), 0, |p| {
            p.fault_fail_next_calls(method_name.into(), 1)
        });
        let before = snapshot(&chain);
        call_by_name(&mut chain, &bob(), method_name);
        assert_eq!(snapshot(&chain), before, "{method_name}");
        assert_eq!(
            chain.function_calls(),
            vec![(
                pool_id(),
                "fault_injected_failure".to_string(),
                json!({ "method_name": method_name }).to_string()
            )],
            "{method_name}"
        );
        // With the switch spent, the same call works (Bob has what each needs).
        call_by_name(&mut chain, &bob(), method_name);
        assert!(
            chain.function_calls().is_empty() || chain.function_calls()[0].1 == "on_stake_action",
            "{method_name}"
        );
    }
}

#[test]
#[should_panic(expected = "E_FAULT_INJECTED: withdraw")]
fn the_failing_end_panics_with_the_method_name() {
    let mut chain = busy_pool();
    chain.call(&pool_id(), 0, |p| {
        p.fault_injected_failure("withdraw".into())
    });
}

#[test]
fn a_count_replaces_the_previous_one_and_zero_clears_it() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("unstake".into(), 5)
    });
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("withdraw".into(), 1)
    });
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("unstake".into(), 2)
    });
    assert_eq!(
        faults(&chain)["fail_next_calls"],
        json!([
            {"method_name": "withdraw", "count": 1},
            {"method_name": "unstake", "count": 2},
        ])
    );
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("unstake".into(), 0)
    });
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("withdraw".into(), 0)
    });
    assert_eq!(faults(&chain)["fail_next_calls"], json!([]));
    chain.unstake(&alice(), NEAR);
    assert!(chain.unstaked(&alice()) > NEAR);
}

#[test]
#[should_panic(expected = "E_FAULT_NOT_MUTATING")]
fn fail_next_calls_rejects_a_view() {
    busy_pool().call(&owner(), 0, |p| {
        p.fault_fail_next_calls("get_account".into(), 1)
    });
}

#[test]
#[should_panic(expected = "E_FAULT_NOT_MUTATING")]
fn fail_next_calls_rejects_an_unknown_method() {
    busy_pool().call(&owner(), 0, |p| {
        p.fault_fail_next_calls("depositt".into(), 1)
    });
}

#[test]
fn fail_views_makes_every_balance_view_panic_until_cleared() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| p.fault_fail_views(true));
    assert_eq!(
        events(&chain),
        vec![event("fail_views", json!({"enabled": true}))]
    );
    for method_name in BALANCE_VIEWS {
        let message = panic_message(|| chain.view(|p| view_by_name(p, method_name)));
        let expected = format!("{ERR_FAULT_INJECTED}{method_name}");
        assert!(carries(message, &expected), "{method_name}");
    }
    // The pool's settings stay readable, and calls still work.
    chain.view(|p| {
        assert_eq!(p.get_owner_id(), owner());
        assert_eq!(p.get_number_of_accounts(), 2);
    });
    chain.deposit(&carol(), NEAR);

    chain.call(&owner(), 0, |p| p.fault_fail_views(false));
    for method_name in BALANCE_VIEWS {
        chain.view(|p| view_by_name(p, method_name));
    }
}

#[test]
#[should_panic(expected = "E_FAULT_INJECTED: get_account_staked_balance")]
fn a_failing_view_panics_with_its_name() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| p.fault_fail_views(true));
    chain.staked(&alice());
}

#[test]
fn balance_delta_offsets_every_account_balance() {
    let mut chain = busy_pool();
    let staked = chain.staked(&alice());
    let unstaked = chain.unstaked(&alice());
    let total_staked = chain.view(|p| u(p.get_total_staked_balance()));
    let delta = 12_345i128;
    chain.call(&owner(), 0, |p| p.fault_balance_delta(I128(delta)));
    assert_eq!(
        events(&chain),
        vec![event("balance_delta", json!({"delta": "12345"}))]
    );
    let d = delta as u128;
    chain.view(|p| {
        assert_eq!(u(p.get_account_staked_balance(alice())), staked + d);
        assert_eq!(u(p.get_account_unstaked_balance(alice())), unstaked + d);
        assert_eq!(
            u(p.get_account_total_balance(alice())),
            staked + unstaked + d
        );
        let account = p.get_account(alice());
        assert_eq!(account.staked_balance.0, staked + d);
        assert_eq!(account.unstaked_balance.0, unstaked + d);
        assert_eq!(p.get_accounts(0, 1)[0], account);
        // An unknown account reports the delta too; the totals do not move.
        assert_eq!(
            u(p.get_account_staked_balance("x.near".parse().unwrap())),
            d
        );
        assert_eq!(u(p.get_total_staked_balance()), total_staked);
    });
    // The true balances still govern: Alice cannot unstake the extra.
    assert!(panic_message(|| chain.unstake(&alice(), staked + d)).is_some());
    chain.unstake(&alice(), staked);

    chain.call(&owner(), 0, |p| p.fault_balance_delta(I128(0)));
    assert_eq!(faults(&chain)["balance_delta"], json!("0"));
    assert_eq!(chain.staked(&alice()), 0);
}

#[test]
fn a_negative_balance_delta_saturates_at_zero() {
    let mut chain = busy_pool();
    let staked = chain.staked(&alice());
    let unstaked = chain.unstaked(&alice());
    chain.call(&owner(), 0, |p| {
        p.fault_balance_delta(I128(-(NEAR as i128)))
    });
    assert_eq!(chain.staked(&alice()), staked - NEAR);
    assert_eq!(chain.unstaked(&alice()), unstaked - NEAR);
    assert_eq!(chain.unstaked(&bob()), 2 * NEAR);
    chain.call(&owner(), 0, |p| p.fault_balance_delta(I128(i128::MIN)));
    assert_eq!(chain.staked(&alice()), 0);
    assert_eq!(chain.view(|p| u(p.get_account_total_balance(alice()))), 0);
    assert_eq!(
        faults(&chain)["balance_delta"],
        json!(i128::MIN.to_string())
    );
}

#[test]
fn pause_staking_switch_pauses_and_resumes_repeatably() {
    let mut chain = busy_pool();
    for _ in 0..2 {
        chain.call(&owner(), 0, |p| p.fault_pause_staking(true));
        assert!(chain.view(|p| p.is_staking_paused()));
        assert_eq!(
            events(&chain),
            vec![event("pause_staking", json!({"paused": true}))]
        );
        let actions = chain.stake_actions();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].stake, 0);
        assert!(!actions[0].with_callback);
        assert_eq!(chain.locked, 0);
    }
    assert_eq!(faults(&chain)["staking_paused"], json!(true));
    // Deposits stay bookkeeping: no stake action while paused.
    chain.deposit_and_stake(&carol(), 2 * NEAR);
    assert!(chain.stake_actions().is_empty());
    assert_eq!(chain.staked(&carol()), 2 * NEAR);
    assert_eq!(chain.locked, 0);

    for _ in 0..2 {
        chain.call(&owner(), 0, |p| p.fault_pause_staking(false));
        assert!(!chain.view(|p| p.is_staking_paused()));
        let actions = chain.stake_actions();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].stake, chain.pool.total_staked_balance);
        assert!(actions[0].with_callback);
        assert_eq!(chain.locked, chain.pool.total_staked_balance);
    }
    assert_eq!(faults(&chain)["staking_paused"], json!(false));
}

/// Runs `deposit` from Alice with `prepaid` gas; returns the gas it used.
fn gas_of_a_deposit(chain: &mut Chain, prepaid: Gas) -> Gas {
    let mut context = context(&alice(), chain.balance, chain.locked, chain.epoch, NEAR);
    context.prepaid_gas = prepaid;
    testing_env!(context);
    chain.pool.deposit();
    chain.balance += NEAR;
    env::used_gas()
}

#[test]
fn burn_gas_burns_about_the_given_tgas_in_that_method_only() {
    let mut chain = busy_pool();
    let plain = gas_of_a_deposit(&mut chain, Gas::from_tgas(300));
    chain.call(&owner(), 0, |p| p.fault_burn_gas("deposit".into(), 50));
    assert_eq!(
        events(&chain),
        vec![event(
            "burn_gas",
            json!({"method_name": "deposit", "tgas": 50})
        )]
    );
    let burning = gas_of_a_deposit(&mut chain, Gas::from_tgas(300));
    assert!(
        burning.as_gas()
            >= plain.as_gas() + Gas::from_tgas(50).as_gas() - Gas::from_tgas(1).as_gas()
    );
    assert!(burning.as_gas() <= plain.as_gas() + Gas::from_tgas(51).as_gas());
    assert!(get_logs()[0].contains("\"event\":\"gas_burnt\""));

    // Other methods are not slowed.
    chain.call(&alice(), 0, |p| {
        p.withdraw(U128(NEAR));
        assert!(env::used_gas() < Gas::from_tgas(10));
    });

    chain.call(&owner(), 0, |p| p.fault_burn_gas("deposit".into(), 0));
    assert_eq!(faults(&chain)["burn_gas"], json!([]));
    let cleared = gas_of_a_deposit(&mut chain, Gas::from_tgas(300));
    assert!(cleared < Gas::from_tgas(10));
}

#[test]
fn burn_gas_runs_a_caller_with_less_gas_out_of_gas() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| p.fault_burn_gas("deposit".into(), 50));
    let message = panic_message(|| {
        gas_of_a_deposit(&mut chain, Gas::from_tgas(40));
    });
    assert!(message.unwrap().contains("GasExceeded"));
    // The pool's collections write on drop; let them, with gas to spare.
    testing_env!(context(
        &pool_id(),
        chain.balance,
        chain.locked,
        chain.epoch,
        0
    ));
}

#[test]
fn burn_gas_applies_to_a_view_called_as_a_function() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| {
        p.fault_burn_gas("get_account_staked_balance".into(), 20)
    });
    chain.view(|p| {
        p.get_account_staked_balance(alice());
        assert!(env::used_gas() >= Gas::from_tgas(20));
    });
    chain.view(|p| {
        p.get_account_unstaked_balance(alice());
        assert!(env::used_gas() < Gas::from_tgas(5));
    });
}

#[test]
#[should_panic(expected = "E_FAULT_BURN_TOO_HIGH")]
fn burn_gas_above_a_transaction_is_rejected() {
    busy_pool().call(&owner(), 0, |p| {
        p.fault_burn_gas("deposit".into(), MAX_BURN_TGAS + 1)
    });
}

#[test]
#[should_panic(expected = "E_FAULT_UNKNOWN_METHOD")]
fn burn_gas_rejects_an_unknown_method() {
    busy_pool().call(&owner(), 0, |p| p.fault_burn_gas("get_owner_id".into(), 5));
}

#[test]
fn reset_clears_every_stored_switch_but_not_the_pause() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| {
        p.fault_fail_next_calls("stake".into(), 3);
        p.fault_fail_views(true);
        p.fault_balance_delta(I128(-7));
        p.fault_burn_gas("unstake".into(), 4);
        p.fault_pause_staking(true);
        p.fault_malformed_reply(MalformedReply::ForeignAccount);
    });
    assert_eq!(
        faults(&chain),
        json!({
            "fail_next_calls": [{"method_name": "stake", "count": 3}],
            "fail_views": true,
            "balance_delta": "-7",
            "burn_gas": [{"method_name": "unstake", "tgas": 4}],
            "malformed_reply": "foreign_account",
            "staking_paused": true,
        })
    );
    chain.call(&owner(), 0, |p| p.fault_reset());
    assert_eq!(events(&chain), vec![event("reset", json!({}))]);
    assert_eq!(
        faults(&chain),
        json!({
            "fail_next_calls": [],
            "fail_views": false,
            "balance_delta": "0",
            "burn_gas": [],
            "malformed_reply": "none",
            "staking_paused": true,
        })
    );
    assert_eq!(env::storage_read(b"faults"), None, "no fault, no storage");
}

#[test]
fn only_the_owner_sets_fault_switches() {
    type Attempt = Box<dyn Fn(&mut TestPool)>;
    let attempts: Vec<(&str, Attempt)> = vec![
        (
            "fault_fail_next_calls",
            Box::new(|p| p.fault_fail_next_calls("stake".into(), 1)),
        ),
        ("fault_fail_views", Box::new(|p| p.fault_fail_views(true))),
        (
            "fault_balance_delta",
            Box::new(|p| p.fault_balance_delta(I128(1))),
        ),
        (
            "fault_pause_staking",
            Box::new(|p| p.fault_pause_staking(true)),
        ),
        (
            "fault_burn_gas",
            Box::new(|p| p.fault_burn_gas("stake".into(), 1)),
        ),
        ("fault_reset", Box::new(|p| p.fault_reset())),
        (
            "fault_lose_principal",
            Box::new(|p| p.fault_lose_principal(U128(1))),
        ),
        (
            "fault_malformed_reply",
            Box::new(|p| p.fault_malformed_reply(MalformedReply::NonNumberBalance)),
        ),
    ];
    for (name, attempt) in attempts {
        let mut chain = busy_pool();
        let message = panic_message(|| chain.call(&alice(), 0, |p| attempt(p)));
        assert!(carries(message, ERR_NOT_OWNER), "{name}");
    }
}

#[test]
fn a_fresh_pool_has_no_fault() {
    let chain = Chain::new();
    assert_eq!(
        faults(&chain),
        json!({
            "fail_next_calls": [],
            "fail_views": false,
            "balance_delta": "0",
            "burn_gas": [],
            "malformed_reply": "none",
            "staking_paused": false,
        })
    );
}
