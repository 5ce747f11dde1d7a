//! Generated runs: random users, amounts, rewards, governance changes,
//! faults and interleaved callbacks, with every invariant checked after each
//! step at rest (`World::check`: books, shares = sNEAR + lockup + seed, NEAR
//! conservation, a price that never falls; `epoch_stake` checks the caps).
//!
//! Liquid accounts pay for their router record where a call creates one: a
//! first `deposit` is credited `ACCOUNT_RECORD_COST` less, and a first
//! unstake must be worth more than that (an `unstake_all` worth less burns
//! nothing: the holder keeps its sNEAR). The generator draws amounts the
//! rules accept and expects the exact refusal where they do not.

use std::collections::BTreeMap;

use super::world::*;
use crate::config::{ACCOUNT_RECORD_COST, MIN_LIQUID_STAKE};
use crate::validators::ValidatorState;
use meta_common::actions::{RouterAction, RouterParameter, ValidatorWeight};
use near_sdk::json_types::U128;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// An awkward amount between 0.1 (the least first deposit and liquid
    /// stake) and ~50 NEAR.
    fn amount(&mut self) -> u128 {
        MIN_LIQUID_STAKE
            + near(1) / 100 * self.below(5_000) as u128
            + self.next() as u128 % 1_000_000_007
    }
    fn pick<'a>(&mut self, xs: &'a [String]) -> &'a String {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const POOLS: usize = 5;

fn world() -> (World, Vec<String>, Vec<String>) {
    let mut w = World::with_validators(POOLS);
    let liquid: Vec<String> = (0..4).map(|i| format!("user{i}.near")).collect();
    let lockups: Vec<String> = (0..3)
        .map(|i| lockup_of(&format!("owner{i}.near")))
        .collect();
    w.keeper();
    (w, liquid, lockups)
}

fn governance(w: &mut World, r: &mut Rng) {
    let v = format!("v{}.pool.near", r.below(POOLS as u64));
    let state =
        w.c.validators
            .get()
            .iter()
            .find(|x| x.account_id.as_str() == v)
            .map(|x| x.state);
    let action = match (r.below(5), state) {
        (0, Some(ValidatorState::Active)) => RouterAction::PauseValidator { account_id: id(&v) },
        (1, Some(ValidatorState::Paused)) => RouterAction::ResumeValidator { account_id: id(&v) },
        (2, Some(_)) => RouterAction::SetWeights {
            weights: vec![ValidatorWeight {
                account_id: id(&v),
                weight_bps: 1 + r.below(10_000) as u16,
            }],
        },
        (3, _) => RouterAction::SetParameter {
            parameter: match r.below(3) {
                0 => RouterParameter::MaxValidatorShareBps(1_000 + r.below(2_001) as u16),
                1 => RouterParameter::ProtocolFeeBps(r.below(1_001) as u16),
                _ => RouterParameter::RebalanceMaxMoveBps(r.below(1_001) as u16),
            },
        },
        (4, Some(ValidatorState::Active)) if r.below(4) == 0 => {
            RouterAction::DrainValidator { account_id: id(&v) }
        }
        _ => return,
    };
    assert!(w.exec_bool(GOV, 0, |c| c.apply_governance_action(action)));
}

fn user_step(w: &mut World, r: &mut Rng, liquid: &[String], lockups: &[String]) {
    let lock = r.below(2) == 0;
    let who = if lock {
        r.pick(lockups)
    } else {
        r.pick(liquid)
    }
    .clone();
    let snear = w.snear.get(&id(&who)).copied().unwrap_or(0);
    let staked = w.view().get_account_staked_balance(id(&who)).0;
    let unstaked = w.account(&who).unstaked;
    let has_record = w.c.accounts.contains_key(&id(&who));
    match r.below(7) {
        0 | 1 => {
            w.deposit_and_stake(&who, r.amount());
        }
        2 => {
            let a = r.amount();
            w.deposit(&who, a);
            // A liquid account's first deposit paid for its record.
            let fee = if lock || has_record {
                0
            } else {
                ACCOUNT_RECORD_COST
            };
            assert_eq!(w.account(&who).unstaked, unstaked + a - fee);
            if r.below(2) == 0 {
                let s = (a / 2 + 1).max(MIN_LIQUID_STAKE).min(a - fee);
                if s >= MIN_LIQUID_STAKE {
                    w.stake(&who, s);
                }
            }
        }
        3 if lock && staked > 0 => {
            let a = 1 + r.next() as u128 % staked;
            w.unstake(&who, a);
        }
        3 if !lock && snear > near(1) / 100 => {
            let price = w.price();
            let value = price.amount_from_shares_down(snear).unwrap();
            // Without a record the unstake must exceed the record's cost
            // (a value above 0.01 NEAR leaves room for it).
            let least = if has_record {
                1
            } else {
                ACCOUNT_RECORD_COST + 1
            };
            w.unstake(&who, least + r.next() as u128 % (value / 2 + 1));
        }
        4 if staked > 0 || snear > 0 => {
            // Liquid dust that cannot pay the record it would create stays.
            let stays = !lock && !has_record && w.c.books.value_of(snear) <= ACCOUNT_RECORD_COST;
            let credited = w.unstake_all(&who);
            if stays {
                assert_eq!(credited, 0, "{who}: dust burns nothing");
                assert_eq!(w.snear[&id(&who)], snear, "{who} keeps its dust");
            }
        }
        5 if unstaked > 0 && w.view().is_account_unstaked_balance_available(id(&who)) => {
            if r.below(2) == 0 {
                w.withdraw_all(&who);
            } else {
                w.withdraw(&who, 1 + r.next() as u128 % unstaked);
            }
        }
        6 if unstaked / 2 >= MIN_LIQUID_STAKE => {
            // Restake part of an unstaked balance, available or not.
            let _ = w.exec_u128(&who, 0, |c| c.stake(U128(unstaked / 2)));
        }
        _ => {}
    }
}

fn fault_step(w: &mut World, r: &mut Rng) {
    let v = format!("v{}.pool.near", r.below(POOLS as u64));
    let (receiver, method) = match r.below(6) {
        0 => (v.as_str(), "get_account"),
        1 => (v.as_str(), "deposit_and_stake"),
        2 => (v.as_str(), "unstake"),
        3 => (v.as_str(), "withdraw"),
        4 => (SNEAR, "mint"),
        // sNEAR's one switch breaks `burn` and `burn_all` alike.
        _ => (SNEAR, "burn"),
    };
    let fault = if r.below(3) == 0 && method == "get_account" {
        Fault::Reply(b"{\"garbage\":1}".to_vec())
    } else {
        Fault::Fail
    };
    let receiver = receiver.to_string();
    w.fault(&receiver, method, fault, false);
}

/// After a keeper round, everyone whose quoted epoch has come can withdraw
/// (runs without faults only: a failing validator may hold NEAR back).
fn promise_kept(w: &World, liquid: &[String], lockups: &[String], with_faults: bool) {
    if with_faults {
        return;
    }
    for who in liquid.iter().chain(lockups.iter()) {
        let a = w.account(who);
        if a.unstaked > 0 && a.available_epoch <= w.epoch {
            assert!(
                w.view().is_account_unstaked_balance_available(id(who)),
                "{who} quoted {} cannot withdraw at {}",
                a.available_epoch,
                w.epoch
            );
        }
    }
}

/// How much of each kind of event a run produced.
fn count(w: &World, event: &str) -> usize {
    w.all_events(event).len()
}

fn run(seed: u64, steps: usize, with_faults: bool) -> World {
    let (mut w, liquid, lockups) = world();
    let mut r = Rng(seed | 1);
    for _ in 0..steps {
        match r.below(12) {
            0..=4 => user_step(&mut w, &mut r, &liquid, &lockups),
            5 => {
                // A user call whose callback lands after a keeper round.
                let who = r.pick(&liquid).clone();
                let a = r.amount();
                w.call(&who, a, |c| {
                    let _ = c.deposit_and_stake();
                });
                let held = w.hold();
                w.keeper_ops();
                w.release(held);
            }
            6 | 7 => {
                w.keeper();
                promise_kept(&w, &liquid, &lockups, with_faults);
            }
            8 => {
                w.keeper();
                promise_kept(&w, &liquid, &lockups, with_faults);
                w.next_epoch(r.below(15) as u128);
            }
            9 => governance(&mut w, &mut r),
            10 if with_faults => fault_step(&mut w, &mut r),
            _ => {
                let pool = format!("v{}.pool.near", r.below(POOLS as u64));
                if let Some(p) = w.pools.get_mut(&id(&pool)) {
                    p.reward(near(1) / 10 + r.below(1_000) as u128);
                }
            }
        }
        w.faults.retain(|_| r.below(3) != 0);
        w.check();
    }
    // Everyone leaves; the keeper brings every claim back within the wait.
    // A liquid holder without a record whose sNEAR is worth no more than
    // the record an unstake would create keeps it (it can send or sell it).
    w.faults.clear();
    let mut dust: BTreeMap<String, u128> = BTreeMap::new();
    for who in liquid.iter().chain(lockups.iter()) {
        let snear = w.snear.get(&id(who)).copied().unwrap_or(0);
        if snear > 0 || w.view().get_account_staked_balance(id(who)).0 > 0 {
            let stays = snear > 0
                && !w.c.accounts.contains_key(&id(who))
                && w.c.books.value_of(snear) <= ACCOUNT_RECORD_COST;
            let credited = w.unstake_all(who);
            if stays {
                assert_eq!(credited, 0, "{who}: dust burns nothing");
                dust.insert(who.clone(), snear);
            }
        }
    }
    for _ in 0..12 {
        w.next_epoch(0);
        w.keeper();
        for who in liquid.iter().chain(lockups.iter()) {
            if w.account(who).unstaked > 0
                && w.view().is_account_unstaked_balance_available(id(who))
            {
                w.withdraw_all(who);
            }
        }
    }
    for who in liquid.iter().chain(lockups.iter()) {
        assert_eq!(
            w.view().get_account_total_balance(id(who)).0,
            0,
            "{who} left"
        );
        assert_eq!(
            w.snear.get(&id(who)).copied().unwrap_or(0),
            dust.get(who).copied().unwrap_or(0)
        );
    }
    let b = &w.c.books;
    assert_eq!(b.lockup_shares, 0);
    assert_eq!(b.users_unstaked, 0);
    let treasury = w.snear.get(&id(TREASURY)).copied().unwrap_or(0);
    let dust: u128 = dust.values().sum();
    assert_eq!(b.total_shares, b.seed_shares + treasury + dust);
    w.check();
    w
}

#[test]
fn generated_runs_keep_every_invariant() {
    let mut seen = [0usize; 6];
    for seed in 1..=8u64 {
        let w = run(seed * 0x9e37_79b9, 160, false);
        for (i, e) in [
            "withdraw",
            "unstake",
            "rewards_synced",
            "netted",
            "parameter_changed",
            "storage_paid",
        ]
        .iter()
        .enumerate()
        {
            seen[i] += count(&w, e);
        }
    }
    assert!(
        seen.iter().all(|&n| n > 0),
        "every flow exercised: {seen:?}"
    );
}

#[test]
fn generated_runs_with_faults_keep_every_invariant() {
    let mut seen = [0usize; 4];
    for seed in 1..=8u64 {
        let w = run(seed * 0x85eb_ca6b, 160, true);
        for (i, e) in ["epoch_failed", "mint_failed", "burn_failed", "withdraw"]
            .iter()
            .enumerate()
        {
            seen[i] += count(&w, e);
        }
    }
    assert!(
        seen.iter().all(|&n| n > 0),
        "every failure exercised: {seen:?}"
    );
}
