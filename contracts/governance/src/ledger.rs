//! Balances and their history.
//!
//! Every balance change writes a checkpoint `(block, balance after)` for the
//! account, and every supply change one for the total supply, so "the
//! balance at the end of block h" is the last checkpoint at or before h. A
//! second change in the same block overwrites that block's checkpoint, so a
//! history has at most one per block. Only past blocks can be looked up: the
//! current block may still change, which is what a flash-loaned vote would
//! exploit.
//!
//! # Compaction
//!
//! Histories are bounded: each write drops every checkpoint that no lookup
//! the contract can still make needs. The contract looks balances up at
//! a proposal's snapshot only: at its creation (the proposer's power and the
//! supply, at the end of the previous block) and at each vote on it, while
//! it is open. So after a write in block `b` a history keeps
//! - its newest checkpoint (block `b`), which answers for `b` and later;
//! - the one before it, the last at or before `b - 1`: the snapshot of a
//!   proposal created in this block (every later one snapshots at `b` or
//!   later, which the newest answers until the next write compacts again);
//! - for each pinned snapshot (a proposal open for voting, or awaiting the
//!   whitelist: `SnapshotPin`), the last checkpoint at or before it.
//!
//! At most `config::MAX_OPEN_PROPOSALS` snapshots are pinned, so a history never
//! holds more than `MAX_OPEN_PROPOSALS + 2` checkpoints, which is the
//! allowance the registration minimum pre-pays (`storage`). A proposal
//! whose voting period is over pins nothing (no vote on it can be cast any
//! more); its snapshot's checkpoints go at each account's next write.
//!
//! Lookups stay exact where they can be asked: each history records
//! `exact_from`, the block from which every lookup is exact (a dropped
//! checkpoint only changes the answers for blocks before its successor, and
//! the successor of a dropped one is never later than the end of the
//! previous block). A lookup of a block before `exact_from` that no pinned
//! snapshot names is refused with `E_HISTORY_COMPACTED` rather than
//! answered wrongly; a pinned snapshot is always exact, since every write
//! since before it was pinned kept its checkpoint.

use near_sdk::{env, near, require, AccountId};

use crate::errors::*;
use crate::Governance;

/// A registered holder (NEP-145). `storage_balance` is the NEAR held for the
/// account's storage: its account record and its bounded history are
/// reserved from it; the rest pays for what its votes and proposals write
/// (see `storage`). `locked` is the META its open proposals' bonds hold
/// while the epoch is below `locked_until_epoch` (`bond`).
#[near(serializers = [borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub balance: u128,
    pub storage_balance: u128,
    pub locked: u128,
    pub locked_until_epoch: u64,
}

impl Account {
    /// The META its bonds lock in `epoch` (none once the lock lapsed).
    pub fn locked_in(&self, epoch: u64) -> u128 {
        if epoch < self.locked_until_epoch {
            self.locked
        } else {
            0
        }
    }

    /// The META it may send or have refunded away in `epoch`.
    pub fn unlocked_in(&self, epoch: u64) -> u128 {
        self.balance.saturating_sub(self.locked_in(epoch))
    }
}

/// A balance at the end of a block.
#[near(serializers = [borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub block: u64,
    pub balance: u128,
}

/// The checkpoints of an account, or of the total supply, that a lookup
/// can still need, oldest first (see the module docs).
#[near(serializers = [borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Lookups of this block and later ones are exact; before it only the
    /// pinned snapshots are (checkpoints were dropped there).
    pub exact_from: u64,
    pub checkpoints: Vec<Checkpoint>,
}

impl History {
    /// Records `balance` as the value at the end of `block` (the current
    /// block, never before the newest checkpoint), then compacts around
    /// the `pinned` snapshot blocks.
    pub fn write(&mut self, block: u64, balance: u128, pinned: &[u64]) {
        match self.checkpoints.last_mut() {
            Some(last) if last.block == block => last.balance = balance,
            _ => self.checkpoints.push(Checkpoint { block, balance }),
        }
        self.compact(pinned);
    }

    /// Keeps the newest two checkpoints and, for each pinned snapshot, the
    /// last checkpoint at or before it; drops the rest, moving
    /// `exact_from` past each dropped checkpoint's successor.
    fn compact(&mut self, pinned: &[u64]) {
        let n = self.checkpoints.len();
        if n <= 2 {
            return;
        }
        let points = &self.checkpoints;
        // Checkpoint i answers for the blocks [points[i].block, points[i + 1].block).
        let needed = |i: usize| {
            i + 2 >= n
                || pinned
                    .iter()
                    .any(|s| points[i].block <= *s && *s < points[i + 1].block)
        };
        let keep: Vec<bool> = (0..n).map(needed).collect();
        let mut exact_from = self.exact_from;
        for i in 0..n {
            if !keep[i] {
                // i + 1 < n: the newest is always kept.
                exact_from = exact_from.max(points[i + 1].block);
            }
        }
        self.exact_from = exact_from;
        let mut i = 0;
        self.checkpoints.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// The balance at the end of `height`: the last checkpoint at or before
    /// it, 0 before the first. Exact only where [`Self::is_exact_at`] says.
    pub fn at(&self, height: u64) -> u128 {
        let after = self.checkpoints.partition_point(|c| c.block <= height);
        match after.checked_sub(1) {
            Some(i) => self.checkpoints[i].balance,
            None => 0,
        }
    }

    /// Whether [`Self::at`] is exact for `height`, given the snapshots
    /// pinned now.
    pub fn is_exact_at(&self, height: u64, mut pinned: impl Iterator<Item = u64>) -> bool {
        height >= self.exact_from || pinned.any(|s| s == height)
    }

    pub fn len(&self) -> u64 {
        self.checkpoints.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.checkpoints.is_empty()
    }
}

impl Governance {
    pub(crate) fn balance_of(&self, account_id: &AccountId) -> u128 {
        self.accounts.get(account_id).map_or(0, |a| a.balance)
    }

    /// Sets a registered account's balance and checkpoints it. The
    /// history's storage is pre-paid by the account's registration, so
    /// nobody is charged.
    pub(crate) fn set_balance(&mut self, account_id: &AccountId, balance: u128) {
        let account = self
            .accounts
            .get_mut(account_id)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_REGISTERED));
        account.balance = balance;
        let pinned = self.pinned_snapshots();
        self.histories.entry(account_id.clone()).or_default().write(
            env::block_height(),
            balance,
            &pinned,
        );
    }

    /// Sets the total supply and checkpoints it. The supply's history is
    /// part of the contract's own (bounded) state.
    pub(crate) fn set_total_supply(&mut self, supply: u128) {
        self.total_supply = supply;
        let pinned = self.pinned_snapshots();
        self.supply_history
            .write(env::block_height(), supply, &pinned);
    }

    pub(crate) fn history(&self, account_id: &AccountId) -> Option<&History> {
        self.histories.get(account_id)
    }

    /// The account's balance at the end of block `height`, which must be in
    /// the past (`E_LOOKUP_NOT_PAST`) and either at or after its history's
    /// `exact_from` or a pinned snapshot (`E_HISTORY_COMPACTED`).
    pub(crate) fn balance_at(&self, account_id: &AccountId, height: u64) -> u128 {
        assert_past(height);
        match self.histories.get(account_id) {
            Some(history) => self.exact_lookup(history, height),
            None => 0,
        }
    }

    /// The total supply at the end of block `height`, on the same terms.
    pub(crate) fn total_supply_at(&self, height: u64) -> u128 {
        assert_past(height);
        self.exact_lookup(&self.supply_history, height)
    }

    fn exact_lookup(&self, history: &History, height: u64) -> u128 {
        let epoch = env::epoch_height();
        let pinned = self
            .snapshot_pins
            .iter()
            .filter(|p| p.holds(epoch))
            .map(|p| p.snapshot_block);
        if !history.is_exact_at(height, pinned) {
            env::panic_str(&format!(
                "{ERR_HISTORY_COMPACTED} (exact from block {})",
                history.exact_from
            ));
        }
        history.at(height)
    }
}

fn assert_past(height: u64) {
    require!(height < env::block_height(), ERR_LOOKUP_NOT_PAST);
}
