//! Process-wide cache of compiled contracts.
//!
//! Compiling a contract with cranelift takes far longer than running a call,
//! so every `Localnet` in a process shares one cache keyed by code hash (and
//! the VM configuration, which near-vm-runner folds into the key). It is
//! nearcore's own `FilesystemContractRuntimeCache`: an in-memory layer that
//! keeps contracts linked and ready to instantiate, over a directory of
//! compiled artifacts, so a second test binary skips compilation too.
//!
//! The directory is `$LOCALNET_CONTRACT_CACHE_DIR` when set, otherwise
//! `localnet-contract-cache` under the system temporary directory.

use near_vm_runner::{ContractRuntimeCache, FilesystemContractRuntimeCache};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Compiled contracts kept linked in memory.
const MEMORY_CACHE_CONTRACTS: usize = 64;
/// Upper bound of the on-disk artifacts; older ones are evicted first.
const DISK_CACHE_BYTES: u64 = 1 << 30;

/// Where compiled artifacts are kept on disk.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("LOCALNET_CONTRACT_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("localnet-contract-cache"))
}

/// The shared cache; created on first use.
pub fn shared() -> &'static dyn ContractRuntimeCache {
    static CACHE: OnceLock<FilesystemContractRuntimeCache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = cache_dir();
        FilesystemContractRuntimeCache::with_memory_cache(
            &dir,
            None::<&str>,
            "compiled",
            MEMORY_CACHE_CONTRACTS,
            None,
            DISK_CACHE_BYTES,
            near_vm_runner::noop_background_spawner(),
        )
        .unwrap_or_else(|err| {
            panic!(
                "localnet: cannot open the contract cache in {}: {err}",
                dir.display()
            )
        })
    })
}
