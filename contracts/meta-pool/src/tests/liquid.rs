//! Liquid accounts: mint on stake, burn on unstake, commit or roll back.

use super::world::*;
use crate::config::{ACCOUNT_RECORD_COST, UNSTAKE_WAIT_EPOCHS};
use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use meta_common::shares::{mul_div_down, SharePool};
use near_sdk::json_types::U128;
use near_sdk::serde_json::json;
use near_sdk::test_utils::get_created_receipts;

const ALICE: &str = "alice.near";
const BOB: &str = "bob.near";

/// A new sNEAR holder's first liquid stake of `amount` into a pool at
/// `price` (its totals before the stake), when nothing else changes the
/// pool before the mint lands: `(minted, paid)`, the shares sNEAR mints and
/// the NEAR the registration takes out of the stake. The stake buys its
/// shares rounded down; sNEAR's registration (`SNEAR_REG`) costs the shares
/// worth it rounded up at the price with the stake in, which sNEAR does not
/// mint; they leave the pool worth their value rounded down.
pub(super) fn first_liquid_stake(price: &SharePool, amount: u128) -> (u128, u128) {
    let shares = price.shares_from_amount_down(amount).unwrap();
    let with_stake = SharePool::new(price.total_staked + amount, price.total_shares + shares);
    let registration = with_stake.shares_from_amount_up(SNEAR_REG).unwrap();
    assert!(registration < shares, "the stake pays its registration");
    let paid = with_stake.amount_from_shares_down(registration).unwrap();
    (shares - registration, paid)
}

/// The sNEAR a new holder's first liquid stake of `amount` mints at `price`
/// (see `first_liquid_stake`).
pub(super) fn minted_for_new_holder(price: &SharePool, amount: u128) -> u128 {
    first_liquid_stake(price, amount).0
}

/// What a new holder's first liquid stake of `amount` at `price` leaves
/// staked: the stake less the NEAR its sNEAR registration took.
pub(super) fn staked_for_new_holder(price: &SharePool, amount: u128) -> u128 {
    amount - first_liquid_stake(price, amount).1
}

#[test]
fn deposit_and_stake_mints_snear_and_commits_in_the_callback() {
    let mut w = World::new();
    let own = w.view().own_funds();
    let (minted, paid) = first_liquid_stake(&w.price(), near(5));
    // At a price of 1 the registration costs exactly its NEAR in shares.
    assert_eq!((minted, paid), (near(5) - SNEAR_REG, SNEAR_REG));
    w.call(ALICE, near(5), |c| {
        let _ = c.deposit_and_stake();
    });
    // Counted before the mint lands, registration included.
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
        json!({
            "account_id": ALICE,
            "amount": near(5).to_string(),
            "registration_shares": SNEAR_REG.to_string(),
        }),
        "a new holder pays its registration with shares of the mint"
    );
    assert_eq!(*deposit, SNEAR_REGISTRATION_DEPOSIT.as_yoctonear());
    assert_eq!(w.events("mint_attempt").len(), 1);
    let out = w.run();
    assert_eq!(
        decode::<U128>(out).0,
        minted,
        "resolves to the sNEAR minted"
    );
    assert_eq!(w.snear[&id(ALICE)], minted);
    assert_eq!(w.c.books.snear_supply, minted);
    assert_eq!(w.c.books.mint_in_flight_shares, 0);
    assert_eq!(
        w.c.books.total_staked,
        near(6) - paid,
        "the registration's NEAR left the stake"
    );
    assert_eq!(
        w.view().get_number_of_accounts(),
        0,
        "nothing held for alice"
    );
    assert_eq!(
        w.events("storage_paid"),
        vec![json!({
            "account_id": ALICE,
            "amount": paid.to_string(),
            "shares": SNEAR_REG.to_string(),
            "storage": "snear_registration",
        })]
    );
    let line = format!(
        "@{ALICE} staking {}. Received {} new staking shares. Total 0 unstaked balance and 0 staking shares",
        near(5) - paid,
        minted
    );
    assert!(w.logs.contains(&line), "{:?}", w.logs);
    assert_eq!(w.events("stake")[0]["lockup"], false);
    assert_eq!(w.events("stake")[0]["amount"], (near(5) - paid).to_string());
    w.check();
    // The router advanced the registration from its own funds, once, and
    // the holder repaid it out of the buffer.
    assert_eq!(w.balance, OWN_FUNDS + near(6) - SNEAR_REG);
    assert_eq!(w.view().own_funds(), own, "own funds repaid");
    // Registered now: every share is minted, the deposit refunded.
    assert_eq!(w.deposit_and_stake(ALICE, near(1)), near(1));
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
    // The first deposit pays alice's record.
    w.deposit(ALICE, near(3));
    let first = minted_for_new_holder(&w.price(), near(2));
    assert_eq!(w.stake(ALICE, near(2)), first);
    assert_eq!(w.account(ALICE).unstaked, near(1) - ACCOUNT_RECORD_COST);
    // Registered now: every share (the price is still 1).
    assert_eq!(
        w.exec_u128(ALICE, 0, |c| c.stake_all()),
        near(1) - ACCOUNT_RECORD_COST
    );
    assert_eq!(w.snear[&id(ALICE)], first + near(1) - ACCOUNT_RECORD_COST);
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
    let failed = w.events("mint_failed");
    assert_eq!(failed[0]["wait_restarted"], json!(true));
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

/// Found by issue 17's ledger (seed 306): a failed mint put NEAR the stake
/// had drawn from claims not yet requested into the buffer's place, found
/// the buffer empty, and restarted the account's wait (quoted 21, then 24).
#[test]
fn a_failed_restake_of_a_waiting_claim_keeps_its_quote() {
    let mut w = World::with_validators(4);
    w.deposit_and_stake(ALICE, near(100));
    w.keeper();
    w.next_epoch(0);
    w.keeper();
    w.unstake(ALICE, near(10));
    let quote = w.account(ALICE).available_epoch;
    // A new epoch before the keeper sends the claims: they wait in
    // `to_unstake`, and a restart now would quote one epoch later.
    w.next_epoch(0);
    assert!(w.c.books.to_unstake >= near(5) && w.c.books.buffered == 0);
    let before = w.c.books.clone();
    let unstaked = w.account(ALICE).unstaked;
    w.fault(SNEAR, "mint", Fault::Fail, false);
    assert_eq!(w.stake(ALICE, near(5)), 0, "nothing minted");
    let failed = w.events("mint_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["wait_restarted"], json!(false));
    let a = w.account(ALICE);
    assert_eq!(
        (a.unstaked, a.available_epoch),
        (unstaked, quote),
        "quote kept"
    );
    let b = &w.c.books;
    assert_eq!(
        (b.to_unstake, b.reserve, b.buffered, b.users_unstaked),
        (
            before.to_unstake,
            before.reserve,
            before.buffered,
            before.users_unstaked
        ),
        "every draw back where it came from"
    );
    w.check();
    while w.epoch < quote {
        w.keeper();
        w.next_epoch(0);
    }
    w.keeper();
    w.withdraw_all(ALICE);
    assert_eq!(w.paid[&id(ALICE)], unstaked, "withdrawn whole at the quote");
    w.check();
}

#[test]
fn unstake_burns_then_credits_at_the_price_then() {
    let mut w = World::with_validators(4);
    let minted = minted_for_new_holder(&w.price(), near(100));
    assert_eq!(w.deposit_and_stake(ALICE, near(100)), minted);
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
    // Alice has no router record yet: the one this unstake creates is paid
    // out of the credit.
    let credit = price_value - ACCOUNT_RECORD_COST;
    let out = w.release(held);
    assert_eq!(decode::<U128>(out).0, credit, "credited at the new price");
    let a = w.account(ALICE);
    assert_eq!(a.unstaked, credit);
    assert_eq!(a.available_epoch, w.epoch + UNSTAKE_WAIT_EPOCHS);
    assert_eq!(w.snear[&id(ALICE)], minted - near(10));
    assert!(w.logs.iter().any(|l| l.starts_with(&format!(
        "@{ALICE} unstaking {credit}. Spent {shares} staking shares"
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
fn unstake_all_burns_the_whole_balance_in_one_call() {
    let mut w = World::new();
    // At a price of 1 the registration takes `SNEAR_REG` and its shares.
    let minted = minted_for_new_holder(&w.price(), near(7));
    assert_eq!(minted, near(7) - SNEAR_REG);
    assert_eq!(w.deposit_and_stake(ALICE, near(7)), minted);
    // 8 - r NEAR for 8 - r shares becomes 9 - r for 8 - r.
    w.donate_reward(near(1));
    let value = mul_div_down(minted, near(9) - SNEAR_REG, near(8) - SNEAR_REG).unwrap();
    let credited = w.unstake_all(ALICE);
    assert_eq!(
        credited,
        value - ACCOUNT_RECORD_COST,
        "the balance's value, less the record it creates"
    );
    assert_eq!(w.snear[&id(ALICE)], 0);
    assert_eq!(w.account(ALICE).unstaked, credited);
    assert_eq!(w.all_events("burn_all_attempt").len(), 1);
    w.check();
}

/// The attack the two-step `unstake_all` invited: sNEAR sent to the holder
/// after the call but before the burn. One `burn_all` burns what the holder
/// holds when it runs, and the router credits exactly that.
#[test]
fn snear_received_while_unstake_all_is_in_flight_is_burnt_and_credited() {
    let mut w = World::new();
    let alice = w.deposit_and_stake(ALICE, near(4));
    let bob = w.deposit_and_stake(BOB, near(3));
    w.call(ALICE, 0, |c| drop(c.unstake_all()));
    let in_flight = w.hold();
    // Bob's `ft_transfer` to Alice lands first.
    *w.snear.get_mut(&id(BOB)).unwrap() -= bob;
    *w.snear.get_mut(&id(ALICE)).unwrap() += bob;
    let value = w.c.books.value_of(alice + bob);
    let out = w.release(in_flight);
    let credited: U128 = decode(out);
    assert_eq!(credited.0, value - ACCOUNT_RECORD_COST);
    assert_eq!(w.snear[&id(ALICE)], 0);
    assert_eq!(w.c.books.snear_supply, 0);
    w.check();
}

#[test]
fn unstake_all_with_nothing_resolves_to_zero() {
    let mut w = World::new();
    assert_eq!(w.unstake_all(ALICE), 0);
    assert!(w.all_events("unstake").is_empty());
    assert_eq!(w.view().get_number_of_accounts(), 0);
    w.check();
}

/// The dust floor is the same for every holder: `unstake_all` leaves a
/// balance worth no more than a router record in place, even for an
/// account that has a record (asking would cost `unstake_all` a storage
/// read `unstake` does not pay); `unstake` by amount takes it then.
#[test]
fn unstake_all_leaves_dust_worth_no_more_than_a_record_even_with_one() {
    let mut w = World::new();
    let minted = w.deposit_and_stake(ALICE, near(1));
    // At a price of 1: keep exactly a record's worth as sNEAR.
    let first = w.unstake(ALICE, minted - ACCOUNT_RECORD_COST);
    assert!(first > 0);
    assert!(w.view().get_number_of_accounts() == 1, "alice has a record");
    assert_eq!(w.snear[&id(ALICE)], ACCOUNT_RECORD_COST);
    assert_eq!(w.unstake_all(ALICE), 0, "dust stays sNEAR");
    assert_eq!(w.snear[&id(ALICE)], ACCOUNT_RECORD_COST);
    assert_eq!(w.account(ALICE).unstaked, first);
    assert!(w.all_events("unstake").len() == 1);
    // Unstaking it by amount works: the record exists.
    assert_eq!(w.unstake(ALICE, ACCOUNT_RECORD_COST), ACCOUNT_RECORD_COST);
    assert_eq!(w.snear[&id(ALICE)], 0);
    assert_eq!(w.account(ALICE).unstaked, first + ACCOUNT_RECORD_COST);
    w.check();
}

#[test]
fn unstake_all_with_a_garbage_reply_books_nothing() {
    let mut w = World::new();
    let minted = minted_for_new_holder(&w.price(), near(1));
    assert_eq!(w.deposit_and_stake(ALICE, near(1)), minted);
    for reply in [
        b"not json".to_vec(),
        b"\"12x\"".to_vec(),
        b"\"99999999999999999999999999999\"".to_vec(),
    ] {
        w.fault(SNEAR, "burn_all", Fault::Reply(reply), false);
        assert_eq!(w.unstake_all(ALICE), 0);
        assert_eq!(w.c.books.snear_supply, minted);
    }
    assert_eq!(w.snear[&id(ALICE)], minted);
    w.check();
}

#[test]
fn a_failed_burn_all_changes_nothing() {
    let mut w = World::new();
    let minted = minted_for_new_holder(&w.price(), near(3));
    assert_eq!(w.deposit_and_stake(ALICE, near(3)), minted);
    w.fault(SNEAR, "burn_all", Fault::Fail, false);
    assert_eq!(w.unstake_all(ALICE), 0);
    assert_eq!(w.all_events("burn_failed").len(), 1);
    assert_eq!(w.c.books.snear_supply, minted);
    assert_eq!(w.snear[&id(ALICE)], minted, "nothing burnt");
    assert_eq!(w.view().get_number_of_accounts(), 0);
    w.check();
}

#[test]
fn liquid_views_show_only_what_the_router_holds() {
    let mut w = World::new();
    w.deposit_and_stake(ALICE, near(3));
    // deposit_and_stake left no record: this deposit pays for one.
    w.deposit(ALICE, near(1));
    let held = near(1) - ACCOUNT_RECORD_COST;
    let v = w.view();
    assert_eq!(v.get_account_staked_balance(id(ALICE)).0, 0);
    assert_eq!(v.get_account_unstaked_balance(id(ALICE)).0, held);
    assert_eq!(v.get_account_total_balance(id(ALICE)).0, held);
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
fn liquid_unstake_all_needs_gas_for_the_burn() {
    let mut w = World::new();
    w.prepaid_tgas = 40;
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

/// The router advances sNEAR's registration deposit from its own funds,
/// never from users' NEAR (the new holder repays it in shares).
#[test]
#[should_panic(expected = "E_STORAGE_RESERVE_LOW")]
fn registration_never_comes_out_of_users_near() {
    let mut w = World::new();
    w.deposit(ALICE, near(5));
    w.balance -= OWN_FUNDS; // the router's own funds are gone
    w.stake(ALICE, near(1));
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
