//! The invariant checks bite: each one, fed a real snapshot with one thing
//! wrong (or a chain where a yoctoNEAR went missing), names what broke.

use integration_tests::invariants::{
    due_claims_are_withdrawable, failures_leave_nothing, lockups_are_exact, meta_is_backed,
    near_is_conserved, own_funds_not_spent_by_users, price_never_decreases, shares_match_supply,
    stakes_respect_caps, wallet_views_are_right, withdrawal_paid_exactly, Observed, OwnFunds,
    ACCOUNT_RECORD_COST,
};
use integration_tests::owed::{
    account_moved_as_promised, gas_cost, keeper_moved_no_holding, only_actors_moved, quote_kept,
    withdrawal_reached_the_account, Act,
};
use integration_tests::suite::{Driver, Snapshot, StakeMove, SystemConfig, ONE_NEAR};
use localnet::NearToken;
use meta_pool::validators::EpochOp;
use std::collections::BTreeSet;

fn running() -> (Driver, Snapshot) {
    let mut d = Driver::new(SystemConfig {
        validators: 2,
        ..SystemConfig::default()
    });
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(1_000));
    let lara = d
        .sys
        .add_lockup_account("lara", NearToken::from_near(1_000));
    d.step("stakes", |s| {
        s.deposit_and_stake(&alice, 300 * ONE_NEAR).assert_success();
        s.deposit_and_stake(&lara, 300 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    d.next_epoch();
    d.step("alice claims", |s| {
        s.claim_snear_meta(&alice).assert_success().clone()
    });
    let snap = d.check("reference");
    (d, snap)
}

#[test]
fn a_missing_or_unexplained_yocto_breaks_conservation() {
    let (mut d, _) = running();
    let router = d.sys.router.clone();
    let balance = d.sys.net.balance(&router).as_yoctonear();
    d.sys
        .net
        .set_balance(&router, NearToken::from_yoctonear(balance - 1));
    let err = d.checker.check(&d.sys, "one yocto gone").unwrap_err();
    assert_eq!(err.violations[0].invariant, 1, "{err}");
    assert!(err.violations[0].detail.contains("own funds"), "{err}");
    // A NEAR arriving unbooked is reported too (top-ups go through the
    // ledger: `System::top_up_router`).
    let (mut d, _) = running();
    let owner = d.sys.owner.clone();
    d.sys
        .net
        .transfer(&owner, &router, NearToken::from_near(1))
        .assert_success();
    let err = d.checker.check(&d.sys, "unbooked NEAR").unwrap_err();
    assert_eq!(err.violations[0].invariant, 1, "{err}");
    d.sys.top_up_router(ONE_NEAR);
    d.check("a booked top-up is fine");
}

#[test]
fn books_that_disagree_with_the_pools_break_conservation() {
    let (d, snap) = running();
    let mut bad = snap.clone();
    bad.validators[0].staked.0 += ONE_NEAR;
    bad.summary.books.total_staked += ONE_NEAR;
    let r = near_is_conserved(None, &bad, &d.sys.ledger, None, &mut Observed::default());
    let e = r.unwrap_err();
    assert!(e.contains("less than the router's record"), "{e}");
    let own = OwnFunds {
        f: snap.router_balance - snap.summary.books.reserve - snap.summary.books.buffered,
        top_ups: d.sys.ledger.router_top_ups,
        mirror_refunds: d.sys.ledger.mirror_refunds,
    };
    assert!(near_is_conserved(
        Some(&snap),
        &snap,
        &d.sys.ledger,
        Some(&own),
        &mut Observed::default()
    )
    .is_ok());
}

#[test]
fn each_invariant_names_its_break() {
    let (d, snap) = running();
    let mut s = snap.clone();
    s.summary.books.total_shares += 1;
    assert!(shares_match_supply(&s)
        .unwrap_err()
        .contains("total_shares"));

    let mut lower = snap.clone();
    lower.summary.books.total_staked -= 1;
    assert!(price_never_decreases(Some(&snap), &lower)
        .unwrap_err()
        .contains("price"));
    lower.snear_pool_state = None; // without the mirror, the fall itself
    assert!(price_never_decreases(Some(&snap), &lower)
        .unwrap_err()
        .contains("price fell"));

    let mut s = snap.clone();
    let lockup = s.lockup_views.keys().next().unwrap().clone();
    s.lockup_views.get_mut(&lockup).unwrap().total += 1;
    assert!(lockups_are_exact(&s, &BTreeSet::new())
        .unwrap_err()
        .contains("total"));
    assert!(lockups_are_exact(&snap, &BTreeSet::from([lockup]))
        .unwrap_err()
        .contains("exited"));

    let mut s = snap.clone();
    s.meta_supply += 1;
    assert!(meta_is_backed(&s, &d.sys.ledger)
        .unwrap_err()
        .contains("META supply"));

    let mut s = snap.clone();
    s.validators[1].lock = Some(EpochOp::Stake);
    assert!(failures_leave_nothing(&s, &[])
        .unwrap_err()
        .contains("locks left"));
    assert!(failures_leave_nothing(&snap, &["a stake the router missed".into()]).is_err());
}

#[test]
fn a_stake_above_a_cap_is_reported() {
    let (d, _) = running();
    let m = d
        .sys
        .ledger
        .stake_moves
        .last()
        .expect("the keeper staked")
        .clone();
    let r = m.before.clone().unwrap();
    let cap = r.total_staked / 4;
    let over = StakeMove {
        amount: cap + 1,
        ..m.clone()
    };
    let e = stakes_respect_caps(&[over]).unwrap_err();
    assert!(e.contains("share cap"), "{e}");
    let mut network = m.clone();
    let before = network.before.as_mut().unwrap();
    before
        .network
        .insert(m.validator.clone(), before.network_total / 20);
    assert!(stakes_respect_caps(&[network])
        .unwrap_err()
        .contains("network cap"));
    // A stake on a validator the set does not show (kicked out).
    let mut outside = m.clone();
    outside
        .before
        .as_mut()
        .unwrap()
        .network
        .remove(&m.validator);
    let e = stakes_respect_caps(&[outside]).unwrap_err();
    assert!(e.contains("outside the validator set"), "{e}");
    assert!(stakes_respect_caps(&d.sys.ledger.stake_moves).is_ok());
}

/// Invariant 8 bites: a claim whose quoted epoch has come but which the
/// reserve does not hold is reported, and so is a withdrawal that paid
/// anything but the exact amount.
#[test]
fn a_due_claim_the_reserve_cannot_pay_is_reported() {
    let (mut d, _) = running();
    let alice = d.sys.stakers[0].clone();
    d.step("alice unstakes", |s| {
        s.unstake(&alice, 100 * ONE_NEAR).assert_success();
    });
    for _ in 0..6 {
        d.next_epoch();
    }
    let snap = d.check("alice's quoted epoch has come");
    let due = vec![alice.id.clone()];
    due_claims_are_withdrawable(&snap, &due).expect("the keeper collected the claim");
    // Break it: the reserve short of the claim by one yoctoNEAR.
    let mut bad = snap.clone();
    let u = bad.account(&alice.id).unwrap().unstaked_balance.0;
    bad.summary.books.reserve = u - 1;
    let e = due_claims_are_withdrawable(&bad, &due).unwrap_err();
    assert!(e.contains("reserve"), "{e}");
    // Or the quote not honoured.
    let mut late = snap.clone();
    let epoch = late.epoch;
    late.accounts
        .iter_mut()
        .find(|a| a.account_id == alice.id)
        .unwrap()
        .unstaked_available_epoch = epoch + 1;
    assert!(due_claims_are_withdrawable(&late, &due).is_err());
    // The real withdrawal pays exactly; one yoctoNEAR off is reported.
    let out = d.step("alice withdraws", |s| s.withdraw(&alice, u));
    let router = d.sys.router.clone();
    withdrawal_paid_exactly(&out, &router, &alice.id, u).expect("paid exactly");
    let e = withdrawal_paid_exactly(&out, &router, &alice.id, u + 1).unwrap_err();
    assert!(e.contains("paid"), "{e}");
}

/// Invariant 9 bites: NEAR leaving the router's own funds in a user's
/// step, beyond the storage of the records it created, is reported; a
/// record's storage is allowed.
#[test]
fn a_user_call_spending_the_routers_own_funds_is_reported() {
    let (mut d, before) = running();
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(100));
    // A first deposit creates a record: its storage is allowed.
    d.step("bob deposits", |s| {
        s.deposit(&bob, ONE_NEAR).assert_success();
    });
    let after = d.check("after bob's deposit");
    own_funds_not_spent_by_users(&before, &after, false, 0).expect("a record's storage");
    // Break it: one yoctoNEAR of the router's own funds gone in a step.
    let router = d.sys.router.clone();
    let balance = d.sys.net.balance(&router).as_yoctonear();
    let mut spent = after.clone();
    spent.router_balance = balance - 1;
    spent.summary.own_funds.0 -= 1;
    let e = own_funds_not_spent_by_users(&after, &spent, false, 0).unwrap_err();
    assert!(e.contains("spent 1"), "{e}");
    // Storage beyond the records created (none here) is reported too, and
    // an epoch operation's validator storage is allowed only with one.
    let mut grown = after.clone();
    grown.router_storage_cost += ACCOUNT_RECORD_COST;
    grown.summary.own_funds.0 -= ACCOUNT_RECORD_COST;
    grown.router_balance = after.router_balance;
    let e = own_funds_not_spent_by_users(&after, &grown, false, 0).unwrap_err();
    assert!(e.contains("created 0 account records"), "{e}");
    let mut validator_bytes = after.clone();
    validator_bytes.summary.own_funds.0 -= 80 * 10_000_000_000_000_000_000;
    assert!(own_funds_not_spent_by_users(&after, &validator_bytes, false, 0).is_err());
    own_funds_not_spent_by_users(&after, &validator_bytes, true, 0).expect("an epoch op's storage");
}

/// Invariant 10 bites: each account's call moves exactly what the price
/// says for that account and nothing for anyone else. A mint one share
/// short, sNEAR landing on the wrong holder, a payout one yoctoNEAR short
/// and a quote that moved later are each reported.
#[test]
fn each_account_is_held_to_what_its_own_call_promised() {
    let (mut d, _) = running();
    let alice = d.sys.stakers[0].clone();
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(1_000));
    let carol = d
        .sys
        .add_liquid_staker("carol", NearToken::from_near(1_000));
    d.step("carol stakes", |s| {
        s.deposit_and_stake(&carol, 20 * ONE_NEAR).assert_success();
    });
    let prev = d.check("before bob stakes");
    d.step("bob stakes 50", |s| {
        s.deposit_and_stake(&bob, 50 * ONE_NEAR).assert_success();
    });
    let now = d.check("after bob stakes");
    let staked = Act::DepositAndStake(50 * ONE_NEAR);
    account_moved_as_promised(&prev, &now, &bob.id, false, std::slice::from_ref(&staked))
        .expect("minted exactly");
    // A wrong mint: one share short.
    let mut short = now.clone();
    short.snear_holders.get_mut(&bob.id).unwrap().balance -= 1;
    let e = account_moved_as_promised(&prev, &short, &bob.id, false, std::slice::from_ref(&staked))
        .unwrap_err();
    assert!(e.contains("shares") && e.contains("off by -1"), "{e}");
    // Someone else's holding moved in bob's call.
    let mut other = now.clone();
    other.snear_holders.get_mut(&alice.id).unwrap().balance += 1;
    let e = account_moved_as_promised(&prev, &other, &bob.id, false, std::slice::from_ref(&staked))
        .unwrap_err();
    assert!(e.contains(&format!("changed {}", alice.id)), "{e}");

    // A transfer moves exactly the amount between exactly those two.
    let sent = 10 * ONE_NEAR;
    d.step("alice sends bob 10 sNEAR", |s| {
        s.snear_transfer(&alice, &bob, sent).assert_success();
    });
    let after = d.check("after the transfer");
    let transfer = Act::Transfer {
        to: bob.id.clone(),
        amount: sent,
    };
    account_moved_as_promised(
        &now,
        &after,
        &alice.id,
        false,
        std::slice::from_ref(&transfer),
    )
    .expect("exact");
    let mut misdirected = after.clone();
    misdirected.snear_holders.get_mut(&bob.id).unwrap().balance -= sent;
    misdirected
        .snear_holders
        .get_mut(&carol.id)
        .unwrap()
        .balance += sent;
    let e = account_moved_as_promised(
        &now,
        &misdirected,
        &alice.id,
        false,
        std::slice::from_ref(&transfer),
    )
    .unwrap_err();
    assert!(e.contains(&format!("to {}", bob.id)), "{e}");

    // An unstake credits the value of the shares it burns, rounded down.
    let before_unstake = d.check("before alice unstakes");
    d.step("alice unstakes 100", |s| {
        s.unstake(&alice, 100 * ONE_NEAR).assert_success();
    });
    let unstaked = d.check("after alice unstakes");
    let unstake = Act::Unstake(100 * ONE_NEAR);
    account_moved_as_promised(
        &before_unstake,
        &unstaked,
        &alice.id,
        false,
        std::slice::from_ref(&unstake),
    )
    .expect("burnt and credited exactly");
    let mut under = unstaked.clone();
    let a = under
        .accounts
        .iter_mut()
        .find(|a| a.account_id == alice.id)
        .unwrap();
    a.unstaked_balance.0 -= 1;
    assert!(account_moved_as_promised(
        &before_unstake,
        &under,
        &alice.id,
        false,
        std::slice::from_ref(&unstake)
    )
    .is_err());
    let quoted = unstaked
        .account(&alice.id)
        .unwrap()
        .unstaked_available_epoch;
    quote_kept(&alice.id, quoted, quoted).expect("the same quote");
    let e = quote_kept(&alice.id, quoted, quoted + 1).unwrap_err();
    assert!(e.contains(&format!("quoted epoch {quoted}")), "{e}");

    // The payout reaches the account to the yoctoNEAR, gas included.
    for _ in 0..6 {
        d.next_epoch();
    }
    let u = d.sys.account_details(&alice.id).unstaked_balance.0;
    let balance = d.sys.near_balance(&alice);
    let out = d.step("alice withdraws", |s| s.withdraw(&alice, u));
    let paid = d.sys.near_balance(&alice);
    withdrawal_reached_the_account(&out, &alice.id, balance, paid, u).expect("exact payout");
    let e = withdrawal_reached_the_account(&out, &alice.id, balance, paid - 1, u).unwrap_err();
    assert!(e.contains("off by -1"), "{e}");
    assert!(gas_cost(&out) > 0, "the signer paid for its transaction");
}

/// Invariant 10 across the keeper: an epoch's operations move no one's
/// holding (only the treasury earns the fee's sNEAR); a round that did is
/// reported.
#[test]
fn a_keeper_round_that_moves_a_holding_is_reported() {
    let (mut d, _) = running();
    let alice = d.sys.stakers[0].clone();
    d.step("alice stakes more, unstakes some", |s| {
        s.deposit_and_stake(&alice, 40 * ONE_NEAR).assert_success();
        s.unstake(&alice, 30 * ONE_NEAR).assert_success();
    });
    d.step("rewards", |s| s.advance_epochs(1));
    let prev = d.check("before the keeper");
    let round = d.keeper_round();
    assert!(!round.calls.is_empty(), "the keeper had work");
    let now = d.check("after the keeper");
    let treasury = d.sys.treasury.clone();
    keeper_moved_no_holding(&prev, &now, &treasury).expect("no holding moved");
    let mut moved = now.clone();
    let a = moved
        .accounts
        .iter_mut()
        .find(|a| a.account_id == alice.id)
        .unwrap();
    a.unstaked_available_epoch += 1;
    let e = keeper_moved_no_holding(&prev, &moved, &treasury).unwrap_err();
    assert!(
        e.contains(&format!("changed {}'s holding", alice.id)),
        "{e}"
    );
}

/// Invariant 10 in every step: only the accounts that acted see their
/// holdings move. The checker runs it after each step; here, bob's sNEAR
/// landing on carol in a step carol took no part in is reported.
#[test]
fn a_holding_moved_by_a_step_its_account_took_no_part_in_is_reported() {
    let (mut d, _) = running();
    let alice = d.sys.stakers[0].clone();
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(100));
    let prev = d.check("before bob's transfer");
    d.step("alice sends bob 5 sNEAR", |s| {
        s.snear_transfer(&alice, &bob, 5 * ONE_NEAR)
            .assert_success();
    });
    let now = d.check("after");
    let acted = BTreeSet::from([alice.id.clone(), bob.id.clone()]);
    only_actors_moved(&prev, &now, &acted).expect("alice and bob acted");
    let e = only_actors_moved(&prev, &now, &BTreeSet::from([alice.id.clone()])).unwrap_err();
    assert!(e.contains(&format!("changed {}'s holding", bob.id)), "{e}");
    // The lockup's unstaked balance moving in a step it took no part in.
    let lara = d.sys.stakers[1].clone();
    let mut moved = now.clone();
    let l = moved
        .accounts
        .iter_mut()
        .find(|a| a.account_id == lara.id)
        .unwrap();
    l.unstaked_balance.0 += 1;
    let e = only_actors_moved(&now, &moved, &acted).unwrap_err();
    assert!(e.contains(&format!("changed {}'s holding", lara.id)), "{e}");
}

/// Invariant 11: a router view one yocto off what the holder's sNEAR is
/// worth is reported, unless the harness saw that holder's last change
/// reach the router by no notice.
#[test]
fn a_wallet_view_off_the_holders_snear_is_reported() {
    let (_d, snap) = running();
    assert_eq!(wallet_views_are_right(&snap, &BTreeSet::new()), Ok(()));
    let id = snap
        .snear_holders
        .keys()
        .find(|k| k.as_str().starts_with("alice"))
        .cloned()
        .expect("alice holds sNEAR");
    let mut bad = snap.clone();
    bad.snear_holders.get_mut(&id).unwrap().staked_view += 1;
    let err = wallet_views_are_right(&bad, &BTreeSet::new()).unwrap_err();
    assert!(err.contains("get_account_staked_balance"), "{err}");
    let excused: BTreeSet<_> = [id].into_iter().collect();
    assert_eq!(wallet_views_are_right(&bad, &excused), Ok(()));
}
