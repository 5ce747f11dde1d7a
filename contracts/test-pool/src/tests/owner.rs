//! The owner's methods and who may call them.

use near_sdk::serde_json::{self, json};
use near_sdk::AccountId;

use super::harness::*;
use crate::gas::VOTE_GAS;

#[test]
#[should_panic(expected = "Can only be called by the owner")]
fn only_the_owner_updates_the_staking_key() {
    Chain::new().call(&alice(), 0, |p| p.update_staking_key(other_key()));
}

#[test]
#[should_panic(expected = "Can only be called by the owner")]
fn only_the_owner_updates_the_fee() {
    Chain::new().call(&alice(), 0, |p| p.update_reward_fee_fraction(fee(1, 2)));
}

#[test]
#[should_panic(expected = "Can only be called by the owner")]
fn only_the_owner_votes() {
    Chain::new().call(&alice(), 0, |p| {
        p.vote("voting.near".parse().unwrap(), true).detach();
    });
}

#[test]
#[should_panic(expected = "Can only be called by the owner")]
fn only_the_owner_pauses() {
    Chain::new().call(&alice(), 0, |p| p.pause_staking());
}

#[test]
#[should_panic(expected = "Can only be called by the owner")]
fn only_the_owner_resumes() {
    let mut chain = Chain::new();
    chain.call(&owner(), 0, |p| p.pause_staking());
    chain.call(&alice(), 0, |p| p.resume_staking());
}

#[test]
fn the_owner_updates_the_staking_key_and_restakes_with_it() {
    let mut chain = Chain::new();
    chain.call(&owner(), 0, |p| p.update_staking_key(other_key()));
    assert_eq!(chain.view(|p| p.get_staking_key()), other_key());
    let actions = chain.stake_actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].public_key, other_key().to_string());
    assert_eq!(actions[0].stake, chain.pool.total_staked_balance);
}

#[test]
#[should_panic(expected = "Denominator must be a positive number")]
fn a_fee_with_zero_denominator_is_rejected() {
    Chain::new().call(&owner(), 0, |p| p.update_reward_fee_fraction(fee(0, 0)));
}

#[test]
#[should_panic(expected = "The reward fee must be less or equal to 1")]
fn a_fee_above_one_is_rejected() {
    Chain::new().call(&owner(), 0, |p| p.update_reward_fee_fraction(fee(3, 2)));
}

#[test]
fn a_fee_of_one_is_accepted() {
    let mut chain = Chain::new();
    chain.call(&owner(), 0, |p| p.update_reward_fee_fraction(fee(5, 5)));
    assert_eq!(chain.view(|p| p.get_reward_fee_fraction()), fee(5, 5));
}

#[test]
fn the_owner_votes_through_the_voting_contract() {
    let mut chain = Chain::new();
    let voting: AccountId = "voting.near".parse().unwrap();
    chain.call(&owner(), 0, |p| {
        p.vote(voting.clone(), true).detach();
    });
    let calls = chain.function_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, voting);
    assert_eq!(calls[0].1, "vote");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&calls[0].2).unwrap(),
        json!({"is_vote": true})
    );
    let gas = chain
        .receipts
        .iter()
        .flat_map(|r| &r.actions)
        .find_map(|a| match a {
            near_sdk::mock::MockAction::FunctionCallWeight { prepaid_gas, .. } => {
                Some(*prepaid_gas)
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(gas, VOTE_GAS);
}

#[test]
fn pausing_stakes_nothing_and_stakes_stay_bookkeeping() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.call(&owner(), 0, |p| p.pause_staking());
    assert!(chain.view(|p| p.is_staking_paused()));
    assert_eq!(
        chain.stake_actions(),
        vec![StakeAction {
            stake: 0,
            public_key: staking_key().to_string(),
            with_callback: false,
        }]
    );
    assert_eq!(chain.locked, 0);

    // Deposits are credited as usual but nothing is staked.
    chain.deposit_and_stake(&bob(), 5 * NEAR);
    assert!(chain.stake_actions().is_empty());
    assert_eq!(chain.staked(&bob()), 5 * NEAR);
    assert_eq!(chain.locked, 0);
    chain.skip_epochs(1);
    chain.ping();
    assert!(chain.stake_actions().is_empty(), "no restake while paused");

    chain.call(&owner(), 0, |p| p.resume_staking());
    assert!(!chain.view(|p| p.is_staking_paused()));
    let actions = chain.stake_actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].stake, chain.pool.total_staked_balance);
    assert!(actions[0].with_callback);
    assert_eq!(chain.locked, chain.pool.total_staked_balance);
}

#[test]
#[should_panic(expected = "The staking is already paused")]
fn pausing_twice_is_rejected() {
    let mut chain = Chain::new();
    chain.call(&owner(), 0, |p| p.pause_staking());
    chain.call(&owner(), 0, |p| p.pause_staking());
}

#[test]
#[should_panic(expected = "The staking is not paused")]
fn resuming_an_unpaused_pool_is_rejected() {
    Chain::new().call(&owner(), 0, |p| p.resume_staking());
}
