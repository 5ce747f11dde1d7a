//! localnet throughput: calls per second and contract compilation, cold and cached.
//!
//! Run with `cargo bench -p localnet` (or `make bench`) after `make build`.
//! Prints a table; asserts nothing about time.

use localnet::{AccountId, Gas, Localnet, NearToken};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SIMPLE_CALLS: u32 = 2_000;
const CROSS_CALLS: u32 = 500;

fn probe_wasm() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../res/localnet_probe.wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `make build` first",
            path.display()
        )
    })
}

fn setup(wasm: &[u8]) -> (Localnet, AccountId, AccountId, AccountId) {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", NearToken::from_near(1_000_000));
    let probe = |net: &mut Localnet, id: &str| {
        let id = net.create_and_deploy(id, NearToken::from_near(1_000), wasm);
        net.call(&id, &id, "new").transact().assert_success();
        id
    };
    let a = probe(&mut net, "a.near");
    let b = probe(&mut net, "b.near");
    (net, alice, a, b)
}

fn per_second(n: u32, d: Duration) -> f64 {
    f64::from(n) / d.as_secs_f64()
}

fn main() {
    // A private, empty compiled-contract cache, so the first call compiles cold.
    let cache_dir = std::env::temp_dir().join(format!("localnet-bench-{}", std::process::id()));
    // SAFETY: set before any thread starts and before the cache is first used.
    unsafe { std::env::set_var("LOCALNET_CONTRACT_CACHE_DIR", &cache_dir) };
    let wasm = probe_wasm();

    let mut net = Localnet::new();
    let cold_account = net.create_and_deploy("cold.near", NearToken::from_near(100), &wasm);
    let start = Instant::now();
    net.call(&cold_account, &cold_account, "new")
        .transact()
        .assert_success();
    let cold_first_call = start.elapsed();

    let mut other = Localnet::new();
    let warm_account = other.create_and_deploy("warm.near", NearToken::from_near(100), &wasm);
    let start = Instant::now();
    other
        .call(&warm_account, &warm_account, "new")
        .transact()
        .assert_success();
    let cached_first_call = start.elapsed();

    let (mut net, alice, a, b) = setup(&wasm);
    let start = Instant::now();
    for _ in 0..SIMPLE_CALLS {
        net.call(&alice, &a, "ping")
            .gas(Gas::from_tgas(10))
            .transact()
            .assert_success();
    }
    let simple = start.elapsed();

    let start = Instant::now();
    for _ in 0..CROSS_CALLS {
        net.call(&alice, &a, "call_then")
            .args_json(
                json!({"target": b, "method": "ping", "args": "", "deposit": "0", "gas_tgas": 20}),
            )
            .gas(Gas::from_tgas(100))
            .transact()
            .assert_success();
    }
    let cross = start.elapsed();

    let start = Instant::now();
    net.advance_epochs(10_000);
    let epochs = start.elapsed();

    println!();
    println!(
        "localnet benchmark (probe contract, {} KiB of wasm)",
        wasm.len() / 1024
    );
    println!("{:<52} {:>14}", "measure", "result");
    println!("{:-<52} {:->14}", "", "");
    println!(
        "{:<52} {:>10.0} /s",
        "simple call (ping: storage write, log, event)",
        per_second(SIMPLE_CALLS, simple)
    );
    println!(
        "{:<52} {:>10.0} /s",
        "cross-contract call with callback (4 receipts)",
        per_second(CROSS_CALLS, cross)
    );
    println!(
        "{:<52} {:>11.1} ms",
        "first call, contract compiled cold",
        cold_first_call.as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>11.1} ms",
        "first call, contract already compiled (cached)",
        cached_first_call.as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>11.1} ms",
        "advance 10,000 epochs (432M blocks)",
        epochs.as_secs_f64() * 1e3
    );
    println!();
    let _ = std::fs::remove_dir_all(&cache_dir);
}
