//! The owner's methods. Every one panics with "Can only be called by the
//! owner" for anyone else.

use meta_common::ext::RewardFeeFraction;
use near_sdk::{ext_contract, near, require, AccountId, Promise, PublicKey};

use crate::errors::{ERR_ALREADY_PAUSED, ERR_NOT_PAUSED};
use crate::gas::VOTE_GAS;
use crate::{fee, TestPool, TestPoolExt};

/// A validator voting contract, as the core pool calls it. Only the
/// generated `ext_voting` is used, never the trait itself.
#[allow(dead_code)]
#[ext_contract(ext_voting)]
pub trait VoteContract {
    /// Votes for (`true`) or withdraws the vote (`false`).
    fn vote(&mut self, is_vote: bool);
}

#[near]
impl TestPool {
    /// Replaces the validator key and restakes with it (an invalid key fails
    /// the call).
    ///
    /// Owner only. Gas: a few Tgas plus the stake action. Logs the reward
    /// lines if this call distributes rewards.
    pub fn update_staking_key(&mut self, stake_public_key: PublicKey) {
        self.assert_owner();
        self.internal_ping();
        self.stake_public_key = stake_public_key;
        self.internal_restake();
    }

    /// Sets the owner's share of future rewards; rewards already paid are
    /// distributed at the old fee first.
    ///
    /// Owner only. Gas: a few Tgas (plus the stake action in a new epoch).
    /// Logs the reward lines if this call distributes rewards.
    pub fn update_reward_fee_fraction(&mut self, reward_fee_fraction: RewardFeeFraction) {
        self.assert_owner();
        fee::assert_valid(&reward_fee_fraction);
        let need_to_restake = self.internal_ping();
        self.reward_fee_fraction = reward_fee_fraction;
        if need_to_restake {
            self.internal_restake();
        }
    }

    /// Calls `vote(is_vote)` on the voting contract for the pool.
    ///
    /// Owner only. Gas: a few Tgas plus the 100 Tgas the vote gets. Returns
    /// the vote's result.
    pub fn vote(&mut self, voting_account_id: AccountId, is_vote: bool) -> Promise {
        self.assert_owner();
        ext_voting::ext(voting_account_id)
            .with_static_gas(VOTE_GAS)
            .vote(is_vote)
    }

    /// Stops validating: stakes nothing until resumed. Deposits and stakes
    /// keep their bookkeeping but issue no stake action.
    ///
    /// Owner only; panics if already paused. Gas: a few Tgas plus the stake
    /// action.
    pub fn pause_staking(&mut self) {
        self.assert_owner();
        require!(!self.paused, ERR_ALREADY_PAUSED);
        self.internal_ping();
        self.paused = true;
        self.internal_unstake_all_stake();
    }

    /// Stakes the total again.
    ///
    /// Owner only; panics if not paused. Gas: a few Tgas plus the stake
    /// action.
    pub fn resume_staking(&mut self) {
        self.assert_owner();
        require!(self.paused, ERR_NOT_PAUSED);
        self.internal_ping();
        self.paused = false;
        self.internal_restake();
    }
}
