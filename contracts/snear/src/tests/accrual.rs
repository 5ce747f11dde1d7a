//! Governance-token accrual follows balances exactly: every balance change
//! settles the accounts involved at the pushed index first, so each balance
//! earns for exactly the index movement it was held over.

use super::*;
use meta_common::pool_state::accrued_reward;
use meta_common::U256;

const S: u128 = REWARD_INDEX_SCALE;

/// META `shares` earn over an index delta, rounded down.
fn earned(shares: u128, delta: u128) -> u128 {
    (U256::from(shares) * U256::from(delta) / U256::from(S)).as_u128()
}

#[test]
fn transfer_splits_accrual_at_the_moment_of_the_transfer() {
    deploy();
    let x = 10 * ONE;
    let (d1, d2) = (3 * S / 7, 5 * S / 11);
    mint(ALICE, x);
    register(BOB);
    push_index(d1, 1);
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(x / 2), None));
    // The transfer moved no accrual.
    assert_eq!(unclaimed(ALICE), earned(x, d1));
    assert_eq!(unclaimed(BOB), 0);
    push_index(d1 + d2, 2);
    assert_eq!(unclaimed(ALICE), earned(x, d1) + earned(x / 2, d2));
    assert_eq!(unclaimed(BOB), earned(x / 2, d2));
}

#[test]
fn transfer_call_and_refund_settle_both_sides_at_each_step() {
    deploy();
    let x = 50 * ONE;
    let (d1, d2, d3) = (S / 3, S / 5, S / 7);
    mint(ALICE, x);
    register(BOB);
    push_index(d1, 1);
    Call::by(ALICE).yocto().ok(|c| {
        let _ = c.ft_transfer_call(id(BOB), U128(10 * ONE), None, String::new());
    });
    // The index moves while the transfer is in flight: Bob holds the 10.
    push_index(d1 + d2, 2);
    Call::by(CONTRACT)
        .promise_result(PromiseResult::Successful(
            serde_json::to_vec(&U128(4 * ONE)).unwrap(),
        ))
        .ok(|c| c.ft_resolve_transfer(id(ALICE), id(BOB), U128(10 * ONE)));
    push_index(d1 + d2 + d3, 3);
    assert_eq!(
        unclaimed(ALICE),
        earned(x, d1) + earned(x - 10 * ONE, d2) + earned(x - 6 * ONE, d3)
    );
    assert_eq!(unclaimed(BOB), earned(10 * ONE, d2) + earned(6 * ONE, d3));
}

#[test]
fn mint_settles_before_adding() {
    deploy();
    let (x, y) = (7 * ONE, 5 * ONE);
    let (d1, d2) = (S / 2, S / 9);
    mint(ALICE, x);
    push_index(d1, 1);
    mint(ALICE, y);
    push_index(d1 + d2, 2);
    assert_eq!(unclaimed(ALICE), earned(x, d1) + earned(x + y, d2));
}

#[test]
fn burn_settles_before_removing() {
    deploy();
    let (x, y) = (7 * ONE, 5 * ONE);
    let (d1, d2) = (S / 2, S / 9);
    mint(ALICE, x);
    push_index(d1, 1);
    Call::by(ROUTER).ok(|c| c.burn(id(ALICE), U128(y)));
    push_index(d1 + d2, 2);
    assert_eq!(unclaimed(ALICE), earned(x, d1) + earned(x - y, d2));
}

#[test]
fn burn_all_settles_before_removing() {
    deploy();
    let x = 7 * ONE;
    let (d1, d2) = (S / 2, S / 9);
    mint(ALICE, x);
    push_index(d1, 1);
    Call::by(ROUTER).ok(|c| c.burn_all(id(ALICE), U128(1)));
    push_index(d1 + d2, 2);
    assert_eq!(unclaimed(ALICE), earned(x, d1), "nothing after the burn");
}

#[test]
fn a_holder_minted_after_an_index_move_earns_only_from_then() {
    deploy();
    push_index(4 * S, 1);
    mint(ALICE, ONE);
    assert_eq!(unclaimed(ALICE), 0);
    push_index(4 * S + S / 4, 2);
    assert_eq!(unclaimed(ALICE), earned(ONE, S / 4));
}

#[test]
fn the_view_equals_what_settlement_stores() {
    deploy();
    mint(ALICE, 3 * ONE + 1);
    register(BOB);
    push_index(S / 3, 1);
    let viewed = unclaimed(ALICE);
    // A transfer settles Alice; the view must not move.
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(1), None));
    let stored = holder(ALICE).unwrap();
    assert_eq!(stored.unclaimed, viewed);
    assert_eq!(stored.reward_index, S / 3);
    assert_eq!(unclaimed(ALICE), viewed);
    assert_eq!(viewed, accrued_reward(3 * ONE + 1, 0, S / 3));
}

/// Invariant: whatever the holders do, the META they can claim never exceeds
/// what the index emitted over the sNEAR supply, and the shortfall is only
/// rounding (at most one unit per settlement).
#[test]
fn accrual_never_exceeds_emission_over_many_moves() {
    deploy();
    let holders = [ALICE, BOB, CAROL];
    for h in holders {
        mint(h, 1_000 * ONE + 17);
    }
    // Exact emission, scaled by S: supply times index delta, per step.
    let mut emitted = U256::zero();
    let mut settlements = 0u64;
    let mut index = 0u128;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for step in 0..60u64 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let from = holders[(seed % 3) as usize];
        let to = holders[((seed >> 8) % 3) as usize];
        let delta = u128::from(seed >> 20) % (S / 3) + 1;
        emitted += U256::from(supply()) * U256::from(delta);
        index += delta;
        push_index(index, step);
        let amount = u128::from(seed >> 32) % (balance(from) / 2 + 1) + 1;
        if from != to {
            Call::by(from)
                .yocto()
                .ok(|c| c.ft_transfer(id(to), U128(amount), None));
            settlements += 2;
        }
    }
    assert!(settlements > 20, "the walk must move sNEAR");
    let claimable: u128 = holders.iter().map(|h| unclaimed(h)).sum();
    let claimable = U256::from(claimable) * U256::from(S);
    assert!(claimable <= emitted, "over-accrued");
    // Each settlement, and each holder's final view, rounds down by less
    // than one unit.
    let lost = emitted - claimable;
    assert!(
        lost < U256::from(settlements + 3) * U256::from(S),
        "lost {lost}"
    );
}
