//! Gas per operation over many rounds (`make bench`, the demo).

use std::collections::BTreeMap;
use std::fmt;

use crate::report::KeeperReport;

/// `(calls, min, max, sum)` of gas.
pub type GasFigures = (u64, u64, u64, u128);

fn add_figure(e: &mut GasFigures, g: u64) {
    e.0 += 1;
    e.1 = e.1.min(g);
    e.2 = e.2.max(g);
    e.3 += u128::from(g);
}

/// Gas statistics over many rounds: per operation, the whole
/// transaction's gas of the calls that did work (an `epoch_attempt`) with
/// no failure anywhere, of the calls with nothing to do, of the calls where
/// something failed (faults); and per router callback, its own burn.
#[derive(Clone, Debug, Default)]
pub struct GasStats {
    pub per_op: BTreeMap<&'static str, GasFigures>,
    pub idle: BTreeMap<&'static str, GasFigures>,
    pub faulty: BTreeMap<&'static str, GasFigures>,
    pub callbacks: BTreeMap<String, GasFigures>,
}

impl GasStats {
    /// Adds a round's calls (the demo and the figures call it per round).
    pub fn add(&mut self, report: &KeeperReport) {
        for c in &report.calls {
            let g = c.gas_burnt.as_gas();
            let worked = c.events.iter().any(|(e, _)| e == "epoch_attempt");
            let map = if c.receipt_failures > 0 {
                &mut self.faulty
            } else if worked {
                &mut self.per_op
            } else {
                &mut self.idle
            };
            add_figure(map.entry(c.op).or_insert((0, u64::MAX, 0, 0)), g);
            for (m, g) in &c.callbacks {
                let e = self
                    .callbacks
                    .entry(m.clone())
                    .or_insert((0, u64::MAX, 0, 0));
                add_figure(e, g.as_gas());
            }
        }
    }
}

impl fmt::Display for GasStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tg = |g: u128| g as f64 / 1e12;
        let mut table = |title: &str, rows: Vec<(String, &GasFigures)>| -> fmt::Result {
            writeln!(f, "{title}")?;
            for (name, (n, min, max, sum)) in rows {
                writeln!(
                    f,
                    "  {name:24} {n:4} calls  min {:6.2} Tgas  mean {:6.2}  max {:6.2}",
                    tg(u128::from(*min)),
                    tg(sum / u128::from((*n).max(1))),
                    tg(u128::from(*max))
                )?;
            }
            Ok(())
        };
        fn rows<'a>(m: &'a BTreeMap<&'static str, GasFigures>) -> Vec<(String, &'a GasFigures)> {
            m.iter().map(|(k, v)| (k.to_string(), v)).collect()
        }
        table(
            "epoch operations that moved NEAR (whole transaction):",
            rows(&self.per_op),
        )?;
        table("epoch operations with nothing to do:", rows(&self.idle))?;
        table("epoch operations that met a fault:", rows(&self.faulty))?;
        table(
            "router callbacks (own burn):",
            self.callbacks.iter().map(|(k, v)| (k.clone(), v)).collect(),
        )
    }
}
