//! Share math and rounding: who keeps the fractions, and the price never
//! falling.

use meta_common::shares::SharePool;

use super::harness::*;
use super::rng::Rng;

/// A pool whose share price is above 1 and not a round number: Alice staked
/// 10 NEAR and an odd reward was distributed.
fn pool_with_odd_price() -> Chain {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.pay_reward(7 * NEAR + 3);
    chain.skip_epochs(1);
    chain.ping();
    let price = chain.price();
    assert!(
        price.total_staked > price.total_shares,
        "price must exceed 1"
    );
    assert!(
        !price.total_staked.is_multiple_of(price.total_shares),
        "price must not be whole"
    );
    chain
}

#[test]
fn at_price_one_deposit_and_stake_stakes_everything() {
    let mut chain = Chain::new();
    let amount = 5 * NEAR + 7;
    chain.deposit_and_stake(&alice(), amount);
    assert_eq!(chain.shares(&alice()), amount);
    assert_eq!(chain.staked(&alice()), amount);
    assert_eq!(chain.unstaked(&alice()), 0);
    assert_eq!(chain.pool.total_staked_balance, initial_stake() + amount);
}

#[test]
fn stake_rounds_shares_down_and_leaves_the_dust_unstaked() {
    let mut chain = pool_with_odd_price();
    let before = chain.price();
    let amount = 5 * NEAR + 1;
    let shares = before.shares_from_amount_down(amount).unwrap();
    let charged = before.amount_from_shares_down(shares).unwrap();
    let staked = before.amount_from_shares_up(shares).unwrap();
    assert!(charged < amount, "this amount must leave dust");

    chain.deposit(&bob(), amount);
    chain.stake(&bob(), amount);

    assert_eq!(chain.shares(&bob()), shares);
    assert_eq!(chain.unstaked(&bob()), amount - charged);
    assert_eq!(chain.pool.total_stake_shares, before.total_shares + shares);
    assert_eq!(
        chain.pool.total_staked_balance,
        before.total_staked + staked
    );
    assert!(staked - charged <= 1, "the fund pays at most one yocto");
    assert_eq!(
        chain.logs,
        vec![
            format!(
                "@bob.near staking {charged}. Received {shares} new staking shares. \
                 Total {} unstaked balance and {shares} staking shares",
                amount - charged
            ),
            format!(
                "Contract total staked balance is {}. Total number of shares {}",
                before.total_staked + staked,
                before.total_shares + shares
            ),
        ]
    );
}

#[test]
fn deposit_and_stake_leaves_the_dust_unstaked() {
    let mut chain = pool_with_odd_price();
    let before = chain.price();
    let amount = 3 * NEAR + 11;
    let shares = before.shares_from_amount_down(amount).unwrap();
    let charged = before.amount_from_shares_down(shares).unwrap();
    assert!(charged < amount);

    chain.deposit_and_stake(&bob(), amount);

    assert_eq!(chain.shares(&bob()), shares);
    assert_eq!(chain.unstaked(&bob()), amount - charged);
    assert_eq!(
        chain.logs[0],
        format!("@bob.near deposited {amount}. New unstaked balance is {amount}")
    );
}

#[test]
fn unstake_spends_shares_rounded_up_and_credits_at_least_the_amount() {
    let mut chain = pool_with_odd_price();
    let before = chain.price();
    let alice_shares = chain.shares(&alice());
    let amount = 2 * NEAR + 1;
    let spent = before.shares_from_amount_up(amount).unwrap();
    let credited = before.amount_from_shares_up(spent).unwrap();
    let removed = before.amount_from_shares_down(spent).unwrap();
    assert!(
        before.shares_from_amount_down(amount).unwrap() < spent,
        "this amount must round"
    );

    chain.unstake(&alice(), amount);

    assert_eq!(chain.shares(&alice()), alice_shares - spent);
    assert_eq!(chain.unstaked(&alice()), credited);
    assert!(credited >= amount);
    assert_eq!(
        chain.pool.total_staked_balance,
        before.total_staked - removed
    );
    assert_eq!(chain.pool.total_stake_shares, before.total_shares - spent);
    assert_eq!(
        chain.logs[0],
        format!(
            "@alice.near unstaking {credited}. Spent {spent} staking shares. \
             Total {credited} unstaked balance and {} staking shares",
            alice_shares - spent
        )
    );
}

/// The largest amount that buys no share at the pool's price.
fn largest_zero_share_amount(price: SharePool) -> u128 {
    // a buys floor(a * shares / staked) shares: zero while a * shares < staked.
    let amount = (price.total_staked - 1) / price.total_shares;
    assert_eq!(price.shares_from_amount_down(amount), Some(0));
    assert_eq!(price.shares_from_amount_down(amount + 1), Some(1));
    amount
}

#[test]
#[should_panic(
    expected = "The calculated number of \"stake\" shares received for staking should be positive"
)]
fn deposit_and_stake_of_an_amount_worth_no_share_is_rejected() {
    let mut chain = pool_with_odd_price();
    let amount = largest_zero_share_amount(chain.price());
    assert!(amount > 0);
    chain.deposit_and_stake(&bob(), amount);
}

#[test]
fn deposit_and_stake_of_one_yocto_more_buys_one_share() {
    let mut chain = pool_with_odd_price();
    let amount = largest_zero_share_amount(chain.price()) + 1;
    chain.deposit_and_stake(&bob(), amount);
    assert_eq!(chain.shares(&bob()), 1);
}

#[test]
#[should_panic(
    expected = "The calculated number of \"stake\" shares received for staking should be positive"
)]
fn stake_of_dust_is_rejected() {
    let mut chain = pool_with_odd_price();
    let amount = largest_zero_share_amount(chain.price());
    chain.deposit(&bob(), NEAR);
    chain.stake(&bob(), amount);
}

#[test]
fn unstake_all_spends_every_share_and_the_exit_is_exact() {
    let mut chain = pool_with_odd_price();
    let staked = chain.staked(&alice());
    chain.call(&alice(), 0, |p| p.unstake_all());
    assert_eq!(chain.shares(&alice()), 0);
    assert_eq!(chain.staked(&alice()), 0);
    let unstaked = chain.unstaked(&alice());
    assert!(
        unstaked >= staked,
        "unstake credits at least the staked value"
    );
    chain.skip_epochs(crate::NUM_EPOCHS_TO_UNLOCK);
    chain.withdraw(&alice(), unstaked);
    assert_eq!(
        chain.view(|p| u(p.get_account_total_balance(alice()))),
        0,
        "a full exit leaves nothing"
    );
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 0);
}

#[test]
fn unstake_of_the_reported_staked_balance_succeeds() {
    // What lockups do: unstake exactly what get_account_staked_balance says.
    let mut chain = pool_with_odd_price();
    chain.deposit_and_stake(&bob(), 4 * NEAR + 5);
    chain.pay_reward(NEAR / 3);
    chain.skip_epochs(1);
    chain.ping();
    let staked = chain.staked(&bob());
    chain.unstake(&bob(), staked);
    assert_eq!(chain.shares(&bob()), 0);
}

#[test]
#[should_panic(expected = "Staking amount should be positive")]
fn deposit_and_stake_without_deposit_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 0);
}

#[test]
#[should_panic(expected = "Not enough unstaked balance to stake")]
fn stake_beyond_unstaked_balance_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    chain.stake(&alice(), NEAR + 1);
}

#[test]
#[should_panic(expected = "Staking amount should be positive")]
fn stake_of_zero_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    chain.stake(&alice(), 0);
}

#[test]
#[should_panic(expected = "Staking amount should be positive")]
fn stake_all_with_nothing_unstaked_is_rejected() {
    let mut chain = Chain::new();
    chain.call(&alice(), 0, |p| p.stake_all());
}

#[test]
fn stake_all_stakes_the_whole_unstaked_balance() {
    let mut chain = pool_with_odd_price();
    let before = chain.price();
    let amount = 2 * NEAR + 9;
    chain.deposit(&bob(), amount);
    chain.call(&bob(), 0, |p| p.stake_all());
    let shares = before.shares_from_amount_down(amount).unwrap();
    assert_eq!(chain.shares(&bob()), shares);
    assert_eq!(
        chain.unstaked(&bob()),
        amount - before.amount_from_shares_down(shares).unwrap()
    );
}

#[test]
#[should_panic(expected = "Not enough staked balance to unstake")]
fn unstake_beyond_staked_balance_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), NEAR);
    chain.unstake(&alice(), NEAR + 1);
}

#[test]
#[should_panic(expected = "Unstaking amount should be positive")]
fn unstake_of_zero_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), NEAR);
    chain.unstake(&alice(), 0);
}

#[test]
#[should_panic(expected = "Unstaking amount should be positive")]
fn unstake_all_with_nothing_staked_is_rejected() {
    let mut chain = Chain::new();
    chain.call(&alice(), 0, |p| p.unstake_all());
}

#[test]
fn random_sequences_never_lower_the_price_nor_break_solvency() {
    // Chain::call checks after every step that the price did not fall, that
    // shares add up and that the pool holds what it owes.
    for seed in 1..=6u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut chain = Chain::with_fee(fee((seed % 3) as u32, 10));
        let people = [alice(), bob(), carol()];
        for _ in 0..150 {
            let who = &people[(rng.next() % 3) as usize];
            let price = chain.price();
            let account = chain.pool.internal_get_account(who);
            match rng.next() % 8 {
                0 => {
                    let amount = rng.amount();
                    if price.shares_from_amount_down(amount).unwrap() > 0 {
                        chain.deposit_and_stake(who, amount);
                    }
                }
                1 => chain.deposit(who, rng.amount()),
                2 => {
                    let amount = rng.below(account.unstaked + 1);
                    if amount > 0 && price.shares_from_amount_down(amount).unwrap() > 0 {
                        chain.stake(who, amount);
                    }
                }
                3 => {
                    let staked = chain.staked(who);
                    let amount = rng.below(staked + 1);
                    if amount > 0 {
                        chain.unstake(who, amount);
                    }
                }
                4 => {
                    if account.stake_shares > 0 {
                        chain.call(who, 0, |p| p.unstake_all());
                    }
                }
                5 => {
                    let amount = rng.below(account.unstaked + 1);
                    if amount > 0 && account.unstaked_available_epoch_height <= chain.epoch {
                        chain.withdraw(who, amount);
                    }
                }
                6 => chain.pay_reward(rng.amount()),
                _ => {
                    chain.skip_epochs(1 + (rng.next() % 2));
                    chain.ping();
                }
            }
            assert!(chain.fund_left() >= 0, "guarantee fund overdrawn");
        }
        // Everyone can leave with what the views promise.
        chain.skip_epochs(1);
        chain.ping();
        for who in &people {
            if chain.shares(who) > 0 {
                chain.call(who, 0, |p| p.unstake_all());
            }
        }
        chain.skip_epochs(crate::NUM_EPOCHS_TO_UNLOCK);
        for who in &people {
            if chain.unstaked(who) > 0 {
                chain.call(who, 0, |p| p.withdraw_all());
            }
            assert_eq!(
                chain.view(|p| u(p.get_account_total_balance(who.clone()))),
                0
            );
        }
        assert!(chain.fund_left() >= 0);
    }
}
