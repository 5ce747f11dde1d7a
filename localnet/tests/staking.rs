//! Stake actions, validators, rewards, outside stake and the unstake delay.

mod common;
use common::*;
use localnet::{derive_public_key, AccountId, Gas, Localnet, NearToken, RewardRate};
use serde_json::json;

fn validator_info(net: &Localnet, probe: &AccountId, who: &AccountId) -> (u128, u128) {
    let (stake, total): (String, String) = net
        .view(probe, "validator_info", json!({ "account_id": who }))
        .unwrap();
    (stake.parse().unwrap(), total.parse().unwrap())
}

fn stake(net: &mut Localnet, v: &AccountId, amount: NearToken) -> localnet::ExecutionOutcome {
    net.batch(v, v)
        .stake(amount, derive_public_key(v))
        .transact()
}

#[test]
fn stake_locks_at_once_and_validates_two_epochs_later() {
    let mut net = Localnet::new();
    let probe = deploy_probe(&mut net, "probe.near", near(10));
    let v = net.create_account("v.near", near(1_000));
    let outside = near(1_000_000);
    net.set_external_validator_stake(outside);
    let before = net.balance(&v);
    let out = stake(&mut net, &v, near(600));
    out.assert_success();
    assert_eq!(net.locked(&v), near(600));
    assert_eq!(
        before.as_yoctonear() - net.balance(&v).as_yoctonear(),
        near(600).as_yoctonear() + out.tokens_burnt().as_yoctonear()
    );
    let epoch = net.epoch_height();
    assert_eq!(
        validator_info(&net, &probe, &v),
        (0, outside.as_yoctonear())
    );
    net.advance_epochs(1);
    assert_eq!(
        validator_info(&net, &probe, &v),
        (0, outside.as_yoctonear())
    );
    net.advance_epochs(1);
    assert_eq!(net.epoch_height(), epoch + 2);
    assert_eq!(
        validator_info(&net, &probe, &v),
        (
            near(600).as_yoctonear(),
            outside.as_yoctonear() + near(600).as_yoctonear()
        )
    );
    assert_eq!(net.validators().0.get(&v), Some(&near(600)));
}

#[test]
fn validators_are_rewarded_on_their_stake_each_epoch() {
    let mut net = Localnet::new();
    // The validator is a probe, so it can report what a contract sees.
    let v = deploy_probe(&mut net, "v.near", near(1_000));
    stake(&mut net, &v, near(500)).assert_success();
    net.advance_epochs(2);
    let rate = RewardRate::new(1, 1_000);
    net.set_validator_reward_rate(rate);
    for _ in 0..4 {
        let (stake_now, _) = validator_info(&net, &v, &v);
        let locked = net.locked(&v);
        let liquid = net.balance(&v);
        net.advance_epochs(1);
        let reward = rate.reward(NearToken::from_yoctonear(stake_now));
        assert!(reward > NearToken::ZERO);
        assert_eq!(net.locked(&v), locked.checked_add(reward).unwrap());
        assert_eq!(net.balance(&v), liquid);
    }
    let (_, _, _, balance, locked, _): (u64, u64, u64, String, String, u64) =
        net.view(&v, "chain_info", json!({})).unwrap();
    assert_eq!(locked, net.locked(&v).as_yoctonear().to_string());
    assert_eq!(balance, net.balance(&v).as_yoctonear().to_string());
}

#[test]
fn lowered_stake_returns_to_the_liquid_balance_three_boundaries_later() {
    let mut net = Localnet::new();
    let v = net.create_account("v.near", near(1_000));
    stake(&mut net, &v, near(600)).assert_success();
    net.advance_epochs(3);
    let liquid = net.balance(&v);
    let out = stake(&mut net, &v, near(200));
    out.assert_success();
    let liquid = liquid.checked_sub(out.tokens_burnt()).unwrap();
    // Lowering a stake only proposes it; the balance stays locked for now.
    assert_eq!(net.locked(&v), near(600));
    for _ in 0..2 {
        net.advance_epochs(1);
        assert_eq!(net.locked(&v), near(600));
        assert_eq!(net.balance(&v), liquid);
    }
    net.advance_epochs(1);
    assert_eq!(net.locked(&v), near(200));
    assert_eq!(net.balance(&v), liquid.checked_add(near(400)).unwrap());
    // Unstaking everything takes the same three boundaries.
    stake(&mut net, &v, NearToken::ZERO).assert_success();
    net.advance_epochs(2);
    assert_eq!(net.locked(&v), near(200));
    net.advance_epochs(1);
    assert_eq!(net.locked(&v), NearToken::ZERO);
    assert!(!net.validators().0.contains_key(&v));
}

#[test]
fn a_contract_stakes_through_a_promise() {
    let (mut net, alice, [a, _, _]) = setup();
    let out = net
        .call(&alice, &a, "stake")
        .args_json(json!({
            "amount": near(20).as_yoctonear().to_string(),
            "public_key": derive_public_key(&a).to_string(),
        }))
        .gas(Gas::from_tgas(50))
        .transact();
    out.assert_success();
    assert_eq!(net.locked(&a), near(20));
    net.advance_epochs(2);
    assert_eq!(validator_info(&net, &a, &a).0, near(20).as_yoctonear());
}

#[test]
fn stake_errors() {
    let mut net = Localnet::new();
    let v = net.create_account("v.near", near(10));
    stake(&mut net, &v, near(11)).assert_failure_contains("tries to stake");
    stake(&mut net, &v, NearToken::ZERO)
        .assert_failure_contains("is not yet staked, but tries to unstake");
    assert_eq!(net.locked(&v), NearToken::ZERO);
    // A staking account cannot be deleted.
    stake(&mut net, &v, near(5)).assert_success();
    let bob = net.create_account("bob.near", near(1));
    net.batch(&v, &v)
        .delete_account(&bob)
        .transact()
        .assert_failure_contains("is staking");

    let mut strict = Localnet::builder().minimum_stake(near(100)).build();
    let w = strict.create_account("w.near", near(1_000));
    stake(&mut strict, &w, near(50)).assert_failure_contains("minimum required stake");
}

#[test]
fn outside_validators_count_in_stake_views() {
    let mut net = Localnet::new();
    let probe = deploy_probe(&mut net, "probe.near", near(10));
    let big: AccountId = "big.poolv1.near".parse().unwrap();
    net.set_external_validator(&big, near(20_000_000));
    net.set_external_validator_stake(near(300_000_000));
    assert_eq!(
        validator_info(&net, &probe, &big),
        (
            near(20_000_000).as_yoctonear(),
            near(320_000_000).as_yoctonear()
        )
    );
    // Seeded validators count at once.
    let v = net.create_account("v.near", near(1_000));
    net.seed_validator(&v, near(700));
    assert_eq!(net.locked(&v), near(700));
    assert_eq!(net.balance(&v), near(300));
    assert_eq!(
        validator_info(&net, &probe, &v),
        (near(700).as_yoctonear(), near(320_000_700).as_yoctonear())
    );
    net.set_external_validator(&big, NearToken::ZERO);
    assert_eq!(validator_info(&net, &probe, &big).0, 0);
}
