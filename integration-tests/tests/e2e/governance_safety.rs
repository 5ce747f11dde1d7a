//! What stops the DAO, end to end on the in-process chain with the real
//! router, whitelist, sNEAR, pools and governance (voters holding META
//! they earned by staking and claimed; every DESIGN §7 invariant checked
//! after each step):
//!
//! - a validator removed from the whitelist during the time-lock: the
//!   execution fails, the proposal returns to Queued, and is retried;
//! - META moved after the snapshot, or received in the very block the
//!   proposal is created (a flash-loan pattern), carries no weight;
//! - the guardian cancels queued proposals, its own replacement included;
//! - a proposal not executed (or not queued) within the grace expires.

use governance::gas::GAS_FOR_EXECUTE_WITH_WHITELIST;
use governance::{ProposalKind, ProposalState, VoteChoice};
use integration_tests::dao::{
    dao_events, deploy_with_voters, pass_and_wait_for_eta, propose, queue_when_voted, router,
    vote_for, wait_until_epoch, PROPOSE_DEPOSIT,
};
use integration_tests::suite::CALL_GAS;
use localnet::{ActionSummary, ExecutionOutcome, Gas, NearToken};
use meta_common::actions::{RouterAction, RouterParameter};
use near_sdk::json_types::U128;
use serde_json::json;

/// yoctoNEAR per byte of storage (the protocol's `storage_amount_per_byte`).
const STORAGE_BYTE_COST: u128 = 10_000_000_000_000_000_000;

fn set_fee(bps: u16) -> ProposalKind {
    router(RouterAction::SetParameter {
        parameter: RouterParameter::ProtocolFeeBps(bps),
    })
}

#[test]
fn a_validator_removed_from_the_whitelist_during_the_time_lock_fails_at_execution() {
    let (mut d, v) = deploy_with_voters();
    let keeper = d.sys.keeper_account.clone();
    let (owner, whitelist) = (d.sys.owner.clone(), d.sys.whitelist.clone());
    let pool = d.sys.pools[3].id.clone();
    let add = router(RouterAction::AddValidator {
        account_id: pool.clone(),
        weight_bps: 1_000,
    });
    let id = propose(&mut d, &v.alice, &add);
    vote_for(&mut d, id, &[&v.alice]);
    let eta = queue_when_voted(&mut d, id);
    // During the time-lock the foundation takes the pool off the list.
    d.step("whitelist removes the pool", |s| {
        s.call(
            &owner,
            &whitelist,
            "remove_staking_pool",
            json!({"staking_pool_account_id": pool}),
            0,
            CALL_GAS,
        )
        .assert_success();
    });
    wait_until_epoch(&mut d, eta);
    d.step("execute", |s| {
        let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST);
        assert!(!out.json::<bool>().unwrap(), "not applied");
        let router_called = out.receipts.iter().any(|r| r.receiver_id == s.router);
        assert!(!router_called, "the router is never asked");
        let failed = dao_events(&out)
            .into_iter()
            .find(|e| e.0 == "proposal_execution_failed")
            .expect("the failure is reported");
        assert_eq!(
            failed.1["reason"],
            "validator is no longer on the whitelist"
        );
    });
    assert_eq!(d.sys.dao_state(id), ProposalState::Queued);
    assert!(d.sys.validator(&pool).is_none());

    // Queued again, it can be retried until it expires: listed again, the
    // retry applies it.
    d.step("whitelist lists the pool again", |s| {
        s.call(
            &owner,
            &whitelist,
            "add_staking_pool",
            json!({"staking_pool_account_id": pool}),
            0,
            CALL_GAS,
        )
        .assert_success();
    });
    d.next_epoch();
    d.step("retry", |s| {
        let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST);
        assert!(out.json::<bool>().unwrap());
    });
    assert_eq!(d.sys.dao_state(id), ProposalState::Executed);
    assert!(d.sys.validator(&pool).is_some());
}

#[test]
fn meta_moved_after_the_snapshot_does_not_count() {
    let (mut d, v) = deploy_with_voters();
    let id = propose(&mut d, &v.bob, &set_fee(300));
    let snapshot = d.sys.dao_proposal(id).snapshot_block;
    let alice_meta = d.sys.meta_balance(&v.alice);
    // Alice hands all her META to Dave after the snapshot.
    d.step("alice sends her META to dave", |s| {
        s.meta_transfer(&v.alice, &v.dave, alice_meta)
            .assert_success();
    });
    assert_eq!(d.sys.meta_balance(&v.alice), 0);
    let dave_at_snapshot = d.sys.voting_power_at(&v.dave, snapshot);
    // Dave votes with what he held at the snapshot, not what he holds now.
    d.step("dave votes", |s| {
        let weight: U128 = s.dao_vote(&v.dave, id, VoteChoice::For).json().unwrap();
        assert_eq!(weight.0, dave_at_snapshot);
        assert_eq!(s.meta_balance(&v.dave), weight.0 + alice_meta);
    });
    // Alice still votes with her snapshot balance: the same META is never
    // counted twice, since Dave's vote did not include it.
    d.step("alice votes", |s| {
        let weight: U128 = s
            .dao_vote(&v.alice, id, VoteChoice::Against)
            .json()
            .unwrap();
        assert_eq!(weight.0, alice_meta);
    });
    let p = d.sys.dao_proposal(id);
    assert_eq!(p.for_votes.0, dave_at_snapshot);
    assert_eq!(p.against_votes.0, alice_meta);
    assert!(p.for_votes.0 + p.against_votes.0 <= p.snapshot_total_supply.0);
    // A holder with nothing at the snapshot has no vote at all.
    let erin = d.sys.add_liquid_staker("erin", NearToken::from_near(10));
    d.step("erin gets META and votes", |s| {
        let gov = s.governance.clone();
        s.call(
            &v.dave,
            &gov,
            "storage_deposit",
            json!({"account_id": erin.id}),
            meta_common::ext::GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
            CALL_GAS,
        )
        .assert_success();
        s.meta_transfer(&v.dave, &erin.id, 1_000 * meta_common::actions::ONE_META)
            .assert_success();
        s.dao_vote(&erin.id, id, VoteChoice::For)
            .assert_failure_contains("E_NO_VOTING_POWER");
    });
}

/// A transaction submitted without running it; all such transactions run
/// together in the next block.
fn submit(
    d: &mut integration_tests::suite::Driver,
    who: &localnet::AccountId,
    method: &str,
    args: serde_json::Value,
    deposit: NearToken,
    gas: Gas,
) -> localnet::CryptoHash {
    let gov = d.sys.governance.clone();
    d.sys
        .net
        .call(who, &gov, method)
        .args_json(args)
        .deposit(deposit)
        .gas(gas)
        .submit()
}

/// The height of the block the transaction's first receipt ran in.
fn first_block(out: &ExecutionOutcome) -> u64 {
    out.receipts[0].block_height
}

#[test]
fn meta_received_in_the_creation_block_does_not_count() {
    let (mut d, v) = deploy_with_voters();
    let bob_meta = d.sys.meta_balance(&v.bob);
    // Bob lends all his META to Dave in the very block Alice's proposal is
    // created: the flash-loan pattern. Both land in one block.
    let lend = submit(
        &mut d,
        &v.bob,
        "ft_transfer",
        json!({"receiver_id": v.dave, "amount": bob_meta.to_string()}),
        NearToken::from_yoctonear(1),
        Gas::from_tgas(30),
    );
    let kind = set_fee(300);
    let create = submit(
        &mut d,
        &v.alice,
        "propose",
        json!({"proposal": {"description": "flash", "kind": kind}}),
        PROPOSE_DEPOSIT,
        CALL_GAS,
    );
    d.sys.net.run_until_idle();
    let lend = d.sys.net.outcome(&lend).unwrap();
    let create = d.sys.net.outcome(&create).unwrap();
    d.step("book the two transactions", |s| {
        s.record(&lend, None);
        s.record(&create, None);
    });
    lend.assert_success();
    let id = integration_tests::dao::proposal_id(&create).expect("created");
    assert_eq!(first_block(&lend), first_block(&create), "one block");
    let p = d.sys.dao_proposal(id);
    assert_eq!(p.snapshot_block, first_block(&create) - 1);

    // Dave holds Bob's META now, but had only his own at the snapshot.
    let dave_own = d.sys.voting_power_at(&v.dave, p.snapshot_block);
    assert_eq!(d.sys.meta_balance(&v.dave), dave_own + bob_meta);
    d.step("dave votes", |s| {
        let weight: U128 = s.dao_vote(&v.dave, id, VoteChoice::For).json().unwrap();
        assert_eq!(weight.0, dave_own, "the loan carries no weight");
    });
    // Bob, who held it at the snapshot, keeps that weight.
    d.step("bob votes", |s| {
        let weight: U128 = s.dao_vote(&v.bob, id, VoteChoice::Against).json().unwrap();
        assert_eq!(weight.0, bob_meta);
        assert_eq!(s.meta_balance(&v.bob), 0);
    });
}

#[test]
fn the_guardian_cancels_queued_proposals_including_its_replacement() {
    let (mut d, v) = deploy_with_voters();
    let keeper = d.sys.keeper_account.clone();
    let guardian = d
        .sys
        .net
        .create_account("guardian.near", NearToken::from_near(10));
    // The deployment has no guardian; the DAO appoints one.
    let appoint = ProposalKind::SetGuardian {
        account_id: guardian.clone(),
        term_epochs: 100,
    };
    let id = pass_and_wait_for_eta(&mut d, &v.alice, &appoint, &[&v.alice]);
    d.step("execute the appointment", |s| {
        let out = s.dao_execute(&keeper, id, Gas::from_tgas(30));
        assert!(out.json::<bool>().unwrap());
    });
    let g: governance::GuardianView = d
        .sys
        .view::<Option<governance::GuardianView>>(
            &d.sys.governance.clone(),
            "get_guardian",
            json!({}),
        )
        .expect("a guardian");
    assert_eq!(g.account_id, guardian);
    assert!(g.active);

    // A harmful action and a replacement of the guardian, both passed and
    // queued: the guardian cancels both.
    let remove = router(RouterAction::RemoveValidator {
        account_id: d.sys.pools[1].id.clone(),
    });
    let replace = ProposalKind::SetGuardian {
        account_id: v.alice.clone(),
        term_epochs: 100,
    };
    let remove_id = propose(&mut d, &v.alice, &remove);
    let replace_id = propose(&mut d, &v.alice, &replace);
    for id in [remove_id, replace_id] {
        vote_for(&mut d, id, &[&v.alice, &v.bob]);
    }
    queue_when_voted(&mut d, remove_id);
    queue_when_voted(&mut d, replace_id);
    d.step("a holder cannot cancel", |s| {
        s.dao_cancel(&v.alice, remove_id)
            .assert_failure_contains("E_NOT_GUARDIAN");
    });
    for id in [remove_id, replace_id] {
        d.step("guardian cancels", |s| {
            let out = s.dao_cancel(&guardian, id);
            out.assert_success();
            let e = dao_events(&out);
            assert_eq!(e[0].0, "proposal_cancelled");
            assert_eq!(e[0].1["guardian"], guardian.as_str());
        });
        assert_eq!(d.sys.dao_state(id), ProposalState::Cancelled);
    }
    let eta = d.sys.dao_proposal(remove_id).eta_epoch.unwrap();
    wait_until_epoch(&mut d, eta);
    d.step("execute a cancelled proposal", |s| {
        s.dao_execute(&keeper, remove_id, CALL_GAS)
            .assert_failure_contains("E_NOT_QUEUED");
    });
    let pool = d.sys.pools[1].id.clone();
    assert!(d.sys.validator(&pool).is_some(), "still listed");
    let g: Option<governance::GuardianView> =
        d.sys
            .view(&d.sys.governance.clone(), "get_guardian", json!({}));
    assert_eq!(g.unwrap().account_id, guardian, "still the guardian");
}

#[test]
fn proposals_expire_after_the_grace_period() {
    let (mut d, v) = deploy_with_voters();
    let keeper = d.sys.keeper_account.clone();
    let rules = d.sys.dao_rules();
    // One proposal queued and never executed, one passed and never queued.
    let queued = propose(&mut d, &v.alice, &set_fee(300));
    let unqueued = propose(&mut d, &v.alice, &set_fee(400));
    vote_for(&mut d, queued, &[&v.alice]);
    vote_for(&mut d, unqueued, &[&v.alice]);
    let eta = queue_when_voted(&mut d, queued);
    let p = d.sys.dao_proposal(unqueued);
    assert_eq!(p.state, ProposalState::Succeeded);
    let unqueued_expiry = p.voting_ends_epoch + rules.grace_epochs;
    assert_eq!(p.expires_at_epoch, Some(unqueued_expiry));

    wait_until_epoch(&mut d, unqueued_expiry - 1);
    assert_eq!(d.sys.dao_state(unqueued), ProposalState::Succeeded);
    d.next_epoch();
    assert_eq!(d.sys.dao_state(unqueued), ProposalState::Expired);
    d.step("queue after the grace", |s| {
        s.dao_queue(&keeper, unqueued)
            .assert_failure_contains("E_NOT_SUCCEEDED");
    });

    let expiry = eta + rules.grace_epochs;
    assert_eq!(d.sys.dao_proposal(queued).expires_at_epoch, Some(expiry));
    wait_until_epoch(&mut d, expiry - 1);
    assert_eq!(
        d.sys.dao_state(queued),
        ProposalState::Queued,
        "executable till now"
    );
    d.next_epoch();
    assert_eq!(d.sys.dao_state(queued), ProposalState::Expired);
    let fee = d.sys.snapshot().config.params.protocol_fee_bps;
    d.step("execute after the grace", |s| {
        s.dao_execute(&keeper, queued, CALL_GAS)
            .assert_failure_contains("E_EXPIRED");
    });
    assert_eq!(d.sys.snapshot().config.params.protocol_fee_bps, fee);
    assert_ne!(fee, 300, "never applied");
}

/// Deposits are refunded on a plain proposal too: the proposer pays its
/// storage only (a sanity check of what `PROPOSE_DEPOSIT` covers).
#[test]
fn a_proposal_costs_its_storage_and_refunds_the_rest() {
    let (mut d, v) = deploy_with_voters();
    let gov = d.sys.governance.clone();
    let bytes = |d: &integration_tests::suite::Driver| {
        d.sys.net.account(&gov).expect("deployed").storage_usage
    };
    let used_before = bytes(&d);
    let out = d.step("propose", |s| {
        s.dao_propose(&v.alice, &set_fee(300), CALL_GAS)
    });
    integration_tests::dao::proposal_id(&out).expect("created");
    let stored = u128::from(bytes(&d) - used_before);
    let refund = out
        .receipts
        .iter()
        .find_map(|r| match r.actions.as_slice() {
            [ActionSummary::Transfer { deposit }]
                if r.predecessor_id == gov && r.receiver_id == v.alice =>
            {
                Some(deposit.as_yoctonear())
            }
            _ => None,
        })
        .expect("the unused deposit comes back");
    let paid = PROPOSE_DEPOSIT.as_yoctonear() - refund;
    // Exactly the storage the proposal took, at the protocol's byte price.
    assert!(stored > 0);
    assert_eq!(paid, stored * STORAGE_BYTE_COST, "{stored} bytes stored");
}
