//! Proposals: what may be proposed, what is stored, and the state a proposal
//! is in at a given epoch.

use meta_common::actions::{RouterAction, BPS_DENOMINATOR};
use near_sdk::json_types::{Base58CryptoHash, U128};
use near_sdk::{near, AccountId, CryptoHash};

use crate::config::{GovernanceConfig, GUARDIAN_TERM_EPOCHS, UPGRADE_TIMELOCK_MIN_EPOCHS};
use crate::errors::ERR_GUARDIAN_TERM;

/// Longest proposal description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 1_024;

/// What a proposal does when executed. Typed actions only: no arbitrary
/// calls, no treasury, no minting. Variants are only ever appended: the
/// stored proposals' borsh tags must keep their meaning across upgrades.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalKind {
    /// One action applied by the router (`apply_governance_action`).
    Router(RouterAction),
    /// Sets the guardian, or renews it when it is the same account, for
    /// `term_epochs` epochs counted from execution.
    SetGuardian {
        account_id: AccountId,
        term_epochs: u64,
    },
    /// Deploys the staged code of this sha256 to the router and migrates
    /// its state (the router's `upgrade`).
    UpgradeRouter { code_hash: Base58CryptoHash },
    /// The same for sNEAR.
    UpgradeSnear { code_hash: Base58CryptoHash },
    /// Deploys the staged code to this contract and migrates its state.
    UpgradeGovernance { code_hash: Base58CryptoHash },
}

/// The contract an upgrade proposal replaces the code of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeTarget {
    Router,
    Snear,
    Governance,
}

impl ProposalKind {
    /// Checks what can be checked without state: the router action's hard
    /// bounds, the guardian's term.
    pub fn validate(&self) -> Result<(), &'static str> {
        match self {
            ProposalKind::Router(action) => action.validate(),
            ProposalKind::SetGuardian { term_epochs, .. } => {
                let b = GUARDIAN_TERM_EPOCHS;
                if (b.min..=b.max).contains(term_epochs) {
                    Ok(())
                } else {
                    Err(ERR_GUARDIAN_TERM)
                }
            }
            // Whether the code is staged depends on state: `propose`.
            ProposalKind::UpgradeRouter { .. }
            | ProposalKind::UpgradeSnear { .. }
            | ProposalKind::UpgradeGovernance { .. } => Ok(()),
        }
    }

    /// The contract and code an upgrade proposal names; `None` for the
    /// other kinds.
    pub fn upgrade(&self) -> Option<(UpgradeTarget, CryptoHash)> {
        match self {
            ProposalKind::UpgradeRouter { code_hash } => {
                Some((UpgradeTarget::Router, (*code_hash).into()))
            }
            ProposalKind::UpgradeSnear { code_hash } => {
                Some((UpgradeTarget::Snear, (*code_hash).into()))
            }
            ProposalKind::UpgradeGovernance { code_hash } => {
                Some((UpgradeTarget::Governance, (*code_hash).into()))
            }
            ProposalKind::Router(_) | ProposalKind::SetGuardian { .. } => None,
        }
    }

    /// Epochs from `queue` to the earliest execution under `rules`: the
    /// rules' time-lock, and for an upgrade never less than
    /// [`UPGRADE_TIMELOCK_MIN_EPOCHS`].
    pub fn timelock_epochs(&self, rules: &GovernanceConfig) -> u64 {
        match self.upgrade() {
            Some(_) => rules.timelock_epochs.max(UPGRADE_TIMELOCK_MIN_EPOCHS),
            None => rules.timelock_epochs,
        }
    }
}

/// The `proposal` argument of `propose`.
#[near(serializers = [json])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalInput {
    pub description: String,
    pub kind: ProposalKind,
}

#[near(serializers = [json, borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteChoice {
    For,
    Against,
    Abstain,
}

/// The stored part of a proposal's life; the rest depends on the epoch.
#[near(serializers = [json, borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalStatus {
    Voting,
    Queued,
    Executing,
    Executed,
    Cancelled,
}

/// A proposal's state at an epoch, as voters and explorers see it.
#[near(serializers = [json])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalState {
    /// Open for votes.
    Active,
    /// Voting ended without quorum, or with Against >= For.
    Defeated,
    /// Voting passed; `queue` may start the time-lock until the grace ends.
    Succeeded,
    /// Time-locked; executable from `eta_epoch` until the grace ends.
    Queued,
    /// The router call is in flight.
    Executing,
    Executed,
    /// Not queued, or not executed, within the grace period.
    Expired,
    Cancelled,
}

#[near(serializers = [json, borsh])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub for_votes: U128,
    pub against_votes: U128,
    pub abstain_votes: U128,
}

/// A proposal as stored. Every field has a fixed borsh size except the
/// proposer, description and kind, which never change, so a proposal's
/// storage is paid once, at creation.
#[near(serializers = [json, borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub proposer: AccountId,
    pub description: String,
    pub kind: ProposalKind,
    /// The rules in force at creation; later changes never apply.
    pub rules: GovernanceConfig,
    /// Votes weigh the balance at the end of this block (creation - 1).
    pub snapshot_block: u64,
    pub snapshot_total_supply: U128,
    /// For votes needed: `quorum_bps` of the snapshot supply, rounded up,
    /// and at least `rules.min_quorum`.
    pub quorum_votes: U128,
    pub start_epoch: u64,
    /// Voting is open while the epoch is below this.
    pub voting_ends_epoch: u64,
    pub tally: Tally,
    pub status: ProposalStatus,
    /// Executable from this epoch on; 0 until queued.
    pub eta_epoch: u64,
}

/// A slot for a snapshot block that histories keep their checkpoint for
/// (`ledger`): one per proposal open for voting, and one per proposal
/// awaiting the whitelist's answer. The contract has
/// `MAX_OPEN_PROPOSALS` slots, all stored from `new` on, so the state's
/// size never changes with them; a slot is free once its pin lapsed (the
/// vote ended), or before it was ever used.
#[near(serializers = [borsh])]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotPin {
    pub snapshot_block: u64,
    /// The pin holds while the epoch is below this: the proposal's
    /// `voting_ends_epoch` (while awaiting the whitelist, the end its vote
    /// would have if created in the epoch of `propose`). 0: a free slot.
    pub until_epoch: u64,
    /// The proposal, once created.
    pub proposal_id: u64,
    /// Awaiting the whitelist: no proposal exists yet.
    pub pending: bool,
}

impl SnapshotPin {
    /// Whether the pin holds in `epoch`.
    pub fn holds(&self, epoch: u64) -> bool {
        epoch < self.until_epoch
    }
}

/// For votes needed: `bps` of `supply` rounded up, and never less than
/// `floor`.
pub fn quorum_votes(supply: u128, bps: u16, floor: u128) -> u128 {
    let d = u128::from(BPS_DENOMINATOR);
    // supply <= META_TOTAL_SUPPLY_CAP (1e33), so the product stays < 1e37.
    (supply * u128::from(bps)).div_ceil(d).max(floor)
}

impl Proposal {
    /// Quorum reached and For > Against.
    pub fn passed(&self) -> bool {
        let t = &self.tally;
        t.for_votes.0 >= self.quorum_votes.0 && t.for_votes.0 > t.against_votes.0
    }

    /// The epoch at which a Succeeded or Queued proposal expires.
    pub fn expires_at_epoch(&self) -> Option<u64> {
        match self.status {
            ProposalStatus::Voting if self.passed() => {
                Some(self.voting_ends_epoch + self.rules.grace_epochs)
            }
            ProposalStatus::Queued => Some(self.eta_epoch + self.rules.grace_epochs),
            _ => None,
        }
    }

    pub fn state(&self, epoch: u64) -> ProposalState {
        match self.status {
            ProposalStatus::Voting if epoch < self.voting_ends_epoch => ProposalState::Active,
            ProposalStatus::Voting if !self.passed() => ProposalState::Defeated,
            ProposalStatus::Voting | ProposalStatus::Queued => {
                let expired = self.expires_at_epoch().is_some_and(|e| epoch >= e);
                match (expired, self.status) {
                    (true, _) => ProposalState::Expired,
                    (false, ProposalStatus::Queued) => ProposalState::Queued,
                    (false, _) => ProposalState::Succeeded,
                }
            }
            ProposalStatus::Executing => ProposalState::Executing,
            ProposalStatus::Executed => ProposalState::Executed,
            ProposalStatus::Cancelled => ProposalState::Cancelled,
        }
    }
}

/// A proposal as the views return it.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalView {
    pub id: u64,
    pub proposer: AccountId,
    pub description: String,
    pub kind: ProposalKind,
    pub state: ProposalState,
    pub rules: GovernanceConfig,
    pub snapshot_block: u64,
    pub snapshot_total_supply: U128,
    pub quorum_votes: U128,
    pub start_epoch: u64,
    pub voting_ends_epoch: u64,
    pub for_votes: U128,
    pub against_votes: U128,
    pub abstain_votes: U128,
    pub eta_epoch: Option<u64>,
    pub expires_at_epoch: Option<u64>,
}

impl ProposalView {
    pub fn new(id: u64, p: &Proposal, epoch: u64) -> Self {
        Self {
            id,
            proposer: p.proposer.clone(),
            description: p.description.clone(),
            kind: p.kind.clone(),
            state: p.state(epoch),
            rules: p.rules.clone(),
            snapshot_block: p.snapshot_block,
            snapshot_total_supply: p.snapshot_total_supply,
            quorum_votes: p.quorum_votes,
            start_epoch: p.start_epoch,
            voting_ends_epoch: p.voting_ends_epoch,
            for_votes: p.tally.for_votes,
            against_votes: p.tally.against_votes,
            abstain_votes: p.tally.abstain_votes,
            eta_epoch: (p.status != ProposalStatus::Voting)
                .then_some(p.eta_epoch)
                .filter(|e| *e > 0),
            expires_at_epoch: p.expires_at_epoch(),
        }
    }
}
