//! The DAO's calls on the deployed system: voters who earned META by
//! staking and claimed it (`integration_tests::dao::deploy_with_voters`),
//! a proposal adding a whitelisted validator taken through its whole
//! cycle, each call with the gas governance documents as its minimum.

use governance::gas::{GAS_FOR_EXECUTE_WITH_WHITELIST, GAS_FOR_PROPOSE_WITH_WHITELIST};
use governance::VoteChoice;
use integration_tests::dao::{deploy_with_voters, proposal_id, router, wait_until_epoch};
use integration_tests::suite::DEFAULT_WEIGHT_BPS;
use localnet::ExecutionOutcome;
use meta_common::actions::RouterAction;

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
    rows
}
