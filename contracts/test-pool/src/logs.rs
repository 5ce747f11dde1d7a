//! The core pool's log lines, verbatim: explorers and indexers parse them.

use near_sdk::{env, AccountId, EpochHeight};

pub(crate) fn deposited(account_id: &AccountId, amount: u128, unstaked: u128) {
    env::log_str(&format!(
        "@{account_id} deposited {amount}. New unstaked balance is {unstaked}"
    ));
}

pub(crate) fn withdrawing(account_id: &AccountId, amount: u128, unstaked: u128) {
    env::log_str(&format!(
        "@{account_id} withdrawing {amount}. New unstaked balance is {unstaked}"
    ));
}

pub(crate) fn staking(
    account_id: &AccountId,
    charged: u128,
    new_shares: u128,
    unstaked: u128,
    shares: u128,
) {
    env::log_str(&format!(
        "@{account_id} staking {charged}. Received {new_shares} new staking shares. \
         Total {unstaked} unstaked balance and {shares} staking shares"
    ));
}

pub(crate) fn unstaking(
    account_id: &AccountId,
    received: u128,
    spent_shares: u128,
    unstaked: u128,
    shares: u128,
) {
    env::log_str(&format!(
        "@{account_id} unstaking {received}. Spent {spent_shares} staking shares. \
         Total {unstaked} unstaked balance and {shares} staking shares"
    ));
}

pub(crate) fn totals(total_staked_balance: u128, total_stake_shares: u128) {
    env::log_str(&format!(
        "Contract total staked balance is {total_staked_balance}. \
         Total number of shares {total_stake_shares}"
    ));
}

pub(crate) fn rewards(
    epoch_height: EpochHeight,
    total_reward: u128,
    total_staked_balance: u128,
    total_stake_shares: u128,
) {
    env::log_str(&format!(
        "Epoch {epoch_height}: Contract received total rewards of {total_reward} tokens. \
         New total staked balance is {total_staked_balance}. \
         Total number of shares {total_stake_shares}"
    ));
}

pub(crate) fn fee_shares(num_shares: u128) {
    env::log_str(&format!("Total rewards fee is {num_shares} stake shares."));
}
