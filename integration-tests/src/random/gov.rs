//! Governance: router actions applied by the bootstrap owner or passed by
//! the DAO (pause, resume, drain, remove and add validators, weights,
//! parameters within their bounds and outside them, the emission), callers
//! that may not govern, the staking-pool whitelist changing, top-ups of the
//! router's own funds.
//!
//! With the DAO, voters earn META by staking and claim it (`dao_prologue`),
//! the router's bootstrap ends, and proposals go through their whole life:
//! created (or refused: bounds, threshold, an added validator the
//! whitelist does not list), voted For, Against or Abstain, queued when
//! they passed, executed after the time-lock (the router may refuse an
//! action the state no longer allows: the proposal goes back to Queued),
//! defeated or expired otherwise.

use std::collections::BTreeSet;

use governance::gas::{GAS_FOR_EXECUTE, GAS_FOR_EXECUTE_WITH_WHITELIST};
use governance::{ProposalState, VoteChoice};
use localnet::{AccountId, Gas, NearToken};
use meta_common::actions::{
    RouterAction, RouterParameter, ValidatorWeight, MAX_META_PER_EPOCH, MAX_NETWORK_SHARE_BPS,
    MAX_VALIDATOR_SHARE_BPS, PROTOCOL_FEE_BPS, REBALANCE_MAX_MOVE_BPS, REBALANCE_THRESHOLD_BPS,
};
use meta_common::shares::mul_div_up;
use meta_pool::validators::ValidatorState;
use near_sdk::json_types::U128;
use serde_json::{json, Value};

use super::outcome::{classify, Expect, Res};
use super::world::{Done, Fail, World};
use crate::dao::router as router_kind;
use crate::keeper::KEEPER_GAS;
use crate::rng::Rng;
use crate::suite::{StakerKind, CALL_GAS, ONE_META, ONE_NEAR};

/// Epochs voters earn META before the DAO takes over: at the maximum
/// emission, about three times the quorum floor (1,000,000 META) in all.
const PROLOGUE_EPOCHS: u64 = 6;

/// The proposals a DAO run created and the votes it cast.
#[derive(Clone, Debug, Default)]
pub struct DaoBook {
    pub proposals: Vec<(u64, RouterAction)>,
    pub voted: BTreeSet<(u64, AccountId)>,
    /// Accounts that hold or held META (voters and proposers).
    pub holders: BTreeSet<AccountId>,
}

/// The code part (`E_…`) of a static error message.
fn code_of(e: &'static str) -> &'static str {
    e.split(':').next().unwrap_or(e)
}

/// A short description of an action for labels.
pub fn describe(a: &RouterAction) -> String {
    match a {
        RouterAction::AddValidator {
            account_id,
            weight_bps,
        } => format!("add {account_id} ({weight_bps} bps)"),
        RouterAction::PauseValidator { account_id } => format!("pause {account_id}"),
        RouterAction::ResumeValidator { account_id } => format!("resume {account_id}"),
        RouterAction::DrainValidator { account_id } => format!("drain {account_id}"),
        RouterAction::RemoveValidator { account_id } => format!("remove {account_id}"),
        RouterAction::SetWeights { weights } => {
            let w: Vec<String> = weights
                .iter()
                .map(|w| format!("{}={}", w.account_id, w.weight_bps))
                .collect();
            format!("weights [{}]", w.join(", "))
        }
        RouterAction::SetParameter { parameter } => format!("set {parameter:?}"),
        RouterAction::SetEmission { meta_per_epoch } => {
            format!("emission {} META/epoch", meta_per_epoch.0 / ONE_META)
        }
        RouterAction::PauseStaking { epochs } => format!("pause staking for {epochs} epochs"),
        RouterAction::ResumeStaking => "resume staking".into(),
    }
}

impl World {
    /// A random router action, valid or not.
    fn plan_action(&self, r: &mut Rng) -> RouterAction {
        let vs = self.d.sys.router_validators();
        let pools: Vec<AccountId> = self.d.sys.pools.iter().map(|p| p.id.clone()).collect();
        let listed: Vec<AccountId> = vs.iter().map(|v| v.account_id.clone()).collect();
        let unlisted: Vec<AccountId> = pools
            .iter()
            .filter(|p| !listed.contains(p))
            .cloned()
            .collect();
        let any_pool = |r: &mut Rng| r.pick(&pools).cloned().expect("pools deployed");
        let target = |r: &mut Rng| match r.pick(&listed) {
            Some(v) if r.chance(85) => v.clone(),
            _ => any_pool(r),
        };
        let kind = r.below(100);
        match kind {
            0..=13 => RouterAction::PauseValidator {
                account_id: target(r),
            },
            14..=25 => RouterAction::ResumeValidator {
                account_id: target(r),
            },
            26..=36 => {
                let id = target(r);
                let i = self.d.sys.pool_index(&id);
                let remaining = vs
                    .iter()
                    .filter(|v| v.state != ValidatorState::Draining)
                    .count();
                // Keep two validators taking stake, and never drain where a
                // loss is being faked (the documented exception).
                if !self.drain_allowed(i) || remaining <= 2 {
                    RouterAction::PauseValidator { account_id: id }
                } else if r.chance(60) {
                    RouterAction::DrainValidator { account_id: id }
                } else {
                    RouterAction::RemoveValidator { account_id: id }
                }
            }
            37..=50 => {
                let account_id = match r.pick(&unlisted) {
                    Some(p) if r.chance(85) => p.clone(),
                    _ => any_pool(r),
                };
                let weight_bps = if r.chance(8) {
                    *r.pick(&[0u16, 10_001]).expect("not empty")
                } else {
                    r.range(1, 3_000) as u16
                };
                RouterAction::AddValidator {
                    account_id,
                    weight_bps,
                }
            }
            51..=65 => {
                let mut weights = Vec::new();
                for v in &listed {
                    if r.chance(60) {
                        weights.push(ValidatorWeight {
                            account_id: v.clone(),
                            weight_bps: r.range(1, 10_000) as u16,
                        });
                    }
                }
                match r.below(20) {
                    0 => weights.clear(),
                    1 if !weights.is_empty() => weights.push(weights[0].clone()),
                    2 if !weights.is_empty() => weights[0].weight_bps = 0,
                    3 => weights.push(ValidatorWeight {
                        account_id: any_pool(r),
                        weight_bps: 500,
                    }),
                    _ => {}
                }
                if weights.is_empty() && r.chance(80) {
                    if let Some(v) = r.pick(&listed) {
                        weights.push(ValidatorWeight {
                            account_id: v.clone(),
                            weight_bps: r.range(1, 10_000) as u16,
                        });
                    }
                }
                RouterAction::SetWeights { weights }
            }
            66..=89 => {
                let which = r.below(5);
                let b = [
                    MAX_VALIDATOR_SHARE_BPS,
                    MAX_NETWORK_SHARE_BPS,
                    PROTOCOL_FEE_BPS,
                    REBALANCE_THRESHOLD_BPS,
                    REBALANCE_MAX_MOVE_BPS,
                ][which as usize];
                let v = match r.below(100) {
                    0..=7 => b.max + r.range(1, 500) as u16,
                    8..=11 if b.min > 0 => b.min - 1,
                    12..=19 => *r.pick(&[b.min, b.max]).expect("not empty"),
                    _ => r.range(u64::from(b.min), u64::from(b.max)) as u16,
                };
                let parameter = match which {
                    0 => RouterParameter::MaxValidatorShareBps(v),
                    1 => RouterParameter::MaxNetworkShareBps(v),
                    2 => RouterParameter::ProtocolFeeBps(v),
                    3 => RouterParameter::RebalanceThresholdBps(v),
                    _ => RouterParameter::RebalanceMaxMoveBps(v),
                };
                RouterAction::SetParameter { parameter }
            }
            _ => {
                let meta = if r.chance(10) {
                    MAX_META_PER_EPOCH + r.range_u128(1, ONE_META)
                } else if self.profile.dao {
                    r.range_u128(MAX_META_PER_EPOCH / 4, MAX_META_PER_EPOCH)
                } else {
                    r.range_u128(0, 10_000) * ONE_META
                };
                RouterAction::SetEmission {
                    meta_per_epoch: U128(meta),
                }
            }
        }
    }

    /// What the router answers to `a` now: refused by its bounds, by the
    /// validator list's state, or applied.
    fn action_expect(&self, a: &RouterAction) -> Expect {
        if let Err(e) = a.validate() {
            return Expect::refused(code_of(e));
        }
        let vs = self.d.sys.router_validators();
        let state = |id: &AccountId| vs.iter().find(|v| &v.account_id == id).map(|v| v.state);
        let transition = |id: &AccountId, from: &[ValidatorState]| match state(id) {
            None => Expect::refused("E_UNKNOWN_VALIDATOR"),
            Some(s) if from.contains(&s) => Expect::Ok,
            Some(_) => Expect::refused("E_VALIDATOR_STATE"),
        };
        use ValidatorState::*;
        match a {
            RouterAction::AddValidator { account_id, .. } => match state(account_id) {
                Some(_) => Expect::refused("E_VALIDATOR_EXISTS"),
                None => self.funds_tolerance(Expect::Ok),
            },
            RouterAction::PauseValidator { account_id } => transition(account_id, &[Active]),
            RouterAction::ResumeValidator { account_id } => transition(account_id, &[Paused]),
            RouterAction::DrainValidator { account_id } => {
                transition(account_id, &[Active, Paused])
            }
            RouterAction::RemoveValidator { account_id } => {
                transition(account_id, &[Active, Paused, Draining])
            }
            RouterAction::SetWeights { weights } => {
                if weights.iter().all(|w| state(&w.account_id).is_some()) {
                    Expect::Ok
                } else {
                    Expect::refused("E_UNKNOWN_VALIDATOR")
                }
            }
            RouterAction::SetParameter { .. }
            | RouterAction::SetEmission { .. }
            | RouterAction::PauseStaking { .. }
            | RouterAction::ResumeStaking => Expect::Ok,
        }
    }

    /// Checks what an applied action answered: `AddValidator` says whether
    /// the whitelist listed the pool; every other action answers `true`.
    fn check_applied(&self, a: &RouterAction, res: &Res, whitelisted_before: bool) -> Done {
        let Res::Ok(v) = res else { return Ok(()) };
        let want = match a {
            RouterAction::AddValidator { .. } => whitelisted_before,
            _ => true,
        };
        if v != &Value::Bool(want) {
            return Err(Fail::Expectation(format!(
                "{} answered {v}, expected {want}",
                describe(a)
            )));
        }
        Ok(())
    }

    fn whitelisted_now(&self, a: &RouterAction) -> bool {
        match a {
            RouterAction::AddValidator { account_id, .. } => {
                self.whitelisted[self.d.sys.pool_index(account_id)]
            }
            _ => true,
        }
    }

    pub(super) fn op_owner_action(&mut self, r: &mut Rng) -> Done {
        let a = self.plan_action(r);
        let expect = self.action_expect(&a);
        let wl = self.whitelisted_now(&a);
        let label = format!("owner: {}", describe(&a));
        let out = self.step(label, |s| s.governance_action(a.clone()))?;
        let res = classify(&out);
        self.expect("apply_governance_action", &expect, &res)?;
        self.check_applied(&a, &res, wl)
    }

    /// Callers that may not do what they try: govern the router, end its
    /// bootstrap, call its callbacks, mint or burn sNEAR or META, push a
    /// pool state.
    pub(super) fn op_unauthorized(&mut self, r: &mut Rng) -> Done {
        let stakers = self.stakers();
        let Some(s) = r.pick(&stakers).cloned() else {
            return self.skip("no staker");
        };
        self.ensure_near(&s, 0);
        let sys = &self.d.sys;
        let (router, snear, gov) = (
            sys.router.clone(),
            sys.snear.clone(),
            sys.governance.clone(),
        );
        let bootstrap = !self.profile.dao;
        let owner = sys.owner.clone();
        let action = json!({"action": RouterAction::SetEmission { meta_per_epoch: U128(0) }});
        let (who, to, method, args, expect): (AccountId, AccountId, &str, Value, Expect) =
            match r.below(7) {
                0 => (
                    s.id.clone(),
                    router,
                    "apply_governance_action",
                    action,
                    Expect::refused("E_NOT_GOVERNANCE"),
                ),
                1 if !bootstrap => (
                    owner,
                    router,
                    "apply_governance_action",
                    action,
                    Expect::refused("E_NOT_GOVERNANCE"),
                ),
                1 => (
                    s.id.clone(),
                    router,
                    "end_bootstrap",
                    json!({}),
                    Expect::refused("E_NOT_OWNER"),
                ),
                2 if !bootstrap => (
                    owner,
                    router,
                    "end_bootstrap",
                    json!({}),
                    Expect::refused("E_BOOTSTRAP_ENDED"),
                ),
                2 => (
                    s.id.clone(),
                    router,
                    "end_bootstrap",
                    json!({}),
                    Expect::refused("E_NOT_OWNER"),
                ),
                3 => (
                    s.id.clone(),
                    router,
                    "on_mint",
                    json!({"account_id": s.id, "amount": "1", "shares": "1"}),
                    Expect::refused("PRIVATE"),
                ),
                4 => (
                    s.id.clone(),
                    snear,
                    "mint",
                    json!({
                        "account_id": s.id,
                        "amount": ONE_NEAR.to_string(),
                        "registration_shares": "0"
                    }),
                    Expect::refused("E_NOT_ROUTER"),
                ),
                5 => (
                    s.id.clone(),
                    snear,
                    "burn",
                    json!({"account_id": s.id, "amount": "1"}),
                    Expect::refused("E_NOT_ROUTER"),
                ),
                _ => (
                    s.id.clone(),
                    gov,
                    "mint",
                    json!({"account_id": s.id, "amount": ONE_META.to_string()}),
                    Expect::refused("E_NOT_MINTER"),
                ),
            };
        let label = format!("{who} calls {to}.{method} (not allowed)");
        let out = self.step(label, |sys| sys.call(&who, &to, method, args, 0, CALL_GAS))?;
        self.expect(&format!("{method} by a stranger"), &expect, &classify(&out))
    }

    /// The whitelist's foundation removes or adds a pool (mostly unlisted
    /// ones: a listed validator stays listed, the router never re-checks).
    pub(super) fn op_whitelist_toggle(&mut self, r: &mut Rng) -> Done {
        let listed: Vec<AccountId> = self
            .d
            .sys
            .router_validators()
            .into_iter()
            .map(|v| v.account_id)
            .collect();
        let candidates: Vec<usize> = (0..self.d.sys.pools.len())
            .filter(|&i| r.chance(20) || !listed.contains(&self.d.sys.pools[i].id))
            .collect();
        let Some(&i) = r.pick(&candidates) else {
            return self.skip("no pool to toggle");
        };
        let on = !self.whitelisted[i];
        let (owner, wl) = (self.d.sys.owner.clone(), self.d.sys.whitelist.clone());
        let pool = self.d.sys.pools[i].id.clone();
        let method = if on {
            "add_staking_pool"
        } else {
            "remove_staking_pool"
        };
        let out = self.step(format!("whitelist: {method} {pool}"), |s| {
            s.call(
                &owner,
                &wl,
                method,
                json!({"staking_pool_account_id": pool}),
                0,
                Gas::from_tgas(30),
            )
        })?;
        self.expect(method, &Expect::Ok, &classify(&out))?;
        self.whitelisted[i] = on;
        Ok(())
    }

    pub(super) fn op_top_up(&mut self, r: &mut Rng) -> Done {
        let amount = r.range_u128(ONE_NEAR / 200, ONE_NEAR / 10);
        self.step(
            format!("the router's own funds topped up by {amount}"),
            |s| s.top_up_router(amount),
        )
    }

    // ---- the DAO --------------------------------------------------------

    /// Voters earn META: three liquid stakers and a lockup stake most of
    /// what they hold, `PROLOGUE_EPOCHS` pass with the keeper, they claim; then
    /// the router's bootstrap ends and only the DAO governs it.
    pub fn dao_prologue(&mut self) -> Done {
        let mut stakers = self.stakers();
        stakers.sort_by_key(|s| std::cmp::Reverse(self.d.sys.near_balance(s)));
        let mut voters: Vec<_> = stakers
            .iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .take(3)
            .cloned()
            .collect();
        voters.extend(
            stakers
                .iter()
                .find(|s| s.kind == StakerKind::LockupAccount)
                .cloned(),
        );
        for v in &voters {
            let amount = self.d.sys.near_balance(v) * 8 / 10;
            let label = format!(
                "prologue: {} stakes {}",
                self.name(v),
                super::world::fmt_near(amount)
            );
            let out = self.step(label, |s| s.deposit_and_stake(v, amount))?;
            self.expect("deposit_and_stake", &Expect::Ok, &classify(&out))?;
        }
        for _ in 0..PROLOGUE_EPOCHS {
            self.op_next_epoch(&mut Rng::new(0))?;
        }
        for v in &voters {
            let out = self.step(format!("prologue: {} claims META", self.name(v)), |s| {
                if v.is_lockup() {
                    s.claim_lockup_meta(v)
                } else {
                    s.claim_snear_meta(v)
                }
            })?;
            self.expect("claim", &Expect::Ok, &classify(&out))?;
            self.dao.holders.insert(v.meta_account().clone());
        }
        let owner = self.d.sys.owner.clone();
        let out = self.step("prologue: the owner ends the bootstrap".into(), |s| {
            s.net.advance_blocks(1);
            s.call_router(&owner, "end_bootstrap", json!({}), 0, Gas::from_tgas(30))
        })?;
        self.expect("end_bootstrap", &Expect::Ok, &classify(&out))
    }

    /// Accounts with META now (every account that claimed, tracked).
    fn meta_holders(&self) -> Vec<AccountId> {
        let mut ids: BTreeSet<AccountId> = self.dao.holders.clone();
        ids.extend(self.d.sys.ledger.meta_holders.iter().cloned());
        ids.into_iter()
            .filter(|id| self.d.sys.meta_balance(id) > 0)
            .collect()
    }

    /// Whether a proposal not yet final would drain or remove `id`.
    pub fn dao_would_drain(&self, id: &AccountId) -> bool {
        self.dao.proposals.iter().any(|(p, a)| {
            matches!(a, RouterAction::DrainValidator { account_id } | RouterAction::RemoveValidator { account_id } if account_id == id)
                && matches!(
                    self.d.sys.dao_state(*p),
                    ProposalState::Active
                        | ProposalState::Succeeded
                        | ProposalState::Queued
                        | ProposalState::Executing
                )
        })
    }

    pub(super) fn op_propose(&mut self, r: &mut Rng) -> Done {
        let holders = self.meta_holders();
        let proposer = match r.pick(&holders) {
            Some(h) if r.chance(90) => h.clone(),
            _ => match r.pick(&self.stakers()) {
                Some(s) => s.meta_account().clone(),
                None => return self.skip("no proposer"),
            },
        };
        self.propose_as(&proposer, r).map(|_| ())
    }

    /// `proposer` proposes an action drawn from `r`, the outcome predicted;
    /// returns the new proposal's id.
    fn propose_as(&mut self, proposer: &AccountId, r: &mut Rng) -> Result<Option<u64>, Fail> {
        let proposer = proposer.clone();
        self.ensure_account_near(&proposer);
        let a = self.plan_action(r);
        let rules = self.d.sys.dao_rules();
        let power = self.d.sys.meta_balance(&proposer);
        let unlocked = power.saturating_sub(self.d.sys.meta_locked(&proposer));
        let supply: U128 = self
            .d
            .sys
            .view(&self.d.sys.governance, "ft_total_supply", json!({}));
        let quorum = mul_div_up(supply.0, u128::from(rules.quorum_bps), 10_000)
            .unwrap_or(u128::MAX)
            .max(rules.min_quorum.0);
        let expect = if let Err(e) = a.validate() {
            Expect::refused(code_of(e))
        } else if power < rules.proposal_threshold.0 {
            Expect::refused("E_BELOW_THRESHOLD")
        } else if supply.0 < quorum {
            Expect::refused("E_QUORUM_UNREACHABLE")
        } else if unlocked < rules.proposal_threshold.0 {
            Expect::refused("E_PROPOSAL_BOND")
        } else {
            Expect::Ok
        };
        let wl = self.whitelisted_now(&a);
        let kind = router_kind(a.clone());
        let label = format!("{proposer} proposes: {}", describe(&a));
        let out = self.step(label, |s| s.dao_propose(&proposer, &kind, CALL_GAS))?;
        let res = classify(&out);
        self.expect("propose", &expect, &res)?;
        if let Res::Ok(v) = &res {
            match v.as_u64() {
                Some(id) => {
                    self.dao.proposals.push((id, a));
                    self.stats.proposal("created".into());
                    // Proposers vote for their proposals (from the next
                    // block: the snapshot is the block before creation).
                    self.vote(id, &proposer, VoteChoice::For)?;
                    return Ok(Some(id));
                }
                None if wl => {
                    return Err(Fail::Expectation(format!(
                        "a proposal adding whitelisted {} was not created",
                        describe(&a)
                    )))
                }
                None => self.stats.proposal("refused by the whitelist".into()),
            }
        }
        Ok(None)
    }

    /// The slot-filling attack: a holder proposes, then passes all its
    /// META to a fresh account to propose again from there (the next
    /// snapshot sees the META arrived), as a swarm of throwaway accounts
    /// would to fill every slot with one threshold. The bond keeps the
    /// META where it is: the whole balance cannot leave while the vote is
    /// open (`E_META_LOCKED`), only the unlocked rest can, and the new
    /// account proposes only if that rest reaches a threshold
    /// (invariant 12 holds the proposals to their bonds).
    pub(super) fn op_proposal_swarm(&mut self, r: &mut Rng) -> Done {
        if self.throwaways >= super::attack::MAX_THROWAWAYS {
            return self.skip("enough throwaway accounts");
        }
        let holders = self.meta_holders();
        let Some(holder) = r.pick(&holders).cloned() else {
            return self.skip("no META holder");
        };
        self.stats.attack("proposal swarm".to_string());
        self.propose_as(&holder, r)?;
        let k = self.throwaways;
        self.throwaways += 1;
        let name = format!("t{k}");
        let t = self.d.sys.add_liquid_staker(&name, NearToken::from_near(1));
        self.names.insert(t.id.clone(), name.clone());
        let out = self.step(format!("{name} (throwaway) registers for META"), |sys| {
            sys.meta_register(&t.id)
        })?;
        self.expect("storage_deposit (throwaway)", &Expect::Ok, &classify(&out))?;

        let balance = self.d.sys.meta_balance(&holder);
        let locked = self.d.sys.meta_locked(&holder);
        let expect = if locked > 0 {
            Expect::refused("E_META_LOCKED")
        } else {
            Expect::Ok
        };
        let label = format!("{holder} passes all its META to {name}");
        let out = self.step(label, |sys| sys.meta_transfer(&holder, &t.id, balance))?;
        let res = classify(&out);
        self.expect("ft_transfer of META (all)", &expect, &res)?;
        if !res.is_ok() {
            let rest = balance.saturating_sub(locked);
            if rest == 0 {
                return Ok(());
            }
            let label = format!("{holder} passes its unlocked META to {name}");
            let out = self.step(label, |sys| sys.meta_transfer(&holder, &t.id, rest))?;
            self.expect(
                "ft_transfer of META (unlocked)",
                &Expect::Ok,
                &classify(&out),
            )?;
        }
        self.dao.holders.insert(t.id.clone());
        self.propose_as(&t.id, r).map(|_| ())
    }

    /// Tracked proposals in `state`.
    fn proposals_in(&self, states: &[ProposalState]) -> Vec<(u64, RouterAction)> {
        self.dao
            .proposals
            .iter()
            .filter(|(id, _)| states.contains(&self.d.sys.dao_state(*id)))
            .cloned()
            .collect()
    }

    /// One to four holders vote on an open proposal.
    pub(super) fn op_vote(&mut self, r: &mut Rng) -> Done {
        let active = self.proposals_in(&[ProposalState::Active]);
        let Some((id, _)) = r.pick(&active).cloned() else {
            return self.skip("no proposal open for votes");
        };
        let holders = self.meta_holders();
        // Each proposal leans one way, so some pass and some are defeated.
        let lean = Rng::new(id).below(3);
        for _ in 0..r.range(1, 4) {
            let Some(voter) = r.pick(&holders).cloned() else {
                return self.skip("no META holder");
            };
            let choice = match (lean, r.below(10)) {
                (0, 0..=7) | (1, 0..=4) | (2, 0..=1) => VoteChoice::For,
                (_, 8) | (1, 5..=7) | (2, 2..=6) => VoteChoice::Against,
                _ => VoteChoice::Abstain,
            };
            self.vote(id, &voter, choice)?;
        }
        Ok(())
    }

    fn vote(&mut self, id: u64, voter: &AccountId, choice: VoteChoice) -> Done {
        self.ensure_account_near(voter);
        let p = self.d.sys.dao_proposal(id);
        let weight = self.d.sys.voting_power_at(voter, p.snapshot_block);
        let expect = if self.dao.voted.contains(&(id, voter.clone())) {
            Expect::refused("E_ALREADY_VOTED")
        } else if weight == 0 {
            Expect::refused("E_NO_VOTING_POWER")
        } else {
            Expect::Ok
        };
        let label = format!("{voter} votes {choice:?} on proposal {id}");
        let out = self.step(label, |s| s.dao_vote(voter, id, choice))?;
        let res = classify(&out);
        self.expect("vote", &expect, &res)?;
        if res.is_ok() {
            self.dao.voted.insert((id, voter.clone()));
            if res.amount() != weight {
                return Err(Fail::Expectation(format!(
                    "the vote weighed {}, the snapshot balance is {weight}",
                    res.amount()
                )));
            }
        }
        Ok(())
    }

    pub(super) fn op_queue(&mut self, r: &mut Rng) -> Done {
        let ready = self.proposals_in(&[ProposalState::Succeeded]);
        let pick = match r.pick(&ready) {
            Some(p) if r.chance(85) => Some(p.clone()),
            _ => r.pick(&self.dao.proposals).cloned(),
        };
        let Some((id, _)) = pick else {
            return self.skip("no proposal");
        };
        let state = self.d.sys.dao_state(id);
        let expect = if state == ProposalState::Succeeded {
            Expect::Ok
        } else {
            Expect::Refused(vec![])
        };
        let keeper = self.d.sys.keeper_account.clone();
        let out = self.step(format!("queue proposal {id} ({state:?})"), |s| {
            s.dao_queue(&keeper, id)
        })?;
        let res = classify(&out);
        self.expect("queue", &expect, &res)?;
        if res.is_ok() {
            self.stats.proposal("queued".into());
        }
        Ok(())
    }

    pub(super) fn op_execute(&mut self, r: &mut Rng) -> Done {
        let epoch = self.epoch();
        let queued = self.proposals_in(&[ProposalState::Queued]);
        let due: Vec<_> = queued
            .iter()
            .filter(|(id, _)| {
                self.d
                    .sys
                    .dao_proposal(*id)
                    .eta_epoch
                    .is_some_and(|e| e <= epoch)
            })
            .cloned()
            .collect();
        let pick = match r.pick(&due) {
            Some(p) if r.chance(85) => Some(p.clone()),
            _ => r.pick(&self.dao.proposals).cloned(),
        };
        let Some((id, a)) = pick else {
            return self.skip("no proposal");
        };
        if let RouterAction::DrainValidator { account_id }
        | RouterAction::RemoveValidator { account_id } = &a
        {
            let i = self.d.sys.pool_index(account_id);
            if !self.drain_allowed(i) {
                return self.skip("a drain waits while a loss is faked at its validator");
            }
        }
        let p = self.d.sys.dao_proposal(id);
        let executable =
            p.state == ProposalState::Queued && p.eta_epoch.is_some_and(|e| e <= epoch);
        let expect = if executable {
            Expect::Ok
        } else {
            Expect::Refused(vec![])
        };
        // Whether the router must apply the action now, or must refuse it
        // (between: it depends on the router's own funds).
        let router_says = self.action_expect(&a);
        let must_apply = executable && router_says == Expect::Ok;
        let must_refuse = matches!(router_says, Expect::Refused(_));
        let gas = if r.chance(20) {
            if matches!(a, RouterAction::AddValidator { .. }) {
                Gas::from_gas(GAS_FOR_EXECUTE_WITH_WHITELIST.as_gas())
            } else {
                Gas::from_gas(GAS_FOR_EXECUTE.as_gas())
            }
        } else {
            KEEPER_GAS
        };
        let keeper = self.d.sys.keeper_account.clone();
        let label = format!("execute proposal {id} ({:?}): {}", p.state, describe(&a));
        let out = self.step(label, |s| s.dao_execute(&keeper, id, gas))?;
        let res = classify(&out);
        self.expect("execute", &expect, &res)?;
        if res.is_ok() {
            let after = self.d.sys.dao_state(id);
            let applied = after == ProposalState::Executed;
            self.stats.proposal(
                if applied {
                    "executed"
                } else {
                    "execution refused by the router, back to Queued"
                }
                .into(),
            );
            // An action the router accepts now is applied (an added
            // validator: only when the whitelist still lists it).
            let wl = self.whitelisted_now(&a);
            if must_apply && wl && !applied {
                return Err(Fail::Expectation(format!(
                    "proposal {id} ({}) was not applied though the router accepts it",
                    describe(&a)
                )));
            }
            if applied && (must_refuse || !wl) {
                return Err(Fail::Expectation(format!(
                    "proposal {id} ({}) was applied though the router should refuse it",
                    describe(&a)
                )));
            }
        }
        Ok(())
    }
}
