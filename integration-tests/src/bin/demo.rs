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

use std::process::ExitCode;

use integration_tests::demo::{run, DemoConfig};

const USAGE: &str = "\
usage: demo [options]
  --validators N  validators the router lists at start (default 10; the DAO adds one)
  --stakers N     stakers arriving over the run, about a quarter of them lockups (default 40)
  --epochs N      epochs to simulate (default 30, at least 22 for the DAO's cycle)
  --seed N        the scenario's seed (default 1); the same options give the same run
  --chart PATH    where to write the SVG chart (default target/demo/distribution.svg)
  --no-check      skip the invariant checks after each epoch (faster)
  -h, --help      this text";

fn parse(args: &[String]) -> Result<Option<DemoConfig>, String> {
    let mut cfg = DemoConfig::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--validators" => cfg.validators = number(&value(a)?, a)?,
            "--stakers" => cfg.stakers = number(&value(a)?, a)?,
            "--epochs" => cfg.epochs = number(&value(a)?, a)?,
            "--seed" => cfg.seed = number(&value(a)?, a)?,
            "--chart" => cfg.chart = value(a)?.into(),
            "--no-check" => cfg.check_invariants = false,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Some(cfg))
}

fn number<T: std::str::FromStr>(v: &str, name: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{name}: {v:?} is not a number"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse(&args) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("demo: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_are_parsed() {
        let c = parse(&args(
            "--validators 4 --stakers 6 --epochs 22 --seed 9 --chart x.svg --no-check",
        ))
        .unwrap()
        .unwrap();
        assert_eq!((c.validators, c.stakers, c.epochs, c.seed), (4, 6, 22, 9));
        assert_eq!(c.chart, std::path::PathBuf::from("x.svg"));
        assert!(!c.check_invariants);
        assert_eq!(parse(&args("")).unwrap().unwrap(), DemoConfig::default());
        assert!(parse(&args("--help")).unwrap().is_none());
    }

    #[test]
    fn bad_options_are_refused() {
        assert!(parse(&args("--epochs"))
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&args("--epochs ten"))
            .unwrap_err()
            .contains("not a number"));
        assert!(parse(&args("--frobnicate"))
            .unwrap_err()
            .contains("unknown option"));
    }
}
