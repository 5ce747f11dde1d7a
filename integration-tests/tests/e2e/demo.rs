//! The demo (`make demo`) in a tiny configuration: its report's facts hold
//! (caps, the DAO's validator, the chart, the Nakamoto coefficients), and
//! one seed gives one run. No timing is asserted.

use integration_tests::demo::chart::check_well_formed_svg;
use integration_tests::demo::{run, DemoConfig, DemoReport};

fn tiny(seed: u64, chart: std::path::PathBuf) -> DemoConfig {
    DemoConfig {
        validators: 5,
        stakers: 8,
        epochs: 22,
        seed,
        chart,
        check_invariants: true,
    }
}

fn chart_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir()
        .join(format!("meta-pool-demo-{}", std::process::id()))
        .join(name)
}

fn run_tiny(seed: u64, chart: &str) -> (DemoReport, String) {
    let mut out = Vec::new();
    let report = run(&tiny(seed, chart_path(chart)), &mut out)
        .unwrap_or_else(|e| panic!("the demo failed: {e:#}\n{}", String::from_utf8_lossy(&out)));
    (report, String::from_utf8(out).expect("utf-8 output"))
}

#[test]
fn a_tiny_demo_reports_what_it_promises() {
    let (rep, printed) = run_tiny(3, "a.svg");
    let cfg = &rep.config;

    // One row per epoch after the deployment's, every invariant checked
    // after each (a broken one stops the run with an error).
    assert_eq!(rep.rows.len() as u64, cfg.epochs + 1);
    assert_eq!(rep.invariant_checks, cfg.epochs + 1);
    for (k, r) in rep.rows.iter().enumerate() {
        assert_eq!(r.epoch, k as u64);
    }
    assert!(printed.contains("sNEAR price") && printed.contains("Summary"));

    // Caps: every stake the router placed was within both caps as read
    // before the operation (the guarantee), and in this configuration,
    // five validators each targeted at 20% and small exits, the shares
    // read each epoch stay under them too (up to the rewards a validator
    // earns between two rounds, 1.3 bps an epoch).
    assert!(rep.stake_moves > 0);
    assert!(
        rep.stake_moves_within_caps,
        "{:?}",
        rep.stake_move_violation
    );
    for r in &rep.rows {
        assert!(
            r.max_validator_share <= r.validator_cap * 1.001,
            "epoch {}: validator share {} over {}",
            r.epoch,
            r.max_validator_share,
            r.validator_cap
        );
        assert!(
            r.max_network_share <= r.network_cap * 1.001,
            "epoch {}: network share {} over {}",
            r.epoch,
            r.max_network_share,
            r.network_cap
        );
    }

    // The DAO's validator: proposed, queued, executed, listed, then staked.
    let g = &rep.governance;
    let added = &rep.added_validator;
    assert!(g.for_votes >= g.quorum && g.voters > 0);
    let executed = g.executed_epoch.expect("executed");
    assert!(g.proposed_epoch < g.queued_epoch.expect("queued"));
    assert!(g.queued_epoch.unwrap() < executed);
    assert!(g.listed_after_execute);
    assert!(rep.listed_at_end.contains(added));
    assert_eq!(rep.listed_at_end.len(), cfg.validators + 1);
    for r in &rep.rows {
        let listed = r.validators.iter().any(|(v, _)| v == added);
        assert_eq!(listed, r.epoch > executed, "epoch {}", r.epoch);
    }
    let staked_from = rep.added_staked_from().expect("the keeper staked on it");
    assert!(staked_from > executed);
    assert!(rep.last().stake_at(added) > 0);

    // Nakamoto: spreading stake never concentrates the network more than
    // the stakers delegating by size would, or than their absence.
    for r in &rep.rows {
        let n = r.nakamoto;
        assert!(n.with >= n.redirected, "epoch {}: {n:?}", r.epoch);
        assert!(n.with >= n.removed, "epoch {}: {n:?}", r.epoch);
        assert!(n.with >= 1);
    }

    // The price never fell and the stake grew.
    for w in rep.rows.windows(2) {
        assert!(w[1].snear_price >= w[0].snear_price);
    }
    assert!(rep.last().snear_price > rep.first().snear_price);
    assert!(rep.last().total_staked > rep.first().total_staked);

    // The chart: written where asked, well-formed SVG, every validator in it.
    let svg = std::fs::read_to_string(&rep.chart).expect("the chart was written");
    check_well_formed_svg(&svg).unwrap_or_else(|e| panic!("{e}"));
    for id in &rep.listed_at_end {
        let short = id.as_str().trim_end_matches(".near");
        assert!(svg.contains(short), "{short} missing from the chart");
    }
    assert!(printed.contains(&rep.chart.display().to_string()));
    let _ = std::fs::remove_file(&rep.chart);
}

#[test]
fn one_seed_gives_one_run() {
    let (a, _) = run_tiny(11, "b1.svg");
    let (b, _) = run_tiny(11, "b2.svg");
    let facts = |r: &DemoReport| {
        r.rows
            .iter()
            .map(|row| {
                (
                    row.total_staked,
                    row.snear_price,
                    row.validators.clone(),
                    row.nakamoto,
                    row.notes.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(facts(&a), facts(&b));
    assert_eq!(a.transactions, b.transactions);
    let svg = |r: &DemoReport| std::fs::read_to_string(&r.chart).unwrap();
    assert_eq!(svg(&a), svg(&b));
    let _ = std::fs::remove_file(&a.chart);
    let _ = std::fs::remove_file(&b.chart);
}
