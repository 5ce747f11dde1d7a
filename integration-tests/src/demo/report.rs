//! What the demo prints and writes: the introduction, one row per epoch,
//! the summary and the chart.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use localnet::AccountId;

use super::chart::{self, Band, ChartData, Line};
use super::observe::{EpochRow, EPOCHS_PER_YEAR};
use super::plan::Plan;
use super::run::{ADDED_WEIGHT_BPS, EMISSION, REWARD_RATE};
use super::DemoConfig;
use crate::keeper::GasStats;
use crate::suite::{System, ONE_META, ONE_NEAR};

/// The DAO's cycle as it ran.
#[derive(Clone, Debug)]
pub struct Governance {
    pub proposal_id: u64,
    pub proposer: AccountId,
    pub voters: usize,
    /// META voted For (snapshot balances).
    pub for_votes: u128,
    pub quorum: u128,
    /// Epochs of the run.
    pub proposed_epoch: u64,
    pub queued_epoch: Option<u64>,
    pub eta_chain_epoch: Option<u64>,
    pub executed_epoch: Option<u64>,
    /// The router listed the validator right after the execution.
    pub listed_after_execute: bool,
}

/// Everything the demo established, for the summary and for tests.
#[derive(Clone, Debug)]
pub struct DemoReport {
    pub config: DemoConfig,
    /// Epoch 0 (deployed) and one row per epoch.
    pub rows: Vec<EpochRow>,
    pub added_validator: AccountId,
    /// The validators outside the router's reach, and the test pools.
    pub outside: Vec<AccountId>,
    pub pools: Vec<AccountId>,
    pub governance: Governance,
    /// The router's list at the end.
    pub listed_at_end: Vec<AccountId>,
    /// Every stake the router put on a validator.
    pub stake_moves: usize,
    /// Each of them within both caps as read just before the epoch
    /// operation that made it (invariant 4 over the whole run).
    pub stake_moves_within_caps: bool,
    pub stake_move_violation: Option<String>,
    /// Times all seven invariants were checked (none broke, or the run
    /// would have stopped).
    pub invariant_checks: u64,
    pub keeper_gas: GasStats,
    pub transactions: u64,
    pub liquid_stakers: usize,
    pub lockup_stakers: usize,
    /// NEAR the stakers brought (arrivals and top-ups), yoctoNEAR.
    pub brought: u128,
    /// The router account's own NEAR balance at the end (reserve,
    /// buffered stake, storage and its own funds): small next to the stake
    /// it routes.
    pub router_balance: u128,
    pub deploy_time: Duration,
    pub wall_time: Duration,
    pub chart: PathBuf,
}

impl DemoReport {
    pub fn first(&self) -> &EpochRow {
        &self.rows[0]
    }

    pub fn last(&self) -> &EpochRow {
        self.rows.last().expect("epoch 0 at least")
    }

    /// APY over the whole run, from the first epoch the router held
    /// delegated stake.
    pub fn run_apy(&self) -> Option<f64> {
        let from = self.rows.iter().find(|r| r.total_staked > ONE_NEAR)?;
        let to = self.last();
        super::observe::annualise(from.snear_price, to.snear_price, to.epoch - from.epoch)
    }

    /// The added validator's first epoch with stake from the router.
    pub fn added_staked_from(&self) -> Option<u64> {
        self.rows
            .iter()
            .find(|r| r.stake_at(&self.added_validator) > 0)
            .map(|r| r.epoch)
    }
}

/// yoctoNEAR as whole NEAR with thousands separators.
pub fn format_near(yocto: u128) -> String {
    group((yocto + ONE_NEAR / 2) / ONE_NEAR)
}

/// META (24 decimals) as whole META with thousands separators.
pub fn format_meta(units: u128) -> String {
    group((units + ONE_META / 2) / ONE_META)
}

fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn price(p: u128) -> String {
    format!("{:.8}", p as f64 / ONE_NEAR as f64)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn short(id: &AccountId) -> String {
    id.as_str()
        .strip_suffix(".near")
        .unwrap_or(id.as_str())
        .to_string()
}

pub fn print_intro(
    out: &mut dyn Write,
    cfg: &DemoConfig,
    plan: &Plan,
    sys: &System,
    added: &AccountId,
) -> io::Result<()> {
    let outside: u128 = plan.outside.iter().map(|(_, s)| s).sum();
    let mut sorted: Vec<u128> = plan.outside.iter().map(|(_, s)| *s).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top5: u128 = sorted.iter().take(5).sum();
    let own: u128 = plan.pool_own[..cfg.validators].iter().sum();
    let rate = REWARD_RATE.numerator as f64 / REWARD_RATE.denominator as f64;
    writeln!(
        out,
        "Meta staking pool on localnet: seed {}, {} validators listed by the router, {} stakers, {} epochs",
        cfg.seed, cfg.validators, cfg.stakers, cfg.epochs
    )?;
    writeln!(
        out,
        "- network: {} outside validators hold {} NEAR, the 5 largest {}; the router's pools \
         (v0..v{}.pool.near) hold {} NEAR of their own; {} is whitelisted, not listed",
        plan.outside.len(),
        format_near(outside),
        pct(top5 as f64 / outside as f64),
        cfg.validators - 1,
        format_near(own),
        added
    )?;
    writeln!(
        out,
        "- caps: no validator above 25% of the router's stake; no stake added to a validator \
         past 5% of the network's (env::validator_stake plus the router's additions not yet in \
         the validator set)"
    )?;
    writeln!(
        out,
        "- rewards: {:.2} bps an epoch ({} a year at {EPOCHS_PER_YEAR} epochs a year); protocol fee 5%; \
         META emission {} an epoch; stakers bring {} NEAR in all",
        rate * 10_000.0,
        pct((1.0 + rate).powf(EPOCHS_PER_YEAR) - 1.0),
        format_meta(EMISSION),
        format_near(plan.budget)
    )?;
    let rules = sys.dao_rules();
    writeln!(
        out,
        "- DAO: the owner ended the bootstrap; stakers who arrived in epoch 1 claim their META in epoch {}, \
         propose adding {added} and vote; the vote lasts {} epochs, the time-lock {}",
        plan.calendar.claim_and_propose, rules.voting_period_epochs, rules.timelock_epochs
    )?;
    writeln!(
        out,
        "- APY: the sNEAR price's growth over the epoch, compounded over {EPOCHS_PER_YEAR} epochs (12-hour epochs)"
    )?;
    writeln!(
        out,
        "- NC, the Nakamoto coefficient: the fewest validators holding more than 1/3 of the stake \
         (live stake: pools' get_total_staked_balance, outside validators' locked balance). \
         with: the network as it is; redir: without the router, its stakers delegating \
         directly the way delegators do, to the outside validators in proportion to their \
         stake; rm: the router's delegations removed"
    )?;
    writeln!(out)
}

pub fn print_header(out: &mut dyn Write, first: &EpochRow) -> io::Result<()> {
    let dist = if first.validators.len() <= MAX_DIST_COLUMNS {
        "router's stake per validator, % (v0 v1 ...)"
    } else {
        "router's stake per validator, % (min-max)"
    };
    writeln!(
        out,
        "{:>3} {:>7} {:>11} {:>9} {:>11} {:>6} {:>9} {:>9} {:>12}  {dist}",
        "ep",
        "stakers",
        "staked NEAR",
        "unplaced",
        "sNEAR price",
        "APY",
        "val%/cap",
        "net%/cap",
        "NC with/redir/rm"
    )
}

const MAX_DIST_COLUMNS: usize = 14;

pub fn print_row(out: &mut dyn Write, r: &EpochRow) -> io::Result<()> {
    let total = r.total_staked.max(1) as f64;
    let shares: Vec<f64> = r
        .validators
        .iter()
        .map(|(_, s)| *s as f64 / total * 100.0)
        .collect();
    let dist = if r.total_staked < ONE_NEAR * 2 {
        "-".to_string()
    } else if shares.len() <= MAX_DIST_COLUMNS {
        shares
            .iter()
            .map(|s| format!("{s:>3.0}"))
            .collect::<Vec<_>>()
            .join("")
    } else {
        let min = shares.iter().copied().fold(f64::MAX, f64::min);
        let max = shares.iter().copied().fold(0.0, f64::max);
        format!("{min:.1}-{max:.1} over {}", shares.len())
    };
    let apy = r.apy.map_or("-".to_string(), pct);
    writeln!(
        out,
        "{:>3} {:>7} {:>11} {:>9} {:>11} {:>6} {:>9} {:>9} {:>6} /{:>2} /{:>2}  {dist}",
        r.epoch,
        r.stakers,
        format_near(r.total_staked),
        format_near(r.unplaced),
        price(r.snear_price),
        apy,
        format!(
            "{:.1}/{:.0}",
            r.max_validator_share * 100.0,
            r.validator_cap * 100.0
        ),
        format!(
            "{:.2}/{:.0}",
            r.max_network_share * 100.0,
            r.network_cap * 100.0
        ),
        r.nakamoto.with,
        r.nakamoto.redirected,
        r.nakamoto.removed,
    )?;
    for n in &r.notes {
        writeln!(out, "      - {n}")?;
    }
    Ok(())
}

pub fn print_summary(out: &mut dyn Write, rep: &DemoReport) -> io::Result<()> {
    let first = rep.first();
    let last = rep.last();
    let g = &rep.governance;
    writeln!(out)?;
    writeln!(out, "Summary")?;
    writeln!(
        out,
        "  stakers      {} liquid, {} lockup contracts; {} NEAR brought; {} transactions in all",
        rep.liquid_stakers,
        rep.lockup_stakers,
        format_near(rep.brought),
        rep.transactions
    )?;
    writeln!(
        out,
        "  router       {} NEAR staked over {} validators, {} NEAR unplaced; the router account \
         itself holds {} NEAR",
        format_near(last.total_staked),
        last.validators.len(),
        format_near(last.unplaced),
        format_near(rep.router_balance)
    )?;
    writeln!(
        out,
        "  sNEAR        price {} -> {} NEAR; APY over the run {} ({EPOCHS_PER_YEAR} epochs a year; \
         validators pay ~{} before the 5% fee, undelegated stake earns nothing)",
        price(first.snear_price),
        price(last.snear_price),
        rep.run_apy().map_or("-".into(), pct),
        pct(
            (1.0 + REWARD_RATE.numerator as f64 / REWARD_RATE.denominator as f64)
                .powf(EPOCHS_PER_YEAR)
                - 1.0
        )
    )?;
    let max_val = rep
        .rows
        .iter()
        .map(|r| r.max_validator_share)
        .fold(0.0, f64::max);
    let max_net = rep
        .rows
        .iter()
        .map(|r| r.max_network_share)
        .fold(0.0, f64::max);
    // A share drifts past its cap when stakers leave or rewards accrue;
    // the caps bind the moves, which the last clause reports.
    let drift = if max_val > last.validator_cap || max_net > last.network_cap {
        " (drift: stakers left or rewards accrued; no stake is added past a cap)"
    } else {
        ""
    };
    writeln!(
        out,
        "  caps         largest validator share seen {} (cap {}), largest network share of a listed \
         validator {} (cap {}){drift}; {} stake moves, {}",
        pct(max_val),
        pct(last.validator_cap),
        pct(max_net),
        pct(last.network_cap),
        rep.stake_moves,
        if rep.stake_moves_within_caps {
            "each within both caps as read before it (invariant 4)".to_string()
        } else {
            format!(
                "NOT all within the caps: {}",
                rep.stake_move_violation.clone().unwrap_or_default()
            )
        }
    )?;
    writeln!(
        out,
        "  Nakamoto     start {}; end: with the router {}, its stakers delegating by size {}, its \
         delegations removed {}",
        first.nakamoto.with, last.nakamoto.with, last.nakamoto.redirected, last.nakamoto.removed
    )?;
    let added_share = last.stake_at(&rep.added_validator) as f64 / last.total_staked.max(1) as f64;
    writeln!(
        out,
        "  DAO          proposal #{} by {} (epoch {}), {} voters For with {} META (quorum {}), \
         queued epoch {}, executed epoch {}: {} listed with weight {ADDED_WEIGHT_BPS} bps, staked \
         from epoch {}, {} NEAR ({}) at the end",
        g.proposal_id,
        g.proposer,
        g.proposed_epoch,
        g.voters,
        format_meta(g.for_votes),
        format_meta(g.quorum),
        g.queued_epoch.map_or("-".into(), |e| e.to_string()),
        g.executed_epoch.map_or("-".into(), |e| e.to_string()),
        rep.added_validator,
        rep.added_staked_from()
            .map_or("-".into(), |e| e.to_string()),
        format_near(last.stake_at(&rep.added_validator)),
        pct(added_share)
    )?;
    let keeper_calls: usize = rep.rows.iter().map(|r| r.keeper_calls).sum();
    let keeper_tgas: f64 = rep.rows.iter().map(|r| r.keeper_tgas).sum();
    writeln!(
        out,
        "  keeper       {} rounds, {} calls, {:.0} Tgas burnt ({:.1} Tgas a call)",
        rep.rows.len() - 1,
        keeper_calls,
        keeper_tgas,
        keeper_tgas / keeper_calls.max(1) as f64
    )?;
    for (op, (n, min, max, sum)) in &rep.keeper_gas.per_op {
        writeln!(
            out,
            "               {op:16} {n:4} calls that moved NEAR, {:.1}-{:.1} Tgas (mean {:.1})",
            *min as f64 / 1e12,
            *max as f64 / 1e12,
            *sum as f64 / (*n).max(1) as f64 / 1e12
        )?;
    }
    writeln!(
        out,
        "  invariants   {}",
        if rep.config.check_invariants {
            format!(
                "all seven of DESIGN §7 after deployment and every epoch: {} checks, none broken",
                rep.invariant_checks
            )
        } else {
            "not checked (--no-check)".into()
        }
    )?;
    writeln!(out, "  chart        {}", rep.chart.display())?;
    writeln!(
        out,
        "  time         {:.1} s ({:.1} s deploying)",
        rep.wall_time.as_secs_f64(),
        rep.deploy_time.as_secs_f64()
    )
}

/// The chart's data from the rows.
pub fn chart_data(rep: &DemoReport) -> ChartData {
    let epochs: Vec<u64> = rep.rows.iter().map(|r| r.epoch).collect();
    let to_near = |y: u128| y as f64 / ONE_NEAR as f64;

    // Panel 1: every validator the router ever listed, in list order.
    let mut ids: Vec<AccountId> = Vec::new();
    for r in &rep.rows {
        for (id, _) in &r.validators {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    let n = ids.len().max(1) as f64;
    let pool_color = |k: usize| {
        chart::hsl(
            95.0 + 130.0 * k as f64 / n,
            0.55,
            0.35 + 0.3 * (k % 2) as f64,
        )
    };
    let label = |id: &AccountId| {
        if id == &rep.added_validator {
            format!("{} (by the DAO)", short(id))
        } else {
            short(id)
        }
    };
    let mut router: Vec<Band> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| Band {
            label: label(id),
            color: pool_color(k),
            values: rep.rows.iter().map(|r| to_near(r.stake_at(id))).collect(),
        })
        .collect();
    router.push(Band {
        label: "unplaced (caps, new stake)".into(),
        color: "#bbbbbb".into(),
        values: rep.rows.iter().map(|r| to_near(r.unplaced)).collect(),
    });

    // Panel 2: large outside validators one by one, small ones together,
    // then the pools.
    let share = |r: &EpochRow, f: &dyn Fn(&super::network::NetStake) -> bool| {
        let total: u128 = r.network.iter().map(|v| v.stake).sum();
        let part: u128 = r.network.iter().filter(|v| f(v)).map(|v| v.stake).sum();
        part as f64 / total.max(1) as f64
    };
    let first = rep.first();
    let mut outside: Vec<(&AccountId, u128)> = first
        .network
        .iter()
        .filter(|v| rep.outside.contains(&v.id))
        .map(|v| (&v.id, v.stake))
        .collect();
    outside.sort_by_key(|(_, stake)| std::cmp::Reverse(*stake));
    let big: Vec<AccountId> = outside
        .iter()
        .take(5)
        .map(|(id, _)| (*id).clone())
        .collect();
    let small: Vec<AccountId> = outside
        .iter()
        .skip(5)
        .map(|(id, _)| (*id).clone())
        .collect();
    let mut network: Vec<Band> = big
        .iter()
        .enumerate()
        .map(|(k, id)| Band {
            label: short(id),
            color: chart::hsl(5.0 + 9.0 * k as f64, 0.65, 0.42 + 0.07 * k as f64),
            values: rep
                .rows
                .iter()
                .map(|r| share(r, &|v| &v.id == id))
                .collect(),
        })
        .collect();
    network.push(Band {
        label: format!("{} small outside", small.len()),
        color: "#d9b38c".into(),
        values: rep
            .rows
            .iter()
            .map(|r| share(r, &|v| small.contains(&v.id)))
            .collect(),
    });
    let mut pools: Vec<AccountId> = ids.clone();
    for id in &rep.pools {
        if !pools.contains(id) {
            pools.push(id.clone());
        }
    }
    for (k, id) in pools.iter().enumerate() {
        network.push(Band {
            label: label(id),
            color: pool_color(k),
            values: rep
                .rows
                .iter()
                .map(|r| share(r, &|v| &v.id == id))
                .collect(),
        });
    }

    let line = |label: &str, color: &str, dashed: bool, f: &dyn Fn(&EpochRow) -> usize| Line {
        label: label.into(),
        color: color.into(),
        dashed,
        values: rep.rows.iter().map(|r| f(r) as f64).collect(),
    };
    let nakamoto = vec![
        line("with the router", "#1a1a1a", false, &|r| r.nakamoto.with),
        line("without: stakers delegate by size", "#e6550d", true, &|r| {
            r.nakamoto.redirected
        }),
        line("without: router stake removed", "#3182bd", true, &|r| {
            r.nakamoto.removed
        }),
    ];
    let g = &rep.governance;
    let mut markers = vec![(g.proposed_epoch, format!("proposal #{}", g.proposal_id))];
    if let Some(e) = g.executed_epoch {
        markers.push((e, format!("{} added", short(&rep.added_validator))));
    }
    ChartData {
        title: "Meta staking pool on localnet: stake distribution over time".into(),
        subtitle: format!(
            "seed {}, {} validators listed at start, {} stakers, {} epochs; caps 25% of the router, 5% of the network",
            rep.config.seed, rep.config.validators, rep.config.stakers, rep.config.epochs
        ),
        epochs,
        router,
        network,
        nakamoto,
        markers,
    }
}

/// Writes the chart to `rep.chart`, creating its directory.
pub fn write_chart(rep: &DemoReport) -> io::Result<()> {
    if let Some(dir) = rep.chart.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&rep.chart, chart::render(&chart_data(rep)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_and_rounded() {
        assert_eq!(format_near(0), "0");
        assert_eq!(format_near(ONE_NEAR / 2), "1");
        assert_eq!(format_near(1_234_567 * ONE_NEAR), "1,234,567");
        assert_eq!(format_meta(999 * ONE_META), "999");
        assert_eq!(format_meta(1_000 * ONE_META), "1,000");
        assert_eq!(group(100_000), "100,000");
    }
}
