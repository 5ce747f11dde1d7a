//! The DAO's calls on the deployed system: voters who earned META by
//! staking and claimed it (`integration_tests::dao::deploy_with_voters`),
//! a proposal adding a whitelisted validator taken through its whole
//! cycle, each call with the gas governance documents as its minimum; then
//! code staged and an upgrade of each contract executed.

use governance::gas::{
    execute_upgrade_gas, GAS_FOR_EXECUTE_WITH_WHITELIST, GAS_FOR_PROPOSE_WITH_WHITELIST,
};
use governance::{ProposalKind, UpgradeTarget, VoteChoice};
use integration_tests::dao::{
    deploy_with_voters, proposal_id, propose, queue_when_voted, router, vote_for, wait_until_epoch,
    Voters,
};
use integration_tests::suite::{wasm, Driver, DEFAULT_WEIGHT_BPS};
use localnet::{ExecutionOutcome, NearToken};
use meta_common::actions::RouterAction;
use near_sdk::json_types::Base58CryptoHash;

use crate::flows::GasRow;

fn row(op: &str, how: &str, out: &ExecutionOutcome) -> GasRow {
    out.assert_success();
    assert_eq!(out.receipt_failures().count(), 0, "{op}");
    GasRow {
        op: op.into(),
        how: how.into(),
        gas: out.total_gas_burnt(),
        receipts: out.receipts.iter().filter(|r| !r.is_refund).count(),
    }
}

pub fn run() -> Vec<GasRow> {
    let (mut d, v) = deploy_with_voters();
    let keeper = d.sys.keeper_account.clone();
    let pool = d.sys.pools[2].id.clone();
    let kind = router(RouterAction::AddValidator {
        account_id: pool.clone(),
        weight_bps: DEFAULT_WEIGHT_BPS,
    });
    let mut rows = Vec::new();
    let id = d.step("propose", |s| {
        let out = s.dao_propose(&v.alice, &kind, GAS_FOR_PROPOSE_WITH_WHITELIST);
        rows.push(row("propose", "AddValidator, whitelist checked", &out));
        proposal_id(&out).expect("a whitelisted pool is proposed")
    });
    for (who, how) in [
        (&v.alice, "For, liquid holder's META"),
        (&v.carol, "For, lockup owner's META"),
    ] {
        d.step("vote", |s| {
            let out = s.dao_vote(who, id, VoteChoice::For);
            rows.push(row("vote", how, &out));
        });
    }
    let voting_ends = d.sys.dao_proposal(id).voting_ends_epoch;
    wait_until_epoch(&mut d, voting_ends);
    let eta = d.step("queue", |s| {
        let out = s.dao_queue(&keeper, id);
        rows.push(row("queue", "after the vote, anyone", &out));
        out.json::<u64>().expect("queue returns the eta")
    });
    wait_until_epoch(&mut d, eta);
    d.step("execute", |s| {
        let out = s.dao_execute(&keeper, id, GAS_FOR_EXECUTE_WITH_WHITELIST);
        rows.push(row(
            "execute",
            "AddValidator on the router, whitelist re-checked",
            &out,
        ));
        assert!(out.json::<bool>().expect("execute returns"), "applied");
    });
    assert!(d.sys.validator(&pool).is_some(), "listed by the DAO");
    upgrades(&mut d, &v, &mut rows);
    rows
}

/// Staging and executing an upgrade of each contract to its test-only
/// second build, each `execute` with exactly the gas governance requires
/// for the code's length (`execute_upgrade_gas`).
fn upgrades(d: &mut Driver, v: &Voters, rows: &mut Vec<GasRow>) {
    let keeper = d.sys.keeper_account.clone();
    let targets = [
        (UpgradeTarget::Router, "meta_pool_next.wasm"),
        (UpgradeTarget::Snear, "snear_next.wasm"),
        (UpgradeTarget::Governance, "governance_next.wasm"),
    ];
    let mut ids = vec![];
    for (target, file) in targets {
        let code = wasm(file);
        let len = code.len() as u64;
        let hash: Base58CryptoHash = d.step("stage_code", |s| {
            let out = s.dao_stage_code(&v.dave, code, NearToken::from_near(6));
            rows.push(row("stage_code", &format!("{file}, {len} bytes"), &out));
            out.json().expect("the hash")
        });
        let kind = match target {
            UpgradeTarget::Router => ProposalKind::UpgradeRouter { code_hash: hash },
            UpgradeTarget::Snear => ProposalKind::UpgradeSnear { code_hash: hash },
            UpgradeTarget::Governance => ProposalKind::UpgradeGovernance { code_hash: hash },
        };
        let id = propose(d, &v.alice, &kind);
        vote_for(d, id, &[&v.alice, &v.bob, &v.carol]);
        ids.push((id, target, file, len));
    }
    let eta = ids
        .iter()
        .map(|(id, ..)| queue_when_voted(d, *id))
        .max()
        .unwrap_or(0);
    wait_until_epoch(d, eta);
    for (id, target, file, len) in ids {
        d.step("execute upgrade", |s| {
            let out = s.dao_execute(&keeper, id, execute_upgrade_gas(target, len));
            rows.push(row(
                "execute",
                &format!("{target:?} upgrade to {file}, minimum gas"),
                &out,
            ));
            assert!(out.json::<bool>().expect("execute returns"), "upgraded");
        });
    }
}
