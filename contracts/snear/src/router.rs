//! What only the router may do: mint on stake, burn on unstake, and push the
//! pool's totals and reward index.

use meta_common::mirror::HolderChange;
use meta_common::pool_state::PoolState;
use near_contract_standards::fungible_token::events::{FtBurn, FtMint};
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId, Promise};

use crate::errors::*;
use crate::events::SNearEvent;
use crate::holder::{self, Holder};
use crate::{SNear, SNearExt};

#[near]
impl SNear {
    /// Mints `amount` sNEAR to `account_id`, after settling its accrual, and
    /// returns the sNEAR minted.
    ///
    /// An unregistered account is registered first, its storage paid from
    /// the attached deposit (`storage_balance_bounds().min`; the router
    /// attaches `SNEAR_REGISTRATION_DEPOSIT`); whatever the registration
    /// does not use is refunded to the router. Who pays in the end:
    /// - with positive `registration_shares` (a liquid stake), the new holder: that
    ///   many of the `amount` shares are not minted (the router keeps their
    ///   NEAR in exchange for the deposit it advanced), so the record is the
    ///   holder's and unregistering refunds the holder; an account already
    ///   registered gets all `amount`;
    /// - with 0 (the treasury's fee shares), the router: the record
    ///   remembers it, and unregistering returns the deposit to the router.
    ///
    /// Fails, changing nothing, when a needed registration is not covered or
    /// `registration_shares` is not below `amount`.
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_MINT_BURN`. Emits `ft_mint`.
    #[payable]
    pub fn mint(&mut self, account_id: AccountId, amount: U128, registration_shares: U128) -> U128 {
        self.assert_router();
        crate::faults::check("mint");
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        let mut unused = env::attached_deposit();
        let mut minted = amount.0;
        let index = self.reward_index();
        let mut changes = Vec::with_capacity(2);
        let mut holder = match holder::load(&account_id) {
            Some(mut holder) => {
                holder.settle(index);
                holder
            }
            None => {
                changes.push((account_id.clone(), HolderChange::Registered));
                let cost = Self::registration_cost();
                require!(unused >= cost, ERR_STORAGE_DEPOSIT);
                unused = unused.saturating_sub(cost);
                if registration_shares.0 > 0 {
                    require!(
                        registration_shares.0 < amount.0,
                        ERR_REGISTRATION_EXCEEDS_MINT
                    );
                    minted -= registration_shares.0;
                    Holder::new(index)
                } else {
                    Holder::paid_by_router(index)
                }
            }
        };
        self.total_supply = self
            .total_supply
            .checked_add(minted)
            .unwrap_or_else(|| env::panic_str(ERR_BALANCE_OVERFLOW));
        // Cannot overflow: a balance is part of the supply checked above.
        holder.balance += minted;
        holder::save(&account_id, &holder);
        changes.push((account_id.clone(), HolderChange::Balance(holder.balance)));
        self.notify(changes);
        FtMint {
            owner_id: &account_id,
            amount: U128(minted),
            memo: None,
        }
        .emit();
        if !unused.is_zero() {
            Promise::new(env::predecessor_account_id())
                .transfer(unused)
                .detach();
        }
        U128(minted)
    }

    /// Burns `amount` of `account_id`'s sNEAR, after settling its accrual.
    /// Fails, changing nothing, for an unknown account or a short balance.
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_MINT_BURN`. Emits `ft_burn`.
    pub fn burn(&mut self, account_id: AccountId, amount: U128) {
        self.assert_router();
        crate::faults::check("burn");
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        let holder = self.settled_holder(&account_id, ERR_NOT_REGISTERED);
        self.burn_from(&account_id, holder, amount.0);
    }

    /// Burns `account_id`'s whole sNEAR balance, after settling its accrual,
    /// and returns the amount burnt: the router's `unstake_all` in one call,
    /// so no transfer can slip between reading the balance and burning it.
    /// Burns nothing and returns 0 for an unknown account or a balance below
    /// `min_amount` (the router's floor for dust that could not pay for the
    /// record an unstake creates).
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_MINT_BURN`. Emits `ft_burn`
    /// when it burns.
    pub fn burn_all(&mut self, account_id: AccountId, min_amount: U128) -> U128 {
        self.assert_router();
        // The same switch as `burn`: a test that breaks burns breaks both.
        crate::faults::check("burn");
        let Some(mut holder) = holder::load(&account_id) else {
            return U128(0);
        };
        holder.settle(self.reward_index());
        let amount = holder.balance;
        if amount == 0 || amount < min_amount.0 {
            return U128(0);
        }
        self.burn_from(&account_id, holder, amount);
        U128(amount)
    }

    /// Mirrors the router's totals (for the price views) and its reward
    /// index (for accrual). The index never moves back and the epoch never
    /// goes back; a push from the same epoch replaces the last one.
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_POOL_STATE`. Emits
    /// `pool_state_updated`.
    pub fn update_pool_state(&mut self, state: PoolState) {
        self.assert_router();
        crate::faults::check("update_pool_state");
        if let Some(last) = &self.pool_state {
            require!(
                state.reward_index.0 >= last.reward_index.0,
                ERR_INDEX_BACKWARDS
            );
            require!(state.epoch_height >= last.epoch_height, ERR_STALE_EPOCH);
        }
        SNearEvent::PoolStateUpdated {
            total_staked: state.total_staked,
            total_shares: state.total_shares,
            reward_index: state.reward_index,
            epoch_height: state.epoch_height,
            price: U128(state.price()),
        }
        .emit();
        self.pool_state = Some(state);
    }
}

impl SNear {
    /// Takes `amount` (at most the balance) from a settled `holder`, tells
    /// the router its new balance and emits `ft_burn`.
    fn burn_from(&mut self, account_id: &AccountId, mut holder: Holder, amount: u128) {
        holder.balance = holder
            .balance
            .checked_sub(amount)
            .unwrap_or_else(|| env::panic_str(ERR_INSUFFICIENT_BALANCE));
        holder::save(account_id, &holder);
        self.notify(vec![(
            account_id.clone(),
            HolderChange::Balance(holder.balance),
        )]);
        self.total_supply -= amount;
        FtBurn {
            owner_id: account_id,
            amount: U128(amount),
            memo: None,
        }
        .emit();
    }
}
