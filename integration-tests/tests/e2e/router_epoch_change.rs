//! An epoch change between a call and its callback, for every kind of
//! call the router makes: a mint, a burn, and each epoch operation's
//! validator call. The callback is the first receipt of the new epoch; the
//! invariants run right after it.

use integration_tests::suite::{Driver, EpochChange, Staker, CALL_GAS, ONE_NEAR};
use localnet::Gas;
use meta_common::shares::SharePool;
use meta_pool::config::{ACCOUNT_RECORD_COST, NUM_EPOCHS_TO_UNLOCK, UNSTAKE_WAIT_EPOCHS};
use serde_json::{json, Value};

const KEEPER_GAS: Gas = Gas::from_tgas(300);

fn placed() -> (Driver, Staker) {
    Driver::with_placed_stake(4, 3000)
}

/// The router's share pool now.
fn price(d: &Driver) -> SharePool {
    let b = d.sys.pool_summary().books;
    SharePool::new(b.total_staked, b.total_shares)
}

/// A call's `U128` result.
fn amount(c: &EpochChange) -> u128 {
    c.outcome.json::<String>().unwrap().parse().unwrap()
}

fn across(
    d: &mut Driver,
    who: &localnet::AccountId,
    method: &str,
    args: Value,
    deposit: u128,
    gas: Gas,
    callback: &str,
) -> EpochChange {
    let router = d.sys.router.clone();
    let c = d.step(&format!("{method} across an epoch change"), |s| {
        s.call_across_epoch_change(who, &router, method, args, deposit, gas, callback)
    });
    c.outcome.assert_success();
    c
}

#[test]
fn a_mint_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    let before = d.sys.snear_balance(&alice.id);
    let books = d.sys.pool_summary().books;
    // Alice is registered at sNEAR: every share of the stake is minted.
    let shares = price(&d).shares_from_amount_down(100 * ONE_NEAR).unwrap();
    let c = across(
        &mut d,
        &alice.id,
        "deposit_and_stake",
        json!({}),
        100 * ONE_NEAR,
        CALL_GAS,
        "on_mint",
    );
    let minted = amount(&c);
    assert_eq!(minted, shares);
    assert_eq!(d.sys.snear_balance(&alice.id), before + minted);
    let after = d.sys.pool_summary().books;
    assert_eq!(after.total_staked, books.total_staked + 100 * ONE_NEAR);
    assert_eq!(after.total_shares, books.total_shares + shares);
    assert_eq!(after.snear_supply, books.snear_supply + shares);
    assert_eq!(after.mint_in_flight_shares, 0);
    d.keeper_round();
}

#[test]
fn a_burn_whose_callback_lands_next_epoch_is_quoted_from_then() {
    let (mut d, alice) = placed();
    let snear = d.sys.snear_balance(&alice.id);
    // Nothing runs between the burn and its callback but the epoch change,
    // which books nothing: the credit is the burnt shares' value at the
    // price of the call, less the router record alice (whose stake went
    // straight to sNEAR) pays on her first unstake.
    let before = d.sys.account_details(&alice.id);
    assert_eq!(
        (before.unstaked_balance.0, before.shares.0),
        (0, 0),
        "no record"
    );
    let pool = price(&d);
    let shares = pool.shares_from_amount_up(100 * ONE_NEAR).unwrap();
    let credit = pool.amount_from_shares_down(shares).unwrap() - ACCOUNT_RECORD_COST;
    let c = across(
        &mut d,
        &alice.id,
        "unstake",
        json!({"amount": (100 * ONE_NEAR).to_string()}),
        0,
        CALL_GAS,
        "on_burn",
    );
    assert_eq!(amount(&c), credit);
    assert_eq!(d.sys.snear_balance(&alice.id), snear - shares);
    let details = d.sys.account_details(&alice.id);
    assert_eq!(details.unstaked_balance.0, credit);
    assert_eq!(
        details.unstaked_available_epoch,
        c.callback_epoch + UNSTAKE_WAIT_EPOCHS
    );
    d.keeper_round();
    while d.sys.net.epoch_height() < details.unstaked_available_epoch {
        assert!(!d.sys.core_views(&alice.id).available);
        d.next_epoch();
    }
    d.withdraw_exactly(&alice, None, "alice withdraws at the quote");
}

#[test]
fn a_validator_stake_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    d.step("alice stakes 600 more; syncs done", |s| {
        s.deposit_and_stake(&alice, 600 * ONE_NEAR).assert_success();
    });
    let keeper = d.sys.keeper_account.clone();
    let buffered = d.sys.pool_summary().books.buffered;
    assert_eq!(buffered, 600 * ONE_NEAR);
    let staked: Vec<u128> = d
        .sys
        .router_validators()
        .iter()
        .map(|v| v.staked.0)
        .collect();
    let c = across(
        &mut d,
        &keeper,
        "epoch_stake",
        json!({}),
        0,
        KEEPER_GAS,
        "on_stake",
    );
    // One validator per call, its even share (600 / 4). The callback runs
    // in the new epoch, where no validator is synced yet: nothing more can
    // be placed until the keeper's syncs.
    assert!(
        !c.outcome.json::<bool>().unwrap(),
        "nothing more to place now"
    );
    let books = d.sys.pool_summary().books;
    assert_eq!(books.stake_in_flight, 0);
    assert_eq!(books.buffered, buffered - 150 * ONE_NEAR);
    let grown: Vec<u128> = d
        .sys
        .router_validators()
        .iter()
        .zip(&staked)
        .map(|(v, b)| v.staked.0 - b)
        .filter(|&g| g > 0)
        .collect();
    assert_eq!(grown, [150 * ONE_NEAR], "booked where it was placed");
    d.keeper_round();
}

#[test]
fn a_validator_unstake_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    d.step("alice unstakes 500", |s| {
        s.unstake(&alice, 500 * ONE_NEAR).assert_success();
    });
    let credit = d.sys.account_details(&alice.id).unstaked_balance.0;
    let reserve = d.sys.pool_summary().books.reserve;
    let keeper = d.sys.keeper_account.clone();
    let c = across(
        &mut d,
        &keeper,
        "epoch_unstake",
        json!({}),
        0,
        KEEPER_GAS,
        "on_unstake",
    );
    let earmarked: Vec<_> = d
        .sys
        .router_validators()
        .into_iter()
        .filter(|v| v.unstaked_for_reserve.0 > 0)
        .collect();
    assert_eq!(earmarked.len(), 1, "one validator serves the claim");
    let v = &earmarked[0];
    assert_eq!(v.unstaked_for_reserve.0, credit, "the whole claim");
    assert_eq!(v.last_unstake_epoch, Some(c.call_epoch));
    let books = d.sys.pool_summary().books;
    assert_eq!((books.to_unstake, books.unstake_in_flight), (0, 0));
    assert_eq!(books.earmarked, credit);
    d.keeper_round();
    // Collected NUM_EPOCHS_TO_UNLOCK after the call's epoch.
    while d.sys.net.epoch_height() < c.call_epoch + NUM_EPOCHS_TO_UNLOCK {
        d.next_epoch();
    }
    let books = d.sys.pool_summary().books;
    assert_eq!(books.earmarked, 0, "in the reserve");
    assert_eq!(books.reserve, reserve + credit);
}

#[test]
fn a_sync_whose_callback_lands_next_epoch_is_redone() {
    let (mut d, _) = placed();
    d.step("next epoch", |s| s.advance_epochs(1));
    let keeper = d.sys.keeper_account.clone();
    let c = across(
        &mut d,
        &keeper,
        "epoch_sync",
        json!({}),
        0,
        KEEPER_GAS,
        "on_sync",
    );
    // One validator per call: it is booked for the call's epoch, the
    // others still for the epoch before.
    let synced: Vec<_> = d
        .sys
        .router_validators()
        .into_iter()
        .map(|v| v.synced_epoch)
        .collect();
    let now = synced.iter().filter(|&&e| e == Some(c.call_epoch)).count();
    let before = synced
        .iter()
        .filter(|&&e| e == Some(c.call_epoch - 1))
        .count();
    assert_eq!(
        (now, before),
        (1, 3),
        "booked for the call's epoch: {synced:?}"
    );
    let status = d.sys.router_view::<Value>("get_epoch_status", json!({}));
    assert_eq!(
        status["validators_to_sync"], 4,
        "every validator syncs again"
    );
    let round = d.keeper_round();
    assert!(round.finished());
}

#[test]
fn a_withdraw_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    d.step("alice unstakes 500", |s| {
        s.unstake(&alice, 500 * ONE_NEAR).assert_success();
    });
    let credit = d.sys.account_details(&alice.id).unstaked_balance.0;
    let reserve = d.sys.pool_summary().books.reserve;
    d.keeper_round();
    assert_eq!(d.sys.pool_summary().books.earmarked, credit);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        d.step("next epoch", |s| s.advance_epochs(1));
        let keeper = d.keeper.clone();
        d.step("syncs only", |s| {
            for _ in 0..10 {
                if !keeper.call(s, "epoch_sync").more.unwrap_or(false) {
                    break;
                }
            }
        });
    }
    let keeper = d.sys.keeper_account.clone();
    across(
        &mut d,
        &keeper,
        "epoch_withdraw",
        json!({}),
        0,
        KEEPER_GAS,
        "on_withdraw",
    );
    let books = d.sys.pool_summary().books;
    assert_eq!(books.earmarked, 0, "booked to the reserve");
    assert_eq!(books.reserve, reserve + credit);
    d.keeper_round();
    d.withdraw_exactly(&alice, None, "alice withdraws");
}
