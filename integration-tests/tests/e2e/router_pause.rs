//! The emergency staking pause (issue 14) end to end on the in-process
//! chain: the real router, sNEAR, governance, whitelist and pools, voters
//! holding META they earned, the router's bootstrap ended, every DESIGN §7
//! invariant checked after each step.
//!
//! The DAO appoints a guardian; the guardian pauses new stake through
//! governance (`pause_staking` → the router's `guardian_pause_staking`).
//! While paused, a liquid staker, a lockup-named account and a lockup
//! contract cannot deposit or stake, and the keeper's `epoch_stake`
//! refuses (the keeper skips it, the router reporting no stake work), but
//! all three unstake and withdraw everything at their quoted epoch with the
//! keeper's rounds running. The guardian cannot extend its pause; a DAO
//! `PauseStaking` proposal does, a `ResumeStaking` one ends the pause
//! early, and a later guardian pause ends by itself after
//! `GUARDIAN_PAUSE_EPOCHS`.

use governance::ProposalKind;
use integration_tests::dao::{
    dao_events, deploy_with_voters, pass_and_wait_for_eta, propose, queue_when_voted, router,
    vote_for, wait_until_epoch, DaoGas, Voters,
};
use integration_tests::suite::{Driver, Staker, StakerKind, System, CALL_GAS, ONE_NEAR};
use localnet::{AccountId, ExecutionOutcome, Gas, NearToken};
use meta_common::actions::{RouterAction, GUARDIAN_PAUSE_EPOCHS};
use meta_pool::views::{EpochStatus, PoolSummary};
use serde_json::{json, Value};

/// What the guardian attaches to `pause_staking`: exactly the least it
/// accepts (`governance::guardian::GAS_FOR_PAUSE_STAKING`, 15 Tgas).
const PAUSE_GAS: Gas = Gas::from_tgas(15);

/// Gas a proposal's `execute` gets (a router action: 65 Tgas needed).
const EXECUTE_GAS: Gas = Gas::from_tgas(100);

/// What old lockups attach to a staking pool's calls other than `deposit`.
const LOCKUP_CALL_GAS: Gas = Gas::from_tgas(60);

fn guardian_pause(s: &mut System, guardian: &AccountId) -> ExecutionOutcome {
    let gov = s.governance.clone();
    s.call(guardian, &gov, "pause_staking", json!({}), 1, PAUSE_GAS)
}

fn paused(s: &System) -> bool {
    s.router_view("is_staking_paused", json!({}))
}

/// The router's events named `name` in `out` (their data).
fn router_events(s: &System, out: &ExecutionOutcome, name: &str) -> Vec<Value> {
    out.events()
        .into_iter()
        .filter(|e| e.emitter == s.router && e.standard == "meta-pool" && e.event == name)
        .map(|e| e.data.get(0).cloned().unwrap_or(e.data))
        .collect()
}

/// The text of the first failure anywhere in `out`'s receipt tree.
fn first_failure(out: &ExecutionOutcome) -> String {
    out.first_failure_anywhere()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// The DAO appoints `guardian.near` for 200 epochs.
fn appoint_guardian(d: &mut Driver, v: &Voters) -> AccountId {
    let keeper = d.sys.keeper_account.clone();
    let guardian = d
        .sys
        .net
        .create_account("guardian.near", NearToken::from_near(10));
    let appoint = ProposalKind::SetGuardian {
        account_id: guardian.clone(),
        term_epochs: 200,
    };
    let id = pass_and_wait_for_eta(d, &v.alice, &appoint, &[&v.alice]);
    d.step("execute the guardian's appointment", |s| {
        assert!(s
            .dao_execute(&keeper, id, EXECUTE_GAS)
            .json::<bool>()
            .unwrap());
    });
    guardian
}

/// Proposes `action`, votes it through with alice; returns the id.
fn propose_action(d: &mut Driver, v: &Voters, action: RouterAction) -> u64 {
    let id = propose(d, &v.alice, &router(action));
    vote_for(d, id, &[&v.alice]);
    id
}

/// Executes proposal `id` (its eta has come) and returns the outcome.
fn execute(d: &mut Driver, id: u64) -> ExecutionOutcome {
    let keeper = d.sys.keeper_account.clone();
    d.step(&format!("execute proposal {id}"), |s| {
        let out = s.dao_execute(&keeper, id, EXECUTE_GAS);
        assert!(out.json::<bool>().unwrap(), "applied: {out:?}");
        out
    })
}

/// Every way `s` could add stake is refused with `E_STAKING_PAUSED` and
/// changes nothing (`unstaked`: its unstaked balance, which it tries to
/// stake).
fn stake_paths_refused(d: &mut Driver, st: &Staker, unstaked: u128) {
    // Balances only: a lockup's unclaimed META grows block by block.
    let balances = |s: &System| {
        let a = s.account_details(&st.id);
        (
            a.unstaked_balance,
            a.staked_balance,
            a.shares,
            s.snear_balance(&st.id),
        )
    };
    let before = balances(&d.sys);
    let books = d.sys.pool_summary().books;
    let label = format!("{} tries to add stake while paused", st.id);
    d.step(&label, |s| {
        let outs = [
            s.deposit(st, 10 * ONE_NEAR),
            s.deposit_and_stake(st, 10 * ONE_NEAR),
            s.stake(st, unstaked),
            s.staking_call_all(st),
        ];
        for out in outs {
            let msg = first_failure(&out);
            assert!(msg.contains("E_STAKING_PAUSED"), "{}: {msg}", st.id);
            // A lockup contract's callback turns the refusal into `false`.
            assert!(out.is_failure() || out.json::<bool>().ok() == Some(false));
        }
    });
    assert_eq!(
        balances(&d.sys),
        before,
        "{}'s balances did not move",
        st.id
    );
    assert_eq!(d.sys.pool_summary().books, books, "the books did not move");
}

/// `stake_all`, which the suite has no helper for.
trait StakeAll {
    fn staking_call_all(&mut self, st: &Staker) -> ExecutionOutcome;
}

impl StakeAll for System {
    fn staking_call_all(&mut self, st: &Staker) -> ExecutionOutcome {
        match st.kind {
            // Old lockups have no `stake_all`: the lockup contract's
            // `stake` of the whole balance instead.
            StakerKind::LockupContract => {
                let u = self.core_views(&st.id).unstaked;
                self.stake(st, u.max(1))
            }
            StakerKind::LockupAccount => {
                self.call_router(&st.id, "stake_all", json!({}), 0, LOCKUP_CALL_GAS)
            }
            StakerKind::Liquid => self.call_router(&st.id, "stake_all", json!({}), 0, CALL_GAS),
        }
    }
}

#[test]
fn a_guardian_pause_stops_new_stake_and_every_exit_goes_on() {
    let (mut d, v) = deploy_with_voters();
    let guardian = appoint_guardian(&mut d, &v);
    let erin = d.sys.add_liquid_staker("erin", NearToken::from_near(2_000));
    let frank = d
        .sys
        .add_lockup_account("frank", NearToken::from_near(1_000));
    let gina = d
        .sys
        .add_lockup_contract("gina", NearToken::from_near(1_000));
    for (st, stake, extra) in [(&erin, 500, 20), (&frank, 300, 5), (&gina, 200, 7)] {
        d.step(&format!("{} stakes and deposits", st.id), |s| {
            s.deposit_and_stake(st, stake * ONE_NEAR).assert_success();
            s.deposit(st, extra * ONE_NEAR).assert_success();
        });
    }
    d.keeper_round();
    d.next_epoch();

    // A DAO proposal to extend the pause, made before the guardian acts, so
    // it executes while the guardian's pause is in force.
    let extend = propose_action(&mut d, &v, RouterAction::PauseStaking { epochs: 20 });
    let voting_ends = d.sys.dao_proposal(extend).voting_ends_epoch;
    let rules = d.sys.dao_rules();
    let eta = voting_ends + rules.timelock_epochs;
    wait_until_epoch(&mut d, eta + 1 - GUARDIAN_PAUSE_EPOCHS);

    // The guardian pauses, with exactly the gas `pause_staking` needs.
    let start = d.sys.net.epoch_height();
    let gov = d.sys.governance.clone();
    d.step("the guardian pauses staking", |s| {
        let out = guardian_pause(s, &guardian);
        out.assert_success();
        let e = dao_events(&out);
        assert_eq!(e[0].0, "staking_pause_requested");
        assert_eq!(e[0].1["guardian"], guardian.as_str());
        let p = router_events(s, &out, "staking_paused");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["until_epoch"], start + GUARDIAN_PAUSE_EPOCHS);
        assert_eq!(p[0]["by"], "guardian");
        let router_gas = out
            .receipts
            .iter()
            .find(|r| r.receiver_id == s.router)
            .map(|r| r.gas_burnt)
            .expect("the router's receipt");
        println!(
            "guardian pause_staking: {}; router guardian_pause_staking {:.3} Tgas",
            DaoGas::of(&out, &gov),
            router_gas.as_gas() as f64 / 1e12
        );
    });
    assert!(paused(&d.sys));
    let summary: PoolSummary = d.sys.pool_summary();
    assert_eq!(
        summary.staking_paused_until_epoch,
        Some(start + GUARDIAN_PAUSE_EPOCHS)
    );

    // The guardian cannot extend its pause; nobody else can pause.
    d.step("the guardian pauses again", |s| {
        guardian_pause(s, &guardian).assert_failure_contains("E_ALREADY_PAUSED");
    });
    d.step("a holder tries to pause", |s| {
        guardian_pause(s, &v.alice).assert_failure_contains("E_NOT_GUARDIAN");
    });
    d.step("the guardian calls the router itself", |s| {
        s.call_router(&guardian, "guardian_pause_staking", json!({}), 0, CALL_GAS)
            .assert_failure_contains("E_NOT_GOVERNANCE");
    });

    // No new stake: every path, for each kind of staker, and the keeper.
    for (st, unstaked) in [(&erin, 20), (&frank, 5), (&gina, 7)] {
        stake_paths_refused(&mut d, st, unstaked * ONE_NEAR);
    }
    let keeper = d.sys.keeper_account.clone();
    d.step("epoch_stake while paused", |s| {
        s.call_router(&keeper, "epoch_stake", json!({}), 0, CALL_GAS)
            .assert_failure_contains("E_STAKING_PAUSED");
    });

    // Every exit goes on: all three leave in full.
    let erin_snear = d.sys.snear_balance(&erin.id);
    d.step("erin unstakes a part", |s| {
        s.unstake(&erin, 100 * ONE_NEAR).assert_success();
    });
    assert!(d.sys.snear_balance(&erin.id) < erin_snear);
    for st in [&erin, &frank, &gina] {
        d.step(&format!("{} unstakes everything", st.id), |s| {
            s.unstake_all(st).assert_success();
        });
        assert_eq!(d.sys.core_views(&st.id).staked, 0);
    }
    assert_eq!(d.sys.snear_balance(&erin.id), 0);
    let quote = d
        .sys
        .account_details(&erin.id)
        .unstaked_available_epoch
        .max(d.sys.account_details(&frank.id).unstaked_available_epoch)
        .max(d.sys.account_details(&gina.id).unstaked_available_epoch);
    assert!(quote < start + GUARDIAN_PAUSE_EPOCHS, "due while paused");

    // The DAO's proposal is queued when its vote ends; meanwhile the keeper
    // runs every round with no stake work and no failure.
    let queued_eta = queue_when_voted(&mut d, extend);
    assert_eq!(queued_eta, eta);
    wait_until_epoch(&mut d, quote);
    let round = d.last_round.clone().expect("a keeper round ran");
    assert!(round.finished(), "{:?}", round.status_after);
    assert_eq!(round.calls_of("epoch_stake").count(), 0, "never called");
    let status: EpochStatus = d.sys.router_view("get_epoch_status", json!({}));
    assert!(status.staking_paused && !status.stake_pending);
    assert!(paused(&d.sys));
    for st in [&erin, &frank, &gina] {
        let owed = d.sys.core_views(&st.id).unstaked;
        assert!(owed > 0);
        assert!(d.sys.core_views(&st.id).available, "{} is due", st.id);
        d.step(&format!("{} withdraws everything", st.id), |s| {
            let out = s.withdraw_all(st);
            out.assert_success();
            integration_tests::invariants::withdrawal_paid_exactly(&out, &s.router, &st.id, owed)
                .unwrap();
            let w = router_events(s, &out, "withdraw");
            assert_eq!(w.len(), 1);
            assert_eq!(w[0]["amount"], owed.to_string(), "paid in full");
        });
        let views = d.sys.core_views(&st.id);
        assert_eq!((views.staked, views.unstaked), (0, 0), "{} left", st.id);
    }

    // The DAO extends the guardian's pause before it lapses.
    wait_until_epoch(&mut d, eta);
    let out = execute(&mut d, extend);
    let p = router_events(&d.sys, &out, "staking_paused");
    assert_eq!(p[0]["until_epoch"], eta + 20);
    assert_eq!(p[0]["by"], "dao");
    wait_until_epoch(&mut d, start + GUARDIAN_PAUSE_EPOCHS);
    assert!(paused(&d.sys), "extended past the guardian's end");
    d.step("the guardian cannot pause over the DAO's pause", |s| {
        guardian_pause(s, &guardian).assert_failure_contains("E_ALREADY_PAUSED");
    });
    d.step("dave cannot stake", |s| {
        let dave = s
            .stakers
            .iter()
            .find(|st| st.id == v.dave)
            .cloned()
            .expect("dave");
        s.deposit_and_stake(&dave, ONE_NEAR)
            .assert_failure_contains("E_STAKING_PAUSED");
    });
}

#[test]
fn the_dao_ends_a_pause_early_and_a_guardian_pause_ends_by_itself() {
    let (mut d, v) = deploy_with_voters();
    let guardian = appoint_guardian(&mut d, &v);
    let erin = d.sys.add_liquid_staker("erin", NearToken::from_near(2_000));
    let frank = d
        .sys
        .add_lockup_account("frank", NearToken::from_near(1_000));

    // The DAO pauses for the longest it may; then ends it early.
    let pause = propose_action(&mut d, &v, RouterAction::PauseStaking { epochs: 56 });
    let resume = propose_action(&mut d, &v, RouterAction::ResumeStaking);
    queue_when_voted(&mut d, pause);
    let eta = queue_when_voted(&mut d, resume);
    wait_until_epoch(&mut d, eta);
    let out = execute(&mut d, pause);
    let at = d.sys.net.epoch_height();
    assert_eq!(
        router_events(&d.sys, &out, "staking_paused")[0]["until_epoch"],
        at + 56
    );
    assert!(paused(&d.sys));
    d.step("erin cannot stake", |s| {
        s.deposit_and_stake(&erin, 100 * ONE_NEAR)
            .assert_failure_contains("E_STAKING_PAUSED");
    });
    d.next_epoch();
    let out = execute(&mut d, resume);
    let r = router_events(&d.sys, &out, "staking_resumed");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["by"], "dao");
    assert!(!paused(&d.sys), "ended 55 epochs early");
    d.step("erin and frank stake again", |s| {
        s.deposit_and_stake(&erin, 100 * ONE_NEAR).assert_success();
        s.deposit_and_stake(&frank, 100 * ONE_NEAR).assert_success();
    });
    let round = d.keeper_round();
    let staked = |r: &integration_tests::keeper::KeeperReport| {
        r.events("epoch_attempt").iter().any(|e| e["op"] == "stake")
    };
    assert!(staked(&round), "the keeper places the new stake");

    // A guardian pause with nobody extending it ends by itself.
    let start = d.sys.net.epoch_height();
    d.step("the guardian pauses staking", |s| {
        guardian_pause(s, &guardian).assert_success();
    });
    d.step("frank cannot stake", |s| {
        s.deposit_and_stake(&frank, ONE_NEAR)
            .assert_failure_contains("E_STAKING_PAUSED");
    });
    wait_until_epoch(&mut d, start + GUARDIAN_PAUSE_EPOCHS - 1);
    assert!(paused(&d.sys));
    d.next_epoch();
    assert_eq!(d.sys.net.epoch_height(), start + GUARDIAN_PAUSE_EPOCHS);
    assert!(!paused(&d.sys), "the guardian's pause lapsed");
    let summary: PoolSummary = d.sys.pool_summary();
    assert_eq!(summary.staking_paused_until_epoch, None);
    let round = d.last_round.clone().expect("a keeper round ran");
    assert!(round.finished(), "{:?}", round.status_after);
    d.step("erin and frank stake again", |s| {
        s.deposit_and_stake(&erin, 50 * ONE_NEAR).assert_success();
        s.deposit_and_stake(&frank, 50 * ONE_NEAR).assert_success();
    });
    let round = d.keeper_round();
    assert!(staked(&round), "the keeper places the new stake");
    assert!(round.finished());
}
