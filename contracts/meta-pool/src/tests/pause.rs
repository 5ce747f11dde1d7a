//! The staking pause (issue 14): every path that adds stake is refused and
//! changes nothing while paused; every exit works; the guardian's pause
//! ends by itself and cannot be extended by the guardian; the DAO extends,
//! shortens and ends it; only governance pauses as guardian.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::world::*;
use crate::account::Account;
use crate::validators::Validator;
use crate::MetaPool;
use meta_common::actions::{RouterAction, GUARDIAN_PAUSE_EPOCHS, MAX_STAKING_PAUSE_EPOCHS};
use near_sdk::json_types::U128;
use near_sdk::AccountId;

const ALICE: &str = "alice.near";
const BOB: &str = "bob.near";

/// Everything a refused call must leave as it was.
#[derive(Debug, PartialEq)]
struct State {
    books: crate::books::Books,
    accounts: Vec<(AccountId, Account)>,
    validators: Vec<Validator>,
    reward_index: u128,
    index_block: u64,
    paused_until: u64,
    balance: u128,
    snear: Vec<(AccountId, u128)>,
    pools: Vec<(AccountId, u128, u128)>,
}

fn state(w: &World) -> State {
    State {
        books: w.c.books.clone(),
        accounts: w
            .c
            .accounts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        validators: w.c.validators.get().clone(),
        reward_index: w.c.reward_index,
        index_block: w.c.index_block,
        paused_until: w.c.staking_paused_until_epoch,
        balance: w.balance,
        snear: w.snear.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        pools: w
            .pools
            .iter()
            .map(|(k, p)| (k.clone(), p.router_shares, p.router_unstaked))
            .collect(),
    }
}

/// Calls `f` as `who` with `deposit`, expecting a panic with `code`, and
/// checks that nothing changed: the router's state, the NEAR, the
/// neighbours, no receipt sent.
fn refused(w: &mut World, who: &str, deposit: u128, code: &str, f: impl FnOnce(&mut MetaPool)) {
    // Calls land some blocks into the epoch, so an index advance would
    // show if the refusal came after it.
    w.block_offset += 7;
    let before = state(w);
    let r = catch_unwind(AssertUnwindSafe(|| w.call(who, deposit, f)));
    let err = r.expect_err("the call is refused");
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains(code), "{who}: expected {code}, got {msg}");
    assert_eq!(state(w), before, "{who}: a refused call changed nothing");
    assert!(near_sdk::test_utils::get_created_receipts().is_empty());
    assert!(w.run().is_none(), "no receipt pending");
}

/// Calls `f` as `who`, expecting a panic with `code`, and checks the pause
/// did not change (for methods that may move the reward index before they
/// refuse, which the chain reverts and this model does not).
fn panics_with(w: &mut World, who: &str, code: &str, f: impl FnOnce(&mut MetaPool)) {
    let before = w.c.staking_paused_until_epoch;
    let r = catch_unwind(AssertUnwindSafe(|| w.call(who, 0, f)));
    let err = r.expect_err("the call is refused");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains(code), "{who}: expected {code}, got {msg}");
    assert_eq!(w.c.staking_paused_until_epoch, before);
}

fn guardian_pause(w: &mut World) {
    w.call(GOV, 0, |c| c.guardian_pause_staking());
}

fn apply(w: &mut World, who: &str, a: RouterAction) -> bool {
    w.exec_bool(who, 0, |c| c.apply_governance_action(a))
}

/// A keeper round as a keeper following `get_epoch_status` runs it while
/// staking is paused: every operation but `epoch_stake`, which the status
/// says has no work; then the invariants.
fn keeper_while_paused(w: &mut World) {
    assert!(w.view().is_staking_paused());
    w.drain(World::sync);
    w.drain(World::epoch_withdraw);
    w.drain(World::epoch_unstake);
    let s = w.view().get_epoch_status();
    assert!(s.staking_paused && !s.stake_pending, "{s:?}");
    w.drain(World::epoch_rebalance);
    w.check();
}

/// The next epoch and its keeper round, paused or not.
fn next_epoch(w: &mut World) {
    w.next_epoch(1);
    if w.view().is_staking_paused() {
        keeper_while_paused(w);
    } else {
        w.keeper();
    }
}

/// Four validators with stake placed; alice (liquid) holds sNEAR and an
/// unstaked balance, a lockup holds shares and an unstaked balance, and
/// bob's fresh stake waits in the buffer with the validators synced, so
/// `epoch_stake` has work when the pause begins.
fn staked_world() -> (World, String) {
    let (mut w, l) = World::with_placed_lockup();
    w.deposit_and_stake(ALICE, near(50));
    w.deposit(ALICE, near(5));
    w.deposit(&l, near(3));
    w.keeper();
    w.next_epoch(1);
    w.drain(World::sync);
    w.deposit_and_stake(BOB, near(40));
    assert!(w.view().get_epoch_status().stake_pending);
    (w, l)
}

#[test]
fn every_stake_path_is_refused_while_paused_and_changes_nothing() {
    let (mut w, l) = staked_world();
    guardian_pause(&mut w);
    const P: &str = "E_STAKING_PAUSED";
    for who in [ALICE, l.as_str(), "newcomer.near"] {
        refused(&mut w, who, near(10), P, |c| c.deposit());
        refused(&mut w, who, near(10), P, |c| drop(c.deposit_and_stake()));
    }
    for who in [ALICE, l.as_str()] {
        assert!(w.account(who).unstaked > 0);
        refused(&mut w, who, 0, P, |c| drop(c.stake(U128(near(1)))));
        refused(&mut w, who, 0, P, |c| drop(c.stake_all()));
    }
    refused(&mut w, "keeper.near", 0, P, |c| drop(c.epoch_stake()));
    w.check();
}

#[test]
fn every_exit_works_while_paused_and_pays_in_full() {
    let (mut w, l) = staked_world();
    guardian_pause(&mut w);
    // Liquid: part, then the rest of alice's sNEAR; the lockup: part, then
    // all of its shares.
    let snear = w.snear[&id(ALICE)];
    let part = w.price().amount_from_shares_down(snear / 3).unwrap();
    assert!(w.unstake(ALICE, part) >= part);
    assert!(w.unstake_all(ALICE) > 0);
    assert_eq!(w.snear[&id(ALICE)], 0);
    assert!(w.unstake(&l, near(20)) >= near(20));
    assert!(w.unstake_all(&l) > 0);
    assert_eq!(w.account(&l).shares, 0);
    // Bob leaves too, his stake never placed.
    assert!(w.unstake_all(BOB) > 0);
    let owed = |w: &World, who: &str| w.account(who).unstaked;
    let (alice_owed, lockup_owed, bob_owed) = (owed(&w, ALICE), owed(&w, &l), owed(&w, BOB));
    let quote = w.quote();
    keeper_while_paused(&mut w);
    while w.epoch < quote {
        next_epoch(&mut w);
    }
    assert!(
        w.view().is_staking_paused(),
        "still paused at the quote: epoch {}",
        w.epoch
    );
    for who in [ALICE, l.as_str(), BOB] {
        assert!(
            w.view().is_account_unstaked_balance_available(id(who)),
            "{who} can withdraw at its quote while paused"
        );
    }
    w.withdraw(ALICE, alice_owed / 2);
    w.withdraw_all(ALICE);
    w.withdraw(&l, near(1));
    w.withdraw_all(&l);
    w.withdraw_all(BOB);
    assert_eq!(w.paid[&id(ALICE)], alice_owed);
    assert_eq!(w.paid[&id(&l)], lockup_owed);
    assert_eq!(w.paid[&id(BOB)], bob_owed);
    for who in [ALICE, l.as_str(), BOB] {
        let a = w.account(who);
        assert_eq!((a.unstaked, a.shares), (0, 0), "{who} left in full");
    }
    // Only the lockup's unclaimed META keeps its record.
    assert_eq!(w.account(ALICE), Account::default());
    assert_eq!(w.account(BOB), Account::default());
    w.check();
}

#[test]
fn the_keeper_operations_that_exit_run_while_paused() {
    let (mut w, l) = staked_world();
    guardian_pause(&mut w);
    // More than bob's buffered 40 NEAR can net: the rest is unstaked.
    w.unstake(&l, near(90));
    keeper_while_paused(&mut w);
    // epoch_unstake sent the claims to a validator despite the pause.
    assert!(w
        .all_events("epoch_success")
        .iter()
        .any(|e| e["op"] == "unstake"));
    assert_eq!(w.c.books.to_unstake, 0);
    let earmarked = w.c.books.earmarked;
    assert!(earmarked > near(40), "{earmarked}");
    // epoch_sync reads the validators each epoch; epoch_withdraw collects
    // the claims for the reserve once the pool releases them.
    let (reserve, unstaked_at) = (w.c.books.reserve, w.epoch);
    while w.c.books.earmarked > 0 {
        assert!(w.epoch < unstaked_at + 5, "collected within the wait");
        w.next_epoch(1);
        w.drain(World::sync);
        w.drain(World::epoch_withdraw);
    }
    let withdrawn = w.all_events("epoch_success");
    assert!(withdrawn.iter().any(|e| e["op"] == "withdraw"));
    assert!(w.c.books.reserve >= reserve + earmarked);
    assert!(w.view().is_staking_paused());
    w.check();
}

#[test]
fn a_stake_in_flight_when_the_pause_begins_is_booked() {
    let (mut w, _) = staked_world();
    // A liquid mint and a validator stake in flight.
    w.call("carol.near", near(7), |c| drop(c.deposit_and_stake()));
    let mint = w.hold();
    w.call("keeper.near", 0, |c| drop(c.epoch_stake()));
    let stake = w.hold();
    guardian_pause(&mut w);
    w.release(mint);
    assert!(w.snear[&id("carol.near")] > 0, "the mint is committed");
    let more = decode::<bool>(w.release(stake));
    assert!(!more, "on_stake reports no more stake work while paused");
    assert_eq!(w.events("epoch_success")[0]["op"], "stake");
    w.check();
}

#[test]
fn a_guardian_pause_ends_by_itself_after_guardian_pause_epochs() {
    let (mut w, _) = staked_world();
    let start = w.epoch;
    guardian_pause(&mut w);
    let e = &w.events("staking_paused")[0];
    assert_eq!(e["until_epoch"], start + GUARDIAN_PAUSE_EPOCHS);
    assert_eq!(e["by"], "guardian");
    keeper_while_paused(&mut w);
    let buffered = w.c.books.buffered;
    assert!(buffered > 0, "bob's stake waits in the buffer");
    while w.epoch < start + GUARDIAN_PAUSE_EPOCHS - 1 {
        next_epoch(&mut w);
        refused(&mut w, BOB, near(1), "E_STAKING_PAUSED", |c| {
            drop(c.deposit_and_stake())
        });
    }
    w.next_epoch(1);
    assert_eq!(w.epoch, start + GUARDIAN_PAUSE_EPOCHS);
    assert!(!w.view().is_staking_paused(), "staking reopens by itself");
    assert_eq!(w.view().get_pool_summary().staking_paused_until_epoch, None);
    w.keeper();
    assert!(w
        .all_events("epoch_attempt")
        .iter()
        .any(|e| e["op"] == "stake"));
    assert!(w.deposit_and_stake(BOB, near(2)) > 0);
    w.check();
}

#[test]
fn the_guardian_cannot_extend_its_pause() {
    let (mut w, _) = staked_world();
    let start = w.epoch;
    guardian_pause(&mut w);
    w.next_epoch(0);
    refused(&mut w, GOV, 0, "E_ALREADY_PAUSED", |c| {
        c.guardian_pause_staking()
    });
    // Nor while a DAO pause is in force.
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::PauseStaking { epochs: 30 }
    ));
    w.epoch = start + GUARDIAN_PAUSE_EPOCHS + 2;
    refused(&mut w, GOV, 0, "E_ALREADY_PAUSED", |c| {
        c.guardian_pause_staking()
    });
    assert_eq!(
        w.view().get_pool_summary().staking_paused_until_epoch,
        Some(start + 1 + 30)
    );
}

#[test]
fn the_dao_extends_a_guardian_pause() {
    let (mut w, _) = staked_world();
    let start = w.epoch;
    guardian_pause(&mut w);
    w.epoch += 5;
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::PauseStaking { epochs: 20 }
    ));
    let e = &w.events("staking_paused")[0];
    assert_eq!(e["until_epoch"], start + 25);
    assert_eq!(e["by"], "dao");
    w.epoch = start + GUARDIAN_PAUSE_EPOCHS;
    assert!(w.view().is_staking_paused(), "past the guardian's end");
    refused(&mut w, ALICE, 0, "E_STAKING_PAUSED", |c| {
        drop(c.stake_all())
    });
    w.epoch = start + 24;
    assert!(w.view().is_staking_paused());
    w.epoch = start + 25;
    assert!(!w.view().is_staking_paused());
    w.keeper();
    assert!(w.exec_u128(ALICE, 0, |c| c.stake_all()) > 0);
    w.check();
}

#[test]
fn the_dao_shortens_or_ends_a_pause_early() {
    let (mut w, _) = staked_world();
    let start = w.epoch;
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::PauseStaking {
            epochs: MAX_STAKING_PAUSE_EPOCHS
        }
    ));
    // Shortened to one epoch: open again at the next.
    assert!(apply(&mut w, GOV, RouterAction::PauseStaking { epochs: 1 }));
    assert!(w.view().is_staking_paused());
    w.epoch += 1;
    assert!(!w.view().is_staking_paused());
    // Ended early: open at once, in the same epoch.
    guardian_pause(&mut w);
    assert!(w.view().is_staking_paused());
    assert!(apply(&mut w, GOV, RouterAction::ResumeStaking));
    assert_eq!(w.events("staking_resumed")[0]["by"], "dao");
    assert!(!w.view().is_staking_paused());
    assert_eq!(w.view().get_pool_summary().staking_paused_until_epoch, None);
    assert!(w.deposit_and_stake(ALICE, near(2)) > 0);
    w.keeper();
    // Resuming when nothing is paused is applied and changes nothing, so a
    // retried execution succeeds.
    let before = state(&w);
    assert!(apply(&mut w, GOV, RouterAction::ResumeStaking));
    assert!(w.events("staking_resumed").is_empty());
    assert_eq!(state(&w).paused_until, before.paused_until);
    // The guardian may pause again once no pause is in force.
    guardian_pause(&mut w);
    assert_eq!(
        w.events("staking_paused")[0]["until_epoch"],
        start + 1 + GUARDIAN_PAUSE_EPOCHS
    );
}

#[test]
fn only_governance_pauses_as_guardian_and_governs_the_pause() {
    let (mut w, _) = staked_world();
    for who in [OWNER, ALICE, "keeper.near"] {
        refused(&mut w, who, 0, "E_NOT_GOVERNANCE", |c| {
            c.guardian_pause_staking()
        });
    }
    for a in [
        RouterAction::PauseStaking { epochs: 3 },
        RouterAction::ResumeStaking,
    ] {
        refused(&mut w, ALICE, 0, "E_NOT_GOVERNANCE", |c| {
            drop(c.apply_governance_action(a))
        });
    }
    // The owner applies the actions during the bootstrap, not after.
    assert!(apply(
        &mut w,
        OWNER,
        RouterAction::PauseStaking { epochs: 3 }
    ));
    assert_eq!(w.events("staking_paused")[0]["by"], "owner");
    assert!(apply(&mut w, OWNER, RouterAction::ResumeStaking));
    assert_eq!(w.events("staking_resumed")[0]["by"], "owner");
    w.call(OWNER, 0, |c| c.end_bootstrap());
    refused(&mut w, OWNER, 0, "E_NOT_GOVERNANCE", |c| {
        drop(c.apply_governance_action(RouterAction::PauseStaking { epochs: 3 }))
    });
    assert!(!w.view().is_staking_paused());
}

#[test]
fn pause_epochs_outside_their_bounds_are_refused() {
    let (mut w, _) = staked_world();
    for epochs in [0, MAX_STAKING_PAUSE_EPOCHS + 1, u64::MAX] {
        panics_with(&mut w, GOV, "E_PAUSE_EPOCHS_BOUNDS", |c| {
            drop(c.apply_governance_action(RouterAction::PauseStaking { epochs }))
        });
    }
    assert!(!w.view().is_staking_paused());
}

#[test]
fn the_pause_views_report_it() {
    let (mut w, _) = staked_world();
    let v = w.view();
    assert!(!v.is_staking_paused());
    assert_eq!(v.get_pool_summary().staking_paused_until_epoch, None);
    let s = v.get_epoch_status();
    assert!(!s.staking_paused && s.stake_pending && s.work_pending);
    guardian_pause(&mut w);
    let v = w.view();
    assert!(v.is_staking_paused());
    assert_eq!(
        v.get_pool_summary().staking_paused_until_epoch,
        Some(w.epoch + GUARDIAN_PAUSE_EPOCHS)
    );
    let s = v.get_epoch_status();
    assert!(s.staking_paused && !s.stake_pending, "{s:?}");
    assert!(
        !s.work_pending,
        "the validators are synced: no work but stake"
    );
    assert!(!v.keeper_work_pending());
}
