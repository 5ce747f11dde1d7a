//! sNEAR on the local chain: real wasm, real receipts, callbacks, gas and
//! refunds. Needs `res/snear.wasm`, `res/snear_faults.wasm` and
//! `res/test_ft_receiver.wasm` (`make build`).
//!
//! The router is a plain account here: it calls `mint`, `burn` and
//! `update_pool_state` directly, which is exactly what sNEAR sees from the
//! real router.

use localnet::{AccountId, ExecutionOutcome, Gas, Localnet, NearToken};
use meta_common::ext::{GOVERNANCE_MINT_DEPOSIT, SNEAR_REGISTRATION_DEPOSIT};
use meta_common::pool_state::REWARD_INDEX_SCALE;
use meta_common::U256;
use near_sdk::serde_json::{json, Value};
use std::path::PathBuf;

const ONE: u128 = 10u128.pow(24);

fn wasm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../res/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `make build` first",
            path.display()
        )
    })
}

struct Net {
    net: Localnet,
    snear: AccountId,
    router: AccountId,
    alice: AccountId,
    bob: AccountId,
    receiver: AccountId,
}

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

/// sNEAR with Alice holding 100 sNEAR, Bob and the receiver registered.
fn setup() -> Net {
    let mut net = Localnet::new();
    let router = net.create_account("router.near", near(100));
    let alice = net.create_account("alice.near", near(100));
    let bob = net.create_account("bob.near", near(100));
    let snear = net.create_and_deploy("snear.near", near(10), &wasm("snear"));
    let receiver = net.create_and_deploy("receiver.near", near(10), &wasm("test_ft_receiver"));
    net.call(&alice, &snear, "new")
        .args_json(json!({"router_account_id": router, "governance_account_id": "meta-token.near"}))
        .transact()
        .assert_success();
    let mut n = Net {
        net,
        snear,
        router,
        alice,
        bob,
        receiver,
    };
    n.mint(&n.alice.clone(), 100 * ONE).assert_success();
    for who in [n.bob.clone(), n.receiver.clone()] {
        let cost = n.storage_min();
        n.net
            .call(&n.alice, &n.snear, "storage_deposit")
            .args_json(json!({"account_id": who}))
            .deposit(cost)
            .transact()
            .assert_success();
    }
    n
}

impl Net {
    fn mint(&mut self, to: &AccountId, amount: u128) -> ExecutionOutcome {
        self.net
            .call(&self.router, &self.snear, "mint")
            .args_json(
                json!({"account_id": to, "amount": amount.to_string(), "registration_shares": "0"}),
            )
            .deposit(SNEAR_REGISTRATION_DEPOSIT)
            .transact()
    }

    fn push_index(&mut self, index: u128, epoch: u64) {
        self.net
            .call(&self.router, &self.snear, "update_pool_state")
            .args_json(json!({"state": {"total_staked": "1", "total_shares": "1",
                                        "reward_index": index.to_string(), "epoch_height": epoch}}))
            .transact()
            .assert_success();
    }

    fn transfer_call(&mut self, amount: u128, msg: &str) -> ExecutionOutcome {
        self.net
            .call(&self.alice, &self.snear, "ft_transfer_call")
            .args_json(
                json!({"receiver_id": self.receiver, "amount": amount.to_string(), "msg": msg}),
            )
            .deposit(NearToken::from_yoctonear(1))
            .gas(Gas::from_tgas(100))
            .transact()
    }

    fn u128_view(&self, method: &str, account: &AccountId) -> u128 {
        let v: String = self
            .net
            .view(&self.snear, method, json!({"account_id": account}))
            .unwrap();
        v.parse().unwrap()
    }

    fn balance(&self, account: &AccountId) -> u128 {
        self.u128_view("ft_balance_of", account)
    }

    fn unclaimed(&self, account: &AccountId) -> u128 {
        self.u128_view("get_unclaimed_governance_tokens", account)
    }

    fn supply(&self) -> u128 {
        let v: String = self
            .net
            .view(&self.snear, "ft_total_supply", json!({}))
            .unwrap();
        v.parse().unwrap()
    }

    fn storage_min(&self) -> NearToken {
        let b: Value = self
            .net
            .view(&self.snear, "storage_balance_bounds", json!({}))
            .unwrap();
        NearToken::from_yoctonear(b["min"].as_str().unwrap().parse().unwrap())
    }
}

/// The NEP-141 events of an outcome as (event, data) pairs.
fn nep141(out: &ExecutionOutcome) -> Vec<(String, Value)> {
    out.events()
        .into_iter()
        .filter(|e| e.standard == "nep141")
        .map(|e| (e.event, e.data))
        .collect()
}

fn transfer_data(from: &AccountId, to: &AccountId, amount: u128, memo: Option<&str>) -> Value {
    let mut d = json!({"old_owner_id": from, "new_owner_id": to, "amount": amount.to_string()});
    if let Some(m) = memo {
        d["memo"] = json!(m);
    }
    json!([d])
}

#[test]
fn transfer_call_to_a_receiver_that_keeps_everything() {
    let mut n = setup();
    let out = n.transfer_call(10 * ONE, "keep");
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), (10 * ONE).to_string());
    assert_eq!(n.balance(&n.alice), 90 * ONE);
    assert_eq!(n.balance(&n.receiver), 10 * ONE);
    assert_eq!(
        nep141(&out),
        vec![(
            "ft_transfer".to_string(),
            transfer_data(&n.alice, &n.receiver, 10 * ONE, None)
        )]
    );
}

#[test]
fn transfer_call_to_a_receiver_that_keeps_part_and_refunds_part() {
    let mut n = setup();
    let out = n.transfer_call(10 * ONE, &format!("refund:{}", 3 * ONE));
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), (7 * ONE).to_string());
    assert_eq!(n.balance(&n.alice), 93 * ONE);
    assert_eq!(n.balance(&n.receiver), 7 * ONE);
    assert_eq!(n.supply(), 100 * ONE);
    assert_eq!(
        nep141(&out),
        vec![
            (
                "ft_transfer".to_string(),
                transfer_data(&n.alice, &n.receiver, 10 * ONE, None)
            ),
            (
                "ft_transfer".to_string(),
                transfer_data(&n.receiver, &n.alice, 3 * ONE, Some("refund"))
            ),
        ]
    );
}

#[test]
fn transfer_call_to_a_receiver_that_panics_is_refunded_whole() {
    let mut n = setup();
    let out = n.transfer_call(10 * ONE, "panic");
    // The receiver's failure is handled by the resolver: the transaction
    // succeeds and reports nothing used.
    out.assert_success();
    assert!(out.is_receipt_failure_anywhere());
    assert_eq!(out.json::<String>().unwrap(), "0");
    assert_eq!(n.balance(&n.alice), 100 * ONE);
    assert_eq!(n.balance(&n.receiver), 0);
    assert_eq!(nep141(&out).len(), 2);
}

#[test]
fn transfer_call_with_an_unreadable_answer_is_refunded_whole() {
    let mut n = setup();
    let out = n.transfer_call(10 * ONE, "garbage");
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), "0");
    assert_eq!(n.balance(&n.alice), 100 * ONE);
}

#[test]
fn transfer_call_refund_is_capped_at_the_amount() {
    let mut n = setup();
    let out = n.transfer_call(10 * ONE, &format!("refund:{}", 50 * ONE));
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), "0");
    assert_eq!(n.balance(&n.alice), 100 * ONE);
}

#[test]
fn accrual_follows_balances_across_transfers_and_refunds() {
    let mut n = setup();
    let s = REWARD_INDEX_SCALE;
    let (d1, d2, d3) = (s / 4, s / 8, s / 16);
    n.push_index(d1, 1);
    // Alice (100) sends Bob 40, the receiver 20 of which it refunds 5.
    n.net
        .call(&n.alice, &n.snear, "ft_transfer")
        .args_json(json!({"receiver_id": n.bob, "amount": (40 * ONE).to_string()}))
        .deposit(NearToken::from_yoctonear(1))
        .transact()
        .assert_success();
    n.push_index(d1 + d2, 2);
    n.transfer_call(20 * ONE, &format!("refund:{}", 5 * ONE))
        .assert_success();
    n.push_index(d1 + d2 + d3, 3);
    let earned = |shares: u128, delta: u128| {
        (U256::from(shares) * U256::from(delta) / U256::from(s)).as_u128()
    };
    assert_eq!(
        n.unclaimed(&n.alice),
        earned(100 * ONE, d1) + earned(60 * ONE, d2) + earned(45 * ONE, d3)
    );
    assert_eq!(
        n.unclaimed(&n.bob),
        earned(40 * ONE, d2) + earned(40 * ONE, d3)
    );
    assert_eq!(n.unclaimed(&n.receiver), earned(15 * ONE, d3));
}

#[test]
fn mint_and_burn_emit_and_refund_the_router() {
    let mut n = setup();
    let carol: AccountId = "carol.near".parse().unwrap();
    let min = n.storage_min();
    let out = n.mint(&carol, 5 * ONE);
    out.assert_success();
    assert_eq!(
        nep141(&out),
        vec![(
            "ft_mint".to_string(),
            json!([{"owner_id": carol, "amount": (5 * ONE).to_string()}])
        )]
    );
    // Registration used the storage minimum; the rest went back.
    let unused = SNEAR_REGISTRATION_DEPOSIT.saturating_sub(min);
    let back: Vec<_> = out
        .receipts
        .iter()
        .filter(|r| {
            !r.is_refund
                && r.receiver_id == n.router
                && r.predecessor_id == n.snear
                && matches!(r.actions[..], [localnet::ActionSummary::Transfer { .. }])
        })
        .collect();
    assert_eq!(back.len(), usize::from(!unused.is_zero()));
    let out = n
        .net
        .call(&n.router, &n.snear, "burn")
        .args_json(json!({"account_id": carol, "amount": (2 * ONE).to_string()}))
        .transact();
    out.assert_success();
    assert_eq!(nep141(&out)[0].0, "ft_burn");
    assert_eq!(n.balance(&carol), 3 * ONE);
}

#[test]
fn rejected_calls_change_no_state() {
    let mut n = setup();
    let before = n.net.view_state(&n.snear);
    let burn = |amount: u128| json!({"account_id": "alice.near", "amount": amount.to_string()});
    n.net
        .call(&n.router, &n.snear, "burn")
        .args_json(burn(101 * ONE))
        .transact()
        .assert_failure_contains("E_INSUFFICIENT_BALANCE");
    n.net
        .call(&n.alice, &n.snear, "burn")
        .args_json(burn(ONE))
        .transact()
        .assert_failure_contains("E_NOT_ROUTER");
    n.net
        .call(&n.alice, &n.snear, "ft_transfer")
        .args_json(json!({"receiver_id": n.bob, "amount": "1"}))
        .transact()
        .assert_failure_contains("E_ONE_YOCTO");
    n.net
        .call(&n.alice, &n.snear, "ft_transfer")
        .args_json(json!({"receiver_id": "nobody.near", "amount": "1"}))
        .deposit(NearToken::from_yoctonear(1))
        .transact()
        .assert_failure_contains("E_RECEIVER_NOT_REGISTERED");
    // The generated wrappers guard the callbacks and the non-payable methods.
    n.net
        .call(&n.alice, &n.snear, "ft_resolve_transfer")
        .args_json(json!({"sender_id": n.receiver, "receiver_id": n.alice, "amount": "1"}))
        .transact()
        .assert_failure_contains("private");
    n.net
        .call(&n.alice, &n.snear, "on_governance_mint")
        .args_json(json!({"account_id": n.alice, "amount": "1", "deposit": "0"}))
        .transact()
        .assert_failure_contains("private");
    n.net
        .call(&n.router, &n.snear, "burn")
        .args_json(burn(ONE))
        .deposit(NearToken::from_yoctonear(1))
        .transact()
        .assert_failure_contains("doesn't accept deposit");
    // A holder with sNEAR cannot unregister, even with force (no burn
    // behind the router's back).
    n.net
        .call(&n.alice, &n.snear, "storage_unregister")
        .args_json(json!({"force": true}))
        .deposit(NearToken::from_yoctonear(1))
        .transact()
        .assert_failure_contains("E_POSITIVE_BALANCE");
    assert_eq!(n.net.view_state(&n.snear), before);
}

#[test]
fn a_failed_governance_mint_restores_the_claim() {
    // The governance account has no contract: the mint fails.
    let mut n = setup();
    n.net.create_account("meta-token.near", near(1));
    n.push_index(REWARD_INDEX_SCALE / 2, 1);
    let accrued = n.unclaimed(&n.alice);
    assert_eq!(accrued, 50 * ONE);
    let out = n
        .net
        .call(&n.alice, &n.snear, "claim_governance_tokens")
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .gas(Gas::from_tgas(60))
        .transact();
    out.assert_success();
    assert_eq!(out.json::<String>().unwrap(), "0");
    let failed: Vec<_> = out
        .events()
        .into_iter()
        .filter(|e| e.event == "governance_claim_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].data["amount"], accrued.to_string());
    assert_eq!(
        failed[0].data["refunded_deposit"],
        GOVERNANCE_MINT_DEPOSIT.as_yoctonear().to_string()
    );
    let back_to_alice = out.receipts.iter().any(|r| {
        !r.is_refund
            && r.predecessor_id == n.snear
            && r.receiver_id == n.alice
            && matches!(r.actions[..], [localnet::ActionSummary::Transfer { deposit }]
                if deposit == GOVERNANCE_MINT_DEPOSIT)
    });
    assert!(back_to_alice, "the deposit was not returned");
    assert_eq!(n.unclaimed(&n.alice), accrued);
    // The claim can be made again.
    n.net
        .call(&n.alice, &n.snear, "claim_governance_tokens")
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .gas(Gas::from_tgas(60))
        .transact()
        .assert_success();
}

#[test]
fn price_views_follow_the_pushed_state() {
    let mut n = setup();
    n.net
        .call(&n.router, &n.snear, "update_pool_state")
        .args_json(json!({"state": {"total_staked": (3 * ONE).to_string(),
                                    "total_shares": (2 * ONE).to_string(),
                                    "reward_index": "0", "epoch_height": 1}}))
        .transact()
        .assert_success();
    let price: String = n.net.view(&n.snear, "get_snear_price", json!({})).unwrap();
    assert_eq!(price, (3 * ONE / 2).to_string());
    assert_eq!(n.u128_view("get_account_near_value", &n.alice), 150 * ONE);
    let nobody: AccountId = "nobody.near".parse().unwrap();
    assert_eq!(n.u128_view("get_account_near_value", &nobody), 0);
}

/// Gas actually burnt by each receipt, by method name.
fn burnt(out: &ExecutionOutcome, method: &str) -> Gas {
    out.receipts
        .iter()
        .find(|r| {
            matches!(&r.actions[..], [localnet::ActionSummary::FunctionCall { method: m, .. }]
                if m == method)
        })
        .unwrap_or_else(|| panic!("no {method} receipt"))
        .gas_burnt
}

/// Each callee stays inside the gas its caller attaches (`gas.rs` and
/// meta-common's budgets), measured on real wasm.
#[test]
fn calls_fit_their_gas_budgets() {
    use meta_common::ext::{GAS_FOR_SNEAR_MINT_BURN, GAS_FOR_SNEAR_POOL_STATE};
    use snear::gas::{GAS_FOR_CLAIM_CALLBACK, GAS_FOR_RESOLVE_TRANSFER};
    let mut n = setup();
    n.push_index(REWARD_INDEX_SCALE, 1);
    let out = n.transfer_call(10 * ONE, &format!("refund:{}", ONE));
    assert!(burnt(&out, "ft_resolve_transfer") < GAS_FOR_RESOLVE_TRANSFER);
    let carol: AccountId = "carol.near".parse().unwrap();
    let out = n.mint(&carol, ONE);
    assert!(burnt(&out, "mint") < GAS_FOR_SNEAR_MINT_BURN);
    let out = n
        .net
        .call(&n.router, &n.snear, "burn")
        .args_json(json!({"account_id": carol, "amount": "1"}))
        .transact();
    assert!(burnt(&out, "burn") < GAS_FOR_SNEAR_MINT_BURN);
    let out = n
        .net
        .call(&n.router, &n.snear, "update_pool_state")
        .args_json(json!({"state": {"total_staked": "1", "total_shares": "1",
                                    "reward_index": (2 * REWARD_INDEX_SCALE).to_string(),
                                    "epoch_height": 2}}))
        .transact();
    assert!(burnt(&out, "update_pool_state") < GAS_FOR_SNEAR_POOL_STATE);
    n.net.create_account("meta-token.near", near(1));
    let out = n
        .net
        .call(&n.alice, &n.snear, "claim_governance_tokens")
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .gas(Gas::from_tgas(60))
        .transact();
    assert!(burnt(&out, "on_governance_mint") < GAS_FOR_CLAIM_CALLBACK);
}

/// near-contract-standards' FT example (near-sdk 5.30, built with this
/// repository's wasm toolchain and flags), measured on this localnet: its
/// `ft_transfer` receipt between short ids, and its whole `ft_transfer_call`
/// transaction to `test_ft_receiver` with a partial refund. A token whose
/// holders also accrue META must not cost more to move than a plain one
/// (ARCHITECTURE.md, "sNEAR"). Code added anywhere in sNEAR counts: every
/// wasm byte costs every call ~1.09 Mgas to load.
const STANDARD_FT_TRANSFER: Gas = Gas::from_gas(1_721_987_741_879);
const STANDARD_FT_TRANSFER_CALL: Gas = Gas::from_gas(5_890_935_168_213);
/// What sNEAR may exceed the example by, in thousandths: the load of its
/// DAO upgrade entry points (`upgrade`, `migrate` and the versioned state,
/// ~3 KB, ~2.8 Ggas, 0.16% of a transfer), which the example does not have.
const UPGRADE_ALLOWANCE_PER_MILLE: u64 = 2;
/// What sending the router one balance notice adds to the receipt that
/// sends it (issue 16, `mirror`): creating a function-call receipt with
/// ~150 bytes of arguments, ~0.34 Tgas measured.
const MIRROR_NOTICE_SEND: Gas = Gas::from_ggas(400);
/// One notice in all, its receipt at the router included (~2.2 Tgas on the
/// real router: `ft_transfer` 2.04 -> 4.23 Tgas, docs/BENCHMARKS.md; the
/// issue's budget is 3).
const MIRROR_NOTICE_WHOLE: Gas = Gas::from_ggas(2_300);

fn within_allowance(gas: Gas, standard: Gas, notices: Gas) -> bool {
    gas.as_gas()
        <= standard.as_gas()
            + standard.as_gas() * UPGRADE_ALLOWANCE_PER_MILLE / 1_000
            + notices.as_gas()
}

#[test]
fn transfers_cost_at_most_the_standard_token_and_the_upgrade_entry_points() {
    let mut n = setup();
    let transfer = |n: &mut Net| {
        let out = n
            .net
            .call(&n.alice, &n.snear, "ft_transfer")
            .args_json(json!({"receiver_id": n.bob, "amount": "1000"}))
            .deposit(NearToken::from_yoctonear(1))
            .transact();
        out.assert_success();
        burnt(&out, "ft_transfer")
    };
    let plain = transfer(&mut n);
    // Both holders settle; the product balance x index step fits a u128.
    n.push_index(1_000, 1);
    let settling = transfer(&mut n);
    // Both settle through the 256-bit path (the product overflows u128).
    n.push_index(50 * REWARD_INDEX_SCALE, 2);
    let settling_wide = transfer(&mut n);
    let call = n
        .transfer_call(10 * ONE, &format!("refund:{}", 3 * ONE))
        .total_gas_burnt();
    println!(
        "gas: ft_transfer {} plain, {} settling, {} settling (U256); \
         ft_transfer_call with a refund {} in all",
        plain.as_gas(),
        settling.as_gas(),
        settling_wide.as_gas(),
        call.as_gas()
    );
    for gas in [plain, settling, settling_wide] {
        assert!(
            within_allowance(gas, STANDARD_FT_TRANSFER, MIRROR_NOTICE_SEND),
            "{gas}"
        );
    }
    // The transfer's notice and the refund's, each with its receipt at the
    // router.
    let two = Gas::from_gas(2 * MIRROR_NOTICE_WHOLE.as_gas());
    assert!(
        within_allowance(call, STANDARD_FT_TRANSFER_CALL, two),
        "{call}"
    );
}

/// The test build's switches (`res/snear_faults.wasm`, `--features test`)
/// fail the router's mint, burn and push as a refusal does, changing
/// nothing, until switched off; the production build has no such method.
#[test]
fn fault_switches_exist_only_in_the_test_build_and_fail_like_a_refusal() {
    let mut n = setup();
    n.net
        .call(&n.alice, &n.snear, "fault_fail")
        .args_json(json!({"method_name": "mint", "enabled": true}))
        .transact()
        .assert_failure_contains("MethodNotFound");

    let faulty = n
        .net
        .create_and_deploy("snear-faults.near", near(10), &wasm("snear_faults"));
    let router = n.router.clone();
    n.net
        .call(&n.alice, &faulty, "new")
        .args_json(json!({"router_account_id": router, "governance_account_id": "meta-token.near"}))
        .transact()
        .assert_success();
    let switch = |n: &mut Net, method: &str, on: bool| {
        n.net
            .call(&n.alice, &faulty, "fault_fail")
            .args_json(json!({"method_name": method, "enabled": on}))
            .transact()
            .assert_success();
    };
    let mint = |n: &mut Net, amount: u128| {
        n.net
            .call(&n.router, &faulty, "mint")
            .args_json(json!({"account_id": n.alice, "amount": amount.to_string(), "registration_shares": "0"}))
            .deposit(SNEAR_REGISTRATION_DEPOSIT)
            .transact()
    };
    let supply = |n: &Net| -> String { n.net.view(&faulty, "ft_total_supply", json!({})).unwrap() };
    n.net
        .call(&n.alice, &faulty, "fault_fail")
        .args_json(json!({"method_name": "ft_transfer", "enabled": true}))
        .transact()
        .assert_failure_contains("E_UNKNOWN_METHOD");

    switch(&mut n, "mint", true);
    let switches: Vec<String> = n.net.view(&faulty, "fault_switches", json!({})).unwrap();
    assert_eq!(switches, ["mint"]);
    let router_before = n.net.balance(&router);
    mint(&mut n, 5 * ONE).assert_failure_contains("E_FAULT_INJECTED: mint");
    assert_eq!(supply(&n), "0", "nothing minted");
    assert!(
        n.net.balance(&router).as_yoctonear() + ONE / 100 > router_before.as_yoctonear(),
        "the registration deposit came back"
    );
    switch(&mut n, "mint", false);
    mint(&mut n, 5 * ONE).assert_success();
    assert_eq!(supply(&n), (5 * ONE).to_string());

    switch(&mut n, "burn", true);
    n.net
        .call(&n.router, &faulty, "burn")
        .args_json(json!({"account_id": n.alice, "amount": ONE.to_string()}))
        .transact()
        .assert_failure_contains("E_FAULT_INJECTED: burn");
    assert_eq!(supply(&n), (5 * ONE).to_string(), "nothing burnt");

    switch(&mut n, "update_pool_state", true);
    let state =
        json!({"total_staked": "1", "total_shares": "1", "reward_index": "0", "epoch_height": 1});
    n.net
        .call(&n.router, &faulty, "update_pool_state")
        .args_json(json!({"state": state}))
        .transact()
        .assert_failure_contains("E_FAULT_INJECTED: update_pool_state");
    switch(&mut n, "update_pool_state", false);
    n.net
        .call(&n.router, &faulty, "update_pool_state")
        .args_json(json!({"state": state}))
        .transact()
        .assert_success();
}
