//! The bookkeeping behind the public methods: reward distribution, the four
//! share conversions and the account operations.

use near_sdk::{env, require, AccountId, NearToken, Promise};

use crate::errors::*;
use crate::shares::{amount_for_shares, shares_for_amount, Round};
use crate::{fee, logs, Account, TestPool, NUM_EPOCHS_TO_UNLOCK};

pub(crate) fn add(a: u128, b: u128) -> u128 {
    a.checked_add(b)
        .unwrap_or_else(|| env::panic_str(ERR_OVERFLOW))
}

pub(crate) fn sub(a: u128, b: u128) -> u128 {
    a.checked_sub(b)
        .unwrap_or_else(|| env::panic_str(ERR_OVERFLOW))
}

impl TestPool {
    pub(crate) fn assert_owner(&self) {
        require!(
            env::predecessor_account_id() == self.owner_id,
            ERR_NOT_OWNER
        );
    }

    /// Distributes what the pool's balance grew by since the last call, once
    /// per epoch; returns whether this call was the first of a new epoch (and
    /// so the stake must be refreshed).
    ///
    /// All growth is reward: the chain pays rewards into the locked balance,
    /// and any NEAR sent to the pool without a deposit is shared the same way.
    /// The attached deposit is not growth yet; the deposit that brings it
    /// adds it to `last_total_balance` itself.
    pub(crate) fn internal_ping(&mut self) -> bool {
        let epoch_height = env::epoch_height();
        if self.last_epoch_height == epoch_height {
            return false;
        }
        self.last_epoch_height = epoch_height;

        let total_balance = sub(
            add(
                env::account_locked_balance().as_yoctonear(),
                env::account_balance().as_yoctonear(),
            ),
            env::attached_deposit().as_yoctonear(),
        );
        require!(
            total_balance >= self.last_total_balance,
            ERR_BALANCE_DECREASED
        );
        let total_reward = total_balance - self.last_total_balance;
        if total_reward > 0 {
            let owners_fee = fee::fee_of(&self.reward_fee_fraction, total_reward);
            // The delegators' part raises the price first; the owner then buys
            // shares with the fee at that price, so the fee does not dilute it.
            self.total_staked_balance = add(self.total_staked_balance, total_reward - owners_fee);
            let num_shares = self.shares_rounded_down(owners_fee);
            if num_shares > 0 {
                let owner_id = self.owner_id.clone();
                let mut account = self.internal_get_account(&owner_id);
                account.stake_shares = add(account.stake_shares, num_shares);
                self.internal_save_account(&owner_id, account);
                self.total_stake_shares = add(self.total_stake_shares, num_shares);
            }
            // A fee too small for one share still goes to the stake: it
            // raises everyone's price instead of being lost.
            self.total_staked_balance = add(self.total_staked_balance, owners_fee);

            logs::rewards(
                epoch_height,
                total_reward,
                self.total_staked_balance,
                self.total_stake_shares,
            );
            if num_shares > 0 {
                logs::fee_shares(num_shares);
            }
        }
        self.last_total_balance = total_balance;
        true
    }

    /// Credits the attached deposit to the predecessor's unstaked balance;
    /// returns the amount.
    pub(crate) fn internal_deposit(&mut self) -> u128 {
        let account_id = env::predecessor_account_id();
        let amount = env::attached_deposit().as_yoctonear();
        let mut account = self.internal_get_account(&account_id);
        account.unstaked = add(account.unstaked, amount);
        let unstaked = account.unstaked;
        self.internal_save_account(&account_id, account);
        self.last_total_balance = add(self.last_total_balance, amount);

        logs::deposited(&account_id, amount, unstaked);
        amount
    }

    /// Sends `amount` of the predecessor's unlocked unstaked balance back.
    pub(crate) fn internal_withdraw(&mut self, amount: u128) {
        require!(amount > 0, ERR_WITHDRAW_ZERO);
        let account_id = env::predecessor_account_id();
        let mut account = self.internal_get_account(&account_id);
        require!(account.unstaked >= amount, ERR_WITHDRAW_NOT_ENOUGH);
        require!(
            account.unstaked_available_epoch_height <= env::epoch_height(),
            ERR_WITHDRAW_LOCKED
        );
        account.unstaked -= amount;
        let unstaked = account.unstaked;
        self.internal_save_account(&account_id, account);
        self.last_total_balance = sub(self.last_total_balance, amount);

        logs::withdrawing(&account_id, amount, unstaked);
        Promise::new(account_id)
            .transfer(NearToken::from_yoctonear(amount))
            .detach();
    }

    /// Moves up to `amount` of the predecessor's unstaked balance into shares.
    ///
    /// The account gets the shares `amount` buys, rounded down, and is charged
    /// their value rounded down, so it can always unstake what it was charged;
    /// the rest of `amount` stays unstaked. The stake grows by their value
    /// rounded up, the price guarantee fund paying the difference.
    pub(crate) fn internal_stake(&mut self, amount: u128) {
        require!(amount > 0, ERR_STAKE_ZERO);
        let account_id = env::predecessor_account_id();
        let mut account = self.internal_get_account(&account_id);

        let num_shares = self.shares_rounded_down(amount);
        require!(num_shares > 0, ERR_STAKE_ZERO_SHARES);
        let charge_amount = self.amount_rounded_down(num_shares);
        require!(charge_amount > 0, ERR_ZERO_AMOUNT_FOR_SHARES);
        require!(account.unstaked >= charge_amount, ERR_STAKE_NOT_ENOUGH);
        let stake_amount = self.amount_rounded_up(num_shares);

        account.unstaked -= charge_amount;
        account.stake_shares = add(account.stake_shares, num_shares);
        let (unstaked, shares) = (account.unstaked, account.stake_shares);
        self.internal_save_account(&account_id, account);
        self.total_staked_balance = add(self.total_staked_balance, stake_amount);
        self.total_stake_shares = add(self.total_stake_shares, num_shares);

        logs::staking(&account_id, charge_amount, num_shares, unstaked, shares);
        logs::totals(self.total_staked_balance, self.total_stake_shares);
    }

    /// Turns shares worth at least `amount` of the predecessor's stake back
    /// into unstaked balance and restarts its unlock wait.
    ///
    /// The account pays the shares rounded up and is credited their value
    /// rounded up (at least `amount`); the stake shrinks by their value rounded
    /// down, the price guarantee fund paying the difference.
    pub(crate) fn internal_unstake(&mut self, amount: u128) {
        require!(amount > 0, ERR_UNSTAKE_ZERO);
        let account_id = env::predecessor_account_id();
        let mut account = self.internal_get_account(&account_id);
        require!(self.total_staked_balance > 0, ERR_NO_STAKED_BALANCE);

        let num_shares = self.shares_rounded_up(amount);
        require!(num_shares > 0, ERR_UNSTAKE_ZERO_SHARES);
        require!(account.stake_shares >= num_shares, ERR_UNSTAKE_NOT_ENOUGH);
        let receive_amount = self.amount_rounded_up(num_shares);
        require!(receive_amount > 0, ERR_ZERO_AMOUNT_FOR_SHARES);
        let unstake_amount = self.amount_rounded_down(num_shares);

        account.stake_shares -= num_shares;
        account.unstaked = add(account.unstaked, receive_amount);
        account.unstaked_available_epoch_height = env::epoch_height() + NUM_EPOCHS_TO_UNLOCK;
        let (unstaked, shares) = (account.unstaked, account.stake_shares);
        self.internal_save_account(&account_id, account);
        self.total_staked_balance = sub(self.total_staked_balance, unstake_amount);
        self.total_stake_shares = sub(self.total_stake_shares, num_shares);

        logs::unstaking(&account_id, receive_amount, num_shares, unstaked, shares);
        logs::totals(self.total_staked_balance, self.total_stake_shares);
    }

    /// Shares `amount` buys at the current price, rounded down (a staker
    /// gets no fraction of a share).
    pub(crate) fn shares_rounded_down(&self, amount: u128) -> u128 {
        self.shares_of(amount, Round::Down)
    }

    /// Shares worth at least `amount`, rounded up (an unstaker pays the
    /// fraction).
    pub(crate) fn shares_rounded_up(&self, amount: u128) -> u128 {
        self.shares_of(amount, Round::Up)
    }

    /// What `num_shares` are worth, rounded down (what may leave the pool).
    pub(crate) fn amount_rounded_down(&self, num_shares: u128) -> u128 {
        self.amount_of(num_shares, Round::Down)
    }

    /// What `num_shares` are worth, rounded up (what the stake must grow by
    /// for new shares not to lower the price).
    pub(crate) fn amount_rounded_up(&self, num_shares: u128) -> u128 {
        self.amount_of(num_shares, Round::Up)
    }

    fn shares_of(&self, amount: u128, round: Round) -> u128 {
        require!(self.total_staked_balance > 0, ERR_TOTAL_STAKED_ZERO);
        shares_for_amount(
            amount,
            self.total_staked_balance,
            self.total_stake_shares,
            round,
        )
        .unwrap_or_else(|| env::panic_str(ERR_OVERFLOW))
    }

    fn amount_of(&self, num_shares: u128, round: Round) -> u128 {
        require!(self.total_stake_shares > 0, ERR_TOTAL_SHARES_ZERO);
        amount_for_shares(
            num_shares,
            self.total_staked_balance,
            self.total_stake_shares,
            round,
        )
        .unwrap_or_else(|| env::panic_str(ERR_OVERFLOW))
    }

    /// What an account's shares are worth now, rounded down. Never panics:
    /// shares exist only while the pool has stake, and an account's shares
    /// are worth at most the whole stake.
    pub(crate) fn staked_value(&self, account: &Account) -> u128 {
        amount_for_shares(
            account.stake_shares,
            self.total_staked_balance,
            self.total_stake_shares,
            Round::Down,
        )
        .unwrap_or(0)
    }

    /// The account, or an empty one: unknown accounts have zero balances.
    pub(crate) fn internal_get_account(&self, account_id: &AccountId) -> Account {
        self.accounts.get(account_id).cloned().unwrap_or_default()
    }

    /// Stores the account, or removes it once empty so it stops taking
    /// storage and stops being listed.
    pub(crate) fn internal_save_account(&mut self, account_id: &AccountId, account: Account) {
        if account.is_empty() {
            self.accounts.remove(account_id);
        } else {
            self.accounts.insert(account_id.clone(), account);
        }
    }
}
