//! Rebalance: only past the threshold, within the budget, never against the
//! caps or before claims.

use super::world::*;
use crate::config::NUM_EPOCHS_TO_UNLOCK;
use meta_common::actions::{RouterAction, RouterParameter, ValidatorWeight};

/// Five validators holding 20 NEAR each (the seed and alice's 99: her
/// first stake also pays her sNEAR registration, at a price of 1 exactly
/// `SNEAR_REG`); then v4's weight drops to almost nothing, so it is ~20
/// NEAR (20% of the stake) above its target.
fn drifted() -> World {
    let mut w = World::with_validators(5);
    w.deposit_and_stake("alice.near", near(99) + SNEAR_REG);
    assert_eq!(w.c.books.total_staked, near(100));
    w.keeper();
    for i in 0..5 {
        assert_eq!(w.validator(&format!("v{i}.pool.near")).staked, near(20));
    }
    set(
        &mut w,
        RouterAction::SetWeights {
            weights: vec![ValidatorWeight {
                account_id: id("v4.pool.near"),
                weight_bps: 1,
            }],
        },
    );
    w.next_epoch(0);
    w.drain(World::sync);
    w
}

fn set(w: &mut World, a: RouterAction) {
    assert!(w.exec_bool(GOV, 0, |c| c.apply_governance_action(a)));
}

#[test]
fn no_rebalance_inside_the_threshold() {
    let mut w = World::with_validators(5);
    w.deposit_and_stake("alice.near", near(99));
    w.keeper();
    w.next_epoch(0);
    w.drain(World::sync);
    assert!(!w.view().get_epoch_status().rebalance_pending);
    assert!(!w.epoch_rebalance());
}

#[test]
fn rebalance_moves_at_most_the_budget_per_epoch() {
    let mut w = drifted();
    assert!(w.view().get_epoch_status().rebalance_pending);
    w.epoch_rebalance();
    let v4 = w.validator("v4.pool.near");
    // Budget: 2% of ~100 NEAR.
    let budget = crate::config::bps_of(w.c.books.total_staked, 200);
    assert_eq!(v4.unstaked, budget);
    assert_eq!(v4.earmarked, 0, "rebalanced NEAR is transit, not a claim");
    assert_eq!(w.c.rebalance_moved, budget);
    assert!(!w.epoch_rebalance(), "budget spent");
    assert_eq!(
        w.all_events("epoch_success").last().unwrap()["op"],
        "rebalance"
    );
    w.check();
}

#[test]
fn rebalanced_near_comes_back_and_goes_below_target() {
    let mut w = drifted();
    w.keeper();
    let moved = w.validator("v4.pool.near").unstaked;
    assert!(moved > 0);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
        w.keeper();
    }
    // Withdrawn to the buffer and placed on the four validators below target.
    assert!(w.validator("v4.pool.near").staked < near(20) - moved + 1);
    let others: u128 = (0..4)
        .map(|i| w.validator(&format!("v{i}.pool.near")).staked)
        .sum();
    assert!(others >= near(80) + moved);
    w.check();
}

#[test]
fn a_source_with_unstaked_near_pending_waits() {
    let mut w = drifted();
    w.keeper();
    w.next_epoch(0);
    w.drain(World::sync);
    assert!(w.validator("v4.pool.near").unstaked > 0);
    assert!(!w.epoch_rebalance(), "v4 still has its last move pending");
}

#[test]
fn claims_come_first() {
    let mut w = drifted();
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(10));
    w.drain(World::epoch_stake);
    assert!(w.c.books.buffered < near(1));
    w.unstake(&l, near(10));
    assert!(
        w.c.netted_books().to_unstake > 0,
        "the buffer cannot net it"
    );
    assert!(!w.view().get_epoch_status().rebalance_pending);
    assert!(!w.epoch_rebalance());
}

#[test]
fn a_zero_budget_disables_rebalancing() {
    let mut w = drifted();
    set(
        &mut w,
        RouterAction::SetParameter {
            parameter: RouterParameter::RebalanceMaxMoveBps(0),
        },
    );
    assert!(!w.epoch_rebalance());
}

#[test]
fn nothing_moves_when_no_one_can_receive() {
    let mut w = drifted();
    // The four others are at the network cap: there is nowhere to put it.
    for i in 0..4 {
        w.network.insert(format!("v{i}.pool.near"), near(60_000));
    }
    assert!(!w.epoch_rebalance());
}

#[test]
fn a_failed_rebalance_gives_the_budget_back() {
    let mut w = drifted();
    w.fault("v4.pool.near", "unstake", Fault::Fail, false);
    assert!(!w.epoch_rebalance());
    assert_eq!(w.c.rebalance_moved, 0);
    assert_eq!(w.validator("v4.pool.near").unstaked, 0);
    w.check();
}

/// Found by the randomized invariant runs (integration-tests, seed 3): the
/// room below target is not used up by a rebalance (its NEAR comes back
/// only after the pool's wait), so each call counted the same room again
/// and the validator above target, still a source in the epoch of its last
/// unstake, gave up the whole budget for a gap a fraction of it fills.
#[test]
fn repeated_calls_move_no_more_than_the_others_can_take() {
    let mut w = drifted();
    set(
        &mut w,
        RouterAction::SetParameter {
            parameter: RouterParameter::RebalanceMaxMoveBps(1_000),
        },
    );
    // v1..v3 are past the network cap (5% of ~1,275,000 NEAR); v0 has a
    // few NEAR of room left under it, its own 63,712 and the 20 the router
    // added there lately counted.
    for i in 1..4 {
        w.network.insert(format!("v{i}.pool.near"), near(70_000));
    }
    w.network.insert("v0.pool.near".into(), near(63_712));
    w.next_epoch(0);
    w.drain(World::sync);
    let room: u128 = (0..4)
        .map(|i| {
            w.view()
                .get_validator(id(&format!("v{i}.pool.near")))
                .unwrap()
                .stake_room
                .0
        })
        .sum();
    assert!(room > near(1) && room < near(5), "room {room}");
    let budget = crate::config::bps_of(w.c.books.total_staked, 1_000);
    assert!(budget > 2 * room);
    w.drain(World::epoch_rebalance);
    let moved = w.validator("v4.pool.near").unstaked;
    assert!(moved > 0, "a move was due");
    assert!(moved <= room, "moved {moved} for {room} of room");
    assert!(!w.view().get_epoch_status().rebalance_pending);
    w.check();
}
