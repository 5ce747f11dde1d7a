//! NEP-297 events: the NEP-141 token events (`nep141` 1.0.0) and the DAO's
//! own (`meta-governance` 1.0.0).

use near_sdk::json_types::{Base58CryptoHash, U128};
use near_sdk::{near, AccountId};

use crate::proposal::{ProposalKind, VoteChoice};

#[near(serializers = [json])]
#[derive(Clone, Debug)]
pub struct FtMint {
    pub owner_id: AccountId,
    pub amount: U128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

#[near(serializers = [json])]
#[derive(Clone, Debug)]
pub struct FtTransfer {
    pub old_owner_id: AccountId,
    pub new_owner_id: AccountId,
    pub amount: U128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

#[near(serializers = [json])]
#[derive(Clone, Debug)]
pub struct FtBurn {
    pub owner_id: AccountId,
    pub amount: U128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// The token events of NEP-141; `data` is a list, as the standard says.
#[near(event_json(standard = "nep141"))]
pub enum Nep141Event {
    #[event_version("1.0.0")]
    FtMint(Vec<FtMint>),
    #[event_version("1.0.0")]
    FtTransfer(Vec<FtTransfer>),
    #[event_version("1.0.0")]
    FtBurn(Vec<FtBurn>),
}

/// The DAO's events, one per state change of a proposal or the guardian.
#[near(event_json(standard = "meta-governance"))]
pub enum GovernanceEvent {
    #[event_version("1.0.0")]
    ProposalCreated {
        proposal_id: u64,
        proposer: AccountId,
        kind: ProposalKind,
        snapshot_block: u64,
        voting_ends_epoch: u64,
    },
    /// An add-validator proposal the whitelist did not confirm with an
    /// exact `true`; no proposal exists and the storage payment went back
    /// to the proposer.
    #[event_version("1.0.0")]
    ProposalRejected {
        proposer: AccountId,
        kind: ProposalKind,
        reason: String,
    },
    #[event_version("1.0.0")]
    VoteCast {
        proposal_id: u64,
        voter: AccountId,
        choice: VoteChoice,
        weight: U128,
    },
    #[event_version("1.0.0")]
    ProposalQueued { proposal_id: u64, eta_epoch: u64 },
    #[event_version("1.0.0")]
    ProposalExecuting { proposal_id: u64 },
    #[event_version("1.0.0")]
    ProposalExecuted { proposal_id: u64 },
    /// The router (or the whitelist re-check) refused, failed or answered
    /// anything but `true`; the proposal is Queued again and may be
    /// retried until it expires.
    #[event_version("1.0.0")]
    ProposalExecutionFailed { proposal_id: u64, reason: String },
    #[event_version("1.0.0")]
    ProposalCancelled {
        proposal_id: u64,
        guardian: AccountId,
    },
    #[event_version("1.0.0")]
    GuardianSet {
        account_id: AccountId,
        expires_at_epoch: u64,
    },
    /// Code was staged for upgrade proposals to name by its hash; the
    /// stager paid `storage_deposit` for it.
    #[event_version("1.0.0")]
    CodeStaged {
        code_hash: Base58CryptoHash,
        stager: AccountId,
        length: u64,
        storage_deposit: U128,
    },
    /// Staged code no live proposal names any more was deleted and its
    /// storage deposit refunded to the stager.
    #[event_version("1.0.0")]
    CodeUnstaged {
        code_hash: Base58CryptoHash,
        stager: AccountId,
        refund: U128,
    },
    /// New code was deployed by an `UpgradeGovernance` proposal and its
    /// `migrate` turned the stored state of `from_version` into
    /// `to_version`.
    #[event_version("1.0.0")]
    StateMigrated { from_version: u8, to_version: u8 },
    /// The guardian asked the router to pause new stake
    /// (`guardian_pause_staking`); the router's `staking_paused` event
    /// confirms it, or its refusal (`E_ALREADY_PAUSED`) fails the call.
    #[event_version("1.0.0")]
    StakingPauseRequested { guardian: AccountId },
}

pub(crate) fn emit_mint(owner_id: &AccountId, amount: u128) {
    Nep141Event::FtMint(vec![FtMint {
        owner_id: owner_id.clone(),
        amount: U128(amount),
        memo: None,
    }])
    .emit();
}

pub(crate) fn emit_transfer(from: &AccountId, to: &AccountId, amount: u128, memo: Option<String>) {
    Nep141Event::FtTransfer(vec![FtTransfer {
        old_owner_id: from.clone(),
        new_owner_id: to.clone(),
        amount: U128(amount),
        memo,
    }])
    .emit();
}

pub(crate) fn emit_burn(owner_id: &AccountId, amount: u128, memo: Option<String>) {
    Nep141Event::FtBurn(vec![FtBurn {
        owner_id: owner_id.clone(),
        amount: U128(amount),
        memo,
    }])
    .emit();
}
