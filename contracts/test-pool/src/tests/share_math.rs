//! The pool's own share arithmetic (src/shares.rs): which way it rounds,
//! that it is exact, and that it agrees with the router's share library,
//! used here as an independent oracle.

use meta_common::shares::{mul_div_down, mul_div_up, SharePool};

use super::harness::{fee, NEAR};
use super::rng::Rng;
use crate::fee::fee_of;
use crate::shares::{amount_for_shares, scale, shares_for_amount, Round};

#[test]
fn a_whole_price_converts_exactly_both_ways() {
    // price 3: 7 shares are worth 21, 21 yocto buy 7 shares.
    for round in [Round::Down, Round::Up] {
        assert_eq!(shares_for_amount(21, 30, 10, round), Some(7));
        assert_eq!(amount_for_shares(7, 30, 10, round), Some(21));
    }
}

#[test]
fn fractions_go_to_the_pool() {
    // price 3/2: 2 yocto buy 1.33 shares, 1 share is worth 1.5 yocto.
    assert_eq!(shares_for_amount(2, 3, 2, Round::Down), Some(1), "staker");
    assert_eq!(shares_for_amount(2, 3, 2, Round::Up), Some(2), "unstaker");
    assert_eq!(amount_for_shares(1, 3, 2, Round::Down), Some(1), "payout");
    assert_eq!(
        amount_for_shares(1, 3, 2, Round::Up),
        Some(2),
        "stake growth"
    );
    // price 2/3: 1 yocto buys 1.5 shares, 1 share is worth 0.67 yocto.
    assert_eq!(shares_for_amount(1, 2, 3, Round::Down), Some(1));
    assert_eq!(shares_for_amount(1, 2, 3, Round::Up), Some(2));
    assert_eq!(amount_for_shares(1, 2, 3, Round::Down), Some(0));
    assert_eq!(amount_for_shares(1, 2, 3, Round::Up), Some(1));
}

#[test]
fn a_zero_divisor_or_a_result_beyond_u128_is_refused() {
    assert_eq!(scale(1, 1, 0, Round::Down), None);
    assert_eq!(scale(0, 0, 0, Round::Up), None);
    assert_eq!(scale(u128::MAX, 2, 1, Round::Down), None);
    assert_eq!(
        scale(u128::MAX, u128::MAX, u128::MAX, Round::Up),
        Some(u128::MAX)
    );
    // The largest product over 1 still fits only when it is u128::MAX.
    assert_eq!(scale(u128::MAX, 1, 1, Round::Up), Some(u128::MAX));
    // Rounding up past u128::MAX is refused, not wrapped.
    assert_eq!(scale(u128::MAX, 3, 2, Round::Down), None);
}

#[test]
fn results_are_the_exact_floor_and_ceiling() {
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..20_000 {
        let (x, y, z) = (rng.value(), rng.value(), rng.value().max(1));
        let down = scale(x, y, z, Round::Down);
        let up = scale(x, y, z, Round::Up);
        // Exactness on small enough values, where u128 holds the product.
        if let Some(product) = x.checked_mul(y) {
            assert_eq!(down, Some(product / z), "{x}*{y}/{z}");
            assert_eq!(up, Some(product.div_ceil(z)), "{x}*{y}/{z}");
        }
        match (down, up) {
            (Some(d), Some(u)) => {
                let exact = u == d;
                assert!(u == d || u == d + 1, "{x}*{y}/{z}: {d} {u}");
                // Whole exactly when the division leaves no remainder.
                assert_eq!(
                    exact,
                    mul_div_down(x, y, z) == mul_div_up(x, y, z),
                    "{x}*{y}/{z}"
                );
            }
            (Some(d), None) => assert_eq!(d, u128::MAX, "only the ceiling overflows"),
            (None, up) => assert_eq!(up, None),
        }
    }
}

#[test]
fn agrees_with_the_routers_share_library_on_many_values() {
    let mut rng = Rng(0x5eed_0002);
    for _ in 0..50_000 {
        let (x, y, z) = (rng.value(), rng.value(), rng.value());
        assert_eq!(
            scale(x, y, z, Round::Down),
            mul_div_down(x, y, z),
            "{x}*{y}/{z}"
        );
        assert_eq!(
            scale(x, y, z, Round::Up),
            mul_div_up(x, y, z),
            "{x}*{y}/{z}"
        );
        let pool = SharePool::new(y, z);
        assert_eq!(
            shares_for_amount(x, y, z, Round::Down),
            pool.shares_from_amount_down(x)
        );
        assert_eq!(
            shares_for_amount(x, y, z, Round::Up),
            pool.shares_from_amount_up(x)
        );
        assert_eq!(
            amount_for_shares(x, y, z, Round::Down),
            pool.amount_from_shares_down(x)
        );
        assert_eq!(
            amount_for_shares(x, y, z, Round::Up),
            pool.amount_from_shares_up(x)
        );
    }
}

#[test]
fn a_stake_then_an_unstake_of_the_same_shares_never_pays_out_more() {
    // The round trip a delegator can make: stake `a`, get shares rounded
    // down, unstake those shares' value rounded down.
    let mut rng = Rng(0x5eed_0003);
    for _ in 0..20_000 {
        let staked = 1 + rng.wide() % (10u128.pow(9) * NEAR);
        let shares = 1 + rng.wide() % (10u128.pow(9) * NEAR);
        let amount = rng.wide() % (1000 * NEAR);
        let bought = shares_for_amount(amount, staked, shares, Round::Down).unwrap();
        let back = amount_for_shares(bought, staked, shares, Round::Down).unwrap();
        assert!(
            back <= amount,
            "{amount} at {staked}/{shares} came back as {back}"
        );
        let paid = shares_for_amount(back, staked, shares, Round::Up).unwrap();
        assert!(
            paid <= bought,
            "unstaking what was charged costs no more shares"
        );
    }
}

#[test]
fn the_fee_is_rounded_down_and_agrees_with_the_library() {
    assert_eq!(fee_of(&fee(1, 3), 10), 3);
    assert_eq!(fee_of(&fee(2, 3), 10), 6);
    assert_eq!(fee_of(&fee(0, 1), u128::MAX), 0);
    assert_eq!(fee_of(&fee(1, 1), u128::MAX), u128::MAX);
    let mut rng = Rng(0x5eed_0004);
    for _ in 0..20_000 {
        let denominator = 1 + (rng.next() % u64::from(u32::MAX)) as u32;
        let numerator = (rng.next() % (u64::from(denominator) + 1)) as u32;
        let reward = rng.value();
        let owners = fee_of(&fee(numerator, denominator), reward);
        assert_eq!(
            Some(owners),
            mul_div_down(reward, numerator.into(), denominator.into())
        );
        assert!(owners <= reward);
    }
}
