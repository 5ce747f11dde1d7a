//! The quoted unstake wait is kept: with the keeper running once an epoch,
//! a user who unstakes in epoch E can withdraw by E+5.

use super::world::*;
use crate::config::UNSTAKE_WAIT_EPOCHS;

fn quoted_and_kept(keeper_first: bool) {
    let mut w = World::with_validators(5);
    let users: Vec<String> = (0..6)
        .map(|i| lockup_of(&format!("owner{i}.near")))
        .collect();
    for u in &users {
        w.deposit_and_stake(u, near(100));
    }
    w.keeper();
    let mut due: Vec<(String, u64, u128)> = Vec::new();
    // What each user must have been paid: every withdrawal is one transfer
    // of exactly the balance withdrawn.
    let mut owed: std::collections::BTreeMap<String, u128> = Default::default();
    for round in 0..14u64 {
        w.next_epoch(2);
        if keeper_first {
            w.keeper();
        }
        // Someone unstakes every epoch, in varying sizes.
        let u = &users[(round % 6) as usize];
        let staked = w.view().get_account_staked_balance(id(u)).0;
        if staked > 0 && round < 8 {
            let amount = staked / 3 + round as u128;
            w.unstake(u, amount);
            let quote = w.view().get_account_unstaked_available_epoch(id(u));
            assert_eq!(quote, w.epoch + UNSTAKE_WAIT_EPOCHS);
            due.push((u.clone(), quote, w.account(u).unstaked));
        }
        if !keeper_first {
            w.keeper();
        }
        // Whoever is due now can withdraw everything owed.
        for (u, quote, credited) in &due {
            if *quote == w.epoch {
                assert!(
                    w.view().is_account_unstaked_balance_available(id(u)),
                    "{u} due at {quote} cannot withdraw"
                );
                // Each user's earlier claim was withdrawn before it
                // unstaked again, so the balance is this unstake's credit.
                let all = w.view().get_account_unstaked_balance(id(u)).0;
                assert_eq!(all, *credited, "{u}: unstaked balance at the quote");
                let paid_before = w.paid.get(&id(u)).copied().unwrap_or(0);
                w.withdraw(u, all);
                assert_eq!(w.paid[&id(u)] - paid_before, all, "{u}: paid");
                *owed.entry(u.clone()).or_default() += all;
            }
        }
        w.check();
        assert!(!w.view().get_epoch_status().unstake_blocked);
    }
    assert!(!due.is_empty());
    for (u, _, _) in &due {
        assert_eq!(w.account(u).unstaked, 0, "{u} left unstaked NEAR");
        assert_eq!(w.paid[&id(u)], owed[u], "{u}: paid in all");
    }
}

#[test]
fn kept_when_the_keeper_runs_before_the_users() {
    quoted_and_kept(true);
}

#[test]
fn kept_when_the_keeper_runs_after_the_users() {
    quoted_and_kept(false);
}

#[test]
fn a_keeper_running_first_serves_the_claim_next_epoch_and_still_in_time() {
    let mut w = World::with_validators(5);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(500));
    w.keeper();
    w.next_epoch(0);
    w.keeper(); // this epoch's round already ran
    w.unstake(&l, near(100));
    let quote = w.account(&l).available_epoch;
    let e = w.epoch;
    w.next_epoch(0);
    w.keeper(); // E+1: the claim is unstaked now
    let v =
        w.c.validators
            .get()
            .iter()
            .find(|v| v.earmarked > 0)
            .unwrap()
            .clone();
    assert_eq!(v.last_unstake_epoch, Some(e + 1));
    while w.epoch < quote {
        assert!(!w.view().is_account_unstaked_balance_available(id(&l)));
        w.next_epoch(0);
        w.keeper();
    }
    assert_eq!(w.epoch, e + 5);
    w.withdraw_all(&l);
    assert_eq!(w.paid[&id(&l)], near(100));
    w.check();
}

#[test]
fn with_one_capped_validator_the_buffer_serves_claims() {
    let mut w = World::with_validators(1);
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(399));
    w.keeper();
    let mut credited = 0;
    for _ in 0..3 {
        w.next_epoch(1);
        w.keeper();
        let before = w.account(&l).unstaked;
        w.unstake(&l, near(50));
        credited += w.account(&l).unstaked - before;
        let quote = w.account(&l).available_epoch;
        w.keeper();
        assert_eq!(
            w.c.books.to_unstake, 0,
            "netted against the 75% the cap leaves idle"
        );
        assert_eq!(quote, w.epoch + UNSTAKE_WAIT_EPOCHS);
    }
    while w.epoch < w.account(&l).available_epoch {
        w.next_epoch(1);
        w.keeper();
    }
    assert_eq!(w.account(&l).unstaked, credited);
    w.withdraw_all(&l);
    assert_eq!(w.paid[&id(&l)], credited, "one payout of every credit");
    assert_eq!(w.account(&l).unstaked, 0);
    w.check();
}
