//! Share math on 256-bit intermediates, every rounding in the pool's favour.
//!
//! A pool holds `total_staked` yoctoNEAR owned pro rata by `total_shares`
//! shares, so `price = total_staked / total_shares`. Converting keeps the price
//! fixed: adding `amount` and `n` shares leaves it unchanged when
//! `(total_staked + amount) / (total_shares + n) = total_staked / total_shares`,
//! i.e. `n = amount * total_shares / total_staked`, and conversely
//! `amount = n * total_staked / total_shares`.
//!
//! The products are at most 2^256 and never overflow a [`U256`]. Whether the
//! caller rounds down or up decides who keeps the fraction: a depositor
//! receives shares rounded down, an unstaker pays shares rounded up, a payout
//! is an amount rounded down. Done that way the price can only rise.
//!
//! Each helper returns `None` when the pool is empty (a zero total) or the
//! result does not fit in `u128`; callers turn that into their own error.

mod wide {
    // The macro's generated code predates `div_ceil`; the lint is about it,
    // not about this crate's math.
    #![allow(clippy::manual_div_ceil)]
    uint::construct_uint! {
        /// 256-bit unsigned integer for share math intermediates.
        pub struct U256(4);
    }
}
pub use wide::U256;

/// A pool's two totals, the only inputs the conversions need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharePool {
    pub total_staked: u128,
    pub total_shares: u128,
}

impl SharePool {
    pub const fn new(total_staked: u128, total_shares: u128) -> Self {
        Self {
            total_staked,
            total_shares,
        }
    }

    /// Shares worth at most `amount`: what a depositor receives.
    pub fn shares_from_amount_down(&self, amount: u128) -> Option<u128> {
        mul_div_down(amount, self.total_shares, self.total_staked)
    }

    /// Shares worth at least `amount`: what an unstaker of `amount` pays.
    pub fn shares_from_amount_up(&self, amount: u128) -> Option<u128> {
        mul_div_up(amount, self.total_shares, self.total_staked)
    }

    /// Amount `shares` are worth, rounded down: what a holder can take out.
    pub fn amount_from_shares_down(&self, shares: u128) -> Option<u128> {
        mul_div_down(shares, self.total_staked, self.total_shares)
    }

    /// Amount `shares` are worth, rounded up: what adding `shares` must bring
    /// in for the price not to fall.
    pub fn amount_from_shares_up(&self, shares: u128) -> Option<u128> {
        mul_div_up(shares, self.total_staked, self.total_shares)
    }

    /// Whether `self` has a price at least that of `before`, compared exactly
    /// (`a/b >= c/d` as `a*d >= c*b`). An empty pool has no price and compares
    /// as equal to anything.
    pub fn price_at_least(&self, before: &SharePool) -> bool {
        if self.total_shares == 0 || before.total_shares == 0 {
            return true;
        }
        U256::from(self.total_staked) * U256::from(before.total_shares)
            >= U256::from(before.total_staked) * U256::from(self.total_shares)
    }
}

/// `a * b / d` rounded down; `None` for `d == 0` or a result above `u128`.
pub fn mul_div_down(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    to_u128(U256::from(a) * U256::from(b) / U256::from(d))
}

/// `a * b / d` rounded up; `None` for `d == 0` or a result above `u128`.
pub fn mul_div_up(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    let d = U256::from(d);
    let product = U256::from(a) * U256::from(b);
    // (p + d - 1) / d, written so that it cannot overflow: p < 2^256 - 2^128.
    to_u128((product + d - U256::one()) / d)
}

fn to_u128(v: U256) -> Option<u128> {
    if v.bits() > 128 {
        None
    } else {
        Some(v.as_u128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEAR: u128 = 10u128.pow(24);

    #[test]
    fn price_one_converts_exactly() {
        let p = SharePool::new(100 * NEAR, 100 * NEAR);
        assert_eq!(p.shares_from_amount_down(7), Some(7));
        assert_eq!(p.shares_from_amount_up(7), Some(7));
        assert_eq!(p.amount_from_shares_down(7), Some(7));
        assert_eq!(p.amount_from_shares_up(7), Some(7));
    }

    #[test]
    fn roundings_go_the_pools_way() {
        // price 3/2: one share is worth 1.5
        let p = SharePool::new(3, 2);
        assert_eq!(p.shares_from_amount_down(2), Some(1)); // 1.33 -> 1
        assert_eq!(p.shares_from_amount_up(2), Some(2)); // 1.33 -> 2
        assert_eq!(p.amount_from_shares_down(1), Some(1)); // 1.5 -> 1
        assert_eq!(p.amount_from_shares_up(1), Some(2)); // 1.5 -> 2
    }

    #[test]
    fn amount_worth_less_than_a_share_gives_zero_shares() {
        let p = SharePool::new(10 * NEAR, 5 * NEAR); // price 2
        assert_eq!(p.shares_from_amount_down(1), Some(0));
        assert_eq!(p.shares_from_amount_up(1), Some(1));
    }

    #[test]
    fn empty_pool_has_no_conversion() {
        let p = SharePool::new(0, 0);
        assert_eq!(p.shares_from_amount_down(1), None);
        assert_eq!(p.shares_from_amount_up(1), None);
        assert_eq!(p.amount_from_shares_down(1), None);
        assert_eq!(p.amount_from_shares_up(1), None);
    }

    #[test]
    fn full_range_does_not_overflow() {
        let p = SharePool::new(u128::MAX, u128::MAX);
        assert_eq!(p.shares_from_amount_down(u128::MAX), Some(u128::MAX));
        assert_eq!(p.amount_from_shares_up(u128::MAX), Some(u128::MAX));
        // A result beyond u128 is reported, not wrapped.
        let cheap = SharePool::new(1, u128::MAX);
        assert_eq!(cheap.shares_from_amount_down(2), None);
        assert_eq!(mul_div_up(u128::MAX, u128::MAX, 1), None);
    }

    #[test]
    fn deposit_then_withdraw_never_lowers_price() {
        // Exhaustive over small pools: a deposit at shares-down followed by a
        // payout at amount-down keeps the price at or above where it started.
        for staked in 1..40u128 {
            for shares in 1..=staked {
                let start = SharePool::new(staked, shares);
                for amount in 1..30u128 {
                    let n = start.shares_from_amount_down(amount).unwrap();
                    let mid = SharePool::new(staked + amount, shares + n);
                    assert!(mid.price_at_least(&start), "deposit lowered price");
                    if n == 0 {
                        continue;
                    }
                    let out = mid.amount_from_shares_down(n).unwrap();
                    let end = SharePool::new(mid.total_staked - out, mid.total_shares - n);
                    assert!(end.price_at_least(&mid), "payout lowered price");
                    assert!(out <= amount, "round trip paid out more than came in");
                }
            }
        }
    }

    #[test]
    fn unstake_at_shares_up_never_lowers_price() {
        for staked in 1..40u128 {
            for shares in 1..=staked {
                let start = SharePool::new(staked, shares);
                for amount in 1..=staked {
                    let n = start.shares_from_amount_up(amount).unwrap();
                    if n > shares {
                        continue;
                    }
                    let end = SharePool::new(staked - amount, shares - n);
                    assert!(end.price_at_least(&start));
                }
            }
        }
    }

    #[test]
    fn price_comparison_is_exact() {
        let a = SharePool::new(10u128.pow(30) + 1, 10u128.pow(30));
        let b = SharePool::new(10u128.pow(30), 10u128.pow(30));
        assert!(a.price_at_least(&b));
        assert!(!b.price_at_least(&a));
        assert!(b.price_at_least(&b));
    }
}
