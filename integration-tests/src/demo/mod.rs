//! The demo (`make demo`): the protocol's main job, run on localnet with
//! no setup.
//!
//! A network where a few outside validators hold most of the stake; the
//! router deployed with sNEAR, the DAO and META, listing small test pools;
//! stakers, liquid and lockup, arriving over many epochs; the keeper's
//! round every epoch; stakers who earned META by staking claim it, and the
//! DAO adds a validator through a full propose, vote, queue, time-lock and
//! execute cycle. Every epoch prints the router's distribution, the sNEAR
//! price and APY, the caps, and the Nakamoto coefficient with and without
//! the router; the run ends with a summary and an SVG chart.
//!
//! Everything follows from `DemoConfig` (validators, stakers, epochs,
//! seed): the same options give the same run.
//!
//! Modules: `plan` (the scenario drawn from the seed), `run` (the
//! simulation), `observe` (one epoch's reading), `network` (outside
//! validators, Nakamoto coefficients), `report` (printing, the report),
//! `chart` (the SVG); draws come from `crate::rng`.

pub mod chart;
pub mod network;
pub mod observe;
pub mod plan;
pub mod report;
mod run;

pub use observe::{EpochRow, EPOCHS_PER_YEAR};
pub use plan::DemoConfig;
pub use report::{DemoReport, Governance};
pub use run::{run, ADDED_WEIGHT_BPS, EMISSION, REWARD_RATE};
