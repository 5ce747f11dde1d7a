//! The owner's reward fee.

use meta_common::ext::RewardFeeFraction;
use near_sdk::{env, require};

use crate::errors::{ERR_FEE_ABOVE_ONE, ERR_FEE_DENOMINATOR};
use crate::shares::{scale, Round};

/// Rejects a fee that is not a fraction in `[0, 1]`.
pub(crate) fn assert_valid(fee: &RewardFeeFraction) {
    require!(fee.denominator != 0, ERR_FEE_DENOMINATOR);
    require!(fee.numerator <= fee.denominator, ERR_FEE_ABOVE_ONE);
}

/// The owner's part of `reward`, rounded down (the delegators keep the dust).
pub(crate) fn fee_of(fee: &RewardFeeFraction, reward: u128) -> u128 {
    scale(
        reward,
        fee.numerator.into(),
        fee.denominator.into(),
        Round::Down,
    )
    .unwrap_or_else(|| env::panic_str(ERR_FEE_DENOMINATOR))
}
