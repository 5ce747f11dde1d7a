//! NEP-141 (with NEP-297 events), NEP-148 metadata, and minting.
//!
//! Behaviour follows NEP-141 exactly (1 yoctoNEAR on transfers, refunds in
//! `ft_resolve_transfer`, burning a refund whose sender unregistered); the
//! only addition is that every balance change is checkpointed in the
//! account's bounded history (`ledger`), which its registration pre-paid
//! (`storage`): no transfer, receipt, mint or burn costs storage.

use meta_common::actions::{META_DECIMALS, META_TOTAL_SUPPLY_CAP};
use near_sdk::json_types::{Base64VecU8, U128};
use near_sdk::{env, ext_contract, near, require, AccountId, PromiseOrValue};

use crate::errors::*;
use crate::events::{emit_burn, emit_mint, emit_transfer};
use crate::gas::{FT_TRANSFER_CALL_OWN_WORK, GAS_FOR_FT_TRANSFER_CALL, GAS_FOR_RESOLVE_TRANSFER};
use crate::storage::{Payment, STORAGE_DEPOSIT_MIN};
use crate::{require_one_yocto, Governance, GovernanceExt};

/// NEP-148 metadata.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FungibleTokenMetadata {
    pub spec: String,
    pub name: String,
    pub symbol: String,
    pub icon: Option<String>,
    pub reference: Option<String>,
    pub reference_hash: Option<Base64VecU8>,
    pub decimals: u8,
}

pub const FT_METADATA_SPEC: &str = "ft-1.0.0";
pub const TOKEN_NAME: &str = "Meta Staking Governance";
pub const TOKEN_SYMBOL: &str = "META";
/// NEP-148 icon: an inline SVG (a gold "M" on a navy disc, 32x32), as a
/// data URL with the SVG percent-encoded, 311 bytes.
pub const TOKEN_ICON: &str = concat!(
    "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20viewBox='0%200%2032%2032'%3E",
    "%3Ccircle%20cx='16'%20cy='16'%20r='16'%20fill='%2314213d'/%3E",
    "%3Cpath%20d='M8%2023V9l8%209%208-9v14'%20fill='none'%20stroke='%23fca311'%20stroke-width='3'",
    "%20stroke-linecap='round'%20stroke-linejoin='round'/%3E%3C/svg%3E",
);

/// Longest JSON of a `U128`: 39 digits and two quotes, with some slack.
const MAX_U128_JSON_LEN: usize = 48;

/// The receiver side of `ft_transfer_call` (NEP-141).
#[ext_contract(ext_ft_receiver)]
pub trait FungibleTokenReceiver {
    fn ft_on_transfer(
        &mut self,
        sender_id: AccountId,
        amount: U128,
        msg: String,
    ) -> PromiseOrValue<U128>;
}

impl Governance {
    /// Moves `amount` and checkpoints both sides (pre-paid histories).
    fn transfer(
        &mut self,
        sender: &AccountId,
        receiver: &AccountId,
        amount: u128,
        memo: Option<String>,
    ) {
        require!(sender != receiver, ERR_SELF_TRANSFER);
        require!(amount > 0, ERR_ZERO_AMOUNT);
        let sender_account = self
            .accounts
            .get(sender)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_REGISTERED));
        let from = sender_account.balance;
        require!(from >= amount, ERR_INSUFFICIENT_BALANCE);
        require!(
            sender_account.unlocked_in(env::epoch_height()) >= amount,
            ERR_META_LOCKED
        );
        let to = self
            .accounts
            .get(receiver)
            .unwrap_or_else(|| env::panic_str(ERR_RECEIVER_NOT_REGISTERED))
            .balance;
        // The receiver's balance is at most the supply, below the cap.
        let to = to.checked_add(amount).unwrap_or_else(|| env::abort());
        self.set_balance(sender, from - amount);
        self.set_balance(receiver, to);
        emit_transfer(sender, receiver, amount, memo);
    }
}

#[near]
impl Governance {
    /// NEP-141 transfer. Caller: a holder, with exactly 1 yoctoNEAR attached.
    /// The receiver must be registered. META its open proposals' bonds lock
    /// cannot be sent (`E_META_LOCKED`, `get_locked_balance`). Costs no
    /// storage: both accounts' histories are bounded and pre-paid by their
    /// registrations, so a holder registered at the minimum transfers any
    /// number of times.
    /// Gas: ~5 Tgas. Emits `ft_transfer`.
    #[payable]
    pub fn ft_transfer(&mut self, receiver_id: AccountId, amount: U128, memo: Option<String>) {
        require_one_yocto();
        self.transfer(&env::predecessor_account_id(), &receiver_id, amount.0, memo);
    }

    /// NEP-141 transfer and call. As `ft_transfer` (no storage cost), then
    /// calls the receiver's `ft_on_transfer` and refunds what it returns
    /// unused in `ft_resolve_transfer`.
    ///
    /// Gas: at least `GAS_FOR_FT_TRANSFER_CALL`, 35 Tgas (`E_GAS`
    /// otherwise). The receiver gets everything attached but this call's
    /// own work (10 Tgas) and the resolve's budget (10 Tgas): 15 Tgas at
    /// the minimum, plus any gas left unused. Emits `ft_transfer` (and
    /// another for a refund, or `ft_burn` if the sender unregistered
    /// meanwhile).
    #[payable]
    pub fn ft_transfer_call(
        &mut self,
        receiver_id: AccountId,
        amount: U128,
        memo: Option<String>,
        msg: String,
    ) -> PromiseOrValue<U128> {
        require_one_yocto();
        require!(env::prepaid_gas() >= GAS_FOR_FT_TRANSFER_CALL, ERR_GAS);
        let sender_id = env::predecessor_account_id();
        self.transfer(&sender_id, &receiver_id, amount.0, memo);
        // The guard above keeps this at least GAS_FOR_FT_ON_TRANSFER_MIN.
        let receiver_gas = env::prepaid_gas()
            .saturating_sub(FT_TRANSFER_CALL_OWN_WORK)
            .saturating_sub(GAS_FOR_RESOLVE_TRANSFER);
        ext_ft_receiver::ext(receiver_id.clone())
            .with_static_gas(receiver_gas)
            .ft_on_transfer(sender_id.clone(), amount, msg)
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_RESOLVE_TRANSFER)
                    .with_unused_gas_weight(0)
                    .ft_resolve_transfer(sender_id, receiver_id, amount),
            )
            .into()
    }

    /// NEP-141 callback of `ft_transfer_call`: returns the amount the
    /// receiver kept, moving the unused rest back to the sender (or burning
    /// it if the sender has unregistered). Private; never panics, and
    /// reads at most 48 bytes of the receiver's reply, so no reply can
    /// exhaust its budget (`GAS_FOR_RESOLVE_TRANSFER`). Costs no storage.
    /// Emits `ft_transfer` for a refund, `ft_burn` for a burnt one.
    #[private]
    pub fn ft_resolve_transfer(
        &mut self,
        sender_id: AccountId,
        receiver_id: AccountId,
        amount: U128,
    ) -> U128 {
        let amount = amount.0;
        // The standard's rule: a failed or malformed answer refunds all.
        // A U128 answer is a quoted decimal of at most 41 bytes; anything
        // longer is malformed, and reading it in full would cost gas.
        let unused = env::promise_result_checked(0, MAX_U128_JSON_LEN)
            .ok()
            .and_then(|bytes| near_sdk::serde_json::from_slice::<U128>(&bytes).ok())
            .map_or(amount, |u| u.0.min(amount));
        // A receiver's bond stays: it locked that META for a proposal of
        // its own before this resolve ran.
        let (receiver_balance, unlocked) = self
            .accounts
            .get(&receiver_id)
            .map_or((0, 0), |a| (a.balance, a.unlocked_in(env::epoch_height())));
        let refund = unused.min(unlocked);
        if refund > 0 {
            self.set_balance(&receiver_id, receiver_balance - refund);
            if self.accounts.contains_key(&sender_id) {
                // At most the supply, below the cap: no overflow.
                let sender_balance = self.balance_of(&sender_id).saturating_add(refund);
                self.set_balance(&sender_id, sender_balance);
                emit_transfer(&receiver_id, &sender_id, refund, Some("refund".into()));
            } else {
                let supply = self.total_supply.saturating_sub(refund);
                self.set_total_supply(supply);
                emit_burn(
                    &receiver_id,
                    refund,
                    Some("refund to unregistered sender".into()),
                );
            }
        }
        U128(amount - refund)
    }

    /// Mints claimed META to `account_id`. Callable only by the router or
    /// sNEAR (`E_NOT_MINTER`); the total supply never exceeds
    /// `META_TOTAL_SUPPLY_CAP` (`E_SUPPLY_CAP`, nothing minted).
    ///
    /// Payable: for an unregistered `account_id` the deposit must include
    /// the registration minimum (`storage_balance_bounds().min`, 0.025 NEAR),
    /// which becomes its storage balance and pre-pays its history; the
    /// checkpoints cost nothing more, so the rest of the deposit (all of it
    /// for a registered account) is refunded to `account_id`. Gas: within
    /// `GAS_FOR_GOVERNANCE_MINT` (15 Tgas). Emits `ft_mint`.
    #[payable]
    pub fn mint(&mut self, account_id: AccountId, amount: U128) {
        let caller = env::predecessor_account_id();
        require!(
            caller == self.router_account_id || caller == self.snear_account_id,
            ERR_NOT_MINTER
        );
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        let supply = self
            .total_supply
            .checked_add(amount.0)
            .filter(|s| *s <= META_TOTAL_SUPPLY_CAP)
            .unwrap_or_else(|| env::panic_str(ERR_SUPPLY_CAP));
        let mut payment = Payment::new(account_id.clone(), env::attached_deposit().as_yoctonear());
        if !self.accounts.contains_key(&account_id) {
            let min = STORAGE_DEPOSIT_MIN.as_yoctonear();
            require!(payment.deposit_left >= min, ERR_MINT_REGISTRATION_DEPOSIT);
            payment.deposit_left -= min;
            self.register(&account_id, min);
        }
        // At most the new supply, checked against the cap above.
        let balance = self.balance_of(&account_id).saturating_add(amount.0);
        self.set_balance(&account_id, balance);
        self.set_total_supply(supply);
        payment.refund_rest();
        emit_mint(&account_id, amount.0);
    }

    /// NEP-141. View.
    pub fn ft_total_supply(&self) -> U128 {
        U128(self.total_supply)
    }

    /// NEP-141; 0 for an unknown account. View.
    pub fn ft_balance_of(&self, account_id: AccountId) -> U128 {
        U128(self.balance_of(&account_id))
    }

    /// NEP-148: symbol META, 24 decimals, an inline SVG icon
    /// ([`TOKEN_ICON`]). View; anyone.
    pub fn ft_metadata(&self) -> FungibleTokenMetadata {
        FungibleTokenMetadata {
            spec: FT_METADATA_SPEC.into(),
            name: TOKEN_NAME.into(),
            symbol: TOKEN_SYMBOL.into(),
            icon: Some(TOKEN_ICON.into()),
            reference: None,
            reference_hash: None,
            decimals: META_DECIMALS,
        }
    }
}
