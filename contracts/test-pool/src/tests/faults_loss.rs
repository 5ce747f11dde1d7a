//! `fault_lose_principal`: a real loss of the delegators' principal.

use meta_common::shares::SharePool;
use near_sdk::json_types::U128;
use near_sdk::serde_json::json;

use super::faults::{busy_pool, carries, event, events, panic_message};
use super::harness::*;
use crate::errors::ERR_NOT_OWNER;
use crate::faults::{ERR_FAULT_LOSS_TOO_HIGH, ERR_FAULT_LOSS_ZERO};
use crate::NUM_EPOCHS_TO_UNLOCK;

fn lose(chain: &mut Chain, amount: u128) {
    chain.price_may_fall = true;
    chain.call(&owner(), 0, |p| p.fault_lose_principal(U128(amount)));
}

/// What the pool holds but owes no one: the lost principal once restaked.
fn unowed(chain: &Chain) -> u128 {
    let unstaked: u128 = chain.pool.accounts.iter().map(|(_, a)| a.unstaked).sum();
    chain.balance + chain.locked - chain.pool.total_staked_balance - unstaked
}

#[test]
fn a_loss_lowers_the_stake_by_exactly_the_amount_small_or_large() {
    for amount in [1, 7, NEAR] {
        let mut chain = busy_pool();
        let total = chain.pool.total_staked_balance;
        let shares = chain.pool.total_stake_shares;
        let unowed_before = unowed(&chain);
        let staked = chain.staked(&alice());
        lose(&mut chain, amount);
        assert_eq!(chain.pool.total_staked_balance, total - amount);
        assert_eq!(chain.pool.total_stake_shares, shares, "shares stay");
        assert_eq!(
            chain.stake_actions(),
            vec![StakeAction {
                stake: total - amount,
                public_key: staking_key().to_string(),
                with_callback: true,
            }]
        );
        assert_eq!(
            events(&chain),
            vec![event(
                "principal_lost",
                json!({"amount": amount.to_string(),
                       "total_staked_balance": (total - amount).to_string()})
            )]
        );
        assert_eq!(unowed(&chain), unowed_before + amount, "owed to no one");
        assert!(chain.staked(&alice()) <= staked);
        if amount == NEAR {
            assert!(chain.staked(&alice()) < staked, "every share lost value");
        }
    }
}

#[test]
fn a_large_loss_makes_a_full_exit_pay_less() {
    let mut chain = busy_pool();
    let staked = chain.staked(&alice());
    let shares = chain.shares(&alice());
    let total = chain.pool.total_staked_balance;
    let loss = total / 10 * 3;
    lose(&mut chain, loss);
    // Every share bears the loss: Alice's are worth 30% less.
    let expected = SharePool::new(total - loss, chain.pool.total_stake_shares)
        .amount_from_shares_down(shares)
        .unwrap();
    assert_eq!(chain.staked(&alice()), expected);
    assert!(expected.abs_diff(staked / 10 * 7) <= 1);

    chain.call(&alice(), 0, |p| p.unstake_all());
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK);
    let unstaked = chain.unstaked(&alice());
    chain.call(&alice(), 0, |p| p.withdraw_all());
    let paid: u128 = chain.transfers().iter().map(|(_, a)| a).sum();
    assert_eq!(paid, unstaked);
    // Her unstaked NEAR back in full, her stake 30% short (an unstake
    // credits at most one yocto of rounding more).
    assert!(
        paid >= NEAR + expected && paid <= NEAR + expected + 1,
        "{paid}"
    );
}

#[test]
fn the_lost_principal_is_not_handed_back_as_a_reward() {
    let mut chain = busy_pool();
    lose(&mut chain, 5 * NEAR);
    let total = chain.pool.total_staked_balance;
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total);
    assert!(
        chain
            .logs
            .iter()
            .all(|l| !l.contains("received total rewards")),
        "{:?}",
        chain.logs
    );
    // A real reward after the loss is distributed as usual.
    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total + NEAR);
}

#[test]
fn rewards_already_paid_are_distributed_before_the_loss() {
    let mut chain = busy_pool();
    let total = chain.pool.total_staked_balance;
    chain.pay_reward(2 * NEAR);
    chain.skip_epochs(1);
    lose(&mut chain, NEAR);
    assert_eq!(chain.pool.total_staked_balance, total + 2 * NEAR - NEAR);
    assert!(chain.logs[0].contains("received total rewards of 2000000000000000000000000"));
}

#[test]
fn a_paused_pool_loses_stake_without_a_stake_action() {
    let mut chain = busy_pool();
    chain.call(&owner(), 0, |p| p.pause_staking());
    let total = chain.pool.total_staked_balance;
    lose(&mut chain, NEAR);
    assert_eq!(chain.pool.total_staked_balance, total - NEAR);
    assert!(chain.stake_actions().is_empty());
}

#[test]
fn a_loss_of_zero_or_of_the_whole_stake_is_refused() {
    let total = busy_pool().pool.total_staked_balance;
    for (amount, error) in [
        (0, ERR_FAULT_LOSS_ZERO),
        (total, ERR_FAULT_LOSS_TOO_HIGH),
        (u128::MAX, ERR_FAULT_LOSS_TOO_HIGH),
    ] {
        let mut chain = busy_pool();
        let message = panic_message(|| lose(&mut chain, amount));
        assert!(carries(message.clone(), error), "{amount}: {message:?}");
    }
    let mut chain = busy_pool();
    lose(&mut chain, total - 1);
    assert_eq!(chain.pool.total_staked_balance, 1);
}

#[test]
fn only_the_owner_loses_principal() {
    let mut chain = busy_pool();
    let message = panic_message(|| lose(&mut chain, 1));
    assert!(message.is_none(), "the owner may");
    let message = panic_message(|| {
        chain.call(&alice(), 0, |p| p.fault_lose_principal(U128(1)));
    });
    assert!(carries(message, ERR_NOT_OWNER));
}
