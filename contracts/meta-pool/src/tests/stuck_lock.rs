//! Issue 13, part 4: a validator lock whose callback never ran is released
//! by `epoch_sync` after `LOCK_RECOVERY_EPOCHS`, and the sync's reading
//! settles the lost call; a callback arriving after that is ignored.

use near_sdk::json_types::U128;
use near_sdk::PromiseError;

use super::world::*;
use crate::config::LOCK_RECOVERY_EPOCHS;
use crate::epoch::RawResult;
use crate::validators::{EpochOp, Validator};
use crate::MetaPool;

/// Makes the epoch operation `op`, lets its validator call run (or, with
/// `reach_pool` false, not even that) and drops the callback, as if it ran
/// out of gas. Returns the validator it locked.
fn drop_callback(w: &mut World, reach_pool: bool, op: impl FnOnce(&mut MetaPool)) -> Validator {
    w.call("keeper.near", 0, op);
    let held = w.hold();
    let external: Vec<_> = held
        .into_iter()
        .filter(|r| reach_pool && r.receiver_id != id(ROUTER))
        .collect();
    w.release(external);
    let locked: Vec<Validator> =
        w.c.validators
            .get()
            .iter()
            .filter(|v| v.lock.is_some())
            .cloned()
            .collect();
    assert_eq!(locked.len(), 1, "one validator locked");
    locked[0].clone()
}

/// Runs the keeper over the epochs the stuck lock lasts, then the epoch that
/// recovers it; the invariants hold after the recovery.
fn recover(w: &mut World, v: &Validator) {
    let name = v.account_id.to_string();
    for _ in 1..LOCK_RECOVERY_EPOCHS {
        w.next_epoch(0);
        w.keeper_ops();
        assert!(w.validator(&name).lock.is_some(), "a young lock is kept");
        assert!(w.all_events("lock_recovered").is_empty());
    }
    w.next_epoch(0);
    w.keeper();
    let r = w.all_events("lock_recovered");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["validator_id"], name);
    assert_eq!(r[0]["locked_epoch"], v.lock_epoch);
    let now = w.validator(&name);
    assert_eq!(now.lock, None);
    assert_eq!(now.lost_call, None, "settled");
    assert_eq!(now.synced_epoch, Some(w.epoch));
}

fn settled(w: &World) -> near_sdk::serde_json::Value {
    let s = w.all_events("lost_call_settled");
    assert_eq!(s.len(), 1, "{s:?}");
    s[0].clone()
}

/// The account unstakes everything it has and is paid all it is owed.
fn exit_and_get_paid(w: &mut World, who: &str) {
    let staked = w.view().get_account_staked_balance(id(who)).0;
    if staked > 0 {
        w.unstake(who, staked);
    }
    let owed = w.account(who).unstaked;
    let paid_before = w.paid.get(&id(who)).copied().unwrap_or(0);
    for _ in 0..12 {
        w.next_epoch(0);
        w.keeper();
        if w.view().is_account_unstaked_balance_available(id(who)) {
            w.withdraw(who, owed);
            assert_eq!(w.paid[&id(who)] - paid_before, owed);
            w.check();
            return;
        }
    }
    panic!("{who} never paid");
}

/// A placed lockup with 40 NEAR more buffered, synced this epoch.
fn with_buffer() -> (World, String) {
    let (mut w, l) = World::with_placed_lockup();
    w.deposit_and_stake(&l, near(40));
    (w, l)
}

#[test]
fn a_lost_stake_callback_whose_stake_landed_is_booked_as_staked() {
    let (mut w, l) = with_buffer();
    let v = drop_callback(&mut w, true, |c| drop(c.epoch_stake()));
    assert_eq!(v.lock, Some(EpochOp::Stake));
    assert_eq!(w.c.books.stake_in_flight, v.lock_amount);
    recover(&mut w, &v);
    let s = settled(&w);
    assert_eq!(
        (s["op"].as_str(), s["landed"].as_bool()),
        (Some("stake"), Some(true))
    );
    assert_eq!(w.c.books.stake_in_flight, 0);
    assert!(w.validator(v.account_id.as_str()).staked >= v.staked + v.lock_amount);
    // The callback arriving now is ignored.
    let books = w.c.books.clone();
    let more = w.call(ROUTER, 0, |c| {
        c.on_stake(
            v.account_id.clone(),
            U128(v.lock_amount),
            v.lock_epoch,
            Ok(RawResult(vec![])),
        )
    });
    assert!(!more);
    assert_eq!(w.c.books, books, "nothing booked twice");
    assert_eq!(w.events("stale_callback_ignored").len(), 1);
    w.check();
    exit_and_get_paid(&mut w, &l);
}

#[test]
fn a_lost_stake_callback_whose_stake_failed_returns_the_refund_to_the_buffer() {
    let (mut w, l) = with_buffer();
    let target = {
        // The validator epoch_stake will pick: try once with every pool failing.
        for name in [
            "v0.pool.near",
            "v1.pool.near",
            "v2.pool.near",
            "v3.pool.near",
        ] {
            w.fault(name, "deposit_and_stake", Fault::Fail, true);
        }
        drop_callback(&mut w, true, |c| drop(c.epoch_stake()))
    };
    w.faults.clear();
    recover(&mut w, &target);
    let s = settled(&w);
    assert_eq!(s["landed"], false);
    // The keeper's round after the recovery placed the refund again; the
    // invariants (`check`: each pool holds what is booked there) show no
    // phantom stake was booked.
    exit_and_get_paid(&mut w, &l);
}

#[test]
fn a_lost_unstake_callback_is_earmarked_and_the_claim_paid_at_its_quote() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(20));
    let quote = w.quote();
    w.drain(World::epoch_withdraw);
    let v = drop_callback(&mut w, true, |c| drop(c.epoch_unstake()));
    assert_eq!(v.lock, Some(EpochOp::Unstake));
    assert_eq!(v.lock_earmark, near(20), "the claims the call carries");
    assert_eq!(w.c.books.unstake_in_flight, near(20));
    recover(&mut w, &v);
    assert_eq!(settled(&w)["landed"], true);
    let after = w.validator(v.account_id.as_str());
    assert_eq!(after.earmarked, near(20));
    assert_eq!(after.last_unstake_epoch, Some(v.lock_epoch));
    // A late callback (failed or not) changes nothing.
    let books = w.c.books.clone();
    w.call(ROUTER, 0, |c| {
        c.on_unstake(
            v.account_id.clone(),
            U128(v.lock_amount),
            U128(near(20)),
            v.lock_epoch,
            EpochOp::Unstake,
            Err(PromiseError::Failed),
        )
    });
    assert_eq!(w.c.books, books);
    while w.epoch < quote {
        w.next_epoch(0);
        w.keeper();
    }
    assert!(w.view().is_account_unstaked_balance_available(id(&l)));
    w.withdraw(&l, near(20));
    assert_eq!(w.paid[&id(&l)], near(20));
    w.check();
    exit_and_get_paid(&mut w, &l);
}

#[test]
fn a_lost_unstake_that_never_reached_the_pool_returns_the_claims() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(30));
    w.drain(World::epoch_withdraw);
    let v = drop_callback(&mut w, false, |c| drop(c.epoch_unstake()));
    recover(&mut w, &v);
    assert_eq!(settled(&w)["landed"], false);
    // The claims went back to the backlog and were unstaked again (the
    // recovery's round), once: the claims identity holds (`check`).
    assert!(w
        .all_events("epoch_failed")
        .iter()
        .any(|e| e["op"] == "unstake" && e["validator_id"] == v.account_id.as_str()));
    exit_and_get_paid(&mut w, &l);
    assert!(w.paid[&id(&l)] >= near(99) - 10, "everything paid");
}

#[test]
fn a_lost_withdraw_callback_moves_the_near_to_the_reserve() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(30));
    w.keeper();
    for _ in 0..4 {
        w.next_epoch(0);
        w.drain(World::sync);
        if w.c
            .validators
            .get()
            .iter()
            .any(|v| v.earmarked > 0 && v.can_withdraw)
        {
            break;
        }
        w.keeper();
    }
    let reserve = w.c.books.reserve;
    let v = drop_callback(&mut w, true, |c| drop(c.epoch_withdraw()));
    assert_eq!(v.lock, Some(EpochOp::Withdraw));
    recover(&mut w, &v);
    assert_eq!(settled(&w)["landed"], true);
    assert_eq!(w.validator(v.account_id.as_str()).earmarked, 0);
    assert!(w.c.books.reserve >= reserve + near(30));
    let books = w.c.books.clone();
    w.call(ROUTER, 0, |c| {
        c.on_withdraw(
            v.account_id.clone(),
            U128(v.lock_amount),
            v.lock_epoch,
            Ok(RawResult(vec![])),
        )
    });
    assert_eq!(w.c.books, books, "a late withdraw callback books nothing");
    w.withdraw(&l, near(30));
    assert_eq!(w.paid[&id(&l)], near(30));
    w.check();
}

#[test]
fn a_lost_sync_callback_is_recovered_and_its_late_reading_ignored() {
    let (mut w, l) = World::with_placed_lockup();
    w.next_epoch(10);
    let v = drop_callback(&mut w, true, |c| drop(c.epoch_sync()));
    assert_eq!(v.lock, Some(EpochOp::Sync));
    recover(&mut w, &v);
    assert!(
        w.all_events("lost_call_settled").is_empty(),
        "a sync moved nothing"
    );
    let books = w.c.books.clone();
    let list = w.c.validators.get().clone();
    let reading = near_sdk::serde_json::json!({"account_id": ROUTER,
        "unstaked_balance": "0", "staked_balance": (v.staked * 2).to_string(),
        "can_withdraw": true});
    w.call(ROUTER, 0, |c| {
        c.on_sync(
            v.account_id.clone(),
            v.lock_epoch,
            true,
            Ok(RawResult(near_sdk::serde_json::to_vec(&reading).unwrap())),
        )
    });
    assert_eq!(w.c.books, books);
    assert_eq!(*w.c.validators.get(), list);
    w.check();
    exit_and_get_paid(&mut w, &l);
}

#[test]
fn a_slow_callback_inside_the_window_is_booked_normally() {
    let (mut w, _) = with_buffer();
    w.call("keeper.near", 0, |c| drop(c.epoch_stake()));
    let held = w.hold();
    for _ in 1..LOCK_RECOVERY_EPOCHS {
        w.next_epoch(0);
        w.keeper_ops();
    }
    w.release(held);
    assert!(w.all_events("lock_recovered").is_empty());
    assert!(w.all_events("stale_callback_ignored").is_empty());
    assert!(w.c.validators.get().iter().all(|v| v.lock.is_none()));
    assert_eq!(w.c.books.stake_in_flight, 0);
    w.check();
}
