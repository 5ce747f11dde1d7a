//! Unstake and withdraw: validator choice, earmarks, the 4-epoch window,
//! draining, failures.

use super::world::*;
use crate::config::NUM_EPOCHS_TO_UNLOCK;
use crate::validators::{EpochOp, ValidatorState};
use meta_common::actions::RouterAction;
use near_sdk::serde_json::json;

fn action(w: &mut World, a: RouterAction) -> bool {
    w.exec_bool(OWNER, 0, |c| c.apply_governance_action(a))
}

#[test]
fn claims_are_unstaked_from_the_validator_furthest_above_target() {
    let (mut w, l) = World::with_placed_lockup();
    // v3 earned a little more: it is the furthest above target.
    w.pools
        .get_mut(&id("v3.pool.near"))
        .unwrap()
        .reward(near(2));
    w.next_epoch(0);
    w.drain(World::sync);
    w.unstake(&l, near(10));
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_unstake();
    });
    assert_eq!(w.c.books.unstake_in_flight, near(10));
    assert_eq!(w.c.books.to_unstake, 0);
    assert_eq!(w.validator("v3.pool.near").lock, Some(EpochOp::Unstake));
    let more = w.run();
    assert!(!decode::<bool>(more), "all demand taken at once");
    let v3 = w.validator("v3.pool.near");
    assert_eq!(v3.earmarked, near(10));
    assert_eq!(v3.unstaked, near(10));
    assert_eq!(v3.last_unstake_epoch, Some(w.epoch));
    assert_eq!(w.c.books.earmarked, near(10));
    assert_eq!(w.c.books.unstake_in_flight, 0);
    w.check();
}

#[test]
fn withdraw_collects_after_the_window_into_the_reserve() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.keeper();
    let v =
        w.c.validators
            .get()
            .iter()
            .find(|v| v.earmarked > 0)
            .unwrap()
            .account_id
            .clone();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK - 1 {
        w.next_epoch(0);
        w.drain(World::sync);
        assert!(!w.epoch_withdraw(), "still locked at the pool");
    }
    w.next_epoch(0);
    w.drain(World::sync);
    let reserve = w.c.books.reserve;
    w.epoch_withdraw();
    let after = w.validator(v.as_str());
    assert_eq!(after.unstaked, 0);
    assert_eq!(after.earmarked, 0);
    assert!(w.c.books.reserve >= reserve + near(10));
    assert_eq!(
        w.all_events("epoch_success").last().unwrap()["op"],
        "withdraw"
    );
    w.check();
}

#[test]
fn an_earmarked_validator_takes_no_unstake_from_another_epoch() {
    let mut w = World::with_validators(1);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(399));
    w.keeper();
    w.next_epoch(0);
    w.drain(World::sync);
    // All 300 buffered NEAR would net: keep the buffer empty by raising
    // the cap so everything is placed.
    action(
        &mut w,
        RouterAction::SetParameter {
            parameter: meta_common::actions::RouterParameter::MaxValidatorShareBps(3_000),
        },
    );
    w.unstake(&l, near(350));
    w.keeper();
    let v0 = w.validator("v0.pool.near");
    assert!(v0.earmarked > 0, "unstaked what the buffer could not net");
    // Next epoch, a new claim must not restart v0's wait.
    w.next_epoch(0);
    w.drain(World::sync);
    w.unstake(&l, near(10));
    assert!(!w.epoch_unstake());
    let status = w.view().get_epoch_status();
    assert!(status.unstake_blocked);
    assert_eq!(
        w.validator("v0.pool.near").last_unstake_epoch,
        v0.last_unstake_epoch
    );
    // A deposit nets against the blocked claim.
    w.deposit_and_stake("alice.near", near(20));
    w.keeper();
    assert_eq!(w.c.books.to_unstake, 0);
    assert!(!w.view().get_epoch_status().unstake_blocked);
}

#[test]
fn a_second_claim_in_the_same_epoch_joins_the_same_wait() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.drain(World::epoch_unstake);
    let first =
        w.c.validators
            .get()
            .iter()
            .position(|v| v.earmarked > 0)
            .unwrap();
    // Make the first validator the only one usable.
    for i in 0..4 {
        if i != first {
            w.c.validators.get_mut()[i].failed_epoch = Some(w.epoch);
        }
    }
    w.unstake(&l, near(5));
    assert!(w.epoch_unstake() || w.c.books.to_unstake == 0);
    assert_eq!(w.c.validators.get()[first].earmarked, near(15));
}

#[test]
fn a_failed_unstake_puts_the_claims_back() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    for i in 0..4 {
        w.fault(&format!("v{i}.pool.near"), "unstake", Fault::Fail, false);
    }
    let before = w.c.books.clone();
    assert!(w.epoch_unstake(), "other validators can still take it");
    assert_eq!(w.c.books.to_unstake, before.to_unstake);
    assert_eq!(w.c.books.unstake_in_flight, 0);
    let failed = w.all_events("epoch_failed");
    assert_eq!(failed.last().unwrap()["op"], "unstake");
    w.drain(World::epoch_unstake);
    assert!(w.c.validators.get().iter().all(|v| v.lock.is_none()));
    assert_eq!(
        w.c.books.to_unstake,
        near(10),
        "every validator failed this epoch"
    );
    w.check();
    w.next_epoch(0);
    w.keeper();
    assert_eq!(w.c.books.to_unstake, 0, "retried next epoch");
}

#[test]
fn a_failed_withdraw_books_nothing() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.keeper();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
    }
    w.drain(World::sync);
    let name =
        w.c.validators
            .get()
            .iter()
            .find(|v| v.earmarked > 0)
            .unwrap()
            .account_id
            .to_string();
    w.fault(&name, "withdraw", Fault::Fail, false);
    let before = w.c.books.clone();
    assert!(!w.epoch_withdraw());
    assert_eq!(w.c.books, before);
    assert_eq!(w.validator(&name).unstaked, near(10));
    assert_eq!(w.validator(&name).lock, None);
    w.check();
    w.next_epoch(0);
    w.keeper();
    assert_eq!(w.validator(&name).unstaked, 0, "collected next epoch");
    w.check();
}

#[test]
fn a_pool_that_says_not_yet_is_not_asked() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.keeper();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
    }
    let name =
        w.c.validators
            .get()
            .iter()
            .find(|v| v.earmarked > 0)
            .unwrap()
            .account_id
            .to_string();
    let v = w.validator(&name);
    let reply = json!({"account_id": ROUTER, "unstaked_balance": v.unstaked.to_string(),
        "staked_balance": v.staked.to_string(), "can_withdraw": false});
    w.fault(
        &name,
        "get_account",
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        false,
    );
    w.drain(World::sync);
    assert!(!w.epoch_withdraw());
}

#[test]
fn draining_empties_the_validator_and_removes_it() {
    let (mut w, _) = World::with_placed_lockup();
    assert!(action(
        &mut w,
        RouterAction::DrainValidator {
            account_id: id("v1.pool.near")
        }
    ));
    assert_eq!(w.validator("v1.pool.near").state, ValidatorState::Draining);
    assert_eq!(
        w.all_events("validator_state_changed")[0]["state"],
        "Draining"
    );
    w.keeper();
    let v1 = w.validator("v1.pool.near");
    assert_eq!(v1.staked, 0);
    assert_eq!(v1.unstaked, near(25));
    assert_eq!(v1.earmarked, 0, "no claims: all of it is transit");
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
        w.keeper();
    }
    assert!(
        w.view().get_validator(id("v1.pool.near")).is_none(),
        "removed"
    );
    assert_eq!(w.all_events("validator_removed").len(), 1);
    // Its stake went back to the others, under the cap.
    let staked: u128 = w.c.validators.get().iter().map(|v| v.staked).sum();
    assert_eq!(staked, near(75), "three validators at their 25% cap");
    assert_eq!(w.c.books.buffered, near(25), "the rest waits for room");
    w.check();
}

#[test]
fn remove_drains_first_when_the_validator_holds_stake() {
    let (mut w, _) = World::with_placed_lockup();
    assert!(action(
        &mut w,
        RouterAction::RemoveValidator {
            account_id: id("v2.pool.near")
        }
    ));
    assert_eq!(w.validator("v2.pool.near").state, ValidatorState::Draining);
    for _ in 0..=NUM_EPOCHS_TO_UNLOCK {
        w.keeper();
        w.next_epoch(0);
    }
    assert!(w.view().get_validator(id("v2.pool.near")).is_none());
}

#[test]
fn an_unstake_whose_callback_lands_next_epoch_counts_from_the_call() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_unstake();
    });
    let held = w.hold();
    w.next_epoch(0);
    w.release(held);
    let v =
        w.c.validators
            .get()
            .iter()
            .find(|v| v.earmarked > 0)
            .unwrap()
            .clone();
    assert_eq!(
        v.last_unstake_epoch,
        Some(w.epoch - 1),
        "the call's epoch: the pool's wait started then"
    );
    assert!(
        !v.free_for_claims(w.epoch),
        "in the callback's epoch another claims unstake there would restart the wait"
    );
    w.check();
}

#[test]
fn rounding_dust_left_unstaked_is_not_worth_a_call() {
    let (mut w, _) = World::with_placed_lockup();
    let reply = |v: &crate::validators::Validator, unstaked: u128| {
        near_sdk::serde_json::to_vec(&json!({"account_id": ROUTER,
            "unstaked_balance": unstaked.to_string(),
            "staked_balance": v.staked.to_string(), "can_withdraw": true}))
        .unwrap()
    };
    w.next_epoch(0);
    let v0 = w.validator("v0.pool.near");
    w.fault(
        "v0.pool.near",
        "get_account",
        Fault::Reply(reply(&v0, 2)),
        false,
    );
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").unstaked, 2);
    assert!(!w.view().get_epoch_status().withdraw_pending);
    // A draining validator collects even dust, to be removed.
    assert!(action(
        &mut w,
        RouterAction::DrainValidator {
            account_id: id("v0.pool.near")
        }
    ));
    assert!(w.view().get_epoch_status().withdraw_pending);
}
