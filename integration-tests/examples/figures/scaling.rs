//! The largest validator list each epoch operation handles inside one
//! transaction's gas. Each size is a fresh deployment whose keeper rounds
//! give every operation work (stakes, unstakes, a weight drift, withdrawals
//! four epochs later), every call attaching a whole transaction's 300 Tgas.
//! Sizes double from 5 up to the router's own maximum (`MAX_VALIDATORS`,
//! which `AddValidator` refuses to pass); a size where a call fails is
//! bisected against the last size that passed.

use std::collections::BTreeMap;

use integration_tests::keeper::{Keeper, KeeperCall, EPOCH_OPS, KEEPER_GAS};
use integration_tests::suite::{Driver, SystemConfig, ONE_NEAR};
use localnet::NearToken;
use meta_pool::config::MAX_VALIDATORS;

/// One operation at one list size.
#[derive(Clone, Debug, Default)]
pub struct OpAtSize {
    /// Calls that did work (`epoch_attempt`).
    pub worked: u64,
    /// The heaviest call that did work, whole transaction.
    pub max_worked: u64,
    /// The heaviest call, with or without work.
    pub max_any: u64,
    /// What went wrong: a failed transaction or a failed receipt.
    pub failure: Option<String>,
}

impl OpAtSize {
    /// Whether the operation did work at this size and nothing failed.
    pub fn fits(&self) -> bool {
        self.worked > 0 && self.failure.is_none()
    }
}

pub struct SizeRun {
    pub validators: usize,
    pub ops: BTreeMap<&'static str, OpAtSize>,
    /// The keeper round that stopped early, if one did.
    pub stopped: Option<String>,
}

impl SizeRun {
    pub fn fits(&self) -> bool {
        self.stopped.is_none() && EPOCH_OPS.iter().all(|op| self.op(op).fits())
    }

    pub fn op(&self, op: &str) -> OpAtSize {
        self.ops.get(op).cloned().unwrap_or_default()
    }

    fn add(&mut self, c: &KeeperCall) {
        let e = self.ops.entry(c.op).or_default();
        let g = c.gas_burnt.as_gas();
        e.max_any = e.max_any.max(g);
        if c.events.iter().any(|(ev, _)| ev == "epoch_attempt") {
            e.worked += 1;
            e.max_worked = e.max_worked.max(g);
        }
        if let Some(f) = &c.failure {
            e.failure.get_or_insert_with(|| f.clone());
        } else if c.receipt_failures > 0 {
            e.failure
                .get_or_insert_with(|| format!("{} failed receipts", c.receipt_failures));
        }
    }
}

const ROUNDS: usize = 6;

/// Keeper rounds on a fresh deployment of `n` validators.
pub fn run_size(n: usize) -> SizeRun {
    let mut d = Driver::new(SystemConfig {
        validators: n,
        pool_faults: false,
        // Far above the router's stake: the network cap never binds, so
        // the plans are the same shape at every size.
        external_stake: NearToken::from_near(10_000_000),
        ..SystemConfig::default()
    });
    d.keeper = Keeper {
        max_calls_per_op: 2 * n + 4,
        gas: Some(KEEPER_GAS),
    };
    let mut run = SizeRun {
        validators: n,
        ops: BTreeMap::new(),
        stopped: None,
    };
    let stakers = d.add_staked_liquid_stakers(4, 20_000);
    for round in 0..ROUNDS {
        if round == 1 {
            for s in &stakers[..2] {
                d.step("unstake", |sys| {
                    sys.unstake(s, 5_000 * ONE_NEAR).assert_success();
                });
            }
        }
        if round == 2 {
            // Drift: a fifth of the list (at least one) weighted fivefold,
            // so the rest are above target.
            d.step("set weights, lowest drift threshold", |s| {
                s.skew_weights((n / 5).max(1))
            });
        }
        match d.try_keeper_round() {
            Ok(report) => report.calls.iter().for_each(|c| run.add(c)),
            Err(e) => {
                // The round up to the failure is in the error.
                if let integration_tests::suite::StepError::Keeper(k) = &e {
                    k.report.calls.iter().for_each(|c| run.add(c));
                }
                run.stopped = Some(e.to_string());
                return run;
            }
        }
        d.step("next epoch", |s| s.advance_epochs(1));
    }
    run
}

/// The sizes measured, in order, and the runs.
pub fn search(mut progress: impl FnMut(&SizeRun)) -> Vec<SizeRun> {
    let mut runs = Vec::new();
    let mut measure = |n: usize, runs: &mut Vec<SizeRun>| -> bool {
        let r = run_size(n);
        progress(&r);
        let ok = r.fits();
        runs.push(r);
        ok
    };
    let mut last_ok = None;
    let mut n = 5;
    let failed_at = loop {
        if !measure(n, &mut runs) {
            break Some(n);
        }
        last_ok = Some(n);
        if n == MAX_VALIDATORS {
            break None;
        }
        n = (2 * n).min(MAX_VALIDATORS);
    };
    if let (Some(mut lo), Some(mut hi)) = (last_ok, failed_at) {
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if measure(mid, &mut runs) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    runs.sort_by_key(|r| r.validators);
    runs
}

/// Per operation: the largest size at which it did work and nothing
/// failed, and the smallest at which it failed (if any).
pub fn limits(runs: &[SizeRun]) -> BTreeMap<&'static str, (Option<usize>, Option<usize>)> {
    EPOCH_OPS
        .iter()
        .map(|op| {
            let ok = runs
                .iter()
                .filter(|r| r.op(op).fits())
                .map(|r| r.validators)
                .max();
            let failed = runs
                .iter()
                .filter(|r| r.op(op).failure.is_some())
                .map(|r| r.validators)
                .min();
            (*op, (ok, failed))
        })
        .collect()
}
