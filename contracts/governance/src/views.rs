//! Read-only methods for voters, explorers and the other contracts. None
//! changes state; all are free off chain.

use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId};

use crate::config::{ConfigBounds, GovernanceConfig};
use crate::ledger::{Checkpoint, History};
use crate::proposal::{ProposalView, VoteChoice};
use crate::{Governance, GovernanceExt};

/// A checkpoint as the views return it.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointView {
    pub block: u64,
    pub balance: U128,
}

/// A bounded history as the views return it (`ledger`): lookups of
/// `exact_from_block` and later blocks are exact, and so are those of the
/// snapshots pinned now ([`SnapshotPinView`]); the checkpoints kept, oldest
/// first.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryView {
    pub exact_from_block: u64,
    pub checkpoints: Vec<CheckpointView>,
}

impl HistoryView {
    fn new(h: &History) -> Self {
        Self {
            exact_from_block: h.exact_from,
            checkpoints: h.checkpoints.iter().map(CheckpointView::new).collect(),
        }
    }
}

impl CheckpointView {
    fn new(c: &Checkpoint) -> Self {
        Self {
            block: c.block,
            balance: U128(c.balance),
        }
    }
}

/// A proposal's snapshot that histories keep, while its vote is open.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotPinView {
    pub snapshot_block: u64,
    /// The pin lapses when this epoch begins (the vote's end).
    pub until_epoch: u64,
    /// `null` while the proposal awaits the whitelist's answer.
    pub proposal_id: Option<u64>,
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
    /// voting power for a proposal with that snapshot. Anyone; view.
    ///
    /// Only past blocks (`E_LOOKUP_NOT_PAST`). Histories are compacted
    /// (`ledger`): the answer is exact for every block from the account's
    /// `exact_from_block` on (see `get_history`; never later than the
    /// block before its last balance change) and for the snapshot of every
    /// proposal open for voting (`get_snapshot_pins`); any other block is
    /// refused with `E_HISTORY_COMPACTED` rather than answered wrongly. An
    /// account that never held META has 0 at every block.
    pub fn get_voting_power_at(&self, account_id: AccountId, block_height: u64) -> U128 {
        U128(self.balance_at(&account_id, block_height))
    }

    /// The total supply at the end of `block_height`, on the same terms as
    /// `get_voting_power_at` (`get_supply_history` gives its
    /// `exact_from_block`); a proposal's own snapshot supply is also in the
    /// proposal (`snapshot_total_supply`). Anyone; view.
    pub fn get_total_supply_at(&self, block_height: u64) -> U128 {
        U128(self.total_supply_at(block_height))
    }

    /// The account's kept checkpoints `from_index..` (at most 100), oldest
    /// first; the last is its current balance. At most `MAX_OPEN_PROPOSALS +
    /// 2` are kept (`ledger`). Anyone; view.
    pub fn get_checkpoints(
        &self,
        account_id: AccountId,
        from_index: u32,
        limit: u32,
    ) -> Vec<CheckpointView> {
        let Some(history) = self.history(&account_id) else {
            return vec![];
        };
        history
            .checkpoints
            .iter()
            .skip(from_index as usize)
            .take(limit.min(MAX_LIMIT as u32) as usize)
            .map(CheckpointView::new)
            .collect()
    }

    /// The account's bounded history: the block from which its lookups are
    /// exact, and the checkpoints kept. `null` if it never held META.
    /// Anyone; view.
    pub fn get_history(&self, account_id: AccountId) -> Option<HistoryView> {
        self.history(&account_id).map(HistoryView::new)
    }

    /// The total supply's bounded history. Anyone; view.
    pub fn get_supply_history(&self) -> HistoryView {
        HistoryView::new(&self.supply_history)
    }

    /// The snapshots histories keep: one per proposal open for voting or
    /// awaiting the whitelist, at most `MAX_OPEN_PROPOSALS` (14; `propose`
    /// refuses one more), oldest snapshot first. Anyone; view.
    pub fn get_snapshot_pins(&self) -> Vec<SnapshotPinView> {
        let epoch = env::epoch_height();
        let mut pins: Vec<SnapshotPinView> = self
            .snapshot_pins
            .iter()
            .filter(|p| p.holds(epoch))
            .map(|p| SnapshotPinView {
                snapshot_block: p.snapshot_block,
                until_epoch: p.until_epoch,
                proposal_id: (!p.pending).then_some(p.proposal_id),
            })
            .collect();
        pins.sort_by_key(|p| (p.snapshot_block, p.proposal_id));
        pins
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
