//! Helpers shared by localnet's integration tests.
#![allow(dead_code)]

use localnet::{AccountId, Localnet, NearToken};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The probe contract's wasm, built by `make build` into `res/`.
pub fn probe_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../res/localnet_probe.wasm");
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; run `make build` first",
                path.display()
            )
        })
    })
}

pub fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

/// Deploys and initialises the probe on a new account `id`.
pub fn deploy_probe(net: &mut Localnet, id: &str, balance: NearToken) -> AccountId {
    let account = net.create_and_deploy(id, balance, probe_wasm());
    net.call(&account, &account, "new")
        .transact()
        .assert_success();
    account
}

/// A chain with `alice.near` (100 NEAR) and probes on `a.near`, `b.near`, `c.near`.
pub fn setup() -> (Localnet, AccountId, [AccountId; 3]) {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(100));
    let a = deploy_probe(&mut net, "a.near", near(50));
    let b = deploy_probe(&mut net, "b.near", near(50));
    let c = deploy_probe(&mut net, "c.near", near(50));
    (net, alice, [a, b, c])
}
