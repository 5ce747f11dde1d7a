//! The unstake wait the router quotes (DESIGN §5): a user who unstakes in
//! epoch E is quoted at most E+5 and, with the keeper running once an
//! epoch, can withdraw at the quote. Faults, skipped or unfinished keeper
//! rounds, failed validator calls, epoch changes between calls and
//! callbacks, and a backlog the router reports as blocked may all make it
//! late (the router says so: `is_account_unstaked_balance_available` stays
//! false); so the promise is checked only for unstakes whose whole wait
//! ran through clean epochs: a full keeper round in each, nothing failed,
//! no fault switch on.

use std::collections::{BTreeMap, BTreeSet};

use localnet::AccountId;

use super::outcome::Expect;
use super::world::{fmt_near, Done, World};
use crate::invariants::{due_claims_are_withdrawable, withdrawal_paid_exactly};
use crate::owed::quote_kept;

#[derive(Clone, Debug, Default)]
pub struct PromiseTracker {
    /// Account → (epoch of its last unstake, the epoch it was quoted).
    pending: BTreeMap<AccountId, (u64, u64)>,
    /// Epochs with a full keeper round that met no failure.
    clean: BTreeSet<u64>,
    /// Epochs something disturbed.
    dirty: BTreeSet<u64>,
    /// Account → its failed mints (`Ledger::mint_rollbacks`) when it was
    /// last quoted.
    rollbacks: BTreeMap<AccountId, u64>,
}

impl PromiseTracker {
    /// An unstake in `epoch` quoted `quote` (a later unstake restarts the
    /// whole balance's wait, as in the core pool).
    pub fn unstaked(&mut self, id: &AccountId, epoch: u64, quote: u64, rollbacks: u64) {
        self.pending.insert(id.clone(), (epoch, quote));
        self.rollbacks.insert(id.clone(), rollbacks);
    }

    pub fn dirty(&mut self, epoch: u64) {
        self.dirty.insert(epoch);
    }

    pub fn clean_round(&mut self, epoch: u64) {
        self.clean.insert(epoch);
    }

    /// Every epoch of `from..=to` had a clean keeper round and nothing else.
    pub fn clean_between(&self, from: u64, to: u64) -> bool {
        (from..=to).all(|e| self.clean.contains(&e) && !self.dirty.contains(&e))
    }
}

impl World {
    /// After a keeper round: every pending unstake whose quote has come is
    /// checked once — excused if its wait was not clean; otherwise
    /// invariant 8: the reserve holds all of those claims together
    /// (`due_claims_are_withdrawable`), `is_account_unstaked_balance_available`
    /// says so, and each account withdraws its whole unstaked balance with a
    /// real `withdraw`, paid exactly (`withdrawal_paid_exactly`).
    pub fn check_promises(&mut self) -> Done {
        let now = self.epoch();
        // A validator drained after a real loss holds claims the router
        // serves late (refused syncs, then an unstake of everything there
        // and the pool's own wait): the epochs until its removal are
        // disturbed.
        if !self.loss_drains.is_empty() {
            let listed: BTreeSet<AccountId> = self
                .d
                .sys
                .router_validators()
                .into_iter()
                .map(|v| v.account_id)
                .collect();
            self.promise.dirty(now);
            let before = self.loss_drains.len();
            self.loss_drains.retain(|v| listed.contains(v));
            for _ in self.loss_drains.len()..before {
                self.stats.fault("real loss drained, validator removed");
            }
        }
        let pending: Vec<(AccountId, (u64, u64))> = self
            .promise
            .pending
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut due = Vec::new();
        for (id, (e, q)) in pending {
            let a = self.details(&id);
            if a.unstaked_balance.0 == 0 {
                self.promise.pending.remove(&id);
                continue;
            }
            // A quote never moves later: only the account's own unstake
            // restarts its wait (`unstaked` records the new quote), and the
            // rollback of its own failed liquid stake when other calls moved
            // the claims while the mint was in flight (`restore_claim`;
            // counted). A rollback with nothing in between puts every draw
            // back and keeps the quote, which this checks.
            let rolled = self
                .d
                .sys
                .ledger
                .mint_rollbacks
                .get(&id)
                .copied()
                .unwrap_or(0);
            let seen = self.promise.rollbacks.get(&id).copied().unwrap_or(0);
            let q = if rolled > seen && a.unstaked_available_epoch > q {
                self.stats.quotes_moved_by_rollback += 1;
                self.promise.rollbacks.insert(id.clone(), rolled);
                a.unstaked_available_epoch
            } else {
                if let Err(detail) = quote_kept(&id, q, a.unstaked_available_epoch) {
                    return Err(self.violation(8, "quote_kept", detail));
                }
                q
            };
            if q > now {
                self.promise.pending.insert(id, (e, q));
                continue;
            }
            self.promise.pending.remove(&id);
            if !self.promise.clean_between(e, now) {
                self.stats.promises_excused += 1;
                continue;
            }
            self.stats.promises_checked += 1;
            due.push((id, e, q));
        }
        if due.is_empty() {
            return Ok(());
        }
        let ids: Vec<AccountId> = due.iter().map(|(id, ..)| id.clone()).collect();
        let snap = self.d.sys.snapshot();
        if let Err(detail) = due_claims_are_withdrawable(&snap, &ids) {
            return Err(self.violation(8, "due_claims_are_withdrawable", detail));
        }
        for (id, e, q) in due {
            let a = self.details(&id);
            let u = a.unstaked_balance.0;
            if !self.d.sys.core_views(&id).available {
                let b = self.books();
                return Err(self.violation(
                    8,
                    "due_claims_are_withdrawable",
                    format!(
                        "unstake promise: {id} unstaked in epoch {e}, quoted {q}, cannot withdraw \
                         its {u} in epoch {now} after clean keeper rounds (reserve {}, earmarked \
                         {}, to_unstake {})",
                        b.reserve, b.earmarked, b.to_unstake
                    ),
                ));
            }
            let Some(s) = self.stakers().into_iter().find(|s| s.id == id) else {
                continue;
            };
            self.ensure_near(&s, 0);
            let label = format!(
                "{} withdraws its whole {} at its quoted epoch {q} (unstaked in {e})",
                self.name(&s),
                fmt_near(u)
            );
            let out = self.step(label, |sys| sys.withdraw(&s, u))?;
            let res = self.classify_for(&s, &out);
            self.expect("withdraw (quoted epoch)", &Expect::Ok, &res)?;
            let router = self.d.sys.router.clone();
            if let Err(detail) = withdrawal_paid_exactly(&out, &router, &s.id, u) {
                return Err(self.violation(8, "withdrawal_paid_exactly", detail));
            }
            let left = self.details(&id).unstaked_balance.0;
            if left != 0 {
                return Err(self.violation(
                    8,
                    "withdrawal_paid_exactly",
                    format!("{id} withdrew its whole {u} and still has {left} unstaked"),
                ));
            }
            self.stats.due_withdrawals += 1;
            self.after_lockup_change(&s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_clean_only_if_every_epoch_was() {
        let mut t = PromiseTracker::default();
        for e in 3..=8 {
            t.clean_round(e);
        }
        assert!(t.clean_between(3, 8));
        assert!(!t.clean_between(2, 8), "no round in epoch 2");
        t.dirty(5);
        assert!(!t.clean_between(3, 8));
        assert!(t.clean_between(6, 8));
    }
}
