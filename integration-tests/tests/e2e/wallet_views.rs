//! What a wallet shows a liquid staker (issue 16), on localnet: the
//! router's core staking-pool views read the NEAR value of the account's
//! sNEAR (plus its unstaked NEAR) after a stake, after sNEAR sent and
//! received, and the wallet's own flows work from them: `unstake` of the
//! amount `get_account_staked_balance` shows, then `withdraw_all`.

use integration_tests::suite::{Driver, Staker, System, ONE_NEAR};
use localnet::{Gas, NearToken};
use serde_json::json;

/// The four core views of `who` against sNEAR's own balance at the
/// router's price.
fn views_show_the_snear(sys: &System, who: &Staker) -> u128 {
    let shares = sys.snear_balance(&who.id);
    let books = sys.pool_summary().books;
    let value = books.value_of(shares);
    let v = sys.core_views(&who.id);
    assert_eq!(v.staked, value, "{}: staked view vs {shares} sNEAR", who.id);
    assert_eq!(v.total, v.staked + v.unstaked, "{}", who.id);
    let details = sys.account_details(&who.id);
    assert_eq!(details.snear_balance.0, shares, "{}", who.id);
    value
}

#[test]
fn a_wallet_sees_a_liquid_stakers_snear_as_its_stake() {
    let (mut d, alice) = Driver::with_placed_stake(3, 1_000);
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(100));
    views_show_the_snear(&d.sys, &alice);
    d.step("bob stakes 5 NEAR", |s| {
        s.deposit_and_stake(&bob, 5 * ONE_NEAR).assert_success();
    });
    assert!(views_show_the_snear(&d.sys, &bob) > 4 * ONE_NEAR);
    d.next_epoch();
    d.step("alice sends bob 7 sNEAR", |s| {
        s.snear_transfer(&alice, &bob, 7 * ONE_NEAR)
            .assert_success();
    });
    views_show_the_snear(&d.sys, &alice);
    let shown = views_show_the_snear(&d.sys, &bob);
    assert!(shown > 11 * ONE_NEAR);
    // A holder that never deposited (carol only receives sNEAR) sees it too.
    let carol = d.sys.add_liquid_staker("carol", NearToken::from_near(10));
    d.step("bob sends carol 2 sNEAR", |s| {
        s.snear_transfer(&bob, &carol, 2 * ONE_NEAR)
            .assert_success();
    });
    assert!(views_show_the_snear(&d.sys, &carol) >= 2 * ONE_NEAR);
    // The wallet's unstake button: the amount the staked view shows.
    let staked = views_show_the_snear(&d.sys, &bob);
    d.step("bob unstakes what the wallet shows", |s| {
        s.unstake(&bob, staked).assert_success();
    });
    assert_eq!(views_show_the_snear(&d.sys, &bob), 0);
    let v = d.sys.core_views(&bob.id);
    assert_eq!(v.total, v.unstaked);
    for _ in 0..6 {
        d.next_epoch();
    }
    assert!(d.sys.core_views(&bob.id).available);
    d.withdraw_exactly(&bob, None, "bob withdraws all");
    let v = d.sys.core_views(&bob.id);
    assert_eq!((v.staked, v.unstaked, v.total), (0, 0, 0));
    // unstake_all from the wallet: everything, views at zero.
    d.step("carol unstakes all", |s| {
        s.unstake_all(&carol).assert_success();
    });
    assert_eq!(views_show_the_snear(&d.sys, &carol), 0);
}

/// A transfer sent with too little gas for the notice still transfers; the
/// router's view of both holders lags (sNEAR says so with
/// `mirror_skipped`), and their next change brings it back.
#[test]
fn a_transfer_short_of_gas_for_the_notice_lags_until_the_next_change() {
    let (mut d, alice) = Driver::with_placed_stake(2, 100);
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(10));
    d.step("alice sends bob 1 sNEAR", |s| {
        s.snear_transfer(&alice, &bob, ONE_NEAR).assert_success();
    });
    let snear = d.sys.snear.clone();
    let out = d.step("alice sends bob 1 sNEAR with 3 Tgas", |s| {
        s.call(
            &alice.id,
            &snear,
            "ft_transfer",
            json!({"receiver_id": bob.id, "amount": ONE_NEAR.to_string()}),
            1,
            Gas::from_tgas(3),
        )
    });
    out.assert_success();
    assert!(out.events().iter().any(|e| e.event == "mirror_skipped"));
    assert_eq!(d.sys.snear_balance(&bob.id), 2 * ONE_NEAR);
    let stale = &d.sys.ledger.mirror_stale;
    assert!(stale.contains(&alice.id) && stale.contains(&bob.id));
    let books = d.sys.pool_summary().books;
    assert_eq!(
        d.sys.core_views(&bob.id).staked,
        books.value_of(ONE_NEAR),
        "lags"
    );
    d.step("bob sends alice 1 yocto-sNEAR", |s| {
        s.snear_transfer(&bob, &alice, 1).assert_success();
    });
    assert!(d.sys.ledger.mirror_stale.is_empty());
    views_show_the_snear(&d.sys, &alice);
    views_show_the_snear(&d.sys, &bob);
}
