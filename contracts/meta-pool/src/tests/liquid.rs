//! Liquid accounts: mint on stake, burn on unstake, commit or roll back.

use super::world::*;
use crate::config::UNSTAKE_WAIT_EPOCHS;
use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use near_sdk::json_types::U128;
use near_sdk::serde_json::json;
use near_sdk::test_utils::get_created_receipts;

const ALICE: &str = "alice.near";

#[test]
fn deposit_and_stake_mints_snear_and_commits_in_the_callback() {
    let mut w = World::new();
    w.call(ALICE, near(5), |c| {
        let _ = c.deposit_and_stake();
    });
    // Counted before the mint lands.
    assert_eq!(w.c.books.mint_in_flight_shares, near(5));
    assert_eq!(w.c.books.total_staked, near(6));
    let receipts = get_created_receipts();
    assert_eq!(receipts[0].receiver_id, id(SNEAR));
    let calls = function_calls(&receipts[0]);
    assert_eq!(calls.len(), 2, "one receipt: the push, then the mint");
    assert_eq!(calls[0].0, "update_pool_state");
    let (method, args, deposit) = &calls[1];
    assert_eq!(method, "mint");
    assert_eq!(
        *args,
        json!({"account_id": ALICE, "amount": near(5).to_string()})
    );
    assert_eq!(*deposit, SNEAR_REGISTRATION_DEPOSIT.as_yoctonear());
    assert_eq!(w.events("mint_attempt").len(), 1);
    let out = w.run();
    assert_eq!(
        decode::<U128>(out).0,
        near(5),
        "resolves to the sNEAR minted"
    );
    assert_eq!(w.snear[&id(ALICE)], near(5));
    assert_eq!(w.c.books.snear_supply, near(5));
    assert_eq!(w.c.books.mint_in_flight_shares, 0);
    assert_eq!(
        w.view().get_number_of_accounts(),
        0,
        "nothing held for alice"
    );
    assert_eq!(
        w.logs[0],
        format!(
            "@{ALICE} staking {}. Received {} new staking shares. Total 0 unstaked balance and 0 staking shares",
            near(5),
            near(5)
        )
    );
    assert_eq!(w.events("stake")[0]["lockup"], false);
    w.check();
    // The router paid the registration from its own funds, once.
    assert_eq!(w.balance, OWN_FUNDS + near(6) - SNEAR_REG);
    w.deposit_and_stake(ALICE, near(1));
    assert_eq!(
        w.balance,
        OWN_FUNDS + near(7) - SNEAR_REG,
        "refunded when registered"
    );
    w.check();
}

#[test]
fn stake_from_a_deposit_mints() {
    let mut w = World::new();
    w.deposit(ALICE, near(3));
    assert_eq!(w.stake(ALICE, near(2)), near(2));
    assert_eq!(w.account(ALICE).unstaked, near(1));
    assert_eq!(w.exec_u128(ALICE, 0, |c| c.stake_all()), near(1));
    assert_eq!(w.snear[&id(ALICE)], near(3));
    w.check();
}

#[test]
fn a_failed_mint_rolls_back_and_keeps_the_near_withdrawable() {
    let mut w = World::new();
    w.donate_reward(near(1) / 3); // an awkward price: the seed pays dust
    let before = w.c.books.clone();
    w.fault(SNEAR, "mint", Fault::Fail, false);
    assert_eq!(w.deposit_and_stake(ALICE, near(2) + 1), 0, "nothing minted");
    let b = &w.c.books;
    assert_eq!(
        b.total_staked, before.total_staked,
        "the stake left the pool"
    );
    assert_eq!(b.mint_in_flight_shares, 0);
    assert_eq!(w.account(ALICE).unstaked, near(2) + 1);
    assert!(w.view().is_account_unstaked_balance_available(id(ALICE)));
    let failed = w.events("mint_failed");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["seed_dust"] != json!("0"),
        "rounding dust from the seed"
    );
    assert!(w.c.books.seed_shares < before.seed_shares);
    w.check();
    w.withdraw(ALICE, near(2) + 1);
    assert_eq!(w.paid[&id(ALICE)], near(2) + 1, "every yoctoNEAR back");
    w.check();
}

#[test]
fn a_mint_failing_after_the_buffer_was_staked_restores_a_claim() {
    let mut w = World::with_validators(4);
    w.keeper();
    w.fault(SNEAR, "mint", Fault::Fail, false);
    w.call(ALICE, near(40), |c| {
        let _ = c.deposit_and_stake();
    });
    let held = w.hold();
    // The keeper stakes alice's NEAR before the mint's callback lands.
    w.epoch_stake();
    w.epoch_stake();
    assert!(w.c.books.buffered < near(40));
    w.release(held);
    let a = w.account(ALICE);
    assert_eq!(a.unstaked, near(40));
    assert_eq!(
        a.available_epoch,
        w.epoch + UNSTAKE_WAIT_EPOCHS,
        "part must be unstaked"
    );
    assert!(w.c.books.to_unstake > 0);
    w.check();
    // Within the quoted wait the keeper brings it back.
    while w.epoch < a.available_epoch {
        w.next_epoch(0);
        w.keeper();
    }
    w.withdraw_all(ALICE);
    assert_eq!(w.paid[&id(ALICE)], near(40));
    w.check();
}

#[test]
fn unstake_burns_then_credits_at_the_price_then() {
    let mut w = World::with_validators(4);
    w.deposit_and_stake(ALICE, near(100));
    w.keeper();
    w.next_epoch(10);
    w.call(ALICE, 0, |c| {
        let _ = c.unstake(U128(near(10)));
    });
    let shares = w.c.books.burn_in_flight_shares;
    assert_eq!(shares, near(10), "price still 1 before the sync");
    let calls = function_calls(&get_created_receipts()[0]);
    assert_eq!(calls[0].0, "update_pool_state");
    assert_eq!(calls[1].0, "burn");
    assert_eq!(
        calls[1].1,
        json!({"account_id": ALICE, "amount": shares.to_string()})
    );
    let held = w.hold();
    w.keeper_ops(); // rewards booked while the burn is in flight
    let price_value = w.c.books.value_of(shares);
    assert!(price_value > near(10));
    let out = w.release(held);
    assert_eq!(
        decode::<U128>(out).0,
        price_value,
        "credited at the new price"
    );
    let a = w.account(ALICE);
    assert_eq!(a.unstaked, price_value);
    assert_eq!(a.available_epoch, w.epoch + UNSTAKE_WAIT_EPOCHS);
    assert_eq!(w.snear[&id(ALICE)], near(90));
    assert!(w.logs.iter().any(|l| l.starts_with(&format!(
        "@{ALICE} unstaking {price_value}. Spent {shares} staking shares"
    ))));
    w.check();
}

#[test]
fn a_failed_burn_changes_nothing() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(1));
    w.deposit_and_stake("bob.near", near(5));
    let before = w.c.books.clone();
    assert_eq!(w.unstake(ALICE, near(2)), 0, "alice holds only 1 sNEAR");
    assert_eq!(w.c.books, before);
    assert_eq!(w.all_events("burn_failed").len(), 1);
    assert_eq!(w.view().get_number_of_accounts(), 0);
    w.check();
}

#[test]
fn unstake_all_reads_the_balance_then_burns_it() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(7));
    w.donate_reward(near(1)); // 8 NEAR for 8 shares becomes 9 for 8
    let credited = w.unstake_all(ALICE);
    assert_eq!(credited, near(7) * 9 / 8);
    assert_eq!(w.snear[&id(ALICE)], 0);
    assert_eq!(w.account(ALICE).unstaked, credited);
    w.check();
}

#[test]
fn unstake_all_with_nothing_resolves_to_zero() {
    let mut w = World::new();
    assert_eq!(w.unstake_all(ALICE), 0);
    assert!(w.all_events("burn_attempt").is_empty());
    w.check();
}

#[test]
fn unstake_all_with_a_garbage_balance_burns_nothing() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(1));
    for reply in [
        b"not json".to_vec(),
        b"\"12x\"".to_vec(),
        b"\"99999999999999999999999999999\"".to_vec(),
    ] {
        w.fault(SNEAR, "ft_balance_of", Fault::Reply(reply), false);
        assert_eq!(w.unstake_all(ALICE), 0);
    }
    w.fault(SNEAR, "ft_balance_of", Fault::Fail, false);
    assert_eq!(w.unstake_all(ALICE), 0);
    assert_eq!(w.snear[&id(ALICE)], near(1));
    w.check();
}

#[test]
fn a_balance_moved_between_read_and_burn_changes_nothing() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(3));
    // The holder sends sNEAR away after the balance was read.
    w.fault(SNEAR, "burn", Fault::Fail, false);
    assert_eq!(w.unstake_all(ALICE), 0);
    assert_eq!(w.c.books.snear_supply, near(3));
    w.check();
}

#[test]
fn liquid_views_show_only_what_the_router_holds() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(3));
    w.deposit(ALICE, near(1));
    let v = w.view();
    assert_eq!(v.get_account_staked_balance(id(ALICE)).0, 0);
    assert_eq!(v.get_account_unstaked_balance(id(ALICE)).0, near(1));
    assert_eq!(v.get_account_total_balance(id(ALICE)).0, near(1));
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn liquid_stake_needs_gas_for_the_mint() {
    let mut w = World::new();
    // 35 Tgas carried a bare mint; the mint now carries its pool-state push.
    w.prepaid_tgas = 35;
    w.deposit_and_stake(ALICE, near(1));
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn liquid_unstake_needs_gas_for_the_burn() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(1));
    w.prepaid_tgas = 20;
    w.unstake(ALICE, near(1));
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn liquid_unstake_all_needs_gas_for_read_and_burn() {
    let mut w = World::new();
    w.prepaid_tgas = 55;
    w.unstake_all(ALICE);
}

#[test]
fn lockups_need_no_extra_gas() {
    let mut w = World::new();
    w.prepaid_tgas = 20;
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(1));
    w.unstake_all(&l);
    w.check();
}

#[test]
#[should_panic(expected = "E_STORAGE_RESERVE_LOW")]
fn registration_never_comes_out_of_users_near() {
    let mut w = World::new();
    w.deposit(ALICE, near(5));
    w.balance -= OWN_FUNDS; // the router's own funds are gone
    w.stake(ALICE, near(1));
}

#[test]
#[should_panic(expected = "E_STORAGE_RESERVE_LOW")]
fn a_new_record_needs_the_storage_reserve() {
    let mut w = World::new();
    w.balance -= OWN_FUNDS;
    w.deposit("newcomer.near", near(1));
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_STAKED")]
fn liquid_unstake_above_all_snear_fails_early() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(1));
    w.unstake(ALICE, near(5));
}

/// sNEAR settles a holder at the index it last received. The router advances
/// its index at the first call of an epoch; a mint that reached sNEAR before
/// the next push would settle the new holder at the old index and the push
/// would credit its shares with epochs before they existed (more META
/// claimable than emitted). Every mint and burn carries the current state.
#[test]
fn mints_and_burns_settle_holders_at_the_router_s_current_index() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake(ALICE, near(10));
    w.keeper();
    let pushed = w.snear_state.as_ref().unwrap().reward_index.0;
    // A new epoch: the stake below is its first call, advancing the index.
    w.next_epoch(0);
    w.deposit_and_stake("bob.near", near(10));
    let index = w.c.reward_index;
    assert!(index > pushed, "the stake advanced the router's index");
    let last = w.snear_settled_at.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str(), last.2),
        ("mint", "bob.near", index)
    );
    w.epoch += 1;
    w.unstake(ALICE, near(1));
    let last = w.snear_settled_at.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str(), last.2),
        ("burn", ALICE, w.c.reward_index)
    );
    // The treasury's fee mint too.
    w.next_epoch(10);
    w.drain(World::sync);
    let (op, holder, at) = w.snear_settled_at.last().unwrap().clone();
    assert_eq!((op.as_str(), holder.as_str()), ("mint", TREASURY));
    assert_eq!(at, w.c.reward_index);
    w.check();
}

#[test]
fn a_rejected_push_fails_the_mint_and_rolls_it_back() {
    let mut w = World::new();
    w.fault(SNEAR, "update_pool_state", Fault::Fail, false);
    let before = w.c.books.clone();
    assert_eq!(w.deposit_and_stake(ALICE, near(3)), 0);
    assert!(w.snear.get(&id(ALICE)).is_none_or(|b| *b == 0));
    assert_eq!(w.account(ALICE).unstaked, near(3), "the NEAR is back");
    assert_eq!(w.c.books.total_shares, before.total_shares);
    assert_eq!(w.all_events("mint_failed").len(), 1);
    w.check();
}
