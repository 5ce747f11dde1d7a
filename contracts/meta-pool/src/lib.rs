//! The meta staking pool router.
//!
//! Wallets and lockup contracts use it as an ordinary staking pool (the core
//! pool's interface, names and JSON types); it spreads the stake over a
//! governed list of validator pools under two caps and keeps its books so
//! that every yoctoNEAR is accounted for at every step (see `books`).
//!
//! - Liquid accounts get sNEAR (minted and burnt by cross-contract calls
//!   whose callbacks commit or roll back): `liquid`.
//! - Lockup accounts keep non-transferable shares in the router; their calls
//!   are pure bookkeeping: `lockup`.
//! - The validator list changes only by governance: `governance`.
//! - Permissionless epoch operations move the NEAR: `epoch`.
//!
//! The design and its arguments (netting, the unstake wait, caps, the keeper
//! loop) are in the project's `docs/ARCHITECTURE.md`, "meta-pool router".

use meta_common::pool_state::PoolState;
use near_sdk::borsh::{BorshDeserialize, BorshSerialize};
use near_sdk::json_types::U128;
use near_sdk::store::{IterableMap, Lazy};
use near_sdk::{
    env, near, near_bindgen, require, AccountId, BorshStorageKey, CurveType, PanicOnDefault,
    PublicKey,
};

pub mod account;
pub mod books;
pub mod caps;
pub mod config;
pub mod epoch;
pub mod errors;
pub mod events;
pub mod funding;
pub mod gas;
pub mod governance;
pub mod liquid;
pub mod lockup;
pub mod mirror;
pub mod pause;
pub mod snear_calls;
pub mod staking_pool_api;
pub mod upgrade;
pub mod validators;
pub mod views;

use account::Account;
use books::Books;
use config::{Params, MIN_SEED};
use errors::*;
use events::Event;
use validators::Validator;

/// Storage prefixes. Append only: a reordering would point live data at the
/// wrong collection after an upgrade.
#[near]
#[derive(BorshStorageKey)]
enum StorageKey {
    Accounts,
    Validators,
}

/// The router's state, stored versioned (`upgrade`): fields are appended
/// at the end only, so an older layout is a prefix of the newer one.
// NEP-330 (`contract_source_metadata`): version from Cargo.toml, and every
// standard this contract implements (near-sdk adds nep330 itself).
#[near_bindgen(contract_metadata(standard(standard = "nep297", version = "1.0.0")))]
#[derive(BorshSerialize, BorshDeserialize, PanicOnDefault)]
#[borsh(crate = "near_sdk::borsh")]
pub struct MetaPool {
    owner_id: AccountId,
    snear_account_id: AccountId,
    governance_account_id: AccountId,
    whitelist_account_id: AccountId,
    treasury_account_id: AccountId,
    /// Accounts whose id ends with `.` + this are lockups.
    lockup_account_suffix: String,
    /// What `get_staking_key` returns; the router itself never stakes.
    staking_key: PublicKey,
    /// While true the owner may apply governance actions.
    bootstrap: bool,
    params: Params,
    /// META emitted per epoch over all shares.
    meta_per_epoch: u128,
    /// Cumulative META per share, scaled by `REWARD_INDEX_SCALE`.
    reward_index: u128,
    /// Block the index was last advanced to.
    index_block: u64,
    books: Books,
    /// Accounts with a router-held balance: unstaked NEAR, lockup shares or
    /// unclaimed lockup META. Iterable for `get_accounts`.
    accounts: IterableMap<AccountId, Account>,
    /// The validator list, one storage value read only by epoch operations,
    /// governance and views, never by the lockup path.
    validators: Lazy<Vec<Validator>>,
    /// Epoch of the last pool-state push sent to sNEAR.
    push_attempt_epoch: Option<u64>,
    /// Epoch of the last push sNEAR accepted.
    pushed_epoch: Option<u64>,
    /// Rebalancing moved `rebalance_moved` in epoch `rebalance_epoch`.
    rebalance_epoch: u64,
    rebalance_moved: u128,
    /// `(epoch, env::validator_total_stake())`, read at the epoch's first
    /// sync (see `caps`).
    network_total: (u64, u128),
    /// New stake is paused while `env::epoch_height()` is below this (0:
    /// never paused); see `pause`.
    staking_paused_until_epoch: u64,
    /// Test-only second version (`next-version`): the epoch its migration
    /// ran in. Keep it the last field: the migration appends it.
    #[cfg(feature = "next-version")]
    upgraded_at_epoch: u64,
}

#[near]
impl MetaPool {
    /// Initialises the router and seeds the pool.
    ///
    /// Callable once, by anyone (normally the deploy transaction). Payable:
    /// the whole attached deposit, at least `MIN_SEED` (1 NEAR), becomes the
    /// seed: staked value with shares owned by no one, which fixes the price
    /// at 1 and pays the pool's rounding dust. The account's other balance is
    /// the router's own storage reserve (it pays sNEAR registrations and the
    /// router's storage; top it up by plain transfer). `staking_key` is what
    /// `get_staking_key` returns (default: the ed25519 key of 32 zero bytes,
    /// since the router is not a validator); `meta_per_epoch` defaults to 0.
    /// Emits `initialized`.
    #[init]
    #[payable]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        owner_id: AccountId,
        snear_account_id: AccountId,
        governance_account_id: AccountId,
        whitelist_account_id: AccountId,
        treasury_account_id: AccountId,
        lockup_account_suffix: String,
        staking_key: Option<PublicKey>,
        meta_per_epoch: Option<U128>,
    ) -> Self {
        require!(!env::state_exists(), ERR_ALREADY_INITIALIZED);
        let seed = env::attached_deposit().as_yoctonear();
        require!(seed >= MIN_SEED, ERR_SEED_TOO_SMALL);
        // A top-level suffix ("near") would make every account under it a
        // lockup; lockup masters are sub-accounts ("lockup.near").
        require!(
            lockup_account_suffix.parse::<AccountId>().is_ok()
                && lockup_account_suffix.contains('.'),
            ERR_BAD_LOCKUP_SUFFIX
        );
        let meta_per_epoch = meta_per_epoch.map_or(0, |m| m.0);
        require!(
            meta_per_epoch <= meta_common::actions::MAX_META_PER_EPOCH,
            meta_common::actions::ERR_EMISSION_TOO_HIGH
        );
        let staking_key = staking_key.unwrap_or_else(|| {
            PublicKey::from_parts(CurveType::ED25519, vec![0; 32]).unwrap_or_else(|_| env::abort())
        });
        mirror::set_snear_id(&snear_account_id);
        Event::Initialized {
            owner_id: &owner_id,
            seed: U128(seed),
        }
        .emit();
        Self {
            owner_id,
            snear_account_id,
            governance_account_id,
            whitelist_account_id,
            treasury_account_id,
            lockup_account_suffix,
            staking_key,
            bootstrap: true,
            params: Params::default(),
            meta_per_epoch,
            reward_index: 0,
            index_block: env::block_height(),
            books: Books::seeded(seed),
            accounts: IterableMap::new(StorageKey::Accounts),
            validators: Lazy::new(StorageKey::Validators, Vec::new()),
            push_attempt_epoch: None,
            pushed_epoch: None,
            rebalance_epoch: 0,
            rebalance_moved: 0,
            network_total: (0, 0),
            staking_paused_until_epoch: 0,
            #[cfg(feature = "next-version")]
            upgraded_at_epoch: env::epoch_height(),
        }
    }
}

impl MetaPool {
    /// Whether `account_id` is a lockup account (ends with `.` + suffix).
    pub(crate) fn is_lockup(&self, account_id: &AccountId) -> bool {
        let id = account_id.as_str();
        let suffix = self.lockup_account_suffix.as_str();
        id.len() > suffix.len() + 1
            && id.ends_with(suffix)
            && id.as_bytes()[id.len() - suffix.len() - 1] == b'.'
    }

    /// The reward index as `advance_index` would make it now.
    pub(crate) fn current_reward_index(&self) -> u128 {
        let now = env::block_height();
        if now <= self.index_block {
            return self.reward_index;
        }
        self.reward_index.saturating_add(index_increment(
            self.meta_per_epoch,
            now - self.index_block,
            self.books.total_shares,
        ))
    }

    /// Moves the reward index over the blocks since it last moved, at the
    /// current emission over the current shares. Every state-changing method
    /// calls it first, so an increment always uses the shares that existed
    /// through the blocks it covers (as far as the router can tell).
    ///
    /// Emission is continuous (`meta_per_epoch` over `EPOCH_BLOCKS`), not a
    /// step when an epoch begins: a holder who holds only around a push
    /// earns only the blocks it held, never a whole epoch.
    pub(crate) fn advance_index(&mut self) {
        let now = env::block_height();
        if now <= self.index_block {
            return;
        }
        let blocks = now - self.index_block;
        let index = self.current_reward_index();
        self.index_block = now;
        if index != self.reward_index {
            self.reward_index = index;
            Event::RewardIndexAdvanced {
                reward_index: U128(index),
                epoch_height: env::epoch_height(),
                blocks,
            }
            .emit();
        }
    }

    /// What the router pushes to sNEAR.
    pub(crate) fn pool_state(&self) -> PoolState {
        PoolState {
            total_staked: U128(self.books.total_staked),
            total_shares: U128(self.books.total_shares),
            reward_index: U128(self.reward_index),
            epoch_height: env::epoch_height(),
        }
    }

    /// The router's own NEAR: its balance less what its storage locks and
    /// less the NEAR its books hold for others (reserve and buffer). NEAR in
    /// flight to the router (a validator's withdrawal whose callback ran
    /// first) makes this briefly lower, never higher.
    pub(crate) fn own_funds(&self) -> u128 {
        let storage =
            (env::storage_usage() as u128).saturating_mul(env::storage_byte_cost().as_yoctonear());
        env::account_balance()
            .as_yoctonear()
            .saturating_sub(storage)
            .saturating_sub(self.books.reserve)
            .saturating_sub(self.books.buffered)
    }

    /// Refuses storage growth or a deposit of `extra` the router's own funds
    /// cannot pay: they must never come out of users' NEAR.
    pub(crate) fn require_own_funds(&self, extra: u128) {
        require!(
            self.own_funds() >= extra.saturating_add(config::MIN_OWN_FUNDS_FOR_GROWTH),
            ERR_STORAGE_RESERVE_LOW
        );
    }

    /// Refuses a call whose gas cannot carry its cross-contract work, before
    /// it changes anything.
    pub(crate) fn require_gas(needed: near_sdk::Gas) {
        let left = env::prepaid_gas().saturating_sub(env::used_gas());
        require!(left >= needed, ERR_NOT_ENOUGH_GAS);
    }
}

/// `meta_per_epoch * blocks / EPOCH_BLOCKS * SCALE / total_shares`,
/// rounded down, in 256 bits; saturates (no u128 index could hold more).
pub(crate) fn index_increment(meta_per_epoch: u128, blocks: u64, total_shares: u128) -> u128 {
    use meta_common::pool_state::REWARD_INDEX_SCALE;
    use meta_common::U256;
    if total_shares == 0 || meta_per_epoch == 0 {
        return 0;
    }
    let v = U256::from(meta_per_epoch) * U256::from(blocks) * U256::from(REWARD_INDEX_SCALE)
        / (U256::from(total_shares) * U256::from(config::EPOCH_BLOCKS));
    if v.bits() > 128 {
        u128::MAX
    } else {
        v.as_u128()
    }
}

#[cfg(test)]
mod tests;
