use super::dao::*;
use super::*;
use crate::config::GUARDIAN_TERM_EPOCHS;
use crate::proposal::ProposalState;
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
    t.mint(&alice(), 500_000 * META);
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

#[test]
#[should_panic(expected = "E_GUARDIAN_CHANGE")]
fn the_guardian_cannot_cancel_its_replacement() {
    let mut t = setup();
    let id = queued(
        &mut t,
        json!({"SetGuardian": {"account_id": "new-guardian.near", "term_epochs": 100}}),
    );
    cancel(&mut t, &guardian(), id);
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
