//! `fault_malformed_reply`: views answering what a careful client must
//! reject. What the wasm export sends is the view's serialised result, so
//! the tests look at the JSON.

use near_sdk::serde_json::{json, to_value, Value};

use super::faults::{busy_pool, event, events, faults};
use super::harness::*;
use crate::faults::{MalformedReply, NON_NUMBER_BALANCE};

fn set(chain: &mut Chain, kind: MalformedReply) {
    chain.call(&owner(), 0, |p| p.fault_malformed_reply(kind));
}

/// Every balance view's JSON for Alice (and the pool's total).
fn balance_views(chain: &Chain) -> Vec<Value> {
    chain.view(|p| {
        vec![
            to_value(p.get_account_staked_balance(alice())).unwrap(),
            to_value(p.get_account_unstaked_balance(alice())).unwrap(),
            to_value(p.get_account_total_balance(alice())).unwrap(),
            to_value(p.get_total_staked_balance()).unwrap(),
        ]
    })
}

fn account_views(chain: &Chain, id: near_sdk::AccountId) -> (Value, Value) {
    chain.view(|p| {
        (
            to_value(p.get_account(id.clone())).unwrap(),
            to_value(p.get_accounts(0, 10)).unwrap(),
        )
    })
}

#[test]
fn foreign_account_names_another_account_on_true_balances() {
    let mut chain = busy_pool();
    let (honest, honest_list) = account_views(&chain, alice());
    assert_eq!(honest["account_id"], json!("alice.near"));
    set(&mut chain, MalformedReply::ForeignAccount);
    assert_eq!(
        events(&chain),
        vec![event("malformed_reply", json!({"kind": "foreign_account"}))]
    );
    let (reply, list) = account_views(&chain, alice());
    let mut expected = honest.clone();
    expected["account_id"] = json!("pool.near");
    assert_eq!(reply, expected);
    for (entry, honest_entry) in list
        .as_array()
        .unwrap()
        .iter()
        .zip(honest_list.as_array().unwrap())
    {
        assert_eq!(entry["account_id"], json!("pool.near"));
        assert_eq!(entry["staked_balance"], honest_entry["staked_balance"]);
    }
    // Asked about the pool itself, the reply names the owner.
    let (reply, _) = account_views(&chain, pool_id());
    assert_eq!(reply["account_id"], json!("owner.near"));
    // The plain balance views have no account id to get wrong.
    let before = balance_views(&busy_pool());
    assert_eq!(balance_views(&chain), before);
}

#[test]
fn non_number_balance_answers_strings_that_are_not_numbers() {
    let mut chain = busy_pool();
    set(&mut chain, MalformedReply::NonNumberBalance);
    for reply in balance_views(&chain) {
        assert_eq!(reply, json!(NON_NUMBER_BALANCE));
    }
    let (reply, list) = account_views(&chain, alice());
    assert_eq!(reply["account_id"], json!("alice.near"));
    assert_eq!(reply["staked_balance"], json!(NON_NUMBER_BALANCE));
    assert_eq!(reply["unstaked_balance"], json!(NON_NUMBER_BALANCE));
    assert_eq!(reply["can_withdraw"], json!(true));
    for entry in list.as_array().unwrap() {
        assert_eq!(entry["staked_balance"], json!(NON_NUMBER_BALANCE));
    }
    // What the router parses the reply as must refuse it.
    assert!(
        near_sdk::serde_json::from_value::<meta_common::ext::HumanReadableAccount>(reply).is_err()
    );
}

#[test]
fn the_pool_itself_keeps_its_true_books_under_a_malformed_reply() {
    let mut chain = busy_pool();
    let staked = chain.staked(&alice());
    set(&mut chain, MalformedReply::NonNumberBalance);
    // Native callers read the true value; unstaking it works.
    assert_eq!(chain.staked(&alice()), staked);
    chain.unstake(&alice(), staked);
    assert_eq!(chain.shares(&alice()), 0);
}

#[test]
fn none_or_reset_clears_a_malformed_reply() {
    let honest = busy_pool();
    let honest_views = (balance_views(&honest), account_views(&honest, alice()));
    for clear in [true, false] {
        let mut chain = busy_pool();
        set(&mut chain, MalformedReply::NonNumberBalance);
        assert_eq!(
            faults(&chain)["malformed_reply"],
            json!("non_number_balance")
        );
        if clear {
            set(&mut chain, MalformedReply::None);
        } else {
            chain.call(&owner(), 0, |p| p.fault_reset());
        }
        assert_eq!(faults(&chain)["malformed_reply"], json!("none"));
        assert_eq!(
            (balance_views(&chain), account_views(&chain, alice())),
            honest_views
        );
    }
}
