//! What runs covered: operations by kind, call outcomes by what was called
//! and how it ended (`ok` or the error code), keeper figures, promises
//! checked. Summed over runs for the fuzz report.

use std::collections::BTreeMap;
use std::fmt;

use super::ops::OpKind;
use super::outcome::Res;

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub runs: u64,
    pub ops: BTreeMap<OpKind, u64>,
    /// `(call, outcome)` → count; outcome is `ok` or an error code.
    pub outcomes: BTreeMap<(String, String), u64>,
    /// Operations that found nothing to do.
    pub skipped: u64,
    /// Checked steps (each followed by all seven invariants).
    pub steps: u64,
    pub transactions: u64,
    pub epochs: u64,
    pub keeper_rounds: u64,
    /// `epoch_failed` events the keeper met (faults, refusals).
    pub keeper_failures: u64,
    pub stake_moves_checked: u64,
    /// Withdrawals checked at the quoted epoch after clean keeper rounds.
    pub promises_checked: u64,
    /// Quotes reached with the keeper or the pools disturbed meanwhile:
    /// the router may be late then, so they are not checked.
    pub promises_excused: u64,
    pub faults_set: BTreeMap<&'static str, u64>,
    pub proposals: BTreeMap<String, u64>,
    /// Attacks tried, by kind (`attack`): multi-action batches by their
    /// order of calls, restakes by the state of the claim, donations,
    /// throwaway bursts, transfers while a burn is held.
    pub attacks: BTreeMap<String, u64>,
    /// Claims withdrawn for real at their quoted epoch (invariant 8).
    pub due_withdrawals: u64,
    /// User steps whose effect on the router's own funds was checked
    /// (invariant 9).
    pub own_funds_checked: u64,
    /// Successful user calls held to invariant 10 (each account moved
    /// exactly as the price says, no other account at all), and those not
    /// checked because something was in flight around them.
    pub owed_checked: u64,
    pub owed_skipped: u64,
    /// Withdrawals whose payout was checked on the account's own balance,
    /// to the yoctoNEAR, gas included.
    pub payouts_exact: u64,
    /// Syncs whose protocol fee and fee shares were checked exact.
    pub fees_checked: u64,
    /// Keeper rounds that moved no account's holding (invariant 10).
    pub keeper_rounds_held: u64,
    /// Quotes a failed mint's rollback moved later because other calls
    /// moved the claims while the mint was in flight (the one exception to
    /// "a quote never moves later").
    pub quotes_moved_by_rollback: u64,
}

impl Stats {
    pub fn op(&mut self, k: OpKind) {
        *self.ops.entry(k).or_default() += 1;
    }

    pub fn outcome(&mut self, what: &str, res: &Res) {
        let o = match res {
            Res::Ok(_) => "ok".to_string(),
            Res::Refused(c, _) => c.clone(),
            Res::Unclean(_) => "UNCLEAN".to_string(),
        };
        *self.outcomes.entry((what.to_string(), o)).or_default() += 1;
    }

    pub fn fault(&mut self, kind: &'static str) {
        *self.faults_set.entry(kind).or_default() += 1;
    }

    pub fn attack(&mut self, what: impl Into<String>) {
        *self.attacks.entry(what.into()).or_default() += 1;
    }

    pub fn proposal(&mut self, what: String) {
        *self.proposals.entry(what).or_default() += 1;
    }

    /// Adds another run's figures.
    pub fn merge(&mut self, o: &Stats) {
        self.runs += o.runs;
        for (k, v) in &o.ops {
            *self.ops.entry(*k).or_default() += v;
        }
        for (k, v) in &o.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.faults_set {
            *self.faults_set.entry(k).or_default() += v;
        }
        for (k, v) in &o.proposals {
            *self.proposals.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.attacks {
            *self.attacks.entry(k.clone()).or_default() += v;
        }
        self.due_withdrawals += o.due_withdrawals;
        self.own_funds_checked += o.own_funds_checked;
        self.owed_checked += o.owed_checked;
        self.owed_skipped += o.owed_skipped;
        self.payouts_exact += o.payouts_exact;
        self.fees_checked += o.fees_checked;
        self.keeper_rounds_held += o.keeper_rounds_held;
        self.quotes_moved_by_rollback += o.quotes_moved_by_rollback;
        self.skipped += o.skipped;
        self.steps += o.steps;
        self.transactions += o.transactions;
        self.epochs += o.epochs;
        self.keeper_rounds += o.keeper_rounds;
        self.keeper_failures += o.keeper_failures;
        self.stake_moves_checked += o.stake_moves_checked;
        self.promises_checked += o.promises_checked;
        self.promises_excused += o.promises_excused;
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} runs, {} checked steps, {} transactions, {} epochs, {} keeper rounds \
             ({} epoch_failed events), {} stake moves checked against the caps, \
             {} unstake promises checked ({} excused), {} operations skipped",
            self.runs,
            self.steps,
            self.transactions,
            self.epochs,
            self.keeper_rounds,
            self.keeper_failures,
            self.stake_moves_checked,
            self.promises_checked,
            self.promises_excused,
            self.skipped
        )?;
        write!(f, "operations:")?;
        for (k, v) in &self.ops {
            write!(f, " {k:?} {v},")?;
        }
        writeln!(f)?;
        write!(f, "fault switches:")?;
        for (k, v) in &self.faults_set {
            write!(f, " {k} {v},")?;
        }
        writeln!(f)?;
        if !self.proposals.is_empty() {
            write!(f, "proposals:")?;
            for (k, v) in &self.proposals {
                write!(f, " {k} {v},")?;
            }
            writeln!(f)?;
        }
        let total: u64 = self.attacks.values().sum();
        writeln!(
            f,
            "attacks tried: {total}; {} claims withdrawn at their quoted epoch, {} user steps \
             checked against the router's own funds",
            self.due_withdrawals, self.own_funds_checked
        )?;
        writeln!(
            f,
            "per account (invariant 10): {} user calls moved exactly what the price says and \
             nothing of anyone else ({} not checked, in flight), {} payouts exact to the yocto, \
             {} syncs' protocol fee exact, {} keeper rounds moved no holding; {} quotes moved \
             later by a failed mint's rollback after other calls moved the claims",
            self.owed_checked,
            self.owed_skipped,
            self.payouts_exact,
            self.fees_checked,
            self.keeper_rounds_held,
            self.quotes_moved_by_rollback
        )?;
        let mut by_kind: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
        for (what, n) in &self.attacks {
            let (kind, detail) = what.split_once(": ").unwrap_or((what, ""));
            by_kind.entry(kind).or_default().push((detail, *n));
        }
        for (kind, ds) in by_kind {
            let n: u64 = ds.iter().map(|(_, n)| n).sum();
            let list: Vec<String> = ds
                .iter()
                .filter(|(d, _)| !d.is_empty())
                .map(|(d, n)| format!("{d} {n}"))
                .collect();
            writeln!(f, "  {kind:28} {n}: {}", list.join(", "))?;
        }
        writeln!(f, "call outcomes:")?;
        let mut by_call: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
        for ((call, o), n) in &self.outcomes {
            by_call.entry(call).or_default().push((o, *n));
        }
        for (call, os) in by_call {
            let list: Vec<String> = os.iter().map(|(o, n)| format!("{o} {n}")).collect();
            writeln!(f, "  {call:28} {}", list.join(", "))?;
        }
        Ok(())
    }
}
