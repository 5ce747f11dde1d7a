//! Sync rewards: readings, fees, the pushed pool state, and every way a
//! reading can be unusable.

use super::world::*;
use crate::validators::EpochOp;
use meta_common::pool_state::REWARD_INDEX_SCALE;
use meta_common::shares::mul_div_down;
use near_sdk::serde_json::json;

/// Four validators holding 100 NEAR of liquid stake (plus the seed).
fn staked_world() -> World {
    let mut w = World::with_validators(4);
    w.deposit_and_stake("alice.near", near(100));
    w.keeper();
    w
}

#[test]
fn sync_books_rewards_mints_the_fee_and_pushes_the_state() {
    let mut w = staked_world();
    w.next_epoch(100); // 1% on every pool
    let booked_before: u128 = w.c.validators.get().iter().map(|v| v.staked).sum();
    let price_before = w.price();
    let more = w.sync();
    assert!(more, "three validators left");
    let v0 = w.validator("v0.pool.near");
    let reading = w.pools[&id("v0.pool.near")].value();
    assert_eq!(v0.staked, reading - v0.unstaked);
    assert_eq!(v0.synced_epoch, Some(w.epoch));
    let synced = w.all_events("rewards_synced").last().unwrap().clone();
    let reward: u128 = synced["reward"].as_str().unwrap().parse().unwrap();
    let fee: u128 = synced["fee"].as_str().unwrap().parse().unwrap();
    assert!(reward > 0);
    assert_eq!(fee, reward * 500 / 10_000, "5% default fee");
    let fee_shares: u128 = synced["fee_shares"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        w.snear[&id(TREASURY)],
        fee_shares,
        "fee minted to the treasury"
    );
    assert_eq!(w.snear_state.as_ref().unwrap().epoch_height, w.epoch);
    assert_eq!(w.c.pushed_epoch, Some(w.epoch));
    assert!(w.price().price_at_least(&price_before));
    assert_ne!(w.price(), price_before, "the price rose");
    w.drain(World::sync);
    let booked_after: u128 = w.c.validators.get().iter().map(|v| v.staked).sum();
    assert!(booked_after > booked_before);
    assert!(!w.sync(), "nothing left this epoch");
    w.check();
}

#[test]
fn the_fee_buys_shares_at_the_price_after_the_reward() {
    let mut w = staked_world();
    w.next_epoch(100);
    let b = w.c.books.clone();
    w.sync();
    let s = w.all_events("rewards_synced").last().unwrap().clone();
    let reward: u128 = s["reward"].as_str().unwrap().parse().unwrap();
    let fee = reward * 500 / 10_000;
    let expected = mul_div_down(fee, b.total_shares, b.total_staked + reward - fee).unwrap();
    assert_eq!(s["fee_shares"], json!(expected.to_string()));
}

#[test]
fn the_index_advances_by_emission_over_shares() {
    let mut w = staked_world();
    let shares = w.c.books.total_shares;
    let index = w.c.reward_index;
    w.next_epoch(0);
    w.next_epoch(0);
    w.next_epoch(0);
    w.sync();
    let per_epoch = 1_000 * near(1);
    let expected = index + mul_div_down(3 * per_epoch, REWARD_INDEX_SCALE, shares).unwrap();
    assert_eq!(w.c.reward_index, expected);
    assert_eq!(w.snear_state.as_ref().unwrap().reward_index.0, expected);
    assert_eq!(
        w.all_events("reward_index_advanced").last().unwrap()["blocks"],
        3 * crate::config::EPOCH_BLOCKS
    );
}

#[test]
fn without_validators_sync_pushes_once_an_epoch() {
    let mut w = World::new();
    assert!(!w.sync(), "the push resolves to false");
    assert_eq!(w.all_events("pool_state_pushed").len(), 1);
    assert!(!w.sync());
    assert_eq!(w.all_events("pool_state_pushed").len(), 1, "once an epoch");
    w.next_epoch(0);
    w.sync();
    assert_eq!(w.all_events("pool_state_pushed").len(), 2);
    w.check();
}

fn failing_sync(w: &mut World, fault: Fault, reason: &str) {
    let before = w.c.books.clone();
    let v_before = w.validator("v0.pool.near");
    w.fault("v0.pool.near", "get_account", fault, false);
    let more = w.sync();
    assert!(more, "the other validators still wait");
    let v = w.validator("v0.pool.near");
    assert_eq!(v.lock, None, "unlocked");
    assert_eq!(v.failed_epoch, Some(w.epoch));
    assert_eq!(
        (v.staked, v.unstaked),
        (v_before.staked, v_before.unstaked),
        "nothing booked"
    );
    assert_eq!(w.c.books, before);
    let failed = w.all_events("epoch_failed");
    assert_eq!(failed.last().unwrap()["reason"], reason);
    assert_eq!(failed.last().unwrap()["op"], "sync");
    // The keeper moves on and finishes the epoch without it.
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch - 1));
    w.check();
    // Next epoch it is read again.
    w.next_epoch(0);
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch));
}

#[test]
fn sync_pings_the_pool_before_reading_it() {
    let mut w = staked_world();
    w.next_epoch(10);
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_sync();
    });
    let receipts = near_sdk::test_utils::get_created_receipts();
    let calls: Vec<String> = receipts.iter().map(|r| function_call(r).0).collect();
    assert_eq!(calls, ["ping", "on_ping"]);
    assert_eq!(
        receipts[1].receipt_indices.len(),
        1,
        "on_ping waits for the ping"
    );
    // `on_ping` then reads the pool (`get_account`) and `on_sync` books
    // what it read, fresh.
    w.run();
    let v0 = w.validator("v0.pool.near");
    assert_eq!(v0.synced_epoch, Some(w.epoch));
    assert_eq!(v0.stale_epoch, None);
    assert!(w.all_logs.iter().any(|l| l.contains("rewards_synced")));
}

#[test]
fn a_failed_ping_still_reads_the_pool() {
    let mut w = staked_world();
    w.next_epoch(10);
    w.fault("v0.pool.near", "ping", Fault::Fail, false);
    w.sync();
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch));
    assert_eq!(w.validator("v0.pool.near").stale_epoch, Some(w.epoch));
    w.drain(World::sync);
    w.check();
}

#[test]
fn a_failing_view_is_recorded_and_skipped() {
    let mut w = staked_world();
    w.next_epoch(10);
    failing_sync(&mut w, Fault::Fail, "call_failed");
}

#[test]
fn garbage_is_recorded_and_skipped() {
    for garbage in [
        b"not json at all".to_vec(),
        b"{\"account_id\":\"router.near\"}".to_vec(),
        b"{\"account_id\":\"router.near\",\"unstaked_balance\":\"x\",\"staked_balance\":\"1\",\"can_withdraw\":true}".to_vec(),
        vec![0xff; 5000],
    ] {
        let mut w = staked_world();
        w.next_epoch(10);
        failing_sync(&mut w, Fault::Reply(garbage), "malformed_reply");
    }
}

#[test]
fn another_accounts_balance_is_refused() {
    let mut w = staked_world();
    w.next_epoch(10);
    let reply = json!({"account_id": "mallory.near", "unstaked_balance": "0", "staked_balance": "1", "can_withdraw": true});
    failing_sync(
        &mut w,
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        "wrong_account",
    );
}

#[test]
fn an_overflowing_reading_is_refused() {
    let mut w = staked_world();
    w.next_epoch(10);
    let max = u128::MAX.to_string();
    let reply = json!({"account_id": ROUTER, "unstaked_balance": max, "staked_balance": max, "can_withdraw": true});
    failing_sync(
        &mut w,
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        "malformed_reply",
    );
}

#[test]
fn an_implausible_reward_is_refused() {
    let mut w = staked_world();
    w.next_epoch(0);
    let booked = w.validator("v0.pool.near").staked;
    // 1% an epoch is the most a sync accepts.
    let reply = json!({"account_id": ROUTER, "unstaked_balance": "0",
        "staked_balance": (booked + booked / 50).to_string(), "can_withdraw": true});
    failing_sync(
        &mut w,
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        "reward_too_large",
    );
}

#[test]
fn a_large_decrease_is_refused() {
    let mut w = staked_world();
    w.next_epoch(0);
    let booked = w.validator("v0.pool.near").staked;
    let reply = json!({"account_id": ROUTER, "unstaked_balance": "0",
        "staked_balance": (booked - near(1)).to_string(), "can_withdraw": true});
    failing_sync(
        &mut w,
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        "balance_decreased",
    );
}

#[test]
fn pool_rounding_is_paid_by_the_seed() {
    let mut w = staked_world();
    w.next_epoch(0);
    let booked = w.validator("v0.pool.near").staked;
    let seed = w.c.books.seed_shares;
    let price = w.price();
    let reply = json!({"account_id": ROUTER, "unstaked_balance": "0",
        "staked_balance": (booked - 3).to_string(), "can_withdraw": true});
    w.fault(
        "v0.pool.near",
        "get_account",
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        false,
    );
    w.sync();
    assert_eq!(w.validator("v0.pool.near").staked, booked - 3);
    assert!(w.c.books.seed_shares < seed, "the seed paid");
    assert!(w.price().price_at_least(&price), "the price held");
    assert_eq!(w.all_events("seed_paid")[0]["reason"], "validator_rounding");
}

#[test]
fn a_failed_fee_mint_leaves_the_fee_with_every_holder() {
    let mut w = staked_world();
    w.next_epoch(100);
    w.fault(SNEAR, "mint", Fault::Fail, false);
    let price = w.price();
    w.sync();
    assert_eq!(w.snear.get(&id(TREASURY)), None, "nothing minted");
    assert_eq!(w.all_events("fee_mint_failed").len(), 1);
    assert!(w.price().price_at_least(&price));
    w.drain(World::sync);
    w.check();
}

#[test]
fn a_refused_push_is_recorded() {
    let mut w = World::new();
    w.fault(SNEAR, "update_pool_state", Fault::Fail, false);
    assert!(!w.sync());
    assert_eq!(w.all_events("pool_state_push_failed").len(), 1);
    assert_eq!(w.c.pushed_epoch, None);
    w.check();
}

#[test]
fn a_locked_validator_is_skipped_by_every_operation() {
    let mut w = staked_world();
    w.next_epoch(10);
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_sync();
    });
    assert_eq!(w.validator("v0.pool.near").lock, Some(EpochOp::Sync));
    let held = w.hold();
    // A second keeper takes the next validator, never the locked one.
    w.sync();
    assert_eq!(w.validator("v1.pool.near").synced_epoch, Some(w.epoch));
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch - 1));
    w.release(held);
    assert_eq!(w.validator("v0.pool.near").lock, None);
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch));
    w.drain(World::sync);
    w.check();
}

#[test]
fn a_reading_landing_next_epoch_counts_for_its_own_epoch() {
    let mut w = staked_world();
    w.next_epoch(10);
    let e = w.epoch;
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_sync();
    });
    let held = w.hold();
    w.next_epoch(10);
    w.release(held);
    let v = w.validator("v0.pool.near");
    assert_eq!(v.synced_epoch, Some(e), "read in the call's epoch");
    assert!(!v.is_usable(w.epoch), "must be read again before acting");
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").synced_epoch, Some(w.epoch));
    w.check();
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn sync_needs_its_gas() {
    let mut w = staked_world();
    w.next_epoch(0);
    w.prepaid_tgas = 100;
    w.sync();
}

/// A pool whose `ping` fails still gets read, but its views may miss the
/// epoch's reward, so its true balance may be nearer the cap than the
/// reading: it takes no new stake that epoch (the stake goes elsewhere),
/// and a clean sync the next epoch makes it usable again.
#[test]
fn a_reading_after_a_failed_ping_takes_no_new_stake_that_epoch() {
    // Six validators, so each has room under the 25% cap.
    let mut w = World::with_validators(6);
    w.deposit_and_stake("alice.near", near(100));
    w.keeper();
    w.next_epoch(0);
    w.fault("v0.pool.near", "ping", Fault::Fail, false);
    w.drain(World::sync);
    let v0 = w.validator("v0.pool.near");
    assert_eq!(v0.synced_epoch, Some(w.epoch), "the reading is booked");
    assert_eq!(v0.stale_epoch, Some(w.epoch));
    assert_eq!(w.validator("v1.pool.near").stale_epoch, None);
    let view = w.view().get_validators(0, 10);
    assert_eq!(view[0].stale_epoch, Some(w.epoch));
    assert_eq!(view[0].stake_room.0, 0, "no room while stale");
    assert!(view[1].stake_room.0 > 0);

    w.deposit_and_stake("bob.near", near(40));
    let before = w.validator("v0.pool.near").staked;
    w.keeper();
    assert_eq!(
        w.validator("v0.pool.near").staked,
        before,
        "nothing new on v0"
    );
    assert_eq!(w.c.books.buffered, 0, "placed on the others");

    w.next_epoch(0);
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").stale_epoch, None);
    assert!(w.view().get_validators(0, 10)[0].stake_room.0 > 0);
}
