//! One round: each operation until it returns `false`.

use serde_json::{json, Value};

use crate::chain::{minimum_gas, ChainError, EpochChain, Gas, EPOCH_OPS, KEEPER_GAS};
use crate::report::{KeeperCall, KeeperError, KeeperReport};

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
}
