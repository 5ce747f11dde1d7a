//! The pool's own share arithmetic, written apart from the router's share
//! library so that a mistake in one is not repeated in the other (the tests
//! compare the two).
//!
//! Derivation. The pool holds `staked` yoctoNEAR owned by `shares` shares, so
//! one share is worth `staked / shares`. Adding `a` yocto together with `n`
//! new shares keeps that price when
//!
//! ```text
//! (staked + a) / (shares + n) = staked / shares
//!   <=> shares * a = staked * n
//!   <=> n = a * shares / staked        (shares bought by an amount)
//!   <=> a = n * staked / shares        (amount some shares are worth)
//! ```
//!
//! Neither quotient is whole in general, and whoever the rounding favours
//! gains up to one unit. The pool keeps the fraction every time:
//! - a staker gets `floor(a * shares / staked)` shares and is charged their
//!   value rounded down (what they can take back out);
//! - an unstaker of `a` gives up `ceil(a * shares / staked)` shares;
//! - an amount paid out is `floor(n * staked / shares)`; an amount the stake
//!   must grow by to keep the price is `ceil(n * staked / shares)`.
//!
//! Both products are below `2^256` (two factors below `2^128`), so they are
//! computed in a 256-bit integer and the quotient is narrowed back, which
//! fails only if it exceeds `u128` (a price or an amount beyond all NEAR).

mod u256 {
    // The macro's expansion predates `div_ceil`; the lint is about it.
    #![allow(clippy::manual_div_ceil)]
    uint::construct_uint! {
        /// Unsigned 256-bit integer for the products of two `u128`s.
        pub struct U256(4);
    }
}
use u256::U256;

/// Which way a quotient is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    Down,
    Up,
}

/// `x * y / z` rounded as asked; `None` if `z` is 0 or the result exceeds
/// `u128`.
pub fn scale(x: u128, y: u128, z: u128, round: Round) -> Option<u128> {
    if z == 0 {
        return None;
    }
    let product = U256::from(x).checked_mul(U256::from(y))?;
    let (quotient, remainder) = product.div_mod(U256::from(z));
    let quotient = match round {
        Round::Up if !remainder.is_zero() => quotient.checked_add(U256::one())?,
        _ => quotient,
    };
    if quotient > U256::from(u128::MAX) {
        None
    } else {
        Some(quotient.low_u128())
    }
}

/// Shares `amount` buys at `staked / shares`, rounded as asked.
pub fn shares_for_amount(amount: u128, staked: u128, shares: u128, round: Round) -> Option<u128> {
    scale(amount, shares, staked, round)
}

/// Amount `num_shares` are worth at `staked / shares`, rounded as asked.
pub fn amount_for_shares(
    num_shares: u128,
    staked: u128,
    shares: u128,
    round: Round,
) -> Option<u128> {
    scale(num_shares, staked, shares, round)
}
