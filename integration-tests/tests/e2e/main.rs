//! Every end-to-end test of the protocol, in one test binary.
//!
//! Each module was once a test target of its own; each linked localnet
//! (nearcore's runtime and wasmtime), so thirty copies of the same 60 MB
//! took gigabytes of disk and minutes of linking in every cold `make test`.
//! One binary links it once. Select a module with its path as the filter:
//! `cargo test -p integration-tests --test e2e router_pause::`.

// The router on the in-process chain: the harness, keeper and invariants.
mod router_attack_donation;
mod router_attack_restake;
mod router_attack_storage;
mod router_caps;
mod router_epoch_change;
mod router_faults;
mod router_gas;
mod router_invariants;
mod router_lockup;
mod router_malformed_reply;
mod router_meta;
mod router_pause;
mod router_pool_loss;
mod router_scenario;
mod router_validator_set;

// Randomized invariant runs (`make fuzz` runs the ignored `fuzz`).
mod invariant_runs;

// The DAO cycle, its safety rails and upgrades through it.
mod governance_cycle;
mod governance_meta_wallet_transfers;
mod governance_safety;
mod upgrade_dao;

// near-workspaces on localnet's JSON-RPC node, and what wallets, explorers
// and the dashboard read from it.
mod contract_metadata;
mod wallet_views;
mod workspaces_dao;
mod workspaces_dashboard;
mod workspaces_ft;
mod workspaces_lockup;
mod workspaces_near_api_js;
mod workspaces_staking;
mod workspaces_suite;

// `make demo`, shortened.
mod demo;
