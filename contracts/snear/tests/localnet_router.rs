//! sNEAR with the real router (`res/meta_pool.wasm`) on the local chain: the
//! storage-reserve drain of the router audit (H2) and the forced burn behind
//! the router's back (H3). Needs `res/snear.wasm` and `res/meta_pool.wasm`
//! (`make build`).
//!
//! The audit's H2 cycle: a fresh account stakes through the router, whose
//! `mint` pays the account's sNEAR registration from the router's storage
//! reserve; the account unregisters on sNEAR and used to receive that
//! deposit, at a profit per cycle. Now the deposit goes back to the router,
//! and a holder with sNEAR cannot unregister at all.

use localnet::{AccountId, ActionSummary, ExecutionOutcome, Gas, Localnet, NearToken};
use near_sdk::serde_json::{json, Value};
use std::path::PathBuf;

fn wasm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../res/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `make build` first",
            path.display()
        )
    })
}

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

/// What the attacker stakes. The cycle does not depend on the amount; one
/// NEAR is above any minimum the router may ask of a first liquid stake.
const STAKE: NearToken = NearToken::from_near(1);

struct Net {
    net: Localnet,
    router: AccountId,
    snear: AccountId,
}

impl Net {
    fn setup() -> Self {
        let mut net = Localnet::new();
        let owner = net.create_account("owner.near", near(100));
        let snear = net.create_and_deploy("snear.near", near(10), &wasm("snear"));
        let router = net.create_and_deploy("router.near", near(20), &wasm("meta_pool"));
        net.call(&owner, &snear, "new")
            .args_json(json!({"router_account_id": router, "governance_account_id": "gov.near"}))
            .transact()
            .assert_success();
        net.call(&owner, &router, "new")
            .args_json(json!({
                "owner_id": owner,
                "snear_account_id": snear,
                "governance_account_id": "gov.near",
                "whitelist_account_id": "whitelist.near",
                "treasury_account_id": "treasury.near",
                "lockup_account_suffix": "lockup.near",
            }))
            .deposit(near(1))
            .gas(Gas::from_tgas(30))
            .transact()
            .assert_success();
        Net { net, router, snear }
    }

    fn on_router(&mut self, who: &AccountId, method: &str, deposit: NearToken) -> ExecutionOutcome {
        let router = self.router.clone();
        self.net
            .call(who, &router, method)
            .args_json(json!({}))
            .deposit(deposit)
            .gas(Gas::from_tgas(150))
            .transact()
    }

    fn unregister(&mut self, who: &AccountId, force: bool) -> ExecutionOutcome {
        let snear = self.snear.clone();
        self.net
            .call(who, &snear, "storage_unregister")
            .args_json(json!({"force": force}))
            .deposit(NearToken::from_yoctonear(1))
            .transact()
    }

    fn snear_u128(&self, method: &str, args: Value) -> u128 {
        let v: String = self.net.view(&self.snear, method, args).unwrap();
        v.parse().unwrap()
    }

    fn storage_min(&self) -> u128 {
        let b: Value = self
            .net
            .view(&self.snear, "storage_balance_bounds", json!({}))
            .unwrap();
        b["min"].as_str().unwrap().parse().unwrap()
    }

    /// Invariant 2's sNEAR half: the router's count of liquid shares is
    /// sNEAR's supply.
    fn assert_supplies_agree(&self) {
        let summary: Value = self
            .net
            .view(&self.router, "get_pool_summary", json!({}))
            .unwrap();
        assert_eq!(
            summary["books"]["snear_supply"],
            self.snear_u128("ft_total_supply", json!({})).to_string(),
            "{summary}"
        );
    }
}

/// NEAR moved by plain transfers `from` -> `to` in an outcome.
fn transferred(out: &ExecutionOutcome, from: &AccountId, to: &AccountId) -> u128 {
    out.receipts
        .iter()
        .filter(|r| !r.is_refund && r.predecessor_id == *from && r.receiver_id == *to)
        .flat_map(|r| &r.actions)
        .map(|a| match a {
            ActionSummary::Transfer { deposit } => deposit.as_yoctonear(),
            _ => 0,
        })
        .sum()
}

/// The deposit the router attached to its `mint` on sNEAR.
fn mint_deposit(out: &ExecutionOutcome, router: &AccountId, snear: &AccountId) -> u128 {
    out.receipts
        .iter()
        .filter(|r| r.predecessor_id == *router && r.receiver_id == *snear)
        .flat_map(|r| &r.actions)
        .find_map(|a| match a {
            ActionSummary::FunctionCall {
                method, deposit, ..
            } if method == "mint" => Some(deposit.as_yoctonear()),
            _ => None,
        })
        .expect("the router called mint")
}

/// The router's own funds (its summary view).
fn own_funds(n: &Net) -> u128 {
    let summary: Value = n
        .net
        .view(&n.router, "get_pool_summary", json!({}))
        .unwrap();
    summary["own_funds"].as_str().unwrap().parse().unwrap()
}

/// A stake-unstake-unregister cycle by a new holder, repeated: the holder
/// pays its registration (with shares of its mint), so unregistering
/// refunds the holder, and the router's own funds end no lower than they
/// started (issue 13.2: no account makes the router pay its storage).
#[test]
fn the_storage_reserve_cycle_costs_the_router_nothing() {
    let mut n = Net::setup();
    let (router, snear) = (n.router.clone(), n.snear.clone());
    let cost = n.storage_min();
    let attacker = n.net.create_account("attacker.near", near(10));
    let start = n.net.balance(&attacker).as_yoctonear();
    let router_start = own_funds(&n);

    for round in 0..2 {
        let staked = n.on_router(&attacker, "deposit_and_stake", STAKE);
        staked.assert_success();
        // The router advanced the registration (a new holder each round):
        // its mint's deposit less what sNEAR sent back...
        assert_eq!(
            mint_deposit(&staked, &router, &snear) - transferred(&staked, &snear, &router),
            cost,
            "round {round}"
        );
        // ... and the holder repaid it: fewer shares than the stake buys.
        let held = n.snear_u128("ft_balance_of", json!({"account_id": attacker}));
        assert!(held > 0 && held < STAKE.as_yoctonear(), "round {round}");
        assert!(own_funds(&n) >= router_start, "round {round}");
        n.assert_supplies_agree();

        // H3: a holder with sNEAR cannot unregister, force or not, and
        // sNEAR's state does not move.
        let before = n.net.view_state(&snear);
        for force in [true, false] {
            n.unregister(&attacker, force)
                .assert_failure_contains("E_POSITIVE_BALANCE");
        }
        assert_eq!(n.net.view_state(&snear), before);
        n.assert_supplies_agree();

        n.on_router(&attacker, "unstake_all", NearToken::from_yoctonear(0))
            .assert_success();
        assert_eq!(
            n.snear_u128("ft_balance_of", json!({"account_id": attacker})),
            0
        );
        n.assert_supplies_agree();

        // The empty holder unregisters: the deposit was its own, it goes
        // back to it with the call's 1 yoctoNEAR (NEP-145), none to the
        // router.
        let out = n.unregister(&attacker, true);
        out.assert_success();
        assert!(out.json::<bool>().unwrap());
        // sNEAR returns its own record's part; the router returns the
        // part that paid its copy of the holder's balance (`mirror`).
        let mirror = meta_common::mirror::MIRROR_RECORD_DEPOSIT.as_yoctonear();
        assert_eq!(transferred(&out, &snear, &router), 0, "round {round}");
        assert_eq!(
            transferred(&out, &snear, &attacker),
            cost - mirror + 1,
            "round {round}"
        );
        assert_eq!(
            transferred(&out, &router, &attacker),
            mirror,
            "round {round}"
        );
        assert!(n
            .net
            .view::<Value>(
                &snear,
                "storage_balance_of",
                json!({"account_id": attacker})
            )
            .unwrap()
            .is_null());
        n.assert_supplies_agree();
        assert!(own_funds(&n) >= router_start, "round {round}");
    }

    // No profit: what the attacker holds now, counting the NEAR the router
    // owes it after the unstake wait, is less than it started with.
    let owed: String = n
        .net
        .view(
            &router,
            "get_account_unstaked_balance",
            json!({"account_id": attacker}),
        )
        .unwrap();
    let end = n.net.balance(&attacker).as_yoctonear() + owed.parse::<u128>().unwrap();
    assert!(end < start, "the attacker gained {}", end - start);
}
