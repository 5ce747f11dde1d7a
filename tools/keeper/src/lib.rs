//! The keeper: runs the router's epoch operations until none has work.
//!
//! Once an epoch, early: `epoch_sync`, `epoch_withdraw`, `epoch_unstake`,
//! `epoch_stake`, `epoch_rebalance`, each called until it returns `false`
//! (the router's documented loop, `docs/OPERATIONS.md`); `epoch_stake` is
//! skipped while the router's staking is paused (`is_staking_paused`), when
//! it would refuse. The loop is bounded: an operation that still says
//! "more" after `max_calls_per_op` calls is reported, not retried forever.
//!
//! There is one keeper. It talks to the chain through [`EpochChain`], which
//! has two implementations: the in-process localnet of the tests and the
//! demo (`integration-tests`, `impl EpochChain for System`) and a JSON-RPC
//! node through near-api (the operator CLI, `tools/deploy`, `operator
//! keeper`). So what the tests prove of [`Keeper::run_round`] is what
//! operators run.
//!
//! The trait is synchronous. The in-process chain is synchronous and is
//! driven from hundreds of test call sites that hold `&mut System`; an
//! async trait would force a runtime into every one of them. The JSON-RPC
//! implementation owns its own tokio runtime and blocks on each request,
//! which costs nothing that matters: the keeper waits for each call's final
//! outcome before the next anyway (the router's answer comes from the
//! callback).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use meta_pool::views::EpochStatus;
use serde_json::{json, Value};

/// Gas, as the router and near-api count it.
pub type Gas = near_gas::NearGas;

/// The operations, in the order a round runs them.
pub const EPOCH_OPS: [&str; 5] = [
    "epoch_sync",
    "epoch_withdraw",
    "epoch_unstake",
    "epoch_stake",
    "epoch_rebalance",
];

/// Gas the harness's keeper attaches by default (the router asks at most
/// 130 Tgas; unused gas is refunded, so more costs little).
pub const KEEPER_GAS: Gas = Gas::from_tgas(300);

/// Gas the router burns before its `require_gas` check (loading the
/// contract and its state), which a call must attach on top.
pub const GAS_BEFORE_CHECK: Gas = Gas::from_tgas(5);

/// About the least gas the router accepts for `op`: what its
/// `require_gas` asks (`meta_pool::gas`) plus what it burns before
/// checking. The CLI attaches this by default; the tests' tightest keeper
/// (`Keeper { gas: None }`) too.
pub fn minimum_gas(op: &str) -> Gas {
    use meta_pool::gas::{GAS_EPOCH_SYNC, GAS_EPOCH_VALIDATOR_CALL};
    let g = if op == "epoch_sync" {
        GAS_EPOCH_SYNC
    } else {
        GAS_EPOCH_VALIDATOR_CALL
    };
    Gas::from_gas(g.as_gas() + GAS_BEFORE_CHECK.as_gas())
}

/// The chain could not be asked (a view or the epoch height): the node did
/// not answer, or answered something unusable. Not a failed transaction,
/// which is an [`OpOutcome::failure`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError(pub String);

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChainError {}

/// What one epoch-operation transaction did, as a chain client reports it.
#[derive(Clone, Debug, Default)]
pub struct OpOutcome {
    /// What the operation returned: more work pending (`None` when the
    /// transaction failed or its outcome is unknown).
    pub more: Option<bool>,
    /// The transaction's hash (base58), when one was sent.
    pub tx_hash: Option<String>,
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
    /// Why the transaction failed, or could not be sent or confirmed.
    pub failure: Option<String>,
}

/// A chain the keeper can drive: the router's views, its epoch operations
/// and the epoch height. Implemented by the in-process localnet
/// (`integration-tests`) and by the operator CLI's near-api client.
pub trait EpochChain {
    /// The router's view `method` with JSON `args`, as JSON.
    fn router_view(&mut self, method: &str, args: Value) -> Result<Value, ChainError>;

    /// Calls the router's `op` (arguments `{}`, no deposit) with `gas`
    /// attached, signed by the keeper's account, and waits for the final
    /// outcome. Never panics on a failed or unsent transaction: that is
    /// [`OpOutcome::failure`].
    fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome;

    /// The chain's current epoch height (the protocol's, which the router
    /// reads as `env::epoch_height()`).
    fn epoch_height(&mut self) -> Result<u64, ChainError>;
}

/// One call the keeper made.
#[derive(Clone, Debug)]
pub struct KeeperCall {
    pub op: &'static str,
    pub epoch: u64,
    /// What the operation returned: more work pending (`None` when the
    /// transaction failed).
    pub more: Option<bool>,
    /// The transaction's hash, when the chain has one (JSON-RPC).
    pub tx_hash: Option<String>,
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

impl KeeperCall {
    /// The validator the call acted on, from its `epoch_attempt` event
    /// (`None`: the call found nothing to do, or only pushed the pool
    /// state).
    pub fn validator(&self) -> Option<&str> {
        self.events
            .iter()
            .find(|(e, _)| e == "epoch_attempt")
            .and_then(|(_, d)| d["validator_id"].as_str())
    }

    /// Whether a validator's call failed inside the transaction (the
    /// router's `epoch_failed`, handled: the transaction still succeeds).
    pub fn validator_failed(&self) -> bool {
        self.events.iter().any(|(e, _)| e == "epoch_failed")
    }
}

impl fmt::Display for KeeperCall {
    /// One log line: epoch, operation, validator, tx hash, gas, result.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "epoch {} {:15} validator {:24} tx {:44} gas {:6.2} Tgas -> ",
            self.epoch,
            self.op,
            self.validator().unwrap_or("-"),
            self.tx_hash.as_deref().unwrap_or("-"),
            self.gas_burnt.as_gas() as f64 / 1e12,
        )?;
        match (self.more, &self.failure) {
            (Some(more), _) => write!(f, "{more}")?,
            (None, Some(why)) => write!(f, "FAILED: {why}")?,
            (None, None) => write!(f, "no answer")?,
        }
        if self.validator_failed() {
            write!(
                f,
                " (the validator's call failed; the router rolled it back)"
            )?;
        }
        Ok(())
    }
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

    /// Gas burnt by every call of the round.
    pub fn gas_burnt(&self) -> Gas {
        Gas::from_gas(self.calls.iter().map(|c| c.gas_burnt.as_gas()).sum())
    }

    /// The round in one line: epoch, calls per operation, gas, what is
    /// left. The CLI logs it after every round.
    pub fn summary(&self) -> String {
        let epoch = self
            .status_after
            .as_ref()
            .map(|s| s.epoch_height)
            .or_else(|| self.calls.first().map(|c| c.epoch))
            .unwrap_or_default();
        let per_op = EPOCH_OPS
            .iter()
            .map(|op| {
                let short = op.trim_start_matches("epoch_");
                format!("{short} {}", self.calls_of(op).count())
            })
            .collect::<Vec<_>>()
            .join(", ");
        let moved = self
            .calls
            .iter()
            .filter(|c| c.validator().is_some())
            .count();
        let failed = self.events("epoch_failed").len();
        let left = match &self.status_after {
            Some(s) if !s.work_pending => "no work left".to_string(),
            Some(s) => format!(
                "work left (validators to sync {}, calls in flight {}, unplaced {} yocto)",
                s.validators_to_sync, s.calls_in_flight, s.unplaced_stake.0
            ),
            None => "status unknown".to_string(),
        };
        format!(
            "round of epoch {epoch}: {} calls ({per_op}), {moved} on validators, {failed} \
             validator calls failed, {:.2} Tgas; {left}",
            self.calls.len(),
            self.gas_burnt().as_gas() as f64 / 1e12,
        )
    }
}

/// A keeper problem: an operation that failed as a transaction or would
/// not stop, or a chain that did not answer.
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
    /// Adds a round's calls (the demo and the figures call it per round).
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

impl Keeper {
    /// One round: every operation until it says it has no more work. Costs
    /// one transaction per call (at least one per operation) and two views.
    pub fn run_round<C: EpochChain + ?Sized>(
        &self,
        chain: &mut C,
    ) -> Result<KeeperReport, KeeperError> {
        self.run_round_logged(chain, &mut |_| {})
    }

    /// [`Keeper::run_round`], handing every call to `on_call` as soon as it
    /// returns (the CLI logs them live).
    pub fn run_round_logged<C: EpochChain + ?Sized>(
        &self,
        chain: &mut C,
        on_call: &mut dyn FnMut(&KeeperCall),
    ) -> Result<KeeperReport, KeeperError> {
        let mut report = KeeperReport::default();
        for op in EPOCH_OPS {
            // A paused router refuses new stake (`E_STAKING_PAUSED`) and
            // reports no stake work: nothing to call.
            if op == "epoch_stake" {
                match chain.router_view("is_staking_paused", json!({})) {
                    Ok(Value::Bool(true)) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        return Err(KeeperError {
                            op,
                            detail: format!("is_staking_paused: {e}"),
                            report: Box::new(report),
                        })
                    }
                }
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
                let call = self.call(chain, op);
                on_call(&call);
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
        let status = chain
            .router_view("get_epoch_status", json!({}))
            .and_then(|v| serde_json::from_value(v).map_err(|e| ChainError(e.to_string())));
        match status {
            Ok(s) => report.status_after = Some(s),
            Err(e) => {
                return Err(KeeperError {
                    op: "get_epoch_status",
                    detail: e.to_string(),
                    report: Box::new(report),
                })
            }
        }
        Ok(report)
    }

    /// One call of `op`: one transaction with this keeper's gas.
    pub fn call<C: EpochChain + ?Sized>(&self, chain: &mut C, op: &'static str) -> KeeperCall {
        let epoch = chain.epoch_height().unwrap_or_default();
        let gas = self.gas.unwrap_or_else(|| minimum_gas(op));
        let out = chain.call_epoch_op(op, gas);
        KeeperCall {
            op,
            epoch,
            more: out.more,
            tx_hash: out.tx_hash,
            gas_burnt: out.gas_burnt,
            router_gas_burnt: out.router_gas_burnt,
            events: out.events,
            receipt_failures: out.receipt_failures,
            callbacks: out.callbacks,
            failure: out.failure,
        }
    }

    /// Runs rounds as a service: a round as soon as an epoch starts that
    /// has had none from this keeper (checked every `poll`, by the chain's
    /// epoch height, not a clock), then waits for the next epoch. A round
    /// that fails is retried after a backoff (`poll` doubled per failure,
    /// at most 64 times); after `max_failures` failures in a row it stops
    /// with the last error. A round that ends with work the router cannot
    /// do now (a failed validator, all capped) is not a failure: the router
    /// says so in its status, which the summary shows.
    ///
    /// The CLI's `keeper` runs this; `sleep` is `std::thread::sleep` there
    /// and a fake in tests. Costs what the rounds cost plus one
    /// `epoch_height` query per poll.
    pub fn run<C: EpochChain + ?Sized>(
        &self,
        chain: &mut C,
        options: &RunOptions,
        sleep: &mut dyn FnMut(Duration),
        log: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<RunSummary, KeeperError> {
        let mut summary = RunSummary::default();
        let mut done_epoch: Option<u64> = None;
        let mut failures = 0u32;
        loop {
            let attempt = match chain.epoch_height() {
                Err(e) => Err(KeeperError {
                    op: "epoch_height",
                    detail: e.to_string(),
                    report: Box::default(),
                }),
                Ok(epoch) if done_epoch == Some(epoch) => Ok(None),
                Ok(epoch) => {
                    log(RunEvent::RoundStart { epoch });
                    self.run_round_logged(chain, &mut |c| log(RunEvent::Call(c)))
                        .map(|r| Some((epoch, r)))
                }
            };
            match attempt {
                Ok(None) => {}
                Ok(Some((epoch, report))) => {
                    failures = 0;
                    done_epoch = Some(epoch);
                    summary.rounds += 1;
                    summary.calls += report.calls.len();
                    log(RunEvent::Round(&report));
                    summary.last = Some(report);
                    if options.once || options.rounds.is_some_and(|n| summary.rounds >= n) {
                        return Ok(summary);
                    }
                }
                Err(e) => {
                    failures += 1;
                    summary.failures += 1;
                    log(RunEvent::Failure {
                        error: &e,
                        in_a_row: failures,
                    });
                    if options.once || failures >= options.max_failures {
                        return Err(e);
                    }
                    sleep(options.poll * 2u32.pow(failures.min(6)));
                    continue;
                }
            }
            sleep(options.poll);
        }
    }
}

/// How [`Keeper::run`] runs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// One round (in the current epoch, whatever was done before), then stop.
    pub once: bool,
    /// Stop after this many rounds (`None`: run until stopped).
    pub rounds: Option<u64>,
    /// How often the epoch height is read while waiting.
    pub poll: Duration,
    /// Failed rounds in a row before giving up.
    pub max_failures: u32,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            once: false,
            rounds: None,
            // A block is about a second; an epoch 12 hours: polling each
            // half minute starts the round early and costs one cheap query.
            poll: Duration::from_secs(30),
            max_failures: 5,
        }
    }
}

/// What [`Keeper::run`] reports as it goes.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// A round starts in `epoch`.
    RoundStart { epoch: u64 },
    /// A call returned.
    Call(&'a KeeperCall),
    /// A round finished.
    Round(&'a KeeperReport),
    /// A round failed (or the chain did not answer).
    Failure {
        error: &'a KeeperError,
        in_a_row: u32,
    },
}

/// What [`Keeper::run`] did before it stopped.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    pub rounds: u64,
    pub calls: usize,
    /// Failed rounds (retried).
    pub failures: u64,
    pub last: Option<KeeperReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A router whose operations each have `work[op]` calls of work, and a
    /// clock of epochs the test moves.
    struct Fake {
        epoch: u64,
        work: BTreeMap<&'static str, u32>,
        fail_next: u32,
        sent: Vec<&'static str>,
    }

    impl EpochChain for Fake {
        fn router_view(&mut self, method: &str, _: Value) -> Result<Value, ChainError> {
            match method {
                "is_staking_paused" => Ok(json!(false)),
                "get_epoch_status" => Ok(json!({
                    "epoch_height": self.epoch, "validators_to_sync": 0,
                    "pool_state_push_pending": false, "withdraw_pending": false,
                    "unstake_pending": false, "unstake_backlog": "0", "unstake_blocked": false,
                    "stake_pending": false, "rebalance_pending": false, "unplaced_stake": "0",
                    "calls_in_flight": 0, "work_pending": false, "staking_paused": false
                })),
                other => Err(ChainError(format!("no view {other}"))),
            }
        }

        fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
            assert_eq!(gas, minimum_gas(op));
            self.sent.push(op);
            if self.fail_next > 0 {
                self.fail_next -= 1;
                return OpOutcome {
                    failure: Some("rate limited".into()),
                    ..Default::default()
                };
            }
            let left = self.work.entry(op).or_default();
            let more = *left > 0;
            *left = left.saturating_sub(1);
            OpOutcome {
                more: Some(more),
                tx_hash: Some("h".into()),
                ..Default::default()
            }
        }

        fn epoch_height(&mut self) -> Result<u64, ChainError> {
            Ok(self.epoch)
        }
    }

    fn fake() -> Fake {
        Fake {
            epoch: 7,
            work: BTreeMap::from([("epoch_sync", 2), ("epoch_stake", 1)]),
            fail_next: 0,
            sent: Vec::new(),
        }
    }

    #[test]
    fn a_round_calls_each_operation_until_false_in_order() {
        let mut chain = fake();
        let keeper = Keeper {
            gas: None,
            ..Keeper::default()
        };
        let report = keeper.run_round(&mut chain).unwrap();
        assert_eq!(
            chain.sent,
            [
                "epoch_sync",
                "epoch_sync",
                "epoch_sync",
                "epoch_withdraw",
                "epoch_unstake",
                "epoch_stake",
                "epoch_stake",
                "epoch_rebalance"
            ]
        );
        assert!(report.finished());
        assert!(report
            .summary()
            .contains("8 calls (sync 3, withdraw 1, unstake 1, stake 2, rebalance 1)"));
    }

    #[test]
    fn the_service_waits_for_the_next_epoch_and_gives_up_after_failures_in_a_row() {
        let keeper = Keeper {
            gas: None,
            ..Keeper::default()
        };
        let options = RunOptions {
            rounds: Some(2),
            poll: Duration::from_millis(1),
            ..RunOptions::default()
        };
        // Two rounds: one in epoch 7, then polls until the epoch moves.
        let mut chain = fake();
        // The epoch moves on the fourth poll.
        let mut sleep = |_| {};
        let mut events = Vec::new();
        let mut epochs = [7u64, 7, 7, 8].into_iter();
        struct Moving<'a> {
            inner: &'a mut Fake,
            epochs: &'a mut dyn Iterator<Item = u64>,
        }
        impl EpochChain for Moving<'_> {
            fn router_view(&mut self, m: &str, a: Value) -> Result<Value, ChainError> {
                self.inner.router_view(m, a)
            }
            fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
                self.inner.call_epoch_op(op, gas)
            }
            fn epoch_height(&mut self) -> Result<u64, ChainError> {
                if let Some(e) = self.epochs.next() {
                    self.inner.epoch = e;
                }
                Ok(self.inner.epoch)
            }
        }
        let mut moving = Moving {
            inner: &mut chain,
            epochs: &mut epochs,
        };
        let summary = keeper
            .run(&mut moving, &options, &mut sleep, &mut |e| {
                events.push(format!("{e:?}").chars().take(12).collect::<String>())
            })
            .unwrap();
        assert_eq!(summary.rounds, 2);
        assert_eq!(summary.failures, 0);
        assert_eq!(
            events
                .iter()
                .filter(|e| e.starts_with("RoundStart"))
                .count(),
            2
        );

        // Failing every time: stops after `max_failures` rounds in a row.
        let mut chain = fake();
        chain.fail_next = u32::MAX;
        let err = keeper
            .run(&mut chain, &options, &mut |_| {}, &mut |_| {})
            .unwrap_err();
        assert_eq!(err.op, "epoch_sync");
        assert_eq!(chain.sent.len(), options.max_failures as usize);

        // One failure, then the retry succeeds.
        let mut chain = fake();
        chain.fail_next = 1;
        let once = RunOptions {
            rounds: Some(1),
            ..options
        };
        let summary = keeper
            .run(&mut chain, &once, &mut |_| {}, &mut |_| {})
            .unwrap();
        assert_eq!((summary.rounds, summary.failures), (1, 1));
    }
}
