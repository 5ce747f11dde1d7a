//! The keeper: runs the router's epoch operations until none has work.
//!
//! Once an epoch, early: `epoch_sync`, `epoch_withdraw`, `epoch_unstake`,
//! `epoch_stake`, `epoch_rebalance`, each called until it returns `false`
//! (the router's documented loop); `epoch_stake` is skipped while the
//! router's staking is paused (`is_staking_paused`), when it would refuse.
//! Every call goes through `System::call_router`, so the stakes it causes
//! are checked against the caps by the invariants. The loop is bounded: an
//! operation that still says "more" after `max_calls_per_op` calls is
//! reported, not retried forever.

use std::collections::BTreeMap;
use std::fmt;

use localnet::{ActionSummary, Gas, ReceiptStatus};
use meta_pool::views::EpochStatus;
use serde_json::{json, Value};

use crate::suite::System;

/// The operations, in the order a round runs them.
pub const EPOCH_OPS: [&str; 5] = [
    "epoch_sync",
    "epoch_withdraw",
    "epoch_unstake",
    "epoch_stake",
    "epoch_rebalance",
];

/// Gas the keeper attaches (the router asks at most 120 Tgas).
pub const KEEPER_GAS: Gas = Gas::from_tgas(300);

/// One call the keeper made.
#[derive(Clone, Debug)]
pub struct KeeperCall {
    pub op: &'static str,
    pub epoch: u64,
    /// What the operation returned: more work pending (`None` when the
    /// transaction failed).
    pub more: Option<bool>,
    /// Gas burnt by the whole transaction (every receipt).
    pub gas_burnt: Gas,
    /// Gas burnt by the router's own receipt of the call.
    pub router_gas_burnt: Gas,
    /// The router's `epoch_*` events, `(event, data)`.
    pub events: Vec<(String, Value)>,
    /// Receipts that failed anywhere in the tree (a pool's failure the
    /// router handled shows here, not in `more`).
    pub receipt_failures: usize,
    /// The router's callbacks in the tree: method and gas burnt.
    pub callbacks: Vec<(String, Gas)>,
    /// The transaction's failure, if it failed.
    pub failure: Option<String>,
}

/// What one round did.
#[derive(Clone, Debug, Default)]
pub struct KeeperReport {
    pub calls: Vec<KeeperCall>,
    /// Work the router still reports after the round
    /// (`get_epoch_status`), e.g. a validator skipped after a failure.
    pub status_after: Option<EpochStatus>,
}

impl KeeperReport {
    /// Calls of `op` that did something (returned after an attempt).
    pub fn calls_of<'a>(&'a self, op: &'a str) -> impl Iterator<Item = &'a KeeperCall> + 'a {
        self.calls.iter().filter(move |c| c.op == op)
    }

    /// Router events of the round named `event` (e.g. `epoch_failed`).
    pub fn events(&self, event: &str) -> Vec<&Value> {
        self.calls
            .iter()
            .flat_map(|c| c.events.iter())
            .filter(|(e, _)| e == event)
            .map(|(_, d)| d)
            .collect()
    }

    /// Whether every operation stopped by saying it had no more work.
    pub fn finished(&self) -> bool {
        self.status_after.as_ref().is_some_and(|s| !s.work_pending)
    }
}

/// A keeper problem: an operation that failed as a transaction or would
/// not stop.
#[derive(Clone, Debug)]
pub struct KeeperError {
    pub op: &'static str,
    pub detail: String,
    /// The round up to the failure.
    pub report: Box<KeeperReport>,
}

impl fmt::Display for KeeperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keeper {}: {}", self.op, self.detail)
    }
}

impl std::error::Error for KeeperError {}

/// `(calls, min, max, sum)` of gas.
pub type GasFigures = (u64, u64, u64, u128);

fn add_figure(e: &mut GasFigures, g: u64) {
    e.0 += 1;
    e.1 = e.1.min(g);
    e.2 = e.2.max(g);
    e.3 += u128::from(g);
}

/// Gas statistics over many rounds: per operation, the whole
/// transaction's gas of the calls that did work (an `epoch_attempt`) with
/// no failure anywhere, of the calls with nothing to do, of the calls where
/// something failed (faults); and per router callback, its own burn.
#[derive(Clone, Debug, Default)]
pub struct GasStats {
    pub per_op: BTreeMap<&'static str, GasFigures>,
    pub idle: BTreeMap<&'static str, GasFigures>,
    pub faulty: BTreeMap<&'static str, GasFigures>,
    pub callbacks: BTreeMap<String, GasFigures>,
}

impl GasStats {
    pub fn add(&mut self, report: &KeeperReport) {
        for c in &report.calls {
            let g = c.gas_burnt.as_gas();
            let worked = c.events.iter().any(|(e, _)| e == "epoch_attempt");
            let map = if c.receipt_failures > 0 {
                &mut self.faulty
            } else if worked {
                &mut self.per_op
            } else {
                &mut self.idle
            };
            add_figure(map.entry(c.op).or_insert((0, u64::MAX, 0, 0)), g);
            for (m, g) in &c.callbacks {
                let e = self
                    .callbacks
                    .entry(m.clone())
                    .or_insert((0, u64::MAX, 0, 0));
                add_figure(e, g.as_gas());
            }
        }
    }
}

impl fmt::Display for GasStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tg = |g: u128| g as f64 / 1e12;
        let mut table = |title: &str, rows: Vec<(String, &GasFigures)>| -> fmt::Result {
            writeln!(f, "{title}")?;
            for (name, (n, min, max, sum)) in rows {
                writeln!(
                    f,
                    "  {name:24} {n:4} calls  min {:6.2} Tgas  mean {:6.2}  max {:6.2}",
                    tg(u128::from(*min)),
                    tg(sum / u128::from((*n).max(1))),
                    tg(u128::from(*max))
                )?;
            }
            Ok(())
        };
        fn rows<'a>(m: &'a BTreeMap<&'static str, GasFigures>) -> Vec<(String, &'a GasFigures)> {
            m.iter().map(|(k, v)| (k.to_string(), v)).collect()
        }
        table(
            "epoch operations that moved NEAR (whole transaction):",
            rows(&self.per_op),
        )?;
        table("epoch operations with nothing to do:", rows(&self.idle))?;
        table("epoch operations that met a fault:", rows(&self.faulty))?;
        table(
            "router callbacks (own burn):",
            self.callbacks.iter().map(|(k, v)| (k.clone(), v)).collect(),
        )
    }
}

/// Calls the epoch operations.
#[derive(Clone, Debug)]
pub struct Keeper {
    pub max_calls_per_op: usize,
    /// Gas attached to every call; `None`: exactly what the router
    /// requires of each operation (`minimum_gas`), the tightest a keeper
    /// can run.
    pub gas: Option<Gas>,
}

impl Default for Keeper {
    fn default() -> Self {
        Self {
            max_calls_per_op: 32,
            gas: Some(KEEPER_GAS),
        }
    }
}

/// Gas the router burns before its `require_gas` check (loading the
/// contract and its state), which a call must attach on top.
pub const GAS_BEFORE_CHECK: Gas = Gas::from_tgas(5);

/// About the least gas the router accepts for `op`: what its
/// `require_gas` asks plus what it burns before checking.
pub fn minimum_gas(op: &str) -> Gas {
    use meta_pool::gas::{GAS_EPOCH_SYNC, GAS_EPOCH_VALIDATOR_CALL};
    let g = if op == "epoch_sync" {
        GAS_EPOCH_SYNC
    } else {
        GAS_EPOCH_VALIDATOR_CALL
    };
    Gas::from_gas(g.as_gas() + GAS_BEFORE_CHECK.as_gas())
}

impl Keeper {
    /// One round: every operation until it says it has no more work.
    pub fn run_round(&self, sys: &mut System) -> Result<KeeperReport, KeeperError> {
        let mut report = KeeperReport::default();
        for op in EPOCH_OPS {
            // A paused router refuses new stake (`E_STAKING_PAUSED`) and
            // reports no stake work: nothing to call.
            if op == "epoch_stake" && sys.router_view::<bool>("is_staking_paused", json!({})) {
                continue;
            }
            let mut calls = 0;
            loop {
                if calls == self.max_calls_per_op {
                    return Err(KeeperError {
                        op,
                        detail: format!("still more work after {calls} calls"),
                        report: Box::new(report),
                    });
                }
                calls += 1;
                let call = self.call(sys, op);
                let more = call.more;
                report.calls.push(call);
                match more {
                    Some(true) => continue,
                    Some(false) => break,
                    None => {
                        let why = report.calls.last().and_then(|c| c.failure.clone());
                        return Err(KeeperError {
                            op,
                            detail: format!("the transaction failed: {why:?}"),
                            report: Box::new(report),
                        });
                    }
                }
            }
        }
        report.status_after = Some(sys.router_view("get_epoch_status", json!({})));
        Ok(report)
    }

    /// One call of `op`.
    pub fn call(&self, sys: &mut System, op: &'static str) -> KeeperCall {
        let keeper = sys.keeper_account.clone();
        let epoch = sys.net.epoch_height();
        let gas = self.gas.unwrap_or_else(|| minimum_gas(op));
        let out = sys.call_router(&keeper, op, json!({}), 0, gas);
        let router_gas_burnt = out
            .receipts
            .iter()
            .find(|r| r.receiver_id == sys.router && r.parent.is_none())
            .map_or(Gas::from_gas(0), |r| r.gas_burnt);
        let events = out
            .events()
            .into_iter()
            .filter(|e| e.emitter == sys.router && e.event.starts_with("epoch_"))
            .map(|e| (e.event, e.data))
            .collect();
        let receipt_failures = out
            .receipts
            .iter()
            .filter(|r| matches!(r.status, ReceiptStatus::Failure(_)))
            .count();
        let callbacks = out
            .receipts
            .iter()
            .filter(|r| r.receiver_id == sys.router && r.predecessor_id == sys.router)
            .filter_map(|r| match r.actions.first() {
                Some(ActionSummary::FunctionCall { method, .. }) => {
                    Some((method.clone(), r.gas_burnt))
                }
                _ => None,
            })
            .collect();
        KeeperCall {
            op,
            epoch,
            callbacks,
            failure: out.failure_message(),
            more: out.json::<bool>().ok().filter(|_| out.is_success()),
            gas_burnt: out.total_gas_burnt(),
            router_gas_burnt,
            events,
            receipt_failures,
        }
    }
}
