//! Per-validator reward rates, the seat threshold and kick-outs, through
//! accounts and what contracts read.

mod common;
use common::*;
use localnet::{derive_public_key, AccountId, Localnet, NearToken, RewardRate};
use serde_json::json;

fn validator_info(net: &Localnet, probe: &AccountId, who: &AccountId) -> (u128, u128) {
    let (stake, total): (String, String) = net
        .view(probe, "validator_info", json!({ "account_id": who }))
        .unwrap();
    (stake.parse().unwrap(), total.parse().unwrap())
}

fn stake(net: &mut Localnet, v: &AccountId, amount: NearToken) -> NearToken {
    let out = net
        .batch(v, v)
        .stake(amount, derive_public_key(v))
        .transact();
    out.assert_success();
    out.tokens_burnt()
}

#[test]
fn each_validator_earns_its_own_rate_and_the_rest_the_chain_rate() {
    let mut net = Localnet::builder()
        .reward_rate(RewardRate::new(1, 1_000))
        .build();
    let a = net.create_account("a.near", near(1_000));
    let b = net.create_account("b.near", near(1_000));
    net.seed_validator(&a, near(500));
    net.seed_validator(&b, near(500));
    let own = RewardRate::new(4, 1_000);
    net.set_validator_reward_rate_of(&b, own);
    assert_eq!(net.validator_reward_rate_of(&b), own);
    assert_eq!(net.validator_reward_rate_of(&a), RewardRate::new(1, 1_000));
    net.advance_epochs(1);
    assert_eq!(
        net.locked(&a),
        near(500)
            .checked_add(NearToken::from_millinear(500))
            .unwrap()
    );
    assert_eq!(net.locked(&b), near(502));
    // The chain-wide setter leaves the override alone.
    net.set_validator_reward_rate(RewardRate::ZERO);
    let (la, lb) = (net.locked(&a), net.locked(&b));
    net.advance_epochs(1);
    assert_eq!(net.locked(&a), la);
    assert!(net.locked(&b) > lb);
    net.clear_validator_reward_rate_of(&b);
    let lb = net.locked(&b);
    net.advance_epochs(1);
    assert_eq!(net.locked(&b), lb);
}

#[test]
fn a_validator_below_the_seat_threshold_is_out_unpaid_and_liquid_until_it_proposes_again() {
    let mut net = Localnet::builder()
        .reward_rate(RewardRate::new(1, 1_000))
        .build();
    let probe = deploy_probe(&mut net, "probe.near", near(10));
    let v = net.create_account("v.near", near(1_000));
    let big = net.create_account("big.near", near(10_000));
    net.seed_validator(&v, near(100));
    net.seed_validator(&big, near(5_000));
    net.set_seat_threshold(near(1_000));
    assert_eq!(net.seat_threshold(), near(1_000));
    // Set 2 was formed before the change: v validates epoch 2 and is paid.
    net.advance_epochs(1);
    // It would have rolled over into set 3 with epoch 1's reward.
    let short = near(100)
        .checked_add(NearToken::from_millinear(100))
        .unwrap();
    assert_eq!(net.kicked_out().get(&v), Some(&short), "left out of set 3");
    let (seen, _) = validator_info(&net, &probe, &v);
    assert_eq!(seen, near(100).as_yoctonear());
    net.advance_epochs(1);
    // Epoch 3: out. Contracts read zero and a total without it.
    let (seen, total) = validator_info(&net, &probe, &v);
    assert_eq!(seen, 0);
    assert!(!net.validators().0.contains_key(&v));
    assert_eq!(total, net.validators().0[&big].as_yoctonear());
    // Still locked at epoch 2's stake; the rewards above it came back.
    let locked = net.locked(&v);
    assert_eq!(locked, near(100));
    let liquid = net.balance(&v);
    net.advance_epochs(1);
    // No set holds it any more: the whole of it is liquid, nothing earned in epoch 3.
    assert_eq!(net.locked(&v), NearToken::ZERO);
    assert_eq!(net.balance(&v), liquid.checked_add(locked).unwrap());
    let back = net.balance(&v);
    net.advance_epochs(1);
    assert_eq!(net.balance(&v), back, "no reward while out");
    assert!(
        !net.validators().0.contains_key(&v),
        "no return without a proposal"
    );
    // A proposal at the threshold seats it two epochs later.
    stake(&mut net, &v, near(1_000));
    assert_eq!(net.locked(&v), near(1_000));
    net.advance_epochs(2);
    assert_eq!(
        validator_info(&net, &probe, &v).0,
        near(1_000).as_yoctonear()
    );
}

#[test]
fn a_proposal_short_of_the_threshold_wins_no_seat_and_its_stake_comes_back() {
    let mut net = Localnet::builder().seat_threshold(near(500)).build();
    let v = net.create_account("v.near", near(1_000));
    let liquid = net.balance(&v);
    let burnt = stake(&mut net, &v, near(100));
    assert_eq!(net.locked(&v), near(100));
    net.advance_epochs(1);
    assert_eq!(net.kicked_out().get(&v), Some(&near(100)));
    assert_eq!(net.locked(&v), NearToken::ZERO);
    assert_eq!(net.balance(&v), liquid.checked_sub(burnt).unwrap());
    net.advance_epochs(2);
    assert!(!net.validators().0.contains_key(&v));
}
