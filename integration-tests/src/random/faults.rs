//! The test pool's fault switches, switched on at random for one to three
//! epochs: failed calls, failing or malformed views (another account's
//! reply, a balance that is no number), balance deltas both ways, paused
//! staking, burned gas.
//!
//! The one designed exception to invariant 3 — a loss on a validator the
//! router is draining is booked, and beyond the seed it lowers the price —
//! is generated only for real (`pool_life`'s drained losses: the pool's
//! principal falls, the ledger records the loss the router books), never
//! faked here: a negative balance delta (a loss the pool does not have) is
//! never set on a draining validator, nor on one a proposal in flight
//! would drain, and no validator is drained or removed while a negative
//! delta is in force there. The seed pays the first part of a loss, so a
//! fall of the seed's value beyond rounding dust and the real losses'
//! payments the ledger records fails the run (`check_seed`), before the
//! price would.

use meta_common::shares::SharePool;
use meta_pool::config::SYNC_LOSS_TOLERANCE;
use meta_pool::validators::ValidatorState;

use super::world::{Done, Fail, World};
use crate::owed::mul_div_ceil;
use crate::rng::Rng;
use crate::suite::{System, ONE_NEAR};

/// The switches in force at one pool, each with the epoch it goes off at.
#[derive(Clone, Debug, Default)]
pub struct PoolFaults {
    pub views: Option<u64>,
    pub delta: Option<(i128, u64)>,
    pub paused: Option<u64>,
    pub burn: Option<(&'static str, u64)>,
    /// `fault_fail_next_calls` counts armed (they may stay unspent).
    pub fail_next: Option<u64>,
}

impl PoolFaults {
    pub fn any(&self) -> bool {
        self.views.is_some()
            || self.delta.is_some()
            || self.paused.is_some()
            || self.burn.is_some()
            || self.fail_next.is_some()
    }

    pub fn negative_delta(&self) -> bool {
        self.delta.is_some_and(|(d, _)| d < 0)
    }

    /// The first epoch any switch goes off at.
    fn due(&self) -> Option<u64> {
        [
            self.views,
            self.delta.map(|d| d.1),
            self.paused,
            self.burn.map(|b| b.1),
            self.fail_next,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Switch {
    FailNext,
    Views,
    DeltaUp,
    DeltaDown,
    Pause,
    Burn,
}

/// Turns every switch of the listed pools off (`(pool, unpause)`).
pub fn clear_faults(sys: &mut System, pools: &[(usize, bool)]) {
    for &(i, unpause) in pools {
        sys.fault_reset(i);
        if unpause {
            sys.fault_pause_staking(i, false);
        }
    }
}

impl World {
    pub fn any_fault(&self) -> bool {
        self.faults.iter().any(PoolFaults::any)
    }

    /// Forgets every pool's switches due by `epoch` (all of the pool's:
    /// `fault_reset` clears them together) and says which pools to clear.
    pub fn expire_faults(&mut self, epoch: u64) -> Vec<(usize, bool)> {
        let mut out = Vec::new();
        for (i, f) in self.faults.iter_mut().enumerate() {
            if f.due().is_some_and(|d| d <= epoch) {
                out.push((i, f.paused.is_some()));
                *f = PoolFaults::default();
            }
        }
        out
    }

    /// Whether a loss may be faked at pool `i`: not on a draining
    /// validator, nor on one a pending proposal would drain or remove.
    pub fn loss_fault_allowed(&self, i: usize) -> bool {
        let id = &self.d.sys.pools[i].id;
        let draining = self
            .d
            .sys
            .validator(id)
            .is_some_and(|v| v.state == ValidatorState::Draining);
        !draining && !self.dao_would_drain(id)
    }

    /// Whether pool `i` may be drained or removed now.
    pub fn drain_allowed(&self, i: usize) -> bool {
        !self.faults[i].negative_delta()
    }

    pub(super) fn op_fault_on(&mut self, r: &mut Rng) -> Done {
        let listed: Vec<usize> = self
            .d
            .sys
            .router_validators()
            .iter()
            .map(|v| self.d.sys.pool_index(&v.account_id))
            .collect();
        let i = match r.pick(&listed) {
            Some(&i) if r.chance(85) => i,
            _ => r.below(self.d.sys.pools.len() as u64) as usize,
        };
        let mut switch = r.weighted(&[
            (Switch::FailNext, 30),
            (Switch::Views, 15),
            (Switch::DeltaUp, 10),
            (Switch::DeltaDown, 12),
            (Switch::Pause, 10),
            (Switch::Burn, 15),
        ]);
        if switch == Switch::DeltaDown && !self.loss_fault_allowed(i) {
            switch = Switch::FailNext;
        }
        let until = self.epoch() + r.range(1, 3);
        let pool = self.d.sys.pools[i].id.clone();
        let record = self
            .d
            .sys
            .validator(&pool)
            .map_or(0, |v| v.staked.0 + v.unstaked.0);
        let label;
        match switch {
            Switch::FailNext => {
                let method = *r
                    .pick(&["ping", "deposit_and_stake", "unstake", "withdraw"])
                    .expect("not empty");
                let count = r.range(1, 3) as u32;
                label = format!("{pool} fails its next {count} {method} calls");
                self.step(label, |s| s.fault_fail_next_calls(i, method, count))?;
                self.faults[i].fail_next = Some(until);
                self.stats.fault("fail_next_calls");
            }
            Switch::Views => {
                // A third of the time the views answer instead, wrongly: a
                // reply about another account or a balance that is no
                // number, which the router must refuse like a failure.
                let malformed = match r.below(6) {
                    0 => Some("foreign_account"),
                    1 => Some("non_number_balance"),
                    _ => None,
                };
                if let Some(kind) = malformed {
                    label = format!("{pool}'s views answer {kind} until epoch {until}");
                    self.step(label, |s| s.fault_malformed_reply(i, kind))?;
                    self.stats.fault(if kind == "foreign_account" {
                        "malformed reply: foreign account"
                    } else {
                        "malformed reply: not a number"
                    });
                } else {
                    label = format!("{pool}'s balance views fail until epoch {until}");
                    self.step(label, |s| s.fault_fail_views(i, true))?;
                    self.stats.fault("fail_views");
                }
                self.faults[i].views = Some(until);
            }
            Switch::DeltaUp | Switch::DeltaDown => {
                // Up: far above any reward the router would book (it books
                // growth up to 1% an epoch since its last sync), so it is
                // refused, as a broken pool's should be. Down: a loss the
                // router refuses on a validator it is not draining, unless
                // the rewards it has not booked yet exceed it: then it
                // books the net growth and its record stays below what the
                // pool holds until a later sync (`Ledger::under_reported`).
                let delta = if switch == Switch::DeltaUp {
                    (record + 100 * ONE_NEAR) as i128
                } else {
                    -(r.percent_of(record, 2, 50).max(ONE_NEAR) as i128)
                };
                label = format!("{pool}'s views are off by {delta} until epoch {until}");
                self.step(label, |s| s.fault_balance_delta(i, delta))?;
                self.faults[i].delta = Some((delta, until));
                self.stats.fault(if delta > 0 {
                    "balance_delta +"
                } else {
                    "balance_delta -"
                });
            }
            Switch::Pause => {
                label = format!("{pool} pauses staking until epoch {until}");
                self.step(label, |s| s.fault_pause_staking(i, true))?;
                self.faults[i].paused = Some(until);
                self.stats.fault("pause_staking");
            }
            Switch::Burn => {
                let method = *r
                    .pick(&[
                        "ping",
                        "deposit_and_stake",
                        "unstake",
                        "withdraw",
                        "get_account",
                    ])
                    .expect("not empty");
                let tgas = if r.chance(70) { 300 } else { r.range(20, 120) };
                label = format!("{pool} burns {tgas} Tgas in {method} until epoch {until}");
                self.step(label, |s| s.fault_burn_gas(i, method, tgas))?;
                self.faults[i].burn = Some((method, until));
                self.stats.fault("burn_gas");
            }
        }
        self.promise.dirty(self.epoch());
        Ok(())
    }

    pub(super) fn op_fault_off(&mut self, r: &mut Rng) -> Done {
        let on: Vec<usize> = (0..self.faults.len())
            .filter(|&i| self.faults[i].any())
            .collect();
        let Some(&i) = r.pick(&on) else {
            return self.skip("no fault switched on");
        };
        let unpause = self.faults[i].paused.is_some();
        self.faults[i] = PoolFaults::default();
        let pool = self.d.sys.pools[i].id.clone();
        self.step(format!("{pool}'s faults off"), |s| {
            clear_faults(s, &[(i, unpause)])
        })
    }

    /// Every switch off (the wind-down).
    pub fn all_faults_off(&mut self) -> Done {
        let pools: Vec<(usize, bool)> = (0..self.faults.len())
            .filter(|&i| self.faults[i].any())
            .map(|i| (i, self.faults[i].paused.is_some()))
            .collect();
        for f in self.faults.iter_mut() {
            *f = PoolFaults::default();
        }
        if pools.is_empty() {
            return Ok(());
        }
        self.step("every fault switch off".into(), |s| clear_faults(s, &pools))
    }

    /// The run never fakes a loss on a draining validator; the seed pays
    /// rounding dust (at most `SYNC_LOSS_TOLERANCE` a sync, a few
    /// yoctoNEAR a rollback) and, in a step whose sync booked a real loss
    /// on a draining validator (`pool_life`'s drained loss, ledger
    /// `booked_losses` from `losses_from`), exactly the seed shares its
    /// `seed_paid` burnt, at the price before that loss. A larger drop of
    /// the seed's value means a loss was booked that the run did not make
    /// real: a faked one on a draining validator (the guard above failed),
    /// or one the router should have refused. The storage shares the seed
    /// holds for the router's own funds are not the seed's to pay with.
    pub fn check_seed(&mut self, before: u128, losses_from: usize) -> Done {
        let Some(b) = self.d.checker.last().map(|s| s.summary.books.clone()) else {
            return Ok(());
        };
        let Some(own) = b.seed_shares.checked_sub(b.storage_shares) else {
            return Err(Fail::Expectation(format!(
                "the seed holds {} shares, fewer than the {} storage shares it owes the \
                 router's own funds: a loss burnt them",
                b.seed_shares, b.storage_shares
            )));
        };
        let now = SharePool::new(b.total_staked, b.total_shares)
            .amount_from_shares_down(own)
            .unwrap_or(0);
        let losses = &self.d.sys.ledger.booked_losses;
        let mut paid = 0u128;
        for l in &losses[losses_from.min(losses.len())..] {
            if l.loss <= SYNC_LOSS_TOLERANCE {
                continue;
            }
            let price_staked = l.total_staked.checked_add(l.loss);
            let price_shares = l.total_shares.checked_add(l.seed_shares_burnt);
            let value = price_staked
                .zip(price_shares)
                .and_then(|(t, s)| mul_div_ceil(l.seed_shares_burnt, t, s))
                .and_then(|v| paid.checked_add(v));
            paid = value.ok_or_else(|| {
                Fail::Expectation(format!("a booked loss's figures overflow: {l:?}"))
            })?;
        }
        let dust = 10 * SYNC_LOSS_TOLERANCE;
        if now.saturating_add(dust).saturating_add(paid) < before {
            return Err(Fail::Expectation(format!(
                "the seed's value fell from {before} to {now}, more than the {paid} it paid of \
                 real losses: a loss was booked"
            )));
        }
        Ok(())
    }
}
