//! A DAO proposal cycle on governance with the test whitelist: voters earn
//! META by staking through the router and claiming through sNEAR; they
//! propose, vote, queue and execute a guardian change (which governance
//! applies itself), and an added validator checked against the whitelist,
//! whose execution is the router's `apply_governance_action`.

use integration_tests::sandbox;
use integration_tests::workspaces::{deploy_and_init, Suite};
use near_workspaces::types::{Gas, NearToken};
use near_workspaces::Account;
use serde_json::{json, Value};

async fn propose(suite: &Suite, proposer: &Account, kind: Value) -> anyhow::Result<Option<u64>> {
    let out = proposer
        .call(suite.governance.id(), "propose")
        .args_json(json!({ "proposal": { "description": "test", "kind": kind } }))
        .deposit(NearToken::from_millinear(100))
        .gas(Gas::from_tgas(100))
        .transact()
        .await?;
    assert!(out.is_success(), "{:?}", out.failures());
    Ok(out.json()?)
}

async fn proposal(suite: &Suite, id: u64) -> anyhow::Result<Value> {
    Ok(suite
        .governance
        .view("get_proposal")
        .args_json(json!({ "proposal_id": id }))
        .await?
        .json()?)
}

/// Waits out the voting period, checks the proposal passed and queues it
/// (anyone may); returns the eta.
async fn queue_after_the_vote(suite: &Suite, id: u64) -> anyhow::Result<u64> {
    let voting_ends = proposal(suite, id).await?["voting_ends_epoch"]
        .as_u64()
        .unwrap();
    let (epoch, _) = suite.epoch().await?;
    suite.advance_epochs(voting_ends - epoch).await?;
    assert_eq!(proposal(suite, id).await?["state"], "Succeeded");
    Ok(suite
        .root
        .call(suite.governance.id(), "queue")
        .args_json(json!({ "proposal_id": id }))
        .transact()
        .await?
        .json()?)
}

#[tokio::test]
async fn a_guardian_proposal_goes_from_vote_to_execution() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let (voter, meta) = suite.voter_with_meta("voter").await?;
    let guardian = suite.user("guardian", 5).await?;

    let id = propose(
        &suite,
        &voter,
        json!({ "SetGuardian": { "account_id": guardian.id(), "term_epochs": 30 } }),
    )
    .await?
    .expect("created");
    let p = proposal(&suite, id).await?;
    assert_eq!(p["state"], "Active");
    // Voting power is the balance before the proposal: all the voter's META.
    let weight: String = voter
        .call(suite.governance.id(), "vote")
        .args_json(json!({ "proposal_id": id, "choice": "For" }))
        .transact()
        .await?
        .json()?;
    assert_eq!(weight, meta.to_string());
    // Queueing before the vote ends is refused.
    let early = suite
        .root
        .call(suite.governance.id(), "queue")
        .args_json(json!({ "proposal_id": id }))
        .transact()
        .await?;
    assert!(early.is_failure());

    let eta = queue_after_the_vote(&suite, id).await?;
    // The time-lock holds until the eta.
    let early = suite
        .root
        .call(suite.governance.id(), "execute")
        .args_json(json!({ "proposal_id": id }))
        .gas(Gas::from_tgas(100))
        .transact()
        .await?;
    assert!(early.is_failure(), "executed inside the time-lock");
    let (epoch, _) = suite.epoch().await?;
    suite.advance_epochs(eta - epoch).await?;
    let executed: bool = suite
        .root
        .call(suite.governance.id(), "execute")
        .args_json(json!({ "proposal_id": id }))
        .gas(Gas::from_tgas(100))
        .transact()
        .await?
        .json()?;
    assert!(executed);
    assert_eq!(proposal(&suite, id).await?["state"], "Executed");
    let g: Value = suite.governance.view("get_guardian").await?.json()?;
    assert_eq!(g["account_id"], json!(guardian.id()));
    assert_eq!(g["active"], true);
    Ok(())
}

#[tokio::test]
async fn an_added_validator_is_checked_against_the_whitelist_and_executed_on_the_router(
) -> anyhow::Result<()> {
    let worker = sandbox!().await?;
    let suite = Suite::deploy(worker.clone()).await?;
    let (voter, _) = suite.voter_with_meta("voter").await?;
    let add = |id: &near_workspaces::AccountId| json!({ "Router": { "AddValidator": { "account_id": id, "weight_bps": 5000 } } });
    // A third pool, whitelisted but not yet a validator of the router.
    let id: near_workspaces::AccountId = format!("pool-c.{}", suite.root.id()).parse()?;
    let pool_c = deploy_and_init(
        &worker,
        &suite.root,
        "pool-c",
        deploy::plan::balances::POOL,
        &integration_tests::workspaces::wasm("test_pool")?,
        deploy::suite::pool_init(&suite.ids, &deploy::plan::pool_stake_key(&id)),
        NearToken::from_yoctonear(0),
    )
    .await?;
    suite
        .root
        .call(suite.whitelist.id(), "add_staking_pool")
        .args_json(json!({ "staking_pool_account_id": pool_c.id() }))
        .transact()
        .await?
        .into_result()?;
    let validators_before: u64 = suite
        .router
        .view("get_number_of_validators")
        .await?
        .json()?;

    // Not on the whitelist: rejected, no proposal.
    let stranger = suite.user("stranger", 1).await?;
    assert_eq!(propose(&suite, &voter, add(stranger.id())).await?, None);
    // Whitelisted: created once the whitelist answered.
    let id = propose(&suite, &voter, add(pool_c.id()))
        .await?
        .expect("whitelisted pool");
    voter
        .call(suite.governance.id(), "vote")
        .args_json(json!({ "proposal_id": id, "choice": "For" }))
        .transact()
        .await?
        .into_result()?;
    let eta = queue_after_the_vote(&suite, id).await?;
    let (epoch, _) = suite.epoch().await?;
    suite.advance_epochs(eta - epoch).await?;
    let out = suite
        .root
        .call(suite.governance.id(), "execute")
        .args_json(json!({ "proposal_id": id }))
        .gas(Gas::from_tgas(150))
        .transact()
        .await?;
    assert!(out.is_success(), "{:?}", out.failures());
    assert!(out.json::<bool>()?);
    assert_eq!(proposal(&suite, id).await?["state"], "Executed");
    let v: Value = suite
        .router
        .view("get_validator")
        .args_json(json!({ "account_id": pool_c.id() }))
        .await?
        .json()?;
    assert_eq!(v["weight_bps"], 5000);
    assert_eq!(v["state"], "Active");
    let validators_after: u64 = suite
        .router
        .view("get_number_of_validators")
        .await?
        .json()?;
    assert_eq!(validators_after, validators_before + 1);
    Ok(())
}
