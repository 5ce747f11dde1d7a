//! NEP-145 storage management. Every holder costs the same fixed storage
//! (`HOLDER_STORAGE_BYTES`), so the bounds' minimum and maximum are equal and
//! nothing is ever available to withdraw.

use near_contract_standards::fungible_token::events::FtBurn;
use near_contract_standards::storage_management::{
    StorageBalance, StorageBalanceBounds, StorageManagement,
};
use near_sdk::json_types::U128;
use near_sdk::{env, log, near, require, AccountId, NearToken, Promise};

use crate::errors::*;
use crate::holder::{self, Holder};
use crate::{SNear, SNearExt};

#[near]
impl StorageManagement for SNear {
    /// Registers `account_id` (default: the caller) as a holder. The
    /// attached deposit must cover `storage_balance_bounds().min`; the rest,
    /// or all of it when the account is already registered, goes back to
    /// the caller.
    ///
    /// Callable by anyone. Gas: ~3 Tgas. Emits nothing (a new holder has no
    /// balance yet).
    #[payable]
    fn storage_deposit(
        &mut self,
        account_id: Option<AccountId>,
        registration_only: Option<bool>,
    ) -> StorageBalance {
        // With min == max there is nothing beyond registration to deposit.
        let _ = registration_only;
        let deposit = env::attached_deposit();
        let account_id = account_id.unwrap_or_else(env::predecessor_account_id);
        let cost = Self::holder_storage_cost();
        let refund = if holder::load(&account_id).is_some() {
            log!("The account is already registered, refunding the deposit");
            deposit
        } else {
            require!(deposit >= cost, ERR_STORAGE_DEPOSIT);
            holder::save(&account_id, &Holder::new(self.reward_index()));
            deposit.saturating_sub(cost)
        };
        if !refund.is_zero() {
            Promise::new(env::predecessor_account_id())
                .transfer(refund)
                .detach();
        }
        Self::registered_balance()
    }

    /// Withdraws nothing: the whole storage balance pays for the holder's
    /// record. Returns the caller's storage balance; `amount` above zero is
    /// refused.
    ///
    /// Callable by a registered account, with exactly 1 yoctoNEAR attached.
    #[payable]
    fn storage_withdraw(&mut self, amount: Option<NearToken>) -> StorageBalance {
        require!(
            env::attached_deposit() == NearToken::from_yoctonear(1),
            ERR_ONE_YOCTO
        );
        require!(
            holder::load(&env::predecessor_account_id()).is_some(),
            ERR_NOT_REGISTERED
        );
        require!(amount.is_none_or(|a| a.is_zero()), ERR_STORAGE_WITHDRAW);
        Self::registered_balance()
    }

    /// Removes the caller's record and returns its storage deposit (plus the
    /// 1 yoctoNEAR attached) to the caller. A holder with sNEAR must pass
    /// `force: true`, which burns it. Refused while META is unclaimed or a
    /// claim is in flight, so unregistering never drops governance tokens.
    /// Returns `false` for an unknown account.
    ///
    /// Callable by the holder itself, with exactly 1 yoctoNEAR attached.
    /// Gas: ~3 Tgas. Emits `ft_burn` (memo "storage_unregister") when a
    /// balance is burnt.
    #[payable]
    fn storage_unregister(&mut self, force: Option<bool>) -> bool {
        require!(
            env::attached_deposit() == NearToken::from_yoctonear(1),
            ERR_ONE_YOCTO
        );
        let account_id = env::predecessor_account_id();
        let Some(holder) = holder::load(&account_id) else {
            log!("The account {} is not registered", account_id);
            return false;
        };
        require!(!holder.claiming, ERR_CLAIM_IN_FLIGHT);
        require!(
            holder.unclaimed_at(self.reward_index()) == 0,
            ERR_UNCLAIMED_GOVERNANCE_TOKENS
        );
        let balance = holder.balance;
        require!(balance == 0 || force == Some(true), ERR_POSITIVE_BALANCE);
        holder::remove(&account_id);
        if balance > 0 {
            self.total_supply -= balance;
            FtBurn {
                owner_id: &account_id,
                amount: U128(balance),
                memo: Some("storage_unregister"),
            }
            .emit();
        }
        Promise::new(account_id)
            .transfer(Self::holder_storage_cost().saturating_add(NearToken::from_yoctonear(1)))
            .detach();
        true
    }

    /// Both bounds are the storage of one holder. View.
    fn storage_balance_bounds(&self) -> StorageBalanceBounds {
        let cost = Self::holder_storage_cost();
        StorageBalanceBounds {
            min: cost,
            max: Some(cost),
        }
    }

    /// The account's storage balance, `null` for an unknown account. View.
    fn storage_balance_of(&self, account_id: AccountId) -> Option<StorageBalance> {
        holder::load(&account_id).map(|_| Self::registered_balance())
    }
}

impl SNear {
    fn registered_balance() -> StorageBalance {
        StorageBalance {
            total: Self::holder_storage_cost(),
            available: NearToken::from_yoctonear(0),
        }
    }
}
