//! res/meta_pool.wasm on localnet with res/snear.wasm, res/test_whitelist.wasm
//! and res/test_pool.wasm: the lockup path within the gas old lockups attach
//! (40 Tgas for `deposit`, 60 for the rest), exact amounts and a clean exit;
//! a liquid stake and unstake through sNEAR; the keeper loop. The full
//! scenarios (five validators, faults, ten epochs) are in the integration
//! tests.

use std::path::PathBuf;

use localnet::{
    derive_public_key, AccountId, ActionSummary, ExecutionOutcome, Gas, Localnet, NearToken,
    RewardRate,
};
use meta_pool::gas::*;
use serde_json::{json, Value};

fn wasm(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "res", name]
        .iter()
        .collect();
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `make build` first", path.display()))
}

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

const YOCTO: u128 = 10u128.pow(24);

struct Net {
    net: Localnet,
    owner: AccountId,
    router: AccountId,
    snear: AccountId,
}

impl Net {
    fn setup() -> Self {
        let mut net = Localnet::new();
        net.set_validator_reward_rate(RewardRate::new(1, 10_000));
        net.set_external_validator_stake(near(100_000));
        let owner = net.create_account("owner.near", near(1_000));
        let whitelist =
            net.create_and_deploy("whitelist.near", near(10), &wasm("test_whitelist.wasm"));
        net.call(&owner, &whitelist, "new")
            .args_json(json!({"foundation_account_id": owner}))
            .transact()
            .assert_success();
        let pool = net.create_and_deploy("v0.pool.near", near(1_000), &wasm("test_pool.wasm"));
        net.call(&owner, &pool, "new")
            .args_json(json!({
                "owner_id": owner,
                "stake_public_key": derive_public_key(&pool).to_string(),
                "reward_fee_fraction": {"numerator": 0, "denominator": 100},
            }))
            .gas(Gas::from_tgas(50))
            .transact()
            .assert_success();
        net.call(&owner, &whitelist, "add_staking_pool")
            .args_json(json!({"staking_pool_account_id": pool}))
            .transact()
            .assert_success();
        let snear = net.create_and_deploy("snear.near", near(10), &wasm("snear.wasm"));
        let router = net.create_and_deploy("router.near", near(20), &wasm("meta_pool.wasm"));
        net.call(&owner, &snear, "new")
            .args_json(json!({"router_account_id": router, "governance_account_id": "gov.near"}))
            .transact()
            .assert_success();
        net.call(&owner, &router, "new")
            .args_json(json!({
                "owner_id": owner,
                "snear_account_id": snear,
                "governance_account_id": "gov.near",
                "whitelist_account_id": whitelist,
                "treasury_account_id": "treasury.near",
                "lockup_account_suffix": "lockup.near",
            }))
            .deposit(near(1))
            .gas(Gas::from_tgas(30))
            .transact()
            .assert_success();
        let added = net
            .call(&owner, &router, "apply_governance_action")
            .args_json(json!({"action": {"AddValidator": {"account_id": pool, "weight_bps": 100}}}))
            .gas(Gas::from_gas(
                meta_common::ext::GAS_FOR_ROUTER_ACTION.as_gas(),
            ))
            .transact();
        added.assert_success();
        assert!(added.json::<bool>().unwrap(), "whitelisted pool added");
        // The pool's own stake, proposed by its `new`, seats it two epochs
        // on; the router places stake only on validators of the set.
        net.advance_epochs(3);
        Net {
            net,
            owner,
            router,
            snear,
        }
    }

    fn call(
        &mut self,
        who: &AccountId,
        method: &str,
        args: Value,
        deposit: u128,
        tgas: u64,
    ) -> ExecutionOutcome {
        let router = self.router.clone();
        let out = self
            .net
            .call(who, &router, method)
            .args_json(args)
            .deposit(NearToken::from_yoctonear(deposit))
            .gas(Gas::from_tgas(tgas))
            .transact();
        self.check_callback_gas(&out);
        out
    }

    /// Every router callback stayed within half of the part of its static
    /// gas kept for its own work (the rest is attached to the calls it
    /// makes).
    fn check_callback_gas(&self, out: &ExecutionOutcome) {
        for r in &out.receipts {
            if r.receiver_id != self.router || r.predecessor_id != self.router {
                continue;
            }
            let Some(ActionSummary::FunctionCall { method, .. }) = r.actions.first() else {
                continue;
            };
            let own = match method.as_str() {
                "on_sync" | "on_stake" | "on_unstake" | "on_withdraw" => GAS_ON_VALIDATOR_CALL,
                "on_mint" => GAS_ON_MINT,
                "on_burn" => GAS_ON_BURN,
                "on_whitelist_checked" => GAS_ON_WHITELIST,
                "on_fee_mint" => GAS_ON_FEE_MINT,
                "on_pool_state_pushed" => GAS_ON_POOL_STATE_PUSH,
                "on_lockup_claim" => GAS_ON_LOCKUP_CLAIM,
                "on_burn_all" => GAS_ON_BURN,
                "on_ping" => GAS_ON_PING_OWN,
                other => panic!("unexpected callback {other}"),
            };
            assert!(
                r.gas_burnt.as_gas() * 2 <= own.as_gas(),
                "{method} burnt {} of its {} budget",
                r.gas_burnt,
                own
            );
        }
    }

    fn view<T: near_sdk::serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> T {
        self.net.view(&self.router, method, args).unwrap()
    }

    fn balance_view(&self, method: &str, who: &AccountId) -> u128 {
        let v: String = self.view(method, json!({"account_id": who}));
        v.parse().unwrap()
    }

    /// One keeper round: each operation until it returns false.
    fn keeper(&mut self) {
        let keeper = self.owner.clone();
        for op in [
            "epoch_sync",
            "epoch_withdraw",
            "epoch_unstake",
            "epoch_stake",
            "epoch_rebalance",
        ] {
            for _ in 0..20 {
                let out = self.call(&keeper, op, json!({}), 0, 300);
                out.assert_success();
                if !out.json::<bool>().unwrap() {
                    break;
                }
            }
        }
        let status: Value = self.view("get_epoch_status", json!({}));
        assert_eq!(status["work_pending"], false, "{status}");
    }
}

/// The router's receipt of a lockup call burnt at most `tgas`, far inside
/// what old lockups attach (40 Tgas for deposit, 60 for the rest).
fn used_at_most(out: &ExecutionOutcome, tgas: u64, what: &str) {
    let burnt = out.receipts[0].gas_burnt;
    assert!(
        burnt.as_gas() <= Gas::from_tgas(tgas).as_gas(),
        "{what}: {burnt}"
    );
}

#[test]
fn lockup_path_fits_old_lockups_and_exits_to_zero() {
    let mut n = Net::setup();
    let owner = n.owner.clone();
    let lockup_id: String = n.view("get_lockup_account_id", json!({"owner_id": owner}));
    let lockup = n.net.create_account(&lockup_id, near(1_000));

    let out = n.call(&lockup, "deposit", json!({}), 100 * YOCTO, 40);
    out.assert_success();
    used_at_most(&out, 10, "deposit");
    assert!(out.logs()[0].starts_with(&format!("@{lockup} deposited {}", 100 * YOCTO)));
    let out = n.call(
        &lockup,
        "stake",
        json!({"amount": (100 * YOCTO).to_string()}),
        0,
        60,
    );
    out.assert_success();
    assert_eq!(
        out.receipts
            .iter()
            .filter(|r| r.receiver_id.as_str() != lockup.as_str()
                && r.receiver_id != n.router
                && !r.is_refund)
            .count(),
        0,
        "no cross-contract call"
    );
    used_at_most(&out, 15, "stake");
    assert_eq!(
        n.balance_view("get_account_staked_balance", &lockup),
        100 * YOCTO
    );

    n.keeper();
    n.net.advance_epochs(3);
    n.keeper();
    let staked = n.balance_view("get_account_staked_balance", &lockup);
    assert!(staked > 100 * YOCTO, "rewards reached the lockup");

    let out = n.call(
        &lockup,
        "unstake",
        json!({"amount": staked.to_string()}),
        0,
        60,
    );
    out.assert_success();
    used_at_most(&out, 15, "unstake");
    assert_eq!(n.balance_view("get_account_staked_balance", &lockup), 0);
    assert_eq!(
        n.balance_view("get_account_unstaked_balance", &lockup),
        staked
    );
    let quote: u64 = n.view(
        "get_account_unstaked_available_epoch",
        json!({"account_id": lockup}),
    );
    assert_eq!(quote, n.net.epoch_height() + 5);
    while n.net.epoch_height() < quote {
        n.keeper();
        n.net.advance_epochs(1);
    }
    n.keeper();
    let available: bool = n.view(
        "is_account_unstaked_balance_available",
        json!({"account_id": lockup}),
    );
    assert!(available, "withdrawable at the quoted epoch");
    let before = n.net.balance(&lockup).as_yoctonear();
    let out = n.call(
        &lockup,
        "withdraw",
        json!({"amount": staked.to_string()}),
        0,
        60,
    );
    out.assert_success();
    used_at_most(&out, 15, "withdraw");
    assert!(n.net.balance(&lockup).as_yoctonear() > before + staked - YOCTO / 100);
    assert_eq!(n.balance_view("get_account_total_balance", &lockup), 0);
}

#[test]
fn liquid_stake_mints_and_unstake_burns_through_snear() {
    let mut n = Net::setup();
    let alice = n.net.create_account("alice.near", near(100));
    let out = n.call(&alice, "deposit_and_stake", json!({}), 10 * YOCTO, 100);
    out.assert_success();
    let minted: String = out.json().unwrap();
    // A new holder pays sNEAR's registration with the shares it is worth
    // (price 1 here): it gets the rest.
    let registration = meta_common::ext::SNEAR_REGISTRATION_DEPOSIT.as_yoctonear();
    assert_eq!(minted, (10 * YOCTO - registration).to_string());
    let snear = n.snear.clone();
    let held: String = n
        .net
        .view(&snear, "ft_balance_of", json!({"account_id": alice}))
        .unwrap();
    assert_eq!(held, minted);
    let bob = n.net.create_account("bob.near", near(100));
    n.call(&bob, "deposit_and_stake", json!({}), 10 * YOCTO, 100)
        .assert_success();
    n.keeper();
    let gas = GAS_LIQUID_UNSTAKE.as_tgas() + 5;
    let part = n.call(
        &bob,
        "unstake",
        json!({"amount": YOCTO.to_string()}),
        0,
        gas,
    );
    part.assert_success();
    let out = n.call(&alice, "unstake_all", json!({}), 0, gas);
    out.assert_success();
    let credited: String = out.json().unwrap();
    // Alice has no unstaked balance: her unstake pays the router record it
    // creates.
    assert_eq!(
        credited,
        (10 * YOCTO - registration - meta_pool::config::ACCOUNT_RECORD_COST).to_string()
    );
    let held: String = n
        .net
        .view(&snear, "ft_balance_of", json!({"account_id": alice}))
        .unwrap();
    assert_eq!(held, "0");
    let summary: Value = n.view("get_pool_summary", json!({}));
    let bob_left: String = n
        .net
        .view(&snear, "ft_balance_of", json!({"account_id": bob}))
        .unwrap();
    assert_eq!(summary["books"]["snear_supply"], bob_left);
    assert_eq!(summary["books"]["mint_in_flight_shares"], "0");
    assert_eq!(summary["books"]["burn_in_flight_shares"], "0");
}

/// The gas of a liquid holder's `method` (`unstake` of everything the
/// wallet shows, or `unstake_all`) on a fresh chain, as the only call of
/// its epoch: the first time (the holder has no router record) and again
/// after staking anew (it has one). Same chain, same position, so the two
/// methods compare exactly.
fn liquid_exit_gas(method: &str) -> [(u64, usize); 2] {
    let mut n = Net::setup();
    let alice = n.net.create_account("alice.near", near(100));
    let gas = GAS_LIQUID_UNSTAKE.as_tgas() + 5;
    [0, 1].map(|_| {
        n.call(&alice, "deposit_and_stake", json!({}), 10 * YOCTO, 100)
            .assert_success();
        n.keeper();
        n.net.advance_epochs(1);
        n.keeper();
        let shown: String = n.view("get_account_staked_balance", json!({"account_id": alice}));
        let args = if method == "unstake" {
            json!({ "amount": shown })
        } else {
            json!({})
        };
        let out = n.call(&alice, method, args, 0, gas);
        out.assert_success();
        let credited: String = out.json().unwrap();
        assert_ne!(credited, "0", "{method} credited nothing");
        (out.total_gas_burnt().as_gas(), out.receipts.len())
    })
}

#[test]
fn unstake_all_costs_no_more_than_unstake_of_everything() {
    let all = liquid_exit_gas("unstake_all");
    let part = liquid_exit_gas("unstake");
    for (i, ((all_gas, all_receipts), (part_gas, part_receipts))) in
        all.iter().zip(&part).enumerate()
    {
        println!("round {i}: unstake_all {all_gas} gas, unstake {part_gas} gas");
        assert_eq!(all_receipts, part_receipts, "round {i}: the same receipts");
        assert!(
            all_gas <= part_gas,
            "round {i}: unstake_all burnt {all_gas}, unstake {part_gas}"
        );
    }
}
