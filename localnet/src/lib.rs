//! An in-process NEAR chain on nearcore's contract runtime.
//!
//! `localnet` runs real contract wasm through `near-vm-runner` (nearcore's
//! contract runtime, wasmtime backend) with the runtime and fee configuration
//! of the current protocol version from `near-parameters`. Transactions become
//! receipts, each receipt hop takes a block, gas and refunds follow nearcore,
//! and epochs, validators, stake and rewards are modelled so contracts that
//! read `env::epoch_height`, `env::validator_stake` or stake themselves behave
//! as on chain. Everything is deterministic: the same calls give the same
//! outcomes, hashes and state.
//!
//! ```
//! use localnet::{Localnet, NearToken};
//!
//! let mut net = Localnet::new();
//! let alice = net.create_account("alice.near", NearToken::from_near(100));
//! let bob = net.create_account("bob.near", NearToken::from_near(1));
//! let outcome = net.transfer(&alice, &bob, NearToken::from_near(5));
//! outcome.assert_success();
//! assert_eq!(net.balance(&bob), NearToken::from_near(6));
//! // The transfer took two blocks: conversion, then the receipt.
//! assert_eq!(outcome.receipts[0].block_height, outcome.transaction.block_height + 1);
//!
//! net.advance_epochs(2);
//! assert_eq!(net.epoch_height(), 3);
//! ```
//!
//! With a contract (see `localnet/README.md` for the whole API):
//!
//! ```no_run
//! use localnet::{Localnet, NearToken, Gas};
//! use serde_json::json;
//!
//! let mut net = Localnet::new();
//! let wasm = std::fs::read("res/localnet_probe.wasm").unwrap();
//! let probe = net.create_and_deploy("probe.near", NearToken::from_near(10), &wasm);
//! let alice = net.create_account("alice.near", NearToken::from_near(10));
//! net.call(&alice, &probe, "new").transact().assert_success();
//! let out = net.call(&alice, &probe, "ping").gas(Gas::from_tgas(10)).transact();
//! assert_eq!(out.json::<u64>().unwrap(), 1);
//! assert_eq!(out.events()[0].event, "pinged");
//! let count: u64 = net.view(&probe, "counter", json!({})).unwrap();
//! assert_eq!(count, 1);
//! ```

mod cache;
mod chain;
mod epoch;
mod ext;
mod fees;
mod ids;
mod keys;
#[cfg(feature = "node")]
pub mod node;
mod outcome;
mod receipt;
mod runtime;
mod state;
mod tx;
mod view;

pub use chain::{BlockBody, BlockHeader, Chain, ChainConfig};
pub use epoch::RewardRate;
pub use keys::{derive_public_key, derive_secret_key};
pub use near_account_id::AccountId;
pub use near_crypto::{PublicKey, SecretKey};
pub use near_gas::NearGas as Gas;
pub use near_parameters::{ActionCosts, RuntimeConfig};
/// nearcore's error types, as outcomes carry them.
pub use near_primitives::errors;
pub use near_primitives::errors::TxExecutionError;
pub use near_primitives_core::hash::CryptoHash;
pub use near_token::NearToken;
pub use outcome::{
    ActionSummary, Event, ExecutionOutcome, FinalStatus, ReceiptOutcome, ReceiptStatus,
    TransactionOutcome,
};
pub use receipt::{ActionReceipt, DataReceiver, Receipt, ReceiptBody};
pub use state::Account;
pub use tx::{BatchBuilder, CallBuilder};
pub use view::ViewResult;

use near_primitives::action::{Action, TransferAction};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Blocks `transact` and `run_until_idle` produce at most before deciding a
/// contract is looping.
pub const MAX_BLOCKS_PER_RUN: u64 = 10_000;

/// Errors of the convenience API (a failed transaction is an outcome, not an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The account does not exist.
    AccountNotFound(AccountId),
    /// A view call aborted; `message` is the runtime's error text.
    View { message: String, logs: Vec<String> },
    /// A value could not be decoded.
    Decode(String),
    /// The transaction failed; the failure's text.
    Failed(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::AccountNotFound(id) => write!(f, "account {id} does not exist"),
            Error::View { message, .. } => write!(f, "wasm execution failed with error: {message}"),
            Error::Decode(m) => write!(f, "cannot decode the value: {m}"),
            Error::Failed(m) => write!(f, "transaction failed: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Configures a [`Localnet`] before genesis.
#[derive(Clone, Debug, Default)]
pub struct LocalnetBuilder {
    config: ChainConfig,
}

impl LocalnetBuilder {
    /// Blocks per epoch (default 43,200, nearcore's mainnet value).
    pub fn epoch_length(mut self, blocks: u64) -> Self {
        self.config.epoch_length = blocks;
        self
    }

    /// Time between blocks (default one second).
    pub fn block_time_ns(mut self, ns: u64) -> Self {
        self.config.block_time_ns = ns;
        self
    }

    /// Timestamp of the genesis block in nanoseconds (default 2025-01-01T00:00:00Z).
    pub fn genesis_time_ns(mut self, ns: u64) -> Self {
        self.config.genesis_time_ns = ns;
        self
    }

    /// Height of the genesis block (default 0).
    pub fn genesis_height(mut self, height: u64) -> Self {
        self.config.genesis_height = height;
        self
    }

    /// Gas price (default 10^8 yoctoNEAR per gas, mainnet's minimum).
    pub fn gas_price(mut self, price: NearToken) -> Self {
        self.config.gas_price = price;
        self
    }

    /// Validator reward per epoch on stake (default none).
    pub fn reward_rate(mut self, rate: RewardRate) -> Self {
        self.config.reward_rate = rate;
        self
    }

    /// Smallest stake that wins a validator seat (default zero: any stake);
    /// see [`Localnet::set_seat_threshold`].
    pub fn seat_threshold(mut self, stake: NearToken) -> Self {
        self.config.seat_threshold = stake;
        self
    }

    /// Smallest stake a stake action may propose (default: any positive stake).
    pub fn minimum_stake(mut self, stake: NearToken) -> Self {
        self.config.minimum_stake = stake;
        self
    }

    /// Chain id contracts see through `env::chain_id` (default `localnet`).
    pub fn chain_id(mut self, id: impl Into<String>) -> Self {
        self.config.chain_id = id.into();
        self
    }

    /// The chain at its genesis block.
    pub fn build(self) -> Localnet {
        Localnet {
            chain: Chain::new(self.config),
            nonces: BTreeMap::new(),
        }
    }
}

/// An in-process NEAR chain with a near-workspaces-like API.
///
/// Accounts made by [`Localnet::create_account`] and
/// [`Localnet::create_subaccount`] get a full access key derived from their id
/// ([`derive_secret_key`]); the API signs with it and fills in nonces.
#[derive(Clone)]
pub struct Localnet {
    chain: Chain,
    /// Last nonce handed out per (account, key), so several transactions can
    /// be submitted before a block includes them.
    nonces: BTreeMap<(AccountId, PublicKey), u64>,
}

impl Default for Localnet {
    fn default() -> Self {
        Self::new()
    }
}

fn parse_id(id: &str) -> AccountId {
    id.parse()
        .unwrap_or_else(|e| panic!("invalid account id {id:?}: {e}"))
}

impl Localnet {
    /// A chain with the default configuration, at its genesis block.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures epoch length, block time, gas price, rewards... before genesis.
    pub fn builder() -> LocalnetBuilder {
        LocalnetBuilder::default()
    }

    /// The chain core, for tools that drive blocks and transactions directly.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The chain core, mutably.
    pub fn chain_mut(&mut self) -> &mut Chain {
        &mut self.chain
    }

    // ----- accounts -----

    /// Creates `id` with `balance` directly in state (like a genesis record):
    /// no transaction, no gas. Any id is allowed, top-level or not.
    ///
    /// # Panics
    /// If the id is invalid or the account exists.
    pub fn create_account(&mut self, id: &str, balance: NearToken) -> AccountId {
        let id = parse_id(id);
        let key = derive_public_key(&id);
        self.chain
            .insert_account(id.clone(), balance, Some(key))
            .unwrap_or_else(|e| panic!("{e}"));
        id
    }

    /// Creates `<prefix>.<parent>` with a transaction from `parent`
    /// (create account, transfer `balance`, add its derived key).
    ///
    /// # Panics
    /// If the transaction fails.
    pub fn create_subaccount(
        &mut self,
        parent: &AccountId,
        prefix: &str,
        balance: NearToken,
    ) -> AccountId {
        let id = parse_id(&format!("{prefix}.{parent}"));
        self.batch(parent, &id)
            .create_account()
            .transfer(balance)
            .add_full_access_key(derive_public_key(&id))
            .transact()
            .assert_success();
        id
    }

    /// Deploys `wasm` to `account` with a transaction signed by the account.
    pub fn deploy(&mut self, account: &AccountId, wasm: &[u8]) -> ExecutionOutcome {
        self.batch(account, account)
            .deploy(wasm.to_vec())
            .transact()
    }

    /// [`Localnet::create_account`] then [`Localnet::deploy`].
    ///
    /// # Panics
    /// If the account exists or the deployment fails.
    pub fn create_and_deploy(&mut self, id: &str, balance: NearToken, wasm: &[u8]) -> AccountId {
        let id = self.create_account(id, balance);
        self.deploy(&id, wasm).assert_success();
        id
    }

    /// Sends `amount` from `from` to `to`.
    pub fn transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: NearToken,
    ) -> ExecutionOutcome {
        self.batch(from, to).transfer(amount).transact()
    }

    /// A function call transaction; see [`CallBuilder`].
    pub fn call(
        &mut self,
        signer: &AccountId,
        contract: &AccountId,
        method: &str,
    ) -> CallBuilder<'_> {
        CallBuilder::new(self, signer.clone(), contract.clone(), method.to_string())
    }

    /// A transaction with any actions; see [`BatchBuilder`].
    pub fn batch(&mut self, signer: &AccountId, receiver: &AccountId) -> BatchBuilder<'_> {
        BatchBuilder::new(self, signer.clone(), receiver.clone())
    }

    /// The account, if it exists.
    pub fn account(&self, id: &AccountId) -> Option<Account> {
        self.chain.account(id)
    }

    /// Liquid balance of `id`.
    ///
    /// # Panics
    /// If the account does not exist.
    pub fn balance(&self, id: &AccountId) -> NearToken {
        self.account(id)
            .unwrap_or_else(|| panic!("account {id} does not exist"))
            .amount
    }

    /// Locked (staked) balance of `id`.
    ///
    /// # Panics
    /// If the account does not exist.
    pub fn locked(&self, id: &AccountId) -> NearToken {
        self.account(id)
            .unwrap_or_else(|| panic!("account {id} does not exist"))
            .locked
    }

    /// Raw contract storage of `id`.
    pub fn view_state(&self, id: &AccountId) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.chain.contract_state(id)
    }

    /// Writes (or with `None` removes) one storage entry of `id`, adjusting
    /// its storage usage, without a transaction (like the sandbox's state patch).
    ///
    /// # Panics
    /// If the account does not exist.
    pub fn patch_state(&mut self, id: &AccountId, key: &[u8], value: Option<&[u8]>) {
        let config = std::sync::Arc::clone(self.chain.runtime_config());
        let record = self
            .chain
            .state_mut()
            .accounts
            .get_mut(id)
            .filter(|r| r.account.is_some())
            .unwrap_or_else(|| panic!("account {id} does not exist"));
        let old = match value {
            Some(v) => record.data.insert(key.to_vec(), v.to_vec()),
            None => record.data.remove(key),
        };
        let account = record.account.as_mut().expect("filtered above");
        if let Some(old) = old {
            account.storage_usage -= state::data_record_bytes(&config, key, &old);
        }
        if let Some(v) = value {
            account.storage_usage += state::data_record_bytes(&config, key, v);
        }
    }

    /// Sets the liquid balance of `id` without a transaction.
    ///
    /// # Panics
    /// If the account does not exist.
    pub fn set_balance(&mut self, id: &AccountId, amount: NearToken) {
        let account = self
            .chain
            .state_mut()
            .accounts
            .get_mut(id)
            .and_then(|r| r.account.as_mut())
            .unwrap_or_else(|| panic!("account {id} does not exist"));
        account.amount = amount;
    }

    // ----- views -----

    /// Calls a view method with JSON arguments and parses its JSON result.
    ///
    /// # Errors
    /// [`Error::View`] with the runtime's message if the call aborts (a panic,
    /// or a state change or promise, which views forbid), [`Error::Decode`] if
    /// the result is not `T`.
    pub fn view<T: DeserializeOwned>(
        &self,
        contract: &AccountId,
        method: &str,
        args: serde_json::Value,
    ) -> Result<T, Error> {
        let out = self.view_raw(contract, method, &serde_json::to_vec(&args).expect("json"))?;
        serde_json::from_slice(&out.result).map_err(|e| {
            Error::Decode(format!("{e} in {:?}", String::from_utf8_lossy(&out.result)))
        })
    }

    /// Calls a view method with raw arguments.
    ///
    /// # Errors
    /// As [`Localnet::view`].
    pub fn view_raw(
        &self,
        contract: &AccountId,
        method: &str,
        args: &[u8],
    ) -> Result<ViewResult, Error> {
        view::view(&self.chain, contract, method, args)
    }

    // ----- blocks -----

    /// Submits a signed-by-localnet transaction for the next block.
    pub(crate) fn submit_actions(
        &mut self,
        signer: &AccountId,
        public_key: Option<PublicKey>,
        receiver: &AccountId,
        actions: Vec<Action>,
    ) -> CryptoHash {
        let public_key = public_key.unwrap_or_else(|| derive_public_key(signer));
        let key_nonce = self
            .chain
            .access_key(signer, &public_key)
            .map_or(0, |k| k.nonce);
        let last = self
            .nonces
            .entry((signer.clone(), public_key.clone()))
            .or_insert(0);
        let nonce = key_nonce.max(*last) + 1;
        *last = nonce;
        let tx = near_primitives::transaction::TransactionV0 {
            signer_id: signer.clone(),
            public_key,
            nonce,
            receiver_id: receiver.clone(),
            block_hash: self.chain.head().hash,
            actions,
        };
        self.chain.submit(tx)
    }

    /// Runs a transaction to completion and returns its outcome.
    pub(crate) fn transact_actions(
        &mut self,
        signer: &AccountId,
        public_key: Option<PublicKey>,
        receiver: &AccountId,
        actions: Vec<Action>,
    ) -> ExecutionOutcome {
        let hash = self.submit_actions(signer, public_key, receiver, actions);
        self.run_until_idle();
        self.outcome(&hash).expect("the transaction was included")
    }

    /// Produces one block; returns its height.
    pub fn produce_block(&mut self) -> u64 {
        self.chain.produce_block()
    }

    /// Produces blocks until no transaction, receipt or yield timeout is left.
    ///
    /// # Panics
    /// After [`MAX_BLOCKS_PER_RUN`] blocks (receipts calling each other forever).
    pub fn run_until_idle(&mut self) {
        self.chain.run_until_idle(MAX_BLOCKS_PER_RUN);
    }

    /// The outcome of a submitted transaction so far (`None` until a block includes it).
    pub fn outcome(&self, tx_hash: &CryptoHash) -> Option<ExecutionOutcome> {
        self.chain.outcome(tx_hash)
    }

    /// Moves `n` blocks forward; pending receipts run block by block, empty
    /// stretches are skipped in one step (epoch boundaries still apply).
    pub fn advance_blocks(&mut self, n: u64) {
        self.chain.advance_blocks(n);
    }

    /// Moves to the first block of the epoch `n` epochs after the current one.
    pub fn advance_epochs(&mut self, n: u64) {
        let target = self.chain.epoch_start(self.chain.epoch_height() + n);
        let blocks = target - self.chain.height();
        self.chain.advance_blocks(blocks);
    }

    /// Moves to the first block of the next epoch.
    pub fn advance_to_next_epoch(&mut self) {
        self.advance_epochs(1);
    }

    /// Height of the head block.
    pub fn block_height(&self) -> u64 {
        self.chain.height()
    }

    /// Epoch of the head block (genesis is in epoch 1).
    pub fn epoch_height(&self) -> u64 {
        self.chain.epoch_height()
    }

    /// Timestamp of the head block in nanoseconds.
    pub fn block_timestamp(&self) -> u64 {
        self.chain.head().timestamp_ns
    }

    /// Header of the block at `height`, if produced.
    pub fn block(&self, height: u64) -> Option<BlockHeader> {
        self.chain.block(height)
    }

    // ----- validators -----

    /// Sets the total stake of validators outside the test: added to
    /// `env::validator_total_stake` from the current block on.
    pub fn set_external_validator_stake(&mut self, total: NearToken) {
        self.chain.set_external_stake(total);
    }

    /// Adds (or with zero removes) a named validator outside the test: it
    /// appears in `env::validator_stake` and the total from the current block on.
    pub fn set_external_validator(&mut self, id: &AccountId, stake: NearToken) {
        self.chain.set_external_validator(id.clone(), stake);
    }

    /// Reward per epoch on each validator's stake, from the next epoch boundary on.
    pub fn set_validator_reward_rate(&mut self, rate: RewardRate) {
        self.chain.set_reward_rate(rate);
    }

    /// Validator `id` earns `rate` per epoch, whatever the chain-wide rate,
    /// from the next epoch boundary on.
    pub fn set_validator_reward_rate_of(&mut self, id: &AccountId, rate: RewardRate) {
        self.chain.set_validator_reward_rate(id.clone(), Some(rate));
    }

    /// Validator `id` earns the chain-wide rate again, from the next boundary on.
    pub fn clear_validator_reward_rate_of(&mut self, id: &AccountId) {
        self.chain.set_validator_reward_rate(id.clone(), None);
    }

    /// The rate validator `id` earns at the next boundary.
    pub fn validator_reward_rate_of(&self, id: &AccountId) -> RewardRate {
        self.chain.validator_reward_rate(id)
    }

    /// The chain-wide reward rate (validators without their own earn it).
    pub fn validator_reward_rate(&self) -> RewardRate {
        self.chain.reward_rate()
    }

    /// Smallest stake that wins a seat in the validator sets formed from the
    /// next epoch boundary on (they serve two epochs later). A validator
    /// below it is kicked out: it validates nothing, earns nothing, and its
    /// locked balance comes back as for an unstake; a new proposal at or
    /// above it brings it back. Zero (the default) seats every stake.
    pub fn set_seat_threshold(&mut self, threshold: NearToken) {
        self.chain.set_seat_threshold(threshold);
    }

    /// The seat threshold in force.
    pub fn seat_threshold(&self) -> NearToken {
        self.chain.seat_threshold()
    }

    /// Accounts (and their stakes) left out of the validator set formed at
    /// the last epoch boundary for want of stake.
    pub fn kicked_out(&self) -> BTreeMap<AccountId, NearToken> {
        self.chain.kicked_out()
    }

    /// Locks `stake` of `id`'s balance and makes it a validator of the current
    /// epoch at once, as if it had been one since genesis.
    ///
    /// # Panics
    /// If the account does not exist or holds less than `stake`.
    pub fn seed_validator(&mut self, id: &AccountId, stake: NearToken) {
        self.chain
            .seed_validator(id, stake)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Stakes of the current epoch's validators as contracts see them
    /// (outside validators included), and their total.
    pub fn validators(&self) -> (BTreeMap<AccountId, NearToken>, NearToken) {
        self.chain.validators()
    }

    /// Price gas is burnt at.
    pub fn gas_price(&self) -> NearToken {
        self.chain.config().gas_price
    }

    /// The runtime configuration in force (fees, limits, storage price).
    pub fn runtime_config(&self) -> &RuntimeConfig {
        self.chain.runtime_config()
    }

    /// Cost of storing one byte.
    pub fn storage_byte_cost(&self) -> NearToken {
        self.chain.runtime_config().storage_amount_per_byte()
    }
}

/// A plain transfer action (for [`BatchBuilder::action`]).
pub fn transfer_action(amount: NearToken) -> Action {
    Action::Transfer(TransferAction { deposit: amount })
}
