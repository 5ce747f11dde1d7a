//! The production wasm exposes exactly the core staking pool's methods and the
//! fault build exactly those plus the fault switches: read from the export
//! sections of res/test_pool.wasm and res/test_pool_faults.wasm, which
//! `scripts/build-wasm.sh test-pool` (and `make build`) writes.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The near/core-contracts `staking-pool` methods.
const CORE_METHODS: [&str; 28] = [
    "new",
    "ping",
    "deposit",
    "deposit_and_stake",
    "withdraw",
    "withdraw_all",
    "stake",
    "stake_all",
    "unstake",
    "unstake_all",
    "get_account_staked_balance",
    "get_account_unstaked_balance",
    "get_account_total_balance",
    "is_account_unstaked_balance_available",
    "get_total_staked_balance",
    "get_owner_id",
    "get_reward_fee_fraction",
    "get_staking_key",
    "is_staking_paused",
    "get_account",
    "get_accounts",
    "get_number_of_accounts",
    "on_stake_action",
    "update_staking_key",
    "update_reward_fee_fraction",
    "vote",
    "pause_staking",
    "resume_staking",
];

/// Added to every contract by near-sdk 5 (NEP-330 source metadata).
const SDK_METHODS: [&str; 1] = ["contract_source_metadata"];

const FAULT_METHODS: [&str; 10] = [
    "fault_fail_next_calls",
    "fault_fail_views",
    "fault_balance_delta",
    "fault_pause_staking",
    "fault_burn_gas",
    "fault_lose_principal",
    "fault_malformed_reply",
    "fault_reset",
    "get_faults",
    "fault_injected_failure",
];

fn exported_functions(name: &str) -> BTreeSet<String> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "res", name]
        .iter()
        .collect();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build it first with `scripts/build-wasm.sh test-pool` (make test does)",
            path.display()
        )
    });
    let mut names = BTreeSet::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ExportSection(exports) = payload.unwrap() {
            for export in exports {
                let export = export.unwrap();
                if export.kind == wasmparser::ExternalKind::Func {
                    names.insert(export.name.to_string());
                }
            }
        }
    }
    names
}

fn set(groups: &[&[&str]]) -> BTreeSet<String> {
    groups
        .iter()
        .flat_map(|g| g.iter().map(|m| m.to_string()))
        .collect()
}

#[test]
fn the_production_wasm_has_exactly_the_core_interface() {
    assert_eq!(
        exported_functions("test_pool.wasm"),
        set(&[&CORE_METHODS, &SDK_METHODS])
    );
}

#[test]
fn the_fault_wasm_adds_exactly_the_fault_switches() {
    assert_eq!(
        exported_functions("test_pool_faults.wasm"),
        set(&[&CORE_METHODS, &SDK_METHODS, &FAULT_METHODS])
    );
}
