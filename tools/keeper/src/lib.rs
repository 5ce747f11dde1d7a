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

mod chain;
mod gas_stats;
mod report;
mod round;
mod service;

pub use chain::{
    minimum_gas, ChainError, EpochChain, Gas, OpOutcome, EPOCH_OPS, GAS_BEFORE_CHECK, KEEPER_GAS,
};
pub use gas_stats::{GasFigures, GasStats};
pub use report::{KeeperCall, KeeperError, KeeperReport};
pub use round::Keeper;
pub use service::{RunEvent, RunOptions, RunSummary};

#[cfg(test)]
mod tests;
