//! The DAO's proposal cycle end to end on the in-process chain: the real
//! router (`res/meta_pool.wasm`), test whitelist, sNEAR, pools and
//! governance, voters holding META they earned by staking and claimed, the
//! router's bootstrap ended so the DAO is its only authority, and every
//! DESIGN §7 invariant checked after each step.
//!
//! - a validator added by a full cycle (propose, vote, queue, the
//!   time-lock, execute), shown in the router's validator list; the gas of
//!   propose, vote, queue and execute is printed;
//! - a parameter and the emission changed on the router within their
//!   bounds, and values outside them refused at creation;
//! - a validator the whitelist does not list refused at creation.

use governance::gas::{
    GAS_FOR_EXECUTE, GAS_FOR_EXECUTE_WITH_WHITELIST, GAS_FOR_PROPOSE_WITH_WHITELIST,
};
use governance::{ProposalKind, ProposalState, VoteChoice};
use integration_tests::dao::{
    dao_events, deploy_with_voters, proposal_id, propose, queue_when_voted, router, vote_for,
    wait_until_epoch, DaoGas, PROPOSE_DEPOSIT,
};
use integration_tests::suite::CALL_GAS;
use localnet::{ActionSummary, NearToken};
use meta_common::actions::{
    RouterAction, RouterParameter, MAX_META_PER_EPOCH, ONE_META, PROTOCOL_FEE_BPS,
};
use meta_pool::validators::ValidatorState;
use near_sdk::json_types::U128;
use serde_json::Value;

#[test]
fn a_validator_is_added_by_a_full_proposal_cycle() {
    let (mut d, v) = deploy_with_voters();
    let gov = d.sys.governance.clone();
    let keeper = d.sys.keeper_account.clone();
    let new_pool = d.sys.pools[2].id.clone();
    assert!(d.sys.validator(&new_pool).is_none(), "a spare pool");
    let kind = router(RouterAction::AddValidator {
        account_id: new_pool.clone(),
        weight_bps: 1_500,
    });
    let mut gas = vec![];

    // Propose, with exactly the gas an added validator needs: the proposal
    // exists once the whitelist confirmed it.
    let id = d.step("propose", |s| {
        let out = s.dao_propose(&v.alice, &kind, GAS_FOR_PROPOSE_WITH_WHITELIST);
        gas.push(("propose (AddValidator)", DaoGas::of(&out, &gov)));
        proposal_id(&out).expect("a whitelisted pool is proposed")
    });
    let p = d.sys.dao_proposal(id);
    assert_eq!(p.state, ProposalState::Active);
    assert_eq!(p.kind, kind);
    let start_block = d.sys.net.block_height();
    assert!(p.snapshot_block < start_block);
    assert_eq!(p.quorum_votes.0, d.sys.dao_rules().min_quorum.0);

    // Vote: For, Against and Abstain, each weighing the snapshot balance;
    // the lockup's owner votes with the META it claimed through the router.
    for (who, choice) in [
        (&v.alice, VoteChoice::For),
        (&v.bob, VoteChoice::Against),
        (&v.carol, VoteChoice::Abstain),
    ] {
        d.step("vote", |s| {
            let out = s.dao_vote(who, id, choice);
            let weight: U128 = out.json().expect("vote returns the weight");
            assert_eq!(weight.0, s.voting_power_at(who, p.snapshot_block));
            assert_eq!(weight.0, s.meta_balance(who), "no META moved since");
            gas.push(("vote", DaoGas::of(&out, &gov)));
        });
    }
    d.step("a second vote", |s| {
        s.dao_vote(&v.alice, id, VoteChoice::For)
            .assert_failure_contains("E_ALREADY_VOTED");
    });
    d.step("queue during the vote", |s| {
        s.dao_queue(&keeper, id)
            .assert_failure_contains("E_NOT_SUCCEEDED");
    });

    // Queue once the vote has ended (anyone may), then wait out the lock.
    wait_until_epoch(&mut d, p.voting_ends_epoch);
    assert_eq!(d.sys.dao_state(id), ProposalState::Succeeded);
    let eta = d.step("queue", |s| {
        let out = s.dao_queue(&keeper, id);
        gas.push(("queue", DaoGas::of(&out, &gov)));
        out.json::<u64>().expect("the eta")
    });
    let rules = d.sys.dao_rules();
    assert_eq!(eta, p.voting_ends_epoch + rules.timelock_epochs);
    wait_until_epoch(&mut d, eta - 1);
    d.step("execute inside the time-lock", |s| {
        s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST)
            .assert_failure_contains("E_TIMELOCK");
    });
    assert!(d.sys.validator(&new_pool).is_none());

    // Execute at the eta with exactly the documented minimum: the router
    // re-checks nothing itself that governance did not, and lists it.
    wait_until_epoch(&mut d, eta);
    d.step("execute", |s| {
        let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST);
        gas.push(("execute (AddValidator)", DaoGas::of(&out, &gov)));
        assert_eq!(out.receipt_failures().count(), 0);
        assert!(out.json::<bool>().unwrap(), "applied");
        let events: Vec<String> = dao_events(&out).into_iter().map(|e| e.0).collect();
        assert_eq!(events, ["proposal_executing", "proposal_executed"]);
    });
    assert_eq!(d.sys.dao_state(id), ProposalState::Executed);
    let listed = d.sys.validator(&new_pool).expect("listed by the DAO");
    assert_eq!(listed.weight_bps, 1_500);
    assert_eq!(listed.state, ValidatorState::Active);
    assert!(d
        .sys
        .router_validators()
        .iter()
        .any(|v| v.account_id == new_pool));
    d.step("execute again", |s| {
        s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST)
            .assert_failure_contains("E_ALREADY_EXECUTED");
    });
    // The keeper places stake on the new validator like on any other.
    d.next_epoch();
    d.next_epoch();
    assert!(d.sys.validator(&new_pool).unwrap().staked.0 > 0);

    // A router action without the whitelist, at exactly its minimum.
    let pause = router(RouterAction::PauseValidator {
        account_id: new_pool.clone(),
    });
    let id = d.step("propose", |s| {
        let out = s.dao_propose(&v.alice, &pause, CALL_GAS);
        gas.push(("propose (PauseValidator)", DaoGas::of(&out, &gov)));
        proposal_id(&out).expect("created")
    });
    vote_for(&mut d, id, &[&v.alice]);
    let eta = queue_when_voted(&mut d, id);
    wait_until_epoch(&mut d, eta);
    d.step("execute", |s| {
        let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE);
        gas.push(("execute (PauseValidator)", DaoGas::of(&out, &gov)));
        assert!(out.json::<bool>().unwrap());
    });
    assert_eq!(
        d.sys.validator(&new_pool).unwrap().state,
        ValidatorState::Paused
    );

    println!("DAO gas, real router and whitelist (localnet, nearcore's parameters):");
    for (label, g) in &gas {
        println!("  {label:<26} {g}");
    }
}

#[test]
fn a_parameter_and_the_emission_change_on_the_router_within_bounds() {
    let (mut d, v) = deploy_with_voters();
    let keeper = d.sys.keeper_account.clone();
    let before = d.sys.snapshot().config;
    let fee = 300;
    assert_ne!(before.params.protocol_fee_bps, fee);
    assert!((PROTOCOL_FEE_BPS.min..=PROTOCOL_FEE_BPS.max).contains(&fee));
    let emission = 250_000 * ONE_META;
    let set_fee = router(RouterAction::SetParameter {
        parameter: RouterParameter::ProtocolFeeBps(fee),
    });
    let set_emission = router(RouterAction::SetEmission {
        meta_per_epoch: U128(emission),
    });
    let fee_id = propose(&mut d, &v.alice, &set_fee);
    let emission_id = propose(&mut d, &v.bob, &set_emission);
    for id in [fee_id, emission_id] {
        vote_for(&mut d, id, &[&v.alice, &v.bob]);
    }
    let eta = queue_when_voted(&mut d, fee_id);
    assert_eq!(queue_when_voted(&mut d, emission_id), eta);
    wait_until_epoch(&mut d, eta);
    for id in [fee_id, emission_id] {
        d.step("execute", |s| {
            let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE);
            assert!(out.json::<bool>().unwrap(), "{:?}", out.logs());
        });
    }
    let after = d.sys.snapshot().config;
    assert_eq!(after.params.protocol_fee_bps, fee);
    assert_eq!(after.meta_per_epoch.0, emission);
    assert_eq!(
        (
            after.params.max_validator_share_bps,
            after.params.rebalance_threshold_bps
        ),
        (
            before.params.max_validator_share_bps,
            before.params.rebalance_threshold_bps
        ),
        "nothing else changed"
    );
    // The router runs on under the new rules, every invariant holding.
    d.next_epoch();
    d.next_epoch();

    // Values outside their hard bounds are refused at creation.
    let count = d.sys.dao_proposal_count();
    for (kind, err) in [
        (
            router(RouterAction::SetParameter {
                parameter: RouterParameter::ProtocolFeeBps(PROTOCOL_FEE_BPS.max + 1),
            }),
            "E_PARAM_BOUNDS",
        ),
        (
            router(RouterAction::SetParameter {
                parameter: RouterParameter::MaxValidatorShareBps(3_001),
            }),
            "E_PARAM_BOUNDS",
        ),
        (
            router(RouterAction::SetEmission {
                meta_per_epoch: U128(MAX_META_PER_EPOCH + 1),
            }),
            "E_EMISSION_BOUNDS",
        ),
    ] {
        d.step("propose out of bounds", |s| {
            s.dao_propose(&v.alice, &kind, CALL_GAS)
                .assert_failure_contains(err);
        });
    }
    assert_eq!(d.sys.dao_proposal_count(), count);
}

#[test]
fn a_validator_not_on_the_whitelist_is_rejected_at_creation() {
    let (mut d, v) = deploy_with_voters();
    let gov = d.sys.governance.clone();
    let stranger = "stranger.pool.near".parse().unwrap();
    let whitelisted: bool = d.sys.view(
        &d.sys.whitelist.clone(),
        "is_whitelisted",
        serde_json::json!({"staking_pool_account_id": stranger}),
    );
    assert!(!whitelisted);
    let kind: ProposalKind = router(RouterAction::AddValidator {
        account_id: stranger,
        weight_bps: 1_000,
    });
    let count = d.sys.dao_proposal_count();
    let out = d.step("propose", |s| {
        s.dao_propose(&v.alice, &kind, GAS_FOR_PROPOSE_WITH_WHITELIST)
    });
    assert_eq!(proposal_id(&out), None);
    assert_eq!(d.sys.dao_proposal_count(), count, "no proposal exists");
    let events = dao_events(&out);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "proposal_rejected");
    assert_eq!(events[0].1["reason"], "validator is not on the whitelist");
    // The storage payment went back: the callback carried how much came
    // from the deposit, and exactly that was sent to the proposer.
    let paid = out
        .receipts
        .iter()
        .find_map(|r| match r.actions.first() {
            Some(ActionSummary::FunctionCall { method, args, .. })
                if method == "on_proposal_whitelisted" =>
            {
                let a: Value = serde_json::from_slice(args).unwrap();
                a["paid_from_deposit"].as_str()?.parse::<u128>().ok()
            }
            _ => None,
        })
        .expect("the whitelist was asked");
    assert!(out.receipts.iter().any(|r| {
        r.predecessor_id == gov
            && r.receiver_id == v.alice
            && r.actions
                == [ActionSummary::Transfer {
                    deposit: NearToken::from_yoctonear(paid),
                }]
    }));
    // Alice has no storage balance at the DAO: the proposal's storage came
    // out of the deposit, so with the rest refunded at once the whole
    // deposit is back, in exactly those two transfers.
    let back: Vec<u128> = out
        .receipts
        .iter()
        .filter(|r| r.predecessor_id == gov && r.receiver_id == v.alice && !r.is_refund)
        .filter_map(|r| match r.actions.as_slice() {
            [ActionSummary::Transfer { deposit }] => Some(deposit.as_yoctonear()),
            _ => None,
        })
        .collect();
    assert_eq!(back.len(), 2, "{back:?}");
    assert_eq!(back.iter().sum::<u128>(), PROPOSE_DEPOSIT.as_yoctonear());
    assert!(back.contains(&paid));
}
