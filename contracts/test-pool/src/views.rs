//! Views. Free off chain; as function calls each costs a few Tgas (a storage
//! read or two). None panics for an unknown account, none emits anything.
//!
//! Balances are as of the last distribution: rewards paid since the epoch
//! changed show only after the next mutating call, as on mainnet.
//!
//! In the `test` build the balance views run their fault hook first, which
//! may burn gas, fail the view, offset the balances it reports or answer a
//! malformed reply (`Reply` is then the value plus what the export sends
//! instead; in the production build it is the value itself).

use meta_common::ext::{HumanReadableAccount, RewardFeeFraction};
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, PublicKey};

use crate::hooks::Reply;
use crate::{hooks, Account, TestPool, TestPoolExt};

#[near]
impl TestPool {
    /// The account's unstaked balance.
    pub fn get_account_unstaked_balance(&self, account_id: AccountId) -> Reply<U128> {
        let delta = hooks::before_view("get_account_unstaked_balance");
        let account = self.internal_get_account(&account_id);
        hooks::balance_reply(hooks::offset(account.unstaked, delta))
    }

    /// The account's staked balance: its shares at the current price, rounded
    /// down.
    pub fn get_account_staked_balance(&self, account_id: AccountId) -> Reply<U128> {
        let delta = hooks::before_view("get_account_staked_balance");
        let account = self.internal_get_account(&account_id);
        hooks::balance_reply(hooks::offset(self.staked_value(&account), delta))
    }

    /// The account's unstaked plus staked balance.
    pub fn get_account_total_balance(&self, account_id: AccountId) -> Reply<U128> {
        let delta = hooks::before_view("get_account_total_balance");
        let account = self.internal_get_account(&account_id);
        let total = account.unstaked.saturating_add(self.staked_value(&account));
        hooks::balance_reply(hooks::offset(total, delta))
    }

    /// Whether the account's unstaked balance may be withdrawn in this epoch.
    pub fn is_account_unstaked_balance_available(&self, account_id: AccountId) -> bool {
        hooks::before_view("is_account_unstaked_balance_available");
        let account = self.internal_get_account(&account_id);
        account.unstaked_available_epoch_height <= env::epoch_height()
    }

    /// What all shares are worth: the pool's stake.
    pub fn get_total_staked_balance(&self) -> Reply<U128> {
        hooks::before_view("get_total_staked_balance");
        hooks::balance_reply(self.total_staked_balance)
    }

    /// The owner's account.
    pub fn get_owner_id(&self) -> AccountId {
        self.owner_id.clone()
    }

    /// The owner's share of rewards, `{numerator, denominator}` as numbers.
    pub fn get_reward_fee_fraction(&self) -> RewardFeeFraction {
        self.reward_fee_fraction
    }

    /// The validator key the pool stakes with, e.g. `"ed25519:…"`.
    pub fn get_staking_key(&self) -> PublicKey {
        self.stake_public_key.clone()
    }

    /// Whether the owner paused staking.
    pub fn is_staking_paused(&self) -> bool {
        self.paused
    }

    /// The account as `{account_id, unstaked_balance, staked_balance,
    /// can_withdraw}`.
    pub fn get_account(&self, account_id: AccountId) -> Reply<HumanReadableAccount> {
        let delta = hooks::before_view("get_account");
        let account = self.internal_get_account(&account_id);
        self.human_readable(account_id, &account, delta)
    }

    /// How many accounts have a positive balance.
    pub fn get_number_of_accounts(&self) -> u64 {
        self.accounts.len().into()
    }

    /// Up to `limit` accounts from position `from_index` of the account list.
    /// Removing an account moves the last one into its place, so a listing
    /// taken across changes may skip or repeat an account.
    pub fn get_accounts(&self, from_index: u64, limit: u64) -> Vec<Reply<HumanReadableAccount>> {
        let delta = hooks::before_view("get_accounts");
        let skip = usize::try_from(from_index).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        self.accounts
            .iter()
            .skip(skip)
            .take(take)
            .map(|(account_id, account)| self.human_readable(account_id.clone(), account, delta))
            .collect()
    }
}

impl TestPool {
    fn human_readable(
        &self,
        account_id: AccountId,
        account: &Account,
        delta: hooks::Delta,
    ) -> Reply<HumanReadableAccount> {
        // The id a foreign-account fault names: never the asked one.
        let pool_id = env::current_account_id();
        let foreign_id = if account_id == pool_id {
            self.owner_id.clone()
        } else {
            pool_id
        };
        hooks::account_reply(
            HumanReadableAccount {
                unstaked_balance: U128(hooks::offset(account.unstaked, delta)),
                staked_balance: U128(hooks::offset(self.staked_value(account), delta)),
                can_withdraw: account.unstaked_available_epoch_height <= env::epoch_height(),
                account_id,
            },
            &foreign_id,
        )
    }
}
