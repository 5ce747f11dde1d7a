//! `make demo`: the meta staking pool's main job on localnet, no setup.
//!
//! ```text
//! demo [--validators N] [--stakers N] [--epochs N] [--seed N] [--chart PATH] [--no-check]
//! ```
//!
//! Reads the contracts from `res/` (`make build`), prints one row per
//! epoch and a summary, writes the chart (default
//! `target/demo/distribution.svg`). Exits non-zero if anything fails,
//! an invariant included.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use integration_tests::demo::{run, DemoConfig};

/// The meta staking pool at work on localnet: stakers arrive, the keeper
/// places their stake, the DAO adds a validator; one row per epoch.
#[derive(Parser, Debug)]
#[command(name = "demo")]
struct Args {
    /// Validators the router lists at start (the DAO adds one).
    #[arg(long, default_value_t = DemoConfig::default().validators)]
    validators: usize,
    /// Stakers arriving over the run, about a quarter of them lockups.
    #[arg(long, default_value_t = DemoConfig::default().stakers)]
    stakers: usize,
    /// Epochs to simulate (at least 22 for the DAO's cycle).
    #[arg(long, default_value_t = DemoConfig::default().epochs)]
    epochs: u64,
    /// The scenario's seed; the same options give the same run.
    #[arg(long, default_value_t = DemoConfig::default().seed)]
    seed: u64,
    /// Where to write the SVG chart.
    #[arg(long, default_value_os_t = DemoConfig::default().chart)]
    chart: PathBuf,
    /// Skip the invariant checks after each epoch (faster).
    #[arg(long)]
    no_check: bool,
}

impl From<Args> for DemoConfig {
    fn from(a: Args) -> Self {
        DemoConfig {
            validators: a.validators,
            stakers: a.stakers,
            epochs: a.epochs,
            seed: a.seed,
            chart: a.chart,
            check_invariants: !a.no_check,
        }
    }
}

fn main() -> ExitCode {
    let cfg = DemoConfig::from(Args::parse());
    let mut out = std::io::stdout().lock();
    match run(&cfg, &mut out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(s: &str) -> Result<DemoConfig, clap::Error> {
        Args::try_parse_from(std::iter::once("demo").chain(s.split_whitespace()))
            .map(DemoConfig::from)
    }

    #[test]
    fn options_are_parsed() {
        let c = parse("--validators 4 --stakers 6 --epochs 22 --seed 9 --chart x.svg --no-check")
            .unwrap();
        assert_eq!((c.validators, c.stakers, c.epochs, c.seed), (4, 6, 22, 9));
        assert_eq!(c.chart, PathBuf::from("x.svg"));
        assert!(!c.check_invariants);
        assert_eq!(parse("").unwrap(), DemoConfig::default());
        assert_eq!(parse("--help").unwrap_err().kind(), ErrorKind::DisplayHelp);
    }

    #[test]
    fn bad_options_are_refused() {
        let kind = |s| parse(s).unwrap_err().kind();
        assert_eq!(kind("--epochs"), ErrorKind::InvalidValue);
        assert_eq!(kind("--epochs ten"), ErrorKind::ValueValidation);
        assert_eq!(kind("--frobnicate"), ErrorKind::UnknownArgument);
    }
}
