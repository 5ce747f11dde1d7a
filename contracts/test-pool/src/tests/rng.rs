//! xorshift64*: a fixed pseudo-random sequence for the randomized unit
//! tests, so a failure reproduces from its seed.

use super::harness::NEAR;

pub(super) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn wide(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }

    /// Below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u128) -> u128 {
        if n == 0 {
            0
        } else {
            u128::from(self.next()) % n
        }
    }

    /// Amounts a staker moves: a few yocto up to some NEAR.
    pub fn amount(&mut self) -> u128 {
        match self.next() % 4 {
            0 => 1 + self.below(5),
            1 => 1 + self.below(10u128.pow(12)),
            _ => 1 + self.below(50 * NEAR),
        }
    }

    /// Values across all magnitudes: tiny, NEAR-sized, up to `u128::MAX`.
    pub fn value(&mut self) -> u128 {
        match self.next() % 6 {
            0 => u128::from(self.next() % 8),
            1 => 1 + u128::from(self.next()) % (10 * NEAR),
            2 => 1 + self.wide() % (10u128.pow(9) * NEAR),
            3 => u128::MAX - u128::from(self.next() % 4),
            4 => self.wide() >> (self.next() % 128),
            _ => self.wide(),
        }
    }
}
