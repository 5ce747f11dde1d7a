//! The protocol's figures on localnet (`make bench`, or
//! `cargo run -p integration-tests --example figures` after `make build`):
//! gas burnt by every user, keeper and DAO call (whole transaction: every
//! receipt), storage per holder, lockup and validator (measured as
//! `storage_usage` deltas of the contract accounts), wasm sizes, the largest
//! validator list each epoch operation handles in one transaction, and
//! sNEAR's transfers against near-contract-standards' fungible token.
//!
//! localnet's gas is deterministic, so every figure printed on stdout is the
//! same on every run and machine; only the wall time (stderr) varies. The
//! tables are Markdown, kept in docs/BENCHMARKS.md.

mod dao_figures;
mod flows;
mod scaling;
mod table;

use std::path::PathBuf;
use std::time::Instant;

use integration_tests::keeper::{GasFigures, EPOCH_OPS};
use localnet::Gas;
use meta_pool::config::MAX_VALIDATORS;

use flows::{Flows, GasRow};
use scaling::SizeRun;
use table::{bytes, tgas, tgas6, tgas_raw, Table};

/// near-contract-standards' fungible-token example (near-sdk 5.30), built
/// with this repository's wasm toolchain and flags and measured on this
/// localnet with the same accounts and amounts as `flows::transfers`: its
/// `ft_transfer` receipt and its whole `ft_transfer_call` transaction to
/// res/test_ft_receiver.wasm with a partial refund. Recorded, not rebuilt
/// (the example's code is not part of this repository); the same figures
/// bound sNEAR's in contracts/snear/tests/localnet.rs
/// (`transfers_cost_at_most_the_standard_token_and_the_upgrade_entry_points`) and are described in
/// docs/ARCHITECTURE.md ("sNEAR", gas).
const STANDARD_FT_TRANSFER_RECEIPT: Gas = Gas::from_gas(1_721_987_741_879);
const STANDARD_FT_TRANSFER_CALL_TX: Gas = Gas::from_gas(5_890_935_168_213);

/// One transaction's gas limit.
const TX_GAS: u64 = 300_000_000_000_000;

fn main() {
    let start = Instant::now();
    println!("# Figures on localnet (deterministic: the same numbers on every run)");
    println!();
    println!("Gas is what the whole transaction burnt: its conversion and every");
    println!("receipt it caused, callbacks and cross-contract calls included.");
    print_wasm_sizes();

    eprintln!("figures: user flows with 5 validators...");
    let flows = flows::run();
    eprintln!("figures: DAO cycle...");
    let dao = dao_figures::run();
    eprintln!("figures: validator list sizes...");
    let runs = scaling::search(|r| {
        eprintln!(
            "figures:   {} validators: {}",
            r.validators,
            if r.fits() {
                "every operation fits"
            } else {
                "a call failed"
            }
        )
    });

    print_gas("Gas per call (Tgas)", &flows.gas);
    print_epoch_ops(&flows);
    print_gas("Gas of the DAO's calls (Tgas)", &dao);
    print_ft_comparison(&flows);
    print_storage(&flows);
    print_scaling(&runs);
    println!();
    eprintln!(
        "figures: done in {:.1} s wall (not a figure: varies with the machine)",
        start.elapsed().as_secs_f64()
    );
}

fn print_wasm_sizes() {
    let res: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "res"].iter().collect();
    let mut files: Vec<(String, u64)> = std::fs::read_dir(&res)
        .unwrap_or_else(|e| panic!("{}: {e}; run `make build` first", res.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let len = e.metadata().ok()?.len();
            name.ends_with(".wasm").then_some((name, len))
        })
        .collect();
    files.sort();
    let role = |name: &str| match name {
        "meta_pool.wasm" => "router (meta staking pool)",
        "snear.wasm" => "sNEAR token",
        "snear_faults.wasm" => "sNEAR test build (fault switches)",
        "governance.wasm" => "DAO and META token",
        "localnet_probe.wasm" => "localnet's own probe (throughput bench)",
        n if n.ends_with("_next.wasm") => "test-only second version (upgrade tests)",
        n if n.starts_with("test_") => "test contract",
        _ => "",
    };
    let mut t = Table::new(&["contract", "role", "bytes", "KiB"]);
    for (name, len) in files {
        t.row(vec![
            format!("res/{name}"),
            role(&name).into(),
            len.to_string(),
            format!("{:.1}", len as f64 / 1024.0),
        ]);
    }
    t.print("Wasm size (`make build`)");
}

fn print_gas(title: &str, rows: &[GasRow]) {
    let mut t = Table::new(&["call", "how", "receipts", "Tgas"]);
    for r in rows {
        t.row(vec![
            r.op.clone(),
            r.how.clone(),
            r.receipts.to_string(),
            tgas(r.gas),
        ]);
    }
    t.print(title);
}

fn print_epoch_ops(f: &Flows) {
    assert!(f.epoch.faulty.is_empty(), "no fault is switched on");
    let cell = |m: Option<&GasFigures>, pick: fn(&GasFigures) -> u128| {
        m.map_or("-".to_string(), |g| tgas_raw(pick(g)))
    };
    let mut t = Table::new(&[
        "operation",
        "calls with work",
        "min",
        "mean",
        "max",
        "call with nothing to do (max)",
    ]);
    for op in EPOCH_OPS {
        let w = f.epoch.per_op.get(op);
        t.row(vec![
            op.into(),
            w.map_or(0, |g| g.0).to_string(),
            cell(w, |g| u128::from(g.1)),
            cell(w, |g| g.3 / u128::from(g.0.max(1))),
            cell(w, |g| u128::from(g.2)),
            cell(f.epoch.idle.get(op), |g| u128::from(g.2)),
        ]);
    }
    t.print(&format!(
        "Epoch operations, {} validators (Tgas, each call one validator; keeper attaches 300)",
        f.validators
    ));
}

fn print_ft_comparison(f: &Flows) {
    let diff = |ours: Gas, theirs: Gas| {
        let d = ours.as_gas() as f64 - theirs.as_gas() as f64;
        format!(
            "{:+.6} ({:+.2}%)",
            d / 1e12,
            100.0 * d / theirs.as_gas() as f64
        )
    };
    let mut t = Table::new(&[
        "figure",
        "sNEAR (this run)",
        "FT example (recorded)",
        "sNEAR - example",
    ]);
    t.row(vec![
        "ft_transfer receipt".into(),
        tgas6(f.ft.transfer_receipt),
        tgas6(STANDARD_FT_TRANSFER_RECEIPT),
        diff(f.ft.transfer_receipt, STANDARD_FT_TRANSFER_RECEIPT),
    ]);
    t.row(vec![
        "ft_transfer_call, partial refund, whole tx".into(),
        tgas6(f.ft.transfer_call_tx),
        tgas6(STANDARD_FT_TRANSFER_CALL_TX),
        diff(f.ft.transfer_call_tx, STANDARD_FT_TRANSFER_CALL_TX),
    ]);
    t.row(vec![
        "ft_transfer, whole tx".into(),
        tgas6(f.ft.transfer_tx),
        "not recorded".into(),
        "".into(),
    ]);
    t.print("sNEAR vs near-contract-standards' fungible-token example (Tgas)");
    println!();
    println!("The example's figures were measured once on this localnet with the");
    println!("same toolchain, flags, accounts and amounts; they are recorded in");
    println!("contracts/snear/tests/localnet.rs and docs/ARCHITECTURE.md (the");
    println!("example's code is not part of this repository).");
}

fn print_storage(f: &Flows) {
    let mut t = Table::new(&["record", "account", "router bytes", "sNEAR bytes"]);
    for r in &f.storage {
        t.row(vec![
            r.what.clone(),
            r.account.clone(),
            bytes(r.router),
            bytes(r.snear),
        ]);
    }
    t.print("Storage (storage_usage deltas of the contract accounts)");
    println!();
    println!(
        "sNEAR's NEP-145 minimum (storage_balance_bounds.min) covers {} bytes.",
        f.snear_min_bytes
    );
}

fn print_scaling(runs: &[SizeRun]) {
    let mut header = vec!["validators".to_string()];
    header.extend(EPOCH_OPS.iter().map(|s| s.to_string()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(&header);
    for r in runs {
        let mut row = vec![r.validators.to_string()];
        for op in EPOCH_OPS {
            let o = r.op(op);
            row.push(match (&o.failure, o.worked) {
                (Some(f), _) => format!("FAILED: {f}"),
                (None, 0) => format!("no work ({})", tgas_raw(u128::from(o.max_any))),
                (None, _) => tgas_raw(u128::from(o.max_worked)),
            });
        }
        t.row(row);
    }
    t.print("Heaviest call with work per validator list size (Tgas of 300 attached)");

    let limits = scaling::limits(runs);
    let mut t = Table::new(&[
        "operation",
        "largest list handled",
        "heaviest call there (Tgas)",
        "of 300 Tgas",
        "list at 300 Tgas (linear estimate)",
    ]);
    for op in EPOCH_OPS {
        let (ok, failed) = limits[op];
        let Some(n) = ok else {
            t.row(vec![
                op.into(),
                "none".into(),
                "".into(),
                "".into(),
                "".into(),
            ]);
            continue;
        };
        let at = |n: usize| runs.iter().find(|r| r.validators == n).map(|r| r.op(op));
        let g = at(n).map_or(0, |o| o.max_worked);
        let handled = match failed {
            Some(f) => format!("{n} (fails at {f})"),
            None if n == MAX_VALIDATORS => {
                format!("{n}: the router's maximum (MAX_VALIDATORS), none failed")
            }
            None => format!("{n}, none failed"),
        };
        // The slope between the two largest sizes that fit.
        let fitting: Vec<usize> = runs
            .iter()
            .filter(|r| r.op(op).fits() && r.validators <= n)
            .map(|r| r.validators)
            .collect();
        let estimate = match fitting.as_slice() {
            [.., lo, hi] => {
                let (glo, ghi) = (at(*lo).unwrap().max_worked, g);
                let slope = (ghi as f64 - glo as f64) / (*hi - *lo) as f64;
                if slope > 0.0 {
                    format!("~{:.0}", *hi as f64 + (TX_GAS as f64 - ghi as f64) / slope)
                } else {
                    "no growth measured".into()
                }
            }
            _ => "".into(),
        };
        t.row(vec![
            op.into(),
            handled,
            tgas_raw(u128::from(g)),
            format!("{:.1}%", 100.0 * g as f64 / TX_GAS as f64),
            estimate,
        ]);
    }
    t.print("Largest validator list each epoch operation handles in one transaction");
}
