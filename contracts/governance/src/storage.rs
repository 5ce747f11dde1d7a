//! Who pays for storage, and NEP-145.
//!
//! Whoever's action writes a record pays for it, at the exact byte cost,
//! from the call's attached deposit first and then from their own NEP-145
//! storage balance: a vote or a proposal, the voter or proposer (staged
//! code: `staged`).
//!
//! Balance histories are the exception: each holder's registration
//! pre-pays its own for good. A history is bounded (`ledger`): it keeps
//! only the checkpoints that a proposal open for voting, or one created
//! later, can still read, at most [`CHECKPOINT_ALLOWANCE`] of them
//! (`config::MAX_OPEN_PROPOSALS` pinned snapshots and the newest two), and
//! each write drops the checkpoints nobody can need any more. Checkpoints
//! used to be kept forever and paid per write, which made a holder
//! registered at the minimum (a wallet, which sends plain `ft_transfer`
//! and cannot top up) run out after about a dozen transfers. Now the
//! registration reserves the account record and a history record of
//! [`CHECKPOINT_ALLOWANCE`] checkpoints out of the storage balance, which
//! covers every size the history can take: transfers, receipts, mints and
//! burns charge nobody, and a dust sender cannot make a receiver's history
//! grow past what its registration holds. Only the rest of the storage
//! balance, above that reserve, is available to withdraw or to pay for
//! votes and proposals.
//!
//! The supply's history is bounded the same way and is part of the
//! contract's own state (at most [`CHECKPOINT_ALLOWANCE`] checkpoints,
//! 396 bytes), as are the `config::MAX_OPEN_PROPOSALS` slots of pinned
//! snapshots (a fixed 350 bytes from `new` on): the contract account's
//! balance holds them like the rest of its state, and nothing a caller
//! does makes them grow past that.
//!
//! A history outlives its account's registration (past snapshots keep
//! their weight): `storage_unregister` keeps back the cost of the history
//! as it is then, and a later registration of the same account takes that
//! amount over with the history, so nobody pays for a byte twice.

use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use near_sdk::json_types::U128;
use near_sdk::{env, log, near, require, AccountId, NearToken, Promise};

use crate::config::MAX_OPEN_PROPOSALS;
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

/// An `Account`'s value: three u128 (balance, storage balance, locked) and
/// a u64 (the lock's end).
const ACCOUNT_VALUE_BYTES: u64 = 56;
/// An `Account` record: prefix, key, value.
pub fn account_record_bytes(account_id: &AccountId) -> u64 {
    1 + id_len(account_id) + ACCOUNT_VALUE_BYTES + RECORD_OVERHEAD
}
/// An account's history record holding `checkpoints` checkpoints: prefix,
/// key, `exact_from`, the vector's length and 24 bytes (block and balance)
/// a checkpoint.
pub fn history_record_bytes(account_id: &AccountId, checkpoints: u64) -> u64 {
    1 + id_len(account_id) + 8 + 4 + 24 * checkpoints + RECORD_OVERHEAD
}
/// What a registration reserves out of the storage balance: the account
/// record and the largest history record the account can have.
pub fn registration_bytes(account_id: &AccountId) -> u64 {
    account_record_bytes(account_id) + history_record_bytes(account_id, CHECKPOINT_ALLOWANCE)
}
/// One vote: key (prefix, proposal id, voter), choice and weight.
pub fn vote_bytes(account_id: &AccountId) -> u64 {
    1 + 8 + id_len(account_id) + 17 + RECORD_OVERHEAD
}
/// A proposal record of `value_len` borsh bytes.
pub fn proposal_bytes(value_len: u64) -> u64 {
    1 + 8 + value_len + RECORD_OVERHEAD
}

/// The most checkpoints a history holds, which the registration minimum
/// pre-pays: one per pinned snapshot (`config::MAX_OPEN_PROPOSALS`) and
/// the newest two (`ledger`).
pub const CHECKPOINT_ALLOWANCE: u64 = 16;
const _: () = assert!(MAX_OPEN_PROPOSALS as u64 + 2 <= CHECKPOINT_ALLOWANCE);
/// The longest account id NEAR allows.
const MAX_ACCOUNT_ID_LEN: u64 = 64;
/// `storage_balance_bounds().min`: at least the reserve of the longest
/// account id (its account record and a history of
/// [`CHECKPOINT_ALLOWANCE`] checkpoints, 670 bytes, 0.0067 NEAR); the
/// rest (at least 0.0183 NEAR) pays for votes and proposals when no
/// deposit is attached. Minters attach the same amount to `mint`.
pub const STORAGE_DEPOSIT_MIN: NearToken = GOVERNANCE_MINT_DEPOSIT;
const _: () = {
    let id = 4 + MAX_ACCOUNT_ID_LEN;
    let reserve = (1 + id + ACCOUNT_VALUE_BYTES + RECORD_OVERHEAD)
        + (1 + id + 8 + 4 + 24 * CHECKPOINT_ALLOWANCE + RECORD_OVERHEAD);
    // 10^19 yoctoNEAR a byte, NEAR's storage price.
    assert!(reserve as u128 * 10_000_000_000_000_000_000 <= STORAGE_DEPOSIT_MIN.as_yoctonear());
};

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

/// The storage balance above the registration's reserve.
fn available(account_id: &AccountId, account: &Account) -> u128 {
    account
        .storage_balance
        .saturating_sub(cost(registration_bytes(account_id)))
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

    /// Registers `account_id` with `storage_balance` (at least the
    /// minimum). An account that unregistered left its history behind, its
    /// cost kept back from its refund: the new registration takes that
    /// amount over with the history.
    pub(crate) fn register(&mut self, account_id: &AccountId, storage_balance: u128) {
        let inherited = self.history_cost(account_id);
        let storage_balance = storage_balance
            .checked_add(inherited)
            .unwrap_or_else(|| env::abort());
        self.accounts.insert(
            account_id.clone(),
            Account {
                storage_balance,
                ..Account::default()
            },
        );
    }

    /// What the account's history record costs as it is now (0 without one).
    fn history_cost(&self, account_id: &AccountId) -> u128 {
        self.history(account_id)
            .map_or(0, |h| cost(history_record_bytes(account_id, h.len())))
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
    /// amount to top up (there is no maximum: the balance above the
    /// registration's reserve pays for votes and proposals). With
    /// `registration_only`, a new account gets exactly the minimum (plus
    /// what its history left behind, see `storage_unregister`) and the rest
    /// is refunded, and an existing one gets the whole deposit back. Gas: a
    /// few Tgas. Emits nothing.
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
    /// `force = true`, which burns the balance; refused while a proposal
    /// bond locks some of it (`E_META_LOCKED`). The account's (bounded)
    /// history stays, so open proposals' snapshots keep their weight: the
    /// refund keeps back the history record's cost (at most 0.00505 NEAR),
    /// which a later registration of the account gets back.
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
        if account.balance > 0 {
            require!(force.unwrap_or(false), ERR_UNREGISTER_BALANCE);
            // A bond is META the DAO holds the proposer to until the vote
            // ends: not burnt away to free a slot's price.
            require!(account.locked_in(env::epoch_height()) == 0, ERR_META_LOCKED);
            let supply = self
                .total_supply
                .checked_sub(account.balance)
                .unwrap_or_else(|| env::abort());
            self.set_balance(&account_id, 0);
            self.set_total_supply(supply);
            emit_burn(
                &account_id,
                account.balance,
                Some("storage_unregister".into()),
            );
        }
        // The reserve covers the history at any length it can have.
        let refund = account
            .storage_balance
            .saturating_sub(self.history_cost(&account_id));
        self.accounts.remove(&account_id);
        if refund > 0 {
            Promise::new(account_id)
                .transfer(NearToken::from_yoctonear(refund))
                .detach();
        }
        true
    }

    /// NEP-145: the minimum registers an account and pre-pays its bounded
    /// history for good; there is no maximum. View.
    pub fn storage_balance_bounds(&self) -> StorageBalanceBounds {
        StorageBalanceBounds {
            min: U128(STORAGE_DEPOSIT_MIN.as_yoctonear()),
            max: None,
        }
    }

    /// NEP-145: `total` is the NEAR held for the account's storage,
    /// `available` what it may withdraw (all but the reserve for its account
    /// record and its bounded history, `registration_bytes`). View; `null`
    /// for an unregistered account.
    pub fn storage_balance_of(&self, account_id: AccountId) -> Option<StorageBalance> {
        self.storage_balance(&account_id)
    }
}
