//! Who pays for storage, and NEP-145.
//!
//! Checkpoints are history that the DAO and explorers read forever, so they
//! are never deleted and their storage is spent, not lent. The rule is that
//! whoever's action writes a record pays for it, at the exact byte cost,
//! from the call's attached deposit first and then from their own NEP-145
//! storage balance:
//! - a transfer: the sender pays for both accounts' new checkpoints (so
//!   nobody can drain a receiver's balance by sending it dust);
//! - a mint: the deposit the minter attaches, then the receiver's balance;
//! - a vote or a proposal: the voter or proposer.
//!
//! The registration minimum covers the account record plus an allowance of
//! checkpoints; `storage_deposit` tops it up without limit.

use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use near_sdk::json_types::U128;
use near_sdk::{env, log, near, require, AccountId, NearToken, Promise};

use crate::errors::*;
use crate::events::emit_burn;
use crate::ledger::Account;
use crate::{require_one_yocto, Governance, GovernanceExt};

/// NEAR's per-record overhead in storage accounting.
const RECORD_OVERHEAD: u64 = 40;
/// Borsh length of an `AccountId` (u32 length prefix + bytes).
fn id_len(account_id: &AccountId) -> u64 {
    4 + account_id.len() as u64
}

/// An `Account` record: prefix, key, two u128.
pub fn account_record_bytes(account_id: &AccountId) -> u64 {
    1 + id_len(account_id) + 32 + RECORD_OVERHEAD
}
/// The `history_len` record: written with an account's first checkpoint.
pub fn history_len_bytes(account_id: &AccountId) -> u64 {
    1 + id_len(account_id) + 4 + RECORD_OVERHEAD
}
/// One checkpoint of an account: key (prefix, id, index), block and balance.
pub fn checkpoint_bytes(account_id: &AccountId) -> u64 {
    1 + id_len(account_id) + 4 + 24 + RECORD_OVERHEAD
}
/// One total-supply checkpoint: prefix and u32 index, block and balance.
pub const SUPPLY_CHECKPOINT_BYTES: u64 = 1 + 4 + 24 + RECORD_OVERHEAD;
/// One vote: key (prefix, proposal id, voter), choice and weight.
pub fn vote_bytes(account_id: &AccountId) -> u64 {
    1 + 8 + id_len(account_id) + 17 + RECORD_OVERHEAD
}
/// A proposal record of `value_len` borsh bytes.
pub fn proposal_bytes(value_len: u64) -> u64 {
    1 + 8 + value_len + RECORD_OVERHEAD
}

/// Checkpoints the registration minimum pays for besides the account.
pub const CHECKPOINT_ALLOWANCE: u64 = 16;
/// `storage_balance_bounds().min`: the account record, its history record
/// and [`CHECKPOINT_ALLOWANCE`] checkpoints of the longest account id
/// (2,446 bytes), rounded up. Minters attach the same amount to `mint`.
pub const STORAGE_DEPOSIT_MIN: NearToken = GOVERNANCE_MINT_DEPOSIT;

pub fn cost(bytes: u64) -> u128 {
    u128::from(bytes) * env::storage_byte_cost().as_yoctonear()
}

/// NEP-145 `storage_balance_of`.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageBalance {
    pub total: U128,
    pub available: U128,
}

/// NEP-145 `storage_balance_bounds`.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageBalanceBounds {
    pub min: U128,
    pub max: Option<U128>,
}

/// Storage paid during one call: the attached deposit not yet used, and what
/// was taken from the payer's storage balance.
pub(crate) struct Payment {
    pub payer: AccountId,
    pub deposit_left: u128,
    pub from_storage: u128,
}

impl Payment {
    pub fn new(payer: AccountId, deposit: u128) -> Self {
        Self {
            payer,
            deposit_left: deposit,
            from_storage: 0,
        }
    }

    /// Sends what is left of the deposit back to the payer.
    pub fn refund_rest(self) {
        if self.deposit_left > 0 {
            Promise::new(self.payer)
                .transfer(NearToken::from_yoctonear(self.deposit_left))
                .detach();
        }
    }
}

fn available(account_id: &AccountId, account: &Account) -> u128 {
    account
        .storage_balance
        .saturating_sub(cost(account_record_bytes(account_id)))
}

impl Governance {
    /// Pays for `bytes` of new records: from the deposit left first, then
    /// from the payer's available storage balance.
    pub(crate) fn charge(&mut self, payment: &mut Payment, bytes: u64) {
        let amount = cost(bytes);
        let from_deposit = amount.min(payment.deposit_left);
        payment.deposit_left -= from_deposit;
        let rest = amount - from_deposit;
        if rest == 0 {
            return;
        }
        let account = self
            .accounts
            .get_mut(&payment.payer)
            .unwrap_or_else(|| env::panic_str(ERR_STORAGE_SHORT));
        require!(
            available(&payment.payer, account) >= rest,
            ERR_STORAGE_SHORT
        );
        account.storage_balance -= rest;
        payment.from_storage += rest;
    }

    /// Gives storage balance back to a registered account; an unregistered
    /// one gets the NEAR.
    pub(crate) fn credit_storage(&mut self, account_id: &AccountId, amount: u128) {
        if amount == 0 {
            return;
        }
        match self.accounts.get_mut(account_id) {
            Some(account) => account.storage_balance += amount,
            None => Promise::new(account_id.clone())
                .transfer(NearToken::from_yoctonear(amount))
                .detach(),
        }
    }

    pub(crate) fn register(&mut self, account_id: &AccountId, storage_balance: u128) {
        self.accounts.insert(
            account_id.clone(),
            Account {
                balance: 0,
                storage_balance,
            },
        );
    }

    fn storage_balance(&self, account_id: &AccountId) -> Option<StorageBalance> {
        self.accounts.get(account_id).map(|a| StorageBalance {
            total: U128(a.storage_balance),
            available: U128(available(account_id, a)),
        })
    }
}

#[near]
impl Governance {
    /// Registers `account_id` (default: the caller) or tops up its storage
    /// balance. Anyone may call it for any account.
    ///
    /// Deposit: at least `storage_balance_bounds().min` to register; any
    /// amount to top up (there is no maximum: the balance pays for future
    /// checkpoints and votes). With `registration_only`, a new account gets
    /// exactly the minimum and the rest is refunded, and an existing one gets
    /// the whole deposit back. Gas: a few Tgas. Emits nothing.
    #[payable]
    pub fn storage_deposit(
        &mut self,
        account_id: Option<AccountId>,
        registration_only: Option<bool>,
    ) -> StorageBalance {
        let amount = env::attached_deposit().as_yoctonear();
        let account_id = account_id.unwrap_or_else(env::predecessor_account_id);
        let registration_only = registration_only.unwrap_or(false);
        let mut refund = 0;
        if let Some(account) = self.accounts.get_mut(&account_id) {
            if registration_only {
                refund = amount;
            } else {
                account.storage_balance += amount;
            }
        } else {
            let min = STORAGE_DEPOSIT_MIN.as_yoctonear();
            require!(amount >= min, ERR_DEPOSIT_BELOW_MIN);
            if registration_only {
                refund = amount - min;
                self.register(&account_id, min);
            } else {
                self.register(&account_id, amount);
            }
        }
        if refund > 0 {
            Promise::new(env::predecessor_account_id())
                .transfer(NearToken::from_yoctonear(refund))
                .detach();
        }
        self.storage_balance(&account_id)
            .unwrap_or_else(|| env::abort())
    }

    /// Withdraws `amount` (default: all) of the caller's available storage
    /// balance. Registered accounts only; exactly 1 yoctoNEAR attached.
    /// Gas: a few Tgas. Emits nothing.
    #[payable]
    pub fn storage_withdraw(&mut self, amount: Option<U128>) -> StorageBalance {
        require_one_yocto();
        let account_id = env::predecessor_account_id();
        let account = self
            .accounts
            .get_mut(&account_id)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_REGISTERED));
        let free = available(&account_id, account);
        let amount = amount.map_or(free, |a| a.0);
        require!(amount <= free, ERR_WITHDRAW_TOO_MUCH);
        account.storage_balance -= amount;
        if amount > 0 {
            Promise::new(account_id.clone())
                .transfer(NearToken::from_yoctonear(amount))
                .detach();
        }
        self.storage_balance(&account_id)
            .unwrap_or_else(|| env::abort())
    }

    /// Unregisters the caller and returns its storage balance. Returns
    /// `false` if it was not registered. A holder of META must pass
    /// `force = true`, which burns the balance (paid from the storage
    /// balance: the final checkpoints). The account's checkpoint history
    /// stays: past snapshots keep their weight.
    ///
    /// Exactly 1 yoctoNEAR attached. Gas: a few Tgas. Emits `ft_burn` when
    /// it burns.
    #[payable]
    pub fn storage_unregister(&mut self, force: Option<bool>) -> bool {
        require_one_yocto();
        let account_id = env::predecessor_account_id();
        let Some(account) = self.accounts.get(&account_id).cloned() else {
            log!("The account {} is not registered", account_id);
            return false;
        };
        let mut refund = account.storage_balance;
        if account.balance > 0 {
            require!(force.unwrap_or(false), ERR_UNREGISTER_BALANCE);
            let supply = self.total_supply - account.balance;
            let bytes = self.set_balance(&account_id, 0) + self.set_total_supply(supply);
            let burn_cost = cost(bytes);
            require!(refund >= burn_cost, ERR_STORAGE_SHORT);
            refund -= burn_cost;
            emit_burn(
                &account_id,
                account.balance,
                Some("storage_unregister".into()),
            );
        }
        self.accounts.remove(&account_id);
        if refund > 0 {
            Promise::new(account_id)
                .transfer(NearToken::from_yoctonear(refund))
                .detach();
        }
        true
    }

    /// NEP-145: the minimum registers an account with its checkpoint
    /// allowance; there is no maximum. View.
    pub fn storage_balance_bounds(&self) -> StorageBalanceBounds {
        StorageBalanceBounds {
            min: U128(STORAGE_DEPOSIT_MIN.as_yoctonear()),
            max: None,
        }
    }

    /// NEP-145: `total` is the NEAR held for the account's storage,
    /// `available` what it may withdraw (all but its account record). View;
    /// `null` for an unregistered account.
    pub fn storage_balance_of(&self, account_id: AccountId) -> Option<StorageBalance> {
        self.storage_balance(&account_id)
    }
}
