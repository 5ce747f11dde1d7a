//! The META governance token and the DAO that governs the router.
//!
//! One contract is both: the NEP-141 ledger of META, which keeps a
//! checkpoint of every balance and of the total supply per block, and the
//! DAO, whose votes are weighed with those checkpoints at a snapshot block
//! before each proposal. The DAO's only powers are typed router actions
//! (the validator list and bounded parameters) and the guardian's mandate.
//!
//! Modules: `ledger` (balances and checkpoints), `storage` (who pays for
//! records, NEP-145), `token` (NEP-141, NEP-148, minting), `proposal` (the
//! proposal types and their state), `dao` (propose, vote, queue, execute),
//! `reply` (reading a callee's answer in a callback), `guardian`, `views`.

use near_sdk::store::{LookupMap, Vector};
use near_sdk::{env, near, require, AccountId, BorshStorageKey, PanicOnDefault};

pub mod config;
mod dao;
pub mod errors;
pub mod events;
pub mod gas;
mod guardian;
mod ledger;
pub mod proposal;
mod reply;
pub mod storage;
pub mod token;
mod views;

pub use config::{ConfigBounds, GovernanceConfig, RuleBounds};
pub use guardian::Guardian;
pub use ledger::{Account, Checkpoint};
pub use proposal::{
    Proposal, ProposalInput, ProposalKind, ProposalState, ProposalView, VoteChoice,
};
pub use storage::{StorageBalance, StorageBalanceBounds};
pub use token::FungibleTokenMetadata;
pub use views::{CheckpointView, ContractConfigView, GuardianView, VoteView};

use errors::{ERR_ALREADY_INITIALIZED, ERR_ONE_YOCTO};

/// Calls that move tokens or storage NEAR need a full-access key's
/// confirmation, which exactly one attached yoctoNEAR proves.
pub(crate) fn require_one_yocto() {
    require!(env::attached_deposit().as_yoctonear() == 1, ERR_ONE_YOCTO);
}

/// Storage prefixes; each is one byte, which the storage costs count on.
#[near]
#[derive(BorshStorageKey)]
pub(crate) enum StorageKey {
    Accounts,
    HistoryLen,
    Checkpoints,
    SupplyCheckpoints,
    Proposals,
    Votes,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Governance {
    router_account_id: AccountId,
    snear_account_id: AccountId,
    whitelist_account_id: AccountId,
    config: GovernanceConfig,
    guardian: Option<Guardian>,
    total_supply: u128,
    /// Registered holders (NEP-145).
    accounts: LookupMap<AccountId, Account>,
    /// Number of checkpoints of an account. Kept apart from `accounts` so an
    /// account's history outlives its registration.
    history_len: LookupMap<AccountId, u32>,
    /// An account's checkpoints, indexed 0.. in increasing block order.
    checkpoints: LookupMap<(AccountId, u32), Checkpoint>,
    supply_checkpoints: Vector<Checkpoint>,
    proposals: LookupMap<u64, Proposal>,
    proposal_count: u64,
    votes: LookupMap<(u64, AccountId), VoteChoiceRecord>,
}

/// A cast vote as stored.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteChoiceRecord {
    pub choice: VoteChoice,
    pub weight: u128,
}

#[near]
impl Governance {
    /// Initialises the token and the DAO.
    ///
    /// Private: only the contract account (normally in its deploy
    /// transaction). `config` defaults to [`GovernanceConfig::default`]; each
    /// rule must lie inside its bound (`E_CONFIG_*` otherwise). The guardian,
    /// if any, serves [`config::GUARDIAN_TERM_EPOCHS`]`.default` epochs.
    /// Gas: a few Tgas; no deposit; emits `guardian_set` when a guardian is given.
    #[init]
    #[private]
    pub fn new(
        router_account_id: AccountId,
        snear_account_id: AccountId,
        whitelist_account_id: AccountId,
        guardian_account_id: Option<AccountId>,
        config: Option<GovernanceConfig>,
    ) -> Self {
        require!(!env::state_exists(), ERR_ALREADY_INITIALIZED);
        let config = config.unwrap_or_default();
        config.assert_valid();
        let mut this = Self {
            router_account_id,
            snear_account_id,
            whitelist_account_id,
            config,
            guardian: None,
            total_supply: 0,
            accounts: LookupMap::new(StorageKey::Accounts),
            history_len: LookupMap::new(StorageKey::HistoryLen),
            checkpoints: LookupMap::new(StorageKey::Checkpoints),
            supply_checkpoints: Vector::new(StorageKey::SupplyCheckpoints),
            proposals: LookupMap::new(StorageKey::Proposals),
            proposal_count: 0,
            votes: LookupMap::new(StorageKey::Votes),
        };
        if let Some(account_id) = guardian_account_id {
            this.set_guardian(account_id, config::GUARDIAN_TERM_EPOCHS.default);
        }
        this
    }
}

#[cfg(test)]
mod tests;
