//! Stake: netting, placement below target, both caps, failures.

use super::world::*;
use crate::validators::ValidatorState;
use meta_common::actions::{RouterAction, RouterParameter};

fn staked(w: &World, name: &str) -> u128 {
    w.validator(name).staked
}

/// A new holder's first liquid stake of `amount` that leaves exactly
/// `amount` staked at a price of 1: it also brings its sNEAR registration,
/// which at that price takes exactly `SNEAR_REG` out of the stake.
fn first_stake_at_par(w: &mut World, who: &str, amount: u128) {
    assert_eq!(w.price().total_staked, w.price().total_shares, "price 1");
    let before = w.c.books.total_staked;
    w.deposit_and_stake(who, amount + SNEAR_REG);
    assert_eq!(w.c.books.total_staked, before + amount);
}

#[test]
fn stake_fills_validators_furthest_below_target_first() {
    let mut w = World::with_validators(4);
    first_stake_at_par(&mut w, "alice.near", near(99));
    w.drain(World::sync);
    // 100 NEAR over four equal weights: 25 each, all within the 25% cap.
    w.drain(World::epoch_stake);
    assert_eq!(
        w.all_events("epoch_success")
            .iter()
            .filter(|e| e["op"] == "stake")
            .count(),
        4
    );
    for i in 0..4 {
        assert_eq!(staked(&w, &format!("v{i}.pool.near")), near(25));
    }
    assert_eq!(w.c.books.buffered, 0);
    w.check();
    // v2 earns a reward: the next stake tops up the others first, and
    // everyone ends at the same target.
    w.pools
        .get_mut(&id("v2.pool.near"))
        .unwrap()
        .reward(near(5));
    w.next_epoch(0);
    w.drain(World::sync);
    let v2_before = staked(&w, "v2.pool.near");
    assert!(v2_before > near(25), "v2 earned a reward");
    w.deposit_and_stake("bob.near", near(10));
    let first = w.c.validators.get().clone();
    w.epoch_stake();
    let changed: Vec<usize> = (0..4)
        .filter(|&i| w.c.validators.get()[i].staked != first[i].staked)
        .collect();
    assert_eq!(changed.len(), 1);
    assert_ne!(changed[0], 2, "not v2, which is the least below target");
    w.drain(World::epoch_stake);
    let target = w.view().get_validator(id("v0.pool.near")).unwrap().target.0;
    for i in 0..4 {
        let s = staked(&w, &format!("v{i}.pool.near"));
        assert!(s.abs_diff(target) <= 4, "v{i} at its target");
    }
    w.check();
}

#[test]
fn weights_set_the_targets() {
    let mut w = World::new();
    w.add_validator("a.pool.near", 1_000);
    for n in ["b", "c", "d", "e"] {
        w.add_validator(&format!("{n}.pool.near"), 3_000);
    }
    first_stake_at_par(&mut w, "alice.near", near(129));
    w.keeper();
    // 130 NEAR by 1:3:3:3:3 is 10 and 30 each.
    assert_eq!(staked(&w, "a.pool.near"), near(10));
    for n in ["b", "c", "d", "e"] {
        assert_eq!(staked(&w, &format!("{n}.pool.near")), near(30));
    }
    assert_eq!(w.view().get_unplaced_stake().0, 0);
}

#[test]
fn weight_above_the_cap_flows_to_the_others() {
    let mut w = World::new();
    w.add_validator("a.pool.near", 1_000);
    for n in ["b", "c", "d"] {
        w.add_validator(&format!("{n}.pool.near"), 3_000);
    }
    first_stake_at_par(&mut w, "alice.near", near(99));
    w.keeper();
    // b, c and d would take 30 each: capped at 25, the rest goes to a.
    for n in ["a", "b", "c", "d"] {
        assert_eq!(staked(&w, &format!("{n}.pool.near")), near(25));
    }
    assert!(
        !w.view().get_epoch_status().rebalance_pending,
        "targets agree with the caps"
    );
}

#[test]
fn a_single_validator_is_held_to_its_cap() {
    let mut w = World::with_validators(1);
    first_stake_at_par(&mut w, "alice.near", near(399));
    w.keeper();
    assert_eq!(staked(&w, "v0.pool.near"), near(100), "25% of 400");
    let summary = w.view().get_pool_summary();
    assert_eq!(summary.unplaced_stake.0, near(300));
    assert_eq!(summary.placeable_stake.0, 0);
    let status = w.view().get_epoch_status();
    assert!(!status.stake_pending);
    assert_eq!(status.unplaced_stake.0, near(300));
    assert!(!w.epoch_stake(), "nothing more can be placed");
    // Rewards raise the total; the cap follows, never exceeded.
    for _ in 0..5 {
        w.next_epoch(50);
        w.keeper();
    }
}

#[test]
fn the_network_share_caps_a_validator() {
    let mut w = World::with_validators(4);
    // A network of 1000 NEAR: 5% is 50; v0 already has 45 of it.
    for i in 0..4 {
        w.network.insert(format!("v{i}.pool.near"), near(10));
    }
    w.network.insert("v0.pool.near".into(), near(45));
    w.network_others = near(1_000) - near(75);
    w.deposit_and_stake("alice.near", near(99));
    w.keeper();
    assert_eq!(
        staked(&w, "v0.pool.near"),
        near(5),
        "only up to 5% of the network"
    );
    // The addition is not visible to env::validator_stake yet: it still counts.
    w.deposit_and_stake("bob.near", near(100));
    w.keeper();
    assert_eq!(staked(&w, "v0.pool.near"), near(5));
    let view = w.view().get_validator(id("v0.pool.near")).unwrap();
    assert_eq!(view.stake_room.0, 0);
    assert_eq!(view.network_stake.0, near(45));
}

#[test]
fn paused_draining_and_unsynced_validators_take_no_stake() {
    let mut w = World::with_validators(4);
    w.exec_bool(OWNER, 0, |c| {
        c.apply_governance_action(RouterAction::PauseValidator {
            account_id: id("v1.pool.near"),
        })
    });
    w.exec_bool(OWNER, 0, |c| {
        c.apply_governance_action(RouterAction::DrainValidator {
            account_id: id("v2.pool.near"),
        })
    });
    assert_eq!(
        w.view().get_number_of_validators(),
        3,
        "v2 held nothing: removed"
    );
    first_stake_at_par(&mut w, "alice.near", near(99));
    assert!(!w.epoch_stake(), "nothing synced yet");
    w.keeper();
    assert_eq!(staked(&w, "v1.pool.near"), 0);
    assert_eq!(w.validator("v1.pool.near").state, ValidatorState::Paused);
    assert_eq!(staked(&w, "v0.pool.near"), near(25));
    assert_eq!(staked(&w, "v3.pool.near"), near(25));
    w.check();
}

#[test]
fn a_failed_stake_comes_back_to_the_buffer() {
    let mut w = World::with_validators(4);
    first_stake_at_par(&mut w, "alice.near", near(99));
    w.drain(World::sync);
    let balance = w.balance;
    w.fault("v0.pool.near", "deposit_and_stake", Fault::Fail, false);
    w.epoch_stake();
    let v0 = w.validator("v0.pool.near");
    assert_eq!(v0.staked, 0);
    assert_eq!(v0.lock, None);
    assert_eq!(v0.failed_epoch, Some(w.epoch));
    assert_eq!(w.balance, balance, "the deposit came back");
    assert_eq!(w.c.books.buffered, near(100));
    assert_eq!(w.all_events("epoch_failed")[0]["op"], "stake");
    w.drain(World::epoch_stake);
    assert_eq!(staked(&w, "v0.pool.near"), 0, "skipped for the epoch");
    assert_eq!(w.c.books.buffered, near(25));
    w.check();
    w.next_epoch(0);
    w.keeper();
    assert_eq!(staked(&w, "v0.pool.near"), near(25), "retried next epoch");
    w.check();
}

#[test]
fn a_new_stake_takes_claims_still_staked_before_any_call() {
    let mut w = World::with_validators(4);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(99));
    w.keeper();
    w.next_epoch(0);
    w.unstake(&l, near(30));
    // Alice's 20 stays in the reserve backing 20 of the lockup's claim, and
    // 20 of the stake the claim would have unstaked backs alice's shares.
    w.deposit_and_stake("alice.near", near(20));
    let b = &w.c.books;
    assert_eq!(
        (b.buffered, b.to_unstake, b.reserve),
        (0, near(10), near(20))
    );
    w.drain(World::sync);
    assert!(!w.epoch_stake(), "nothing to place");
    assert!(w.all_events("netted").is_empty(), "nothing left to net");
    w.check();
}

#[test]
fn netting_puts_buffered_stake_against_claims() {
    let mut w = World::with_validators(1);
    // One validator: 75% of the stake stays buffered by the share cap.
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(99));
    w.keeper();
    let buffered = w.c.books.buffered;
    assert!(buffered > near(70));
    w.next_epoch(0);
    w.unstake(&l, near(30));
    w.drain(World::sync);
    assert!(!w.epoch_unstake(), "the buffer serves the claim");
    let b = &w.c.books;
    assert_eq!(b.to_unstake, 0);
    assert_eq!(b.buffered, buffered - near(30));
    assert_eq!(b.reserve, near(30));
    assert_eq!(w.all_events("netted")[0]["amount"], near(30).to_string());
    w.check();
}

#[test]
fn dust_below_the_minimum_move_stays_buffered() {
    let mut w = World::with_validators(4);
    first_stake_at_par(&mut w, "alice.near", near(99));
    w.keeper();
    assert_eq!(w.c.books.buffered, 0);
    first_stake_at_par(&mut w, "bob.near", near(1) / 2);
    w.next_epoch(0);
    w.keeper();
    assert_eq!(w.c.books.buffered, near(1) / 2);
    assert!(!w.view().get_epoch_status().stake_pending);
}

#[test]
fn lowering_the_cap_stops_new_stake_on_a_full_validator() {
    let mut w = World::with_validators(4);
    w.deposit_and_stake("alice.near", near(99));
    w.keeper();
    w.exec_bool(OWNER, 0, |c| {
        c.apply_governance_action(RouterAction::SetParameter {
            parameter: RouterParameter::MaxValidatorShareBps(2_000),
        })
    });
    w.deposit_and_stake("bob.near", near(100));
    w.next_epoch(0);
    w.keeper();
    for i in 0..4 {
        assert!(staked(&w, &format!("v{i}.pool.near")) <= near(40));
    }
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn stake_needs_its_gas() {
    let mut w = World::with_validators(1);
    w.deposit_and_stake("alice.near", near(99));
    w.drain(World::sync);
    w.prepaid_tgas = 60;
    w.epoch_stake();
}
