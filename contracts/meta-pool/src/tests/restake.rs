//! Restaking an unstaked balance never takes the NEAR that backs another
//! account's claim, whatever state this account's own claim is in
//! (backlog, in flight, earmarked, collected), and in whatever order the
//! restake and the epoch operations run in one transaction.

use super::world::*;
use crate::config::UNSTAKE_WAIT_EPOCHS;

/// Five validators with placed stake, next epoch synced; carol has 1,000
/// NEAR deposited (withdrawable at once) and bob has unstaked his whole
/// liquid stake (his claim in the backlog). Returns bob's unstaked balance.
fn carol_waits_on_nothing_bob_unstaked() -> (World, u128) {
    let mut w = World::with_validators(5);
    for i in 0..5 {
        w.deposit_and_stake(&lockup_of(&format!("owner{i}.near")), near(2_000));
    }
    w.deposit_and_stake("bob.near", near(1_000));
    w.keeper();
    w.next_epoch(0);
    w.drain(World::sync);
    w.deposit("carol.near", near(1_000));
    w.unstake_all("bob.near");
    let claim = w.account("bob.near").unstaked;
    assert!(claim > 0);
    (w, claim)
}

fn carol_withdraws_now(w: &mut World) {
    let carol = w.account("carol.near").unstaked;
    assert!(
        w.view()
            .is_account_unstaked_balance_available(id("carol.near")),
        "carol's deposit is no longer withdrawable"
    );
    w.withdraw("carol.near", carol);
    assert_eq!(w.account("carol.near").unstaked, 0);
    assert_eq!(w.paid[&id("carol.near")], carol);
}

/// The reviewer's reproduction: one transaction from bob with two actions,
/// `epoch_unstake()` then `stake(claim)`. Both run in one receipt, before the
/// validator's unstake (and its callback) can land.
#[test]
fn restake_mid_flight_leaves_the_reserve_to_its_owners() {
    let (mut w, claim) = carol_waits_on_nothing_bob_unstaked();
    w.call("bob.near", 0, |c| {
        let _ = c.epoch_unstake();
        let _ = c.stake(near_sdk::json_types::U128(claim));
    });
    let carol = w.account("carol.near").unstaked;
    assert_eq!(w.view().books.reserve, carol, "the reserve is carol's");
    w.run();
    w.check();
    carol_withdraws_now(&mut w);
    assert_eq!(w.account("bob.near").unstaked, 0);
    assert!(
        w.snear.get(&id("bob.near")).copied().unwrap_or(0) > 0,
        "bob's restake minted"
    );
    // The unstake that carried bob's claim landed: none of it is owed to
    // the reserve any more, so nothing is earmarked for it.
    assert_eq!(w.view().books.earmarked, 0);
    assert_eq!(w.view().books.restaked_in_flight, 0);
    w.keeper();
}

/// The other order in one transaction: the restake first, then the epoch
/// operation, which then has no claim left to send.
#[test]
fn restake_then_epoch_unstake_in_one_transaction() {
    let (mut w, claim) = carol_waits_on_nothing_bob_unstaked();
    w.call("bob.near", 0, |c| {
        let _ = c.stake(near_sdk::json_types::U128(claim));
        let _ = c.epoch_unstake();
    });
    w.run();
    w.check();
    assert_eq!(w.view().books.unstake_in_flight, 0);
    carol_withdraws_now(&mut w);
}

/// Bob's claim already earmarked at a validator: his restake draws the
/// earmark, not carol's reserve.
#[test]
fn restake_of_an_earmarked_claim_draws_the_earmark() {
    let (mut w, claim) = carol_waits_on_nothing_bob_unstaked();
    w.drain(World::epoch_unstake);
    assert_eq!(w.view().books.earmarked, claim);
    w.stake("bob.near", claim);
    w.check();
    assert_eq!(w.view().books.earmarked, 0);
    carol_withdraws_now(&mut w);
}

/// A restake mid-flight of part of a claim: the rest of bob's claim, and
/// dave's claim in the same unstake call, are still paid at their quotes.
#[test]
fn partial_restake_mid_flight_keeps_every_quote() {
    let (mut w, claim) = carol_waits_on_nothing_bob_unstaked();
    w.deposit_and_stake("dave.near", near(500));
    w.unstake_all("dave.near");
    let dave = w.account("dave.near").unstaked;
    let quote = w.epoch + UNSTAKE_WAIT_EPOCHS;
    w.call("bob.near", 0, |c| {
        let _ = c.epoch_unstake();
        let _ = c.stake(near_sdk::json_types::U128(claim / 2));
    });
    w.run();
    w.check();
    carol_withdraws_now(&mut w);
    let bob = w.account("bob.near").unstaked;
    assert_eq!(bob, claim - claim / 2);
    while w.epoch < quote {
        w.next_epoch(0);
        w.keeper();
    }
    w.withdraw("bob.near", bob);
    w.withdraw("dave.near", dave);
    assert_eq!(w.paid[&id("bob.near")], bob);
    assert_eq!(w.paid[&id("dave.near")], dave);
    w.check();
}

/// The unstake that carried a restaked claim fails at the validator: the
/// claims it still carried go back to the backlog, the restaked part stays
/// staked, and the books balance.
#[test]
fn restaked_in_flight_then_the_unstake_fails() {
    let (mut w, claim) = carol_waits_on_nothing_bob_unstaked();
    w.deposit_and_stake("dave.near", near(500));
    w.unstake_all("dave.near");
    let dave = w.account("dave.near").unstaked;
    for i in 0..5 {
        w.fault(&format!("v{i}.pool.near"), "unstake", Fault::Fail, false);
    }
    w.call("bob.near", 0, |c| {
        let _ = c.epoch_unstake();
        let _ = c.stake(near_sdk::json_types::U128(claim));
    });
    let quote = w.epoch + UNSTAKE_WAIT_EPOCHS;
    w.run();
    w.check();
    assert_eq!(w.view().books.unstake_in_flight, 0);
    assert_eq!(w.view().books.restaked_in_flight, 0);
    assert_eq!(w.view().books.earmarked, 0, "the call failed");
    carol_withdraws_now(&mut w);
    while w.epoch < quote {
        w.next_epoch(0);
        w.keeper();
    }
    w.withdraw("dave.near", dave);
    assert_eq!(w.paid[&id("dave.near")], dave);
    w.check();
}
