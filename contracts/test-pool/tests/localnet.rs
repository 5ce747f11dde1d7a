//! res/test_pool.wasm on localnet: real stake actions, rewards paid by the
//! chain into the locked balance, the 4-epoch unlock, withdrawals. Every
//! mutating call attaches the router's `GAS_FOR_POOL_STAKE_CALL`.

mod common;

use common::*;
use localnet::NearToken;
use meta_common::shares::SharePool;
use serde_json::json;

/// Epochs from the pool's first stake until the chain has paid it a reward:
/// a stake proposed in epoch E validates in E + 2 and is rewarded at its end.
const EPOCHS_TO_FIRST_REWARD: u64 = 3;

#[test]
fn deposit_and_stake_locks_the_deposit() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let total_before = p.total_staked();
    assert_eq!(
        p.net.locked(&p.pool).as_yoctonear(),
        total_before,
        "new stakes"
    );

    let alice = p.alice.clone();
    let out = p.call(&alice, "deposit_and_stake", json!({}), near(10));
    out.assert_success();
    assert_eq!(p.staked(&alice), 10 * 10u128.pow(24));
    assert_eq!(p.unstaked(&alice), 0);
    assert_eq!(p.total_staked(), total_before + 10 * 10u128.pow(24));
    assert_eq!(stake_actions(&out), vec![p.total_staked()]);
    assert_eq!(p.net.locked(&p.pool).as_yoctonear(), p.total_staked());
    assert_eq!(
        out.logs()[0],
        format!(
            "@alice.near deposited {0}. New unstaked balance is {0}",
            10 * 10u128.pow(24)
        )
    );
    let account: serde_json::Value = p.view("get_account", json!({ "account_id": alice }));
    assert_eq!(
        account,
        json!({
            "account_id": "alice.near",
            "unstaked_balance": "0",
            "staked_balance": (10 * 10u128.pow(24)).to_string(),
            "can_withdraw": true,
        })
    );
}

#[test]
fn rewards_stay_stale_until_the_first_call_of_an_epoch() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(100))
        .assert_success();
    let mut total = p.total_staked();
    let mut alice_staked = p.staked(&alice);

    for _ in 0..2 {
        let holdings = p.holdings();
        let epoch = p.net.epoch_height();
        p.net.advance_epochs(EPOCHS_TO_FIRST_REWARD);
        assert!(p.holdings() > holdings, "the chain paid a reward");
        assert_eq!(p.total_staked(), total, "views are stale before a call");
        assert_eq!(p.staked(&alice), alice_staked);

        let before_ping = p.holdings();
        let out = p.call(&alice, "ping", json!({}), NearToken::ZERO);
        out.assert_success();
        let reward = logged_reward(&out).expect("a reward line");
        assert_eq!(reward, before_ping - holdings, "the reward is the growth");
        assert!(out.logs()[0].starts_with(&format!(
            "Epoch {}: Contract received total rewards of {reward} tokens.",
            epoch + EPOCHS_TO_FIRST_REWARD
        )));
        assert_eq!(p.total_staked(), total + reward);
        assert!(p.staked(&alice) > alice_staked);
        assert!(
            p.staked(&p.owner.clone()) > 0,
            "the owner's fee bought shares"
        );
        assert!(out.logs()[1].starts_with("Total rewards fee is "));
        assert_eq!(stake_actions(&out), vec![p.total_staked()], "restakes");

        let again = p.call(&alice, "ping", json!({}), NearToken::ZERO);
        assert!(again.logs().is_empty(), "once per epoch");
        assert!(stake_actions(&again).is_empty());
        (total, alice_staked) = (p.total_staked(), p.staked(&alice));
    }
}

#[test]
fn unstaked_balance_unlocks_four_epochs_after_the_last_unstake() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(20))
        .assert_success();
    p.call(
        &alice,
        "unstake",
        json!({"amount": near(5).as_yoctonear().to_string()}),
        NearToken::ZERO,
    )
    .assert_success();
    assert!(!p.can_withdraw(&alice));
    let first = p.unstaked(&alice);
    assert!(first >= near(5).as_yoctonear());

    // Two epochs later a second unstake restarts the wait for everything.
    p.net.advance_epochs(2);
    p.call(
        &alice,
        "unstake",
        json!({"amount": near(1).as_yoctonear().to_string()}),
        NearToken::ZERO,
    )
    .assert_success();
    p.net.advance_epochs(2); // four epochs after the first unstake
    assert!(!p.can_withdraw(&alice));
    p.call(
        &alice,
        "withdraw",
        json!({"amount": first.to_string()}),
        NearToken::ZERO,
    )
    .assert_failure_contains("The unstaked balance is not yet available due to unstaking delay");

    p.net.advance_epochs(1);
    assert!(!p.can_withdraw(&alice), "three epochs after the second");
    p.net.advance_epochs(1);
    assert!(p.can_withdraw(&alice), "four epochs after the second");
    let unstaked = p.unstaked(&alice);
    let out = p.call(&alice, "withdraw_all", json!({}), NearToken::ZERO);
    out.assert_success();
    assert_eq!(transfers(&out), vec![(alice.clone(), unstaked)]);
    assert_eq!(p.unstaked(&alice), 0);
}

#[test]
fn a_full_exit_leaves_nothing_and_the_pool_can_pay_it() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(30))
        .assert_success();
    p.net.advance_epochs(EPOCHS_TO_FIRST_REWARD);
    p.call(&alice, "ping", json!({}), NearToken::ZERO)
        .assert_success();
    let staked = p.staked(&alice);
    assert!(staked > near(30).as_yoctonear());

    // Lockups unstake exactly the reported staked balance.
    p.call(
        &alice,
        "unstake",
        json!({"amount": staked.to_string()}),
        NearToken::ZERO,
    )
    .assert_success();
    assert_eq!(p.staked(&alice), 0);
    p.net.advance_epochs(4);
    let unstaked = p.unstaked(&alice);
    let liquid_before = p.net.balance(&alice).as_yoctonear();
    let out = p.call(
        &alice,
        "withdraw",
        json!({"amount": unstaked.to_string()}),
        NearToken::ZERO,
    );
    out.assert_success();
    assert_eq!(transfers(&out), vec![(alice.clone(), unstaked)]);
    assert_eq!(
        p.net.balance(&alice).as_yoctonear() + out.tokens_burnt().as_yoctonear(),
        liquid_before + unstaked
    );
    assert_eq!(p.total(&alice), 0);
    let accounts: u64 = p.view("get_number_of_accounts", json!({}));
    assert_eq!(accounts, 1, "only the owner's fee shares remain");
}

#[test]
fn a_deposit_worth_no_share_is_rejected_and_refunded() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    let bob = p.bob.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(10))
        .assert_success();
    p.net.advance_epochs(EPOCHS_TO_FIRST_REWARD);
    let out = p.call(&alice, "ping", json!({}), NearToken::ZERO);
    let price = logged_totals(&out).expect("the reward line states the totals");
    assert!(price.total_staked > price.total_shares, "price above 1");

    // The largest amount that buys no share: amount * shares < staked.
    let amount = (price.total_staked - 1) / price.total_shares;
    assert!(amount > 0);
    assert_eq!(price.shares_from_amount_down(amount), Some(0));
    let bob_before = p.net.balance(&bob).as_yoctonear();
    let out = p.call(
        &bob,
        "deposit_and_stake",
        json!({}),
        NearToken::from_yoctonear(amount),
    );
    out.assert_failure_contains(
        "The calculated number of \\\"stake\\\" shares received for staking should be positive",
    );
    assert_eq!(p.total(&bob), 0);
    assert_eq!(
        p.net.balance(&bob).as_yoctonear() + out.tokens_burnt().as_yoctonear(),
        bob_before,
        "the deposit came back"
    );

    // One yocto more buys one share; the rest stays unstaked.
    let out = p.call(
        &bob,
        "deposit_and_stake",
        json!({}),
        NearToken::from_yoctonear(amount + 1),
    );
    out.assert_success();
    let charged = price.amount_from_shares_down(1).unwrap();
    let after = SharePool::new(
        price.total_staked + price.amount_from_shares_up(1).unwrap(),
        price.total_shares + 1,
    );
    assert_eq!(logged_totals(&out), Some(after));
    assert_eq!(p.unstaked(&bob), amount + 1 - charged);
    assert_eq!(p.staked(&bob), after.amount_from_shares_down(1).unwrap());
}

#[test]
fn pausing_unstakes_and_resuming_restakes() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    p.call(&alice, "deposit_and_stake", json!({}), near(10))
        .assert_success();
    let out = p.owner_call("pause_staking", json!({}));
    out.assert_success();
    assert_eq!(stake_actions(&out), vec![0]);
    let out = p.call(&alice, "deposit_and_stake", json!({}), near(5));
    out.assert_success();
    assert!(
        stake_actions(&out).is_empty(),
        "no stake action while paused"
    );
    p.net.advance_epochs(3);
    assert_eq!(p.net.locked(&p.pool), NearToken::ZERO);

    let out = p.owner_call("resume_staking", json!({}));
    out.assert_success();
    assert_eq!(p.net.locked(&p.pool).as_yoctonear(), p.total_staked());
}

#[test]
fn owner_methods_reject_others() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let alice = p.alice.clone();
    for (method, args) in [
        ("pause_staking", json!({})),
        (
            "update_reward_fee_fraction",
            json!({"reward_fee_fraction": {"numerator": 0, "denominator": 1}}),
        ),
    ] {
        p.call(&alice, method, args, NearToken::ZERO)
            .assert_failure_contains("Can only be called by the owner");
    }
}

#[test]
fn the_production_build_has_no_fault_switch() {
    let mut p = PoolNet::deploy("test_pool.wasm");
    let out = p.owner_call("fault_fail_views", json!({"enabled": true}));
    assert!(out.is_failure());
    assert!(
        out.failure_message().unwrap().contains("MethodNotFound"),
        "{:?}",
        out.failure_message()
    );
}
