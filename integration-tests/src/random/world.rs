//! The state of one run: the deployed system (through the harness's
//! `Driver`), what the generator remembers about it (names, fault switches
//! in force, the whitelist, proposals, unstake promises), statistics, and
//! the helpers every operation uses: checked steps and expectations.

use std::collections::BTreeMap;

use localnet::{AccountId, ExecutionOutcome, NearToken};
use meta_common::shares::SharePool;
use meta_pool::books::Books;
use meta_pool::views::AccountDetails;

use super::faults::PoolFaults;
use super::gov::DaoBook;
use super::outcome::{classify, classify_lockup, Expect, Res};
use super::profile::{Profile, LOW_OWN_FUNDS};
use super::promise::PromiseTracker;
use super::stats::Stats;
use crate::invariants::Violations;
use crate::keeper::KeeperError;
use crate::suite::{Driver, Staker, StakerKind, StepError, System, ONE_NEAR};

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
        let r = self.d.try_step(&label, f);
        self.note(format!("#{} {label}", self.d.steps));
        let out = r?;
        self.check_seed(seed_before)?;
        Ok(out)
    }

    /// The seed's value in the last snapshot checked.
    fn seed_value(&self) -> u128 {
        self.d.checker.last().map_or(0, |s| {
            let b = &s.summary.books;
            SharePool::new(b.total_staked, b.total_shares)
                .amount_from_shares_down(b.seed_shares)
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
