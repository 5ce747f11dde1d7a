//! Every fault switch of the test pool, one at a time, on localnet: the
//! router records the failure, leaves no lock, loses no yoctoNEAR (the
//! invariants run after every step, invariant 1 with its exact ledger of
//! the router's own funds) and does the work the next epoch.

use integration_tests::keeper::KeeperReport;
use integration_tests::suite::{Driver, Staker, ONE_NEAR};
use meta_common::shares::SharePool;
use meta_pool::config::{EARMARK_OVERDUE_EPOCHS, NUM_EPOCHS_TO_UNLOCK};
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
    let validators = d.sys.router_validators();
    assert!(!validators.is_empty());
    assert!(
        validators.iter().all(|v| v.lock.is_none()),
        "{validators:?}"
    );
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
    let buffered = d.sys.pool_summary().books.buffered;
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
    assert_eq!(
        d.sys.pool_summary().books.buffered,
        buffered + 400 * ONE_NEAR,
        "every failed stake back in the buffer"
    );
    assert_eq!(d.sys.pool_summary().books.stake_in_flight, 0);
    no_locks(&d);
    d.next_epoch();
    assert_eq!(d.sys.pool_summary().books.buffered, 0, "placed");
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
    let claim = d.sys.account_details(&alice.id).unstaked_balance.0;
    let round = d.keeper_round();
    let f = failures(&round);
    assert!(!f.is_empty(), "{f:?}");
    assert!(
        f.iter()
            .all(|(op, _, r)| op == "unstake" && r == "call_failed"),
        "{f:?}"
    );
    assert_eq!(
        d.sys.pool_summary().books.to_unstake,
        claim,
        "the whole claim still waits to be unstaked"
    );
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
    let earmarked = d.sys.pool_summary().books.earmarked;
    let reserve = d.sys.pool_summary().books.reserve;
    assert!(earmarked > 0, "alice's claim is earmarked");
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
    assert_eq!(
        d.sys.pool_summary().books.earmarked,
        earmarked,
        "nothing booked"
    );
    no_locks(&d);
    d.next_epoch();
    assert_eq!(
        d.sys.pool_summary().books.earmarked,
        0,
        "collected next epoch"
    );
    assert_eq!(d.sys.pool_summary().books.reserve, reserve + earmarked);
    d.withdraw_exactly(&alice, None, "alice withdraws");
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
        let staked_before: Vec<u128> = d
            .sys
            .router_validators()
            .iter()
            .map(|v| v.staked.0)
            .collect();
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
        // Nothing of the jump booked: v2's record stays as it was and the
        // total grows by exactly the others' rewards.
        assert_eq!(v2_record.staked.0, staked_before[2]);
        let others_rewards: u128 = d
            .sys
            .router_validators()
            .iter()
            .zip(&staked_before)
            .map(|(v, b)| v.staked.0 - b)
            .sum();
        assert_eq!(
            after.books.total_staked,
            before.books.total_staked + others_rewards
        );
        d.step("delta off", |s| s.fault_reset(2));
        d.next_epoch();
    }
}

/// A paused pool still books deposits and shares (the core pool's pause
/// only withholds the stake action), so the router places its share there
/// as anywhere else and nothing is lost or held back.
#[test]
fn paused_staking_keeps_the_stake_booked() {
    let (mut d, alice) = placed();
    let before = d.sys.pool_summary().books;
    let snear_before = d.sys.snear_balance(&alice.id);
    let staked_before: Vec<u128> = d
        .sys
        .router_validators()
        .iter()
        .map(|v| v.staked.0)
        .collect();
    assert_eq!(before.buffered, 0, "the placed stake is all out");
    d.step("v3 pauses staking; alice stakes 400", |s| {
        s.fault_pause_staking(3, true);
        s.deposit_and_stake(&alice, 400 * ONE_NEAR).assert_success();
    });
    // Booked at the price of the stake: 400 NEAR more behind exactly the
    // shares minted to alice (rounded down, so she is worth no more than
    // she staked and the others lose nothing).
    let minted = SharePool::new(before.total_staked, before.total_shares)
        .shares_from_amount_down(400 * ONE_NEAR)
        .unwrap();
    let booked = d.sys.pool_summary().books;
    assert_eq!(booked.total_staked, before.total_staked + 400 * ONE_NEAR);
    assert_eq!(booked.total_shares, before.total_shares + minted);
    assert_eq!(booked.buffered, 400 * ONE_NEAR);
    assert_eq!(d.sys.snear_balance(&alice.id), snear_before + minted);

    let round = d.keeper_round();
    assert!(failures(&round).is_empty(), "{:?}", failures(&round));
    // The even split of the four validators: 100 NEAR each, v3 included,
    // and v3's own books agree with the router's.
    let books = d.sys.pool_summary().books;
    let validators = d.sys.router_validators();
    assert_eq!(validators.len(), 4);
    for (i, v) in validators.iter().enumerate() {
        assert_eq!(v.staked.0, staked_before[i] + 100 * ONE_NEAR, "v{i}");
        // The core pool rounds each stake in its favour: at most a
        // yoctoNEAR below the record per stake placed there (two here).
        let at_pool = d.sys.pool_balance_of_router(i).unwrap().0;
        assert!(
            at_pool <= v.staked.0 && v.staked.0 - at_pool <= 2,
            "v{i}'s pool books the router's stake: {at_pool} vs {}",
            v.staked.0
        );
    }
    assert_eq!(books.buffered, 0);
    assert_eq!(books.stake_in_flight, 0);
    assert_eq!(
        (books.total_staked, books.total_shares),
        (booked.total_staked, booked.total_shares),
        "the price is unchanged: alice's sNEAR is worth what it was"
    );
    assert_eq!(d.sys.snear_balance(&alice.id), snear_before + minted);
    no_locks(&d);

    d.step("v3 resumes", |s| s.fault_pause_staking(3, false));
    d.next_epoch();
    // Resuming staked v3's whole balance with the network: it holds what
    // its peers hold, and the router's record follows its pool.
    let (network, _) = d.sys.network_stake();
    let validators = d.sys.router_validators();
    let at = |i: usize| network[&validators[i].account_id];
    assert_eq!(at(3), at(0), "v3 staked with the network as v0");
    for (i, v) in validators.iter().enumerate() {
        assert_eq!(d.sys.pool_balance_of_router(i).unwrap().0, v.staked.0);
        assert_eq!(v.staked.0, validators[0].staked.0, "v{i}");
    }
    assert_eq!(d.sys.pool_summary().books.buffered, 0);
    assert_eq!(d.sys.snear_balance(&alice.id), snear_before + minted);
}

#[test]
fn gas_burnt_by_a_pool_fails_its_call_not_the_callback() {
    let (mut d, alice) = placed();
    let v0_staked = d.sys.router_validators()[0].staked.0;
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
    let callbacks: Vec<&(String, _)> = round.calls.iter().flat_map(|c| &c.callbacks).collect();
    assert!(!callbacks.is_empty());
    assert!(
        callbacks.iter().all(|(m, _)| m.starts_with("on_")),
        "{callbacks:?}"
    );
    // The synced validators are filled to their targets (rounded down);
    // the rest, what v0 lacks, waits in the buffer for its next sync.
    let books = d.sys.pool_summary().books;
    let validators = d.sys.router_validators();
    for v in &validators[1..] {
        assert_eq!(v.staked.0, v.target.0, "{v:?}");
    }
    let v0 = &validators[0];
    assert_eq!(v0.staked.0, v0_staked, "none of it on v0");
    assert_eq!(books.stake_in_flight, 0);
    let placed: u128 = validators.iter().map(|v| v.staked.0).sum();
    assert_eq!(
        books.buffered,
        books.total_staked - placed,
        "v0's share waits"
    );
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
    d.withdraw_exactly(&alice, None, "alice withdraws, late but whole");
}
