//! The core staking pool's mutating interface: same names, arguments and
//! JSON types, so wallets and lockup contracts use the router unchanged.
//!
//! Each method serves two kinds of caller:
//! - a lockup account (id ends with `.` + the lockup suffix): pure
//!   bookkeeping, no cross-contract call, within the 40 Tgas (`deposit`) and
//!   60 Tgas (all others) old lockups attach; see `lockup`;
//! - any other (liquid) account: stakes mint sNEAR and unstakes burn it, by
//!   cross-contract calls whose callbacks commit or roll back; see `liquid`.

use near_sdk::json_types::U128;
use near_sdk::{env, near, PromiseOrValue};

use crate::errors::*;
use crate::gas::{GAS_LIQUID_STAKE, GAS_LIQUID_UNSTAKE, GAS_LIQUID_UNSTAKE_ALL};
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Credits the attached NEAR to the caller's unstaked balance held by
    /// the router (withdrawable at once unless an unstake of the caller is
    /// still waiting). A liquid account without a record pays the record's
    /// storage (`ACCOUNT_RECORD_COST`, 1.81 mNEAR) out of this deposit, once.
    ///
    /// Anyone; payable (positive deposit; 0.1 NEAR at least for a first one). Gas: bookkeeping only, well within
    /// 40 Tgas. Refused while staking is paused (`E_STAKING_PAUSED`, see
    /// `pause`). Logs the core pool's deposit line; emits `deposit`.
    #[payable]
    pub fn deposit(&mut self) {
        self.require_staking_open();
        self.advance_index();
        let account_id = env::predecessor_account_id();
        self.internal_deposit(&account_id, env::attached_deposit().as_yoctonear(), false);
    }

    /// Deposits the attached NEAR and stakes all of it.
    ///
    /// Anyone; payable (positive deposit). Lockups: bookkeeping, within 60
    /// Tgas, returns 0 (no sNEAR). Liquid: needs 40 Tgas; mints sNEAR and
    /// resolves to the sNEAR minted, or 0 if the mint failed (the NEAR then
    /// stays in the caller's unstaked balance). Logs the core pool's deposit
    /// and stake lines (liquid: the stake lines when the mint lands); emits
    /// `deposit` and `stake` (liquid: `mint_attempt`, then `stake` or
    /// `mint_failed`). Refused while staking is paused (`E_STAKING_PAUSED`;
    /// the deposit is refunded with the failed call).
    #[payable]
    pub fn deposit_and_stake(&mut self) -> PromiseOrValue<U128> {
        self.require_staking_open();
        self.advance_index();
        let account_id = env::predecessor_account_id();
        let amount = env::attached_deposit().as_yoctonear();
        if !self.is_lockup(&account_id) {
            Self::require_gas(GAS_LIQUID_STAKE);
        }
        self.internal_deposit(&account_id, amount, true);
        self.internal_stake(account_id, amount)
    }

    /// Stakes `amount` of the caller's unstaked balance.
    ///
    /// Anyone. Same gas, return value, logs and events as
    /// `deposit_and_stake`. Fails with `E_ZERO_AMOUNT`,
    /// `E_NOT_ENOUGH_UNSTAKED`, `E_STAKE_TOO_SMALL` or, while staking is
    /// paused, `E_STAKING_PAUSED` (the unstaked balance stays withdrawable).
    pub fn stake(&mut self, amount: U128) -> PromiseOrValue<U128> {
        self.require_staking_open();
        self.advance_index();
        let account_id = env::predecessor_account_id();
        if !self.is_lockup(&account_id) {
            Self::require_gas(GAS_LIQUID_STAKE);
        }
        self.internal_stake(account_id, amount.0)
    }

    /// Stakes the caller's whole unstaked balance; as `stake`
    /// (`E_STAKING_PAUSED` while staking is paused).
    pub fn stake_all(&mut self) -> PromiseOrValue<U128> {
        self.require_staking_open();
        self.advance_index();
        let account_id = env::predecessor_account_id();
        if !self.is_lockup(&account_id) {
            Self::require_gas(GAS_LIQUID_STAKE);
        }
        let amount = self.account(&account_id).unstaked;
        self.internal_stake(account_id, amount)
    }

    /// Unstakes `amount`: spends shares worth at least `amount` (rounded up)
    /// and credits their value (rounded down, so at least `amount`) to the
    /// caller's unstaked balance, available `UNSTAKE_WAIT_EPOCHS` (5) epochs
    /// later.
    ///
    /// Anyone. Lockups: bookkeeping within 60 Tgas, spends router-held
    /// shares, returns the NEAR credited; `E_NOT_ENOUGH_STAKED` if short.
    /// Liquid: needs 40 Tgas; burns the caller's sNEAR and resolves to the
    /// NEAR credited once the burn landed, or 0 if it failed (nothing
    /// changes). Logs the core pool's unstake lines; emits `unstake`
    /// (liquid: `burn_attempt`, then `unstake` or `burn_failed`).
    pub fn unstake(&mut self, amount: U128) -> PromiseOrValue<U128> {
        self.advance_index();
        let account_id = env::predecessor_account_id();
        if self.is_lockup(&account_id) {
            PromiseOrValue::Value(U128(self.lockup_unstake(&account_id, amount.0)))
        } else {
            Self::require_gas(GAS_LIQUID_UNSTAKE);
            self.liquid_unstake(account_id, amount.0).into()
        }
    }

    /// Unstakes everything the caller has staked; as `unstake`.
    ///
    /// Lockups: spends all router-held shares (`E_ZERO_AMOUNT` if none), so
    /// the staked balance becomes exactly 0. Liquid: needs 45 Tgas, as
    /// `unstake`; one `burn_all` on sNEAR burns the caller's whole balance
    /// as it is when the burn runs and the callback credits its value
    /// (resolves to 0 for a zero balance, or for dust worth no more than a
    /// router record, 2.62 mNEAR, which stays sNEAR). Emits
    /// `burn_all_attempt`, then `unstake` or `burn_failed`.
    pub fn unstake_all(&mut self) -> PromiseOrValue<U128> {
        self.advance_index();
        let account_id = env::predecessor_account_id();
        if self.is_lockup(&account_id) {
            PromiseOrValue::Value(U128(self.lockup_unstake_all(&account_id)))
        } else {
            Self::require_gas(GAS_LIQUID_UNSTAKE_ALL);
            self.liquid_unstake_all(account_id).into()
        }
    }

    /// Withdraws `amount` of the caller's unstaked balance.
    ///
    /// Anyone; bookkeeping plus one transfer, within 60 Tgas. Fails with
    /// `E_ZERO_AMOUNT`, `E_NOT_ENOUGH_UNSTAKED`, `E_NOT_AVAILABLE` (still in
    /// the unstake wait) or `E_RESERVE_SHORT` (the keeper has not collected
    /// the NEAR yet; `is_account_unstaked_balance_available` is false then).
    /// Logs the core pool's withdrawal line; emits `withdraw`.
    pub fn withdraw(&mut self, amount: U128) {
        self.advance_index();
        let account_id = env::predecessor_account_id();
        self.internal_withdraw(&account_id, amount.0);
    }

    /// Withdraws the caller's whole unstaked balance; as `withdraw`
    /// (`E_ZERO_AMOUNT` when it is 0, as the core pool refuses).
    pub fn withdraw_all(&mut self) {
        self.advance_index();
        let account_id = env::predecessor_account_id();
        let amount = self.account(&account_id).unstaked;
        self.internal_withdraw(&account_id, amount);
    }

    /// Brings the router's epoch bookkeeping (the governance-token index) up
    /// to date. Validator rewards are collected by `epoch_sync`, not here.
    ///
    /// Anyone; bookkeeping only. Emits `reward_index_advanced` when the index
    /// moves.
    pub fn ping(&mut self) {
        self.advance_index();
    }
}

impl MetaPool {
    /// Stakes `amount` of the account's unstaked balance: shares rounded
    /// down at the current price, the whole amount added to the pool.
    /// Callers check the staking pause first (`require_staking_open`).
    pub(crate) fn internal_stake(
        &mut self,
        account_id: near_sdk::AccountId,
        amount: u128,
    ) -> PromiseOrValue<U128> {
        near_sdk::require!(amount > 0, ERR_ZERO_AMOUNT);
        let mut account = self.account(&account_id);
        near_sdk::require!(account.unstaked >= amount, ERR_NOT_ENOUGH_UNSTAKED);
        let shares = self
            .books
            .add_stake(amount)
            .unwrap_or_else(|e| env::panic_str(e));
        let available = account.available_epoch <= env::epoch_height();
        let draws = self.fund_stake_from_claims(amount, available);
        account.unstaked -= amount;
        if self.is_lockup(&account_id) {
            self.lockup_stake(&account_id, account, amount, shares);
            PromiseOrValue::Value(U128(0))
        } else {
            self.save_account(&account_id, account);
            self.liquid_mint(account_id, amount, shares, draws).into()
        }
    }
}
