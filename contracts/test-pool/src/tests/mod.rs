mod harness;

mod owner;
mod rewards;
mod shares;
mod staking;
mod unlock;
mod views;

#[cfg(feature = "test")]
mod faults;
