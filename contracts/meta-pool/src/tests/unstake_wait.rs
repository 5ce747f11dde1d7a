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
        for (u, quote, _) in &due {
            if *quote == w.epoch {
                assert!(
                    w.view().is_account_unstaked_balance_available(id(u)),
                    "{u} due at {quote} cannot withdraw"
                );
                let all = w.view().get_account_unstaked_balance(id(u)).0;
                w.withdraw(u, all);
            }
        }
        w.check();
        assert!(!w.view().get_epoch_status().unstake_blocked);
    }
    assert!(due.iter().all(|(u, _, _)| w.account(u).unstaked == 0));
    for (u, _, _) in &due {
        assert!(w.paid[&id(u)] > 0);
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
    for _ in 0..3 {
        w.next_epoch(1);
        w.keeper();
        w.unstake(&l, near(50));
        let quote = w.account(&l).available_epoch;
        w.keeper();
        assert_eq!(
            w.c.books.to_unstake, 0,
            "netted against the 75% the cap leaves idle"
        );
        assert!(quote <= w.epoch + UNSTAKE_WAIT_EPOCHS);
    }
    while w.epoch < w.account(&l).available_epoch {
        w.next_epoch(1);
        w.keeper();
    }
    w.withdraw_all(&l);
    w.check();
}
