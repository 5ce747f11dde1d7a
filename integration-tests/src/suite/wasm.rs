//! The contracts under test, read from `res/` (written by `make build` or
//! `scripts/build-wasm.sh`).

use std::path::PathBuf;

/// The bytes of `res/<name>`, or of `$META_RES_DIR/<name>` when that is
/// set: a long randomized run can test a copy of one build while `res/` is
/// rebuilt.
///
/// # Panics
/// When the file is missing: the wasm has not been built.
pub fn wasm(name: &str) -> Vec<u8> {
    let path: PathBuf = match std::env::var_os("META_RES_DIR") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => [env!("CARGO_MANIFEST_DIR"), "..", "res", name]
            .iter()
            .collect(),
    };
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the contracts first (`make build` or scripts/build-wasm.sh)",
            path.display()
        )
    })
}

pub const ROUTER_WASM: &str = "meta_pool.wasm";
pub const SNEAR_WASM: &str = "snear.wasm";
/// sNEAR built with its `test` feature: fault switches.
pub const SNEAR_FAULTS_WASM: &str = "snear_faults.wasm";
pub const GOVERNANCE_WASM: &str = "governance.wasm";
pub const WHITELIST_WASM: &str = "test_whitelist.wasm";
pub const POOL_WASM: &str = "test_pool.wasm";
pub const POOL_FAULTS_WASM: &str = "test_pool_faults.wasm";
pub const LOCKUP_WASM: &str = "test_lockup.wasm";
