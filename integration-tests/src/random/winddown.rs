//! The end of every run: all fault switches off, every staker unstakes
//! everything and withdraws as soon as the router says it may, with the
//! keeper once an epoch. Everyone must be out, lockups at exactly 0, within
//! `MAX_EXIT_EPOCHS`: NEAR the router holds for users is never stranded.
//! Every exit credits exactly its shares' value at the price (less the
//! record a liquid holder without one pays), every withdrawal pays exactly
//! the balance withdrawn, and in all each staker is paid exactly what it
//! was owed once it had unstaked.

use std::collections::BTreeMap;

use localnet::AccountId;
use serde_json::json;

use super::outcome::{classify, Expect};
use super::world::{fmt_near, Done, Fail, World};
use crate::keeper::KEEPER_GAS;
use crate::suite::{Staker, StakerKind};
use meta_pool::config::ACCOUNT_RECORD_COST;

/// Epochs everyone has to be out after asking: the quoted wait (5), a
/// validator's own wait when every one was used in the last four epochs
/// (4), and slack for a backlog served by one validator at a time.
pub const MAX_EXIT_EPOCHS: u64 = 16;

impl World {
    pub fn wind_down(&mut self) -> Done {
        self.op_index = None;
        self.all_faults_off()?;
        self.advance_and_round()?;
        // Dust stays its holder's sNEAR, exactly; everything else is owed
        // as the unstaked balance the exits leave, and paid out in full.
        let mut dust: BTreeMap<AccountId, u128> = BTreeMap::new();
        let mut owed: BTreeMap<AccountId, u128> = BTreeMap::new();
        let mut paid: BTreeMap<AccountId, u128> = BTreeMap::new();
        for s in self.stakers() {
            if self.snear_dust(&s) {
                dust.insert(s.id.clone(), self.d.sys.snear_balance(&s.id));
            }
            self.exit(&s)?;
            owed.insert(s.id.clone(), self.details(&s.id).unstaked_balance.0);
        }
        let asked = self.epoch();
        loop {
            for s in self.stakers() {
                let a = self.details(&s.id);
                if a.unstaked_balance.0 > 0 && self.d.sys.core_views(&s.id).available {
                    let label = format!(
                        "wind-down: {} withdraws all ({})",
                        self.name(&s),
                        fmt_near(a.unstaked_balance.0)
                    );
                    let u = a.unstaked_balance.0;
                    let before = self.d.sys.near_balance(&s);
                    let out = self.step(label, |sys| sys.withdraw_all(&s))?;
                    let res = self.classify_for(&s, &out);
                    self.expect("withdraw_all (wind-down)", &Expect::Ok, &res)?;
                    self.check_paid(&s, &out, before, u)?;
                    *paid.entry(s.id.clone()).or_default() += u;
                }
            }
            let left: Vec<String> = self
                .stakers()
                .iter()
                .filter(|s| self.holds_anything(s))
                .map(|s| {
                    let a = self.details(&s.id);
                    format!(
                        "{} ({} unstaked, available from epoch {})",
                        self.name(s),
                        fmt_near(a.unstaked_balance.0),
                        a.unstaked_available_epoch
                    )
                })
                .collect();
            if left.is_empty() {
                break;
            }
            if self.epoch() >= asked + MAX_EXIT_EPOCHS {
                let status: serde_json::Value =
                    self.d.sys.router_view("get_epoch_status", json!({}));
                return Err(Fail::Expectation(format!(
                    "exit: still waiting {MAX_EXIT_EPOCHS} epochs after everyone unstaked: {}; \
                     epoch status {status}",
                    left.join(", ")
                )));
            }
            // The promise check after the keeper's round withdraws every
            // balance that came due, each checked to be one transfer of
            // exactly the whole balance: what left the balances is paid.
            let unstaked: Vec<(AccountId, u128)> = self
                .stakers()
                .iter()
                .map(|s| (s.id.clone(), self.details(&s.id).unstaked_balance.0))
                .collect();
            self.advance_and_round()?;
            for (id, before) in unstaked {
                let now = self.details(&id).unstaked_balance.0;
                *paid.entry(id).or_default() += before.saturating_sub(now);
            }
        }
        for s in self.stakers() {
            let got = paid.get(&s.id).copied().unwrap_or(0);
            let unstaked = self.details(&s.id).unstaked_balance.0;
            let snear = self.d.sys.snear_balance(&s.id);
            let kept = dust.get(&s.id).copied().unwrap_or(0);
            if got != owed[&s.id] || unstaked != 0 || (!s.is_lockup() && snear != kept) {
                return Err(Fail::Expectation(format!(
                    "wind-down: {} was owed {} and paid {got}; {unstaked} unstaked and {snear} \
                     sNEAR left (dust kept: {kept})",
                    self.name(&s),
                    owed[&s.id]
                )));
            }
        }
        for s in self.stakers().iter().filter(|s| s.is_lockup()) {
            self.d.checker.mark_exited(&s.id);
        }
        self.check_only("wind-down: everyone out")
    }

    fn advance_and_round(&mut self) -> Done {
        self.step("wind-down: next epoch".into(), |s| s.advance_epochs(1))?;
        self.stats.epochs += 1;
        self.keeper_round(Some(KEEPER_GAS)).map(|_| ())
    }

    /// Whether the router (or sNEAR) still holds anything of `s` to pay
    /// out. sNEAR dust ([`Self::snear_dust`]) is not: it stays the holder's
    /// token, to send or sell.
    fn holds_anything(&self, s: &Staker) -> bool {
        if s.is_lockup() {
            return self.d.sys.core_views(&s.id).total > 0;
        }
        let snear = self.d.sys.snear_balance(&s.id);
        let unstaked = self.details(&s.id).unstaked_balance.0;
        unstaked > 0 || (snear > 0 && !self.snear_dust(s))
    }

    /// A liquid holder's sNEAR worth no more than a router record: the
    /// router's `unstake_all` burns nothing of it (resolves to 0), record
    /// or not.
    fn snear_dust(&self, s: &Staker) -> bool {
        !s.is_lockup()
            && self
                .share_pool()
                .amount_from_shares_down(self.d.sys.snear_balance(&s.id))
                .unwrap_or(0)
                <= ACCOUNT_RECORD_COST
    }

    /// Unstakes everything `s` has staked: its shares (a lockup's at the
    /// router, a liquid holder's sNEAR) leave at their value rounded down,
    /// all of it credited but the record a liquid holder without one pays.
    /// Nothing else runs between the call and its callbacks, so the price
    /// read here is the price they use.
    fn exit(&mut self, s: &Staker) -> Done {
        let staked = if s.is_lockup() {
            self.details(&s.id).shares.0
        } else {
            self.d.sys.snear_balance(&s.id)
        };
        if staked == 0 || self.snear_dust(s) {
            return Ok(());
        }
        let unstaked = self.details(&s.id).unstaked_balance.0;
        let credit = self
            .share_pool()
            .amount_from_shares_down(staked)
            .unwrap_or(0)
            - self.record_fee(s);
        self.ensure_near(s, 0);
        let label = format!("wind-down: {} unstakes all", self.name(s));
        let out = if s.kind == StakerKind::Liquid {
            let id = s.id.clone();
            self.step(label, |sys| {
                sys.call_router(&id, "unstake_all", json!({}), 0, KEEPER_GAS)
            })?
        } else {
            self.step(label, |sys| sys.unstake_all(s))?
        };
        let res = if s.kind == StakerKind::Liquid {
            classify(&out)
        } else {
            self.classify_for(s, &out)
        };
        self.expect("unstake_all (wind-down)", &Expect::Ok, &res)?;
        let now = self.details(&s.id);
        let left = if s.is_lockup() {
            now.shares.0
        } else {
            self.d.sys.snear_balance(&s.id)
        };
        if now.unstaked_balance.0 != unstaked + credit || left != 0 {
            return Err(Fail::Expectation(format!(
                "wind-down: {} unstaking all {staked} shares credited {} (expected {credit}) \
                 and left {left}",
                self.name(s),
                now.unstaked_balance.0 - unstaked
            )));
        }
        self.note_unstake(s)
    }
}
