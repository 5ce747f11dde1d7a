//! Reward distribution: once per epoch, at the first mutating call, with the
//! owner's fee bought as shares; views stale until then.

use meta_common::shares::{mul_div_down, SharePool};

use super::harness::*;

#[test]
fn views_are_stale_until_the_first_call_of_the_new_epoch() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let staked_before = chain.staked(&alice());
    let total_before = chain.view(|p| u(p.get_total_staked_balance()));

    let reward = 2 * NEAR + 1;
    chain.pay_reward(reward);
    chain.skip_epochs(1);
    assert_eq!(chain.staked(&alice()), staked_before, "stale before ping");
    assert_eq!(
        chain.view(|p| u(p.get_total_staked_balance())),
        total_before
    );

    let shares = chain.shares(&alice());
    chain.ping();
    let after = SharePool::new(total_before + reward, chain.pool.total_stake_shares);
    assert_eq!(
        chain.pool.total_stake_shares, total_before,
        "no fee, no new shares"
    );
    assert_eq!(
        chain.view(|p| u(p.get_total_staked_balance())),
        total_before + reward
    );
    assert_eq!(
        chain.staked(&alice()),
        after.amount_from_shares_down(shares).unwrap()
    );
    assert!(chain.staked(&alice()) > staked_before);
    assert_eq!(
        chain.logs,
        vec![format!(
            "Epoch 1: Contract received total rewards of {reward} tokens. \
             New total staked balance is {}. Total number of shares {}",
            total_before + reward,
            total_before
        )]
    );
    // The pool restakes the new total.
    assert_eq!(chain.stake_actions()[0].stake, total_before + reward);
}

#[test]
fn a_reward_paid_within_the_epoch_waits_for_the_next_epoch() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let total_before = chain.pool.total_staked_balance;
    chain.pay_reward(NEAR);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total_before);
    assert!(chain.logs.is_empty());
    assert!(
        chain.stake_actions().is_empty(),
        "no restake within an epoch"
    );

    chain.skip_epochs(1);
    chain.deposit(&bob(), NEAR);
    assert_eq!(chain.pool.total_staked_balance, total_before + NEAR);
}

#[test]
fn the_attached_deposit_is_not_counted_as_reward() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let before = chain.price();
    let reward = NEAR / 7;
    chain.pay_reward(reward);
    chain.skip_epochs(1);
    // The first call of the epoch brings a deposit.
    let amount = 5 * NEAR;
    chain.deposit_and_stake(&bob(), amount);

    let raised = SharePool::new(before.total_staked + reward, before.total_shares);
    let shares = raised.shares_from_amount_down(amount).unwrap();
    assert!(chain.logs[0].contains(&format!("total rewards of {reward} tokens")));
    assert_eq!(chain.shares(&bob()), shares);
    assert_eq!(
        chain.pool.total_staked_balance,
        raised.total_staked + raised.amount_from_shares_up(shares).unwrap()
    );
}

#[test]
fn the_owner_fee_is_bought_as_shares_at_the_new_price() {
    let mut chain = Chain::with_fee(fee(10, 100));
    chain.deposit_and_stake(&alice(), 100 * NEAR);
    let before = chain.price();
    let reward = 3 * NEAR + 17;
    chain.pay_reward(reward);
    chain.skip_epochs(1);
    chain.ping();

    let owners_fee = mul_div_down(reward, 10, 100).unwrap();
    let raised = SharePool::new(
        before.total_staked + reward - owners_fee,
        before.total_shares,
    );
    let owner_shares = raised.shares_from_amount_down(owners_fee).unwrap();
    assert!(owner_shares > 0);
    assert_eq!(chain.shares(&owner()), owner_shares);
    assert_eq!(
        chain.pool.total_stake_shares,
        before.total_shares + owner_shares
    );
    assert_eq!(
        chain.pool.total_staked_balance,
        before.total_staked + reward
    );
    // The owner's stake is worth the fee, less at most a share's rounding.
    let owner_staked = chain.staked(&owner());
    assert!(owner_staked <= owners_fee);
    assert!(owners_fee - owner_staked <= 2);
    assert_eq!(
        chain.logs[1],
        format!("Total rewards fee is {owner_shares} stake shares.")
    );
    // Alice got the rest of the reward, pro rata with the seed stake.
    let alice_staked = chain.staked(&alice());
    let alice_share_of_rest = mul_div_down(
        reward - owners_fee,
        chain.shares(&alice()),
        before.total_shares,
    )
    .unwrap();
    assert!(alice_staked >= 100 * NEAR + alice_share_of_rest - 2);
    assert!(alice_staked <= 100 * NEAR + alice_share_of_rest + 2);
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 2);
}

#[test]
fn a_fee_worth_less_than_a_share_still_raises_the_stake() {
    let mut chain = Chain::with_fee(fee(1, 2));
    // Raise the price above 1 so one yocto of fee buys no share.
    chain.deposit_and_stake(&alice(), NEAR);
    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.ping();
    let owner_shares = chain.shares(&owner());
    let before = chain.price();

    chain.pay_reward(3); // fee: 1 yocto
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.shares(&owner()), owner_shares);
    assert_eq!(chain.pool.total_stake_shares, before.total_shares);
    assert_eq!(chain.pool.total_staked_balance, before.total_staked + 3);
    assert_eq!(chain.logs.len(), 1, "no fee line without fee shares");
}

#[test]
fn every_epoch_distributes_its_own_reward() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let mut total = chain.pool.total_staked_balance;
    for epoch_reward in [NEAR, 3, NEAR / 2, 0, 12_345] {
        chain.pay_reward(epoch_reward);
        chain.skip_epochs(1);
        chain.ping();
        total += epoch_reward;
        assert_eq!(chain.pool.total_staked_balance, total);
        assert_eq!(chain.logs.is_empty(), epoch_reward == 0);
    }
}

#[test]
fn liquid_balance_growth_is_shared_as_reward_too() {
    // NEAR sent to the pool without a deposit call is shared like a reward.
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    let total = chain.pool.total_staked_balance;
    chain.balance += NEAR;
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.pool.total_staked_balance, total + NEAR);
}

#[test]
#[should_panic(expected = "The new total balance should not be less than the old total balance")]
fn a_shrinking_balance_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.locked -= 1;
    chain.skip_epochs(1);
    chain.ping();
}

#[test]
fn a_fee_change_applies_after_the_pending_reward() {
    let mut chain = Chain::with_fee(fee(10, 100));
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.call(&owner(), 0, |p| p.update_reward_fee_fraction(fee(0, 1)));
    let owner_shares = chain.shares(&owner());
    assert!(owner_shares > 0, "the pending reward paid the old fee");
    assert!(!chain.stake_actions().is_empty(), "a new epoch restakes");

    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.ping();
    assert_eq!(chain.shares(&owner()), owner_shares, "the new fee is 0");
    assert_eq!(chain.view(|p| p.get_reward_fee_fraction()), fee(0, 1));
}
