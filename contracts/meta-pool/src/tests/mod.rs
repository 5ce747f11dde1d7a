//! Unit tests of the router, run against the simulated chain in `world`.

mod world;

mod audit;
mod donation;
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
mod mirror;
mod pause;
mod restake;
mod storage_payer;
mod stuck_lock;
mod unstake_wait;
mod upgrade;
