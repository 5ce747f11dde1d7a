//! Markdown tables, columns padded so the terminal output reads as well as
//! the file it is pasted into (docs/BENCHMARKS.md).

use localnet::Gas;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "row {cells:?}");
        self.rows.push(cells);
    }

    pub fn print(&self, title: &str) {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(self.header[i].chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        println!("\n### {title}\n");
        line(&self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule);
        for r in &self.rows {
            line(r);
        }
    }
}

/// Gas in Tgas, three decimals.
pub fn tgas(g: Gas) -> String {
    tgas_raw(u128::from(g.as_gas()))
}

pub fn tgas_raw(g: u128) -> String {
    format!("{:.3}", g as f64 / 1e12)
}

/// Gas in Tgas, six decimals (the ft comparison, where margins are thin).
pub fn tgas6(g: Gas) -> String {
    format!("{:.6}", g.as_gas() as f64 / 1e12)
}

/// A signed byte count.
pub fn bytes(delta: i64) -> String {
    format!("{delta:+}")
}
