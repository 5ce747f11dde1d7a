//! What a seed deploys and how it weighs operations: the network (listed
//! and spare pools, their own stake, the outside stake, rewards), the
//! stakers and their balances, who governs (the router's bootstrap owner or
//! the DAO), whether the router runs short of its own funds, and the mix.

use localnet::{NearToken, RewardRate};
use meta_common::actions::MAX_META_PER_EPOCH;

use super::ops::{Mix, MixFlavor};
use crate::rng::Rng;
use crate::suite::{SystemConfig, ONE_META, ONE_NEAR};

/// Rewards are drawn in units of 1/100,000 of the stake per epoch.
pub const REWARD_DENOMINATOR: u128 = 100_000;
/// Highest ordinary reward rate: 0.5% an epoch, half the router's 1%
/// anomaly bound, so compounding over the few epochs a validator may go
/// unsynced in a run stays inside the bound.
pub const MAX_BASE_REWARD: u128 = 500;
/// The router's own funds beyond its storage in a low-funds profile: a few
/// account records and sNEAR registrations.
pub const LOW_OWN_FUNDS: u128 = 30 * ONE_NEAR / 1_000;

/// Everything a seed decides before the first operation.
#[derive(Clone, Debug)]
pub struct Profile {
    pub seed: u64,
    pub config: SystemConfig,
    /// NEAR each liquid staker starts with.
    pub liquid: Vec<u128>,
    /// NEAR each lockup-named account starts with.
    pub lockup_accounts: Vec<u128>,
    /// NEAR each test-lockup contract starts with.
    pub lockup_contracts: Vec<u128>,
    /// The DAO governs: voters earn and claim META first, then the router's
    /// bootstrap ends and router actions go through proposals.
    pub dao: bool,
    /// The router's own funds are cut to `LOW_OWN_FUNDS` after deployment,
    /// so refusals for them (`E_STORAGE_RESERVE_LOW`) and top-ups happen.
    pub low_funds: bool,
    /// Reward rate in units of `1 / REWARD_DENOMINATOR` per epoch.
    pub base_reward: u128,
    /// sNEAR is its test build and refuses the router's mints, burns or
    /// pushes now and then (`OpKind::SnearFault`).
    pub snear_faults: bool,
    pub mix: Mix,
}

impl Profile {
    /// The profile of `seed` (independent of the number of steps).
    pub fn of(seed: u64) -> Profile {
        let mut r = Rng::new(seed ^ 0x005E_ED0F_5CE4_A210);
        let validators = r.range(2, 6) as usize;
        let spare_pools = r.range(1, 2) as usize;
        let pool_own_stake = (0..validators + spare_pools)
            .map(|_| NearToken::from_near(u128::from(r.range(500, 12_000))))
            .collect();
        let external = u128::from(r.range(60, 400)) * 1_000;
        let base_reward = if r.chance(10) {
            0
        } else {
            u128::from(r.range(1, MAX_BASE_REWARD as u64))
        };
        let dao = r.chance(25);
        let low_funds = !dao && r.chance(20);
        let flavor = r.weighted(&[
            (MixFlavor::Balanced, 4),
            (MixFlavor::Faulty, 2),
            (MixFlavor::Governed, 2),
            (MixFlavor::LazyKeeper, 1),
            (MixFlavor::Exits, 1),
        ]);
        let liquid = (0..r.range(3, 8))
            .map(|_| u128::from(r.range(20, 20_000)))
            .collect();
        let lockup_accounts = (0..r.range(1, 4))
            .map(|_| u128::from(r.range(100, 40_000)))
            .collect();
        let lockup_contracts = (0..r.range(1, 2))
            .map(|_| u128::from(r.range(100, 20_000)))
            .collect();
        // From a stream of its own, so the draws above (and every run from
        // before sNEAR had switches, `without_snear_faults`) stay the same.
        let snear_faults = Rng::new(seed ^ 0x5EA2_FA17_0000_0001).chance(50);
        let config = SystemConfig {
            validators,
            spare_pools,
            pool_own_stake,
            pool_faults: true,
            snear_faults,
            external_stake: NearToken::from_near(external),
            reward_rate: RewardRate::new(base_reward, REWARD_DENOMINATOR),
            meta_per_epoch: if dao {
                MAX_META_PER_EPOCH
            } else {
                u128::from(r.range(0, 5_000)) * ONE_META
            },
            ..SystemConfig::default()
        };
        Profile {
            seed,
            config,
            liquid,
            lockup_accounts,
            lockup_contracts,
            dao,
            low_funds,
            base_reward,
            snear_faults,
            mix: Mix::new(flavor, dao, low_funds, snear_faults),
        }
    }

    /// The same profile with sNEAR's production build and no sNEAR fault
    /// operations: exactly the runs generated before sNEAR had switches.
    pub fn without_snear_faults(mut self) -> Profile {
        self.snear_faults = false;
        self.config.snear_faults = false;
        let dao = self.dao;
        self.mix = Mix::new(self.mix.flavor, dao, self.low_funds, false);
        self
    }

    pub fn base_rate(&self) -> RewardRate {
        RewardRate::new(self.base_reward, REWARD_DENOMINATOR)
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        write!(
            f,
            "{} validators + {} spare, outside stake {}, reward {}/{} an epoch, {} liquid, {} lockup \
             accounts, {} lockup contracts, {}{}{}, mix {:?}",
            c.validators,
            c.spare_pools,
            c.external_stake,
            self.base_reward,
            REWARD_DENOMINATOR,
            self.liquid.len(),
            self.lockup_accounts.len(),
            self.lockup_contracts.len(),
            if self.dao { "DAO" } else { "bootstrap owner" },
            if self.low_funds { ", low own funds" } else { "" },
            if self.snear_faults { ", sNEAR faults" } else { "" },
            self.mix.flavor
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_profile() {
        let (a, b) = (Profile::of(42), Profile::of(42));
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(a.liquid, b.liquid);
        assert_eq!(a.config.pool_own_stake, b.config.pool_own_stake);
    }

    #[test]
    fn profiles_vary_and_stay_inside_their_bounds() {
        let ps: Vec<Profile> = (0..200).map(Profile::of).collect();
        assert!(ps.iter().any(|p| p.dao) && ps.iter().any(|p| !p.dao));
        assert!(ps.iter().any(|p| p.low_funds));
        assert!(ps.iter().all(|p| !(p.dao && p.low_funds)));
        for p in &ps {
            assert!((2..=6).contains(&p.config.validators));
            assert!(p.base_reward <= MAX_BASE_REWARD);
            assert!(p.config.meta_per_epoch <= MAX_META_PER_EPOCH);
            assert_eq!(
                p.config.pool_own_stake.len(),
                p.config.validators + p.config.spare_pools
            );
        }
    }
}
