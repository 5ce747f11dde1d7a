//! Read-only methods for voters, explorers and the other contracts. None
//! changes state; all are free off chain.

use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId};

use crate::config::{ConfigBounds, GovernanceConfig};
use crate::proposal::{ProposalView, VoteChoice};
use crate::{Governance, GovernanceExt};

/// A checkpoint as the views return it.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointView {
    pub block: u64,
    pub balance: U128,
}

#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteView {
    pub choice: VoteChoice,
    pub weight: U128,
}

#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardianView {
    pub account_id: AccountId,
    pub expires_at_epoch: u64,
    /// Whether the mandate holds in the current epoch.
    pub active: bool,
}

#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractConfigView {
    pub router_account_id: AccountId,
    pub snear_account_id: AccountId,
    pub whitelist_account_id: AccountId,
    pub config: GovernanceConfig,
}

/// Most items one list view returns.
const MAX_LIMIT: u64 = 100;

#[near]
impl Governance {
    /// The proposal with its state at the current epoch; `null` if unknown.
    pub fn get_proposal(&self, proposal_id: u64) -> Option<ProposalView> {
        let epoch = env::epoch_height();
        self.proposals
            .get(&proposal_id)
            .map(|p| ProposalView::new(proposal_id, p, epoch))
    }

    /// Proposals `from_index..from_index + limit` (at most 100), oldest first.
    pub fn get_proposals(&self, from_index: u64, limit: u64) -> Vec<ProposalView> {
        let end = from_index
            .saturating_add(limit.min(MAX_LIMIT))
            .min(self.proposal_count);
        (from_index..end)
            .filter_map(|id| self.get_proposal(id))
            .collect()
    }

    /// Number of proposals ever created; ids are `0..count`.
    pub fn get_proposal_count(&self) -> u64 {
        self.proposal_count
    }

    /// The account's vote on the proposal; `null` if it has not voted.
    pub fn get_vote(&self, proposal_id: u64, account_id: AccountId) -> Option<VoteView> {
        self.votes
            .get(&(proposal_id, account_id))
            .map(|v| VoteView {
                choice: v.choice,
                weight: U128(v.weight),
            })
    }

    /// The account's META balance at the end of `block_height`, which is its
    /// voting power for a proposal with that snapshot. Only past blocks
    /// (`E_LOOKUP_NOT_PAST`).
    pub fn get_voting_power_at(&self, account_id: AccountId, block_height: u64) -> U128 {
        U128(self.balance_at(&account_id, block_height))
    }

    /// The total supply at the end of `block_height`; only past blocks.
    pub fn get_total_supply_at(&self, block_height: u64) -> U128 {
        U128(self.total_supply_at(block_height))
    }

    /// The account's checkpoints `from_index..` (at most 100), oldest first.
    pub fn get_checkpoints(
        &self,
        account_id: AccountId,
        from_index: u32,
        limit: u32,
    ) -> Vec<CheckpointView> {
        let end = from_index
            .saturating_add(limit.min(MAX_LIMIT as u32))
            .min(self.checkpoint_count(&account_id));
        (from_index..end)
            .filter_map(|i| self.checkpoint_at(&account_id, i))
            .map(|c| CheckpointView {
                block: c.block,
                balance: U128(c.balance),
            })
            .collect()
    }

    /// The contracts governance talks to, and the DAO's rules.
    pub fn get_config(&self) -> ContractConfigView {
        ContractConfigView {
            router_account_id: self.router_account_id.clone(),
            snear_account_id: self.snear_account_id.clone(),
            whitelist_account_id: self.whitelist_account_id.clone(),
            config: self.config.clone(),
        }
    }

    /// The hard bounds of every rule.
    pub fn get_config_bounds(&self) -> ConfigBounds {
        ConfigBounds::get()
    }

    /// The guardian and its mandate; `null` if there never was one.
    pub fn get_guardian(&self) -> Option<GuardianView> {
        self.guardian.as_ref().map(|g| GuardianView {
            account_id: g.account_id.clone(),
            expires_at_epoch: g.expires_at_epoch,
            active: env::epoch_height() < g.expires_at_epoch,
        })
    }
}
