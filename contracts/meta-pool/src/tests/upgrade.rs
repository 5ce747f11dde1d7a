//! Upgrades (issue 14): only governance may replace the router's code,
//! `upgrade` deploys it and calls `migrate` in one receipt, and `migrate`
//! carries the versioned state over unchanged.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::world::*;
use crate::config::EPOCH_BLOCKS;
use crate::upgrade::STATE_VERSION;
use crate::MetaPool;
use meta_common::upgrade::{deploy_and_migrate_gas, upgrade_call_gas, GAS_FOR_MIGRATE};
use near_sdk::mock::MockAction;
use near_sdk::serde_json::{json, Value};
use near_sdk::state::ContractState;
use near_sdk::test_utils::{get_created_receipts, get_logs, VMContextBuilder};
use near_sdk::{borsh, env, testing_env, Gas, NearToken, RuntimeFeesConfig};

/// A "wasm module" of `len` bytes after the magic and version.
fn wasm(len: usize) -> Vec<u8> {
    let mut code = b"\0asm\x01\0\0\0".to_vec();
    code.extend((0..len).map(|i| (i * 7) as u8));
    code
}

/// A call to the router by `who` whose raw arguments are `input`.
fn context_with_input(w: &World, who: &str, input: &[u8], gas: Gas) {
    let mut ctx = VMContextBuilder::new()
        .current_account_id(id(ROUTER))
        .predecessor_account_id(id(who))
        .signer_account_id(id(who))
        .account_balance(NearToken::from_yoctonear(w.balance))
        .epoch_height(w.epoch)
        .block_height(w.epoch * EPOCH_BLOCKS + w.block_offset)
        .prepaid_gas(gas)
        .build();
    ctx.input = input.into();
    testing_env!(ctx, near_sdk::test_vm_config(), RuntimeFeesConfig::test());
}

fn upgrade(w: &World, who: &str, code: &[u8], gas: Gas) {
    context_with_input(w, who, code, gas);
    w.c.upgrade();
}

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn assert_refused(code: &str, f: impl FnOnce()) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected {code}, the call succeeded"),
        Err(e) => {
            let msg = panic_text(e);
            assert!(msg.contains(code), "expected {code}, got: {msg}");
        }
    }
}

/// Writes the router as the runtime does at the end of a call: the
/// versioned state and every collection's cached changes.
fn commit(w: &mut World) {
    ContractState::state_write(&w.c);
    let old = std::mem::replace(
        &mut w.c,
        <MetaPool as ContractState>::state_read().expect("state"),
    );
    drop(old); // flushes its collections
}

fn stored_state() -> Vec<u8> {
    env::storage_read(b"STATE").expect("state")
}

// ---- upgrade ---------------------------------------------------------------

#[test]
fn upgrade_is_refused_to_anyone_but_governance() {
    let w = World::with_validators(1);
    assert!(
        w.view().get_config().bootstrap,
        "the owner still bootstraps"
    );
    let code = wasm(1_000);
    for who in [OWNER, "mallory.near", ROUTER, SNEAR, WHITELIST, TREASURY] {
        assert_refused("E_NOT_GOVERNANCE", || {
            upgrade(&w, who, &code, Gas::from_tgas(300))
        });
        assert!(get_created_receipts().is_empty(), "{who}");
    }
}

#[test]
#[should_panic(expected = "E_NO_CODE")]
fn upgrade_from_governance_without_code_is_refused() {
    let w = World::new();
    upgrade(&w, GOV, &[], Gas::from_tgas(300));
}

#[test]
fn upgrade_without_gas_for_the_deploy_and_migration_is_refused() {
    let w = World::new();
    let code = wasm(50_000);
    let short = Gas::from_gas(deploy_and_migrate_gas(code.len() as u64).as_gas() - 1);
    assert_refused("E_UPGRADE_GAS", || upgrade(&w, GOV, &code, short));
    assert!(get_created_receipts().is_empty());
}

#[test]
fn upgrade_from_governance_deploys_the_code_and_migrates_in_one_receipt() {
    let mut w = World::with_validators(2);
    commit(&mut w);
    let before = stored_state();
    let code = wasm(50_000);
    // What governance attaches to the call.
    upgrade(&w, GOV, &code, upgrade_call_gas(code.len() as u64));
    let r = get_created_receipts();
    assert_eq!(
        r.len(),
        1,
        "one receipt: a failed migration undoes the deploy"
    );
    assert_eq!(r[0].receiver_id, id(ROUTER));
    assert!(r[0].receipt_indices.is_empty());
    assert_eq!(r[0].actions.len(), 2);
    match &r[0].actions[0] {
        MockAction::DeployContract { code: deployed, .. } => assert_eq!(deployed, &code),
        other => panic!("expected the deploy first, got {other:?}"),
    }
    match &r[0].actions[1] {
        MockAction::FunctionCallWeight {
            method_name,
            args,
            attached_deposit,
            prepaid_gas,
            ..
        } => {
            assert_eq!(method_name, b"migrate");
            assert!(args.is_empty());
            assert_eq!(attached_deposit.as_yoctonear(), 0);
            assert_eq!(*prepaid_gas, GAS_FOR_MIGRATE);
        }
        other => panic!("expected migrate second, got {other:?}"),
    }
    assert!(get_logs().is_empty(), "the old code emits nothing");
    assert_eq!(stored_state(), before, "upgrade itself changes no state");
}

// ---- versioned state and migrate -----------------------------------------------

#[test]
fn the_router_state_is_stored_with_its_upgrade_version_byte() {
    let mut w = World::with_validators(1);
    assert_eq!(w.view().get_state_version(), 1);
    assert_eq!(STATE_VERSION, 1);
    commit(&mut w);
    let stored = stored_state();
    assert_eq!(stored[0], 1);
    assert_eq!(&stored[1..], borsh::to_vec(&w.c).unwrap().as_slice());
}

/// Every view of the router, for comparison across a migration.
fn all_views(w: &World, accounts: &[&str], lockup: &str) -> Value {
    let c = w.view();
    let details: Vec<_> = accounts
        .iter()
        .map(|a| c.get_account_details(id(a)))
        .collect();
    let pool_accounts: Vec<_> = accounts.iter().map(|a| c.get_account(id(a))).collect();
    json!({
        "summary": c.get_pool_summary(),
        "config": c.get_config(),
        "pool_state": c.get_pool_state(),
        "validators": c.get_validators(0, 100),
        "number_of_validators": c.get_number_of_validators(),
        "accounts": c.get_accounts(0, 100),
        "number_of_accounts": c.get_number_of_accounts(),
        "details": details,
        "pool_accounts": pool_accounts,
        "epoch_status": c.get_epoch_status(),
        "total_staked": c.get_total_staked_balance(),
        "unplaced": c.get_unplaced_stake(),
        "owner": c.get_owner_id(),
        "fee": c.get_reward_fee_fraction(),
        "staking_key": c.get_staking_key(),
        "lockup_meta": c.get_lockup_governance_tokens(id(lockup)),
        "paused": c.is_staking_paused(),
        "version": c.get_state_version(),
    })
}

/// The router with stake on validators, a lockup with an unstake waiting,
/// a liquid holder and an epoch of rewards and emission behind it.
fn busy_world() -> (World, String) {
    let (mut w, lockup) = World::with_placed_lockup();
    w.deposit_and_stake("alice.near", near(20));
    w.unstake(&lockup, near(9));
    w.keeper();
    w.next_epoch(10);
    w.keeper();
    w.block_offset = 1_000;
    (w, lockup)
}

/// Runs the router's `migrate` as the receipt `upgrade` creates would.
fn migrate(w: &mut World) {
    context_with_input(w, ROUTER, &[], Gas::from_tgas(300));
    w.c = MetaPool::migrate();
}

#[test]
fn an_upgrade_migration_keeps_every_view_and_the_stored_state() {
    let (mut w, lockup) = busy_world();
    let accounts = ["alice.near", lockup.as_str(), "owner1.near", "nobody.near"];
    let before = all_views(&w, &accounts, &lockup);
    assert!(before["lockup_meta"].as_str().unwrap() != "0");
    assert!(before["number_of_accounts"].as_u64().unwrap() > 0);
    commit(&mut w);
    let stored = stored_state();

    migrate(&mut w);
    let e = events_in(&get_logs(), "state_migrated");
    assert_eq!(e, vec![json!({"from_version": 1, "to_version": 1})]);
    assert_eq!(get_logs().len(), 1, "nothing else");
    assert_eq!(all_views(&w, &accounts, &lockup), before);
    ContractState::state_write(&w.c);
    assert_eq!(stored_state(), stored, "the same bytes");

    // The migrated router goes on: the books balance and the lockup
    // withdraws at its quote.
    w.keeper();
    for _ in 0..10 {
        if w.view().is_account_unstaked_balance_available(id(&lockup)) {
            break;
        }
        w.next_epoch(10);
        w.keeper();
    }
    assert!(w.view().is_account_unstaked_balance_available(id(&lockup)));
    w.withdraw_all(&lockup);
    assert_eq!(w.view().get_account_unstaked_balance(id(&lockup)).0, 0);
    w.check();
}

#[test]
#[should_panic(expected = "E_STATE_VERSION")]
fn an_upgrade_migration_refuses_an_unknown_state_version() {
    let mut w = World::with_validators(1);
    let body = borsh::to_vec(&w.c).unwrap();
    env::storage_write(b"STATE", &[&[9u8][..], &body].concat());
    migrate(&mut w);
}

#[test]
fn an_upgrade_migration_refusing_a_later_version_changes_nothing() {
    let mut w = World::with_validators(1);
    let body = borsh::to_vec(&w.c).unwrap();
    let later = [&[STATE_VERSION + 1][..], &body].concat();
    env::storage_write(b"STATE", &later);
    assert_refused("E_STATE_VERSION", || migrate(&mut w));
    assert!(get_logs().is_empty(), "no state_migrated");
    assert_eq!(stored_state(), later);
    assert_refused("E_STATE_VERSION", || {
        let _ = <MetaPool as ContractState>::state_read();
    });
}

#[test]
#[should_panic(expected = "E_NO_STATE")]
fn an_upgrade_migration_before_new_is_refused() {
    let mut w = World::new();
    drop(near_sdk::mock::with_mocked_blockchain(|b| b.take_storage()));
    migrate(&mut w);
}
