//! The caps on localnet: with a single validator the share cap holds and the
//! rest of the stake stays in the router, visible in the views; the network
//! cap holds back a validator near its share of the network; every stake
//! move of the keeper is checked against both (invariant 4).

use integration_tests::suite::{Driver, SystemConfig, ONE_NEAR};
use localnet::NearToken;
use meta_pool::config::bps_of;
use serde_json::{json, Value};

#[test]
fn a_single_validator_takes_its_share_cap_and_the_rest_stays_buffered() {
    let mut d = Driver::new(SystemConfig {
        validators: 1,
        ..SystemConfig::default()
    });
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(2_000));
    d.step("alice stakes 1000", |s| {
        s.deposit_and_stake(&alice, 1_000 * ONE_NEAR)
            .assert_success();
    });
    let round = d.keeper_round();
    assert!(round.finished(), "{round:?}");
    let snap = d.check("after the round");
    let total = snap.summary.books.total_staked;
    let v = &snap.validators[0];
    let cap = bps_of(total, snap.config.params.max_validator_share_bps);
    assert_eq!(v.staked.0, cap, "the one validator is filled to its cap");
    assert_eq!(v.stake_room.0, 0);
    assert_eq!(snap.summary.books.buffered, total - cap);
    let unplaced: Value = d.sys.router_view("get_unplaced_stake", json!({}));
    assert_eq!(unplaced, json!((total - cap).to_string()));
    assert_eq!(snap.status.unplaced_stake.0, total - cap);
    assert!(!snap.status.stake_pending, "nothing more can be placed");
    // The next epochs change nothing: the cap keeps holding.
    for _ in 0..2 {
        d.next_epoch();
        let s = d.check("epoch");
        let v = &s.validators[0];
        assert!(v.staked.0 <= bps_of(s.summary.books.total_staked, 2_500) + v.staked.0 / 1_000);
    }
}
