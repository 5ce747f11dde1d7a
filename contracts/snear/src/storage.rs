//! NEP-145 storage management. Every holder costs the same fixed storage
//! (`HOLDER_STORAGE_BYTES`), so the bounds' minimum and maximum are equal and
//! nothing is ever available to withdraw.
//!
//! Whoever paid a record gets its deposit back when it is removed: the
//! holder for a `storage_deposit` registration, the router for one its
//! `mint` paid (the record's `router_paid` flag). Nothing else releases a
//! deposit: a deposit for an account already registered is refunded whole
//! and changes nothing, and `storage_withdraw` pays out nothing.

use meta_common::mirror::HolderChange;
use near_contract_standards::storage_management::{
    StorageBalance, StorageBalanceBounds, StorageManagement,
};
use near_sdk::{env, log, near, require, AccountId, NearToken, Promise};

use crate::errors::*;
use crate::holder::{self, Holder};
use crate::{SNear, SNearExt};

#[near]
impl StorageManagement for SNear {
    /// Registers `account_id` (default: the caller) as a holder. The
    /// attached deposit must cover `storage_balance_bounds().min`; the rest,
    /// or all of it when the account is already registered, goes back to
    /// the caller. The record is the account's own: unregistering returns
    /// the deposit to it. An account the router registered stays
    /// router-paid (there is nothing to top up: min = max).
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
        let cost = Self::registration_cost();
        let refund = if holder::load(&account_id).is_some() {
            log!("The account is already registered, refunding the deposit");
            deposit
        } else {
            require!(deposit >= cost, ERR_STORAGE_DEPOSIT);
            holder::save(&account_id, &Holder::new(self.reward_index()));
            self.notify(vec![(account_id.clone(), HolderChange::Registered)]);
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
    /// record, whoever paid it. Returns the caller's storage balance;
    /// `amount` above zero is refused.
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

    /// Removes the caller's record and releases its storage deposit: to the
    /// router when the router paid it (a `mint` registered the account), so
    /// nobody can cash a registration the router's reserve paid for; to the
    /// caller, with the attached 1 yoctoNEAR, when it was paid through
    /// `storage_deposit`. (The 1 yoctoNEAR of a router-paid record stays
    /// with sNEAR, as a transfer's does.) Refused while the caller holds
    /// sNEAR, `force` or not: burning it would shrink the supply behind the
    /// router's back, so a holder unstakes through the router or transfers
    /// first. Refused too while META is unclaimed or a claim is in flight,
    /// so unregistering never drops governance tokens. Returns `false` for
    /// an unknown account.
    ///
    /// Callable by the holder itself, with exactly 1 yoctoNEAR attached.
    /// Gas: ~3 Tgas. Emits nothing.
    #[payable]
    fn storage_unregister(&mut self, force: Option<bool>) -> bool {
        // NEP-145 lets a contract refuse `force`; sNEAR never burns here.
        let _ = force;
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
        require!(holder.balance == 0, ERR_POSITIVE_BALANCE);
        holder::remove(&account_id);
        let cost = Self::holder_storage_cost();
        let (payee, amount) = if holder.router_paid {
            (self.router_account_id.clone(), cost)
        } else {
            (
                account_id.clone(),
                cost.saturating_add(NearToken::from_yoctonear(1)),
            )
        };
        // The router returns its record's deposit to the same payee.
        self.notify(vec![(
            account_id,
            HolderChange::Removed {
                refund_to: payee.clone(),
            },
        )]);
        Promise::new(payee).transfer(amount).detach();
        true
    }

    /// Both bounds are the storage of one holder. View.
    fn storage_balance_bounds(&self) -> StorageBalanceBounds {
        let cost = Self::registration_cost();
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
            total: Self::registration_cost(),
            available: NearToken::from_yoctonear(0),
        }
    }
}
