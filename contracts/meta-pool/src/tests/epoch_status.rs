//! What a keeper sees, and that its loop always ends.

use super::liquid::staked_for_new_holder;
use super::world::*;

#[test]
fn a_new_epoch_has_work_and_a_round_finishes_it() {
    let mut w = World::with_validators(3);
    // The seed and alice's stake, less the sNEAR registration her first
    // stake paid out of the buffer (at a price of 1, exactly `SNEAR_REG`).
    let unplaced = near(1) + staked_for_new_holder(&w.price(), near(50));
    assert_eq!(unplaced, near(51) - SNEAR_REG);
    w.deposit_and_stake("alice.near", near(50));
    let s = w.view().get_epoch_status();
    assert_eq!(s.validators_to_sync, 3);
    assert!(s.pool_state_push_pending);
    assert!(s.work_pending);
    assert!(!s.stake_pending, "nothing synced yet");
    w.drain(World::sync);
    let s = w.view().get_epoch_status();
    assert_eq!(s.validators_to_sync, 0);
    assert!(!s.pool_state_push_pending);
    assert!(s.stake_pending);
    assert_eq!(s.unplaced_stake.0, unplaced);
    w.keeper();
    let s = w.view().get_epoch_status();
    assert!(!s.work_pending, "{s:?}");
    assert!(!w.view().keeper_work_pending());
    w.next_epoch(0);
    assert!(w.view().keeper_work_pending());
}

#[test]
fn claims_show_as_backlog_until_unstaked() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    let s = w.view().get_epoch_status();
    assert!(s.unstake_pending);
    assert_eq!(s.unstake_backlog.0, near(10) - w.c.books.buffered);
    assert!(!s.unstake_blocked);
    w.drain(World::epoch_unstake);
    let s = w.view().get_epoch_status();
    assert_eq!(s.unstake_backlog.0, 0);
    assert!(!s.unstake_pending);
}

#[test]
fn calls_in_flight_are_counted() {
    let mut w = World::with_validators(2);
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_sync();
    });
    let held = w.hold();
    assert_eq!(w.view().get_epoch_status().calls_in_flight, 1);
    w.release(held);
    assert_eq!(w.view().get_epoch_status().calls_in_flight, 0);
}

#[test]
fn the_keeper_loop_ends_even_when_every_call_fails() {
    let mut w = World::with_validators(3);
    w.deposit_and_stake("alice.near", near(50));
    w.keeper();
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(10));
    w.drain(World::epoch_stake);
    w.unstake(&l, near(10));
    w.next_epoch(0);
    for i in 0..3 {
        let v = format!("v{i}.pool.near");
        for m in ["get_account", "deposit_and_stake", "unstake", "withdraw"] {
            w.fault(&v, m, Fault::Fail, true);
        }
    }
    w.keeper();
    let s = w.view().get_epoch_status();
    assert!(!s.work_pending, "{s:?}");
    assert!(w
        .c
        .validators
        .get()
        .iter()
        .all(|v| v.failed_epoch == Some(w.epoch)));
    assert_eq!(w.all_events("epoch_failed").len(), 3);
}
