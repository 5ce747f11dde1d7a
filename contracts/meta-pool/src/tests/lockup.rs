//! Lockup accounts: pure bookkeeping, exact amounts, a clean exit, and the
//! owner's governance-token claim.

use super::world::*;
use crate::config::MIN_FIRST_DEPOSIT;
use crate::config::UNSTAKE_WAIT_EPOCHS;
use meta_common::pool_state::REWARD_INDEX_SCALE;
use near_sdk::json_types::U128;
use near_sdk::test_utils::get_created_receipts;

const CLAIM_DEPOSIT: u128 = meta_common::ext::GOVERNANCE_MINT_DEPOSIT.as_yoctonear();

fn lockup() -> String {
    lockup_of("owner1.near")
}

/// Runs keeper rounds until `who` can withdraw (at most the quoted wait).
fn wait_until_available(w: &mut World, who: &str) {
    let quoted = w.account(who).available_epoch;
    while w.epoch < quoted {
        w.next_epoch(0);
        w.keeper();
    }
    assert!(w.view().is_account_unstaked_balance_available(id(who)));
}

#[test]
fn deposit_then_stake_is_pure_bookkeeping() {
    let mut w = World::with_validators(4);
    let l = lockup();
    w.deposit(&l, near(10));
    assert!(get_created_receipts().is_empty(), "deposit makes no call");
    assert_eq!(
        w.logs[0],
        format!(
            "@{l} deposited {}. New unstaked balance is {}",
            near(10),
            near(10)
        )
    );
    let minted = w.exec_u128(&l, 0, |c| c.stake(U128(near(10))));
    assert!(get_created_receipts().is_empty(), "stake makes no call");
    assert_eq!(minted, 0, "no sNEAR for a lockup");
    let b = &w.c.books;
    assert_eq!(b.lockup_shares, near(10), "price 1: shares = amount");
    assert_eq!(b.total_staked, near(11));
    assert_eq!(w.account(&l).shares, near(10));
    assert_eq!(w.account(&l).unstaked, 0);
    assert_eq!(
        w.logs[0],
        format!(
            "@{l} staking {}. Received {} new staking shares. Total 0 unstaked balance and {} staking shares",
            near(10),
            near(10),
            near(10)
        )
    );
    assert_eq!(
        w.logs[1],
        format!(
            "Contract total staked balance is {}. Total number of shares {}",
            near(11),
            near(11)
        )
    );
    assert_eq!(w.events("stake")[0]["lockup"], true);
    assert_eq!(w.view().get_account_staked_balance(id(&l)).0, near(10));
    w.check();
}

#[test]
fn deposit_and_stake_returns_zero_and_calls_nothing() {
    let mut w = World::new();
    let l = lockup();
    assert_eq!(w.deposit_and_stake(&l, near(3)), 0);
    assert!(w.all_events("mint_attempt").is_empty());
    assert_eq!(w.view().get_account_total_balance(id(&l)).0, near(3));
    w.check();
}

#[test]
fn exact_unstake_and_withdraw_at_ugly_prices() {
    // Prices just above 1, far above 1, and awkward fractions.
    for (donation, amount) in [
        (3, near(7) + 1),
        (1, 1_000_003),
        (near(1) * 37 / 100 + 7, near(5) + 123_456_789),
        (near(2) + 1, near(1) / 3),
    ] {
        let mut w = World::new();
        w.donate_reward(donation);
        let l = lockup();
        // A first deposit is at least MIN_FIRST_DEPOSIT; the rest of it
        // stays unstaked and leaves with the withdrawal.
        let deposit = amount.max(MIN_FIRST_DEPOSIT);
        w.deposit(&l, deposit);
        w.stake(&l, amount);
        let staked = w.view().get_account_staked_balance(id(&l)).0;
        assert!(staked <= amount, "never over-reports");
        let credited = w.unstake(&l, staked);
        assert_eq!(credited, staked, "credit equals the exact amount asked");
        assert_eq!(w.account(&l).shares, 0, "all shares spent");
        assert_eq!(w.view().get_account_staked_balance(id(&l)).0, 0);
        let unstaked = w.view().get_account_unstaked_balance(id(&l)).0;
        assert_eq!(unstaked, staked + (deposit - amount));
        wait_until_available(&mut w, &l);
        w.withdraw(&l, unstaked);
        assert_eq!(w.view().get_account_total_balance(id(&l)).0, 0);
        assert_eq!(w.view().get_number_of_accounts(), 0, "record deleted");
        assert_eq!(w.paid[&id(&l)], unstaked);
        w.check();
    }
}

#[test]
fn unstake_all_and_withdraw_all_leave_exactly_zero() {
    let mut w = World::with_validators(4);
    w.donate_reward(near(1) / 7);
    let l = lockup();
    w.deposit_and_stake(&l, near(100) + 17);
    w.keeper();
    w.next_epoch(20);
    w.keeper();
    let staked = w.view().get_account_staked_balance(id(&l)).0;
    assert!(staked > near(100), "rewards raised the stake");
    let credited = w.unstake_all(&l);
    assert_eq!(credited, staked);
    assert_eq!(w.account(&l).available_epoch, w.epoch + UNSTAKE_WAIT_EPOCHS);
    assert!(!w.view().is_account_unstaked_balance_available(id(&l)));
    w.keeper();
    wait_until_available(&mut w, &l);
    w.withdraw_all(&l);
    assert_eq!(w.view().get_account_total_balance(id(&l)).0, 0);
    assert_eq!(w.paid[&id(&l)], staked);
    w.check();
}

#[test]
fn withdraw_makes_only_a_transfer() {
    let mut w = World::new();
    let l = lockup();
    w.deposit(&l, near(2));
    w.call(&l, 0, |c| c.withdraw(U128(near(1))));
    let receipts = get_created_receipts();
    assert_eq!(receipts.len(), 1);
    assert!(matches!(
        receipts[0].actions[0],
        near_sdk::mock::MockAction::Transfer { .. }
    ));
    w.run();
    assert_eq!(
        w.all_logs
            .iter()
            .filter(|l| l.contains("withdrawing"))
            .count(),
        1
    );
    assert_eq!(w.account(&l).unstaked, near(1));
    w.check();
}

#[test]
fn partial_unstake_spends_shares_rounded_up() {
    let mut w = World::new();
    w.donate_reward(near(1) / 2); // price 1.5
    let l = lockup();
    w.deposit_and_stake(&l, near(3));
    let before = w.account(&l).shares;
    let credited = w.unstake(&l, 10);
    assert!(credited >= 10, "at least what was asked");
    assert_eq!(before - w.account(&l).shares, 7, "ceil(10 / 1.5) shares");
    w.check();
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_STAKED")]
fn unstake_more_than_staked_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(1));
    w.unstake(&l, near(1) + 1);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn unstake_zero_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(1));
    w.unstake(&l, 0);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn unstake_all_without_shares_fails() {
    let mut w = World::new();
    w.unstake_all(&lockup());
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_UNSTAKED")]
fn stake_more_than_unstaked_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit(&l, near(1));
    w.stake(&l, near(1) + 1);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn stake_zero_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit(&l, near(1));
    w.stake(&l, 0);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn stake_all_of_nothing_fails() {
    let mut w = World::new();
    w.exec_u128(&lockup(), 0, |c| c.stake_all());
}

#[test]
#[should_panic(expected = "E_STAKE_TOO_SMALL")]
fn stake_worth_less_than_a_share_fails() {
    let mut w = World::new();
    w.donate_reward(near(1)); // price 2
    let l = lockup();
    w.deposit(&l, near(1));
    w.stake(&l, 1);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn deposit_of_nothing_fails() {
    let mut w = World::new();
    w.deposit(&lockup(), 0);
}

#[test]
#[should_panic(expected = "E_NOT_AVAILABLE")]
fn withdraw_during_the_wait_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(1));
    w.unstake_all(&l);
    w.keeper();
    w.withdraw(&l, 1);
}

#[test]
#[should_panic(expected = "E_RESERVE_SHORT")]
fn withdraw_before_the_keeper_collected_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(1));
    w.unstake_all(&l);
    // No keeper ran: the claim is still `to_unstake`, not in the reserve.
    w.epoch += UNSTAKE_WAIT_EPOCHS;
    assert!(!w.view().is_account_unstaked_balance_available(id(&l)));
    w.withdraw(&l, 1);
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_UNSTAKED")]
fn withdraw_more_than_unstaked_fails() {
    let mut w = World::new();
    let l = lockup();
    w.deposit(&l, near(1));
    w.withdraw(&l, near(1) + 1);
}

#[test]
#[should_panic(expected = "E_ZERO_AMOUNT")]
fn withdraw_all_of_nothing_fails() {
    let mut w = World::new();
    w.withdraw_all(&lockup());
}

#[test]
fn deposit_waits_with_a_pending_unstake() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(2));
    w.unstake(&l, near(1));
    w.deposit(&l, near(1));
    let a = w.account(&l);
    assert_eq!(
        a.available_epoch,
        w.epoch + UNSTAKE_WAIT_EPOCHS,
        "the wait stays"
    );
    assert!(!w.view().is_account_unstaked_balance_available(id(&l)));
    w.check();
}

#[test]
fn restaking_a_pending_unstake_draws_on_claims_not_yet_requested() {
    let mut w = World::new();
    let l = lockup();
    w.deposit_and_stake(&l, near(2));
    w.unstake(&l, near(1));
    assert_eq!(w.c.books.to_unstake, near(1));
    w.stake(&l, near(1));
    assert_eq!(
        w.c.books.to_unstake, 0,
        "the claim is cancelled, NEAR stays staked"
    );
    assert_eq!(w.c.books.reserve, 0);
    w.check();
}

// ---- governance-token accrual and the owner's claim ------------------------

fn accrued_lockup(w: &mut World) -> (String, u128) {
    let l = lockup();
    w.deposit_and_stake(&l, near(9));
    w.next_epoch(0);
    w.next_epoch(0);
    w.call("anyone.near", 0, |c| c.ping());
    let total = w.c.books.total_shares;
    let per_epoch = 1_000 * crate::config::ONE_NEAR; // the world's emission
    let index =
        meta_common::shares::mul_div_down(2 * per_epoch, REWARD_INDEX_SCALE, total).unwrap();
    let expected = meta_common::shares::mul_div_down(near(9), index, REWARD_INDEX_SCALE).unwrap();
    let shown = w.view().get_lockup_governance_tokens(id(&l)).0;
    assert_eq!(shown, expected, "accrual = shares x index");
    (l, expected)
}

#[test]
fn owner_claims_a_lockups_meta() {
    let mut w = World::new();
    let (l, expected) = accrued_lockup(&mut w);
    let minted = w.exec("owner1.near", CLAIM_DEPOSIT, |c| {
        c.claim_lockup_governance_tokens(id(&l)).detach();
    });
    assert_eq!(decode::<U128>(minted).0, expected);
    assert_eq!(w.meta_minted[&id("owner1.near")], expected);
    assert_eq!(
        w.paid[&id("owner1.near")],
        CLAIM_DEPOSIT,
        "deposit forwarded"
    );
    assert_eq!(w.view().get_lockup_governance_tokens(id(&l)).0, 0);
    assert_eq!(w.all_events("lockup_claimed").len(), 1);
    w.check();
}

#[test]
fn a_failed_claim_restores_the_accrual_and_refunds() {
    let mut w = World::new();
    let (l, expected) = accrued_lockup(&mut w);
    w.fault(GOV, "mint", Fault::Fail, false);
    let balance = w.balance;
    let out = w.exec("owner1.near", CLAIM_DEPOSIT, |c| {
        c.claim_lockup_governance_tokens(id(&l)).detach();
    });
    assert_eq!(decode::<U128>(out).0, 0);
    assert_eq!(w.view().get_lockup_governance_tokens(id(&l)).0, expected);
    assert_eq!(
        w.paid[&id("owner1.near")],
        CLAIM_DEPOSIT,
        "deposit refunded"
    );
    assert_eq!(w.balance, balance, "the router kept nothing");
    assert_eq!(w.all_events("lockup_claim_failed").len(), 1);
    w.check();
}

#[test]
#[should_panic(expected = "E_NOT_LOCKUP_OWNER")]
fn only_the_owner_the_id_derives_from_may_claim() {
    let mut w = World::new();
    let (l, _) = accrued_lockup(&mut w);
    w.call("owner2.near", CLAIM_DEPOSIT, |c| {
        c.claim_lockup_governance_tokens(id(&l)).detach();
    });
}

#[test]
#[should_panic(expected = "E_NOT_LOCKUP")]
fn claims_are_for_lockups_only() {
    let mut w = World::new();
    w.call("alice.near", CLAIM_DEPOSIT, |c| {
        c.claim_lockup_governance_tokens(id("alice.near")).detach();
    });
}

#[test]
#[should_panic(expected = "E_CLAIM_DEPOSIT")]
fn a_claim_pays_for_the_mints_storage() {
    let mut w = World::new();
    let (l, _) = accrued_lockup(&mut w);
    w.call("owner1.near", CLAIM_DEPOSIT - 1, |c| {
        c.claim_lockup_governance_tokens(id(&l)).detach();
    });
}

#[test]
#[should_panic(expected = "E_NOTHING_TO_CLAIM")]
fn nothing_accrued_nothing_to_claim() {
    let mut w = World::new();
    let l = lockup();
    w.call("owner1.near", CLAIM_DEPOSIT, |c| {
        c.claim_lockup_governance_tokens(id(&l)).detach();
    });
}

#[test]
fn lockup_ids_derive_as_the_factory_does() {
    // FIPS 180-2 test vector: sha256("abc") = ba7816bf8f01cfea...
    let w = World::new();
    assert_eq!(
        w.view().get_lockup_account_id(id("abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a3.lockup.near"
    );
    assert!(w.c.is_lockup(&id(&lockup())));
    assert!(
        !w.c.is_lockup(&id("lockup.near")),
        "the master itself is not a lockup"
    );
    assert!(
        !w.c.is_lockup(&id("xlockup.near")),
        "the suffix must follow a dot"
    );
    assert!(!w.c.is_lockup(&id("alice.near")));
}

#[test]
fn unstaking_settles_accrual_first() {
    let mut w = World::new();
    let (l, expected) = accrued_lockup(&mut w);
    w.unstake_all(&l);
    assert_eq!(w.account(&l).meta_unclaimed, expected);
    w.next_epoch(0);
    w.call("anyone.near", 0, |c| c.ping());
    assert_eq!(
        w.view().get_lockup_governance_tokens(id(&l)).0,
        expected,
        "no shares, no more accrual"
    );
}

/// A claim whose unstake call is in flight can be staked again: it stops
/// being a claim at once, and the call, when it lands, earmarks that much
/// less (see `tests::restake` for what this protects).
#[test]
fn restaking_funds_in_flight_draws_the_call_in_flight() {
    let mut w = World::with_validators(4);
    let l = lockup();
    w.deposit_and_stake(&l, near(99));
    w.keeper();
    w.next_epoch(0);
    w.drain(World::sync);
    w.unstake(&l, near(10));
    w.call("keeper.near", 0, |c| {
        let _ = c.epoch_unstake();
    });
    let held = w.hold();
    assert_eq!(w.c.books.unstake_in_flight, near(10));
    let reserve = w.c.books.reserve;
    w.stake(&l, near(10));
    assert_eq!(w.c.books.reserve, reserve, "no one's reserve was drawn");
    assert_eq!(w.c.books.unstake_in_flight, 0);
    assert_eq!(w.c.books.restaked_in_flight, near(10));
    w.release(held);
    assert_eq!(w.c.books.restaked_in_flight, 0);
    assert_eq!(w.c.books.earmarked, 0);
    assert_eq!(w.account(&l).unstaked, 0);
    w.check();
}
