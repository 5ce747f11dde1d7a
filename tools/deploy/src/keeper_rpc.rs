//! The keeper on a JSON-RPC node: [`RpcChain`] is the [`EpochChain`] the
//! CLI's `keeper` drives with the shared [`keeper::Keeper`] loop (the same
//! loop the localnet tests and the demo run on the in-process chain).

use crate::chain::{self, Chain, Key};
use keeper::{ChainError, EpochChain, Gas, OpOutcome};
use near_api::types::transaction::actions::FunctionCallAction;
use near_api::types::Action;
use near_primitives::types::AccountId;
use near_token::NearToken;
use serde_json::{json, Value};

/// A router on an RPC node, called by one keeper account.
///
/// Owns a tokio runtime and blocks on each request: the keeper's trait is
/// synchronous (see `keeper`'s crate doc), and a keeper waits for each
/// call's final outcome anyway. So it must not be used from inside another
/// runtime's task (the CLI calls it from `main`'s thread, the tests from
/// plain threads).
pub struct RpcChain {
    runtime: tokio::runtime::Runtime,
    chain: Chain,
    key: Key,
    router: AccountId,
}

impl RpcChain {
    /// A keeper client for `router`, signing as `key.account_id` (any
    /// account: a function-call key limited to the router's epoch methods
    /// is enough).
    pub fn new(chain: Chain, key: Key, router: AccountId) -> anyhow::Result<RpcChain> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(RpcChain {
            runtime,
            chain,
            key,
            router,
        })
    }

    /// The connection, for checks before the loop (chain id).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The node connection.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }
}

/// The router's `epoch_*` events in the logs of its own receipts.
fn router_events(logs: &[String]) -> Vec<(String, Value)> {
    logs.iter()
        .filter_map(|l| l.strip_prefix("EVENT_JSON:"))
        .filter_map(|j| serde_json::from_str::<Value>(j).ok())
        .filter_map(|v| {
            let event = v["event"].as_str()?.to_string();
            event
                .starts_with("epoch_")
                .then(|| (event, v.get("data").cloned().unwrap_or(Value::Null)))
        })
        .collect()
}

impl EpochChain for RpcChain {
    fn router_view(&mut self, method: &str, args: Value) -> Result<Value, ChainError> {
        self.runtime
            .block_on(self.chain.view(&self.router, method, args))
            .map_err(|e| ChainError(format!("{e:#}")))
    }

    /// One transaction: `op({})` with `gas`, no deposit. The outcome's
    /// receipts give the gas, the router's events (from its own receipts'
    /// logs) and failed receipts; the RPC does not say which receipts are
    /// callbacks, so `callbacks` stays empty here.
    fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
        let action = Action::FunctionCall(Box::new(FunctionCallAction {
            method_name: op.to_string(),
            args: b"{}".to_vec(),
            gas,
            deposit: NearToken::ZERO,
        }));
        let sent = self.runtime.block_on(self.chain.send(
            &self.key.account_id,
            &self.key,
            &self.router,
            vec![action],
        ));
        let outcome = match sent {
            Ok(o) => o,
            Err(e) => {
                return OpOutcome {
                    failure: Some(format!("{e:#}")),
                    ..OpOutcome::default()
                }
            }
        };
        let router = chain::api_account(&self.router);
        let receipts = outcome.receipt_outcomes();
        let events = receipts
            .iter()
            .filter(|r| r.executor_id == router)
            .flat_map(|r| router_events(&r.logs))
            .collect();
        let router_gas_burnt = receipts
            .iter()
            .find(|r| r.executor_id == router)
            .map_or(Gas::from_gas(0), |r| r.gas_burnt);
        let receipt_failures = receipts.iter().filter(|r| r.is_failure()).count();
        let tx_hash = Some(chain::tx_hash(&outcome));
        let gas_burnt = outcome.total_gas_burnt;
        let (more, failure) = match outcome.into_result() {
            Ok(success) => match success.json::<bool>() {
                Ok(more) => (Some(more), None),
                Err(e) => (None, Some(format!("{op} returned no boolean: {e}"))),
            },
            Err(failure) => (None, Some(failure.to_string())),
        };
        OpOutcome {
            more,
            tx_hash,
            gas_burnt,
            router_gas_burnt,
            events,
            receipt_failures,
            callbacks: Vec::new(),
            failure,
        }
    }

    /// The epoch as the router sees it (`get_epoch_status().epoch_height`,
    /// its `env::epoch_height()` at the final block): the epoch its
    /// operations act in.
    fn epoch_height(&mut self) -> Result<u64, ChainError> {
        let status = self.router_view("get_epoch_status", json!({}))?;
        status["epoch_height"]
            .as_u64()
            .ok_or_else(|| ChainError(format!("get_epoch_status without epoch_height: {status}")))
    }
}
