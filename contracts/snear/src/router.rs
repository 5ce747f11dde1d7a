//! What only the router may do: mint on stake, burn on unstake, and push the
//! pool's totals and reward index.

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
    /// Mints `amount` sNEAR to `account_id`, after settling its accrual.
    /// An unregistered account is registered first, paid from the attached
    /// deposit (`storage_balance_bounds().min`; the router attaches
    /// `SNEAR_REGISTRATION_DEPOSIT`); whatever the registration does not use
    /// is refunded to the router. The record remembers that the router paid:
    /// unregistering returns that deposit to the router, never to the holder.
    /// Fails, changing nothing, when a needed registration is not covered.
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_MINT_BURN`. Emits `ft_mint`.
    #[payable]
    pub fn mint(&mut self, account_id: AccountId, amount: U128) {
        self.assert_router();
        crate::faults::check("mint");
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        let mut unused = env::attached_deposit();
        let index = self.reward_index();
        let mut holder = match holder::load(&account_id) {
            Some(mut holder) => {
                holder.settle(index);
                holder
            }
            None => {
                let cost = Self::holder_storage_cost();
                require!(unused >= cost, ERR_STORAGE_DEPOSIT);
                unused = unused.saturating_sub(cost);
                Holder::paid_by_router(index)
            }
        };
        self.total_supply = self
            .total_supply
            .checked_add(amount.0)
            .unwrap_or_else(|| env::panic_str(ERR_BALANCE_OVERFLOW));
        // Cannot overflow: a balance is part of the supply checked above.
        holder.balance += amount.0;
        holder::save(&account_id, &holder);
        FtMint {
            owner_id: &account_id,
            amount,
            memo: None,
        }
        .emit();
        if !unused.is_zero() {
            Promise::new(env::predecessor_account_id())
                .transfer(unused)
                .detach();
        }
    }

    /// Burns `amount` of `account_id`'s sNEAR, after settling its accrual.
    /// Fails, changing nothing, for an unknown account or a short balance.
    ///
    /// Router only. Gas: within `GAS_FOR_SNEAR_MINT_BURN`. Emits `ft_burn`.
    pub fn burn(&mut self, account_id: AccountId, amount: U128) {
        self.assert_router();
        crate::faults::check("burn");
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        let mut holder = self.settled_holder(&account_id, ERR_NOT_REGISTERED);
        holder.balance = holder
            .balance
            .checked_sub(amount.0)
            .unwrap_or_else(|| env::panic_str(ERR_INSUFFICIENT_BALANCE));
        holder::save(&account_id, &holder);
        self.total_supply -= amount.0;
        FtBurn {
            owner_id: &account_id,
            amount,
            memo: None,
        }
        .emit();
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
