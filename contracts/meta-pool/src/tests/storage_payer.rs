//! No call makes the router's own funds pay for another account's storage:
//! a new sNEAR holder pays its registration with shares of its first mint,
//! a liquid account pays its router record out of the NEAR that creates it,
//! and no exit depends on the router's own funds.

use super::world::*;
use crate::config::{ACCOUNT_RECORD_BYTES, ACCOUNT_RECORD_COST, MIN_LIQUID_STAKE};

const ALICE: &str = "alice.near";

fn own_funds(w: &World) -> u128 {
    w.view().own_funds()
}

/// The reviewer's measurement: 60 fresh accounts stake the minimum and pass
/// their sNEAR to one account. The router's own funds do not fall (the
/// registrations' NEAR left the buffer; sNEAR refunded nothing here since
/// every id is short, so the router keeps the unused part).
#[test]
fn throwaway_stakers_cost_the_router_nothing() {
    let mut w = World::with_validators(3);
    w.deposit_and_stake(ALICE, near(100));
    let before = own_funds(&w);
    let paid_before = w.all_events("storage_paid").len();
    let price = w.price();
    for i in 0..60 {
        let who = format!("throwaway{i}.near");
        let minted = w.deposit_and_stake(&who, MIN_LIQUID_STAKE);
        let full = price.shares_from_amount_down(MIN_LIQUID_STAKE).unwrap();
        assert!(minted < full, "the new holder paid its registration");
        let bal = w.snear.remove(&id(&who)).unwrap();
        *w.snear.entry(id("sink.near")).or_default() += bal;
        w.snear_registered.insert(id("sink.near"));
    }
    w.check();
    assert!(
        own_funds(&w) >= before,
        "own funds fell by {}",
        before - own_funds(&w)
    );
    assert_eq!(w.all_events("storage_paid").len() - paid_before, 60);
}

/// A holder that is already registered pays nothing: it gets every share.
#[test]
fn a_registered_holder_gets_every_share() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(10));
    let price = w.price();
    let minted = w.deposit_and_stake(ALICE, near(10));
    assert_eq!(minted, price.shares_from_amount_down(near(10)).unwrap());
    w.check();
}

/// The registration of a stake the keeper placed before the mint landed
/// stays staked, as the protocol's seed: own funds are not repaid then, but
/// the books hold and the holder still pays.
#[test]
fn a_registration_whose_stake_was_placed_goes_to_the_seed() {
    let mut w = World::with_validators(5);
    w.drain(World::sync);
    let seed = w.view().books.seed_shares;
    w.call(ALICE, near(10), |c| {
        let _ = c.deposit_and_stake();
    });
    let held = w.hold();
    w.drain(World::epoch_stake);
    w.run();
    assert!(
        w.view().books.buffered < SNEAR_REG,
        "the keeper placed the stake before the mint landed"
    );
    let own = own_funds(&w);
    w.release(held);
    assert!(w.view().books.seed_shares > seed);
    assert!(w.view().books.storage_shares > 0);
    assert_eq!(own_funds(&w), own, "nothing came back to the own funds yet");
    w.check();
    // The next NEAR in the buffer buys the storage shares back.
    w.deposit_and_stake(ALICE, near(10));
    let before = own_funds(&w);
    w.drain(World::epoch_stake);
    assert_eq!(w.view().books.storage_shares, 0);
    assert_eq!(w.view().books.seed_shares, seed);
    assert!(own_funds(&w) >= before + SNEAR_REG - 1, "repaid");
    w.check();
}

/// A liquid account's first deposit pays for its record, once.
#[test]
fn a_first_deposit_pays_its_record() {
    let mut w = World::new();
    let before = own_funds(&w);
    w.deposit("newcomer.near", near(1));
    assert_eq!(
        w.account("newcomer.near").unstaked,
        near(1) - ACCOUNT_RECORD_COST
    );
    assert!(own_funds(&w) >= before - 1, "the deposit paid the record");
    w.deposit("newcomer.near", near(1));
    assert_eq!(
        w.account("newcomer.near").unstaked,
        near(2) - ACCOUNT_RECORD_COST,
        "charged once"
    );
    w.check();
}

/// The record cost is the record's storage, measured: a map laid out as
/// the router's (`IterableMap` under a 1-byte prefix) holding one record
/// of the longest account id.
#[test]
fn the_record_cost_is_the_record_s_storage() {
    let _w = World::new();
    let longest: near_sdk::AccountId = format!("{}.near", "a".repeat(59)).parse().unwrap();
    assert_eq!(longest.len(), 64);
    let mut map: near_sdk::store::IterableMap<near_sdk::AccountId, crate::account::Account> =
        near_sdk::store::IterableMap::new(b"z".to_vec());
    let before = near_sdk::env::storage_usage();
    map.insert(longest, crate::account::Account::default());
    map.flush();
    let used = near_sdk::env::storage_usage() - before;
    assert_eq!(used as u128, ACCOUNT_RECORD_BYTES);
}

/// Even with no own funds left, a liquid newcomer's deposit goes through
/// (it pays its own record), while a lockup's new record still needs them.
#[test]
fn a_liquid_deposit_does_not_need_the_router_s_funds() {
    let mut w = World::new();
    w.balance -= OWN_FUNDS;
    w.deposit("newcomer.near", near(1));
    w.check();
}

#[test]
#[should_panic(expected = "E_STORAGE_RESERVE_LOW")]
fn a_new_lockup_record_needs_the_storage_reserve() {
    let mut w = World::new();
    w.balance -= OWN_FUNDS;
    w.deposit(&lockup_of("owner1.near"), near(1));
}

/// An exit never depends on the router's own funds: a holder without a
/// record unstakes with them gone, paying the record out of its credit.
#[test]
fn an_unstake_without_a_record_pays_it_and_needs_no_own_funds() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(1));
    w.balance -= OWN_FUNDS;
    let credited = w.unstake(ALICE, near(1) / 2);
    assert!(credited >= near(1) / 2 - ACCOUNT_RECORD_COST);
    assert_eq!(w.account(ALICE).unstaked, credited);
    w.check();
}

/// The record's fee repays the router's own funds at once from the buffer.
#[test]
fn an_unstake_s_record_fee_repays_own_funds() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(5));
    w.deposit_and_stake("bob.near", near(5));
    let before = own_funds(&w);
    let credited = w.unstake(ALICE, near(1));
    assert_eq!(credited, near(1) - ACCOUNT_RECORD_COST);
    assert!(own_funds(&w) >= before, "own funds fell");
    w.check();
}

#[test]
#[should_panic(expected = "E_UNSTAKE_BELOW_RECORD_COST")]
fn a_first_unstake_must_exceed_its_record() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(1));
    w.unstake(ALICE, ACCOUNT_RECORD_COST);
}
