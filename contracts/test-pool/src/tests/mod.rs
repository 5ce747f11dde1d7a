mod harness;

mod owner;
mod rewards;
mod rng;
mod share_math;
mod shares;
mod staking;
mod unlock;
mod views;

#[cfg(feature = "test")]
mod faults;
#[cfg(feature = "test")]
mod faults_loss;
#[cfg(feature = "test")]
mod faults_reply;
