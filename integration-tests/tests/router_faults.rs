//! Every fault switch of the test pool, one at a time, on localnet: the
//! router records the failure, leaves no lock, loses no yoctoNEAR (the
//! invariants run after every step, invariant 1 with its exact ledger of
//! the router's own funds) and does the work the next epoch.

use integration_tests::keeper::KeeperReport;
use integration_tests::suite::{Driver, Staker, ONE_NEAR};
use meta_pool::config::{EARMARK_OVERDUE_EPOCHS, MIN_EPOCH_MOVE, NUM_EPOCHS_TO_UNLOCK};
use serde_json::Value;

/// Four validators, 2000 NEAR of liquid stake placed on them.
fn placed() -> (Driver, Staker) {
    Driver::with_placed_stake(4, 2000)
}

/// The `epoch_failed` events of a round, `(op, validator, reason)`.
fn failures(round: &KeeperReport) -> Vec<(String, String, String)> {
    round
        .events("epoch_failed")
        .into_iter()
        .flat_map(|d| d.as_array().cloned().unwrap_or_else(|| vec![d.clone()]))
        .map(|d: Value| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("op"), s("validator_id"), s("reason"))
        })
        .collect()
}

fn no_locks(d: &Driver) {
    assert!(d.sys.router_validators().iter().all(|v| v.lock.is_none()));
}

#[test]
fn a_failed_ping_still_reads_the_pool() {
    let (mut d, _) = placed();
    d.step("v0 fails its next ping", |s| {
        s.fault_fail_next_calls(0, "ping", 1);
        s.advance_epochs(1);
    });
    let round = d.keeper_round();
    assert!(failures(&round).is_empty(), "{:?}", failures(&round));
    let v0 = d.sys.validator(&d.sys.pools[0].id).unwrap();
    assert_eq!(
        v0.synced_epoch,
        Some(d.sys.net.epoch_height()),
        "read and booked"
    );
    no_locks(&d);
}

#[test]
fn a_failed_stake_returns_the_near_to_the_buffer_and_is_placed_next_epoch() {
    let (mut d, alice) = placed();
    d.step(
        "every pool fails its next deposit_and_stake; alice stakes 400",
        |s| {
            for i in 0..4 {
                s.fault_fail_next_calls(i, "deposit_and_stake", 1);
            }
            s.deposit_and_stake(&alice, 400 * ONE_NEAR).assert_success();
        },
    );
    let round = d.keeper_round();
    let f = failures(&round);
    assert!(
        !f.is_empty()
            && f.iter()
                .all(|(op, _, r)| op == "stake" && r == "call_failed")
    );
    assert!(d.sys.pool_summary().books.buffered >= 400 * ONE_NEAR);
    assert_eq!(d.sys.pool_summary().books.stake_in_flight, 0);
    no_locks(&d);
    d.next_epoch();
    assert!(
        d.sys.pool_summary().books.buffered < MIN_EPOCH_MOVE,
        "placed"
    );
}

#[test]
fn a_failed_unstake_keeps_the_claim_in_the_backlog() {
    let (mut d, alice) = placed();
    d.step(
        "every pool fails its next unstake; alice unstakes 300",
        |s| {
            for i in 0..4 {
                s.fault_fail_next_calls(i, "unstake", 1);
            }
            s.unstake(&alice, 300 * ONE_NEAR).assert_success();
        },
    );
    let round = d.keeper_round();
    assert!(failures(&round).iter().all(|(op, _, _)| op == "unstake"));
    let status = round.status_after.clone().unwrap();
    assert!(
        status.unstake_blocked,
        "the backlog is reported: {status:?}"
    );
    assert_eq!(d.sys.pool_summary().books.unstake_in_flight, 0);
    no_locks(&d);
    d.next_epoch();
    assert_eq!(
        d.sys.pool_summary().books.to_unstake,
        0,
        "unstaked next epoch"
    );
}

#[test]
fn a_failed_withdraw_books_nothing_and_is_retried() {
    let (mut d, alice) = placed();
    d.step("alice unstakes 300", |s| {
        s.unstake(&alice, 300 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK - 1 {
        d.next_epoch();
    }
    d.step("every pool fails its next withdraw", |s| {
        for i in 0..4 {
            s.fault_fail_next_calls(i, "withdraw", 1);
        }
        s.advance_epochs(1);
    });
    let round = d.keeper_round();
    let f = failures(&round);
    assert!(!f.is_empty(), "{f:?}");
    assert!(
        f.iter()
            .all(|(op, _, r)| op == "withdraw" && r == "call_failed"),
        "{f:?}"
    );
    assert!(d.sys.pool_summary().books.earmarked > 0, "nothing booked");
    no_locks(&d);
    d.next_epoch();
    assert_eq!(
        d.sys.pool_summary().books.earmarked,
        0,
        "collected next epoch"
    );
    d.step("alice withdraws", |s| {
        s.withdraw_all(&alice).assert_success().clone()
    });
}

#[test]
fn failing_views_skip_the_validator_for_the_epoch() {
    let (mut d, _) = placed();
    d.step("v1's views fail", |s| {
        s.fault_fail_views(1, true);
        s.advance_epochs(1);
    });
    let round = d.keeper_round();
    let v1 = d.sys.pools[1].id.to_string();
    assert_eq!(
        failures(&round),
        [("sync".into(), v1, "call_failed".into())]
    );
    assert!(
        round.finished(),
        "a failed validator is skipped: the keeper stops"
    );
    no_locks(&d);
    d.step("views back", |s| s.fault_fail_views(1, false));
    d.next_epoch();
}

#[test]
fn a_balance_jump_either_way_is_refused_and_books_nothing() {
    let (mut d, _) = placed();
    for (delta_sign, reason) in [(1i128, "reward_too_large"), (-1, "balance_decreased")] {
        let before = d.sys.pool_summary();
        d.step("v2 reports 5% more or less", |s| {
            let (staked, _) = s.pool_balance_of_router(2).unwrap();
            s.fault_balance_delta(2, delta_sign * (staked / 20) as i128);
            s.advance_epochs(1);
        });
        let round = d.keeper_round();
        let v2 = d.sys.pools[2].id.to_string();
        assert_eq!(failures(&round), [("sync".into(), v2, reason.into())]);
        let after = d.sys.pool_summary();
        let v2_record = d.sys.validator(&d.sys.pools[2].id).unwrap();
        assert!(v2_record.synced_epoch < Some(d.sys.net.epoch_height()));
        // Nothing of the jump booked: the others' rewards only.
        assert!(after.books.total_staked < before.books.total_staked + 5 * ONE_NEAR);
        d.step("delta off", |s| s.fault_reset(2));
        d.next_epoch();
    }
}

#[test]
fn paused_staking_keeps_the_stake_booked() {
    let (mut d, alice) = placed();
    d.step("v3 pauses staking; alice stakes 400", |s| {
        s.fault_pause_staking(3, true);
        s.deposit_and_stake(&alice, 400 * ONE_NEAR).assert_success();
    });
    let round = d.keeper_round();
    assert!(failures(&round).is_empty());
    d.step("v3 resumes", |s| s.fault_pause_staking(3, false));
    d.next_epoch();
}

#[test]
fn gas_burnt_by_a_pool_fails_its_call_not_the_callback() {
    let (mut d, alice) = placed();
    d.step(
        "v0 burns all gas in deposit_and_stake and get_account",
        |s| {
            s.fault_burn_gas(0, "deposit_and_stake", 300);
            s.fault_burn_gas(0, "get_account", 300);
            s.deposit_and_stake(&alice, 400 * ONE_NEAR).assert_success();
            s.advance_epochs(1);
        },
    );
    let round = d.keeper_round();
    let v0 = d.sys.pools[0].id.to_string();
    assert_eq!(
        failures(&round),
        [("sync".into(), v0, "call_failed".into())]
    );
    // Synced validators took the stake; the callbacks all ran.
    for c in &round.calls {
        assert!(c.callbacks.iter().all(|(m, _)| m.starts_with("on_")));
    }
    no_locks(&d);
    d.step("burns off", |s| s.fault_reset(0));
    d.next_epoch();
}

#[test]
fn earmarks_at_a_validator_that_stays_broken_are_served_elsewhere() {
    let (mut d, alice) = placed();
    d.step("alice unstakes 300", |s| {
        s.unstake(&alice, 300 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    let broken = d
        .sys
        .router_validators()
        .into_iter()
        .position(|v| v.unstaked_for_reserve.0 > 0)
        .unwrap();
    let id = d.sys.pools[broken].id.clone();
    d.step("its views fail for good", |s| {
        s.fault_fail_views(broken, true)
    });
    for _ in 0..NUM_EPOCHS_TO_UNLOCK + EARMARK_OVERDUE_EPOCHS {
        d.next_epoch();
    }
    let v = d.sys.validator(&id).unwrap();
    assert_eq!(v.unstaked_for_reserve.0, 0, "released: {v:?}");
    let elsewhere = d
        .sys
        .router_validators()
        .into_iter()
        .find(|v| v.unstaked_for_reserve.0 > 0)
        .expect("the claim was unstaked from another validator");
    assert_ne!(elsewhere.account_id, id);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        d.next_epoch();
    }
    assert!(d.sys.core_views(&alice.id).available);
    d.step("alice withdraws, late but whole", |s| {
        s.withdraw_all(&alice).assert_success().clone()
    });
}
