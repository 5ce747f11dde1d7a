use super::*;
use crate::config::GovernanceConfig;
use crate::proposal::{quorum_votes, Proposal, ProposalState, VoteChoice};
use near_sdk::{PromiseError, PromiseOrValue};

pub(crate) fn dave() -> AccountId {
    acc("dave.near")
}
pub(crate) fn erin() -> AccountId {
    acc("erin.near")
}

pub(crate) fn cfg() -> GovernanceConfig {
    GovernanceConfig::default()
}

/// alice 500k, bob 200k, carol 200k, dave 10k META; erin registered, empty.
pub(crate) fn setup() -> Chain {
    let mut t = Chain::new();
    t.mint(&alice(), 500_000 * META);
    t.mint(&bob(), 200_000 * META);
    t.mint(&carol(), 200_000 * META);
    t.mint(&dave(), 10_000 * META);
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

/// Context of a callback into the contract.
pub(crate) fn as_callback(t: &mut Chain) {
    t.next_block();
    t.at(&gov(), 0);
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
    assert_eq!(vote(&mut t, &alice(), id, VoteChoice::For), 500_000 * META);
    assert_eq!(
        vote(&mut t, &bob(), id, VoteChoice::Against),
        200_000 * META
    );
    assert_eq!(
        vote(&mut t, &carol(), id, VoteChoice::Abstain),
        200_000 * META
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

    as_callback(&mut t);
    assert!(t.c.on_execute_result(id, Ok(true)));
    assert_eq!(event_names(), vec!["proposal_executed"]);
    assert_eq!(state(&t, id), ProposalState::Executed);
    let view = t.c.get_proposal(id).unwrap();
    assert_eq!(view.for_votes.0, 500_000 * META);
    assert_eq!(view.against_votes.0, 200_000 * META);
    assert_eq!(view.abstain_votes.0, 200_000 * META);
    assert_eq!(view.eta_epoch, Some(eta));
}

#[test]
fn the_proposal_freezes_its_snapshot_and_rules() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    let v = t.c.get_proposal(id).unwrap();
    assert_eq!(v.snapshot_block, t.block - 1);
    assert_eq!(v.rules, cfg());
    let supply = 910_000 * META;
    assert_eq!(v.snapshot_total_supply.0, supply);
    assert_eq!(v.quorum_votes.0, quorum_votes(supply, cfg().quorum_bps));
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
    assert_eq!(quorum_votes(10_000, 400), 400);
    assert_eq!(quorum_votes(10_001, 400), 401);
    assert_eq!(quorum_votes(0, 400), 0);
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
    as_callback(&mut t);
    t.c.on_execute_result(id, Ok(true));
    let _ = execute(&mut t, id);
}

#[test]
#[should_panic(expected = "E_GAS")]
fn executing_without_gas_for_the_callbacks_is_rejected() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    t.at_with_gas(&dave(), 0, Gas::from_tgas(60));
    let _ = t.c.execute(id);
}

#[test]
fn a_refused_execution_is_queued_again_and_retried_until_expiry() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    t.epochs(cfg().timelock_epochs);
    let _ = execute(&mut t, id);
    as_callback(&mut t);
    assert!(!t.c.on_execute_result(id, Ok(false)));
    assert_eq!(state(&t, id), ProposalState::Queued);
    let e = events();
    assert_eq!(e[0]["event"], "proposal_execution_failed");
    assert_eq!(e[0]["data"]["reason"], "router refused the action");

    let _ = execute(&mut t, id);
    as_callback(&mut t);
    assert!(!t.c.on_execute_result(id, Err(PromiseError::Failed)));
    assert_eq!(state(&t, id), ProposalState::Queued);
    assert_eq!(events()[0]["data"]["reason"], "router call failed");

    t.epochs(cfg().grace_epochs - 1);
    let _ = execute(&mut t, id);
    as_callback(&mut t);
    assert!(t.c.on_execute_result(id, Ok(true)));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_late_callback_for_a_proposal_not_executing_changes_nothing() {
    let mut t = setup();
    let id = queued(&mut t, emission());
    as_callback(&mut t);
    assert!(!t.c.on_execute_result(id, Ok(true)));
    assert!(!t.c.on_execute_result(99, Ok(true)));
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

fn whitelisted_callback(
    t: &mut Chain,
    args: &Value,
    answer: Result<bool, PromiseError>,
) -> Option<u64> {
    let proposal: Proposal = near_sdk::serde_json::from_value(args["proposal"].clone()).unwrap();
    let paid_deposit: U128 =
        near_sdk::serde_json::from_value(args["paid_from_deposit"].clone()).unwrap();
    let paid_storage: U128 =
        near_sdk::serde_json::from_value(args["paid_from_storage"].clone()).unwrap();
    as_callback(t);
    t.c.on_proposal_whitelisted(proposal, paid_deposit, paid_storage, answer)
}

#[test]
fn an_added_validator_is_proposed_only_when_whitelisted() {
    let mut t = setup();
    let args = propose_add_validator(&mut t);
    let snapshot = t.block - 1;
    assert_eq!(whitelisted_callback(&mut t, &args, Ok(true)), Some(0));
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
    assert_eq!(whitelisted_callback(&mut t, &args, Ok(false)), None);
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
        whitelisted_callback(&mut t, &args, Err(PromiseError::Failed)),
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
    whitelisted_callback(&mut t, &args, Ok(false));
    assert_eq!(t.storage_total(&alice()), storage);
    assert!(transfers().is_empty());
}

#[test]
#[should_panic(expected = "E_GAS")]
fn proposing_a_validator_without_gas_for_the_check_is_rejected() {
    let mut t = setup();
    t.next_block();
    t.at_with_gas(
        &alice(),
        NearToken::from_millinear(50).as_yoctonear(),
        Gas::from_tgas(30),
    );
    let _ = t.c.propose(proposal_json(add_validator()));
}

/// Executes a queued add-validator proposal up to the whitelist re-check.
fn execute_add_validator(t: &mut Chain) -> u64 {
    let args = propose_add_validator(t);
    let id = whitelisted_callback(t, &args, Ok(true)).unwrap();
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
    as_callback(&mut t);
    let r = t.c.on_execute_whitelisted(id, Ok(false));
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
    as_callback(&mut t);
    let r = t.c.on_execute_whitelisted(id, Ok(true));
    assert!(matches!(r, PromiseOrValue::Promise(_)));
    drop(r); // a promise is scheduled when it is dropped
    let c = calls();
    assert_eq!(c[0].0, router());
    assert_eq!(
        c[0].2,
        json!({"action": {"AddValidator": {"account_id": "validator.pool.near", "weight_bps": 1000}}})
    );
    as_callback(&mut t);
    assert!(t.c.on_execute_result(id, Ok(true)));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_failed_whitelist_recheck_restores_the_proposal() {
    let mut t = setup();
    let id = execute_add_validator(&mut t);
    as_callback(&mut t);
    let _ = t.c.on_execute_whitelisted(id, Err(PromiseError::Failed));
    assert_eq!(state(&t, id), ProposalState::Queued);
}

#[test]
#[should_panic(expected = "E_GAS")]
fn executing_a_validator_addition_needs_gas_for_the_recheck() {
    let mut t = setup();
    let args = propose_add_validator(&mut t);
    let id = whitelisted_callback(&mut t, &args, Ok(true)).unwrap();
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
    t.epochs(cfg().timelock_epochs);
    t.at_with_gas(&dave(), 0, Gas::from_tgas(80));
    let _ = t.c.execute(id);
}

#[test]
fn tokens_moved_after_the_snapshot_do_not_count() {
    let mut t = setup();
    let id = propose(&mut t, &dave(), emission());
    // alice moves everything to erin after the snapshot: alice still votes
    // with her snapshot balance, erin has no power.
    t.transfer(&alice(), &erin(), 500_000 * META);
    assert_eq!(vote(&mut t, &alice(), id, VoteChoice::For), 500_000 * META);
    assert_eq!(t.c.get_vote(id, alice()).unwrap().weight.0, 500_000 * META);
    t.next_block();
    t.at(&erin(), 0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        t.c.vote(id, VoteChoice::Against);
    }));
    let err = r.unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
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
    assert_eq!(e[0]["data"]["weight"], (200_000 * META).to_string());
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
    t.transfer(&alice(), &erin(), 100_000 * META);
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
