//! The scenario, drawn from the seed before anything runs: the network's
//! shape, the stakers (kind, arrival, amount, top-up, exit) and the
//! governance calendar. Everything the simulation does follows from here,
//! so one seed always gives the same run.

use governance::GovernanceConfig;

use super::network::outside_layout;
use crate::rng::Rng;
use crate::suite::ONE_NEAR;

/// What the demo is asked to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoConfig {
    /// Validators the router lists at start (test pools); the DAO adds one.
    pub validators: usize,
    /// Stakers arriving over the run (about a quarter of them lockups).
    pub stakers: usize,
    /// Epochs simulated after deployment.
    pub epochs: u64,
    pub seed: u64,
    /// Where the chart goes.
    pub chart: std::path::PathBuf,
    /// Check every invariant of DESIGN §7 after each epoch.
    pub check_invariants: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            validators: 10,
            stakers: 40,
            epochs: 30,
            seed: 1,
            chart: ["target", "demo", "distribution.svg"].iter().collect(),
            check_invariants: true,
        }
    }
}

/// Largest `--validators`: the router lists at most 100 and the DAO adds one.
pub const MAX_VALIDATORS: usize = 99;
/// Largest `--stakers` (each is a few transactions per epoch).
pub const MAX_STAKERS: usize = 2_000;

/// Outside stake per router validator, in NEAR: the network grows with the
/// router's list so every size of list meets the same landscape.
const OUTSIDE_NEAR_PER_VALIDATOR: u128 = 60_000;
/// A pool's own stake, as a share of the outside stake per validator (bps).
const POOL_OWN_BPS: u128 = 150;
/// The router's validator-share cap in the network (the contract default).
const NETWORK_CAP_BPS: u128 = meta_common::actions::MAX_NETWORK_SHARE_BPS.default as u128;
/// Stakers bring this share (bps) of what the network cap lets the router
/// place, so the caps shape the run without leaving most stake unplaced.
const BUDGET_OF_CAPACITY_BPS: u128 = 7_500;

/// How a staker leaves (partly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `unstake_all` (liquid stakers only).
    All,
    /// `unstake(amount)`.
    Part(u128),
}

/// One staker's part in the story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakerPlan {
    /// `<name>.near` (liquid) or the owner `<name>.near` of a lockup.
    pub name: String,
    pub lockup: bool,
    /// Demo epoch (1-based) it arrives and stakes in.
    pub arrive: u64,
    /// yoctoNEAR staked on arrival.
    pub amount: u128,
    pub top_up: Option<(u64, u128)>,
    pub exit: Option<(u64, Exit)>,
}

/// When the DAO acts, in demo epochs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Stakers who arrived by then claim their META; the proposal follows
    /// in the same epoch.
    pub claim_and_propose: u64,
    /// The vote has ended: queue.
    pub queue: u64,
    /// The time-lock is over: execute.
    pub execute: u64,
}

impl Calendar {
    /// The calendar under `rules`: founders stake in epoch 1 and earn META
    /// for three epochs before claiming.
    pub fn new(rules: &GovernanceConfig) -> Self {
        let claim_and_propose = 4;
        let queue = claim_and_propose + rules.voting_period_epochs;
        Self {
            claim_and_propose,
            queue,
            execute: queue + rules.timelock_epochs,
        }
    }

    /// Fewest epochs a run needs: the cycle, then one epoch for the keeper
    /// to stake on the new validator and one to see it.
    pub fn min_epochs(&self) -> u64 {
        self.execute + 2
    }
}

/// The whole scenario.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `(account, stake in yoctoNEAR)` of each outside validator.
    pub outside: Vec<(String, u128)>,
    /// Own stake of each test pool, the spare one (added by the DAO) last.
    pub pool_own: Vec<u128>,
    pub stakers: Vec<StakerPlan>,
    pub calendar: Calendar,
    /// What the stakers bring in all, yoctoNEAR (top-ups included).
    pub budget: u128,
}

impl Plan {
    /// Draws the scenario; `Err` explains an option out of range.
    pub fn new(cfg: &DemoConfig, rules: &GovernanceConfig) -> Result<Plan, String> {
        if cfg.validators == 0 || cfg.validators > MAX_VALIDATORS {
            return Err(format!("--validators must be 1..={MAX_VALIDATORS}"));
        }
        if cfg.stakers == 0 || cfg.stakers > MAX_STAKERS {
            return Err(format!("--stakers must be 1..={MAX_STAKERS}"));
        }
        let calendar = Calendar::new(rules);
        if cfg.epochs < calendar.min_epochs() {
            return Err(format!(
                "--epochs must be at least {}: founders earn META for {} epochs, the vote \
                 lasts {} and the time-lock {}, then the keeper stakes on the new validator",
                calendar.min_epochs(),
                calendar.claim_and_propose - 1,
                rules.voting_period_epochs,
                rules.timelock_epochs
            ));
        }
        let mut rng = Rng::new(cfg.seed);
        let n = cfg.validators as u128;

        let outside_total = OUTSIDE_NEAR_PER_VALIDATOR * n;
        let outside = outside_layout()
            .into_iter()
            .map(|(name, bps)| {
                // ±10% around the layout, so seeds differ in the details.
                let jitter = 0.9 + 0.2 * rng.unit();
                let near = (outside_total * u128::from(bps)) as f64 / 10_000.0 * jitter;
                (name, near_to_yocto(near))
            })
            .collect::<Vec<_>>();

        let own_mean = OUTSIDE_NEAR_PER_VALIDATOR * POOL_OWN_BPS / 10_000;
        let pool_own: Vec<u128> = (0..=cfg.validators)
            .map(|_| near_to_yocto(own_mean as f64 * (0.6 + 0.8 * rng.unit())))
            .collect();

        let outside_sum: u128 = outside.iter().map(|(_, s)| s).sum();
        let own_sum: u128 = pool_own[..cfg.validators].iter().sum();
        let budget = budget(cfg.validators, outside_sum, own_sum);

        let stakers = draw_stakers(cfg, &calendar, &mut rng, budget);
        Ok(Plan {
            outside,
            pool_own,
            stakers,
            calendar,
            budget,
        })
    }

    /// Stakers arriving in demo epoch `e`.
    pub fn arrivals(&self, e: u64) -> impl Iterator<Item = (usize, &StakerPlan)> {
        self.stakers
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.arrive == e)
    }
}

/// What the stakers bring: `BUDGET_OF_CAPACITY_BPS` of the most the
/// router can place under the network cap. With `n` pools of own stake
/// `P` among outside stake `O`, the router's stake `R` fits when each pool
/// stays under the cap `c`: `R + P <= n c (O + P + R)`, so
/// `R <= (n c (O + P) - P) / (1 - n c)`; from `n c >= 1` on the network
/// cap no longer binds and the budget is the outside stake.
fn budget(validators: usize, outside: u128, own: u128) -> u128 {
    let nc = validators as u128 * NETWORK_CAP_BPS; // bps
    let capacity = if nc >= 10_000 {
        outside
    } else {
        (nc * (outside + own) / 10_000).saturating_sub(own) * 10_000 / (10_000 - nc)
    };
    capacity.min(outside) * BUDGET_OF_CAPACITY_BPS / 10_000
}

fn draw_stakers(
    cfg: &DemoConfig,
    calendar: &Calendar,
    rng: &mut Rng,
    budget: u128,
) -> Vec<StakerPlan> {
    let n = cfg.stakers;
    // A quarter of the stakers, at least one, are the founders: they
    // stake in epoch 1 and earn the META that votes.
    let founders = n.div_ceil(4);
    // Arrivals continue to 80% of the run, and past the DAO's execution:
    // the validator it adds fills from new stake (rebalancing alone takes
    // a withdrawal's four epochs to move any).
    let after_execute = calendar.execute + 1;
    let last_arrival = (cfg.epochs * 4 / 5).max(after_execute);
    let mut weights = Vec::with_capacity(n);
    let mut plans = Vec::with_capacity(n);
    for i in 0..n {
        let lockup = n >= 2 && (i % 4 == 3 || rng.probability(0.1));
        let arrive = if i < founders {
            1
        } else if i == n - 1 {
            // At least one newcomer after the execution.
            after_execute
        } else {
            rng.range(2, last_arrival.max(2))
        };
        // Log-uniform over two decades; lockups are older, larger holdings.
        let w = rng.log_uniform(1.0, 100.0) * if lockup { 2.0 } else { 1.0 };
        let top_up = rng.probability(0.3).then(|| {
            let at = rng.range(arrive + 1, cfg.epochs.saturating_sub(1).max(arrive + 1));
            (at, rng.unit() * 0.5)
        });
        // Some leave in part later (never a founder before the vote
        // ends), when the run leaves time for it.
        let from = if i < founders {
            calendar.queue + 2
        } else {
            arrive + 3
        };
        let exit = (rng.probability(0.2) && from + 1 < cfg.epochs).then(|| {
            let at = rng.range(from, cfg.epochs.saturating_sub(6).max(from));
            (at, rng.unit())
        });
        let name = if lockup {
            format!("owner{i:03}")
        } else {
            format!("staker{i:03}")
        };
        weights.push(w * (1.0 + top_up.map_or(0.0, |(_, f)| f)));
        plans.push((name, lockup, arrive, w, top_up, exit));
    }
    let total_weight: f64 = weights.iter().sum();
    let near_per_weight = budget as f64 / ONE_NEAR as f64 / total_weight;
    plans
        .into_iter()
        .map(|(name, lockup, arrive, w, top_up, exit)| {
            let amount = near_to_yocto(w * near_per_weight).max(ONE_NEAR);
            let top_up = top_up.map(|(at, f)| (at, near_to_yocto(w * f * near_per_weight)));
            let exit = exit.map(|(at, f)| {
                let e = if !lockup && f > 0.75 {
                    Exit::All
                } else {
                    // At most half of what was staked, so the staker stays.
                    Exit::Part(near_to_yocto(yocto_to_near(amount) * 0.5 * f).max(ONE_NEAR / 10))
                };
                (at, e)
            });
            StakerPlan {
                name,
                lockup,
                arrive,
                amount,
                top_up: top_up.filter(|(_, a)| *a >= ONE_NEAR),
                exit,
            }
        })
        .collect()
}

/// NEAR (a float, to the milliNEAR) as yoctoNEAR.
pub fn near_to_yocto(near: f64) -> u128 {
    (near.max(0.0) * 1_000.0).round() as u128 * (ONE_NEAR / 1_000)
}

/// yoctoNEAR as NEAR, for display and ratios.
pub fn yocto_to_near(yocto: u128) -> f64 {
    yocto as f64 / ONE_NEAR as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(validators: usize, stakers: usize, epochs: u64, seed: u64) -> DemoConfig {
        DemoConfig {
            validators,
            stakers,
            epochs,
            seed,
            ..DemoConfig::default()
        }
    }

    #[test]
    fn one_seed_one_plan() {
        let rules = GovernanceConfig::default();
        let a = Plan::new(&cfg(10, 40, 30, 7), &rules).unwrap();
        let b = Plan::new(&cfg(10, 40, 30, 7), &rules).unwrap();
        let c = Plan::new(&cfg(10, 40, 30, 8), &rules).unwrap();
        assert_eq!(a.stakers, b.stakers);
        assert_eq!(a.outside, b.outside);
        assert_eq!(a.pool_own, b.pool_own);
        assert_ne!(a.stakers, c.stakers);
    }

    #[test]
    fn the_plan_fits_the_run() {
        let rules = GovernanceConfig::default();
        for seed in 0..20 {
            let c = cfg(10, 40, 30, seed);
            let p = Plan::new(&c, &rules).unwrap();
            assert_eq!(p.pool_own.len(), 11, "the spare pool too");
            assert_eq!(p.stakers.len(), 40);
            let founders = p.stakers.iter().filter(|s| s.arrive == 1).count();
            assert!(founders >= 10, "{founders}");
            assert!(p.stakers.iter().any(|s| s.arrive > p.calendar.execute));
            assert!(p.stakers.iter().any(|s| s.lockup));
            assert!(p.stakers.iter().any(|s| !s.lockup));
            for s in &p.stakers {
                assert!((1..=c.epochs).contains(&s.arrive));
                assert!(s.amount >= ONE_NEAR);
                if let Some((at, a)) = s.top_up {
                    assert!(at > s.arrive && at < c.epochs && a >= ONE_NEAR);
                }
                if let Some((at, e)) = s.exit {
                    assert!(at >= s.arrive + 3 && at < c.epochs, "{s:?}");
                    if s.arrive == 1 {
                        assert!(
                            at >= p.calendar.queue + 2,
                            "a founder leaves after the vote"
                        );
                    }
                    match e {
                        Exit::All => assert!(!s.lockup, "lockups leave in part"),
                        Exit::Part(x) => assert!(x <= s.amount / 2 + ONE_NEAR / 10),
                    }
                }
            }
            // Amounts add up to the budget, to rounding.
            let brought: u128 = p
                .stakers
                .iter()
                .map(|s| s.amount + s.top_up.map_or(0, |t| t.1))
                .sum();
            let diff = brought.abs_diff(p.budget);
            assert!(diff < 50 * ONE_NEAR, "{brought} vs {}", p.budget);
        }
    }

    #[test]
    fn the_shortest_run_still_has_a_newcomer_after_the_vote() {
        let rules = GovernanceConfig::default();
        let min = Calendar::new(&rules).min_epochs();
        for seed in 0..20 {
            let c = cfg(5, 8, min, seed);
            let p = Plan::new(&c, &rules).unwrap();
            assert!(p.stakers.iter().any(|s| s.arrive > p.calendar.execute));
            for s in &p.stakers {
                assert!(s.arrive <= c.epochs);
                assert!(s.exit.is_none_or(|(at, _)| at < c.epochs));
            }
        }
    }

    #[test]
    fn the_budget_stays_under_the_network_cap() {
        // With n pools the router may hold at most n * 5% of the network.
        for n in [1usize, 3, 10, 19, 20, 40] {
            let outside = 60_000 * n as u128 * ONE_NEAR;
            let own = 900 * n as u128 * ONE_NEAR;
            let r = budget(n, outside, own);
            let total = outside + own + r;
            let cap = total * (n as u128 * 500).min(10_000) / 10_000;
            assert!(r + own <= cap, "n {n}: {r} + {own} > {cap}");
            assert!(r <= outside);
        }
        assert_eq!(budget(1, 100, 200), 0, "own stake already past the cap");
    }

    #[test]
    fn options_out_of_range_are_refused() {
        let rules = GovernanceConfig::default();
        let min = Calendar::new(&rules).min_epochs();
        assert_eq!(min, 4 + 6 + 10 + 2);
        let e = Plan::new(&cfg(10, 40, min - 1, 1), &rules).unwrap_err();
        assert!(e.contains("--epochs must be at least 22"), "{e}");
        assert!(Plan::new(&cfg(0, 40, 30, 1), &rules).is_err());
        assert!(Plan::new(&cfg(100, 40, 30, 1), &rules).is_err());
        assert!(Plan::new(&cfg(10, 0, 30, 1), &rules).is_err());
        assert!(Plan::new(&cfg(1, 1, min, 1), &rules).is_ok());
    }

    #[test]
    fn near_conversions_round_to_the_millinear() {
        assert_eq!(near_to_yocto(1.0), ONE_NEAR);
        assert_eq!(near_to_yocto(0.0004), 0);
        assert_eq!(near_to_yocto(-3.0), 0);
        assert_eq!(near_to_yocto(2.5), 5 * ONE_NEAR / 2);
        assert!((yocto_to_near(3 * ONE_NEAR / 2) - 1.5).abs() < 1e-12);
    }
}
