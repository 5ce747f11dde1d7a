//! Validators that behave like a real network's (issue 17): each earns a
//! rate of its own, pools fall below the seat threshold, are kicked out of
//! the validator set and come back, and a pool's contract is replaced for a
//! while by one with another interface.
//!
//! Rates stay inside what the router books, as the chain-wide ones of
//! `RewardRate` do: an ordinary rate is at most `MAX_BASE_REWARD` (half the
//! router's `MAX_REWARD_BPS_PER_EPOCH`, so compounding over the epochs a
//! validator may go unsynced stays inside the bound), and the bound itself
//! is paid for one epoch only, then the validator's previous rate is back
//! (a rate above the bound is `RewardJump`'s business). The ledger learns
//! every rate (`System::set_validator_reward_rate_of`), so invariant 1
//! bounds each pool's unbooked rewards by the rates that pool was paid.
//!
//! A pool redeployed with `test_callee.wasm` (no staking-pool method at
//! all) for one or two epochs, then given its own code back with its state
//! untouched: every router call to it fails, so the router books nothing
//! for it meanwhile (its record stays as it was, no `epoch_success` names
//! it, its sync fails with `call_failed` and the validator is skipped for
//! the rest of the epoch's operations); once the code is back the router
//! syncs it again, or refuses the reading only for the one reason a long
//! gap may give (`reward_too_large`: the rewards of the missed epochs
//! compound past the router's linear bound). The deploys' gas is paid from outside (`redeploy`), so the
//! pool's total balance is what it was.
//!
//! A kick-out changes what `env::validator_stake` reads for the pool (0)
//! and the network's total two epochs after the threshold moves; the router
//! reads both at its syncs and its caps follow them, which invariant 4
//! checks against the validator set read before each call.

use localnet::{AccountId, NearToken, RewardRate};
use meta_pool::config::MAX_REWARD_BPS_PER_EPOCH;
use serde_json::Value;

use super::profile::{MAX_BASE_REWARD, REWARD_DENOMINATOR};
use super::world::{fmt_near, Done, Fail, World};
use crate::keeper::KEEPER_GAS;
use crate::rng::Rng;
use crate::suite::{wasm, Pool, System};

/// A contract without the staking-pool interface.
const FOREIGN_WASM: &str = "test_callee.wasm";

/// Deploys `code` to `pool` with a transaction the pool signs, its gas
/// paid from outside: the pool's liquid balance is patched up to cover it
/// and back to exactly what it was after (a pool's liquid balance is often
/// below a deploy's cost, and a pool's `ping` requires its total balance
/// never to fall).
fn redeploy(s: &mut System, pool: &Pool, code: &[u8]) -> Result<(), String> {
    let before = s.net.balance(&pool.id);
    let funded = before
        .checked_add(NearToken::from_near(1))
        .ok_or("balance overflow")?;
    s.net.set_balance(&pool.id, funded);
    let out = s.net.deploy(&pool.id, code);
    s.net.set_balance(&pool.id, before);
    if out.is_success() {
        Ok(())
    } else {
        Err(format!(
            "deploy to {} failed: {:?}",
            pool.id,
            out.failure_message()
        ))
    }
}

/// Whether an event of the router names validator `v`.
fn names(event: &Value, v: &AccountId) -> bool {
    event["validator_id"].as_str() == Some(v.as_str())
}

/// The router's anomaly bound as a rate in the runs' units.
fn bound_rate() -> RewardRate {
    let n = MAX_REWARD_BPS_PER_EPOCH
        .checked_mul(REWARD_DENOMINATOR)
        .expect("small constants")
        / 10_000;
    RewardRate::new(n, REWARD_DENOMINATOR)
}

fn fmt_rate(rate: Option<RewardRate>) -> String {
    match rate {
        Some(r) => format!("{}/{}", r.numerator, r.denominator),
        None => "the chain-wide rate".into(),
    }
}

impl World {
    fn pool_ids(&self) -> Vec<AccountId> {
        self.d.sys.pools.iter().map(|p| p.id.clone()).collect()
    }

    /// One pool gets a rate of its own: none (back to the chain-wide
    /// rate), zero, an ordinary rate, or the router's bound for one epoch.
    pub(super) fn op_validator_rate(&mut self, r: &mut Rng) -> Done {
        let pools = self.pool_ids();
        let Some(v) = r.pick(&pools).cloned() else {
            return self.skip("no pool");
        };
        let choice = r.below(10);
        if choice == 0 {
            let before = self.d.sys.ledger.validator_rates.own_rate(&v);
            self.step(
                format!(
                    "{v} earns the router's bound {} for one epoch",
                    fmt_rate(Some(bound_rate()))
                ),
                |s| s.set_validator_reward_rate_of(&v, Some(bound_rate())),
            )?;
            self.advance(1, " (bound paid)")?;
            self.step(format!("{v} back to {}", fmt_rate(before)), |s| {
                s.set_validator_reward_rate_of(&v, before)
            })?;
            return self.keeper_round(Some(KEEPER_GAS)).map(|_| ());
        }
        let rate = match choice {
            1 | 2 => None,
            3 => Some(RewardRate::ZERO),
            _ => Some(RewardRate::new(
                u128::from(r.range(1, MAX_BASE_REWARD as u64)),
                REWARD_DENOMINATOR,
            )),
        };
        self.step(
            format!("{v} earns {} from the next epoch", fmt_rate(rate)),
            |s| s.set_validator_reward_rate_of(&v, rate),
        )
    }

    /// Moves the chain's seat threshold: back to zero (kicked-out pools
    /// return at their next proposal, which the router's next sync makes
    /// through `ping`), or up to a deployed pool's locked stake, so the
    /// pools below it leave the sets formed from the next boundary on.
    pub(super) fn op_seat_threshold(&mut self, r: &mut Rng) -> Done {
        let now = self.d.sys.net.seat_threshold();
        if now > NearToken::ZERO && r.chance(50) {
            return self.step("the seat threshold falls to zero".into(), |s| {
                s.set_seat_threshold(NearToken::ZERO)
            });
        }
        let mut stakes: Vec<NearToken> = self
            .pool_ids()
            .iter()
            .map(|id| self.d.sys.net.locked(id))
            .filter(|s| *s > NearToken::ZERO)
            .collect();
        stakes.sort();
        stakes.dedup();
        // Some pools below the threshold, and never the largest: a pool
        // equal to the threshold keeps its seat.
        if stakes.len() < 2 {
            return self.skip("no two pool stakes to put a threshold between");
        }
        let k = r.range(1, stakes.len() as u64 - 1) as usize;
        let threshold = stakes[k];
        let (set, _) = self.d.sys.net.validators();
        let out = self
            .pool_ids()
            .iter()
            .filter(|id| !set.contains_key(*id))
            .count();
        self.step(
            format!(
                "the seat threshold rises to {} ({k} of {} pool stakes below it; \
                 {out} pools out of the set now)",
                fmt_near(threshold.as_yoctonear()),
                stakes.len()
            ),
            |s| s.set_seat_threshold(threshold),
        )
    }

    /// Replaces a pool's code with a contract of another interface for one
    /// or two epochs (a keeper round in each), then restores it.
    pub(super) fn op_pool_redeploy(&mut self, r: &mut Rng) -> Done {
        // A pool with a fault switch on is left alone: the switches live in
        // the code being replaced.
        let candidates: Vec<usize> = (0..self.d.sys.pools.len())
            .filter(|&i| !self.faults[i].any())
            .collect();
        let Some(&i) = r.pick(&candidates) else {
            return self.skip("every pool has a fault switch on");
        };
        let pool = self.d.sys.pools[i].clone();
        let Some(original) = self.d.sys.net.chain().contract_code(&pool.id) else {
            return self.skip("the pool has no code");
        };
        let epochs = r.range(1, 2);
        let record = |w: &World| {
            w.d.sys
                .validator(&pool.id)
                .map(|v| (v.staked.0, v.unstaked.0))
        };
        let booked = record(self);
        let held = self.d.sys.pool_balance_of_router(i);
        let foreign = wasm(FOREIGN_WASM);
        self.step(
            format!(
                "{} is redeployed with {FOREIGN_WASM} for {epochs} epoch(s)",
                pool.id
            ),
            |s| redeploy(s, &pool, &foreign),
        )?
        .map_err(Fail::Expectation)?;
        for _ in 0..epochs {
            self.advance(1, " (a pool is foreign code)")?;
            let round = self.keeper_round(Some(KEEPER_GAS))?;
            if let Some(e) = round
                .events("epoch_success")
                .into_iter()
                .find(|e| names(e, &pool.id))
            {
                return Err(Fail::Expectation(format!(
                    "the router booked a success on {} while it runs {FOREIGN_WASM}: {e}",
                    pool.id
                )));
            }
            // The router's sync fails on the missing `ping` and says so;
            // the validator is then left alone for the epoch.
            if let Some(e) = round
                .events("epoch_failed")
                .into_iter()
                .find(|e| names(e, &pool.id) && e["reason"].as_str() != Some("call_failed"))
            {
                return Err(Fail::Expectation(format!(
                    "a call to {} running {FOREIGN_WASM} failed for another reason: {e}",
                    pool.id
                )));
            }
            if record(self) != booked {
                return Err(Fail::Expectation(format!(
                    "the router's record of {} moved from {booked:?} to {:?} while no call to it \
                     could succeed",
                    pool.id,
                    record(self)
                )));
            }
        }
        self.step(format!("{} gets its own code back", pool.id), |s| {
            redeploy(s, &pool, &original)
        })?
        .map_err(Fail::Expectation)?;
        // The state was never touched: the router's balance at the pool is
        // what it was, plus the rewards the pool took in meanwhile.
        let now = self.d.sys.pool_balance_of_router(i);
        if let (Ok((s0, u0)), Ok((s1, u1))) = (&held, &now) {
            if s1 < s0 || u1 != u0 {
                return Err(Fail::Expectation(format!(
                    "{}: the router's balance there went from ({s0}, {u0}) to ({s1}, {u1}) \
                     across the redeploy",
                    pool.id
                )));
            }
        }
        self.advance(1, " (the pool's code is back)")?;
        let round = self.keeper_round(Some(KEEPER_GAS))?;
        let refused = round
            .events("epoch_failed")
            .into_iter()
            .find(|e| names(e, &pool.id) && e["op"].as_str() == Some("sync"))
            .cloned();
        if let Some(e) = refused {
            if e["reason"].as_str() != Some("reward_too_large") {
                return Err(Fail::Expectation(format!(
                    "the router refused {} once its code was back: {e}",
                    pool.id
                )));
            }
        }
        Ok(())
    }
}
