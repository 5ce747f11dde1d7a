//! Initialisation, stake actions and their callback, and the log lines.

use near_sdk::test_utils::get_created_receipts;
use near_sdk::{testing_env, PromiseError};

use super::harness::*;
use crate::gas::ON_STAKE_ACTION_GAS;
use crate::{TestPool, STAKE_SHARE_PRICE_GUARANTEE_FUND};

#[test]
fn initialisation_stakes_all_but_the_guarantee_fund() {
    let chain = Chain::new();
    assert_eq!(
        chain.stake_actions(),
        vec![StakeAction {
            stake: INITIAL_BALANCE - STAKE_SHARE_PRICE_GUARANTEE_FUND,
            public_key: staking_key().to_string(),
            with_callback: true,
        }]
    );
    assert_eq!(chain.pool.total_staked_balance, initial_stake());
    assert_eq!(
        chain.pool.total_stake_shares,
        initial_stake(),
        "price starts at 1"
    );
    assert_eq!(chain.locked, initial_stake());
    let callback_gas = chain
        .receipts
        .iter()
        .flat_map(|r| &r.actions)
        .find_map(|a| match a {
            near_sdk::mock::MockAction::FunctionCallWeight { prepaid_gas, .. } => {
                Some(*prepaid_gas)
            }
            _ => None,
        });
    assert_eq!(callback_gas, Some(ON_STAKE_ACTION_GAS));
}

#[test]
#[should_panic(expected = "The staking pool shouldn't be staking at the initialization")]
fn initialisation_of_a_staking_account_is_rejected() {
    testing_env!(context(&pool_id(), INITIAL_BALANCE, NEAR, 0, 0));
    TestPool::new(owner(), staking_key(), fee(0, 1));
}

#[test]
#[should_panic(expected = "E_INIT_BALANCE")]
fn initialisation_without_more_than_the_fund_is_rejected() {
    testing_env!(context(
        &pool_id(),
        STAKE_SHARE_PRICE_GUARANTEE_FUND,
        0,
        0,
        0
    ));
    TestPool::new(owner(), staking_key(), fee(0, 1));
}

#[test]
#[should_panic(expected = "The reward fee must be less or equal to 1")]
fn initialisation_with_a_fee_above_one_is_rejected() {
    testing_env!(context(&pool_id(), INITIAL_BALANCE, 0, 0, 0));
    TestPool::new(owner(), staking_key(), fee(2, 1));
}

#[test]
fn every_stake_change_restakes_the_total() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let total = chain.pool.total_staked_balance;
    assert_eq!(chain.stake_actions()[0].stake, total);
    assert!(chain.stake_actions()[0].with_callback);
    assert_eq!(chain.locked, total);

    chain.unstake(&alice(), 3 * NEAR);
    assert_eq!(chain.stake_actions()[0].stake, total - 3 * NEAR);
    assert_eq!(chain.locked, total - 3 * NEAR);

    chain.stake(&alice(), NEAR);
    assert_eq!(chain.stake_actions()[0].stake, total - 2 * NEAR);
}

#[test]
fn a_deposit_within_the_epoch_does_not_restake() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    assert!(chain.stake_actions().is_empty());
    chain.skip_epochs(1);
    chain.deposit(&alice(), NEAR);
    assert_eq!(chain.stake_actions().len(), 1, "a new epoch restakes");
}

fn callback_env(chain: &Chain, locked: u128) {
    testing_env!(
        context(&pool_id(), chain.balance, locked, chain.epoch, 0),
        near_sdk::test_vm_config(),
        near_sdk::RuntimeFeesConfig::test(),
        Default::default(),
        vec![near_sdk::PromiseResult::Failed],
    );
}

#[test]
fn a_refused_stake_action_unstakes_everything() {
    let mut chain = Chain::new();
    chain.reject_stake_actions = true;
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    // The pool held its initial stake; the refused restake makes it leave.
    assert_eq!(chain.locked, 0);

    let mut chain = Chain::new();
    callback_env(&chain, chain.locked);
    chain.pool.on_stake_action(Err(PromiseError::Failed));
    let actions = stake_actions(&get_created_receipts());
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].stake, 0);
    assert!(!actions[0].with_callback);
}

#[test]
fn a_refused_stake_with_nothing_locked_does_nothing() {
    let mut chain = Chain::new();
    callback_env(&chain, 0);
    chain.pool.on_stake_action(Err(PromiseError::Failed));
    assert!(get_created_receipts().is_empty());
}

#[test]
fn a_successful_stake_action_needs_nothing_more() {
    let mut chain = Chain::new();
    testing_env!(context(
        &pool_id(),
        chain.balance,
        chain.locked,
        chain.epoch,
        0
    ));
    chain.pool.on_stake_action(Ok(()));
    assert!(get_created_receipts().is_empty());
}

#[test]
fn deposit_logs_the_core_line() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), 5);
    chain.deposit(&alice(), NEAR);
    assert_eq!(
        chain.logs,
        vec![format!(
            "@alice.near deposited {NEAR}. New unstaked balance is {}",
            NEAR + 5
        )]
    );
}

#[test]
fn deposit_and_stake_logs_deposit_staking_and_totals() {
    let mut chain = Chain::new();
    let amount = 2 * NEAR;
    chain.deposit_and_stake(&alice(), amount);
    let total = initial_stake() + amount;
    assert_eq!(
        chain.logs,
        vec![
            format!("@alice.near deposited {amount}. New unstaked balance is {amount}"),
            format!(
                "@alice.near staking {amount}. Received {amount} new staking shares. \
                 Total 0 unstaked balance and {amount} staking shares"
            ),
            format!("Contract total staked balance is {total}. Total number of shares {total}"),
        ]
    );
}
