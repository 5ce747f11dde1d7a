//! Router-held account records and the bookkeeping every account flow shares:
//! deposits, withdrawals, claims, and funding a stake from an unstaked
//! balance.

use meta_common::pool_state::accrued_reward;
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId, NearToken, Promise};

use crate::config::{ACCOUNT_RECORD_COST, MIN_FIRST_DEPOSIT, UNSTAKE_WAIT_EPOCHS};
use crate::errors::*;
use crate::events::{log_deposit, log_withdraw, Event};
use crate::MetaPool;

/// What the router holds for one account.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// NEAR deposited or unstaked, not yet staked or withdrawn.
    pub unstaked: u128,
    /// First epoch at which `unstaked` may be withdrawn.
    pub available_epoch: u64,
    /// Shares the router keeps for a lockup account (always 0 for liquid
    /// accounts, whose shares are their sNEAR).
    pub shares: u128,
    /// Reward index at the lockup's last settlement.
    pub reward_index: u128,
    /// META accrued by the lockup's shares and not yet claimed.
    pub meta_unclaimed: u128,
}

impl Account {
    fn is_empty(&self) -> bool {
        self.unstaked == 0 && self.shares == 0 && self.meta_unclaimed == 0
    }
}

impl MetaPool {
    /// The account's record, or an empty one.
    pub(crate) fn account(&self, account_id: &AccountId) -> Account {
        self.accounts.get(account_id).cloned().unwrap_or_default()
    }

    /// Stores the record, deleting it when empty so no storage is kept for
    /// nothing. A new lockup record must be payable from the router's own
    /// funds (lockups are made only by the lockup factory, so they cannot be
    /// swarmed, and their balances must be exact); a liquid account pays for
    /// its own record where the call creates it (`internal_deposit`,
    /// `on_burn`).
    pub(crate) fn save_account(&mut self, account_id: &AccountId, account: Account) {
        if account.is_empty() {
            self.accounts.remove(account_id);
            return;
        }
        if !self.accounts.contains_key(account_id) && self.is_lockup(account_id) {
            self.require_own_funds(0);
        }
        self.accounts.insert(account_id.clone(), account);
    }

    /// As `save_account`, for callbacks, which must not panic: a record they
    /// restore is stored even when the reserve is low.
    pub(crate) fn save_account_unchecked(&mut self, account_id: &AccountId, account: Account) {
        if account.is_empty() {
            self.accounts.remove(account_id);
        } else {
            self.accounts.insert(account_id.clone(), account);
        }
    }

    /// Settles a lockup's META accrual at the current index, before its
    /// shares change or it claims.
    pub(crate) fn settle(&self, account: &mut Account) {
        let earned = accrued_reward(account.shares, account.reward_index, self.reward_index);
        account.meta_unclaimed = account.meta_unclaimed.saturating_add(earned);
        account.reward_index = self.reward_index;
    }

    /// Credits attached NEAR to the predecessor's unstaked balance, held in
    /// the reserve. The availability epoch does not move: NEAR deposited by an
    /// account that is waiting on an unstake waits with it, as in the core
    /// pool.
    ///
    /// A liquid account's first `deposit` (`staked_at_once` false: the record
    /// outlives the call) pays its record's storage, `ACCOUNT_RECORD_COST`,
    /// out of the deposit: that part stays with the router's own funds and
    /// the rest is credited. `deposit_and_stake` stakes the deposit in the
    /// same call, so no record stays and nothing is charged.
    pub(crate) fn internal_deposit(
        &mut self,
        account_id: &AccountId,
        amount: u128,
        staked_at_once: bool,
    ) -> u128 {
        require!(amount > 0, ERR_ZERO_AMOUNT);
        let new = !self.accounts.contains_key(account_id);
        require!(
            amount >= MIN_FIRST_DEPOSIT || !new,
            ERR_FIRST_DEPOSIT_TOO_SMALL
        );
        let record_fee = if new && !staked_at_once && !self.is_lockup(account_id) {
            ACCOUNT_RECORD_COST
        } else {
            0
        };
        let amount = amount - record_fee;
        let mut account = self.account(account_id);
        account.unstaked += amount;
        let unstaked = account.unstaked;
        self.books.credit_deposit(amount);
        if record_fee > 0 {
            Event::StoragePaid {
                account_id,
                amount: U128(record_fee),
                shares: U128(0),
                storage: "router_record",
            }
            .emit();
        }
        self.save_account(account_id, account);
        log_deposit(account_id, amount, unstaked);
        Event::Deposit {
            account_id,
            amount: U128(amount),
            unstaked_balance: U128(unstaked),
        }
        .emit();
        amount
    }

    /// Pays `amount` of the predecessor's unstaked balance, once available
    /// and held by the reserve.
    pub(crate) fn internal_withdraw(&mut self, account_id: &AccountId, amount: u128) {
        require!(amount > 0, ERR_ZERO_AMOUNT);
        let mut account = self.account(account_id);
        require!(account.unstaked >= amount, ERR_NOT_ENOUGH_UNSTAKED);
        require!(
            account.available_epoch <= env::epoch_height(),
            ERR_NOT_AVAILABLE
        );
        require!(self.books.reserve >= amount, ERR_RESERVE_SHORT);
        account.unstaked -= amount;
        let unstaked = account.unstaked;
        self.books.pay_withdrawal(amount);
        self.save_account(account_id, account);
        log_withdraw(account_id, amount, unstaked);
        Event::Withdraw {
            account_id,
            amount: U128(amount),
            unstaked_balance: U128(unstaked),
        }
        .emit();
        Promise::new(account_id.clone())
            .transfer(NearToken::from_yoctonear(amount))
            .detach();
    }

    /// Credits `amount` of unstaked NEAR still staked at validators to the
    /// account, available `UNSTAKE_WAIT_EPOCHS` from now (the whole unstaked
    /// balance waits, as in the core pool).
    pub(crate) fn credit_claim(&mut self, account: &mut Account, amount: u128) {
        account.unstaked += amount;
        account.available_epoch = env::epoch_height() + UNSTAKE_WAIT_EPOCHS;
        self.books.credit_unstaked_claim(amount);
    }
}
