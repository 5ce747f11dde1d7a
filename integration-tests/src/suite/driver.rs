//! `Driver`: the system, a keeper and the invariant checker together, so a
//! test (or a randomized run) is a sequence of labelled steps, each
//! followed by every invariant.
//!
//! ```no_run
//! use integration_tests::suite::{Driver, SystemConfig, ONE_NEAR};
//! use localnet::NearToken;
//!
//! let mut d = Driver::new(SystemConfig::default());
//! let alice = d.sys.add_liquid_staker("alice", NearToken::from_near(1_000));
//! d.step("alice stakes", |s| s.deposit_and_stake(&alice, 100 * ONE_NEAR).assert_success().clone());
//! d.next_epoch(); // advance, keeper round, invariants
//! ```

use crate::invariants::{withdrawal_paid_exactly, Checker, Violations};
use crate::keeper::{GasStats, Keeper, KeeperError, KeeperReport};
use crate::owed::withdrawal_reached_the_account;

use localnet::{ExecutionOutcome, NearToken};

use super::{Snapshot, Staker, StakerKind, System, SystemConfig, ONE_NEAR};

/// Why a step failed: the keeper stopped or an invariant broke.
#[derive(Debug)]
pub enum StepError {
    Keeper(KeeperError),
    Invariants(Violations),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Keeper(e) => write!(f, "{e}"),
            StepError::Invariants(v) => write!(f, "{v}"),
        }
    }
}

impl std::error::Error for StepError {}

pub struct Driver {
    pub sys: System,
    pub keeper: Keeper,
    pub checker: Checker,
    /// Gas of every keeper call so far, per operation.
    pub gas: GasStats,
    /// Steps run so far (each followed by a check).
    pub steps: u64,
    /// The last keeper round.
    pub last_round: Option<KeeperReport>,
}

impl Driver {
    /// Deploys `config` and checks the fresh deployment.
    pub fn new(config: SystemConfig) -> Self {
        let mut d = Self::from_system(System::deploy(config));
        d.check("deploy");
        d
    }

    /// `validators` listed pools and a liquid staker `alice` (10,000 NEAR)
    /// whose `stake_near` the keeper has placed, one epoch later: the start
    /// of every test about what happens to stake already on the pools.
    pub fn with_placed_stake(validators: usize, stake_near: u128) -> (Self, Staker) {
        let mut d = Self::new(SystemConfig {
            validators,
            ..SystemConfig::default()
        });
        let alice = d
            .sys
            .add_liquid_staker("alice", NearToken::from_near(10_000));
        d.step(&format!("alice stakes {stake_near}"), |s| {
            s.deposit_and_stake(&alice, stake_near * ONE_NEAR)
                .assert_success();
        });
        d.keeper_round();
        d.next_epoch();
        (d, alice)
    }

    /// `count` liquid stakers `s0`, `s1`, … with 100,000 NEAR each, each
    /// having staked `stake_near` (a step each; the keeper has not run).
    pub fn add_staked_liquid_stakers(&mut self, count: usize, stake_near: u128) -> Vec<Staker> {
        let stakers: Vec<Staker> = (0..count)
            .map(|i| {
                self.sys
                    .add_liquid_staker(&format!("s{i}"), NearToken::from_near(100_000))
            })
            .collect();
        for s in &stakers {
            self.step(&format!("{} stakes {stake_near}", s.id), |sys| {
                sys.deposit_and_stake(s, stake_near * ONE_NEAR)
                    .assert_success();
            });
        }
        stakers
    }

    pub fn from_system(sys: System) -> Self {
        Self {
            sys,
            keeper: Keeper::default(),
            checker: Checker::new(),
            gas: GasStats::default(),
            steps: 0,
            last_round: None,
        }
    }

    /// Runs `f`, then every invariant; a broken one is returned with the
    /// step's label and number.
    pub fn try_step<T>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut System) -> T,
    ) -> Result<T, StepError> {
        let out = f(&mut self.sys);
        self.steps += 1;
        let label = format!("#{} {label}", self.steps);
        self.checker
            .check(&self.sys, &label)
            .map_err(StepError::Invariants)?;
        Ok(out)
    }

    /// `try_step`, panicking with every broken invariant.
    pub fn step<T>(&mut self, label: &str, f: impl FnOnce(&mut System) -> T) -> T {
        self.try_step(label, f).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Checks every invariant without doing anything first.
    pub fn check(&mut self, label: &str) -> Snapshot {
        self.checker
            .check(&self.sys, label)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// One keeper round, then every invariant.
    pub fn try_keeper_round(&mut self) -> Result<KeeperReport, StepError> {
        let keeper = self.keeper.clone();
        let round = self.try_step("keeper round", |s| keeper.run_round(s))?;
        let round = round.map_err(StepError::Keeper)?;
        self.gas.add(&round);
        self.last_round = Some(round.clone());
        Ok(round)
    }

    /// `try_keeper_round`, panicking on failure.
    pub fn keeper_round(&mut self) -> KeeperReport {
        self.try_keeper_round().unwrap_or_else(|e| panic!("{e}"))
    }

    /// `who` withdraws `amount` (`None`: its whole unstaked balance, by
    /// `withdraw_all`) in a checked step, and is paid exactly: one
    /// transfer of the amount from the router (invariant 8) and, for an
    /// account without a contract, its balance up by the amount less
    /// exactly the gas its transaction burnt (invariant 10). Panics
    /// otherwise; returns the outcome.
    pub fn withdraw_exactly(
        &mut self,
        who: &Staker,
        amount: Option<u128>,
        label: &str,
    ) -> ExecutionOutcome {
        let unstaked = self.sys.account_details(&who.id).unstaked_balance.0;
        let owed = amount.unwrap_or(unstaked);
        assert!(owed > 0, "{} has nothing to withdraw", who.id);
        let before = self.sys.near_balance(who);
        let out = self.step(label, |s| match amount {
            Some(a) => s.withdraw(who, a),
            None => s.withdraw_all(who),
        });
        withdrawal_paid_exactly(&out, &self.sys.router, &who.id, owed)
            .unwrap_or_else(|e| panic!("{e}"));
        if who.kind != StakerKind::LockupContract {
            let after = self.sys.near_balance(who);
            withdrawal_reached_the_account(&out, &who.id, before, after, owed)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let left = self.sys.account_details(&who.id).unstaked_balance.0;
        assert_eq!(left, unstaked - owed, "{} withdrew {owed}", who.id);
        out
    }

    /// Advances to the next epoch (checked), then runs a keeper round.
    pub fn next_epoch(&mut self) -> KeeperReport {
        self.step("next epoch", |s| s.advance_epochs(1));
        self.keeper_round()
    }
}
