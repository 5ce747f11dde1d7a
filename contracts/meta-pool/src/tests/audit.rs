//! The router audit's findings (notes: router-audit.md), one test each
//! that fails when the fix is undone. Localnet counterparts are in the
//! integration tests (`router_gas`, `router_faults`, `router_meta`).

use super::world::*;
use crate::config::{
    ACCOUNT_RECORD_COST, EARMARK_OVERDUE_EPOCHS, EPOCH_BLOCKS, MIN_FIRST_DEPOSIT,
    NUM_EPOCHS_TO_UNLOCK, SYNC_LOSS_TOLERANCE,
};
use meta_common::actions::RouterAction;
use meta_common::pool_state::REWARD_INDEX_SCALE;
use meta_common::shares::mul_div_down;
use near_sdk::json_types::U128;

const ALICE: &str = "alice.near";

fn action(w: &mut World, a: RouterAction) -> bool {
    w.exec_bool(OWNER, 0, |c| c.apply_governance_action(a))
}

fn earmarked_validator(w: &World) -> String {
    w.c.validators
        .get()
        .iter()
        .find(|v| v.earmarked > 0)
        .expect("a validator holds earmarks")
        .account_id
        .to_string()
}

// ---- C1: no host calls for network figures while planning ----------------

#[test]
fn c1_network_stake_is_read_at_sync_and_cached_for_the_epoch() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(9));
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").network_stake, near(1_000));
    assert_eq!(w.c.network_total, (w.epoch, near(1_002_000)));
    // A validator set that changed within the epoch (it cannot on chain)
    // is not re-read: planning uses the cached figures only.
    let room = w
        .view()
        .get_validator(id("v0.pool.near"))
        .unwrap()
        .stake_room
        .0;
    assert!(room > 0);
    w.network.insert("v0.pool.near".into(), near(1_000_000));
    let v = w.view().get_validator(id("v0.pool.near")).unwrap();
    assert_eq!((v.network_stake.0, v.stake_room.0), (near(1_000), room));
    // The next epoch's sync reads the new figure, and the cap holds.
    w.next_epoch(0);
    w.drain(World::sync);
    assert_eq!(w.validator("v0.pool.near").network_stake, near(1_000_000));
    assert_eq!(
        w.view()
            .get_validator(id("v0.pool.near"))
            .unwrap()
            .stake_room
            .0,
        0
    );
    w.check();
}

// ---- H1: a long reply from a successful call is a success ----------------

#[test]
fn h1_a_stake_with_a_long_reply_is_booked_as_staked() {
    let mut w = World::with_validators(1);
    // 9 NEAR staked with the seed's 1: alice's first stake also brings her
    // sNEAR registration (at a price of 1, exactly `SNEAR_REG`).
    w.deposit_and_stake(ALICE, near(9) + SNEAR_REG);
    assert_eq!(w.c.books.total_staked, near(10));
    w.drain(World::sync);
    w.fault("v0.pool.near", "deposit_and_stake", Fault::TooLong, false);
    w.epoch_stake();
    let v = w.validator("v0.pool.near");
    assert_eq!(v.staked, near(10) / 4, "the pool took it: booked staked");
    assert_eq!(w.c.books.buffered, near(10) - near(10) / 4, "not put back");
    assert!(w.all_events("epoch_failed").is_empty());
    w.check();
}

#[test]
fn h1_an_unstake_and_a_withdraw_with_long_replies_are_booked() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    for i in 0..4 {
        w.fault(&format!("v{i}.pool.near"), "unstake", Fault::TooLong, false);
    }
    w.drain(World::epoch_unstake);
    assert_eq!(w.c.books.earmarked, near(10), "earmarked, not put back");
    assert_eq!(w.c.books.to_unstake, 0);
    let name = earmarked_validator(&w);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
    }
    w.drain(World::sync);
    w.fault(&name, "withdraw", Fault::TooLong, false);
    w.drain(World::epoch_withdraw);
    assert_eq!(w.c.books.earmarked, 0);
    assert_eq!(w.c.books.reserve, near(10), "the NEAR sent is booked");
    w.check();
}

/// A registered holder's mint (every share minted) whose reply is too long
/// for the callback is booked as landed, not rolled back.
#[test]
fn h1_a_mint_with_a_long_reply_commits() {
    let mut w = World::new();
    // Alice's first stake registers her with sNEAR (at a price of 1 she
    // pays exactly `SNEAR_REG` of it).
    assert_eq!(w.deposit_and_stake(ALICE, near(1)), near(1) - SNEAR_REG);
    w.fault(SNEAR, "mint", Fault::TooLong, false);
    assert_eq!(w.deposit_and_stake(ALICE, near(3)), near(3));
    assert_eq!(w.c.books.snear_supply, near(4) - SNEAR_REG);
    assert_eq!(w.snear[&id(ALICE)], near(4) - SNEAR_REG);
    assert_eq!(w.account(ALICE).unstaked, 0, "no rollback");
    w.check();
}

#[test]
fn h1_a_lockup_claim_with_a_long_reply_is_not_paid_twice() {
    let mut w = World::new();
    let owner = "owner1.near";
    let l = lockup_of(owner);
    w.deposit_and_stake(&l, near(10));
    w.next_epoch(0);
    w.fault(GOV, "mint", Fault::TooLong, false);
    let claimed = w.exec_u128(owner, near(1) / 40, |c| {
        near_sdk::PromiseOrValue::Promise(c.claim_lockup_governance_tokens(id(&l)))
    });
    assert!(claimed > 0);
    assert_eq!(w.account(&l).meta_unclaimed, 0, "not restored");
    assert_eq!(
        w.paid[&id(owner)],
        near(1) / 40,
        "only governance's refund of the unused deposit, not the router's too"
    );
    assert_eq!(w.meta_minted[&id(owner)], claimed);
}

// ---- H2 (router half) and M2: the router's own funds ---------------------

#[test]
#[should_panic(expected = "E_LIQUID_STAKE_TOO_SMALL")]
fn h2_a_liquid_stake_below_the_minimum_is_refused() {
    let mut w = World::new();
    w.deposit(ALICE, near(1));
    w.stake(ALICE, near(1) / 10 - 1);
}

#[test]
fn h2_lockups_have_no_minimum_stake() {
    let mut w = World::new();
    let l = lockup_of("owner1.near");
    w.deposit(&l, near(1));
    w.stake(&l, 2);
    assert!(w.account(&l).shares > 0);
    w.check();
}

#[test]
#[should_panic(expected = "E_FIRST_DEPOSIT_TOO_SMALL")]
fn m2_a_dust_deposit_creates_no_record() {
    let mut w = World::new();
    w.deposit("newcomer.near", MIN_FIRST_DEPOSIT - 1);
}

#[test]
fn m2_an_existing_record_takes_any_deposit() {
    let mut w = World::new();
    // The first deposit pays the record it creates; the next pays nothing.
    w.deposit(ALICE, MIN_FIRST_DEPOSIT);
    assert_eq!(
        w.account(ALICE).unstaked,
        MIN_FIRST_DEPOSIT - ACCOUNT_RECORD_COST
    );
    w.deposit(ALICE, 1);
    assert_eq!(
        w.account(ALICE).unstaked,
        MIN_FIRST_DEPOSIT - ACCOUNT_RECORD_COST + 1
    );
    w.check();
}

/// An unstake that creates a record pays for it out of its credit, so it
/// needs none of the router's own funds (they used to be required, and an
/// exit could be refused when they ran low).
#[test]
fn m2_an_unstake_that_creates_a_record_pays_for_it() {
    let mut w = World::new();
    // At a price of 1 alice holds 1 NEAR less her sNEAR registration.
    assert_eq!(w.deposit_and_stake(ALICE, near(1)), near(1) - SNEAR_REG);
    w.balance -= OWN_FUNDS; // the router's own funds are gone
    let credited = w.unstake(ALICE, near(1) / 2);
    assert_eq!(credited, near(1) / 2 - ACCOUNT_RECORD_COST);
    assert_eq!(w.account(ALICE).unstaked, credited);
    w.check();
}

// ---- L1: a restake takes claims still staked first -----------------------

#[test]
fn l1_a_restake_never_takes_another_account_s_available_reserve() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(50));
    // Every unstake fails: at its quoted epoch the lockup's claim is still
    // in to_unstake, "available" by epoch but not in the reserve.
    for i in 0..4 {
        w.fault(&format!("v{i}.pool.near"), "unstake", Fault::Fail, true);
    }
    let quoted = w.account(&l).available_epoch;
    while w.epoch < quoted {
        w.next_epoch(0);
        w.keeper_ops();
    }
    assert_eq!(w.c.books.to_unstake, near(50));
    // Bob's first deposit pays his record; the rest waits in the reserve.
    w.deposit("bob.near", near(50));
    let bob = w.account("bob.near").unstaked;
    assert_eq!(bob, near(50) - ACCOUNT_RECORD_COST);
    assert_eq!(w.c.books.reserve, bob);
    assert!(w
        .view()
        .is_account_unstaked_balance_available(id("bob.near")));
    // The lockup restakes its claim: it must take the claim still staked,
    // not Bob's NEAR in the reserve.
    w.stake(&l, near(50));
    assert!(w
        .view()
        .is_account_unstaked_balance_available(id("bob.near")));
    assert_eq!(w.c.books.to_unstake, 0);
    assert_eq!(w.c.books.reserve, bob, "bob's NEAR is still there");
    w.check();
}

// ---- M1 / L3: a frozen validator can be drained; overdue claims move -----

#[test]
fn m1_a_draining_validator_books_a_loss_and_empties() {
    let (mut w, _) = World::with_placed_lockup();
    let name = "v1.pool.near";
    let pool = w.pools.get_mut(&id(name)).unwrap();
    pool.total_staked -= near(2); // the pool lost 2 NEAR of everyone's
    w.next_epoch(0);
    w.drain(World::sync);
    assert_eq!(
        w.all_events("epoch_failed").last().unwrap()["reason"],
        "balance_decreased",
        "refused while active"
    );
    assert!(action(
        &mut w,
        RouterAction::DrainValidator {
            account_id: id(name)
        }
    ));
    w.next_epoch(0);
    let before = w.c.books.total_staked;
    w.drain(World::sync);
    let v = w.validator(name);
    assert_eq!(v.synced_epoch, Some(w.epoch), "booked while draining");
    assert!(w.c.books.total_staked < before - SYNC_LOSS_TOLERANCE);
    assert!(w
        .all_events("seed_paid")
        .iter()
        .any(|e| e["reason"] == "drained_validator_loss"));
    // Then it drains and leaves the list.
    w.keeper_ops();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
        w.keeper_ops();
    }
    assert!(w.view().get_validator(id(name)).is_none(), "removed");
    w.check();
}

#[test]
fn m1_earmarks_overdue_at_a_frozen_validator_go_back_to_the_backlog() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.keeper();
    let name = earmarked_validator(&w);
    // Its views fail from now on: it is never synced again.
    w.fault(&name, "get_account", Fault::Fail, true);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK + EARMARK_OVERDUE_EPOCHS - 1 {
        w.next_epoch(0);
        w.keeper_ops();
    }
    assert_eq!(w.validator(&name).earmarked, near(10), "not yet overdue");
    w.next_epoch(0);
    w.keeper_ops();
    assert_eq!(w.validator(&name).earmarked, 0);
    assert_eq!(w.all_events("earmarks_released").len(), 1);
    let other = earmarked_validator(&w);
    assert_ne!(other, name, "the claim is unstaked elsewhere");
    w.check();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        w.next_epoch(0);
        w.keeper_ops();
    }
    assert!(w.view().is_account_unstaked_balance_available(id(&l)));
    let unstaked = w.account(&l).unstaked;
    w.withdraw(&l, unstaked);
    w.check();
}

#[test]
fn l3_earmarks_at_a_validator_whose_withdrawals_keep_failing_are_served_elsewhere() {
    let (mut w, l) = World::with_placed_lockup();
    w.unstake(&l, near(10));
    w.keeper();
    let name = earmarked_validator(&w);
    // It syncs fine but refuses every withdrawal (e.g. its views
    // over-report what it holds).
    w.fault(&name, "withdraw", Fault::Fail, true);
    for _ in 0..NUM_EPOCHS_TO_UNLOCK + EARMARK_OVERDUE_EPOCHS {
        w.next_epoch(0);
        w.keeper_ops();
    }
    assert_eq!(w.validator(&name).earmarked, 0, "released");
    assert_ne!(earmarked_validator(&w), name, "unstaked elsewhere");
    w.check();
}

// ---- M3: continuous emission --------------------------------------------

#[test]
fn m3_the_index_moves_with_blocks_not_in_epoch_steps() {
    let mut w = World::new();
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(9));
    w.next_epoch(0);
    w.call(ALICE, 0, |c| c.ping());
    let start = w.c.reward_index;
    let shares = w.c.books.total_shares;
    // Half an epoch later: half an epoch's emission.
    w.block_offset = EPOCH_BLOCKS / 2;
    w.call(ALICE, 0, |c| c.ping());
    let half = w.c.reward_index - start;
    let per_epoch = 1_000 * near(1); // the world's emission
    assert_eq!(
        half,
        mul_div_down(per_epoch / 2, REWARD_INDEX_SCALE, shares).unwrap()
    );
    // A holder that arrives one block before the next push earns one
    // block's worth, not the epoch's.
    w.block_offset += 1;
    w.deposit_and_stake("jit.near", near(100));
    let settled = w.c.reward_index;
    w.block_offset += 1;
    w.call(ALICE, 0, |c| c.ping());
    let one_block = w.c.reward_index - settled;
    let earned = mul_div_down(near(100), one_block, REWARD_INDEX_SCALE).unwrap();
    assert!(earned <= per_epoch / EPOCH_BLOCKS as u128, "{earned}");
    w.check();
}

// ---- L4: a top-level lockup suffix ---------------------------------------

#[test]
#[should_panic(expected = "E_BAD_LOCKUP_SUFFIX")]
fn l4_a_top_level_lockup_suffix_is_refused() {
    let mut w = World::new();
    w.call(OWNER, near(1), |_| {
        crate::MetaPool::new(
            id(OWNER),
            id(SNEAR),
            id(GOV),
            id(WHITELIST),
            id(TREASURY),
            "near".to_string(),
            None,
            Some(U128(0)),
        )
    });
}
