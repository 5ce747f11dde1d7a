//! Initialisation and the delegators' methods.
//!
//! Every mutating method first distributes the rewards of a new epoch
//! (`internal_ping`). Methods that change the stake end with a stake action;
//! the others restake only when the ping found a new epoch. Gas, as in the
//! core pool: a few Tgas of bookkeeping plus, when it restakes, the stake
//! action and the [`crate::gas::ON_STAKE_ACTION_GAS`] of its callback.
//!
//! In the `test` build each method first runs its fault hook, which may burn
//! gas or fail the call (see `faults`); without the feature the hook is empty.

use meta_common::ext::RewardFeeFraction;
use near_sdk::json_types::U128;
use near_sdk::store::IterableMap;
use near_sdk::{env, near, require, AccountId, PublicKey};

use crate::errors::{ERR_INIT_BALANCE, ERR_STAKING_AT_INIT};
use crate::{fee, hooks, StorageKey, TestPool, TestPoolExt, STAKE_SHARE_PRICE_GUARANTEE_FUND};

#[near]
impl TestPool {
    /// Initialises the pool. All of the account's balance but
    /// [`STAKE_SHARE_PRICE_GUARANTEE_FUND`] becomes stake owned by no one,
    /// which keeps the share price from being inflated by a first depositor,
    /// and is staked at once (an invalid key fails the call).
    ///
    /// Callable once, by anyone (normally in the deploy transaction), while
    /// the account stakes nothing. Gas: ~10 Tgas plus the stake action and
    /// its callback (20 Tgas). Emits nothing.
    #[init]
    pub fn new(
        owner_id: AccountId,
        stake_public_key: PublicKey,
        reward_fee_fraction: RewardFeeFraction,
    ) -> Self {
        fee::assert_valid(&reward_fee_fraction);
        require!(env::account_locked_balance().is_zero(), ERR_STAKING_AT_INIT);
        let account_balance = env::account_balance().as_yoctonear();
        require!(
            account_balance > STAKE_SHARE_PRICE_GUARANTEE_FUND,
            ERR_INIT_BALANCE
        );
        let total_staked_balance = account_balance - STAKE_SHARE_PRICE_GUARANTEE_FUND;
        let mut this = Self {
            owner_id,
            stake_public_key,
            last_epoch_height: env::epoch_height(),
            last_total_balance: account_balance,
            total_stake_shares: total_staked_balance,
            total_staked_balance,
            reward_fee_fraction,
            accounts: IterableMap::new(StorageKey::Accounts),
            paused: false,
        };
        this.internal_restake();
        this
    }

    /// Distributes the rewards of a new epoch and, if there were any, restakes.
    ///
    /// Anyone. Gas: a few Tgas, plus the stake action in a new epoch. Logs the
    /// reward lines when there is a reward.
    pub fn ping(&mut self) {
        if hooks::intercept_call("ping") {
            return;
        }
        if self.internal_ping() {
            self.internal_restake();
        }
    }

    /// Adds the attached deposit to the caller's unstaked balance.
    ///
    /// Anyone; payable (any amount). Gas: a few Tgas. Logs
    /// `@<account> deposited <amount>. New unstaked balance is <unstaked>`.
    #[payable]
    pub fn deposit(&mut self) {
        if hooks::intercept_call("deposit") {
            return;
        }
        let need_to_restake = self.internal_ping();
        self.internal_deposit();
        if need_to_restake {
            self.internal_restake();
        }
    }

    /// Deposits the attached amount and stakes it; what does not buy a whole
    /// share stays unstaked. Panics if it buys no share.
    ///
    /// Anyone; payable. Gas: a few Tgas plus the stake action. Logs the
    /// deposit, staking and totals lines.
    #[payable]
    pub fn deposit_and_stake(&mut self) {
        if hooks::intercept_call("deposit_and_stake") {
            return;
        }
        self.internal_ping();
        let amount = self.internal_deposit();
        self.internal_stake(amount);
        self.internal_restake();
    }

    /// Withdraws the caller's entire unstaked balance; it must be unlocked.
    ///
    /// Anyone. Gas: a few Tgas plus a transfer. Logs
    /// `@<account> withdrawing <amount>. New unstaked balance is 0`.
    pub fn withdraw_all(&mut self) {
        if hooks::intercept_call("withdraw_all") {
            return;
        }
        let need_to_restake = self.internal_ping();
        let account = self.internal_get_account(&env::predecessor_account_id());
        self.internal_withdraw(account.unstaked);
        if need_to_restake {
            self.internal_restake();
        }
    }

    /// Withdraws `amount` of the caller's unstaked balance; it must be
    /// unlocked (no unstake in the last four epochs).
    ///
    /// Anyone. Gas: a few Tgas plus a transfer. Logs the withdrawing line.
    pub fn withdraw(&mut self, amount: U128) {
        if hooks::intercept_call("withdraw") {
            return;
        }
        let need_to_restake = self.internal_ping();
        self.internal_withdraw(amount.0);
        if need_to_restake {
            self.internal_restake();
        }
    }

    /// Stakes the caller's entire unstaked balance (the dust that buys no
    /// whole share stays unstaked).
    ///
    /// Anyone. Gas: a few Tgas plus the stake action. Logs the staking and
    /// totals lines.
    pub fn stake_all(&mut self) {
        if hooks::intercept_call("stake_all") {
            return;
        }
        self.internal_ping();
        let account = self.internal_get_account(&env::predecessor_account_id());
        self.internal_stake(account.unstaked);
        self.internal_restake();
    }

    /// Stakes `amount` of the caller's unstaked balance (charged: the value
    /// of the whole shares it buys).
    ///
    /// Anyone. Gas: a few Tgas plus the stake action. Logs the staking and
    /// totals lines.
    pub fn stake(&mut self, amount: U128) {
        if hooks::intercept_call("stake") {
            return;
        }
        self.internal_ping();
        self.internal_stake(amount.0);
        self.internal_restake();
    }

    /// Unstakes the caller's entire staked balance; it unlocks in four epochs.
    ///
    /// Anyone. Gas: a few Tgas plus the stake action. Logs the unstaking and
    /// totals lines.
    pub fn unstake_all(&mut self) {
        if hooks::intercept_call("unstake_all") {
            return;
        }
        self.internal_ping();
        let account = self.internal_get_account(&env::predecessor_account_id());
        let amount = self.amount_rounded_down(account.stake_shares);
        self.internal_unstake(amount);
        self.internal_restake();
    }

    /// Unstakes `amount` of the caller's staked balance (credited: at least
    /// `amount`). Everything the caller has unstaked unlocks four epochs from
    /// now.
    ///
    /// Anyone. Gas: a few Tgas plus the stake action. Logs the unstaking and
    /// totals lines.
    pub fn unstake(&mut self, amount: U128) {
        if hooks::intercept_call("unstake") {
            return;
        }
        self.internal_ping();
        self.internal_unstake(amount.0);
        self.internal_restake();
    }
}
