//! The router's books: the share pool and where every yoctoNEAR it owes is.
//!
//! Two identities hold after every method and callback (tests check them
//! after every step of generated runs):
//!
//! **Claims** — what users may withdraw is backed exactly:
//! `reserve + earmarked + to_unstake + unstake_in_flight = users_unstaked`.
//!
//! **Stake** — the shares' value is backed exactly, with `Σv` over validators:
//! `buffered + stake_in_flight + Σv.staked + Σ(v.unstaked - v.earmarked)
//!  = total_staked + to_unstake + unstake_in_flight`.
//! (NEAR still staked at validators also backs the claims not yet unstaked.)
//!
//! **Shares**: `total_shares = seed + lockup + snear_supply + mint_in_flight`;
//! at rest (no mint or burn in flight) that is sNEAR's supply + lockup shares
//! + seed. Burns in flight stay in `snear_supply` until they land.

use meta_common::shares::SharePool;
use near_sdk::near;

use crate::config::bps_of;
use crate::errors::{ERR_MATH, ERR_STAKE_TOO_SMALL, ERR_ZERO_AMOUNT};

#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Books {
    /// NEAR value of all shares.
    #[serde(with = "u128_string")]
    pub total_staked: u128,
    #[serde(with = "u128_string")]
    pub total_shares: u128,
    /// Shares of the seed, owned by no one; they pay the pool's dust.
    #[serde(with = "u128_string")]
    pub seed_shares: u128,
    /// Part of `seed_shares` owed to the router's own funds: storage users
    /// paid in staked NEAR that the buffer has not bought back yet
    /// (`owe_storage`, `repay_storage`).
    #[serde(with = "u128_string")]
    pub storage_shares: u128,
    /// Shares the router holds for lockup accounts.
    #[serde(with = "u128_string")]
    pub lockup_shares: u128,
    /// sNEAR supply as the router knows it: landed mints minus landed burns.
    #[serde(with = "u128_string")]
    pub snear_supply: u128,
    /// Shares counted for mints (user stakes, treasury fees) not yet landed.
    #[serde(with = "u128_string")]
    pub mint_in_flight_shares: u128,
    /// Shares whose burn is in flight (still inside `snear_supply`).
    #[serde(with = "u128_string")]
    pub burn_in_flight_shares: u128,
    /// Stake the router holds undelegated: new stake, NEAR back from
    /// rebalancing or draining, and whatever the caps leave unplaced.
    #[serde(with = "u128_string")]
    pub buffered: u128,
    /// NEAR the router holds to pay unstaked balances.
    #[serde(with = "u128_string")]
    pub reserve: u128,
    /// Users' unstaked NEAR still staked at validators, not yet requested.
    #[serde(with = "u128_string")]
    pub to_unstake: u128,
    /// Part of the claims taken by validator unstake calls in flight.
    #[serde(with = "u128_string")]
    pub unstake_in_flight: u128,
    /// Claims that were in flight when their owners staked them again: the
    /// unstake calls carrying them still earmark them, so their callbacks
    /// take this much back out of what they earmark (it becomes stake in
    /// transit). Not a claim: outside both identities.
    #[serde(with = "u128_string")]
    pub restaked_in_flight: u128,
    /// NEAR unstaked at validators that is owed to the reserve.
    #[serde(with = "u128_string")]
    pub earmarked: u128,
    /// NEAR attached to validator stake calls in flight.
    #[serde(with = "u128_string")]
    pub stake_in_flight: u128,
    /// Sum of all accounts' unstaked balances.
    #[serde(with = "u128_string")]
    pub users_unstaked: u128,
}

/// `u128` as a JSON string, as every balance in NEAR JSON.
mod u128_string {
    use near_sdk::serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(near_sdk::serde::de::Error::custom)
    }
}

impl Books {
    /// A pool seeded with `seed` yoctoNEAR at price 1; the seed waits in the
    /// buffer for the first epoch stake.
    pub fn seeded(seed: u128) -> Self {
        Self {
            total_staked: seed,
            total_shares: seed,
            seed_shares: seed,
            buffered: seed,
            ..Default::default()
        }
    }

    pub fn pool(&self) -> SharePool {
        SharePool::new(self.total_staked, self.total_shares)
    }

    /// Adds `amount` of stake and returns the shares it buys, rounded down.
    /// The caller assigns the shares (lockup or mint in flight).
    pub fn add_stake(&mut self, amount: u128) -> Result<u128, &'static str> {
        if amount == 0 {
            return Err(ERR_ZERO_AMOUNT);
        }
        let shares = self
            .pool()
            .shares_from_amount_down(amount)
            .ok_or(ERR_MATH)?;
        if shares == 0 {
            return Err(ERR_STAKE_TOO_SMALL);
        }
        let staked = self.total_staked.checked_add(amount).ok_or(ERR_MATH)?;
        let total_shares = self.total_shares.checked_add(shares).ok_or(ERR_MATH)?;
        self.total_staked = staked;
        self.total_shares = total_shares;
        Ok(shares)
    }

    /// Shares an unstake of `amount` spends, rounded up; `None` when no
    /// number of shares could pay it.
    pub fn shares_for_unstake(&self, amount: u128) -> Option<u128> {
        self.pool().shares_from_amount_up(amount)
    }

    /// What `shares` are worth now, rounded down. Zero for an empty pool.
    pub fn value_of(&self, shares: u128) -> u128 {
        self.pool().amount_from_shares_down(shares).unwrap_or(0)
    }

    /// Removes `shares` at the current price and returns their value,
    /// rounded down, which leaves the pool. The caller removes the shares
    /// from their owner's bucket.
    pub fn remove_shares(&mut self, shares: u128) -> u128 {
        let value = self.value_of(shares);
        self.total_staked = self.total_staked.saturating_sub(value);
        self.total_shares = self.total_shares.saturating_sub(shares);
        value
    }

    /// Undoes an `add_stake(amount) = shares` whose mint failed: exactly
    /// `amount` leaves the pool with the shares. When the shares are now worth
    /// less than `amount` (the depositor's rounding went to the pool), the
    /// seed pays the difference so the price does not fall. Returns the dust
    /// the seed paid and the seed shares that burnt.
    pub fn undo_stake(&mut self, amount: u128, shares: u128) -> (u128, u128) {
        let value = self.value_of(shares);
        if value >= amount {
            // Rewards synced while the mint was in flight stay in the pool.
            self.total_staked = self.total_staked.saturating_sub(amount);
            self.total_shares = self.total_shares.saturating_sub(shares);
            return (0, 0);
        }
        self.remove_shares(shares);
        let dust = amount - value;
        (dust, self.pay_from_seed(dust))
    }

    /// Pays `amount` the pool owes out of its staked value by burning seed
    /// shares worth at least `amount` (rounded up), so the price cannot fall.
    /// Returns the seed shares burnt. A seed of one NEAR covers ~10^23 dust
    /// payments; should it ever be exhausted, the rest is taken from the
    /// value all shares hold. Only the seed's own shares pay: the storage
    /// shares it holds are the router's own funds advanced for holders'
    /// storage (`owe_storage`), which `repay_storage` still takes out of
    /// the seed, so burning them would leave fewer seed shares than
    /// storage shares (found by issue 17's drained-loss runs: the next
    /// repayment underflowed and every view of the books panicked).
    pub fn pay_from_seed(&mut self, amount: u128) -> u128 {
        let burnt = self
            .pool()
            .shares_from_amount_up(amount)
            .unwrap_or(u128::MAX)
            .min(self.seed_shares.saturating_sub(self.storage_shares));
        self.seed_shares -= burnt;
        self.total_shares = self.total_shares.saturating_sub(burnt);
        self.total_staked = self.total_staked.saturating_sub(amount);
        burnt
    }

    /// Books validator growth as rewards. The protocol fee buys shares,
    /// rounded down, at the price after the rest of the reward (as the core
    /// pool pays its owner), so the fee never dilutes the reward's
    /// holders below the price before it. Returns `(fee, fee_shares)`; the
    /// caller mints the fee shares.
    pub fn add_reward(&mut self, growth: u128, fee_bps: u16) -> (u128, u128) {
        let fee = bps_of(growth, fee_bps);
        self.total_staked = self.total_staked.saturating_add(growth - fee);
        let fee_shares = self.pool().shares_from_amount_down(fee).unwrap_or(0);
        self.total_shares = self.total_shares.saturating_add(fee_shares);
        self.total_staked = self.total_staked.saturating_add(fee);
        (fee, fee_shares)
    }

    /// Restakes `amount` of the claims in flight (at most all of them):
    /// they stop being claims now, and the unstake calls that carry them
    /// earmark that much less when they land (`land_in_flight`). Returns
    /// the part of `amount` not covered.
    pub fn restake_in_flight(&mut self, amount: u128) -> u128 {
        let t = amount.min(self.unstake_in_flight);
        self.unstake_in_flight -= t;
        self.restaked_in_flight += t;
        amount - t
    }

    /// Settles an unstake call that carried `earmark` of claims: returns
    /// how much of it is still owed to claims (the rest was restaked while
    /// the call was in flight) and takes that out of the claims in flight.
    pub fn land_in_flight(&mut self, earmark: u128) -> u128 {
        let cut = earmark.min(self.restaked_in_flight);
        self.restaked_in_flight -= cut;
        let owed = earmark - cut;
        self.unstake_in_flight = self.unstake_in_flight.saturating_sub(owed);
        owed
    }

    /// Credits a new claim (an unstake) whose NEAR is still staked.
    pub fn credit_unstaked_claim(&mut self, amount: u128) {
        self.users_unstaked += amount;
        self.to_unstake += amount;
    }

    /// Credits a deposit: the NEAR is in the router, backing the claim.
    pub fn credit_deposit(&mut self, amount: u128) {
        self.users_unstaked += amount;
        self.reserve += amount;
    }

    /// Pays a withdrawal out of the reserve.
    pub fn pay_withdrawal(&mut self, amount: u128) {
        self.reserve -= amount;
        self.users_unstaked -= amount;
    }

    /// Books `shares` (already in the totals) as owed to the router's own
    /// funds: storage a user paid in staked NEAR. The seed holds them until
    /// `repay_storage` sells them to the buffer, at once when it holds this
    /// stake's NEAR, else at the next epoch operation.
    pub fn owe_storage(&mut self, shares: u128) {
        self.seed_shares += shares;
        self.storage_shares += shares;
    }

    /// Sells storage shares back to the buffer, as far as it holds NEAR:
    /// their value (rounded down) leaves the books for the router's own
    /// funds, and the shares burn. Returns the NEAR repaid.
    pub fn repay_storage(&mut self) -> u128 {
        if self.storage_shares == 0 || self.buffered == 0 {
            return 0;
        }
        let value = self.value_of(self.storage_shares);
        let shares = if value <= self.buffered {
            self.storage_shares
        } else {
            // Rounded down: the pool keeps the dust.
            self.pool()
                .shares_from_amount_down(self.buffered)
                .unwrap_or(0)
                .min(self.storage_shares)
        };
        let repaid = self.remove_shares(shares);
        self.buffered -= repaid;
        self.storage_shares -= shares;
        self.seed_shares -= shares;
        repaid
    }

    /// Nets buffered stake against claims still staked: the buffered NEAR
    /// moves to the reserve and the staked NEAR it replaces backs the shares
    /// instead, so neither a stake nor an unstake call is needed for it.
    /// Returns the amount netted.
    pub fn net(&mut self) -> u128 {
        let m = self.buffered.min(self.to_unstake);
        self.buffered -= m;
        self.to_unstake -= m;
        self.reserve += m;
        m
    }

    /// The claims identity (see the module doc).
    pub fn claims_balance(&self) -> bool {
        self.reserve
            .checked_add(self.earmarked)
            .and_then(|s| s.checked_add(self.to_unstake))
            .and_then(|s| s.checked_add(self.unstake_in_flight))
            == Some(self.users_unstaked)
    }

    /// The shares identity (see the module doc).
    pub fn shares_balance(&self) -> bool {
        self.seed_shares
            .checked_add(self.lockup_shares)
            .and_then(|s| s.checked_add(self.snear_supply))
            .and_then(|s| s.checked_add(self.mint_in_flight_shares))
            == Some(self.total_shares)
            && self.burn_in_flight_shares <= self.snear_supply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ONE_NEAR;

    fn seeded() -> Books {
        Books::seeded(ONE_NEAR)
    }

    #[test]
    fn seed_prices_at_one_and_balances() {
        let b = seeded();
        assert_eq!(b.value_of(7), 7);
        assert!(b.shares_balance() && b.claims_balance());
    }

    #[test]
    fn add_stake_rounds_shares_down_and_keeps_the_amount() {
        let mut b = Books {
            total_staked: 3,
            total_shares: 2,
            seed_shares: 2,
            ..Default::default()
        };
        assert_eq!(b.add_stake(2), Ok(1)); // 1.33 shares -> 1
        assert_eq!((b.total_staked, b.total_shares), (5, 3));
        assert_eq!(b.add_stake(1), Err(ERR_STAKE_TOO_SMALL));
        assert_eq!(b.add_stake(0), Err(ERR_ZERO_AMOUNT));
        assert_eq!(
            (b.total_staked, b.total_shares),
            (5, 3),
            "refusals change nothing"
        );
    }

    #[test]
    fn add_stake_refuses_overflow() {
        let mut b = Books {
            total_staked: u128::MAX - 1,
            total_shares: u128::MAX - 1,
            ..Default::default()
        };
        assert_eq!(b.add_stake(2), Err(ERR_MATH));
        assert_eq!(b.total_staked, u128::MAX - 1);
    }

    #[test]
    fn a_loss_beyond_the_seed_never_burns_the_storage_shares() {
        let mut b = Books {
            total_staked: 100,
            total_shares: 100,
            seed_shares: 10,
            storage_shares: 4,
            ..Books::default()
        };
        // 30 owed, the seed's own 6 shares pay 6; the other 24 lower the price.
        assert_eq!(b.pay_from_seed(30), 6);
        assert_eq!((b.seed_shares, b.storage_shares), (4, 4));
        assert_eq!((b.total_staked, b.total_shares), (70, 94));
        // The storage is still repayable out of the seed.
        b.buffered = 10;
        let repaid = b.repay_storage();
        assert_eq!((b.seed_shares, b.storage_shares), (0, 0));
        assert_eq!(repaid, 2, "4 shares at 70/94, rounded down");
    }

    #[test]
    fn remove_shares_pays_value_rounded_down() {
        let mut b = Books {
            total_staked: 5,
            total_shares: 3,
            ..Default::default()
        };
        let before = b.pool();
        assert_eq!(b.remove_shares(1), 1); // 1.67 -> 1
        assert!(b.pool().price_at_least(&before));
    }

    #[test]
    fn undo_stake_removes_exactly_the_amount_and_seed_pays_dust() {
        let mut b = Books {
            total_staked: 3 * ONE_NEAR,
            total_shares: 2 * ONE_NEAR,
            seed_shares: 2 * ONE_NEAR,
            ..Default::default()
        };
        let before = b.clone();
        let shares = b.add_stake(2).unwrap(); // worth 1.5 yocto: 0.5 went to the pool
        let (dust, burnt) = b.undo_stake(2, shares);
        assert_eq!(dust, 1);
        assert!(burnt > 0);
        assert_eq!(
            b.total_staked, before.total_staked,
            "exactly the 2 staked left"
        );
        assert_eq!(
            b.total_shares,
            before.total_shares - burnt,
            "seed shares paid 1"
        );
        assert!(b.seed_shares < before.seed_shares);
        assert!(b.pool().price_at_least(&before.pool()));
    }

    #[test]
    fn undo_stake_after_rewards_leaves_the_rewards() {
        let mut b = seeded();
        let shares = b.add_stake(ONE_NEAR).unwrap();
        b.add_reward(ONE_NEAR / 10, 0);
        let mid = b.pool();
        assert_eq!(b.undo_stake(ONE_NEAR, shares), (0, 0));
        assert_eq!(b.total_staked, ONE_NEAR + ONE_NEAR / 10);
        assert!(b.pool().price_at_least(&mid));
    }

    #[test]
    fn seed_payment_never_lowers_the_price() {
        for (staked, shares) in [(7u128, 5u128), (10, 10), (1_000_003, 1_000_000)] {
            for amount in 1..5u128 {
                let mut b = Books {
                    total_staked: staked,
                    total_shares: shares,
                    seed_shares: shares,
                    ..Default::default()
                };
                let before = b.pool();
                let burnt = b.pay_from_seed(amount);
                assert!(burnt > 0);
                assert_eq!(b.total_staked, staked - amount);
                assert!(
                    b.pool().price_at_least(&before),
                    "{staked}/{shares} paying {amount}"
                );
            }
        }
    }

    #[test]
    fn reward_fee_buys_shares_at_the_new_price() {
        let mut b = seeded();
        let before = b.pool();
        let (fee, fee_shares) = b.add_reward(1_000, 1_000);
        assert_eq!(fee, 100);
        // Price after the 900 of reward: (1e24 + 900) / 1e24; 100 buys 99.
        assert_eq!(fee_shares, 99);
        assert_eq!(b.total_staked, ONE_NEAR + 1_000);
        assert!(b.pool().price_at_least(&before));
    }

    #[test]
    fn storage_shares_are_sold_back_to_the_buffer() {
        let mut b = seeded();
        b.buffered = 0; // the seed is placed
                        // Shares in the totals (a mint's) whose NEAR is staked go to the seed.
        b.total_staked += ONE_NEAR / 1_000;
        b.total_shares += ONE_NEAR / 1_000;
        b.owe_storage(ONE_NEAR / 1_000);
        assert_eq!(b.repay_storage(), 0, "nothing buffered yet");
        b.total_staked += 5; // rewards: the shares are worth a little more
        b.buffered = ONE_NEAR / 2_000;
        let before = b.pool();
        let repaid = b.repay_storage();
        assert!(repaid > 0 && repaid <= ONE_NEAR / 2_000);
        assert!(b.storage_shares > 0, "the rest waits");
        assert!(b.pool().price_at_least(&before));
        b.buffered = ONE_NEAR;
        let repaid = b.repay_storage();
        assert_eq!(b.storage_shares, 0);
        assert_eq!(b.seed_shares, ONE_NEAR);
        assert!(repaid >= ONE_NEAR / 2_000);
        assert!(b.shares_balance());
    }

    #[test]
    fn netting_moves_buffer_to_reserve() {
        let mut b = Books {
            buffered: 10,
            to_unstake: 4,
            users_unstaked: 4,
            ..Default::default()
        };
        assert_eq!(b.net(), 4);
        assert_eq!((b.buffered, b.to_unstake, b.reserve), (6, 0, 4));
        assert!(b.claims_balance());
        assert_eq!(b.net(), 0);
    }

    #[test]
    fn identities_detect_drift() {
        let mut b = seeded();
        b.credit_deposit(5);
        assert!(b.claims_balance());
        b.reserve += 1;
        assert!(!b.claims_balance());
        let mut s = seeded();
        s.total_shares += 1;
        assert!(!s.shares_balance());
    }
}
