//! The unlock wait and withdrawals.

use super::harness::*;
use crate::NUM_EPOCHS_TO_UNLOCK;

/// Alice staked 10 NEAR at epoch 0 and unstakes 4 NEAR at epoch 3.
fn alice_unstaked_at_epoch_3() -> Chain {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.skip_epochs(3);
    chain.unstake(&alice(), 4 * NEAR);
    chain
}

fn can_withdraw(chain: &Chain, who: &near_sdk::AccountId) -> bool {
    let by_flag = chain.view(|p| p.is_account_unstaked_balance_available(who.clone()));
    let by_account = chain.view(|p| p.get_account(who.clone()).can_withdraw);
    assert_eq!(by_flag, by_account);
    by_flag
}

#[test]
fn unstaked_balance_unlocks_four_epochs_after_the_unstake() {
    let mut chain = alice_unstaked_at_epoch_3();
    for _ in 0..NUM_EPOCHS_TO_UNLOCK {
        assert!(!can_withdraw(&chain, &alice()), "epoch {}", chain.epoch);
        chain.skip_epochs(1);
    }
    assert_eq!(chain.epoch, 3 + NUM_EPOCHS_TO_UNLOCK);
    assert!(can_withdraw(&chain, &alice()));
}

#[test]
#[should_panic(expected = "The unstaked balance is not yet available due to unstaking delay")]
fn withdraw_one_epoch_early_is_rejected() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK - 1);
    chain.withdraw(&alice(), NEAR);
}

#[test]
fn withdraw_after_the_wait_sends_the_amount() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK);
    let unstaked = chain.unstaked(&alice());
    let balance = chain.balance;
    chain.withdraw(&alice(), NEAR);
    assert_eq!(chain.transfers(), vec![(alice(), NEAR)]);
    assert_eq!(chain.balance, balance - NEAR);
    assert_eq!(chain.unstaked(&alice()), unstaked - NEAR);
    assert_eq!(
        chain.logs.last().unwrap(),
        &format!(
            "@alice.near withdrawing {NEAR}. New unstaked balance is {}",
            unstaked - NEAR
        )
    );
}

#[test]
fn a_later_unstake_restarts_the_wait_for_everything_unstaked() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.skip_epochs(2);
    chain.unstake(&alice(), NEAR); // epoch 5
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK - 2); // epoch 7: the first unstake's unlock
    assert!(!can_withdraw(&chain, &alice()));
    chain.skip_epochs(2); // epoch 9
    assert!(can_withdraw(&chain, &alice()));
    let unstaked = chain.unstaked(&alice());
    assert!(unstaked >= 5 * NEAR);
    chain.withdraw(&alice(), unstaked);
    assert_eq!(chain.unstaked(&alice()), 0);
}

#[test]
#[should_panic(expected = "The unstaked balance is not yet available due to unstaking delay")]
fn withdraw_of_the_first_unstake_after_a_second_one_is_rejected() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.skip_epochs(2);
    chain.unstake(&alice(), NEAR);
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK - 2);
    chain.withdraw(&alice(), NEAR);
}

#[test]
fn a_deposit_never_unstaked_can_be_withdrawn_at_once() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), 3 * NEAR);
    assert!(can_withdraw(&chain, &alice()));
    chain.withdraw(&alice(), 3 * NEAR);
    assert_eq!(chain.transfers(), vec![(alice(), 3 * NEAR)]);
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 0);
}

#[test]
fn withdraw_all_sends_the_whole_unstaked_balance_and_forgets_the_account() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.pay_reward(NEAR);
    chain.skip_epochs(1);
    chain.call(&alice(), 0, |p| p.unstake_all());
    let unstaked = chain.unstaked(&alice());
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK);
    chain.call(&alice(), 0, |p| p.withdraw_all());
    assert_eq!(chain.transfers(), vec![(alice(), unstaked)]);
    assert_eq!(chain.view(|p| u(p.get_account_total_balance(alice()))), 0);
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 0);
    assert_eq!(
        chain.logs.last().unwrap(),
        &format!("@alice.near withdrawing {unstaked}. New unstaked balance is 0")
    );
}

#[test]
fn withdraw_keeps_the_staked_part_of_the_account() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK);
    chain.call(&alice(), 0, |p| p.withdraw_all());
    assert_eq!(chain.unstaked(&alice()), 0);
    assert!(chain.staked(&alice()) > 0);
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 1);
}

#[test]
fn a_withdrawal_in_a_new_epoch_restakes_the_distributed_reward() {
    let mut chain = alice_unstaked_at_epoch_3();
    chain.pay_reward(NEAR);
    chain.skip_epochs(NUM_EPOCHS_TO_UNLOCK);
    chain.withdraw(&alice(), NEAR);
    assert_eq!(chain.stake_actions().len(), 1);
    assert_eq!(
        chain.stake_actions()[0].stake,
        chain.pool.total_staked_balance
    );
}

#[test]
fn a_withdrawal_within_the_epoch_does_not_restake() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    chain.withdraw(&alice(), NEAR);
    assert!(chain.stake_actions().is_empty());
}

#[test]
#[should_panic(expected = "Not enough unstaked balance to withdraw")]
fn withdraw_beyond_the_unstaked_balance_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    chain.withdraw(&alice(), NEAR + 1);
}

#[test]
#[should_panic(expected = "Withdrawal amount should be positive")]
fn withdraw_of_zero_is_rejected() {
    let mut chain = Chain::new();
    chain.deposit(&alice(), NEAR);
    chain.withdraw(&alice(), 0);
}

#[test]
#[should_panic(expected = "Withdrawal amount should be positive")]
fn withdraw_all_with_nothing_unstaked_is_rejected() {
    let mut chain = Chain::new();
    chain.call(&alice(), 0, |p| p.withdraw_all());
}
