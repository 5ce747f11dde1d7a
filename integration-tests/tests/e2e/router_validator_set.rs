//! The router against a validator set that changes under it (issue 17):
//! pools kicked out below the chain's seat threshold and back, a rate of
//! one validator's own, and a pool whose code is replaced for a while.
//! Every step is checked against every invariant (the caps of invariant 4
//! as the validator set stood before each call).

use integration_tests::random::{Op, OpKind, Profile, World};
use integration_tests::suite::{Driver, SystemConfig, ONE_NEAR};
use localnet::{AccountId, NearToken, RewardRate};

/// Three pools of different own stakes with alice's stake placed on them.
fn uneven_pools() -> Driver {
    let mut d = Driver::new(SystemConfig {
        validators: 3,
        pool_own_stake: [1_000, 2_000, 4_000].map(NearToken::from_near).to_vec(),
        ..SystemConfig::default()
    });
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(10_000));
    d.step("alice stakes 3000", |s| {
        s.deposit_and_stake(&alice, 3_000 * ONE_NEAR)
            .assert_success();
    });
    d.keeper_round();
    d.next_epoch();
    d
}

fn pool_ids(d: &Driver) -> Vec<AccountId> {
    d.sys.pools.iter().map(|p| p.id.clone()).collect()
}

#[test]
fn pools_kicked_out_read_zero_to_the_router_and_return_after_the_threshold_falls() {
    let mut d = uneven_pools();
    let pools = pool_ids(&d);
    let threshold = d.sys.net.locked(&pools[2]);
    let kicked: Vec<AccountId> = pools
        .iter()
        .filter(|p| d.sys.net.locked(p) < threshold)
        .cloned()
        .collect();
    assert!(!kicked.is_empty(), "some pool is below the largest");
    d.step("the seat threshold rises to the largest pool", |s| {
        s.set_seat_threshold(threshold)
    });
    // The set formed at the next boundary serves the epoch after.
    d.next_epoch();
    d.next_epoch();
    let (set, _) = d.sys.net.validators();
    for p in &kicked {
        assert!(!set.contains_key(p), "{p} is out of the set");
        let v = d.sys.validator(p).expect("listed");
        assert_eq!(v.network_stake.0, 0, "{p}: the router read the kick-out");
    }
    assert!(set.contains_key(&pools[2]));
    d.check("kicked out");
    // Out of the set nothing is earned: the pool's total stays.
    let held: Vec<u128> = kicked
        .iter()
        .map(|p| d.sys.pool_balance_of_router(d.sys.pool_index(p)).unwrap().0)
        .collect();
    d.next_epoch();
    for (p, h) in kicked.iter().zip(&held) {
        let now = d.sys.pool_balance_of_router(d.sys.pool_index(p)).unwrap().0;
        assert!(now <= *h, "{p} earned while out: {h} -> {now}");
    }
    d.step("the seat threshold falls to zero", |s| {
        s.set_seat_threshold(NearToken::ZERO)
    });
    // The router's sync pings each pool in the next epoch, which proposes
    // its stake again; seated two epochs after that.
    for _ in 0..3 {
        d.next_epoch();
    }
    let (set, _) = d.sys.net.validators();
    for p in &kicked {
        assert!(set.contains_key(p), "{p} is back");
        let v = d.sys.validator(p).expect("listed");
        assert!(v.network_stake.0 > 0, "{p}: the router read its return");
    }
    d.check("back");
}

/// Found by the seat-threshold operation: the router kept staking on a
/// pool the set had kicked out (it earns nothing there, and reading 0 in
/// `env::validator_stake` gave it the whole network cap as room, though
/// its pool holds far more). New stake now goes only to seated
/// validators (invariant 4 checks each move), and to the pool again once
/// it is back.
#[test]
fn no_new_stake_goes_to_a_kicked_out_validator() {
    let mut d = uneven_pools();
    let pools = pool_ids(&d);
    let threshold = d.sys.net.locked(&pools[2]);
    d.step("the seat threshold rises to the largest pool", |s| {
        s.set_seat_threshold(threshold)
    });
    d.next_epoch();
    d.next_epoch();
    let (set, _) = d.sys.net.validators();
    let kicked: Vec<&AccountId> = pools.iter().filter(|p| !set.contains_key(*p)).collect();
    assert_eq!(kicked.len(), 2, "v0 and v1 are out");
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(5_000));
    let moves_before = d.sys.ledger.stake_moves.len();
    d.step("bob stakes 2000", |s| {
        s.deposit_and_stake(&bob, 2_000 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    d.next_epoch();
    let moves = &d.sys.ledger.stake_moves[moves_before..];
    assert!(!moves.is_empty(), "the seated validator took stake");
    for m in moves {
        assert_eq!(m.validator, pools[2], "stake went to {}", m.validator);
    }
    d.step("the seat threshold falls to zero", |s| {
        s.set_seat_threshold(NearToken::ZERO)
    });
    for _ in 0..3 {
        d.next_epoch();
    }
    let back = d.sys.ledger.stake_moves.len();
    d.step("bob stakes 2000 more", |s| {
        s.deposit_and_stake(&bob, 2_000 * ONE_NEAR).assert_success();
    });
    d.keeper_round();
    let to_returned = d.sys.ledger.stake_moves[back..]
        .iter()
        .filter(|m| kicked.contains(&&m.validator))
        .count();
    assert!(to_returned > 0, "the returned validators take stake again");
}

#[test]
fn a_validator_rate_of_its_own_bounds_that_pool_only() {
    let mut d = uneven_pools();
    let pools = pool_ids(&d);
    let chain = d.sys.ledger.max_reward_rate;
    let bound = RewardRate::new(1, 100);
    d.step("v0 earns the router's bound, v1 nothing", |s| {
        s.set_validator_reward_rate_of(&pools[0], Some(bound));
        s.set_validator_reward_rate_of(&pools[1], Some(RewardRate::ZERO));
    });
    assert_eq!(d.sys.ledger.max_reward_rate_of(&pools[0]), bound);
    assert_eq!(d.sys.ledger.max_reward_rate_of(&pools[1]), chain);
    assert_eq!(d.sys.ledger.max_reward_rate_of(&pools[2]), chain);
    let locked = d.sys.net.locked(&pools[1]);
    d.step("next epoch", |s| s.advance_epochs(1));
    assert_eq!(
        d.sys.net.locked(&pools[1]),
        locked,
        "a zero rate pays nothing"
    );
    d.keeper_round();
    d.next_epoch();
    d.step("v0 back on the chain-wide rate", |s| {
        s.set_validator_reward_rate_of(&pools[0], None)
    });
    assert_eq!(d.sys.ledger.max_reward_rate_of(&pools[0]), bound);
    d.next_epoch();
    d.check("after");
}

/// The random runs' operations on one seed's system, each with its
/// expectations (a redeployed pool: nothing booked while it runs foreign
/// code, a sync once its code is back).
#[test]
fn validator_operations_keep_every_invariant() {
    let mut w = World::new(Profile::of(1), false).unwrap_or_else(|f| panic!("{f:?}"));
    let ops = [
        (OpKind::DepositAndStake, 1),
        (OpKind::NextEpoch, 2),
        (OpKind::PoolRedeploy, 3),
        (OpKind::ValidatorRate, 4),
        (OpKind::SeatThreshold, 5),
        (OpKind::NextEpoch, 6),
        (OpKind::NextEpoch, 7),
        (OpKind::PoolRedeploy, 8),
        (OpKind::SeatThreshold, 9),
        (OpKind::SeatThreshold, 10),
        (OpKind::NextEpoch, 11),
        (OpKind::NextEpoch, 12),
        (OpKind::NextEpoch, 13),
    ];
    for (kind, seed) in ops {
        w.apply(&Op { kind, seed })
            .unwrap_or_else(|f| panic!("{kind:?}: {f:?}\n{}", w.trace.join("\n")));
    }
    let redeploys = w
        .trace
        .iter()
        .filter(|l| l.contains("own code back"))
        .count();
    assert_eq!(redeploys, 2, "{}", w.trace.join("\n"));
}
