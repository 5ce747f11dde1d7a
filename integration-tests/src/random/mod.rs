//! Randomized invariant runs: long random scenarios on the whole deployed
//! system (localnet), every DESIGN §7 invariant checked after each step.
//!
//! A run is a seed and a number of operations. The seed fixes everything:
//! the deployment (`profile`: validators, outside stake, rewards, stakers,
//! the bootstrap owner or the DAO, a router short of its own funds, the mix
//! of operations) and the operation list (`ops`), drawn before anything
//! runs, each operation with a seed of its own. The generator's PRNG is its
//! own (`crate::rng`, SplitMix64); localnet is deterministic; nothing reads a
//! clock. So a seed replays exactly, and a subset of its operations can be
//! replayed too (`RunSpec::only`), which is how `shrink` finds a short
//! sequence that still fails.
//!
//! Operations (`ops::OpKind`): stakers of three kinds deposit, stake,
//! unstake and withdraw (`users`: exact amounts, just too much, too early,
//! too little, zero), transfer sNEAR, claim META, unregister from sNEAR;
//! the keeper runs each epoch, skips epochs or stops half way (`chain`);
//! rewards change and jump above the router's bound for an epoch; calls
//! have their callbacks land in the next epoch or while users act; test
//! pools fail calls, fail views, report balances off both ways, pause
//! staking and burn gas (`faults`); sNEAR's test build refuses the
//! router's mints, burns or pushes for one operation (`snear_fault`);
//! governance applies router actions, valid and not, by the owner or through DAO proposals that pass, fail,
//! are refused at execution or expire (`gov`); an upgrade of the router or
//! sNEAR lands between an epoch call and its callback (`upgrade`); a
//! validator earns a rate of its own, the chain's seat threshold kicks
//! pools out of the validator set and lets them back, a pool's code is
//! replaced by a foreign contract for an epoch or two (`validators`); pool
//! owners change their fee and pause for many epochs, other delegators
//! come and go, pools lose principal for real (`pool_life`). Every call's outcome is
//! predicted before it is sent (`outcome::Expect`): success, or the exact
//! refusal; a failure without an error code is never acceptable. The
//! unstake wait is checked where the keeper ran cleanly (`promise`), and
//! each run ends with everyone exiting to zero (`winddown`).
//!
//! A failure (`RunFailure`) prints the seed, the operation and checked
//! step with its label, what broke, the last steps, and the command that
//! replays it.

mod attack;
mod chain;
mod faults;
mod gov;
pub mod ops;
pub mod outcome;
mod pool_life;
pub mod profile;
mod promise;
mod snear_fault;
pub mod stats;
mod upgrade;
mod users;
mod validators;
mod winddown;
mod world;

use std::collections::BTreeSet;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

pub use crate::rng::Rng;
pub use ops::{Op, OpKind};
pub use profile::Profile;
pub use stats::Stats;
pub use world::{Fail, World};

/// What to run.
#[derive(Clone, Debug)]
pub struct RunSpec {
    pub seed: u64,
    /// Operations generated (the run's length).
    pub steps: usize,
    /// Run only these operations of the generated list (by index).
    pub only: Option<BTreeSet<usize>>,
    /// End with everyone exiting (`winddown`).
    pub wind_down: bool,
    /// Print every step as it runs.
    pub verbose: bool,
    /// Let the seed's profile use sNEAR's fault switches (off: the runs
    /// as generated before sNEAR had them).
    pub snear_faults: bool,
}

impl RunSpec {
    pub fn new(seed: u64, steps: usize) -> Self {
        Self {
            seed,
            steps,
            only: None,
            wind_down: true,
            verbose: false,
            snear_faults: true,
        }
    }

    /// The command line that replays this run.
    pub fn replay_command(&self) -> String {
        let only = self.only.as_ref().map_or(String::new(), |o| {
            let v: Vec<String> = o.iter().map(|i| i.to_string()).collect();
            format!(" OPS={}", v.join(","))
        });
        let wind = if self.wind_down { "" } else { " WIND_DOWN=0" };
        let snear = if self.snear_faults {
            ""
        } else {
            " SNEAR_FAULTS=0"
        };
        format!(
            "SEED={} STEPS={}{only}{wind}{snear} cargo test -p integration-tests --test e2e \
             invariant_runs::replay -- --exact --nocapture",
            self.seed, self.steps
        )
    }
}

/// A run that passed.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub seed: u64,
    pub profile: String,
    pub stats: Stats,
    pub trace: Vec<String>,
    pub wall: Duration,
}

/// A run that failed.
#[derive(Debug)]
pub struct RunFailure {
    pub spec: RunSpec,
    pub profile: String,
    /// The operation that failed (`None`: deployment or wind-down).
    pub op: Option<usize>,
    /// The checked step (the driver's count) and its label.
    pub step: u64,
    pub label: String,
    pub fail: Fail,
    /// The last steps before the failure.
    pub tail: Vec<String>,
    pub stats: Stats,
}

impl RunFailure {
    /// Failures with the same signature are "the same failure" for
    /// shrinking.
    pub fn signature(&self) -> String {
        self.fail.signature()
    }
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "random run failed: seed {}, {} operations{}",
            self.spec.seed,
            self.spec.steps,
            self.spec
                .only
                .as_ref()
                .map_or(String::new(), |o| format!(" (only {} of them)", o.len()))
        )?;
        writeln!(f, "profile: {}", self.profile)?;
        let op = self.op.map_or("outside the operations".to_string(), |i| {
            format!("operation {i}")
        });
        writeln!(f, "at {op}, checked step #{}: {}", self.step, self.label)?;
        writeln!(f, "{}", self.fail)?;
        writeln!(f, "last steps:")?;
        for l in &self.tail {
            writeln!(f, "  {l}")?;
        }
        write!(f, "replay: {}", self.spec.replay_command())
    }
}

impl std::error::Error for RunFailure {}

/// Steps of context a failure prints.
const TAIL: usize = 25;

/// Runs one seed.
pub fn run(spec: &RunSpec) -> Result<RunReport, Box<RunFailure>> {
    let started = Instant::now();
    let profile = Profile::of(spec.seed);
    let profile = if spec.snear_faults {
        profile
    } else {
        profile.without_snear_faults()
    };
    let described = profile.to_string();
    if spec.verbose {
        println!("seed {}: {described}", spec.seed);
    }
    let ops = profile.mix.generate(spec.seed, spec.steps);
    let fail = |w: Option<&World>, op: Option<usize>, fail: Fail| {
        Box::new(RunFailure {
            spec: spec.clone(),
            profile: described.clone(),
            op,
            step: w.map_or(0, |w| w.d.steps),
            label: w.map_or("deploy".into(), |w| w.label.clone()),
            fail,
            tail: w.map_or(vec![], |w| {
                w.trace[w.trace.len().saturating_sub(TAIL)..].to_vec()
            }),
            stats: w.map_or_else(Stats::default, |w| w.stats.clone()),
        })
    };
    let mut w = match catch_unwind(AssertUnwindSafe(|| World::new(profile, spec.verbose))) {
        Ok(Ok(w)) => w,
        Ok(Err(e)) => return Err(fail(None, None, e)),
        Err(p) => return Err(fail(None, None, Fail::Panic(panic_text(p)))),
    };
    for (i, op) in ops.iter().enumerate() {
        if spec.only.as_ref().is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        w.op_index = Some(i);
        w.stats.op(op.kind);
        let r = catch_unwind(AssertUnwindSafe(|| w.apply(op)));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(fail(Some(&w), Some(i), e)),
            Err(p) => return Err(fail(Some(&w), Some(i), Fail::Panic(panic_text(p)))),
        }
    }
    if spec.wind_down {
        match catch_unwind(AssertUnwindSafe(|| w.wind_down())) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(fail(Some(&w), None, e)),
            Err(p) => return Err(fail(Some(&w), None, Fail::Panic(panic_text(p)))),
        }
    }
    w.stats.runs = 1;
    w.stats.steps = w.d.steps;
    w.stats.transactions = w.d.sys.ledger.transactions;
    w.stats.stake_moves_checked = w.d.checker.observed.stake_moves_checked as u64;
    w.stats.fees_checked = w.d.sys.ledger.fees_checked;
    Ok(RunReport {
        seed: spec.seed,
        profile: described,
        stats: w.stats,
        trace: w.trace,
        wall: started.elapsed(),
    })
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Looks for a shorter list of operations that fails the same way
/// (delta debugging: drop chunks, halving their size, while the failure's
/// signature stays). Each try replays the seed from deployment; `progress`
/// hears about every smaller failure found.
pub fn shrink(
    failure: &RunFailure,
    mut progress: impl FnMut(&RunFailure),
) -> Option<Box<RunFailure>> {
    let spec = &failure.spec;
    let last = failure.op.unwrap_or(spec.steps.saturating_sub(1));
    let mut keep: Vec<usize> = (0..=last)
        .filter(|i| spec.only.as_ref().is_none_or(|o| o.contains(i)))
        .collect();
    let sig = failure.signature();
    let mut best: Option<Box<RunFailure>> = None;
    let mut chunk = (keep.len() / 2).max(1);
    loop {
        let mut i = 0;
        let mut progressed = false;
        while i < keep.len() {
            let trial: Vec<usize> = keep[..i]
                .iter()
                .chain(keep[(i + chunk).min(keep.len())..].iter())
                .copied()
                .collect();
            let mut t = spec.clone();
            t.only = Some(trial.iter().copied().collect());
            t.verbose = false;
            // A failure inside the operations needs no wind-down.
            t.wind_down = failure.op.is_none() && spec.wind_down;
            match run(&t) {
                Err(f) if f.signature() == sig => {
                    progress(&f);
                    keep = trial;
                    best = Some(f);
                    progressed = true;
                }
                _ => i += chunk,
            }
        }
        if chunk == 1 && !progressed {
            return best;
        }
        if !progressed {
            chunk = (chunk / 2).max(1);
        }
    }
}

impl World {
    /// Runs one operation.
    pub fn apply(&mut self, op: &Op) -> Result<(), Fail> {
        let mut r = Rng::new(op.seed);
        let r = &mut r;
        self.user_op = op.kind.is_user_call();
        let done = self.apply_kind(op.kind, r);
        self.user_op = false;
        done
    }

    fn apply_kind(&mut self, kind: OpKind, r: &mut Rng) -> Result<(), Fail> {
        match kind {
            OpKind::SnearFault => self.op_snear_fault(r),
            OpKind::Deposit => self.op_deposit(r),
            OpKind::DepositAndStake => self.op_deposit_and_stake(r),
            OpKind::Stake => self.op_stake(r),
            OpKind::StakeAll => self.op_stake_all(r),
            OpKind::Unstake => self.op_unstake(r),
            OpKind::UnstakeAll => self.op_unstake_all(r),
            OpKind::Withdraw => self.op_withdraw(r),
            OpKind::WithdrawAll => self.op_withdraw_all(r),
            OpKind::SnearTransfer => self.op_snear_transfer(r),
            OpKind::ClaimMeta => self.op_claim_meta(r),
            OpKind::SnearUnregister => self.op_snear_unregister(r),
            OpKind::NewStaker => self.op_new_staker(r),
            OpKind::NextEpoch => self.op_next_epoch(r),
            OpKind::SkipEpochs => self.op_skip_epochs(r),
            OpKind::PartialKeeper => self.op_partial_keeper(r),
            OpKind::ExtraKeeperRound => self.op_extra_round(r),
            OpKind::AdvanceBlocks => self.op_advance_blocks(r),
            OpKind::AcrossEpoch => self.op_across_epoch(r),
            OpKind::Interleave => self.op_interleave(r),
            OpKind::RewardRate => self.op_reward_rate(r),
            OpKind::RewardJump => self.op_reward_jump(r),
            OpKind::FaultOn => self.op_fault_on(r),
            OpKind::FaultOff => self.op_fault_off(r),
            OpKind::OwnerAction => self.op_owner_action(r),
            OpKind::Unauthorized => self.op_unauthorized(r),
            OpKind::WhitelistToggle => self.op_whitelist_toggle(r),
            OpKind::TopUp => self.op_top_up(r),
            OpKind::Propose => self.op_propose(r),
            OpKind::Vote => self.op_vote(r),
            OpKind::Queue => self.op_queue(r),
            OpKind::Execute => self.op_execute(r),
            OpKind::BatchAttack => self.op_batch_attack(r),
            OpKind::RestakeClaim => self.op_restake_claim(r),
            OpKind::DonatePool => self.op_donate_pool(r),
            OpKind::DonateRouter => self.op_donate_router(r),
            OpKind::ThrowawayBurst => self.op_throwaway_burst(r),
            OpKind::TransferMidBurn => self.op_transfer_mid_burn(r),
            OpKind::UpgradeMidFlight => self.op_upgrade_mid_flight(r),
            OpKind::ValidatorRate => self.op_validator_rate(r),
            OpKind::SeatThreshold => self.op_seat_threshold(r),
            OpKind::PoolRedeploy => self.op_pool_redeploy(r),
            OpKind::PoolFee => self.op_pool_fee(r),
            OpKind::Delegator => self.op_delegator(r),
            OpKind::PoolLoss => self.op_pool_loss(r),
            OpKind::LongPause => self.op_long_pause(r),
            OpKind::ProposalSwarm => self.op_proposal_swarm(r),
        }
    }
}
