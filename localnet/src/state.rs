//! Chain state: accounts with their balances, code, contract data and access keys.
//!
//! Everything is kept in `BTreeMap`s so iteration (and therefore every
//! outcome, hash and dump) is deterministic.

use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_parameters::RuntimeConfig;
use near_primitives::account::AccessKey;
use near_primitives_core::hash::CryptoHash;
use near_token::NearToken;
use near_vm_runner::ContractCode;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An account as the protocol sees it (nearcore's `Account` record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Liquid balance.
    pub amount: NearToken,
    /// Balance locked by staking.
    pub locked: NearToken,
    /// Hash of the deployed contract, if any.
    pub code_hash: Option<CryptoHash>,
    /// Bytes this account is charged storage for.
    pub storage_usage: u64,
}

/// An account with everything stored under it.
#[derive(Clone, Debug, Default)]
pub(crate) struct AccountRecord {
    pub account: Option<Account>,
    pub data: BTreeMap<Vec<u8>, Vec<u8>>,
    pub keys: BTreeMap<PublicKey, AccessKey>,
}

/// The whole state of the chain.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub accounts: BTreeMap<AccountId, AccountRecord>,
    /// Contract code by hash; shared by every account that deployed it.
    pub codes: BTreeMap<CryptoHash, Arc<ContractCode>>,
}

impl State {
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id).and_then(|r| r.account.as_ref())
    }

    pub fn record(&self, id: &AccountId) -> Option<&AccountRecord> {
        self.accounts.get(id).filter(|r| r.account.is_some())
    }

    pub fn code(&self, hash: &CryptoHash) -> Option<Arc<ContractCode>> {
        self.codes.get(hash).cloned()
    }
}

/// Storage bytes charged for one contract data entry.
pub(crate) fn data_record_bytes(config: &RuntimeConfig, key: &[u8], value: &[u8]) -> u64 {
    key.len() as u64 + value.len() as u64 + config.fees.storage_usage_config.num_extra_bytes_record
}

/// Storage bytes charged for one access key.
pub(crate) fn access_key_bytes(config: &RuntimeConfig, pk: &PublicKey, key: &AccessKey) -> u64 {
    let pk_len = borsh::object_length(pk).expect("borsh of a public key");
    let key_len = borsh::object_length(key).expect("borsh of an access key");
    (pk_len + key_len) as u64 + config.fees.storage_usage_config.num_extra_bytes_record
}

/// Storage bytes of an account with nothing in it.
pub(crate) fn empty_account_bytes(config: &RuntimeConfig) -> u64 {
    config.fees.storage_usage_config.num_bytes_account
}

/// Largest storage usage that needs no balance (NEP-448 zero-balance accounts).
pub(crate) const ZERO_BALANCE_ACCOUNT_STORAGE_LIMIT: u64 = 770;

/// Balance `account` lacks to cover its storage, or `None` when it has enough.
pub(crate) fn storage_shortfall(config: &RuntimeConfig, account: &Account) -> Option<NearToken> {
    let required = config
        .storage_amount_per_byte()
        .checked_mul(account.storage_usage as u128)
        .expect("storage cost overflow");
    let available = account
        .amount
        .checked_add(account.locked)
        .expect("balance overflow");
    if available >= required || account.storage_usage <= ZERO_BALANCE_ACCOUNT_STORAGE_LIMIT {
        None
    } else {
        Some(required.checked_sub(available).expect("checked above"))
    }
}
