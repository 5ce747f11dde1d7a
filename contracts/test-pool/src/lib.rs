//! A validator staking pool for tests and local networks.
//!
//! It has the interface and the semantics of the near/core-contracts
//! `staking-pool` that mainnet validators run, so the router is tested against
//! what it will meet on mainnet:
//!
//! - the same method names, argument names, JSON types, panic texts and log
//!   lines;
//! - the pool stakes with real stake actions; the rewards the chain pays into
//!   its locked balance are distributed at the first mutating call of a new
//!   epoch (`ping`), minus the owner's fee, which the owner receives as shares;
//!   the views stay stale until then;
//! - stake shares are priced `total_staked_balance / total_stake_shares`
//!   (computed by the pool's own [`shares`] module), every rounding favours
//!   the pool and the share price never falls (but for a real loss the `test`
//!   build can inflict, `fault_lose_principal`); the few yocto
//!   of rounding the pool owes come from the stake share price guarantee fund
//!   kept out of the stake at initialisation;
//! - unstaked balance unlocks [`NUM_EPOCHS_TO_UNLOCK`] epochs after the
//!   account's last unstake.
//!
//! With the `test` cargo feature (a separate wasm, never the production one)
//! the owner also gets fault switches, see [`faults`].

use meta_common::ext::RewardFeeFraction;
use near_sdk::store::IterableMap;
use near_sdk::{near, AccountId, BorshStorageKey, EpochHeight, PanicOnDefault, PublicKey};

mod account;
pub mod errors;
#[cfg(feature = "test")]
pub mod faults;
mod fee;
pub mod gas;
mod hooks;
mod internal;
mod logs;
mod owner;
mod pool;
pub mod shares;
mod staking;
mod views;

pub use account::Account;

/// Yocto of the initial balance the pool does not stake. Rounding makes an
/// account's charge or credit differ from what the totals move by (by at most
/// one yocto per operation, always in the pool's favour); this fund covers the
/// difference so the share price never falls.
pub const STAKE_SHARE_PRICE_GUARANTEE_FUND: u128 = 1_000_000_000_000;

/// Epochs from an account's last unstake until it may withdraw. The protocol
/// releases stake after 3; the pool waits one more because the stake action
/// that releases it may land in the epoch after the unstake.
pub const NUM_EPOCHS_TO_UNLOCK: EpochHeight = 4;

#[near]
#[derive(BorshStorageKey)]
enum StorageKey {
    Accounts,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct TestPool {
    /// May change the staking key and the fee, pause and resume staking.
    owner_id: AccountId,
    /// Key of the validator node that validates for the pool.
    stake_public_key: PublicKey,
    /// Epoch of the last reward distribution.
    last_epoch_height: EpochHeight,
    /// Locked plus liquid balance after the last distribution, adjusted by
    /// every deposit and withdrawal since; growth beyond it is reward.
    last_total_balance: u128,
    /// Shares of all accounts plus the unowned shares of the initial stake.
    total_stake_shares: u128,
    /// NEAR the shares are worth; what the pool stakes.
    total_staked_balance: u128,
    /// The owner's part of every reward.
    reward_fee_fraction: RewardFeeFraction,
    /// Accounts with a positive balance, in insertion order (a removal moves
    /// the last account into the gap), which `get_accounts` pages through.
    accounts: IterableMap<AccountId, Account>,
    /// While paused the pool stakes nothing and issues no stake action;
    /// deposits, shares and rewards keep their bookkeeping.
    paused: bool,
}

#[cfg(test)]
mod tests;
