//! The state of one run: the deployed system (through the harness's
//! `Driver`), what the generator remembers about it (names, fault switches
//! in force, the whitelist, proposals, unstake promises), statistics, and
//! the helpers every operation uses: checked steps and expectations.

use std::collections::{BTreeMap, BTreeSet};

use localnet::{AccountId, ExecutionOutcome, NearToken};
use meta_common::shares::SharePool;
use meta_pool::books::Books;
use meta_pool::config::ACCOUNT_RECORD_COST;
use meta_pool::views::AccountDetails;

use super::faults::PoolFaults;
use super::gov::DaoBook;
use super::outcome::{classify, classify_lockup, Expect, Res};
use super::profile::{Profile, LOW_OWN_FUNDS};
use super::promise::PromiseTracker;
use super::stats::Stats;
use crate::invariants::{own_funds_not_spent_by_users, Violation, Violations};
use crate::keeper::KeeperError;
use crate::owed::{account_moved_as_promised, keeper_moved_no_holding, Act};
use crate::rng::Rng;
use crate::suite::{Driver, Snapshot, Staker, StakerKind, StepError, System, ONE_NEAR};

/// Own funds under which the router may refuse new records and
/// registrations (`E_STORAGE_RESERVE_LOW`): its threshold (0.01 NEAR)
/// plus an sNEAR registration and a record, with room to spare.
pub const OWN_FUNDS_TIGHT: u128 = ONE_NEAR / 50;

/// Why an operation stopped the run.
#[derive(Debug)]
pub enum Fail {
    Invariants(Violations),
    Keeper(KeeperError),
    /// A call did not do what the operation expected of it.
    Expectation(String),
    /// The harness or the generator panicked.
    Panic(String),
}

impl Fail {
    /// What kind of failure this is, for shrinking: the broken invariants'
    /// numbers, or the failure's class.
    pub fn signature(&self) -> String {
        match self {
            Fail::Invariants(v) => {
                let n: Vec<String> = v
                    .violations
                    .iter()
                    .map(|x| x.invariant.to_string())
                    .collect();
                format!("invariant {}", n.join(","))
            }
            Fail::Keeper(e) => format!("keeper {}", e.op),
            Fail::Expectation(m) => {
                let head = m.split(':').next().unwrap_or_default();
                format!("expectation {head}")
            }
            Fail::Panic(_) => "panic".into(),
        }
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Invariants(v) => write!(f, "{v}"),
            Fail::Keeper(e) => write!(f, "{e}"),
            Fail::Expectation(m) => write!(f, "unexpected outcome: {m}"),
            Fail::Panic(m) => write!(f, "panic: {m}"),
        }
    }
}

impl From<StepError> for Fail {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Invariants(v) => Fail::Invariants(v),
            StepError::Keeper(k) => Fail::Keeper(k),
        }
    }
}

pub type Done = Result<(), Fail>;

/// One run's state.
pub struct World {
    pub d: Driver,
    pub profile: Profile,
    /// Short names of stakers for labels (`u3`, `la1`, `lc0`).
    pub names: BTreeMap<AccountId, String>,
    /// Per deployed pool, the switches in force.
    pub faults: Vec<PoolFaults>,
    /// Per deployed pool, whether the whitelist lists it.
    pub whitelisted: Vec<bool>,
    pub dao: DaoBook,
    pub promise: PromiseTracker,
    pub stats: Stats,
    /// One line per step: label and outcome.
    pub trace: Vec<String>,
    /// Print each trace line as it happens.
    pub verbose: bool,
    /// The operation running (its index in the generated list).
    pub op_index: Option<usize>,
    /// The label of the step running or last run.
    pub label: String,
    /// Stakers created so far by `NewStaker`.
    pub new_stakers: usize,
    /// Throwaway accounts created so far by `ThrowawayBurst`.
    pub throwaways: usize,
    /// Delegators of the pools other than the router, created by
    /// `Delegator` (`pool_life`).
    pub delegators: Vec<AccountId>,
    /// The running operation is a user's (`OpKind::is_user_call`): each of
    /// its steps is held to invariant 9 (the keeper's rounds inside it are
    /// not).
    pub user_op: bool,
    /// The next step carries an epoch operation a user sent (a batch, a
    /// restake with an unstake call in flight): invariant 9 lets the
    /// validators' storage grow.
    pub epoch_op_in_step: bool,
    /// Invariant 9 is checked (`INVARIANT_9=0` turns it off, to look past
    /// its failures at what else a seed finds).
    pub check_own_funds: bool,
    /// The snapshot before the last step a user's operation ran, for
    /// invariant 10 (`owed`): what the call did to each account.
    pub before_step: Option<Snapshot>,
    /// Validators the owner drains after a large real loss there
    /// (`pool_life`), until the router has removed them: their loss is
    /// booked, their claims late (`check_promises` marks those epochs
    /// disturbed). The wind-down's exits wait for them like for any
    /// backlog.
    pub loss_drains: BTreeSet<AccountId>,
    /// Drained losses may go beyond what the seed holds and lower the price
    /// (`DRAIN_BEYOND_SEED=1`). Off by default: the loss is drawn against
    /// the price when it happens, but booked only once the validator is
    /// drained, and accounts that exit meanwhile at the old price leave
    /// it to fewer shares, which can take the price below 1 (seed 17 with
    /// it on), where lockups' exact exits fail
    /// (`router_pool_loss::a_drained_loss_below_price_one_breaks_exact_lockup_exits`).
    pub drain_beyond_seed: bool,
}

impl World {
    /// Deploys the profile's system and stakers and checks the fresh
    /// deployment.
    pub fn new(profile: Profile, verbose: bool) -> Result<World, Fail> {
        let mut sys = System::deploy(profile.config.clone());
        if profile.low_funds {
            // Cut the router's own funds (not yet seen by any check) so it
            // runs short during the run.
            let own = sys.pool_summary().own_funds.0;
            let balance = sys.net.balance(&sys.router).as_yoctonear();
            let router = sys.router.clone();
            sys.net.set_balance(
                &router,
                NearToken::from_yoctonear(balance - own + LOW_OWN_FUNDS),
            );
        }
        let pools = sys.pools.len();
        let mut w = World {
            d: Driver::from_system(sys),
            profile,
            names: BTreeMap::new(),
            faults: vec![PoolFaults::default(); pools],
            whitelisted: vec![true; pools],
            dao: DaoBook::default(),
            promise: PromiseTracker::default(),
            stats: Stats::default(),
            trace: Vec::new(),
            verbose,
            op_index: None,
            label: "deploy".into(),
            new_stakers: 0,
            throwaways: 0,
            delegators: Vec::new(),
            user_op: false,
            epoch_op_in_step: false,
            check_own_funds: std::env::var("INVARIANT_9").map_or(true, |v| v.trim() != "0"),
            before_step: None,
            loss_drains: BTreeSet::new(),
            drain_beyond_seed: std::env::var("DRAIN_BEYOND_SEED").is_ok_and(|v| v.trim() == "1"),
        };
        w.check_only("deploy")?;
        let p = w.profile.clone();
        for (i, b) in p.liquid.iter().enumerate() {
            let s =
                w.d.sys
                    .add_liquid_staker(&format!("u{i}"), NearToken::from_near(*b));
            w.names.insert(s.id, format!("u{i}"));
        }
        for (i, b) in p.lockup_accounts.iter().enumerate() {
            let s =
                w.d.sys
                    .add_lockup_account(&format!("la{i}"), NearToken::from_near(*b));
            w.names.insert(s.id, format!("la{i}"));
        }
        for (i, b) in p.lockup_contracts.iter().enumerate() {
            let s =
                w.d.sys
                    .add_lockup_contract(&format!("lc{i}"), NearToken::from_near(*b));
            w.names.insert(s.id, format!("lc{i}"));
        }
        w.check_only("stakers created")?;
        if p.dao {
            w.dao_prologue()?;
        }
        Ok(w)
    }

    // ---- steps ----------------------------------------------------------

    /// Runs `f` as one checked step (every invariant after it).
    pub fn step<T>(&mut self, label: String, f: impl FnOnce(&mut System) -> T) -> Result<T, Fail> {
        let label = match self.op_index {
            Some(i) => format!("op {i}: {label}"),
            None => label,
        };
        self.label = label.clone();
        let seed_before = self.seed_value();
        let losses_before = self.d.sys.ledger.booked_losses.len();
        let epoch_ops = std::mem::take(&mut self.epoch_op_in_step);
        self.before_step = if self.user_op {
            self.d.checker.last().cloned()
        } else {
            None
        };
        let prev = self.before_step.clone().filter(|_| self.check_own_funds);
        let refunds_before = self.d.sys.ledger.mirror_refunds;
        let r = self.d.try_step(&label, f);
        self.note(format!("#{} {label}", self.d.steps));
        let out = r?;
        self.check_seed(seed_before, losses_before)?;
        if let (Some(prev), Some(now)) = (prev, self.d.checker.last()) {
            self.stats.own_funds_checked += 1;
            let returned = self.d.sys.ledger.mirror_refunds - refunds_before;
            if let Err(detail) = own_funds_not_spent_by_users(&prev, now, epoch_ops, returned) {
                return Err(self.violation(9, "own_funds_not_spent_by_users", detail));
            }
        }
        Ok(out)
    }

    /// Invariant 10 after `s`'s call `act` succeeded in the last step: its
    /// holding moved exactly as the price says and no other account's
    /// moved. Checked when the system was at rest before and after the
    /// step (a callback held across steps lands in a later one).
    pub fn check_owed(&mut self, s: &Staker, act: Act) -> Done {
        self.check_owed_all(s, &[act])
    }

    /// `check_owed` for several calls of `s` in one step, in order.
    pub fn check_owed_all(&mut self, s: &Staker, acts: &[Act]) -> Done {
        let Some(prev) = self.before_step.take() else {
            return Ok(());
        };
        let Some(now) = self.d.checker.last() else {
            return Ok(());
        };
        if !prev.at_rest || !now.at_rest {
            self.stats.owed_skipped += 1;
            return Ok(());
        }
        self.stats.owed_checked += 1;
        account_moved_as_promised(&prev, now, &s.id, s.is_lockup(), acts)
            .map_err(|detail| self.violation(10, "account_moved_as_promised", detail))
    }

    /// Invariant 10 across a keeper round (`before` its step): no holding
    /// moved but the treasury's. Checked when nothing was in flight before
    /// it and nothing is after.
    pub fn check_keeper_moved_no_holding(&mut self, before: Option<Snapshot>) -> Done {
        let (Some(prev), Some(now)) = (before, self.d.checker.last()) else {
            return Ok(());
        };
        if !prev.at_rest || !now.at_rest {
            return Ok(());
        }
        self.stats.keeper_rounds_held += 1;
        let treasury = self.d.sys.treasury.clone();
        keeper_moved_no_holding(&prev, now, &treasury)
            .map_err(|detail| self.violation(10, "keeper_moved_no_holding", detail))
    }

    /// A broken invariant found by the run itself (8, 9 and 10), reported like
    /// the checker's.
    pub fn violation(&self, invariant: u8, name: &'static str, detail: String) -> Fail {
        Fail::Invariants(Violations {
            step: self.label.clone(),
            epoch: self.epoch(),
            block: self.d.sys.net.block_height(),
            violations: vec![Violation {
                invariant,
                name,
                detail,
            }],
        })
    }

    /// The seed's value in the last snapshot checked.
    pub(super) fn seed_value(&self) -> u128 {
        self.d.checker.last().map_or(0, |s| {
            let b = &s.summary.books;
            // Storage shares beyond the seed's (a loss that burnt them)
            // leave the seed nothing; `check_seed` reports that.
            SharePool::new(b.total_staked, b.total_shares)
                .amount_from_shares_down(b.seed_shares.saturating_sub(b.storage_shares))
                .unwrap_or(0)
        })
    }

    /// Checks every invariant without doing anything.
    pub fn check_only(&mut self, label: &str) -> Done {
        self.label = label.to_string();
        self.d
            .checker
            .check(&self.d.sys, label)
            .map(|_| ())
            .map_err(Fail::Invariants)
    }

    pub fn note(&mut self, line: String) {
        if self.verbose {
            println!("{line}");
        }
        self.trace.push(line);
    }

    /// Checks `res` against `expect` and counts it under `what`.
    pub fn expect(&mut self, what: &str, expect: &Expect, res: &Res) -> Done {
        self.stats.outcome(what, res);
        if let Some(last) = self.trace.last_mut() {
            last.push_str(&format!(" -> {}", res.short()));
        }
        expect
            .check(res)
            .map_err(|e| Fail::Expectation(format!("{what}: {e}")))
    }

    /// Loosens `expect` for refusals the router's own funds can cause,
    /// when they are that low.
    pub fn funds_tolerance(&self, expect: Expect) -> Expect {
        if self.d.sys.pool_summary().own_funds.0 < OWN_FUNDS_TIGHT {
            expect.or("E_STORAGE_RESERVE_LOW")
        } else {
            expect
        }
    }

    /// The router's refusal, if any, of a liquid `unstake(amount)` by `id`
    /// (after the gas check): a holder without a record must unstake more
    /// than the record costs, and no more than the sNEAR there is. Exits
    /// never depend on the router's own funds.
    pub fn liquid_unstake_expect(&self, id: &AccountId, amount: u128) -> Expect {
        let shares = self
            .share_pool()
            .shares_from_amount_up(amount)
            .unwrap_or(u128::MAX);
        if amount == 0 {
            Expect::refused("E_ZERO_AMOUNT")
        } else if amount <= ACCOUNT_RECORD_COST && !self.has_record(id) {
            Expect::refused("E_UNSTAKE_BELOW_RECORD_COST")
        } else if shares > self.books().snear_supply {
            Expect::refused("E_NOT_ENOUGH_STAKED")
        } else {
            Expect::Ok
        }
    }

    /// What a liquid account without a router record pays out of the NEAR
    /// its call credits (first deposit, unstake): the record's storage.
    pub fn record_fee(&self, s: &Staker) -> u128 {
        if s.is_lockup() || self.has_record(&s.id) {
            0
        } else {
            ACCOUNT_RECORD_COST
        }
    }

    /// The expectation of a `deposit` that passed the amount checks: only
    /// a lockup's new record needs the router's own funds.
    pub fn deposit_ok(&self, s: &Staker) -> Expect {
        if s.is_lockup() && !self.has_record(&s.id) {
            self.funds_tolerance(Expect::Ok)
        } else {
            Expect::Ok
        }
    }

    /// A liquid sNEAR holder and another liquid account registered at sNEAR
    /// to send to; `Err` says which is missing.
    pub fn pick_transfer_pair(&self, r: &mut Rng) -> Result<(Staker, Staker), &'static str> {
        let liquid: Vec<Staker> = self
            .stakers()
            .into_iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .collect();
        let holders: Vec<&Staker> = liquid
            .iter()
            .filter(|s| self.d.sys.snear_balance(&s.id) > 0)
            .collect();
        let from = (*r.pick(&holders).ok_or("no sNEAR holder")?).clone();
        let receivers: Vec<&Staker> = liquid
            .iter()
            .filter(|s| s.id != from.id && self.d.sys.snear_registered(&s.id))
            .collect();
        let to = (*r.pick(&receivers).ok_or("no registered receiver")?).clone();
        Ok((from, to))
    }

    /// An operation that found nothing to do.
    pub fn skip(&mut self, why: &str) -> Done {
        self.stats.skipped += 1;
        self.note(format!("   (skipped: {why})"));
        Ok(())
    }

    // ---- reading --------------------------------------------------------

    pub fn stakers(&self) -> Vec<Staker> {
        self.d.sys.stakers.clone()
    }

    pub fn name(&self, s: &Staker) -> String {
        self.names
            .get(&s.id)
            .cloned()
            .unwrap_or_else(|| s.id.to_string())
    }

    pub fn details(&self, id: &AccountId) -> AccountDetails {
        self.d.sys.account_details(id)
    }

    /// The router keeps a record for the account.
    pub fn has_record(&self, id: &AccountId) -> bool {
        let a = self.details(id);
        a.unstaked_balance.0 > 0 || a.shares.0 > 0 || a.governance_tokens_unclaimed.0 > 0
    }

    pub fn books(&self) -> Books {
        self.d.sys.pool_summary().books
    }

    /// The router's share pool now.
    pub fn share_pool(&self) -> SharePool {
        let b = self.books();
        SharePool::new(b.total_staked, b.total_shares)
    }

    /// The outcome as the staker's kind reports it.
    pub fn classify_for(&self, s: &Staker, out: &ExecutionOutcome) -> Res {
        if s.kind == StakerKind::LockupContract {
            classify_lockup(out, &self.d.sys.router)
        } else {
            classify(out)
        }
    }

    /// Makes sure `s` (and a lockup's owner) can pay `amount` plus gas and
    /// deposits, by giving it NEAR in state (outside every book the
    /// invariants read).
    pub fn ensure_near(&mut self, s: &Staker, amount: u128) {
        let have = self.d.sys.near_balance(s);
        let want = amount + 20 * ONE_NEAR;
        if have < want {
            self.d.sys.fund(s, want - have);
        }
        if let Some(owner) = &s.owner {
            let have = self.d.sys.net.balance(owner).as_yoctonear();
            if have < 5 * ONE_NEAR {
                self.d
                    .sys
                    .net
                    .set_balance(owner, NearToken::from_yoctonear(have + 10 * ONE_NEAR));
            }
        }
    }

    /// Gives any account NEAR in state when it runs low (voters, owners).
    pub fn ensure_account_near(&mut self, id: &AccountId) {
        let have = self.d.sys.net.balance(id).as_yoctonear();
        if have < 5 * ONE_NEAR {
            self.d
                .sys
                .net
                .set_balance(id, NearToken::from_yoctonear(have + 10 * ONE_NEAR));
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.d.sys.net.epoch_height()
    }
}

/// `n` yoctoNEAR as NEAR with three decimals, for labels.
pub fn fmt_near(n: u128) -> String {
    if n >= ONE_NEAR / 1_000 {
        format!(
            "{}.{:03} NEAR",
            n / ONE_NEAR,
            n % ONE_NEAR / (ONE_NEAR / 1_000)
        )
    } else {
        format!("{n} yocto")
    }
}
