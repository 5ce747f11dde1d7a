//! The keeper on the in-process chain: [`System`] is an [`EpochChain`], so
//! the tests and the demo run the one keeper (`tools/keeper`, re-exported
//! here) that the operator CLI runs against a JSON-RPC node.
//!
//! Every call goes through `System::call_router`, so the stakes it causes
//! are checked against the caps by the invariants, and the keeper signs as
//! `System::keeper_account`.

pub use keeper::{
    minimum_gas, ChainError, EpochChain, GasFigures, GasStats, Keeper, KeeperCall, KeeperError,
    KeeperReport, OpOutcome, RunEvent, RunOptions, RunSummary, EPOCH_OPS, GAS_BEFORE_CHECK,
    KEEPER_GAS,
};

use localnet::{ActionSummary, Gas, ReceiptStatus};
use serde_json::{json, Value};

use crate::suite::System;

impl EpochChain for System {
    /// The router's view; a view the router refuses is an error (the
    /// keeper reports it), not a panic.
    fn router_view(&mut self, method: &str, args: Value) -> Result<Value, ChainError> {
        self.net
            .view(&self.router, method, args)
            .map_err(|e| ChainError(format!("view {}.{method}: {e:?}", self.router)))
    }

    fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
        let keeper = self.keeper_account.clone();
        let out = self.call_router(&keeper, op, json!({}), 0, gas);
        let router_gas_burnt = out
            .receipts
            .iter()
            .find(|r| r.receiver_id == self.router && r.parent.is_none())
            .map_or(Gas::from_gas(0), |r| r.gas_burnt);
        let events = out
            .events()
            .into_iter()
            .filter(|e| e.emitter == self.router && e.event.starts_with("epoch_"))
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
            .filter(|r| r.receiver_id == self.router && r.predecessor_id == self.router)
            .filter_map(|r| match r.actions.first() {
                Some(ActionSummary::FunctionCall { method, .. }) => {
                    Some((method.clone(), r.gas_burnt))
                }
                _ => None,
            })
            .collect();
        OpOutcome {
            more: out.json::<bool>().ok().filter(|_| out.is_success()),
            tx_hash: Some(out.transaction.hash.to_string()),
            gas_burnt: out.total_gas_burnt(),
            router_gas_burnt,
            events,
            receipt_failures,
            callbacks,
            failure: out.failure_message(),
        }
    }

    fn epoch_height(&mut self) -> Result<u64, ChainError> {
        Ok(self.net.epoch_height())
    }
}
