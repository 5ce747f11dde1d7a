//! The staking-pool whitelist that tests and local deployments use.
//!
//! It has the interface of the near/core-contracts `whitelist` that lockup
//! contracts consult on mainnet: the foundation whitelists staking pools and
//! staking-pool factories, and a whitelisted factory may whitelist the pools it
//! creates. Every mutating method returns whether the set changed, as the core
//! contract does, so callers can tell a no-op from a change.

use near_sdk::store::LookupSet;
use near_sdk::{env, near, require, AccountId, BorshStorageKey, PanicOnDefault};

/// Panic message for a caller that is neither the foundation nor (where
/// allowed) a whitelisted factory. The text matches the core contract so tools
/// that match on it keep working.
pub const ERR_NOT_FOUNDATION: &str = "Can only be called by NEAR Foundation";
/// Panic message for a second `new`.
pub const ERR_ALREADY_INITIALIZED: &str = "Already initialized";

#[near]
#[derive(BorshStorageKey)]
enum StorageKey {
    Pools,
    Factories,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Whitelist {
    foundation_account_id: AccountId,
    pools: LookupSet<AccountId>,
    factories: LookupSet<AccountId>,
}

#[near]
impl Whitelist {
    /// Initialises the whitelist with the account allowed to manage it.
    ///
    /// Callable once, by anyone (normally in the deploy transaction). Gas: a
    /// few Tgas; no deposit.
    #[init]
    pub fn new(foundation_account_id: AccountId) -> Self {
        require!(!env::state_exists(), ERR_ALREADY_INITIALIZED);
        Self {
            foundation_account_id,
            pools: LookupSet::new(StorageKey::Pools),
            factories: LookupSet::new(StorageKey::Factories),
        }
    }

    /// Whether the staking pool is whitelisted. View; free off chain.
    pub fn is_whitelisted(&self, staking_pool_account_id: AccountId) -> bool {
        self.pools.contains(&staking_pool_account_id)
    }

    /// Whether the factory may whitelist pools. View; free off chain.
    pub fn is_factory_whitelisted(&self, factory_account_id: AccountId) -> bool {
        self.factories.contains(&factory_account_id)
    }

    /// Whitelists a staking pool; returns `false` if it already was.
    ///
    /// Callable by the foundation or a whitelisted factory. Gas: a few Tgas;
    /// the contract pays the ~100 bytes of storage from its own balance.
    pub fn add_staking_pool(&mut self, staking_pool_account_id: AccountId) -> bool {
        if !self.factories.contains(&env::predecessor_account_id()) {
            self.assert_foundation();
        }
        self.pools.insert(staking_pool_account_id)
    }

    /// Removes a staking pool; returns `false` if it was not whitelisted.
    ///
    /// Foundation only. Gas: a few Tgas.
    pub fn remove_staking_pool(&mut self, staking_pool_account_id: AccountId) -> bool {
        self.assert_foundation();
        self.pools.remove(&staking_pool_account_id)
    }

    /// Whitelists a factory; returns `false` if it already was.
    ///
    /// Foundation only. Gas: a few Tgas.
    pub fn add_factory(&mut self, factory_account_id: AccountId) -> bool {
        self.assert_foundation();
        self.factories.insert(factory_account_id)
    }

    /// Removes a factory; returns `false` if it was not whitelisted. Pools the
    /// factory already whitelisted stay whitelisted.
    ///
    /// Foundation only. Gas: a few Tgas.
    pub fn remove_factory(&mut self, factory_account_id: AccountId) -> bool {
        self.assert_foundation();
        self.factories.remove(&factory_account_id)
    }
}

impl Whitelist {
    fn assert_foundation(&self) {
        require!(
            env::predecessor_account_id() == self.foundation_account_id,
            ERR_NOT_FOUNDATION
        );
    }
}

#[cfg(test)]
mod tests;
