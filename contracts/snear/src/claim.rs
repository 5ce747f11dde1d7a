//! Governance-token claims: a holder's settled accrual is minted as META on
//! the governance contract; a failed mint puts it back.

use meta_common::ext::{ext_governance_token, GAS_FOR_GOVERNANCE_MINT, GOVERNANCE_MINT_DEPOSIT};
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId, NearToken, PromiseError, PromiseOrValue};

use crate::errors::*;
use crate::events::SNearEvent;
use crate::gas::{GAS_FOR_CLAIM_CALLBACK, MIN_GAS_FOR_CLAIM};
use crate::{holder, SNear, SNearExt};

#[near]
impl SNear {
    /// Claims all META the caller has accrued: settles it at the current
    /// index, takes it out of the caller's record and asks the governance
    /// contract to mint it to the caller. The attached deposit goes with
    /// the mint and pays the caller's META storage (the governance contract
    /// refunds what it does not use to the caller); if the mint fails, the
    /// amount is claimable again and the deposit is returned.
    ///
    /// Callable by a registered holder with accrued META and no claim in
    /// flight. Deposit: at least `GOVERNANCE_MINT_DEPOSIT` (25 mNEAR). Gas:
    /// at least `MIN_GAS_FOR_CLAIM` (30 Tgas). Emits
    /// `governance_tokens_claimed` or `governance_claim_failed` in the
    /// callback. Resolves to the amount minted (0 when the mint failed).
    #[payable]
    pub fn claim_governance_tokens(&mut self) -> PromiseOrValue<U128> {
        require!(env::prepaid_gas() >= MIN_GAS_FOR_CLAIM, ERR_NOT_ENOUGH_GAS);
        let deposit = env::attached_deposit();
        require!(deposit >= GOVERNANCE_MINT_DEPOSIT, ERR_CLAIM_DEPOSIT);
        let account_id = env::predecessor_account_id();
        let mut holder = self.settled_holder(&account_id, ERR_NOT_REGISTERED);
        require!(!holder.claiming, ERR_CLAIM_IN_FLIGHT);
        let amount = U128(holder.unclaimed);
        require!(amount.0 > 0, ERR_NOTHING_TO_CLAIM);
        holder.unclaimed = 0;
        holder.claiming = true;
        holder::save(&account_id, &holder);
        ext_governance_token::ext(self.governance_account_id.clone())
            .with_attached_deposit(deposit)
            .with_static_gas(GAS_FOR_GOVERNANCE_MINT)
            .mint(account_id.clone(), amount)
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_CLAIM_CALLBACK)
                    .with_unused_gas_weight(0)
                    .on_governance_mint(account_id, amount, U128(deposit.as_yoctonear())),
            )
            .into()
    }

    /// Settles a claim: clears the in-flight mark and, if the mint failed,
    /// restores the amount to the holder's accrual and returns the deposit
    /// (which the failed mint refunded to this contract) to the holder.
    ///
    /// Private (the contract's own callback). Never panics. Emits
    /// `governance_tokens_claimed` or `governance_claim_failed`. Returns the
    /// amount minted.
    #[private]
    pub fn on_governance_mint(
        &mut self,
        account_id: AccountId,
        amount: U128,
        deposit: U128,
        // Only success matters: reading zero bytes of the answer means no
        // return value the governance contract might add can fail to parse.
        #[callback_result(max_bytes = 0)] minted: Result<(), PromiseError>,
    ) -> U128 {
        let minted = !matches!(minted, Err(PromiseError::Failed));
        // The record exists: unregistering is refused while claiming.
        if let Some(mut holder) = holder::load(&account_id) {
            holder.claiming = false;
            if !minted {
                holder.unclaimed = holder.unclaimed.saturating_add(amount.0);
            }
            holder::save(&account_id, &holder);
        }
        if minted {
            SNearEvent::GovernanceTokensClaimed { account_id, amount }.emit();
            return amount;
        }
        let deposit = NearToken::from_yoctonear(deposit.0);
        let refunded = if Self::can_spend(deposit) {
            deposit
        } else {
            NearToken::from_yoctonear(0)
        };
        if !refunded.is_zero() {
            near_sdk::Promise::new(account_id.clone())
                .transfer(refunded)
                .detach();
        }
        SNearEvent::GovernanceClaimFailed {
            account_id,
            amount,
            refunded_deposit: U128(refunded.as_yoctonear()),
        }
        .emit();
        U128(0)
    }
}

impl SNear {
    /// Whether the contract can send `amount` and still pay for its storage.
    /// The failed mint's refund of the deposit may land after the callback;
    /// checking keeps the callback from panicking on a transfer it cannot
    /// make (the deposit then stays with the contract).
    fn can_spend(amount: NearToken) -> bool {
        let locked_for_storage =
            env::storage_byte_cost().saturating_mul(env::storage_usage().into());
        env::account_balance().saturating_sub(locked_for_storage) >= amount
    }
}
