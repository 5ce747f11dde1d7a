//! The reviewer's storage drain, on localnet (issue 13, part 2): sixty
//! fresh accounts each `deposit_and_stake` the minimum and pass their sNEAR
//! to one account. Before the fix the router paid each new holder's sNEAR
//! registration from its own funds (92 mNEAR for the sixty), and the
//! record an unstake creates, until liquid stakes and unstakes were
//! refused. Now each account pays for the storage it makes the router hold,
//! and no exit depends on the router's own funds. The invariants (the own
//! funds' ledger among them) run after every step.

use integration_tests::suite::{Driver, System, SystemConfig, ONE_NEAR};
use localnet::NearToken;
use meta_pool::config::{ACCOUNT_RECORD_COST, MIN_LIQUID_STAKE};

/// The router's own funds, counting the storage shares the seed holds for
/// them until the buffer buys them back.
fn own_funds(sys: &System) -> u128 {
    let s = sys.pool_summary();
    s.own_funds.0 + s.books.value_of(s.books.storage_shares)
}

#[test]
fn sixty_throwaway_stakers_cost_the_router_nothing() {
    let (mut d, alice) = Driver::with_placed_stake(4, 2_000);
    let sink = d.sys.add_liquid_staker("sink", NearToken::from_near(10));
    d.step("the sink stakes (registered at sNEAR)", |s| {
        s.deposit_and_stake(&sink, ONE_NEAR).assert_success();
    });
    let before = own_funds(&d.sys);
    for i in 0..60 {
        let t = d
            .sys
            .add_liquid_staker(&format!("t{i}"), NearToken::from_near(1));
        d.step(&format!("t{i} stakes the minimum, sends it on"), |s| {
            s.deposit_and_stake(&t, MIN_LIQUID_STAKE).assert_success();
            let held = s.snear_balance(&t.id);
            assert!(held > 0, "t{i} minted");
            s.snear_transfer(&t, &sink, held).assert_success();
        });
    }
    let after = own_funds(&d.sys);
    assert!(
        after >= before,
        "the router's own funds fell by {}",
        before - after
    );
    // The sink exits; an unstake by a holder with no record pays its record
    // and does not need the router's own funds.
    d.keeper_round();
    let before = own_funds(&d.sys);
    let credited: String = d
        .step("the sink unstakes everything", |s| {
            s.unstake_all(&sink).assert_success().clone()
        })
        .json()
        .unwrap();
    assert!(credited.parse::<u128>().unwrap() > 6 * MIN_LIQUID_STAKE - ACCOUNT_RECORD_COST);
    assert!(own_funds(&d.sys) >= before, "the unstake's record was paid");
    let _ = alice;
}

#[test]
fn an_exit_does_not_need_the_routers_own_funds() {
    let mut sys = System::deploy(SystemConfig {
        validators: 4,
        ..SystemConfig::default()
    });
    let alice = sys.add_liquid_staker("alice", NearToken::from_near(1_000));
    sys.deposit_and_stake(&alice, 500 * ONE_NEAR)
        .assert_success();
    // The router's own funds are gone (before the checker's first look).
    let router = sys.router.clone();
    let own = sys.pool_summary().own_funds.0;
    let balance = sys.net.balance(&router).as_yoctonear();
    sys.net
        .set_balance(&router, NearToken::from_yoctonear(balance - own));
    let mut d = Driver::from_system(sys);
    d.check("the router's own funds are gone");
    assert_eq!(d.sys.pool_summary().own_funds.0, 0);
    d.step("alice, with no record, unstakes 100", |s| {
        s.unstake(&alice, 100 * ONE_NEAR).assert_success();
    });
    let details = d.sys.account_details(&alice.id);
    assert_eq!(
        details.unstaked_balance.0,
        100 * ONE_NEAR - ACCOUNT_RECORD_COST,
        "credited less the record it created"
    );
    d.step("alice unstakes all the rest", |s| {
        s.unstake_all(&alice).assert_success();
    });
}
