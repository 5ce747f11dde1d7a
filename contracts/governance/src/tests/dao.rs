use super::*;
use crate::config::GovernanceConfig;
use crate::gas::*;
use crate::proposal::{quorum_votes, Proposal, ProposalState, VoteChoice};
use near_sdk::{PromiseOrValue, PromiseResult};

pub(crate) fn dave() -> AccountId {
    acc("dave.near")
}
pub(crate) fn erin() -> AccountId {
    acc("erin.near")
}

pub(crate) fn cfg() -> GovernanceConfig {
    GovernanceConfig::default()
}

/// alice 5M, bob 2M, carol 2M, dave 100k META (9.1M: the bps quorum is
/// below the 1M floor); erin registered, empty.
pub(crate) fn setup() -> Chain {
    let mut t = Chain::new();
    t.mint(&alice(), 5_000_000 * META);
    t.mint(&bob(), 2_000_000 * META);
    t.mint(&carol(), 2_000_000 * META);
    t.mint(&dave(), 100_000 * META);
    t.register(&erin());
    t
}

pub(crate) fn emission() -> Value {
    json!({"Router": {"SetEmission": {"meta_per_epoch": "1000"}}})
}

pub(crate) fn add_validator() -> Value {
    json!({"Router": {"AddValidator": {"account_id": "validator.pool.near", "weight_bps": 1000}}})
}

/// Proposes in the current block (so the snapshot is the block before).
pub(crate) fn propose_now(t: &mut Chain, who: &AccountId, kind: Value) -> u64 {
    t.at(who, NearToken::from_millinear(50).as_yoctonear());
    match t.c.propose(proposal_json(kind)) {
        PromiseOrValue::Value(Some(id)) => id,
        _ => panic!("expected a proposal id"),
    }
}

pub(crate) fn propose(t: &mut Chain, who: &AccountId, kind: Value) -> u64 {
    t.next_block();
    propose_now(t, who, kind)
}

pub(crate) fn vote(t: &mut Chain, who: &AccountId, id: u64, choice: VoteChoice) -> u128 {
    t.next_block();
    t.at(who, NearToken::from_millinear(10).as_yoctonear());
    t.c.vote(id, choice).0
}

/// The proposal's state in the current context (which it leaves alone, so
/// the last call's logs and receipts stay readable).
pub(crate) fn state(t: &Chain, id: u64) -> ProposalState {
    t.c.get_proposal(id).unwrap().state
}

/// Proposes, votes For with alice, ends the vote and queues.
pub(crate) fn queued(t: &mut Chain, kind: Value) -> u64 {
    let id = propose(t, &alice(), kind);
    vote(t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
    id
}

/// A callee's successful reply with these bytes.
pub(crate) fn reply(bytes: &[u8]) -> PromiseResult {
    PromiseResult::Successful(bytes.to_vec())
}

/// Context of a callback into the contract, in a new block, whose callee
/// answered `result`.
pub(crate) fn as_callback(t: &mut Chain, result: PromiseResult) {
    t.next_block();
    set_callback_env(t.block, t.epoch, result);
}

fn execute(t: &mut Chain, id: u64) -> PromiseOrValue<bool> {
    t.next_block();
    t.at(&dave(), 0);
    t.c.execute(id)
}

#[test]
fn a_router_action_goes_through_the_full_cycle() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    assert_eq!(id, 0);
    assert_eq!(event_names(), vec!["proposal_created"]);
    assert_eq!(state(&t, id), ProposalState::Active);
    assert_eq!(
        vote(&mut t, &alice(), id, VoteChoice::For),
        5_000_000 * META
    );
    assert_eq!(
        vote(&mut t, &bob(), id, VoteChoice::Against),
        2_000_000 * META
    );
    assert_eq!(
        vote(&mut t, &carol(), id, VoteChoice::Abstain),
        2_000_000 * META
    );
    t.epochs(cfg().voting_period_epochs - 1);
    assert_eq!(
        state(&t, id),
        ProposalState::Active,
        "last epoch of the vote"
    );
    t.epochs(1);
    assert_eq!(state(&t, id), ProposalState::Succeeded);

    t.at(&erin(), 0);
    let eta = t.c.queue(id);
    assert_eq!(eta, t.epoch + cfg().timelock_epochs);
    assert_eq!(event_names(), vec!["proposal_queued"]);
    assert_eq!(state(&t, id), ProposalState::Queued);

    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Executing);
    assert_eq!(event_names(), vec!["proposal_executing"]);
    let c = calls();
    assert_eq!(c[0].0, router());
    assert_eq!(c[0].1, "apply_governance_action");
    assert_eq!(
        c[0].2,
        json!({"action": {"SetEmission": {"meta_per_epoch": "1000"}}})
    );
    assert_eq!(c[0].4, meta_common::ext::GAS_FOR_ROUTER_ACTION);
    assert_eq!(
        (c[1].0.clone(), c[1].1.as_str()),
        (gov(), "on_execute_result")
    );

    as_callback(&mut t, reply(b"true"));
    assert!(t.c.on_execute_result(id));
    assert_eq!(event_names(), vec!["proposal_executed"]);
    assert_eq!(state(&t, id), ProposalState::Executed);
    let view = t.c.get_proposal(id).unwrap();
    assert_eq!(view.for_votes.0, 5_000_000 * META);
    assert_eq!(view.against_votes.0, 2_000_000 * META);
    assert_eq!(view.abstain_votes.0, 2_000_000 * META);
    assert_eq!(view.eta_epoch, Some(eta));
}

#[test]
fn the_proposal_freezes_its_snapshot_and_rules() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    let v = t.c.get_proposal(id).unwrap();
    assert_eq!(v.snapshot_block, t.block - 1);
    assert_eq!(v.rules, cfg());
    let supply = 9_100_000 * META;
    assert_eq!(v.snapshot_total_supply.0, supply);
    assert_eq!(
        v.quorum_votes.0,
        quorum_votes(supply, cfg().quorum_bps, cfg().min_quorum.0)
    );
    // 4% of 9.1M is below the floor, so the floor is the quorum.
    assert_eq!(v.quorum_votes.0, cfg().min_quorum.0);
    assert_eq!(v.voting_ends_epoch, t.epoch + cfg().voting_period_epochs);
    assert_eq!(
        v.kind,
        near_sdk::serde_json::from_value(emission()).unwrap()
    );
    assert_eq!(t.c.get_proposal_count(), 1);
    assert_eq!(t.c.get_proposals(0, 10).len(), 1);
}

#[test]
fn quorum_rounds_up() {
    assert_eq!(quorum_votes(10_000, 400, 0), 400);
    assert_eq!(quorum_votes(10_001, 400, 0), 401);
    assert_eq!(quorum_votes(0, 400, 0), 0);
}

#[test]
fn the_quorum_is_never_below_the_floor() {
    assert_eq!(quorum_votes(10_000, 400, 401), 401);
    assert_eq!(quorum_votes(10_000, 400, 399), 400);
    assert_eq!(quorum_votes(0, 400, 7), 7);
}

/// alice 2M and bob 500k META: 4% of the supply (100k) is far below the
/// 1M floor.
fn small_supply() -> Chain {
    let mut t = Chain::new();
    t.mint(&alice(), 2_000_000 * META);
    t.mint(&bob(), 500_000 * META);
    t
}

#[test]
fn a_vote_that_meets_the_bps_quorum_but_not_the_floor_is_defeated() {
    let mut t = small_supply();
    let id = propose(&mut t, &bob(), emission());
    let v = t.c.get_proposal(id).unwrap();
    assert!(quorum_votes(v.snapshot_total_supply.0, cfg().quorum_bps, 0) < 500_000 * META);
    assert_eq!(v.quorum_votes.0, cfg().min_quorum.0);
    assert_eq!(vote(&mut t, &bob(), id, VoteChoice::For), 500_000 * META);
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, id), ProposalState::Defeated);
}

#[test]
fn a_vote_that_meets_the_floor_passes() {
    let mut t = small_supply();
    let id = propose(&mut t, &bob(), emission());
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, id), ProposalState::Succeeded);
}

#[test]
#[should_panic(expected = "E_QUORUM_UNREACHABLE")]
fn a_single_early_holder_cannot_propose_while_the_supply_is_below_the_floor() {
    // The first claimer holds the whole supply, far above the threshold.
    let mut t = Chain::new();
    t.mint(&alice(), cfg().min_quorum.0 - 1);
    propose(&mut t, &alice(), emission());
}

#[test]
fn a_proposal_is_possible_once_the_snapshot_supply_reaches_the_floor() {
    let mut t = Chain::new();
    t.mint(&alice(), cfg().min_quorum.0 - 1);
    t.mint(&bob(), 1);
    let id = propose(&mut t, &alice(), emission());
    assert_eq!(
        t.c.get_proposal(id).unwrap().quorum_votes.0,
        cfg().min_quorum.0
    );
}

#[test]
fn the_floor_is_frozen_with_the_rules() {
    let c = GovernanceConfig {
        min_quorum: U128(crate::config::MIN_QUORUM.min),
        ..cfg()
    };
    let mut t = Chain::with(Some(c.clone()), None);
    t.mint(&alice(), 20_000 * META);
    let id = propose(&mut t, &alice(), emission());
    let v = t.c.get_proposal(id).unwrap();
    assert_eq!(v.rules, c);
    assert_eq!(v.quorum_votes.0, c.min_quorum.0);
}

#[test]
fn a_vote_below_quorum_is_defeated() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &dave(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, id), ProposalState::Defeated);
    let v = t.c.get_proposal(id).unwrap();
    assert!(v.for_votes.0 < v.quorum_votes.0);
}

#[test]
fn a_tie_is_defeated() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &bob(), id, VoteChoice::For);
    vote(&mut t, &carol(), id, VoteChoice::Against);
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, id), ProposalState::Defeated);
}

#[test]
#[should_panic(expected = "E_NOT_SUCCEEDED")]
fn a_defeated_proposal_cannot_be_queued() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &bob(), id, VoteChoice::Against);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
}

#[test]
#[should_panic(expected = "E_NOT_SUCCEEDED")]
fn an_active_proposal_cannot_be_queued() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.at(&dave(), 0);
    t.c.queue(id);
}

#[test]
#[should_panic(expected = "E_NOT_SUCCEEDED")]
fn a_queued_proposal_cannot_be_queued_again() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.next_block();
    t.c.queue(id);
}

#[test]
fn a_succeeded_proposal_not_queued_within_the_grace_expires() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs + cfg().grace_epochs - 1);
    assert_eq!(state(&t, id), ProposalState::Succeeded);
    t.epochs(1);
    assert_eq!(state(&t, id), ProposalState::Expired);
}

#[test]
#[should_panic(expected = "E_NOT_SUCCEEDED")]
fn an_expired_proposal_cannot_be_queued() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs + cfg().grace_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
}

#[test]
fn a_queued_proposal_executes_until_the_grace_ends_then_expires() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    let eta = t.c.get_proposal(id).unwrap().eta_epoch.unwrap();
    t.epochs(cfg().timelock_epochs + cfg().grace_epochs - 1);
    assert_eq!(t.epoch, eta + cfg().grace_epochs - 1);
    assert_eq!(state(&t, id), ProposalState::Queued);
    t.epochs(1);
    assert_eq!(state(&t, id), ProposalState::Expired);
    assert_eq!(
        t.c.get_proposal(id).unwrap().expires_at_epoch,
        Some(t.epoch)
    );
}

#[test]
#[should_panic(expected = "E_EXPIRED")]
fn an_expired_proposal_cannot_execute() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs + cfg().grace_epochs);
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_TIMELOCK")]
fn executing_before_the_eta_is_rejected() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs - 1);
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_NOT_QUEUED")]
fn executing_an_active_proposal_is_rejected() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_EXECUTING")]
fn executing_twice_while_in_flight_is_rejected() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_ALREADY_EXECUTED")]
fn executing_an_executed_proposal_is_rejected() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    as_callback(&mut t, reply(b"true"));
    t.c.on_execute_result(id);
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_GAS")]
fn executing_without_gas_for_the_callbacks_is_rejected() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let short = Gas::from_gas(GAS_FOR_EXECUTE.as_gas() - 1);
    t.at_with_gas(&dave(), 0, short);
    let _ = t.c.execute(id);
}

#[test]
fn execution_gives_the_router_and_its_callback_their_budgets() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    t.at_with_gas(&dave(), 0, GAS_FOR_EXECUTE);
    let _ = t.c.execute(id);
    let c = calls();
    assert_eq!(c[0].4, meta_common::ext::GAS_FOR_ROUTER_ACTION);
    assert_eq!(
        (c[1].1.as_str(), c[1].4),
        ("on_execute_result", GAS_FOR_ON_EXECUTE_RESULT)
    );
}

/// Executes a queued SetEmission proposal and answers the router call
/// with `answer`; returns the callback's result.
fn execute_and_answer(t: &mut Chain, id: u64, answer: PromiseResult) -> bool {
    let _ = execute(t, id);
    assert_eq!(state(t, id), ProposalState::Executing);
    as_callback(t, answer);
    t.c.on_execute_result(id)
}

#[test]
fn a_router_answer_that_is_not_exactly_true_restores_the_proposal() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let padded_true = [b"true".as_slice(), &[b' '; 100_000]].concat();
    let answers: [&[u8]; 8] = [
        b"\"applied\"",
        b"",
        b"1",
        b"TRUE",
        b" true",
        b"true ",
        b"{\"applied\":true}",
        &padded_true,
    ];
    for answer in answers {
        assert!(!execute_and_answer(&mut t, id, reply(answer)), "{answer:?}");
        assert_eq!(state(&t, id), ProposalState::Queued, "{answer:?}");
        assert_eq!(events()[0]["event"], "proposal_execution_failed");
        assert_eq!(events()[0]["data"]["reason"], "router answer unusable");
    }
    // Still retryable, and a proper answer executes it.
    assert!(execute_and_answer(&mut t, id, reply(b"true")));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_callback_without_a_promise_result_restores_the_proposal() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    t.next_block();
    t.at(&gov(), 0);
    assert!(!t.c.on_execute_result(id));
    assert_eq!(state(&t, id), ProposalState::Queued);
}

#[test]
fn a_refused_execution_is_queued_again_and_retried_until_expiry() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    as_callback(&mut t, reply(b"false"));
    assert!(!t.c.on_execute_result(id));
    assert_eq!(state(&t, id), ProposalState::Queued);
    let e = events();
    assert_eq!(e[0]["event"], "proposal_execution_failed");
    assert_eq!(e[0]["data"]["reason"], "router refused the action");

    let _ = execute(&mut t, id);
    as_callback(&mut t, PromiseResult::Failed);
    assert!(!t.c.on_execute_result(id));
    assert_eq!(state(&t, id), ProposalState::Queued);
    assert_eq!(events()[0]["data"]["reason"], "router call failed");

    t.epochs(cfg().grace_epochs - 1);
    let _ = execute(&mut t, id);
    as_callback(&mut t, reply(b"true"));
    assert!(t.c.on_execute_result(id));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_late_callback_for_a_proposal_not_executing_changes_nothing() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    as_callback(&mut t, reply(b"true"));
    assert!(!t.c.on_execute_result(id));
    assert!(!t.c.on_execute_result(99));
    assert_eq!(state(&t, id), ProposalState::Queued);
}

/// Runs propose for an added validator and returns the callback's
/// arguments as the chain would pass them.
fn propose_add_validator(t: &mut Chain) -> Value {
    t.next_block();
    t.at(&alice(), NearToken::from_millinear(50).as_yoctonear());
    let _ = t.c.propose(proposal_json(add_validator()));
    let c = calls();
    assert_eq!(c[0].0, whitelist());
    assert_eq!(c[0].1, "is_whitelisted");
    assert_eq!(
        c[0].2,
        json!({"staking_pool_account_id": "validator.pool.near"})
    );
    assert_eq!(c[1].1, "on_proposal_whitelisted");
    assert_eq!(t.c.get_proposal_count(), 0, "no proposal before the answer");
    c[1].2.clone()
}

fn whitelisted_callback(t: &mut Chain, args: &Value, answer: PromiseResult) -> Option<u64> {
    let proposal: Proposal = near_sdk::serde_json::from_value(args["proposal"].clone()).unwrap();
    let paid_deposit: U128 =
        near_sdk::serde_json::from_value(args["paid_from_deposit"].clone()).unwrap();
    let paid_storage: U128 =
        near_sdk::serde_json::from_value(args["paid_from_storage"].clone()).unwrap();
    as_callback(t, answer);
    t.c.on_proposal_whitelisted(proposal, paid_deposit, paid_storage)
}

#[test]
fn an_added_validator_is_proposed_only_when_whitelisted() {
    let mut t = setup();
    let args = propose_add_validator(&mut t);
    let snapshot = t.block - 1;
    assert_eq!(whitelisted_callback(&mut t, &args, reply(b"true")), Some(0));
    assert_eq!(event_names(), vec!["proposal_created"]);
    let v = t.c.get_proposal(0).unwrap();
    assert_eq!(
        v.snapshot_block, snapshot,
        "the snapshot is taken at propose time"
    );
    assert_eq!(v.state, ProposalState::Active);
}

#[test]
fn a_validator_not_on_the_whitelist_is_not_proposed_and_the_deposit_returns() {
    let mut t = setup();
    let storage = t.storage_total(&alice());
    let args = propose_add_validator(&mut t);
    let paid: U128 = near_sdk::serde_json::from_value(args["paid_from_deposit"].clone()).unwrap();
    assert!(paid.0 > 0);
    assert_eq!(whitelisted_callback(&mut t, &args, reply(b"false")), None);
    assert_eq!(t.c.get_proposal_count(), 0);
    let e = events();
    assert_eq!(e[0]["event"], "proposal_rejected");
    assert_eq!(e[0]["data"]["reason"], "validator is not on the whitelist");
    assert_eq!(transfers(), vec![(alice(), paid.0)]);
    assert_eq!(t.storage_total(&alice()), storage);
}

#[test]
fn a_failed_whitelist_call_proposes_nothing() {
    let mut t = setup();
    let args = propose_add_validator(&mut t);
    assert_eq!(
        whitelisted_callback(&mut t, &args, PromiseResult::Failed),
        None
    );
    assert_eq!(t.c.get_proposal_count(), 0);
    assert_eq!(events()[0]["data"]["reason"], "whitelist call failed");
}

#[test]
fn a_proposal_paid_from_the_storage_balance_gets_it_back_when_rejected() {
    let mut t = setup();
    let storage = t.storage_total(&alice());
    t.next_block();
    t.at(&alice(), 0);
    let _ = t.c.propose(proposal_json(add_validator()));
    assert!(t.storage_total(&alice()) < storage);
    let args = calls()[1].2.clone();
    whitelisted_callback(&mut t, &args, reply(b"false"));
    assert_eq!(t.storage_total(&alice()), storage);
    assert!(transfers().is_empty());
}

#[test]
fn a_whitelist_answer_that_is_not_exactly_true_proposes_nothing_and_refunds() {
    let answers: [&[u8]; 5] = [b"1", b"", b"\"true\"", b"{\"whitelisted\":true}", b"true\n"];
    for answer in answers {
        let mut t = setup();
        let storage = t.storage_total(&alice());
        let args = propose_add_validator(&mut t);
        let paid: U128 =
            near_sdk::serde_json::from_value(args["paid_from_deposit"].clone()).unwrap();
        assert_eq!(whitelisted_callback(&mut t, &args, reply(answer)), None);
        assert_eq!(t.c.get_proposal_count(), 0, "{answer:?}");
        assert_eq!(events()[0]["data"]["reason"], "whitelist answer unusable");
        assert_eq!(transfers(), vec![(alice(), paid.0)], "{answer:?}");
        assert_eq!(t.storage_total(&alice()), storage);
    }
}

#[test]
#[should_panic(expected = "E_GAS")]
fn proposing_a_validator_without_gas_for_the_check_is_rejected() {
    let mut t = setup();
    t.next_block();
    t.at_with_gas(
        &alice(),
        NearToken::from_millinear(50).as_yoctonear(),
        Gas::from_gas(GAS_FOR_PROPOSE_WITH_WHITELIST.as_gas() - 1),
    );
    let _ = t.c.propose(proposal_json(add_validator()));
}

#[test]
fn proposing_a_validator_gives_the_callback_its_budget() {
    let mut t = setup();
    t.next_block();
    t.at_with_gas(
        &alice(),
        NearToken::from_millinear(50).as_yoctonear(),
        GAS_FOR_PROPOSE_WITH_WHITELIST,
    );
    let _ = t.c.propose(proposal_json(add_validator()));
    let c = calls();
    assert_eq!(c[0].4, meta_common::ext::GAS_FOR_WHITELIST_CHECK);
    assert_eq!(c[1].4, GAS_FOR_ON_PROPOSAL_WHITELISTED);
}

/// Executes a queued add-validator proposal up to the whitelist re-check.
fn execute_add_validator(t: &mut Chain) -> u64 {
    let args = propose_add_validator(t);
    let id = whitelisted_callback(t, &args, reply(b"true")).unwrap();
    vote(t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
    t.epochs(cfg().timelock_epochs);
    let _ = execute(t, id);
    let c = calls();
    assert_eq!(c[0].0, whitelist());
    assert_eq!(c[0].1, "is_whitelisted");
    assert_eq!(c[1].1, "on_execute_whitelisted");
    id
}

#[test]
fn execution_rechecks_the_whitelist_and_fails_for_a_removed_validator() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    as_callback(&mut t, reply(b"false"));
    let r = t.c.on_execute_whitelisted(id);
    assert!(matches!(r, PromiseOrValue::Value(false)));
    assert!(calls().is_empty(), "the router is not called");
    assert_eq!(state(&t, id), ProposalState::Queued);
    assert_eq!(
        events()[0]["data"]["reason"],
        "validator is no longer on the whitelist"
    );
}

#[test]
fn execution_calls_the_router_once_the_whitelist_confirms() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    as_callback(&mut t, reply(b"true"));
    let r = t.c.on_execute_whitelisted(id);
    assert!(matches!(r, PromiseOrValue::Promise(_)));
    drop(r); // a promise is scheduled when it is dropped
    let c = calls();
    assert_eq!(c[0].0, router());
    assert_eq!(
        c[0].2,
        json!({"action": {"AddValidator": {"account_id": "validator.pool.near", "weight_bps": 1000}}})
    );
    as_callback(&mut t, reply(b"true"));
    assert!(t.c.on_execute_result(id));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_whitelist_recheck_answer_that_is_not_exactly_true_restores_the_proposal() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    as_callback(&mut t, reply(b"{\"whitelisted\":true}"));
    let r = t.c.on_execute_whitelisted(id);
    assert!(matches!(r, PromiseOrValue::Value(false)));
    assert!(calls().is_empty(), "the router is not called");
    assert_eq!(state(&t, id), ProposalState::Queued);
    assert_eq!(events()[0]["data"]["reason"], "whitelist answer unusable");
}

#[test]
fn the_whitelist_recheck_gives_the_router_and_its_callback_their_budgets() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    let c = calls();
    assert_eq!(c[1].4, GAS_FOR_ON_EXECUTE_WHITELISTED);
    as_callback(&mut t, reply(b"true"));
    drop(t.c.on_execute_whitelisted(id));
    let c = calls();
    assert_eq!(c[0].4, meta_common::ext::GAS_FOR_ROUTER_ACTION);
    assert_eq!(c[1].4, GAS_FOR_ON_EXECUTE_RESULT);
}

#[test]
fn a_failed_whitelist_recheck_restores_the_proposal() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    as_callback(&mut t, PromiseResult::Failed);
    let _ = t.c.on_execute_whitelisted(id);
    assert_eq!(state(&t, id), ProposalState::Queued);
}

#[test]
#[should_panic(expected = "E_GAS")]
fn executing_a_validator_addition_needs_gas_for_the_recheck() {
    let mut t = setup();
    let args = propose_add_validator(&mut t);
    let id = whitelisted_callback(&mut t, &args, reply(b"true")).unwrap();
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
    t.epochs(cfg().timelock_epochs);
    let short = Gas::from_gas(GAS_FOR_EXECUTE_WITH_WHITELIST.as_gas() - 1);
    t.at_with_gas(&dave(), 0, short);
    let _ = t.c.execute(id);
}

#[test]
fn tokens_moved_after_the_snapshot_do_not_count() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    // alice moves everything to erin after the snapshot: alice still votes
    // with her snapshot balance, erin has no power.
    t.transfer(&alice(), &erin(), 5_000_000 * META);
    assert_eq!(
        vote(&mut t, &alice(), id, VoteChoice::For),
        5_000_000 * META
    );
    assert_eq!(
        t.c.get_vote(id, alice()).unwrap().weight.0,
        5_000_000 * META
    );
    t.next_block();
    t.at(&erin(), 0);
    let msg = panics(|| t.c.vote(id, VoteChoice::Against));
    assert!(msg.contains("E_NO_VOTING_POWER"), "{msg}");
    assert_eq!(t.c.get_proposal(id).unwrap().against_votes.0, 0);
}

#[test]
#[should_panic(expected = "E_NO_VOTING_POWER")]
fn tokens_received_in_the_creation_block_do_not_count() {
    let mut t = setup();
    t.transfer(&alice(), &erin(), 100 * META);
    let id = propose_now(&mut t, &dave(), emission());
    vote(&mut t, &erin(), id, VoteChoice::For);
}

#[test]
#[should_panic(expected = "E_NO_VOTING_POWER")]
fn tokens_minted_after_the_snapshot_do_not_count() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    t.mint(&erin(), 1_000_000 * META);
    vote(&mut t, &erin(), id, VoteChoice::For);
}

#[test]
#[should_panic(expected = "E_ALREADY_VOTED")]
fn a_second_vote_is_rejected() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    vote(&mut t, &bob(), id, VoteChoice::For);
    vote(&mut t, &bob(), id, VoteChoice::Against);
}

#[test]
#[should_panic(expected = "E_VOTING_CLOSED")]
fn a_vote_after_the_period_is_rejected() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    t.epochs(cfg().voting_period_epochs);
    vote(&mut t, &bob(), id, VoteChoice::For);
}

#[test]
#[should_panic(expected = "E_UNKNOWN_PROPOSAL")]
fn a_vote_on_an_unknown_proposal_is_rejected() {
    let mut t = setup();
    vote(&mut t, &bob(), 7, VoteChoice::For);
}

#[test]
fn a_vote_is_paid_from_the_deposit_or_the_storage_balance() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    let deposit = NearToken::from_millinear(10).as_yoctonear();
    vote(&mut t, &alice(), id, VoteChoice::For);
    let bytes = crate::storage::vote_bytes(&alice());
    assert_eq!(
        transfers(),
        vec![(alice(), deposit - crate::storage::cost(bytes))]
    );
    let before = t.storage_total(&bob());
    t.next_block();
    t.at(&bob(), 0);
    t.c.vote(id, VoteChoice::For);
    assert_eq!(
        before - t.storage_total(&bob()),
        crate::storage::cost(crate::storage::vote_bytes(&bob()))
    );
    let e = events();
    assert_eq!(e[0]["event"], "vote_cast");
    assert_eq!(e[0]["data"]["weight"], (2_000_000 * META).to_string());
}

#[test]
#[should_panic(expected = "E_BELOW_THRESHOLD")]
fn a_proposer_below_the_threshold_is_rejected() {
    let mut t = setup();
    t.transfer(&dave(), &erin(), cfg().proposal_threshold.0 - 1);
    propose(&mut t, &erin(), emission());
}

#[test]
#[should_panic(expected = "E_BELOW_THRESHOLD")]
fn the_threshold_is_measured_at_the_snapshot() {
    let mut t = setup();
    t.transfer(&alice(), &erin(), 1_000_000 * META);
    propose_now(&mut t, &erin(), emission());
}

#[test]
fn a_proposer_at_the_threshold_may_propose() {
    let mut t = setup();
    t.transfer(&dave(), &erin(), cfg().proposal_threshold.0);
    assert_eq!(propose(&mut t, &erin(), emission()), 0);
}

fn propose_raw(input: Value) {
    let mut t = setup();
    t.next_block();
    t.at(&alice(), NearToken::from_millinear(50).as_yoctonear());
    let _ = t.c.propose(input);
}

#[test]
#[should_panic(expected = "E_PROPOSAL_INPUT")]
fn unknown_fields_in_the_input_are_rejected() {
    propose_raw(json!({"description": "x", "kind": emission(), "deposit": "1"}));
}

#[test]
#[should_panic(expected = "E_PROPOSAL_INPUT")]
fn unknown_fields_in_an_action_are_rejected() {
    propose_raw(proposal_json(json!({"Router": {"AddValidator": {
        "account_id": "validator.pool.near", "weight_bps": 10, "method_name": "x"}}})));
}

#[test]
#[should_panic(expected = "E_PROPOSAL_INPUT")]
fn unknown_fields_in_a_guardian_change_are_rejected() {
    propose_raw(proposal_json(json!({"SetGuardian": {
        "account_id": "guardian.near", "term_epochs": 10, "powers": "all"}})));
}

#[test]
#[should_panic(expected = "E_PROPOSAL_INPUT")]
fn an_arbitrary_call_is_not_a_proposal_kind() {
    propose_raw(proposal_json(
        json!({"FunctionCall": {"receiver_id": "x.near", "method_name": "y"}}),
    ));
}

#[test]
#[should_panic(expected = "E_PARAM_BOUNDS")]
fn a_parameter_outside_its_bounds_is_rejected() {
    propose_raw(proposal_json(
        json!({"Router": {"SetParameter": {"parameter": {"ProtocolFeeBps": 1001}}}}),
    ));
}

#[test]
#[should_panic(expected = "E_WEIGHT_BOUNDS")]
fn a_weight_outside_its_bounds_is_rejected() {
    propose_raw(proposal_json(json!({"Router": {"SetWeights": {"weights": [
        {"account_id": "validator.pool.near", "weight_bps": 0}]}}})));
}

#[test]
#[should_panic(expected = "E_EMISSION_BOUNDS")]
fn an_emission_above_the_cap_is_rejected() {
    let too_much = meta_common::actions::MAX_META_PER_EPOCH + 1;
    propose_raw(proposal_json(
        json!({"Router": {"SetEmission": {"meta_per_epoch": too_much.to_string()}}}),
    ));
}

#[test]
#[should_panic(expected = "E_GUARDIAN_TERM")]
fn a_guardian_term_outside_its_bounds_is_rejected() {
    let max = crate::config::GUARDIAN_TERM_EPOCHS.max;
    propose_raw(proposal_json(
        json!({"SetGuardian": {"account_id": "g.near", "term_epochs": max + 1}}),
    ));
}

#[test]
#[should_panic(expected = "E_DESCRIPTION_TOO_LONG")]
fn a_long_description_is_rejected() {
    let long = "x".repeat(crate::proposal::MAX_DESCRIPTION_LEN + 1);
    propose_raw(json!({"description": long, "kind": emission()}));
}

#[test]
fn every_router_action_kind_can_be_proposed() {
    let mut t = setup();
    for kind in [
        add_validator(),
        json!({"Router": {"PauseValidator": {"account_id": "validator.pool.near"}}}),
        json!({"Router": {"ResumeValidator": {"account_id": "validator.pool.near"}}}),
        json!({"Router": {"DrainValidator": {"account_id": "validator.pool.near"}}}),
        json!({"Router": {"RemoveValidator": {"account_id": "validator.pool.near"}}}),
        json!({"Router": {"SetWeights": {"weights": [{"account_id": "validator.pool.near", "weight_bps": 500}]}}}),
        json!({"Router": {"SetParameter": {"parameter": {"MaxValidatorShareBps": 2000}}}}),
        emission(),
        json!({"SetGuardian": {"account_id": "guardian.near", "term_epochs": 100}}),
    ] {
        t.next_block();
        t.at(&alice(), NearToken::from_millinear(50).as_yoctonear());
        let _ = t.c.propose(proposal_json(kind));
    }
    // All but the validator addition exist at once; it waits for the whitelist.
    assert_eq!(t.c.get_proposal_count(), 8);
}

#[test]
fn the_documented_gas_minima_are_the_budgets() {
    // The figures the method docs and ARCHITECTURE quote.
    assert_eq!(GAS_FOR_PROPOSE_WITH_WHITELIST, Gas::from_tgas(35));
    assert_eq!(GAS_FOR_EXECUTE, Gas::from_tgas(65));
    assert_eq!(GAS_FOR_EXECUTE_WITH_WHITELIST, Gas::from_tgas(85));
    assert_eq!(GAS_FOR_FT_TRANSFER_CALL, Gas::from_tgas(35));
}
