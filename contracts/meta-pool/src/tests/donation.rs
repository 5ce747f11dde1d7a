//! Issue 13, part 3: a donation to a validator pool (growth above the
//! per-epoch bound) must not hold up the claims earmarked there.

use super::world::*;

/// The validator holding earmarks, if any.
fn earmarked_validator(w: &World) -> Option<String> {
    w.c.validators
        .get()
        .iter()
        .find(|v| v.earmarked > 0)
        .map(|v| v.account_id.to_string())
}

#[test]
fn a_donation_to_the_earmarked_validator_delays_no_withdrawal() {
    let mut w = World::with_validators(4);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(400));
    w.keeper();
    w.next_epoch(0);
    w.keeper();
    w.unstake(&l, near(50));
    let quote = w.quote();
    w.keeper();
    let x = earmarked_validator(&w).expect("the claim is earmarked");
    // A donation far above the 1%-an-epoch bound on the router's stake there.
    w.pools.get_mut(&id(&x)).unwrap().reward(near(500));
    let staked_before = w.c.books.total_staked;
    while w.epoch < quote {
        w.next_epoch(0);
        w.keeper();
        let failed = w.events("epoch_failed");
        assert!(
            w.all_events("epoch_failed")
                .iter()
                .any(|e| e["reason"] == "reward_too_large" && e["validator_id"] == x.as_str()),
            "the reading is still refused: {failed:?}"
        );
        assert_eq!(
            w.c.books.total_staked, staked_before,
            "nothing of the donation booked at once"
        );
    }
    assert!(
        w.view().is_account_unstaked_balance_available(id(&l)),
        "due at {quote}, now {}",
        w.epoch
    );
    w.withdraw(&l, near(50));
    assert_eq!(w.paid[&id(&l)], near(50));
    w.check();
    // The donation is booked once the bound over the epochs since the last
    // sync covers it; every identity holds meanwhile.
    for _ in 0..60 {
        w.next_epoch(0);
        w.keeper();
        if w.validator(&x).synced_epoch == Some(w.epoch) {
            break;
        }
    }
    assert_eq!(w.validator(&x).synced_epoch, Some(w.epoch));
    assert!(w.c.books.total_staked > staked_before + near(20));
    w.check();
}

#[test]
fn a_refused_reading_that_misses_booked_unstaked_near_allows_no_withdrawal() {
    let mut w = World::with_validators(4);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(400));
    w.keeper();
    w.next_epoch(0);
    w.keeper();
    w.unstake(&l, near(50));
    w.keeper();
    let x = earmarked_validator(&w).unwrap();
    let booked = w.validator(&x);
    for _ in 0..4 {
        w.next_epoch(0);
    }
    // The pool reports far more staked but less unstaked than booked.
    let reply = near_sdk::serde_json::json!({"account_id": ROUTER,
        "unstaked_balance": (booked.unstaked - 1).to_string(),
        "staked_balance": (booked.staked * 2).to_string(), "can_withdraw": true});
    w.fault(
        &x,
        "get_account",
        Fault::Reply(near_sdk::serde_json::to_vec(&reply).unwrap()),
        false,
    );
    w.keeper();
    let v = w.validator(&x);
    assert_eq!(v.withdraw_checked_epoch, None);
    assert_eq!(v.unstaked, booked.unstaked, "nothing withdrawn");
}
