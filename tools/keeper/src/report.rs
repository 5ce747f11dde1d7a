//! What a round did: each call ([`KeeperCall`]), the round
//! ([`KeeperReport`]) and why one failed ([`KeeperError`]).

use std::fmt;

use meta_pool::views::EpochStatus;
use serde_json::Value;

use crate::chain::{Gas, EPOCH_OPS};

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
