//! NEP-141 core and resolver. Implemented here rather than delegated to
//! near-contract-standards' `FungibleToken`, because a holder's balance and
//! its governance-token accrual live in one record: each side of a transfer
//! is then one read and one write, as in the standard token, and no path can
//! change a balance without settling the accrual first.

use meta_common::mirror::HolderChange;
use near_contract_standards::fungible_token::core::FungibleTokenCore;
use near_contract_standards::fungible_token::events::FtTransfer;
use near_contract_standards::fungible_token::receiver::ext_ft_receiver;
use near_contract_standards::fungible_token::resolver::{ext_ft_resolver, FungibleTokenResolver};
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, serde_json, AccountId, NearToken, PromiseOrValue};

use crate::errors::*;
use crate::gas::GAS_FOR_RESOLVE_TRANSFER;
use crate::{holder, SNear, SNearExt};

/// Longest JSON a receiver's `ft_on_transfer` can usefully return: a quoted
/// u128. Anything longer is not a valid answer and is not read.
const MAX_UNUSED_AMOUNT_LEN: usize = "\"340282366920938463463374607431768211455\"".len();

#[near]
impl FungibleTokenCore for SNear {
    /// Moves `amount` sNEAR from the caller to `receiver_id`, settling both
    /// holders' META accrual first (accrual stays with whoever earned it).
    ///
    /// Callable by any registered holder, with exactly 1 yoctoNEAR attached.
    /// The receiver must be registered (NEP-145). Gas: ~2 Tgas burnt. Emits
    /// `ft_transfer`.
    #[payable]
    fn ft_transfer(&mut self, receiver_id: AccountId, amount: U128, memo: Option<String>) {
        self.transfer_from_caller(&receiver_id, amount.0, memo.as_deref());
    }

    /// Moves `amount` to `receiver_id` as `ft_transfer` does, then calls
    /// `receiver_id.ft_on_transfer(sender_id, amount, msg)` with all
    /// remaining gas but 5 Tgas, and resolves in `ft_resolve_transfer`: the
    /// unused amount the receiver returns goes back to the sender.
    ///
    /// Callable by any registered holder, with exactly 1 yoctoNEAR attached.
    /// Gas: attach what the receiver needs plus ~15 Tgas. Emits
    /// `ft_transfer`, and `ft_transfer` (memo "refund") for a refund.
    /// Resolves to the amount the receiver kept.
    #[payable]
    fn ft_transfer_call(
        &mut self,
        receiver_id: AccountId,
        amount: U128,
        memo: Option<String>,
        msg: String,
    ) -> PromiseOrValue<U128> {
        let sender_id = self.transfer_from_caller(&receiver_id, amount.0, memo.as_deref());
        ext_ft_receiver::ext(receiver_id.clone())
            .with_unused_gas_weight(1)
            .ft_on_transfer(sender_id.clone(), amount, msg)
            .then(
                ext_ft_resolver::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_RESOLVE_TRANSFER)
                    .with_unused_gas_weight(0)
                    .ft_resolve_transfer(sender_id, receiver_id, amount),
            )
            .into()
    }

    /// All sNEAR in existence, in shares. View.
    fn ft_total_supply(&self) -> U128 {
        U128(self.total_supply)
    }

    /// The account's sNEAR; "0" for an unknown account. View.
    fn ft_balance_of(&self, account_id: AccountId) -> U128 {
        U128(holder::load(&account_id).map_or(0, |h| h.balance))
    }
}

#[near]
impl FungibleTokenResolver for SNear {
    /// Returns to the sender what the receiver of an `ft_transfer_call` did
    /// not use: the receiver's answer, capped at `amount` and at what the
    /// receiver still holds; all of `amount` when the receiver failed or
    /// answered something that is not a U128. Both holders are settled
    /// before their balances change. If the sender unregistered meanwhile,
    /// the refund stays with the receiver: sNEAR burns only on the router's
    /// `burn`, so its supply always matches the router's books.
    ///
    /// Private (the contract's own callback). Never panics, so a
    /// misbehaving receiver cannot keep a refund. Emits `ft_transfer` (memo
    /// "refund") when a refund moves. Returns the amount the receiver kept.
    #[private]
    fn ft_resolve_transfer(
        &mut self,
        sender_id: AccountId,
        receiver_id: AccountId,
        amount: U128,
    ) -> U128 {
        let amount = amount.0;
        // Not `#[callback_result]`: NEP-141 counts an unparsable answer as
        // "all unused", which a typed result would turn into a panic.
        let unused = env::promise_result_checked(0, MAX_UNUSED_AMOUNT_LEN)
            .ok()
            .and_then(|data| serde_json::from_slice::<U128>(&data).ok())
            .map_or(amount, |u| u.0.min(amount));
        let Some(mut receiver) = holder::load(&receiver_id) else {
            return U128(amount);
        };
        let refund = unused.min(receiver.balance);
        if refund == 0 {
            return U128(amount);
        }
        // Burning a refund nobody can take back would shrink the supply
        // behind the router's back; it stays with the receiver instead.
        let Some(mut sender) = holder::load(&sender_id) else {
            return U128(amount);
        };
        let index = self.reward_index();
        receiver.settle(index);
        receiver.balance -= refund;
        sender.settle(index);
        // Cannot overflow: both balances are parts of the supply.
        sender.balance += refund;
        holder::save(&receiver_id, &receiver);
        holder::save(&sender_id, &sender);
        self.notify(vec![
            (receiver_id.clone(), HolderChange::Balance(receiver.balance)),
            (sender_id.clone(), HolderChange::Balance(sender.balance)),
        ]);
        FtTransfer {
            old_owner_id: &receiver_id,
            new_owner_id: &sender_id,
            amount: U128(refund),
            memo: Some("refund"),
        }
        .emit();
        U128(amount - refund)
    }
}

impl SNear {
    /// The checks and the move shared by both transfer methods; returns the
    /// sender.
    fn transfer_from_caller(
        &mut self,
        receiver_id: &AccountId,
        amount: u128,
        memo: Option<&str>,
    ) -> AccountId {
        require!(
            env::attached_deposit() == NearToken::from_yoctonear(1),
            ERR_ONE_YOCTO
        );
        require!(amount > 0, ERR_ZERO_AMOUNT);
        let sender_id = env::predecessor_account_id();
        require!(sender_id != *receiver_id, ERR_SELF_TRANSFER);
        self.move_balance(&sender_id, receiver_id, amount);
        FtTransfer {
            old_owner_id: &sender_id,
            new_owner_id: receiver_id,
            amount: U128(amount),
            memo,
        }
        .emit();
        sender_id
    }
}
