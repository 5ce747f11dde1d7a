use super::dao::*;
use super::*;
use crate::config::GUARDIAN_TERM_EPOCHS;
use crate::proposal::{ProposalState, VoteChoice};
use near_sdk::PromiseOrValue;

fn cancel(t: &mut Chain, who: &AccountId, id: u64) {
    t.next_block();
    t.at(who, 1);
    t.c.cancel(id);
}

#[test]
fn the_initial_guardian_serves_the_default_term() {
    let t = Chain::new();
    let g = t.c.get_guardian().unwrap();
    assert_eq!(g.account_id, guardian());
    assert_eq!(g.expires_at_epoch, t.epoch + GUARDIAN_TERM_EPOCHS.default);
    assert!(g.active);
    assert!(Chain::with(None, None).c.get_guardian().is_none());
}

#[test]
fn the_guardian_cancels_a_queued_proposal() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    cancel(&mut t, &guardian(), id);
    assert_eq!(state(&t, id), ProposalState::Cancelled);
    let e = events();
    assert_eq!(e[0]["event"], "proposal_cancelled");
    assert_eq!(e[0]["data"]["guardian"], "guardian.near");
}

#[test]
#[should_panic(expected = "E_NOT_QUEUED")]
fn a_cancelled_proposal_cannot_execute() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    cancel(&mut t, &guardian(), id);
    t.epochs(cfg().timelock_epochs);
    t.at(&dave(), 0);
    let _ = t.c.execute(id);
}

#[test]
#[should_panic(expected = "E_NOT_GUARDIAN")]
fn anyone_else_cannot_cancel() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    cancel(&mut t, &alice(), id);
}

#[test]
#[should_panic(expected = "E_NOT_GUARDIAN")]
fn without_a_guardian_nobody_cancels() {
    let mut t = Chain::with(None, None);
    t.mint(&alice(), 5_000_000 * META);
    let id = queued(&mut t, emission());
    cancel(&mut t, &guardian(), id);
}

#[test]
#[should_panic(expected = "E_ONE_YOCTO")]
fn cancelling_needs_one_yocto() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.at(&guardian(), 0);
    t.c.cancel(id);
}

#[test]
#[should_panic(expected = "E_NOT_QUEUED")]
fn the_guardian_cannot_cancel_an_active_proposal() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    cancel(&mut t, &guardian(), id);
}

fn replace_guardian(account: &str) -> Value {
    json!({"SetGuardian": {"account_id": account, "term_epochs": 100}})
}

#[test]
fn the_guardian_may_cancel_its_replacement() {
    let mut t = setup();
    let id = queued(&mut t, replace_guardian("new-guardian.near"));
    cancel(&mut t, &guardian(), id);
    assert_eq!(state(&t, id), ProposalState::Cancelled);
    assert_eq!(t.c.get_guardian().unwrap().account_id, guardian());
}

/// The audit's sequence: a majority replaces the guardian, then queues its
/// real action once the replacement has executed. The guardian stops the
/// replacement, so it is still in office to stop the action.
#[test]
fn a_majority_cannot_disarm_the_guardian_before_its_action_is_queued() {
    let mut t = setup();
    // Epoch t: the replacement; it would execute at t + voting + timelock.
    let replacement = propose(&mut t, &alice(), replace_guardian("attacker.near"));
    vote(&mut t, &alice(), replacement, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(replacement);
    cancel(&mut t, &guardian(), replacement);
    // Epoch t + timelock: the action, whose vote ends when the replacement
    // would have executed.
    t.epochs(cfg().timelock_epochs - cfg().voting_period_epochs);
    let action = propose(&mut t, &alice(), emission());
    vote(&mut t, &alice(), action, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(action);
    cancel(&mut t, &guardian(), action);
    assert_eq!(state(&t, replacement), ProposalState::Cancelled);
    assert_eq!(state(&t, action), ProposalState::Cancelled);
    assert_eq!(t.c.get_guardian().unwrap().account_id, guardian());
}

/// A guardian that cancels its own replacement only delays it: once its
/// mandate lapses, holders replace it and it cannot stop them.
#[test]
fn holders_outlast_a_guardian_that_blocks_its_replacement() {
    let mut t = setup();
    let first = queued(&mut t, replace_guardian("new-guardian.near"));
    cancel(&mut t, &guardian(), first);
    let expires = t.c.get_guardian().unwrap().expires_at_epoch;
    t.epochs(expires - t.epoch - cfg().voting_period_epochs);
    let second = queued(&mut t, replace_guardian("new-guardian.near"));
    assert!(!t.c.get_guardian().unwrap().active);
    t.next_block();
    t.at(&guardian(), 1);
    let msg = panics(|| t.c.cancel(second));
    assert!(msg.contains("E_GUARDIAN_EXPIRED"), "{msg}");
    t.epochs(cfg().timelock_epochs);
    t.at(&dave(), 0);
    assert!(matches!(t.c.execute(second), PromiseOrValue::Value(true)));
    let g = t.c.get_guardian().unwrap();
    assert_eq!(g.account_id, acc("new-guardian.near"));
    assert!(g.active);
}

#[test]
#[should_panic(expected = "E_GUARDIAN_EXPIRED")]
fn a_lapsed_guardian_cannot_cancel() {
    let mut t = setup();
    t.epochs(GUARDIAN_TERM_EPOCHS.default - cfg().voting_period_epochs);
    let id = queued(&mut t, emission());
    assert!(!t.c.get_guardian().unwrap().active);
    cancel(&mut t, &guardian(), id);
}

/// Passes and executes a guardian change; returns the execution epoch.
fn pass_guardian_change(t: &mut Chain, account: &str, term: u64) -> u64 {
    let id = queued(
        t,
        json!({"SetGuardian": {"account_id": account, "term_epochs": term}}),
    );
    t.epochs(cfg().timelock_epochs);
    t.at(&dave(), 0);
    assert!(matches!(t.c.execute(id), PromiseOrValue::Value(true)));
    assert_eq!(event_names(), vec!["guardian_set", "proposal_executed"]);
    assert!(calls().is_empty(), "no cross-contract call");
    assert_eq!(state(t, id), ProposalState::Executed);
    t.epoch
}

#[test]
fn a_passed_proposal_renews_the_guardian() {
    let mut t = setup();
    t.epochs(GUARDIAN_TERM_EPOCHS.default - 30);
    let at = pass_guardian_change(&mut t, "guardian.near", 200);
    let g = t.c.get_guardian().unwrap();
    assert_eq!(g.expires_at_epoch, at + 200);
    // Past the original term, the renewed guardian still cancels.
    t.epochs(40);
    assert!(t.c.get_guardian().unwrap().active);
    let id = queued(&mut t, emission());
    cancel(&mut t, &guardian(), id);
    assert_eq!(state(&t, id), ProposalState::Cancelled);
}

#[test]
#[should_panic(expected = "E_NOT_GUARDIAN")]
fn a_replaced_guardian_cannot_cancel() {
    let mut t = setup();
    pass_guardian_change(&mut t, "new-guardian.near", 100);
    assert_eq!(
        t.c.get_guardian().unwrap().account_id,
        acc("new-guardian.near")
    );
    let id = queued(&mut t, emission());
    cancel(&mut t, &guardian(), id);
}

// ---- the staking pause (issue 14) ---------------------------------------

use crate::guardian::GAS_FOR_PAUSE_STAKING;
use meta_common::ext::GAS_FOR_ROUTER_PAUSE;

/// `pause_staking` as `who` with `deposit` and `gas`; the promise is
/// dropped in the call's context, so its receipt is created.
fn pause_staking_with(t: &mut Chain, who: &AccountId, deposit: u128, gas: Gas) {
    t.next_block();
    t.at_with_gas(who, deposit, gas);
    drop(t.c.pause_staking());
}

fn pause_staking(t: &mut Chain, who: &AccountId) {
    pause_staking_with(t, who, 1, Gas::from_tgas(300));
}

#[test]
fn the_guardian_pause_calls_the_router() {
    let mut t = setup();
    pause_staking(&mut t, &guardian());
    assert_eq!(
        calls(),
        vec![(
            router(),
            "guardian_pause_staking".to_string(),
            Value::Null, // no arguments
            0,
            GAS_FOR_ROUTER_PAUSE
        )]
    );
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["standard"], "meta-governance");
    assert_eq!(e[0]["event"], "staking_pause_requested");
    assert_eq!(e[0]["data"]["guardian"], "guardian.near");
    assert!(transfers().is_empty(), "the yoctoNEAR stays");
}

#[test]
fn the_guardian_pause_works_at_its_least_gas() {
    let mut t = setup();
    pause_staking_with(&mut t, &guardian(), 1, GAS_FOR_PAUSE_STAKING);
    assert_eq!(calls()[0].4, GAS_FOR_ROUTER_PAUSE);
}

#[test]
#[should_panic(expected = "E_GAS")]
fn the_guardian_pause_needs_its_gas() {
    let mut t = setup();
    let short = Gas::from_gas(GAS_FOR_PAUSE_STAKING.as_gas() - 1);
    pause_staking_with(&mut t, &guardian(), 1, short);
}

#[test]
#[should_panic(
    expected = "E_NOT_GUARDIAN: only the guardian may cancel a proposal or pause staking"
)]
fn anyone_else_cannot_pause_staking() {
    let mut t = setup();
    pause_staking(&mut t, &alice());
}

#[test]
#[should_panic(expected = "E_NOT_GUARDIAN")]
fn without_a_guardian_nobody_pauses_staking() {
    let mut t = Chain::with(None, None);
    pause_staking(&mut t, &guardian());
}

#[test]
#[should_panic(expected = "E_ONE_YOCTO")]
fn the_guardian_pause_needs_one_yocto() {
    let mut t = setup();
    pause_staking_with(&mut t, &guardian(), 0, Gas::from_tgas(300));
}

#[test]
#[should_panic(expected = "E_ONE_YOCTO")]
fn the_guardian_pause_takes_exactly_one_yocto() {
    let mut t = setup();
    pause_staking_with(&mut t, &guardian(), 2, Gas::from_tgas(300));
}

#[test]
#[should_panic(expected = "E_GUARDIAN_EXPIRED")]
fn a_lapsed_guardian_cannot_pause_staking() {
    let mut t = setup();
    t.epochs(GUARDIAN_TERM_EPOCHS.default);
    assert!(!t.c.get_guardian().unwrap().active);
    pause_staking(&mut t, &guardian());
}

#[test]
fn a_guardian_pauses_staking_until_its_last_epoch() {
    let mut t = setup();
    t.epochs(GUARDIAN_TERM_EPOCHS.default - 1);
    assert!(t.c.get_guardian().unwrap().active);
    pause_staking(&mut t, &guardian());
    assert_eq!(calls().len(), 1);
}

#[test]
#[should_panic(expected = "E_NOT_GUARDIAN")]
fn a_replaced_guardian_cannot_pause_staking() {
    let mut t = setup();
    pass_guardian_change(&mut t, "new-guardian.near", 100);
    pause_staking(&mut t, &guardian());
}

#[test]
fn a_renewed_or_new_guardian_pauses_staking() {
    let mut t = setup();
    pass_guardian_change(&mut t, "new-guardian.near", 100);
    pause_staking(&mut t, &acc("new-guardian.near"));
    assert_eq!(calls()[0].1, "guardian_pause_staking");
    assert_eq!(events()[0]["data"]["guardian"], "new-guardian.near");
}
