//! A small deterministic PRNG (SplitMix64), shared by the randomized runs
//! and the demo: the same seed gives the same numbers on every machine and
//! every run, and no dependency's stream can change between versions. No
//! wall clock, no OS entropy.

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", 2014): one 64-bit state, full period, good enough mixing
/// for choosing test operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An independent stream, e.g. one per operation, so removing one
    /// operation from a run does not change what the others draw.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }

    /// Uniform in `0..n` (`n > 0`), by a widening multiply: the bias is
    /// below 2^-32 for the small `n` used here.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "range({lo}, {hi})");
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `lo..=hi` for yoctoNEAR amounts.
    pub fn range_u128(&mut self, lo: u128, hi: u128) -> u128 {
        assert!(lo <= hi, "range_u128({lo}, {hi})");
        let span = hi - lo;
        if span == u128::MAX {
            return (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        }
        let r = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        lo + r % (span + 1)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (a fraction; see `chance` for percents).
    pub fn probability(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform in `[lo, hi)`: as many draws per decade at the small end
    /// as at the large, so a few holders have most of the stake, as on
    /// chain. Floating point: for the demo's shapes, not for amounts a
    /// replay must reproduce bit for bit (`log_amount`).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element, uniformly; `None` for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len() as u64) as usize])
        }
    }

    /// One key of `table` with probability proportional to its weight.
    ///
    /// # Panics
    /// When every weight is 0.
    pub fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|(_, w)| u64::from(*w)).sum();
        assert!(total > 0, "weighted choice over no weight");
        let mut x = self.below(total);
        for (k, w) in table {
            if x < u64::from(*w) {
                return *k;
            }
            x -= u64::from(*w);
        }
        unreachable!("x < total")
    }

    /// `amount * p / 100` for a uniform `p` in `lo_pct..=hi_pct`, at least 1
    /// when `amount > 0`.
    pub fn percent_of(&mut self, amount: u128, lo_pct: u64, hi_pct: u64) -> u128 {
        let p = u128::from(self.range(lo_pct, hi_pct));
        let x = amount / 100 * p + amount % 100 * p / 100;
        if amount > 0 {
            x.max(1)
        } else {
            0
        }
    }

    /// A roughly log-uniform amount in `lo..=hi` (yoctoNEAR): small and
    /// large amounts are both common, as with real stakers. Integer only
    /// (a uniform bit length, then uniform within it), so no floating-point
    /// library can make two machines disagree.
    pub fn log_amount(&mut self, lo: u128, hi: u128) -> u128 {
        if hi <= lo {
            return lo;
        }
        let bits = |x: u128| 128 - x.max(1).leading_zeros();
        let b = self.range(u64::from(bits(lo)), u64::from(bits(hi))) as u32;
        let floor = 1u128 << (b - 1);
        let ceil = if b == 128 {
            u128::MAX
        } else {
            (1u128 << b) - 1
        };
        self.range_u128(floor.max(lo), ceil.min(hi).max(floor.max(lo)))
            .clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream_and_forks_are_independent() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
        let mut parent = Rng::new(7);
        let mut f1 = parent.fork();
        let mut f2 = parent.fork();
        assert_ne!(f1.next_u64(), f2.next_u64());
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            assert!(r.below(3) < 3);
            let x = r.range(5, 9);
            assert!((5..=9).contains(&x));
            let y = r.range_u128(10, 20);
            assert!((10..=20).contains(&y));
            let l = r.log_amount(1_000, 1_000_000);
            assert!((1_000..=1_000_000).contains(&l));
            let p = r.percent_of(1_000, 10, 20);
            assert!((100..=200).contains(&p), "{p}");
        }
        assert_eq!(r.percent_of(0, 1, 100), 0);
        assert_eq!(r.percent_of(1, 1, 1), 1, "at least 1 of a positive amount");
    }

    #[test]
    fn fractions_stay_in_their_ranges() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            let x = r.log_uniform(10.0, 1_000.0);
            assert!((10.0..1_000.0).contains(&x), "{x}");
        }
        assert!(!Rng::new(2).probability(0.0));
        assert!(Rng::new(2).probability(1.0));
    }

    #[test]
    fn log_uniform_puts_half_the_draws_below_the_geometric_mean() {
        let mut r = Rng::new(42);
        let n = 20_000;
        let below = (0..n)
            .filter(|_| r.log_uniform(1.0, 10_000.0) < 100.0)
            .count();
        let share = below as f64 / n as f64;
        assert!((0.48..0.52).contains(&share), "{share}");
    }

    #[test]
    fn weighted_choice_follows_the_weights() {
        let mut r = Rng::new(3);
        let table = [('a', 1), ('b', 0), ('c', 3)];
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            match r.weighted(&table) {
                'a' => counts[0] += 1,
                'b' => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        assert_eq!(counts[1], 0, "a zero weight is never chosen");
        let ratio = f64::from(counts[2]) / f64::from(counts[0]);
        assert!((2.8..3.2).contains(&ratio), "{counts:?}");
    }

    #[test]
    fn every_value_below_n_is_reached() {
        let mut r = Rng::new(11);
        let mut seen = [false; 6];
        for _ in 0..1_000 {
            seen[r.below(6) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
