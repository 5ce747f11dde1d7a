//! End-to-end tests of the protocol on a NEAR node.
//!
//! - `workspaces`: setup shared by the near-workspaces tests
//!   (`tests/e2e/workspaces_*.rs`), which run on localnet's JSON-RPC node or on
//!   a real near-sandbox (see the module and `README.md`).

pub mod workspaces;

// The router harness on the in-process chain (`tests/e2e/router_*.rs`):
// - `suite`: deploys the whole system on localnet (whitelist, validator
//   pools, sNEAR, governance, the seeded router) and drives it: stakers
//   (liquid, lockup-named, lockup contracts), fault switches, epochs, and the
//   state readouts the invariants need;
// - `keeper`: calls the router's epoch operations until none has work left,
//   reporting every call and its gas;
// - `invariants`: DESIGN §7, one named check each, returning a descriptive
//   error so randomized runs can print the failing seed and step.
pub mod invariants;
pub mod keeper;
pub mod owed;
pub mod suite;

// The DAO on the same chain (`tests/e2e/governance_*.rs`): voters who earned
// META by staking and claimed it, proposals through their whole cycle.
pub mod dao;

// The demo (`make demo`, `src/bin/demo.rs`): a seeded simulation of the
// whole system over many epochs, printed epoch by epoch and charted.
pub mod demo;

// Randomized invariant runs (`tests/e2e/invariant_runs.rs`): seeded random
// scenarios on the whole system, every invariant after each step.
pub mod random;

// The seeded generator both of them draw from.
pub mod rng;
