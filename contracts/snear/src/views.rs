//! Read-only methods: NEP-148 metadata, governance-token accrual and the
//! price mirror. None panics for an unknown account.

use meta_common::pool_state::{PoolState, ONE_SHARE_TOKEN};
use near_contract_standards::fungible_token::metadata::{
    FungibleTokenMetadata, FungibleTokenMetadataProvider,
};
use near_sdk::json_types::U128;
use near_sdk::{near, AccountId};

use crate::metadata::default_metadata;
use crate::{holder, SNear, SNearExt};

#[near]
impl FungibleTokenMetadataProvider for SNear {
    /// NEP-148 metadata. View.
    fn ft_metadata(&self) -> FungibleTokenMetadata {
        default_metadata()
    }
}

#[near]
impl SNear {
    /// META the account could claim now: its settled accrual plus what its
    /// balance earned up to the last pushed index. Excludes a claim in
    /// flight. "0" for an unknown account. View.
    pub fn get_unclaimed_governance_tokens(&self, account_id: AccountId) -> U128 {
        U128(holder::load(&account_id).map_or(0, |h| h.unclaimed_at(self.reward_index())))
    }

    /// The last pool state the router pushed; `null` before the first. View.
    pub fn get_pool_state(&self) -> Option<PoolState> {
        self.pool_state.clone()
    }

    /// yoctoNEAR one sNEAR (10^24 shares) is worth at the last pushed
    /// totals, rounded down; 10^24 (par) before the first push. View.
    pub fn get_snear_price(&self) -> U128 {
        U128(
            self.pool_state
                .as_ref()
                .map_or(ONE_SHARE_TOKEN, PoolState::price),
        )
    }

    /// yoctoNEAR the account's sNEAR is worth at the last pushed totals,
    /// rounded down (never over-reports); at par before the first push;
    /// "0" for an unknown account. View.
    pub fn get_account_near_value(&self, account_id: AccountId) -> U128 {
        let shares = holder::load(&account_id).map_or(0, |h| h.balance);
        U128(match &self.pool_state {
            Some(state) => state.value_of(shares),
            None => shares,
        })
    }

    /// The router: the only account that may mint, burn and push pool
    /// state. View.
    pub fn get_router_account_id(&self) -> AccountId {
        self.router_account_id.clone()
    }

    /// The governance contract claims mint on. View.
    pub fn get_governance_account_id(&self) -> AccountId {
        self.governance_account_id.clone()
    }
}
