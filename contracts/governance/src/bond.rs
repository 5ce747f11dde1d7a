//! Proposal bonds: each open proposal locks the proposal threshold of its
//! proposer's META until its vote ends.
//!
//! Why: at most `config::MAX_OPEN_PROPOSALS` proposals are open at once
//! (the bound that keeps every vote history bounded). Without a bond one
//! threshold of META could fill every slot: propose, pass the META to a
//! throwaway account, propose from there in the next block (its snapshot
//! sees the META arrived), and so on, shutting the DAO for a voting period
//! for the price of a few storage deposits. With the bond, filling the
//! slots takes `MAX_OPEN_PROPOSALS` thresholds of META held still for the
//! whole vote, and the DAO can raise the threshold.
//!
//! The lock is a pair of fields on the proposer's account record, not a
//! transfer: balances, vote weights and the supply do not change, nothing
//! is owed back to anyone, and a transfer checks it with no extra read.
//! An account's bonds add up and lapse together, when the last of its
//! proposals' votes ends (a proposer with several open proposals may wait
//! for the last to get the first bond back). Locked META cannot be sent
//! (`E_META_LOCKED`), refunded away by `ft_resolve_transfer`, or burnt by
//! a forced `storage_unregister`. A proposal the whitelist refuses gives
//! its bond back at once.

use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId};

use crate::errors::ERR_PROPOSAL_BOND;
use crate::{Governance, GovernanceExt};

/// An account's locked META, as `get_locked_balance` returns it.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedBalanceView {
    /// META that cannot leave the account now.
    pub locked: U128,
    /// The epoch the lock lapses in; 0 without a lock.
    pub until_epoch: u64,
}

impl Governance {
    /// Locks `amount` more of `proposer`'s META until at least
    /// `until_epoch`. Refuses (`E_PROPOSAL_BOND`) an unregistered proposer
    /// or one whose unlocked META is below `amount`.
    pub(crate) fn lock_bond(&mut self, proposer: &AccountId, amount: u128, until_epoch: u64) {
        let epoch = env::epoch_height();
        let account = self
            .accounts
            .get_mut(proposer)
            .unwrap_or_else(|| env::panic_str(ERR_PROPOSAL_BOND));
        require!(account.unlocked_in(epoch) >= amount, ERR_PROPOSAL_BOND);
        // At most the balance: no overflow.
        account.locked = account.locked_in(epoch) + amount;
        account.locked_until_epoch = account.locked_until_epoch.max(until_epoch);
    }

    /// Keeps `proposer`'s lock until at least `until_epoch`: a proposal
    /// created after the whitelist answered, an epoch later than proposed.
    pub(crate) fn extend_bond(&mut self, proposer: &AccountId, until_epoch: u64) {
        let epoch = env::epoch_height();
        if let Some(account) = self.accounts.get_mut(proposer) {
            if account.locked_in(epoch) > 0 {
                account.locked_until_epoch = account.locked_until_epoch.max(until_epoch);
            }
        }
    }

    /// Gives back the bond of a proposal that was never created, while its
    /// pin still holds (so the lock that holds it has not lapsed).
    pub(crate) fn release_bond(&mut self, proposer: &AccountId, amount: u128) {
        let epoch = env::epoch_height();
        if let Some(account) = self.accounts.get_mut(proposer) {
            account.locked = account.locked_in(epoch).saturating_sub(amount);
        }
    }
}

#[near]
impl Governance {
    /// The META of `account_id` locked as proposal bonds now, and the
    /// epoch the lock lapses in. `ft_balance_of` still counts it (it votes
    /// and is the holder's), but it cannot be sent until then. Anyone;
    /// view.
    pub fn get_locked_balance(&self, account_id: AccountId) -> LockedBalanceView {
        let epoch = env::epoch_height();
        match self.accounts.get(&account_id) {
            Some(a) if a.locked_in(epoch) > 0 => LockedBalanceView {
                locked: U128(a.locked),
                until_epoch: a.locked_until_epoch,
            },
            _ => LockedBalanceView {
                locked: U128(0),
                until_epoch: 0,
            },
        }
    }
}
