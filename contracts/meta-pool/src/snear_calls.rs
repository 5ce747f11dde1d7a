//! Mints and burns on sNEAR, each sent in one receipt after a push of the
//! current pool state.
//!
//! sNEAR settles a holder's META at the index it last received before every
//! balance change. The router advances its index (over the shares of the
//! moment) at the first call of each epoch, but sNEAR learns it only from a
//! push; a mint that reached sNEAR before that push would settle the new
//! holder at the old index, and the push would then credit the new shares
//! with the epochs before they existed: more META claimable than emitted.
//! So every mint and burn is a batch `[update_pool_state(now), mint|burn]`
//! (`burn_all` likewise):
//! the two actions run in one receipt, in order and atomically (if either
//! fails, neither happened), and the holder is settled at exactly the index
//! the router's shares were counted at. A burn gets the same push so an
//! unstaker keeps the META of the epochs it held. The push is ~3 Tgas.

use meta_common::ext::{GAS_FOR_SNEAR_MINT_BURN, GAS_FOR_SNEAR_POOL_STATE};
use meta_common::pool_state::PoolState;
use near_sdk::json_types::U128;
use near_sdk::serde::Serialize;
use near_sdk::{AccountId, NearToken, Promise};

use crate::MetaPool;

/// Arguments of `mint` and `burn` (typed: no `serde_json::Value` code in
/// the wasm).
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
struct AmountArgs<'a> {
    account_id: &'a AccountId,
    amount: U128,
}

/// Arguments of `burn_all`.
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
struct BurnAllArgs<'a> {
    account_id: &'a AccountId,
    min_amount: U128,
}

/// Arguments of `mint`.
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
struct MintArgs<'a> {
    account_id: &'a AccountId,
    amount: U128,
    registration_shares: U128,
}

/// Arguments of `update_pool_state`.
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
struct StateArgs {
    state: PoolState,
}

impl MetaPool {
    /// `[update_pool_state, mint(account_id, shares, registration_shares)]`
    /// on sNEAR, the mint carrying `deposit` (sNEAR's registration of a new
    /// holder, paid back with `registration_shares` when positive).
    pub(crate) fn snear_mint(
        &self,
        account_id: &AccountId,
        shares: u128,
        deposit: NearToken,
        registration_shares: u128,
    ) -> Promise {
        self.snear_with_state().function_call(
            "mint".to_string(),
            args(&MintArgs {
                account_id,
                amount: U128(shares),
                registration_shares: U128(registration_shares),
            }),
            deposit,
            GAS_FOR_SNEAR_MINT_BURN,
        )
    }

    /// `[update_pool_state, burn(account_id, shares)]` on sNEAR.
    pub(crate) fn snear_burn(&self, account_id: &AccountId, shares: u128) -> Promise {
        self.snear_with_state().function_call(
            "burn".to_string(),
            args(&AmountArgs {
                account_id,
                amount: U128(shares),
            }),
            NearToken::from_yoctonear(0),
            GAS_FOR_SNEAR_MINT_BURN,
        )
    }

    /// `[update_pool_state, burn_all(account_id, min_shares)]` on sNEAR:
    /// burns the holder's whole balance if at least `min_shares`, returning
    /// the shares burnt.
    pub(crate) fn snear_burn_all(&self, account_id: &AccountId, min_shares: u128) -> Promise {
        self.snear_with_state().function_call(
            "burn_all".to_string(),
            args(&BurnAllArgs {
                account_id,
                min_amount: U128(min_shares),
            }),
            NearToken::from_yoctonear(0),
            GAS_FOR_SNEAR_MINT_BURN,
        )
    }

    /// A receipt to sNEAR starting with a push of the current pool state.
    fn snear_with_state(&self) -> Promise {
        Promise::new(self.snear_account_id.clone()).function_call(
            "update_pool_state".to_string(),
            args(&StateArgs {
                state: self.pool_state(),
            }),
            NearToken::from_yoctonear(0),
            GAS_FOR_SNEAR_POOL_STATE,
        )
    }
}

fn args(v: &impl Serialize) -> Vec<u8> {
    // Serialising these plain structs cannot fail.
    near_sdk::serde_json::to_vec(v).unwrap_or_default()
}
