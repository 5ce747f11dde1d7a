//! Balances and their history.
//!
//! Every balance change writes a checkpoint `(block, balance after)` for the
//! account, and every supply change one for the total supply, so "the
//! balance at the end of block h" is the last checkpoint at or before h. A
//! second change in the same block overwrites that block's checkpoint, so an
//! account has at most one per block. Only past blocks can be looked up: the
//! current block may still change, which is what a flash-loaned vote would
//! exploit.

use near_sdk::{env, near, require, AccountId};

use crate::errors::*;
use crate::storage;
use crate::Governance;

/// A registered holder (NEP-145). `storage_balance` is the NEAR held for the
/// account's storage, the cost of this record included; what its actions
/// write is paid from it (see `storage`).
#[near(serializers = [borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub balance: u128,
    pub storage_balance: u128,
}

/// A balance at the end of a block.
#[near(serializers = [borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub block: u64,
    pub balance: u128,
}

impl Governance {
    pub(crate) fn balance_of(&self, account_id: &AccountId) -> u128 {
        self.accounts.get(account_id).map_or(0, |a| a.balance)
    }

    /// Sets a registered account's balance and checkpoints it. Returns the
    /// storage bytes added.
    pub(crate) fn set_balance(&mut self, account_id: &AccountId, balance: u128) -> u64 {
        let account = self
            .accounts
            .get_mut(account_id)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_REGISTERED));
        account.balance = balance;
        self.write_checkpoint(account_id, balance)
    }

    /// Sets the total supply and checkpoints it. Returns the bytes added.
    pub(crate) fn set_total_supply(&mut self, supply: u128) -> u64 {
        self.total_supply = supply;
        let block = env::block_height();
        let point = Checkpoint {
            block,
            balance: supply,
        };
        let len = self.supply_checkpoints.len();
        if len > 0 && self.supply_checkpoints[len - 1].block == block {
            self.supply_checkpoints[len - 1] = point;
            0
        } else {
            self.supply_checkpoints.push(point);
            storage::SUPPLY_CHECKPOINT_BYTES
        }
    }

    fn write_checkpoint(&mut self, account_id: &AccountId, balance: u128) -> u64 {
        let block = env::block_height();
        let point = Checkpoint { block, balance };
        let len = self.history_len.get(account_id).copied().unwrap_or(0);
        if len > 0 {
            let last = self
                .checkpoints
                .get_mut(&(account_id.clone(), len - 1))
                .unwrap_or_else(|| env::abort());
            if last.block == block {
                *last = point;
                return 0;
            }
        }
        let mut bytes = storage::checkpoint_bytes(account_id);
        if len == 0 {
            bytes += storage::history_len_bytes(account_id);
        }
        self.checkpoints.insert((account_id.clone(), len), point);
        self.history_len.insert(account_id.clone(), len + 1);
        bytes
    }

    pub(crate) fn checkpoint_count(&self, account_id: &AccountId) -> u32 {
        self.history_len.get(account_id).copied().unwrap_or(0)
    }

    pub(crate) fn checkpoint_at(&self, account_id: &AccountId, index: u32) -> Option<Checkpoint> {
        self.checkpoints.get(&(account_id.clone(), index)).copied()
    }

    /// The account's balance at the end of block `height`, which must be in
    /// the past.
    pub(crate) fn balance_at(&self, account_id: &AccountId, height: u64) -> u128 {
        assert_past(height);
        let len = self.checkpoint_count(account_id);
        last_at_or_before(len, height, |i| {
            self.checkpoint_at(account_id, i)
                .unwrap_or_else(|| env::abort())
        })
    }

    /// The total supply at the end of block `height`, which must be in the past.
    pub(crate) fn total_supply_at(&self, height: u64) -> u128 {
        assert_past(height);
        last_at_or_before(self.supply_checkpoints.len(), height, |i| {
            self.supply_checkpoints[i]
        })
    }
}

fn assert_past(height: u64) {
    require!(height < env::block_height(), ERR_LOOKUP_NOT_PAST);
}

/// Binary search over checkpoints `0..len` (increasing blocks) for the
/// balance of the last one at or before `height`; 0 before the first. The
/// newest checkpoint is tried first: most lookups are of recent snapshots.
fn last_at_or_before(len: u32, height: u64, at: impl Fn(u32) -> Checkpoint) -> u128 {
    if len == 0 {
        return 0;
    }
    let newest = at(len - 1);
    if newest.block <= height {
        return newest.balance;
    }
    // Invariant: at(lo - 1).block <= height (or lo == 0) and at(hi).block > height.
    let (mut lo, mut hi) = (0u32, len - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if at(mid).block <= height {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo == 0 {
        0
    } else {
        at(lo - 1).balance
    }
}
