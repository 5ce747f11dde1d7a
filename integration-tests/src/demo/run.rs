//! The simulation: deploy, seed the network, then epoch after epoch the
//! keeper's round, a reading, what stakers and the DAO do, and (by
//! default) every invariant of DESIGN §7.

use std::io::Write;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use governance::gas::{GAS_FOR_EXECUTE_WITH_WHITELIST, GAS_FOR_PROPOSE_WITH_WHITELIST};
use governance::{GovernanceConfig, ProposalKind, ProposalState, VoteChoice};
use localnet::{AccountId, ExecutionOutcome, NearToken, RewardRate};
use meta_common::actions::RouterAction;
use near_sdk::json_types::U128;
use serde_json::json;

use super::observe::observe;
use super::plan::{Exit, Plan};
use super::report::{self, DemoReport, Governance};
use super::DemoConfig;
use crate::dao::{proposal_id, DAO_CALL_GAS, PROPOSE_DEPOSIT};
use crate::invariants::{stakes_respect_caps, Checker};
use crate::keeper::{GasStats, Keeper};
use crate::suite::{Staker, System, SystemConfig, DEFAULT_WEIGHT_BPS, ONE_META, ONE_NEAR};

/// Validators' reward per epoch: 1.3 bps, about 10% a year at 730 epochs,
/// near mainnet's rate.
pub const REWARD_RATE: RewardRate = RewardRate {
    numerator: 13,
    denominator: 100_000,
};
/// META emitted per epoch over all shares: high (the hard cap is 500,000)
/// so the founders earn the DAO's 1,000,000 META quorum floor in the three
/// epochs before the vote.
pub const EMISSION: u128 = 500_000 * ONE_META;
/// The weight the DAO gives the validator it adds: twice the others', so
/// its target is far enough below its stake to show rebalancing.
pub const ADDED_WEIGHT_BPS: u16 = 2 * DEFAULT_WEIGHT_BPS;

/// NEAR a liquid staker keeps beside its stake (gas, claim and vote
/// deposits); a lockup contract keeps it for its storage.
const SPARE_NEAR: u128 = 10 * ONE_NEAR;

struct Run {
    plan: Plan,
    sys: System,
    /// The staker of each plan entry, once arrived.
    stakers: Vec<Option<Staker>>,
    /// Stakers waiting to withdraw.
    unstaking: Vec<usize>,
    outside: Vec<AccountId>,
    gov: Option<Governance>,
    added: AccountId,
    /// The chain's epoch at the run's epoch 0.
    epoch0: u64,
}

/// Runs the demo, printing as it goes to `out`; returns its report.
pub fn run(cfg: &DemoConfig, out: &mut dyn Write) -> Result<DemoReport> {
    let started = Instant::now();
    let rules = GovernanceConfig::default();
    let plan = Plan::new(cfg, &rules).map_err(|e| anyhow!(e))?;
    let sys = System::deploy(SystemConfig {
        validators: cfg.validators,
        spare_pools: 1,
        pool_own_stake: plan
            .pool_own
            .iter()
            .map(|y| NearToken::from_yoctonear(*y))
            .collect(),
        pool_faults: false,
        external_stake: NearToken::from_yoctonear(0),
        reward_rate: REWARD_RATE,
        meta_per_epoch: EMISSION,
        ..SystemConfig::default()
    });
    let deployed = started.elapsed();
    let added = sys.pools[cfg.validators].id.clone();
    let epoch0 = sys.net.epoch_height();
    let mut r = Run {
        epoch0,
        stakers: vec![None; plan.stakers.len()],
        plan,
        sys,
        unstaking: Vec::new(),
        outside: Vec::new(),
        gov: None,
        added,
    };
    r.seed_network();
    r.end_bootstrap()?;
    let chain_rules = r.sys.dao_rules();
    if chain_rules != rules {
        bail!("the deployed DAO's rules differ from the defaults the calendar assumes: {chain_rules:?}");
    }

    let mut checker = Checker::new();
    if cfg.check_invariants {
        checker
            .check(&r.sys, "deploy")
            .map_err(|v| anyhow!("invariants after deployment: {v}"))?;
    }
    report::print_intro(out, cfg, &r.plan, &r.sys, &r.added)?;
    let mut rows = vec![observe(&r.sys, &r.outside, 0, 0, None)];
    report::print_header(out, &rows[0])?;
    report::print_row(out, &rows[0])?;

    let keeper = Keeper::default();
    let mut gas = GasStats::default();
    for e in 1..=cfg.epochs {
        r.sys.advance_epochs(1);
        let round = keeper
            .run_round(&mut r.sys)
            .map_err(|err| anyhow!("epoch {e}: {err}"))?;
        gas.add(&round);
        let arrived = r.plan.stakers.iter().filter(|s| s.arrive < e).count();
        let mut row = observe(&r.sys, &r.outside, e, arrived, rows.last());
        row.keeper_calls = round.calls.len();
        row.keeper_tgas = round
            .calls
            .iter()
            .map(|c| c.gas_burnt.as_gas() as f64 / 1e12)
            .sum();
        if !round.finished() {
            row.notes.push(format!(
                "keeper: work left after the round: {:?}",
                round.status_after
            ));
        }
        r.stakers_act(e, &mut row.notes)?;
        r.governance_acts(e, &mut row.notes)?;
        report::print_row(out, &row)?;
        rows.push(row);
        if cfg.check_invariants {
            checker
                .check(&r.sys, &format!("epoch {e}"))
                .map_err(|v| anyhow!("invariants: {v}"))?;
        }
    }

    let gov = r
        .gov
        .take()
        .ok_or_else(|| anyhow!("the DAO's proposal was never made"))?;
    let listed_at_end = r
        .sys
        .router_validators()
        .into_iter()
        .map(|v| v.account_id)
        .collect();
    let caps_checked = stakes_respect_caps(&r.sys.ledger.stake_moves);
    let mut report = DemoReport {
        config: cfg.clone(),
        rows,
        added_validator: r.added.clone(),
        outside: r.outside.clone(),
        pools: r.sys.pools.iter().map(|p| p.id.clone()).collect(),
        governance: gov,
        listed_at_end,
        stake_moves: r.sys.ledger.stake_moves.len(),
        stake_moves_within_caps: caps_checked.clone().map(|_| true).unwrap_or(false),
        stake_move_violation: caps_checked.err(),
        invariant_checks: checker.observed.checks,
        keeper_gas: gas,
        transactions: r.sys.ledger.transactions,
        liquid_stakers: r.plan.stakers.iter().filter(|s| !s.lockup).count(),
        lockup_stakers: r.plan.stakers.iter().filter(|s| s.lockup).count(),
        brought: r.plan.budget,
        router_balance: r.sys.net.balance(&r.sys.router).as_yoctonear(),
        deploy_time: deployed,
        wall_time: started.elapsed(),
        chart: cfg.chart.clone(),
    };
    report::write_chart(&report)
        .with_context(|| format!("writing the chart to {}", cfg.chart.display()))?;
    report.wall_time = started.elapsed();
    report::print_summary(out, &report)?;
    Ok(report)
}

/// The outcome if it succeeded, else its failure as an error.
fn ok(out: ExecutionOutcome, what: &str) -> Result<ExecutionOutcome> {
    if out.is_success() {
        Ok(out)
    } else {
        Err(anyhow!(
            "{what} failed: {}",
            out.failure_message().unwrap_or_default()
        ))
    }
}

fn near(yocto: u128) -> String {
    report::format_near(yocto)
}

impl Run {
    /// The outside validators, validators since genesis with their stake
    /// locked: they earn the chain's rewards like the pools.
    fn seed_network(&mut self) {
        for (name, stake) in &self.plan.outside {
            let id = self
                .sys
                .net
                .create_account(name, NearToken::from_yoctonear(stake + ONE_NEAR));
            self.sys
                .net
                .seed_validator(&id, NearToken::from_yoctonear(*stake));
            self.outside.push(id);
        }
    }

    /// The owner listed the first validators during the bootstrap; from
    /// now on only the DAO changes the router.
    fn end_bootstrap(&mut self) -> Result<()> {
        let owner = self.sys.owner.clone();
        let out = self
            .sys
            .call_router(&owner, "end_bootstrap", json!({}), 0, DAO_CALL_GAS);
        ok(out, "end_bootstrap").map(|_| ())
    }

    fn staker(&self, i: usize) -> Result<&Staker> {
        self.stakers[i]
            .as_ref()
            .ok_or_else(|| anyhow!("staker {i} has not arrived"))
    }

    /// Arrivals, top-ups, exits and withdrawals of epoch `e`.
    fn stakers_act(&mut self, e: u64, notes: &mut Vec<String>) -> Result<()> {
        // Withdrawals first: NEAR that came due this epoch.
        let mut withdrawn = (0usize, 0u128);
        let waiting = std::mem::take(&mut self.unstaking);
        for i in waiting {
            let s = self.staker(i)?.clone();
            let available: bool = self.sys.router_view(
                "is_account_unstaked_balance_available",
                json!({"account_id": s.id}),
            );
            if !available {
                self.unstaking.push(i);
                continue;
            }
            let amount: U128 = self
                .sys
                .router_view("get_account_unstaked_balance", json!({"account_id": s.id}));
            ok(self.sys.withdraw_all(&s), "withdraw_all")?;
            withdrawn.0 += 1;
            withdrawn.1 += amount.0;
        }
        if withdrawn.0 > 0 {
            notes.push(format!(
                "{} staker(s) withdrew {} NEAR",
                withdrawn.0,
                near(withdrawn.1)
            ));
        }

        let mut arrived = (0usize, 0usize, 0u128);
        let arrivals: Vec<usize> = self.plan.arrivals(e).map(|(i, _)| i).collect();
        for i in arrivals {
            let p = self.plan.stakers[i].clone();
            let s = if p.lockup {
                arrived.1 += 1;
                self.sys
                    .add_lockup_contract(&p.name, NearToken::from_yoctonear(p.amount + SPARE_NEAR))
            } else {
                arrived.0 += 1;
                self.sys
                    .add_liquid_staker(&p.name, NearToken::from_yoctonear(p.amount + SPARE_NEAR))
            };
            ok(
                self.sys.deposit_and_stake(&s, p.amount),
                "deposit_and_stake",
            )
            .with_context(|| format!("{} stakes", s.id))?;
            arrived.2 += p.amount;
            self.stakers[i] = Some(s);
        }
        if arrived.0 + arrived.1 > 0 {
            notes.push(format!(
                "{} liquid and {} lockup staker(s) arrive with {} NEAR",
                arrived.0,
                arrived.1,
                near(arrived.2)
            ));
        }

        let mut topped = (0usize, 0u128);
        for i in 0..self.plan.stakers.len() {
            let Some((at, amount)) = self.plan.stakers[i].top_up else {
                continue;
            };
            if at != e {
                continue;
            }
            let s = self.staker(i)?.clone();
            self.sys.fund(&s, amount);
            ok(self.sys.deposit_and_stake(&s, amount), "a top-up")?;
            topped.0 += 1;
            topped.1 += amount;
        }
        if topped.0 > 0 {
            notes.push(format!(
                "{} staker(s) add {} NEAR",
                topped.0,
                near(topped.1)
            ));
        }

        let mut left = (0usize, 0u128);
        for i in 0..self.plan.stakers.len() {
            let Some((at, exit)) = self.plan.stakers[i].exit else {
                continue;
            };
            if at != e {
                continue;
            }
            let s = self.staker(i)?.clone();
            let out = match exit {
                Exit::All => self.sys.unstake_all(&s),
                Exit::Part(amount) => self.sys.unstake(&s, amount),
            };
            let out = ok(out, "unstake").with_context(|| format!("{} unstakes", s.id))?;
            // Liquid: the NEAR credited; lockups: nothing returned.
            let credited = out.json::<U128>().map_or(0, |v| v.0);
            let credited = if credited > 0 {
                credited
            } else {
                match exit {
                    Exit::Part(a) => a,
                    Exit::All => 0,
                }
            };
            left.0 += 1;
            left.1 += credited;
            self.unstaking.push(i);
        }
        if left.0 > 0 {
            notes.push(format!(
                "{} staker(s) unstake {} NEAR (withdrawable 5 epochs later)",
                left.0,
                near(left.1)
            ));
        }
        Ok(())
    }

    /// The DAO's calendar: claims and the proposal, the queue, the execution.
    fn governance_acts(&mut self, e: u64, notes: &mut Vec<String>) -> Result<()> {
        let cal = self.plan.calendar;
        if e == cal.claim_and_propose {
            self.claim_and_propose(e, notes)?;
        } else if e == cal.queue {
            let g = self.gov.as_mut().ok_or_else(|| anyhow!("no proposal"))?;
            let state = self.sys.dao_state(g.proposal_id);
            if state != ProposalState::Succeeded {
                bail!(
                    "proposal {} is {state:?} at the end of its vote",
                    g.proposal_id
                );
            }
            let keeper = self.sys.keeper_account.clone();
            let out = ok(self.sys.dao_queue(&keeper, g.proposal_id), "queue")?;
            let eta: u64 = out.json().map_err(|e| anyhow!("queue's eta: {e:?}"))?;
            g.queued_epoch = Some(e);
            g.eta_chain_epoch = Some(eta);
            notes.push(format!(
                "DAO: the vote passed; {keeper} queues proposal #{} (executable from epoch {}, after the {}-epoch time-lock)",
                g.proposal_id,
                eta.saturating_sub(self.epoch0),
                self.sys.dao_rules().timelock_epochs
            ));
        } else if e == cal.execute {
            let g = self.gov.as_mut().ok_or_else(|| anyhow!("no proposal"))?;
            let keeper = self.sys.keeper_account.clone();
            let out = self
                .sys
                .dao_execute(&keeper, g.proposal_id, GAS_FOR_EXECUTE_WITH_WHITELIST);
            let out = ok(out, "execute")?;
            if out.json::<bool>().ok() != Some(true) {
                bail!("the router did not apply proposal {}", g.proposal_id);
            }
            g.executed_epoch = Some(e);
            let listed = self.sys.validator(&self.added).is_some();
            g.listed_after_execute = listed;
            notes.push(format!(
                "DAO: proposal #{} executed: the router lists {} (weight {} bps); the keeper stakes on it from the next epoch",
                g.proposal_id, self.added, ADDED_WEIGHT_BPS
            ));
        }
        Ok(())
    }

    fn claim_and_propose(&mut self, e: u64, notes: &mut Vec<String>) -> Result<()> {
        // Everyone who staked before this epoch claims what it earned.
        let mut voters: Vec<AccountId> = Vec::new();
        let mut claimed = 0u128;
        for i in 0..self.stakers.len() {
            if self.plan.stakers[i].arrive >= e {
                continue;
            }
            let s = self.staker(i)?.clone();
            let out = if s.is_lockup() {
                self.sys.claim_lockup_meta(&s)
            } else {
                self.sys.claim_snear_meta(&s)
            };
            ok(out, "a META claim").with_context(|| format!("{} claims", s.meta_account()))?;
            let meta = self.sys.meta_balance(s.meta_account());
            claimed += meta;
            if meta > 0 {
                voters.push(s.meta_account().clone());
            }
        }
        notes.push(format!(
            "{} stakers claim {} META they earned by staking (lockup owners through the router)",
            voters.len(),
            report::format_meta(claimed)
        ));
        // One block, so every claim is in the proposal's snapshot.
        self.sys.net.advance_blocks(1);
        let proposer = voters
            .iter()
            .max_by_key(|v| self.sys.meta_balance(v))
            .cloned()
            .ok_or_else(|| anyhow!("nobody holds META to propose with"))?;
        let kind = ProposalKind::Router(RouterAction::AddValidator {
            account_id: self.added.clone(),
            weight_bps: ADDED_WEIGHT_BPS,
        });
        let gov = self.sys.governance.clone();
        let description = format!(
            "List {} with weight {ADDED_WEIGHT_BPS} bps: a small whitelisted validator",
            self.added
        );
        let out = self.sys.call(
            &proposer,
            &gov,
            "propose",
            json!({"proposal": {"description": description, "kind": kind}}),
            PROPOSE_DEPOSIT.as_yoctonear(),
            GAS_FOR_PROPOSE_WITH_WHITELIST,
        );
        let id = proposal_id(&out).ok_or_else(|| anyhow!("the whitelist refused the proposal"))?;
        let mut for_votes = 0u128;
        for v in &voters {
            let out = ok(self.sys.dao_vote(v, id, VoteChoice::For), "vote")?;
            for_votes += out.json::<U128>().map_or(0, |w| w.0);
        }
        let p = self.sys.dao_proposal(id);
        notes.push(format!(
            "DAO: {proposer} proposes #{id}: add {} (weight {ADDED_WEIGHT_BPS} bps); {} voters vote For with {} META (quorum {} META); the vote ends at epoch {}",
            self.added,
            voters.len(),
            report::format_meta(for_votes),
            report::format_meta(p.quorum_votes.0),
            p.voting_ends_epoch.saturating_sub(self.epoch0)
        ));
        self.gov = Some(Governance {
            proposal_id: id,
            proposer,
            voters: voters.len(),
            for_votes,
            quorum: p.quorum_votes.0,
            proposed_epoch: e,
            queued_epoch: None,
            eta_chain_epoch: None,
            executed_epoch: None,
            listed_after_execute: false,
        });
        Ok(())
    }
}
