//! The META governance token and the DAO that governs the router.
//!
//! One contract is both: the NEP-141 ledger of META, which checkpoints
//! every balance and the total supply per block (keeping only the
//! checkpoints an open or future proposal's snapshot can need, so a
//! holder's history is bounded), and the DAO, whose votes are weighed with
//! those checkpoints at a snapshot block before each proposal. The DAO's
//! only powers are typed router actions (the validator list and bounded
//! parameters), the guardian's mandate, and code upgrades of the router,
//! sNEAR and itself (staged code named by its hash, behind a time-lock
//! longer than a staker's exit).
//!
//! Modules: `ledger` (balances and their bounded histories), `bond`
//! (the META each open proposal locks), `storage`
//! (who pays for records, NEP-145), `token` (NEP-141, NEP-148, minting),
//! `proposal` (the proposal types, their state and snapshot pins), `dao`
//! (propose, vote, queue, execute), `reply` (reading a callee's answer in a
//! callback), `guardian`, `views`, `staged` (code staged for upgrades),
//! `upgrade` (executing upgrades, the versioned state and its migration).

use near_sdk::borsh::{BorshDeserialize, BorshSerialize};
use near_sdk::store::LookupMap;
use near_sdk::{
    env, near, near_bindgen, require, AccountId, BorshStorageKey, CryptoHash, PanicOnDefault,
};

mod bond;
pub mod config;
mod dao;
pub mod errors;
pub mod events;
pub mod gas;
mod guardian;
mod ledger;
pub mod proposal;
mod reply;
pub mod staged;
pub mod storage;
pub mod token;
pub mod upgrade;
mod views;

pub use bond::LockedBalanceView;
pub use config::{ConfigBounds, GovernanceConfig, RuleBounds};
pub use guardian::Guardian;
pub use ledger::{Account, Checkpoint, History};
pub use proposal::{
    Proposal, ProposalInput, ProposalKind, ProposalState, ProposalView, SnapshotPin, UpgradeTarget,
    VoteChoice,
};
pub use staged::StagedCode;
pub use storage::{StorageBalance, StorageBalanceBounds};
pub use token::FungibleTokenMetadata;
pub use views::{
    CheckpointView, ContractConfigView, GuardianView, HistoryView, SnapshotPinView, VoteView,
};

use config::MAX_OPEN_PROPOSALS;
use errors::{ERR_ALREADY_INITIALIZED, ERR_ONE_YOCTO};

/// Calls that move tokens or storage NEAR need a full-access key's
/// confirmation, which exactly one attached yoctoNEAR proves.
pub(crate) fn require_one_yocto() {
    require!(env::attached_deposit().as_yoctonear() == 1, ERR_ONE_YOCTO);
}

/// Storage prefixes; each is one byte, which the storage costs count on.
/// Append only once deployed: a reordering would point live data at the
/// wrong collection after an upgrade.
#[near]
#[derive(BorshStorageKey)]
pub(crate) enum StorageKey {
    Accounts,
    Histories,
    Proposals,
    Votes,
    StagedCode,
    StagedCodeBytes,
    CodeRefs,
}

/// The contract's state, stored versioned (`upgrade`): fields are appended
/// at the end only, so an older layout is a prefix of the newer one.
// NEP-330 (`contract_source_metadata`): version from Cargo.toml, and every
// standard this contract implements (near-sdk adds nep330 itself).
#[near_bindgen(contract_metadata(
    standard(standard = "nep141", version = "1.0.0"),
    standard(standard = "nep145", version = "1.0.0"),
    standard(standard = "nep148", version = "1.0.0"),
    standard(standard = "nep297", version = "1.0.0")
))]
#[derive(BorshSerialize, BorshDeserialize, PanicOnDefault)]
#[borsh(crate = "near_sdk::borsh")]
pub struct Governance {
    router_account_id: AccountId,
    snear_account_id: AccountId,
    whitelist_account_id: AccountId,
    config: GovernanceConfig,
    guardian: Option<Guardian>,
    total_supply: u128,
    /// Registered holders (NEP-145).
    accounts: LookupMap<AccountId, Account>,
    /// Each account's bounded history, one record (`ledger`). Kept apart
    /// from `accounts` so it outlives the registration while an open
    /// proposal's snapshot may need it.
    histories: LookupMap<AccountId, History>,
    /// The total supply's bounded history.
    supply_history: History,
    /// The snapshots of the proposals open for voting (or awaiting the
    /// whitelist): a fixed number of slots, each free once its pin lapsed.
    snapshot_pins: [SnapshotPin; MAX_OPEN_PROPOSALS],
    proposals: LookupMap<u64, Proposal>,
    proposal_count: u64,
    votes: LookupMap<(u64, AccountId), VoteChoiceRecord>,
    /// Code staged for upgrade proposals, by sha256 (`staged`).
    staged_code: LookupMap<CryptoHash, StagedCode>,
    /// The staged code each live upgrade proposal names.
    code_refs: LookupMap<u64, CryptoHash>,
    /// Test-only second version (`next-version`): the epoch its migration
    /// ran in. Keep it the last field: the migration appends it.
    #[cfg(feature = "next-version")]
    upgraded_at_epoch: u64,
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
            histories: LookupMap::new(StorageKey::Histories),
            supply_history: History::default(),
            snapshot_pins: [SnapshotPin::default(); MAX_OPEN_PROPOSALS],
            proposals: LookupMap::new(StorageKey::Proposals),
            proposal_count: 0,
            votes: LookupMap::new(StorageKey::Votes),
            staged_code: LookupMap::new(StorageKey::StagedCode),
            code_refs: LookupMap::new(StorageKey::CodeRefs),
            #[cfg(feature = "next-version")]
            upgraded_at_epoch: env::epoch_height(),
        };
        if let Some(account_id) = guardian_account_id {
            this.set_guardian(account_id, config::GUARDIAN_TERM_EPOCHS.default);
        }
        this
    }
}

#[cfg(test)]
mod tests;
