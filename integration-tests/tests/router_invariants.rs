//! The invariant checks bite: each one, fed a real snapshot with one thing
//! wrong (or a chain where a yoctoNEAR went missing), names what broke.

use integration_tests::invariants::{
    failures_leave_nothing, lockups_are_exact, meta_is_backed, near_is_conserved,
    price_never_decreases, shares_match_supply, stakes_respect_caps, Observed, OwnFunds,
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
    assert!(stakes_respect_caps(&d.sys.ledger.stake_moves).is_ok());
}
