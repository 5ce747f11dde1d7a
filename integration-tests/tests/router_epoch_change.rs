//! An epoch change between a call and its callback, for every kind of
//! call the router makes: a mint, a burn, and each epoch operation's
//! validator call. The callback is the first receipt of the new epoch; the
//! invariants run right after it.

use integration_tests::suite::{Driver, EpochChange, Staker, CALL_GAS, ONE_NEAR};
use localnet::Gas;
use meta_pool::config::{NUM_EPOCHS_TO_UNLOCK, UNSTAKE_WAIT_EPOCHS};
use serde_json::{json, Value};

const KEEPER_GAS: Gas = Gas::from_tgas(300);

fn placed() -> (Driver, Staker) {
    Driver::with_placed_stake(4, 3000)
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
    let c = across(
        &mut d,
        &alice.id,
        "deposit_and_stake",
        json!({}),
        100 * ONE_NEAR,
        CALL_GAS,
        "on_mint",
    );
    let minted: u128 = c.outcome.json::<String>().unwrap().parse().unwrap();
    assert_eq!(d.sys.snear_balance(&alice.id), before + minted);
    d.keeper_round();
}

#[test]
fn a_burn_whose_callback_lands_next_epoch_is_quoted_from_then() {
    let (mut d, alice) = placed();
    let c = across(
        &mut d,
        &alice.id,
        "unstake",
        json!({"amount": (100 * ONE_NEAR).to_string()}),
        0,
        CALL_GAS,
        "on_burn",
    );
    let details = d.sys.account_details(&alice.id);
    assert_eq!(
        details.unstaked_available_epoch,
        c.callback_epoch + UNSTAKE_WAIT_EPOCHS
    );
    d.keeper_round();
    while d.sys.net.epoch_height() < details.unstaked_available_epoch {
        d.next_epoch();
    }
    d.step("alice withdraws at the quote", |s| {
        s.withdraw_all(&alice).assert_success().clone()
    });
}

#[test]
fn a_validator_stake_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    d.step("alice stakes 600 more; syncs done", |s| {
        s.deposit_and_stake(&alice, 600 * ONE_NEAR).assert_success();
    });
    let keeper = d.sys.keeper_account.clone();
    let c = across(
        &mut d,
        &keeper,
        "epoch_stake",
        json!({}),
        0,
        KEEPER_GAS,
        "on_stake",
    );
    assert!(c.outcome.json::<bool>().is_ok());
    assert_eq!(d.sys.pool_summary().books.stake_in_flight, 0);
    d.keeper_round();
}

#[test]
fn a_validator_unstake_whose_callback_lands_next_epoch() {
    let (mut d, alice) = placed();
    d.step("alice unstakes 500", |s| {
        s.unstake(&alice, 500 * ONE_NEAR).assert_success();
    });
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
    let v = d
        .sys
        .router_validators()
        .into_iter()
        .find(|v| v.unstaked_for_reserve.0 > 0)
        .expect("earmarked");
    assert_eq!(v.last_unstake_epoch, Some(c.call_epoch));
    d.keeper_round();
    // Collected NUM_EPOCHS_TO_UNLOCK after the call's epoch.
    while d.sys.net.epoch_height() < c.call_epoch + NUM_EPOCHS_TO_UNLOCK {
        d.next_epoch();
    }
    assert_eq!(d.sys.pool_summary().books.earmarked, 0, "in the reserve");
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
    let synced: Vec<_> = d
        .sys
        .router_validators()
        .into_iter()
        .filter_map(|v| v.synced_epoch)
        .collect();
    assert!(
        synced.contains(&c.call_epoch),
        "booked for the call's epoch"
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
    d.keeper_round();
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
    assert_eq!(
        d.sys.pool_summary().books.earmarked,
        0,
        "booked to the reserve"
    );
    d.keeper_round();
    d.step("alice withdraws", |s| {
        s.withdraw_all(&alice).assert_success().clone()
    });
}
