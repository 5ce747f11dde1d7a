//! Unit tests of the router, run against the simulated chain in `world`.

mod world;

mod audit;
mod epoch_rebalance;
mod epoch_stake;
mod epoch_status;
mod epoch_sync;
mod epoch_unstake_withdraw;
mod generated;
mod governance;
mod init_and_views;
mod liquid;
mod lockup;
mod unstake_wait;
