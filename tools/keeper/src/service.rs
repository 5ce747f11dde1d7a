//! The keeper as a service: a round once an epoch, early, until stopped
//! ([`Keeper::run`], what `operator keeper` runs).

use std::time::Duration;

use crate::chain::EpochChain;
use crate::report::{KeeperCall, KeeperError, KeeperReport};
use crate::round::Keeper;

impl Keeper {
    /// Runs rounds as a service: a round as soon as an epoch starts that
    /// has had none from this keeper (checked every `poll`, by the chain's
    /// epoch height, not a clock), then waits for the next epoch. A round
    /// that fails is retried after a backoff (`poll` doubled per failure,
    /// at most 64 times); after `max_failures` failures in a row it stops
    /// with the last error. A round that ends with work the router cannot
    /// do now (a failed validator, all capped) is not a failure: the router
    /// says so in its status, which the summary shows.
    ///
    /// The CLI's `keeper` runs this; `sleep` is `std::thread::sleep` there
    /// and a fake in tests. Costs what the rounds cost plus one
    /// `epoch_height` query per poll.
    pub fn run<C: EpochChain + ?Sized>(
        &self,
        chain: &mut C,
        options: &RunOptions,
        sleep: &mut dyn FnMut(Duration),
        log: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<RunSummary, KeeperError> {
        let mut summary = RunSummary::default();
        let mut done_epoch: Option<u64> = None;
        let mut failures = 0u32;
        loop {
            let attempt = match chain.epoch_height() {
                Err(e) => Err(KeeperError {
                    op: "epoch_height",
                    detail: e.to_string(),
                    report: Box::default(),
                }),
                Ok(epoch) if done_epoch == Some(epoch) => Ok(None),
                Ok(epoch) => {
                    log(RunEvent::RoundStart { epoch });
                    self.run_round_logged(chain, &mut |c| log(RunEvent::Call(c)))
                        .map(|r| Some((epoch, r)))
                }
            };
            match attempt {
                Ok(None) => {}
                Ok(Some((epoch, report))) => {
                    failures = 0;
                    done_epoch = Some(epoch);
                    summary.rounds += 1;
                    summary.calls += report.calls.len();
                    log(RunEvent::Round(&report));
                    summary.last = Some(report);
                    if options.once || options.rounds.is_some_and(|n| summary.rounds >= n) {
                        return Ok(summary);
                    }
                }
                Err(e) => {
                    failures += 1;
                    summary.failures += 1;
                    log(RunEvent::Failure {
                        error: &e,
                        in_a_row: failures,
                    });
                    if options.once || failures >= options.max_failures {
                        return Err(e);
                    }
                    sleep(options.poll * 2u32.pow(failures.min(6)));
                    continue;
                }
            }
            sleep(options.poll);
        }
    }
}

/// How [`Keeper::run`] runs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// One round (in the current epoch, whatever was done before), then stop.
    pub once: bool,
    /// Stop after this many rounds (`None`: run until stopped).
    pub rounds: Option<u64>,
    /// How often the epoch height is read while waiting.
    pub poll: Duration,
    /// Failed rounds in a row before giving up.
    pub max_failures: u32,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            once: false,
            rounds: None,
            // A block is about a second; an epoch 12 hours: polling each
            // half minute starts the round early and costs one cheap query.
            poll: Duration::from_secs(30),
            max_failures: 5,
        }
    }
}

/// What [`Keeper::run`] reports as it goes.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// A round starts in `epoch`.
    RoundStart { epoch: u64 },
    /// A call returned.
    Call(&'a KeeperCall),
    /// A round finished.
    Round(&'a KeeperReport),
    /// A round failed (or the chain did not answer).
    Failure {
        error: &'a KeeperError,
        in_a_row: u32,
    },
}

/// What [`Keeper::run`] did before it stopped.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    pub rounds: u64,
    pub calls: usize,
    /// Failed rounds (retried).
    pub failures: u64,
    pub last: Option<KeeperReport>,
}
