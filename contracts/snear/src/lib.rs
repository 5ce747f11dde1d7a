//! sNEAR: the liquid staking token of the meta staking pool.
//!
//! One sNEAR share is one share of the router's pool. Holders move it as any
//! NEP-141 token; only the router mints (on stake) and burns (on unstake).
//! Every holder also accrues the governance token (META) through a
//! reward-per-share index the router pushes; the accrual is settled on every
//! balance change, so moving sNEAR never moves or loses accrued META.
//!
//! There is no owner and no admin method: balances change only by a
//! holder's own transfer and the router's mint and burn, and the supply
//! only by the router's mint and burn, so it always equals the router's
//! count of liquid shares. The code changes only by a governance upgrade
//! proposal (`upgrade`), which carries every holder over untouched.
//!
//! Modules: `token` (NEP-141 core and resolver), `storage` (NEP-145),
//! `router` (mint, burn, pool-state pushes), `claim` (governance-token
//! claims), `views` (metadata, accrual and price views), `holder` (the
//! per-account record), `state` (how the contract state is stored),
//! `faults` (fault switches, in the `test` build only), `upgrade` (the
//! governance upgrade and the state migration).

mod claim;
pub mod errors;
pub mod events;
mod faults;
pub mod gas;
pub mod holder;
pub mod metadata;
mod mirror;
mod router;
mod state;
mod storage;
mod token;
mod upgrade;
mod views;

#[cfg(test)]
mod tests;

use meta_common::mirror::{HolderChange, MIRROR_RECORD_DEPOSIT};
use meta_common::pool_state::PoolState;
use near_sdk::borsh::{BorshDeserialize, BorshSerialize};
use near_sdk::{env, near, near_bindgen, require, AccountId, NearToken, PanicOnDefault};

use crate::errors::*;
use crate::holder::{Holder, HOLDER_STORAGE_BYTES};

/// The contract state (key `STATE`). Holders are not in it: each has its own
/// key (see `holder`). It is written back only when a call changed it (see
/// `state`), so a transfer, which changes no total, never rewrites it.
// NEP-330 (`contract_source_metadata`): version from Cargo.toml, and every
// standard this contract implements (near-sdk adds nep330 itself).
#[near_bindgen(contract_metadata(
    standard(standard = "nep141", version = "1.0.0"),
    standard(standard = "nep145", version = "1.0.0"),
    standard(standard = "nep148", version = "1.0.0"),
    standard(standard = "nep297", version = "1.0.0")
))]
#[derive(BorshSerialize, BorshDeserialize, PanicOnDefault)]
#[borsh(crate = "near_sdk::borsh")]
pub struct SNear {
    total_supply: u128,
    router_account_id: AccountId,
    governance_account_id: AccountId,
    /// The last state the router pushed; `None` until the first push.
    pool_state: Option<PoolState>,
    /// Test-only second version (`next-version`): the epoch its migration
    /// ran in. Keep it the last stored field: the migration appends it.
    #[cfg(feature = "next-version")]
    upgraded_at_epoch: u64,
    /// The serialized state as read at the start of the call.
    #[borsh(skip)]
    stored: Vec<u8>,
}

#[near]
impl SNear {
    /// Initialises sNEAR with the router (the only minter and burner, and
    /// the source of pool-state pushes) and the governance contract (where
    /// claims mint META). Metadata is fixed in code (`metadata.rs`).
    ///
    /// Callable once, by anyone (normally in the deploy transaction). Gas: a
    /// few Tgas; no deposit. Emits nothing: the supply starts at zero.
    #[init]
    pub fn new(router_account_id: AccountId, governance_account_id: AccountId) -> Self {
        Self {
            total_supply: 0,
            router_account_id,
            governance_account_id,
            pool_state: None,
            #[cfg(feature = "next-version")]
            upgraded_at_epoch: env::epoch_height(),
            stored: Vec::new(),
        }
    }
}

impl SNear {
    /// What one holder's record costs sNEAR.
    pub(crate) fn holder_storage_cost() -> NearToken {
        env::storage_byte_cost().saturating_mul(HOLDER_STORAGE_BYTES.into())
    }

    /// What a registration costs, NEP-145's minimum and maximum: the
    /// holder's record here and its copy at the router (`mirror`), whose
    /// deposit the registration's notice forwards.
    pub(crate) fn registration_cost() -> NearToken {
        Self::holder_storage_cost().saturating_add(MIRROR_RECORD_DEPOSIT)
    }

    /// The reward index of the last pushed pool state (0 before the first).
    pub(crate) fn reward_index(&self) -> u128 {
        self.pool_state.as_ref().map_or(0, |s| s.reward_index.0)
    }

    pub(crate) fn assert_router(&self) {
        require!(
            env::predecessor_account_id() == self.router_account_id,
            ERR_NOT_ROUTER
        );
    }

    /// The account's record with its accrual settled at the current index,
    /// ready for a balance change (the caller saves it); panics with `err`
    /// for an unknown account.
    pub(crate) fn settled_holder(&self, account_id: &AccountId, err: &str) -> Holder {
        let mut holder = holder::load(account_id).unwrap_or_else(|| env::panic_str(err));
        holder.settle(self.reward_index());
        holder
    }

    /// Moves `amount` between two registered holders, settling both first.
    /// Emits nothing; the caller emits the event that fits.
    pub(crate) fn move_balance(&self, from: &AccountId, to: &AccountId, amount: u128) {
        let mut sender = self.settled_holder(from, ERR_NOT_REGISTERED);
        let mut receiver = self.settled_holder(to, ERR_RECEIVER_NOT_REGISTERED);
        sender.balance = sender
            .balance
            .checked_sub(amount)
            .unwrap_or_else(|| env::panic_str(ERR_INSUFFICIENT_BALANCE));
        receiver.balance = receiver
            .balance
            .checked_add(amount)
            .unwrap_or_else(|| env::panic_str(ERR_BALANCE_OVERFLOW));
        holder::save(from, &sender);
        holder::save(to, &receiver);
        self.notify(vec![
            (from.clone(), HolderChange::Balance(sender.balance)),
            (to.clone(), HolderChange::Balance(receiver.balance)),
        ]);
    }
}
