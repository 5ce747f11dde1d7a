//! A real loss of principal at a validator pool (`fault_lose_principal`),
//! on localnet with every invariant after each step: a loss within
//! `SYNC_LOSS_TOLERANCE` is booked and paid by the seed; a larger one is
//! refused, sync after sync, and the router's price does not move.

use integration_tests::suite::{Driver, Staker, ONE_NEAR};
use localnet::RewardRate;
use meta_common::shares::SharePool;
use meta_pool::config::{NUM_EPOCHS_TO_UNLOCK, SYNC_LOSS_TOLERANCE};
use serde_json::Value;

/// The router's balance at pool `i` (staked + unstaked, as the pool says).
fn held(d: &Driver, i: usize) -> u128 {
    let (s, u) = d.sys.pool_balance_of_router(i).unwrap();
    s + u
}

fn record(d: &Driver, i: usize) -> u128 {
    let v = d.sys.validator(&d.sys.pools[i].id).unwrap();
    v.staked.0 + v.unstaked.0
}

/// `pool` loses `amount` of principal in one step; the ledger learns the
/// router's part of it (measured at the pool, after a ping in the same
/// epoch so no reward mixes in). Returns that part.
fn lose(d: &mut Driver, i: usize, amount: u128) -> u128 {
    let id = d.sys.pools[i].id.clone();
    let owner = d.sys.pools[i].owner.clone();
    d.step(&format!("{id} loses {amount}"), |s| {
        s.pool_call(&owner, i, "ping", serde_json::json!({}), 0)
            .assert_success();
        let before = s.pool_balance_of_router(i).unwrap();
        s.fault_lose_principal(i, amount);
        let after = s.pool_balance_of_router(i).unwrap();
        let lost = (before.0 + before.1) - (after.0 + after.1);
        *s.ledger.known_loss.entry(id.clone()).or_default() += lost;
        lost
    })
}

fn price(d: &Driver) -> SharePool {
    let b = d.sys.pool_summary().books;
    SharePool::new(b.total_staked, b.total_shares)
}

#[test]
fn a_loss_within_tolerance_is_booked_and_paid_by_the_seed() {
    let (mut d, _) = Driver::with_placed_stake(3, 2000);
    // No rewards, which would otherwise make the loss good before the sync
    // (the router then books the net growth).
    d.step("rewards stop", |s| s.set_reward_rate(RewardRate::new(0, 1)));
    d.next_epoch();
    let id = d.sys.pools[0].id.clone();
    let lost = lose(&mut d, 0, SYNC_LOSS_TOLERANCE / 2);
    assert!(lost > 0 && lost <= SYNC_LOSS_TOLERANCE / 2, "{lost}");
    assert!(held(&d, 0) < record(&d, 0), "the record is above the pool");
    let seed_before = d.sys.pool_summary().books.seed_shares;
    let before = price(&d);
    d.next_epoch();
    assert!(price(&d).price_at_least(&before), "the price fell");
    // The keeper's report keeps the epoch events only: the seed's
    // payment shows in its shares.
    assert!(d.sys.pool_summary().books.seed_shares < seed_before);
    assert_eq!(record(&d, 0), held(&d, 0), "booked");
    assert!(
        !d.sys.ledger.known_loss.contains_key(&id),
        "cleared by the sync"
    );
}

#[test]
fn a_large_loss_is_refused_at_every_sync_and_the_price_holds() {
    let (mut d, _) = Driver::with_placed_stake(3, 2000);
    let total: String = d.sys.view(
        &d.sys.pools[0].id,
        "get_total_staked_balance",
        serde_json::json!({}),
    );
    let amount = total.parse::<u128>().unwrap() / 20;
    let lost = lose(&mut d, 0, amount);
    assert!(lost > SYNC_LOSS_TOLERANCE, "{lost}");
    let booked = record(&d, 0);
    let before = price(&d);
    for _ in 0..3 {
        d.next_epoch();
        let round = d.last_round.clone().unwrap();
        let refused: Vec<&Value> = round
            .events("epoch_failed")
            .into_iter()
            .filter(|e| e["validator_id"] == d.sys.pools[0].id.as_str() && e["op"] == "sync")
            .collect();
        assert!(
            refused.iter().all(|e| e["reason"] == "balance_decreased") && !refused.is_empty(),
            "{refused:?}"
        );
        // The rewards the pool pays do not reach the record until they
        // make the loss good.
        assert!(record(&d, 0) >= booked);
        assert!(held(&d, 0) + ONE_NEAR < record(&d, 0));
        assert!(price(&d).price_at_least(&before), "the price fell");
    }
}

/// Epochs `who`'s claim becomes available in, checking each epoch (at
/// most `max`); `None` if it never does.
fn epochs_until_available(d: &mut Driver, who: &Staker, max: u64) -> Option<u64> {
    for k in 0..=max {
        if d.sys.core_views(&who.id).available {
            return Some(k);
        }
        d.next_epoch();
    }
    None
}

#[test]
fn a_large_loss_freezes_what_the_validator_holds_but_not_the_others() {
    let (mut d, alice) = Driver::with_placed_stake(3, 2000);
    let total: String = d.sys.view(
        &d.sys.pools[0].id,
        "get_total_staked_balance",
        serde_json::json!({}),
    );
    let lost = lose(&mut d, 0, total.parse::<u128>().unwrap() / 20);
    assert!(lost > 20 * ONE_NEAR, "{lost}");

    // A claim the other validators can serve is paid, from them.
    d.step("alice unstakes 100", |s| {
        s.unstake(&alice, 100 * ONE_NEAR).assert_success();
    });
    let waited = epochs_until_available(&mut d, &alice, 8).expect("paid");
    assert!(waited <= NUM_EPOCHS_TO_UNLOCK + 2, "{waited}");
    d.step("alice withdraws", |s| {
        s.withdraw_all(&alice).assert_success();
    });

    // The rest needs the validator's NEAR too, which the router will not
    // ask for while its reading is refused: the claim waits for governance
    // to drain the validator (which books the loss).
    let rest = d.sys.snear_balance(&alice.id);
    d.step("alice unstakes the rest", |s| {
        s.call_router(
            &alice.id,
            "unstake_all",
            serde_json::json!({}),
            0,
            integration_tests::keeper::KEEPER_GAS,
        )
        .assert_success();
    });
    assert!(rest > 0);
    // Its sync refused, the validator counts as unsynced and gets no
    // unstake: the backlog waits.
    for _ in 0..12 {
        d.next_epoch();
        assert!(!d.sys.core_views(&alice.id).available, "frozen");
    }
    let status: Value = d.sys.router_view("get_epoch_status", serde_json::json!({}));
    assert_eq!(status["unstake_blocked"], true, "{status}");
    assert!(held(&d, 0) + lost / 2 < record(&d, 0), "never booked");
}

/// The seed's own value (without the storage shares it holds).
fn seed_value(d: &Driver) -> u128 {
    let b = d.sys.pool_summary().books;
    price(d)
        .amount_from_shares_down(b.seed_shares - b.storage_shares)
        .unwrap()
}

/// The seed's value and half the price's surplus over 1: a loss the
/// router may book with its price staying at 1 or above (as
/// `random::pool_life`'s drained losses).
fn drain_budget(d: &Driver) -> u128 {
    let b = d.sys.pool_summary().books;
    (b.total_staked - b.total_shares) / 2 + seed_value(d)
}

/// The loss at pool `i` that costs the router about `router_part` (its
/// delegators all lose in proportion).
fn pool_loss_costing_the_router(d: &Driver, i: usize, router_part: u128) -> u128 {
    let total: String = d.sys.view(
        &d.sys.pools[i].id,
        "get_total_staked_balance",
        serde_json::json!({}),
    );
    let (staked, _) = d.sys.pool_balance_of_router(i).unwrap();
    integration_tests::owed::mul_div_floor(router_part, total.parse().unwrap(), staked).unwrap()
}

/// Epochs with the keeper until `pool` is no longer listed (at most
/// `max`); `None` if it stays.
fn epochs_until_removed(d: &mut Driver, pool: &localnet::AccountId, max: u64) -> Option<u64> {
    for k in 0..=max {
        if d.sys.validator(pool).is_none() {
            return Some(k);
        }
        d.next_epoch();
    }
    None
}

/// The whole life of a large real loss at a validator the router stakes
/// at, with every invariant after each step (the checker's invariant 3
/// allows the fall only by what the booked loss beyond the seed explains,
/// `invariants::loss_bound`): refused while the validator is active,
/// booked once the owner drains it (the seed pays first, all of it), the
/// validator removed once it has paid back what it holds, and every claim
/// paid: one made while it was frozen, and full exits at the booked price.
#[test]
fn a_drained_real_loss_is_booked_once_and_every_claim_is_paid_at_the_booked_price() {
    use integration_tests::invariants::loss_bound;
    use integration_tests::owed::{value_down, Price};
    use meta_common::actions::RouterAction;

    let (mut d, alice) = Driver::with_placed_stake(3, 2000);
    let pool = d.sys.pools[0].id.clone();
    // No rewards, which would make part of the loss good before the
    // drain books it (the router books the net change).
    d.step("rewards stop", |s| s.set_reward_rate(RewardRate::new(0, 1)));
    d.next_epoch();
    // A loss beyond the seed that keeps the price at 1 or above (below,
    // lockup exits stop being exact: the ignored test below).
    let amount = pool_loss_costing_the_router(&d, 0, drain_budget(&d));
    let lost = lose(&mut d, 0, amount);
    assert!(lost > SYNC_LOSS_TOLERANCE, "{lost}");

    // Frozen: the sync is refused and the price holds.
    let before = price(&d);
    d.next_epoch();
    let round = d.last_round.clone().unwrap();
    assert!(
        round
            .events("epoch_failed")
            .iter()
            .any(|e| e["validator_id"] == pool.as_str() && e["reason"] == "balance_decreased"),
        "refused"
    );
    assert!(price(&d).price_at_least(&before), "the price fell");

    // A claim made while the validator is frozen.
    d.step("alice unstakes 300 while the validator is frozen", |s| {
        s.unstake(&alice, 300 * ONE_NEAR).assert_success();
    });
    // Her first claim pays for the router record it creates.
    assert_eq!(
        d.sys.account_details(&alice.id).unstaked_balance.0,
        300 * ONE_NEAR - meta_pool::config::ACCOUNT_RECORD_COST
    );

    // The owner drains it: the next sync books the loss.
    let seen = d.sys.ledger.booked_losses.len();
    let prev = Price::of(d.checker.last().unwrap());
    d.step("the owner drains the validator", |s| {
        s.governance_action(RouterAction::DrainValidator {
            account_id: pool.clone(),
        })
        .assert_success();
    });
    d.next_epoch();
    let booked: Vec<_> = d.sys.ledger.booked_losses[seen..].to_vec();
    assert_eq!(booked.len(), 1, "{booked:?}");
    let l = &booked[0];
    assert_eq!(l.validator, pool);
    // Without rewards since, the loss booked is exactly the router's part.
    assert_eq!(l.loss, lost, "{l:?}");
    let b = d.sys.pool_summary().books;
    assert_eq!(
        b.seed_shares, b.storage_shares,
        "the seed paid all it held: {l:?}, lost {lost}, asked {amount}"
    );
    let now = Price::of(d.checker.last().unwrap());
    assert!(
        !integration_tests::owed::price_at_least(now, prev),
        "beyond the seed the price fell"
    );
    let bound = loss_bound(prev, &booked).unwrap();
    assert!(integration_tests::owed::price_at_least(now, bound));
    // Booked: no unbooked loss left (the drain's unstake in the same round
    // may round by a yoctoNEAR, which invariant 1 bounds).
    assert!(!d.sys.ledger.known_loss.contains_key(&pool));

    // Drained and removed; no further loss booked there.
    let waited = epochs_until_removed(&mut d, &pool, 12).expect("removed");
    assert!(waited <= NUM_EPOCHS_TO_UNLOCK + 4, "{waited}");
    assert!(
        d.sys.ledger.booked_losses[seen + 1..]
            .iter()
            .all(|x| x.loss <= SYNC_LOSS_TOLERANCE),
        "{:?}",
        &d.sys.ledger.booked_losses[seen..]
    );

    // The frozen claim is paid in full.
    epochs_until_available(&mut d, &alice, 8).expect("the frozen claim is paid");
    d.withdraw_exactly(&alice, None, "alice withdraws her frozen claim");

    // The rest exits at the booked price, to the yoctoNEAR.
    let shares = d.sys.snear_balance(&alice.id);
    let last = d.checker.last().unwrap();
    let at = Price::of(last);
    // Her withdrawal of everything unstaked deleted her record: the exit
    // pays for a new one.
    let fee = if last.account(&alice.id).is_some() {
        0
    } else {
        meta_pool::config::ACCOUNT_RECORD_COST
    };
    d.step("alice unstakes all", |s| {
        s.call_router(
            &alice.id,
            "unstake_all",
            serde_json::json!({}),
            0,
            integration_tests::keeper::KEEPER_GAS,
        )
        .assert_success();
    });
    let owed = value_down(at, shares).unwrap() - fee;
    assert_eq!(d.sys.account_details(&alice.id).unstaked_balance.0, owed);
    assert_eq!(d.sys.snear_balance(&alice.id), 0);
    epochs_until_available(&mut d, &alice, 8).expect("the exit is paid");
    d.withdraw_exactly(&alice, None, "alice withdraws everything");
}

/// Found with issue 17's drained losses: a drained loss beyond the seed
/// and the price's surplus over 1 takes the price below 1, and then a
/// lockup can no longer exit exactly (`lockup.rs`'s argument needs the
/// price at least 1, which it takes from "the price never decreases", the
/// rule a drain breaks by design): invariant 5 fails at the sync that books
/// the loss. Ignored until the router decides what a lockup exit does
/// below price 1 (or refuses to let a drain take the price there).
#[test]
#[ignore = "router issue: a drained loss can take the price below 1, breaking exact lockup exits"]
fn a_drained_loss_below_price_one_breaks_exact_lockup_exits() {
    use meta_common::actions::RouterAction;
    let (mut d, _alice) = Driver::with_placed_stake(3, 2000);
    let lockup = d
        .sys
        .add_lockup_account("la0", localnet::NearToken::from_near(1_000));
    d.step("la0 stakes 500", |s| {
        s.deposit_and_stake(&lockup, 500 * ONE_NEAR)
            .assert_success();
    });
    d.next_epoch();
    let pool = d.sys.pools[0].id.clone();
    // Well beyond what keeps the price at 1.
    let amount = pool_loss_costing_the_router(&d, 0, 4 * drain_budget(&d));
    lose(&mut d, 0, amount);
    d.step("the owner drains the validator", |s| {
        s.governance_action(RouterAction::DrainValidator {
            account_id: pool.clone(),
        })
        .assert_success();
    });
    // Panics with invariant 5 (lockups_are_exact): price below 1.
    d.next_epoch();
    let staked = d.sys.account_details(&lockup.id).staked_balance.0;
    d.step("la0 unstakes exactly its staked balance", |s| {
        s.unstake(&lockup, staked).assert_success();
    });
    let left = d.sys.account_details(&lockup.id).shares.0;
    assert_eq!(
        left, 0,
        "shares left after unstaking the whole staked balance"
    );
}

/// Found by issue 17's drained losses (`DRAIN_BEYOND_SEED=1 SEED=310
/// STEPS=400`, op 215): `Books::pay_from_seed` burns up to all of
/// `seed_shares`, which include the `storage_shares` the seed holds for the
/// router's own funds; a drained loss beyond the seed's own shares burns
/// those too, leaving `storage_shares > seed_shares`, and the next
/// `repay_storage` (`books.rs`, `self.seed_shares -= shares`) underflows:
/// `get_pool_summary` and the epoch operations that repay storage panic.
/// Fixed at its cause: `pay_from_seed` burns only the seed's own shares
/// (`seed_shares - storage_shares`); beyond them the price falls.
#[test]
fn a_drained_loss_beyond_the_seed_never_burns_its_storage_shares() {
    use meta_common::actions::RouterAction;
    // Enough validators for the caps to let the keeper stake every buffer.
    let (mut d, _alice) = Driver::with_placed_stake(6, 2000);
    d.step("rewards stop", |s| s.set_reward_rate(RewardRate::new(0, 1)));
    let bob = d
        .sys
        .add_liquid_staker("bob", localnet::NearToken::from_near(1_000));
    d.step("bob stakes 100", |s| {
        s.deposit_and_stake(&bob, 100 * ONE_NEAR).assert_success();
    });
    // The keeper stakes the buffer: nothing left to buy storage shares.
    d.next_epoch();
    let b = d.sys.pool_summary().books;
    assert!(b.buffered < meta_pool::config::ACCOUNT_RECORD_COST, "{b:?}");
    let pool = d.sys.pools[0].id.clone();
    let amount = pool_loss_costing_the_router(&d, 0, drain_budget(&d));
    let lost = lose(&mut d, 0, amount);
    assert!(lost > seed_value(&d), "{lost}: beyond the seed");
    // Bob's first unstake pays his record in staked NEAR: storage shares
    // the seed holds until the buffer buys them back.
    d.step("bob unstakes 10", |s| {
        s.unstake(&bob, 10 * ONE_NEAR).assert_success();
    });
    let b = d.sys.pool_summary().books;
    assert!(b.storage_shares > 0, "{b:?}");
    d.step("the owner drains the validator", |s| {
        s.governance_action(RouterAction::DrainValidator {
            account_id: pool.clone(),
        })
        .assert_success();
    });
    // The sync books the loss: the seed's own shares pay first, the rest
    // lowers the price; the storage shares stay, repaid by the buffer.
    d.step("next epoch", |s| s.advance_epochs(1));
    let round = d.try_keeper_round();
    let b = d.sys.pool_summary().books;
    assert!(b.seed_shares >= b.storage_shares, "{b:?}");
    round.unwrap_or_else(|e| panic!("{e}"));
}
