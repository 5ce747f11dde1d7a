//! Lockup accounts: shares the router keeps, pure bookkeeping, and the
//! owner's governance-token claim.
//!
//! Exactness, which lockups need: the price never falls below 1 (it starts
//! at 1 and never decreases), so for `x = get_account_staked_balance =
//! floor(s * T / S)` the shares an unstake of `x` spends, `ceil(x * S / T)`,
//! are exactly `s` (they are at most `s` since `x <= s*T/S`, and more than
//! `s - 1` since `x > s*T/S - 1` and `S/T <= 1`), and their value rounded
//! down is exactly `x`. So `unstake(staked_balance)` succeeds and leaves 0,
//! and after a withdrawal of the whole unstaked balance the record is
//! deleted and every balance view reads exactly 0.

use meta_common::ext::{ext_governance_token, GAS_FOR_GOVERNANCE_MINT, GOVERNANCE_MINT_DEPOSIT};
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId, NearToken, Promise, PromiseError};

use crate::account::Account;
use crate::epoch::{landed, RawResult};
use crate::errors::*;
use crate::events::{log_stake, log_unstake, Event, ShareLine};
use crate::gas::{GAS_LOCKUP_CLAIM, GAS_ON_LOCKUP_CLAIM};
use crate::{MetaPool, MetaPoolExt};

/// The lockup account id the core lockup factory gives `owner_id`'s lockup:
/// the first 40 hex digits of `sha256(owner_id)`, a dot, the lockup master
/// account (the router's lockup suffix).
pub fn lockup_account_id_for(owner_id: &AccountId, suffix: &str) -> String {
    let hash = env::sha256(owner_id.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in hash {
        hex.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        hex.push(char::from_digit((b & 0xf) as u32, 16).unwrap_or('0'));
    }
    format!("{}.{}", &hex[..40], suffix)
}

#[near]
impl MetaPool {
    /// Claims the META a lockup's shares accrued, for the lockup's owner.
    ///
    /// A lockup contract cannot call arbitrary methods, so its owner claims:
    /// the caller must be the account whose lockup id is
    /// `lockup_account_id` (`hex(sha256(caller))[0..40] + "." + suffix`,
    /// recomputed here, no call to the lockup). The META is minted to the
    /// caller.
    ///
    /// Payable: at least `GOVERNANCE_MINT_DEPOSIT` (0.025 NEAR), forwarded to
    /// the governance token for the mint's storage (it refunds the unused
    /// part to the caller). Needs 40 Tgas. Resolves to the META minted, or 0
    /// if the mint failed (the accrual is restored and the deposit
    /// refunded). Fails with `E_NOT_LOCKUP`, `E_NOT_LOCKUP_OWNER`,
    /// `E_CLAIM_DEPOSIT`, `E_NOTHING_TO_CLAIM`. Emits
    /// `lockup_claim_attempt`, then `lockup_claimed` or
    /// `lockup_claim_failed`.
    #[payable]
    pub fn claim_lockup_governance_tokens(&mut self, lockup_account_id: AccountId) -> Promise {
        self.advance_index();
        require!(self.is_lockup(&lockup_account_id), ERR_NOT_LOCKUP);
        let owner_id = env::predecessor_account_id();
        require!(
            lockup_account_id_for(&owner_id, &self.lockup_account_suffix)
                == lockup_account_id.as_str(),
            ERR_NOT_LOCKUP_OWNER
        );
        let deposit = env::attached_deposit();
        require!(deposit >= GOVERNANCE_MINT_DEPOSIT, ERR_CLAIM_DEPOSIT);
        Self::require_gas(GAS_LOCKUP_CLAIM);
        let mut account = self.account(&lockup_account_id);
        self.settle(&mut account);
        let amount = account.meta_unclaimed;
        require!(amount > 0, ERR_NOTHING_TO_CLAIM);
        account.meta_unclaimed = 0;
        self.save_account(&lockup_account_id, account);
        Event::LockupClaimAttempt {
            lockup_account_id: &lockup_account_id,
            owner_id: &owner_id,
            amount: U128(amount),
        }
        .emit();
        ext_governance_token::ext(self.governance_account_id.clone())
            .with_attached_deposit(deposit)
            .with_static_gas(GAS_FOR_GOVERNANCE_MINT)
            .mint(owner_id.clone(), U128(amount))
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_LOCKUP_CLAIM)
                    .on_lockup_claim(
                        lockup_account_id,
                        owner_id,
                        U128(amount),
                        U128(deposit.as_yoctonear()),
                    ),
            )
    }

    /// Callback of the claim's mint. Private; never panics. On failure the
    /// accrual is restored and the deposit (refunded to the router by the
    /// failed receipt) goes back to the owner. Returns the META minted.
    #[private]
    pub fn on_lockup_claim(
        &mut self,
        lockup_account_id: AccountId,
        owner_id: AccountId,
        amount: U128,
        deposit: U128,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> U128 {
        if landed(&result) {
            Event::LockupClaimed {
                lockup_account_id: &lockup_account_id,
                owner_id: &owner_id,
                amount,
            }
            .emit();
            return amount;
        }
        let mut account = self.account(&lockup_account_id);
        account.meta_unclaimed = account.meta_unclaimed.saturating_add(amount.0);
        self.save_account_unchecked(&lockup_account_id, account);
        if deposit.0 > 0 {
            Promise::new(owner_id.clone())
                .transfer(NearToken::from_yoctonear(deposit.0))
                .detach();
        }
        Event::LockupClaimFailed {
            lockup_account_id: &lockup_account_id,
            owner_id: &owner_id,
            amount,
        }
        .emit();
        U128(0)
    }
}

impl MetaPool {
    /// Books a lockup stake (the NEAR and shares are already in the totals):
    /// the shares are the lockup's, after settling its accrual.
    pub(crate) fn lockup_stake(
        &mut self,
        account_id: &AccountId,
        mut account: Account,
        amount: u128,
        shares: u128,
    ) {
        self.settle(&mut account);
        account.shares += shares;
        self.books.lockup_shares += shares;
        let line = ShareLine {
            account_id,
            amount,
            shares,
            unstaked: account.unstaked,
            account_shares: account.shares,
            total_staked: self.books.total_staked,
            total_shares: self.books.total_shares,
        };
        log_stake(&line);
        self.save_account(account_id, account);
        Event::Stake {
            account_id,
            amount: U128(amount),
            shares: U128(shares),
            lockup: true,
        }
        .emit();
    }

    /// Unstakes `amount` for a lockup; returns the NEAR credited.
    pub(crate) fn lockup_unstake(&mut self, account_id: &AccountId, amount: u128) -> u128 {
        require!(amount > 0, ERR_ZERO_AMOUNT);
        let shares = self
            .books
            .shares_for_unstake(amount)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_ENOUGH_STAKED));
        let account = self.account(account_id);
        require!(
            shares > 0 && shares <= account.shares,
            ERR_NOT_ENOUGH_STAKED
        );
        self.lockup_unstake_shares(account_id, account, shares)
    }

    /// Unstakes all of a lockup's shares; returns the NEAR credited.
    pub(crate) fn lockup_unstake_all(&mut self, account_id: &AccountId) -> u128 {
        let account = self.account(account_id);
        require!(account.shares > 0, ERR_ZERO_AMOUNT);
        let shares = account.shares;
        self.lockup_unstake_shares(account_id, account, shares)
    }

    fn lockup_unstake_shares(
        &mut self,
        account_id: &AccountId,
        mut account: Account,
        shares: u128,
    ) -> u128 {
        self.settle(&mut account);
        let credit = self.books.remove_shares(shares);
        self.books.lockup_shares -= shares;
        account.shares -= shares;
        self.credit_claim(&mut account, credit);
        let available_epoch = account.available_epoch;
        let line = ShareLine {
            account_id,
            amount: credit,
            shares,
            unstaked: account.unstaked,
            account_shares: account.shares,
            total_staked: self.books.total_staked,
            total_shares: self.books.total_shares,
        };
        log_unstake(&line);
        self.save_account(account_id, account);
        Event::Unstake {
            account_id,
            amount: U128(credit),
            shares: U128(shares),
            unstaked_available_epoch: available_epoch,
            lockup: true,
        }
        .emit();
        credit
    }
}
