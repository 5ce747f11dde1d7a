//! What the keeper needs of a chain ([`EpochChain`]) and the gas it
//! attaches.

use std::fmt;

use serde_json::Value;

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
