//! The reviewer's one-transaction restake, on localnet: an account whose
//! unstake is waiting sends ONE transaction to the router with two actions,
//! `epoch_unstake()` then `stake(claim)`. Both run in one receipt, before the
//! validator's unstake lands. It must not pay its stake with the reserve
//! that backs another account's withdrawable balance (issue 13, part 1).
//! The invariants run after every step.

use integration_tests::suite::{Driver, Staker, System, ONE_NEAR};
use localnet::{Gas, NearToken};
use meta_pool::config::ACCOUNT_RECORD_COST;
use serde_json::json;

fn unstaked(sys: &System, s: &Staker) -> u128 {
    let v: String = sys.router_view("get_account_unstaked_balance", json!({"account_id": s.id}));
    v.parse().unwrap()
}

fn available(sys: &System, s: &Staker) -> bool {
    sys.router_view(
        "is_account_unstaked_balance_available",
        json!({"account_id": s.id}),
    )
}

/// Five validators with stake placed, bob holding 1,000 NEAR of sNEAR, one
/// epoch on; carol has 1,000 NEAR deposited (withdrawable at once) and bob
/// has unstaked 1,000.
fn carol_deposited_bob_unstaked() -> (Driver, Staker, Staker, u128) {
    let (mut d, _alice) = Driver::with_placed_stake(5, 5_000);
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(2_000));
    let carol = d
        .sys
        .add_liquid_staker("carol", NearToken::from_near(2_000));
    d.step("bob stakes 1000", |s| {
        s.deposit_and_stake(&bob, 1_000 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    d.next_epoch();
    d.step("carol deposits 1000", |s| {
        s.deposit(&carol, 1_000 * ONE_NEAR).assert_success();
    });
    d.step("bob unstakes 1000", |s| {
        s.unstake(&bob, 1_000 * ONE_NEAR).assert_success();
    });
    // Bob had no unstaked balance: his unstake paid the record it created.
    let claim = unstaked(&d.sys, &bob);
    assert_eq!(claim, 1_000 * ONE_NEAR - ACCOUNT_RECORD_COST);
    assert!(available(&d.sys, &carol));
    (d, bob, carol, claim)
}

fn one_transaction(d: &mut Driver, bob: &Staker, actions: &[(&str, serde_json::Value)]) {
    let label = actions.iter().map(|a| a.0).collect::<Vec<_>>().join(", ");
    d.step(&format!("bob: [{label}] in one transaction"), |s| {
        let router = s.router.clone();
        let mut batch = s.net.batch(&bob.id, &router);
        for (method, args) in actions {
            batch = batch.call_json(
                method,
                args,
                NearToken::from_yoctonear(0),
                Gas::from_tgas(140),
            );
        }
        // Recorded like every other transaction: the ledger learns who
        // acted (invariant 10) and what the pools took.
        let out = batch.transact();
        s.record(&out, None);
        out.assert_success();
    });
}

fn carol_withdraws_everything(d: &mut Driver, carol: &Staker) {
    assert!(
        available(&d.sys, carol),
        "carol's deposit is no longer withdrawable"
    );
    // Carol's first deposit paid her record.
    let all = unstaked(&d.sys, carol);
    assert_eq!(all, 1_000 * ONE_NEAR - ACCOUNT_RECORD_COST);
    d.withdraw_exactly(carol, Some(all), "carol withdraws everything");
}

#[test]
fn epoch_unstake_then_restake_in_one_transaction_takes_no_one_s_reserve() {
    let (mut d, bob, carol, claim) = carol_deposited_bob_unstaked();
    one_transaction(
        &mut d,
        &bob,
        &[
            ("epoch_unstake", json!({})),
            ("stake", json!({"amount": claim.to_string()})),
        ],
    );
    assert_eq!(unstaked(&d.sys, &bob), 0, "bob restaked his claim");
    carol_withdraws_everything(&mut d, &carol);
    d.keeper_round();
}

#[test]
fn restake_then_epoch_unstake_in_one_transaction_takes_no_one_s_reserve() {
    let (mut d, bob, carol, claim) = carol_deposited_bob_unstaked();
    one_transaction(
        &mut d,
        &bob,
        &[
            ("stake", json!({"amount": claim.to_string()})),
            ("epoch_unstake", json!({})),
        ],
    );
    carol_withdraws_everything(&mut d, &carol);
}

/// Repeated every epoch, as the reviewer's attacker would: carol is never
/// delayed.
#[test]
fn repeating_the_restake_every_epoch_never_delays_a_withdrawal() {
    let (mut d, bob, carol, mut claim) = carol_deposited_bob_unstaked();
    for _ in 0..3 {
        one_transaction(
            &mut d,
            &bob,
            &[
                ("epoch_unstake", json!({})),
                ("stake", json!({"amount": claim.to_string()})),
            ],
        );
        assert!(available(&d.sys, &carol));
        d.next_epoch();
        assert!(available(&d.sys, &carol));
        d.step("bob unstakes 1000 again", |s| {
            s.unstake(&bob, 1_000 * ONE_NEAR).assert_success();
        });
        claim = unstaked(&d.sys, &bob);
    }
    carol_withdraws_everything(&mut d, &carol);
}
