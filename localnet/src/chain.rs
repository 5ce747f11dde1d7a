//! The chain core: blocks, the transaction pool, receipt routing, epochs.
//!
//! It knows nothing of JSON or of the convenience API; a JSON-RPC node can
//! wrap it directly (submit a transaction, produce blocks, read outcomes,
//! accounts, access keys and blocks).

use crate::epoch::{Epochs, RewardRate};
use crate::fees;
use crate::ids;
use crate::outcome::{
    ActionSummary, ExecutionOutcome, FinalStatus, ReceiptOutcome, ReceiptStatus, TransactionOutcome,
};
use crate::receipt::{ActionReceipt, Receipt, ReceiptBody};
use crate::runtime::{self, BlockContext};
use crate::state::{self, Account, State};
use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_gas::NearGas;
use near_parameters::{RuntimeConfig, RuntimeConfigStore};
use near_primitives::account::{AccessKey, AccessKeyPermission};
use near_primitives::action::Action;
use near_primitives::errors::{
    ActionsValidationError, InvalidAccessKeyError, InvalidTxError, TxExecutionError,
};
use near_primitives::transaction::{Transaction, TransactionV0};
use near_primitives_core::hash::{CryptoHash, YieldId};
use near_primitives_core::types::ProtocolVersion;
use near_primitives_core::types::{Balance, Gas};
use near_token::NearToken;
use near_vm_runner::logic::types::PromiseResult;
use near_vm_runner::logic::ReturnData;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Parameters of a chain, fixed at genesis (the reward rate can change later).
#[derive(Clone, Debug)]
pub struct ChainConfig {
    pub chain_id: String,
    /// Blocks per epoch (nearcore mainnet: 43,200).
    pub epoch_length: u64,
    /// Nanoseconds between blocks.
    pub block_time_ns: u64,
    /// Timestamp of the genesis block, nanoseconds since the Unix epoch.
    pub genesis_time_ns: u64,
    pub genesis_height: u64,
    /// Price gas is burnt at, per unit (constant).
    pub gas_price: NearToken,
    /// Smallest stake a stake action may propose (0: any positive stake).
    pub minimum_stake: NearToken,
    /// Reward per epoch on each validator's stake.
    pub reward_rate: RewardRate,
    /// Smallest stake that wins a seat when a validator set is formed
    /// (nearcore's seat price, fixed here; zero: every stake is seated).
    pub seat_threshold: NearToken,
    /// Protocol version whose runtime configuration is used.
    pub protocol_version: ProtocolVersion,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            chain_id: "localnet".into(),
            epoch_length: 43_200,
            block_time_ns: 1_000_000_000,
            // 2025-01-01T00:00:00Z: a fixed instant, never the wall clock.
            genesis_time_ns: 1_735_689_600_000_000_000,
            genesis_height: 0,
            // nearcore's minimum gas price on mainnet.
            gas_price: NearToken::from_yoctonear(100_000_000),
            minimum_stake: NearToken::ZERO,
            reward_rate: RewardRate::ZERO,
            seat_threshold: NearToken::ZERO,
            protocol_version: near_primitives_core::version::PROTOCOL_VERSION,
        }
    }
}

/// A block header. Blocks without transactions or receipts are not stored but
/// have headers all the same, derived from their height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    pub height: u64,
    pub hash: CryptoHash,
    pub prev_hash: CryptoHash,
    pub timestamp_ns: u64,
    pub epoch_height: u64,
    pub gas_price: NearToken,
}

/// What a block carried.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockBody {
    pub transactions: Vec<CryptoHash>,
    /// Action receipts executed in the block, in order.
    pub receipts: Vec<CryptoHash>,
}

/// A transaction's bookkeeping.
#[derive(Clone, Debug)]
struct TxRecord {
    outcome: TransactionOutcome,
    /// Executed receipts in execution order.
    executed: Vec<CryptoHash>,
    /// Action receipts created but not executed yet.
    outstanding: usize,
}

/// A receipt waiting for input data.
#[derive(Clone, Debug)]
struct Postponed {
    receipt: Receipt,
    missing: usize,
}

/// The chain.
#[derive(Clone)]
pub struct Chain {
    config: ChainConfig,
    runtime_config: Arc<RuntimeConfig>,
    state: State,
    height: u64,
    /// Hash of the last block that carried work (genesis at first).
    anchor: CryptoHash,
    blocks: BTreeMap<u64, (CryptoHash, BlockBody)>,
    pool: Vec<TransactionV0>,
    /// Receipts to apply in the next block, in order.
    queue: Vec<Receipt>,
    postponed: BTreeMap<CryptoHash, Postponed>,
    received: BTreeMap<(AccountId, CryptoHash), Option<Vec<u8>>>,
    waiting_for: BTreeMap<(AccountId, CryptoHash), CryptoHash>,
    yields_waiting: BTreeMap<CryptoHash, AccountId>,
    yields_named: BTreeMap<(AccountId, YieldId), CryptoHash>,
    yield_timeouts: BTreeMap<u64, Vec<(AccountId, CryptoHash)>>,
    epochs: Epochs,
    txs: BTreeMap<CryptoHash, TxRecord>,
    receipts: BTreeMap<CryptoHash, ReceiptOutcome>,
    /// Where an executed receipt's transaction record is.
    receipt_tx: BTreeMap<CryptoHash, CryptoHash>,
    /// Executed action receipts in full, kept only when asked for
    /// ([`Chain::record_receipts`]): a JSON-RPC node shows them, tests do not
    /// need the copies.
    executed_receipts: Option<BTreeMap<CryptoHash, Receipt>>,
}

impl Chain {
    /// A chain at its genesis block, with the runtime configuration of `config.protocol_version`.
    pub fn new(config: ChainConfig) -> Self {
        assert!(config.epoch_length > 0, "epoch length must be positive");
        let store = RuntimeConfigStore::new(None);
        let runtime_config = Arc::clone(store.get_config(config.protocol_version));
        let anchor = ids::block_hash(config.genesis_height, &CryptoHash::default());
        let mut epochs = Epochs::new(1, config.reward_rate);
        epochs.seat_threshold = config.seat_threshold;
        Chain {
            height: config.genesis_height,
            config,
            runtime_config,
            state: State::default(),
            anchor,
            blocks: BTreeMap::new(),
            pool: Vec::new(),
            queue: Vec::new(),
            postponed: BTreeMap::new(),
            received: BTreeMap::new(),
            waiting_for: BTreeMap::new(),
            yields_waiting: BTreeMap::new(),
            yields_named: BTreeMap::new(),
            yield_timeouts: BTreeMap::new(),
            epochs,
            txs: BTreeMap::new(),
            receipts: BTreeMap::new(),
            receipt_tx: BTreeMap::new(),
            executed_receipts: None,
        }
    }

    /// From now on, keep every executed action receipt in full, for
    /// [`Chain::executed_receipt`]. Off by default.
    pub fn record_receipts(&mut self) {
        self.executed_receipts.get_or_insert_with(BTreeMap::new);
    }

    /// An executed action receipt, if [`Chain::record_receipts`] was on when it ran.
    pub fn executed_receipt(&self, receipt_id: &CryptoHash) -> Option<&Receipt> {
        self.executed_receipts.as_ref()?.get(receipt_id)
    }

    /// The genesis parameters.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// Fees, limits and storage price in force.
    pub fn runtime_config(&self) -> &Arc<RuntimeConfig> {
        &self.runtime_config
    }

    /// Price the signer pays for gas that is not burnt at once (nearcore buys it
    /// at no less than `min_gas_purchase_price` and refunds the difference).
    pub fn gas_purchase_price(&self) -> NearToken {
        self.config
            .gas_price
            .max(self.runtime_config.min_gas_purchase_price)
    }

    // ----- time -----

    /// Height of the head block.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Epoch of the block at `height`: blocks `genesis + (e-1)*L ..` belong to epoch `e`.
    pub fn epoch_of(&self, height: u64) -> u64 {
        (height.saturating_sub(self.config.genesis_height)) / self.config.epoch_length + 1
    }

    /// Epoch of the head block.
    pub fn epoch_height(&self) -> u64 {
        self.epoch_of(self.height)
    }

    /// First block of epoch `epoch`.
    pub fn epoch_start(&self, epoch: u64) -> u64 {
        self.config.genesis_height + (epoch - 1) * self.config.epoch_length
    }

    /// Timestamp of the block at `height`, in nanoseconds.
    pub fn timestamp_of(&self, height: u64) -> u64 {
        self.config.genesis_time_ns
            + (height - self.config.genesis_height) * self.config.block_time_ns
    }

    /// Hash of the last block before `height` that carried work.
    fn anchor_before(&self, height: u64) -> CryptoHash {
        self.blocks.range(..height).next_back().map_or_else(
            || ids::block_hash(self.config.genesis_height, &CryptoHash::default()),
            |(_, (hash, _))| *hash,
        )
    }

    fn hash_of(&self, height: u64) -> CryptoHash {
        if height == self.config.genesis_height {
            return ids::block_hash(height, &CryptoHash::default());
        }
        match self.blocks.get(&height) {
            Some((hash, _)) => *hash,
            None => ids::block_hash(height, &self.anchor_before(height)),
        }
    }

    /// Header of the block at `height`, if it has been produced.
    pub fn block(&self, height: u64) -> Option<BlockHeader> {
        if height < self.config.genesis_height || height > self.height {
            return None;
        }
        let prev_hash = if height == self.config.genesis_height {
            CryptoHash::default()
        } else {
            self.hash_of(height - 1)
        };
        Some(BlockHeader {
            height,
            hash: self.hash_of(height),
            prev_hash,
            timestamp_ns: self.timestamp_of(height),
            epoch_height: self.epoch_of(height),
            gas_price: self.config.gas_price,
        })
    }

    /// Transactions and receipts of the block at `height` (empty for blocks without work).
    pub fn block_body(&self, height: u64) -> BlockBody {
        self.blocks
            .get(&height)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    }

    /// Header of the head block.
    pub fn head(&self) -> BlockHeader {
        self.block(self.height).expect("the head exists")
    }

    // ----- state -----

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    pub(crate) fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    /// The account record, if the account exists.
    pub fn account(&self, id: &AccountId) -> Option<Account> {
        self.state.account(id).cloned()
    }

    /// One access key of an account.
    pub fn access_key(&self, id: &AccountId, pk: &PublicKey) -> Option<AccessKey> {
        self.state.record(id).and_then(|r| r.keys.get(pk).cloned())
    }

    /// Every access key of an account.
    pub fn access_keys(&self, id: &AccountId) -> BTreeMap<PublicKey, AccessKey> {
        self.state
            .record(id)
            .map(|r| r.keys.clone())
            .unwrap_or_default()
    }

    /// The wasm deployed on an account.
    pub fn contract_code(&self, id: &AccountId) -> Option<Vec<u8>> {
        let hash = self.state.account(id)?.code_hash?;
        self.state.code(&hash).map(|c| c.code().to_vec())
    }

    /// Raw contract storage of an account.
    pub fn contract_state(&self, id: &AccountId) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.state
            .record(id)
            .map(|r| r.data.clone())
            .unwrap_or_default()
    }

    /// Inserts an account directly, as a genesis record would.
    pub fn insert_account(
        &mut self,
        id: AccountId,
        amount: NearToken,
        key: Option<PublicKey>,
    ) -> Result<(), String> {
        if self.state.account(&id).is_some() {
            return Err(format!("account {id} already exists"));
        }
        let mut record = state::AccountRecord {
            account: Some(Account {
                amount,
                locked: NearToken::ZERO,
                code_hash: None,
                storage_usage: state::empty_account_bytes(&self.runtime_config),
            }),
            ..Default::default()
        };
        if let Some(pk) = key {
            let ak = AccessKey {
                nonce: 0,
                permission: AccessKeyPermission::FullAccess,
            };
            let bytes = state::access_key_bytes(&self.runtime_config, &pk, &ak);
            record.account.as_mut().expect("just set").storage_usage += bytes;
            record.keys.insert(pk, ak);
        }
        self.state.accounts.insert(id, record);
        Ok(())
    }

    // ----- validators -----

    /// Stakes of the current epoch's validators (including outside validators).
    pub fn validators(&self) -> (BTreeMap<AccountId, NearToken>, NearToken) {
        let (view, total) = self.epochs.view();
        (view.clone(), total)
    }

    /// Validator set the chain has computed for `epoch` (current, next or next-but-one).
    pub fn validator_set(&self, epoch: u64) -> Option<BTreeMap<AccountId, NearToken>> {
        self.epochs.set(epoch).cloned()
    }

    /// Reward per epoch on stake, applied from the next epoch boundary on.
    pub fn set_reward_rate(&mut self, rate: RewardRate) {
        self.epochs.reward_rate = rate;
    }

    /// The chain-wide reward rate in force (validators without a rate of
    /// their own earn it).
    pub fn reward_rate(&self) -> RewardRate {
        self.epochs.reward_rate
    }

    /// Gives validator `id` a reward rate of its own from the next epoch
    /// boundary on; `None` puts it back on the chain-wide rate.
    pub fn set_validator_reward_rate(&mut self, id: AccountId, rate: Option<RewardRate>) {
        self.epochs.set_rate_of(id, rate);
    }

    /// The rate validator `id` earns: its own, or the chain-wide one.
    pub fn validator_reward_rate(&self, id: &AccountId) -> RewardRate {
        self.epochs.rate_of(id)
    }

    /// Validators with a reward rate of their own.
    pub fn validator_reward_rates(&self) -> BTreeMap<AccountId, RewardRate> {
        self.epochs.rate_overrides().clone()
    }

    /// Smallest stake seated in the sets formed from the next epoch boundary
    /// on (the set two epochs ahead); zero seats every stake.
    pub fn set_seat_threshold(&mut self, threshold: NearToken) {
        self.epochs.seat_threshold = threshold;
    }

    /// The seat threshold in force.
    pub fn seat_threshold(&self) -> NearToken {
        self.epochs.seat_threshold
    }

    /// Accounts left out of the validator set formed at the last epoch
    /// boundary for a stake below the seat threshold, with that stake.
    pub fn kicked_out(&self) -> BTreeMap<AccountId, NearToken> {
        self.epochs.kicked_out().clone()
    }

    /// Total stake of validators outside the chain's accounts, from now on.
    pub fn set_external_stake(&mut self, total: NearToken) {
        self.epochs.external_total = total;
        self.epochs.refresh_view(self.epoch_height());
    }

    /// A named outside validator (zero removes it), from now on.
    pub fn set_external_validator(&mut self, id: AccountId, stake: NearToken) {
        if stake == NearToken::ZERO {
            self.epochs.external_named.remove(&id);
        } else {
            self.epochs.external_named.insert(id, stake);
        }
        self.epochs.refresh_view(self.epoch_height());
    }

    /// Locks `stake` of `id`'s balance and makes it a validator from the current
    /// epoch on, as a genesis validator (no proposal delay).
    pub fn seed_validator(&mut self, id: &AccountId, stake: NearToken) -> Result<(), String> {
        let epoch = self.epoch_height();
        let account = self
            .state
            .accounts
            .get_mut(id)
            .and_then(|r| r.account.as_mut())
            .ok_or_else(|| format!("account {id} does not exist"))?;
        let total = account
            .amount
            .checked_add(account.locked)
            .expect("balance overflow");
        account.amount = total
            .checked_sub(stake)
            .ok_or("stake exceeds the balance")?;
        account.locked = stake;
        self.epochs.seed_validator(epoch, id.clone(), stake);
        Ok(())
    }

    fn epoch_boundary(&mut self, ended: u64) {
        let update = self.epochs.advance(ended);
        for (id, reward) in &update.rewards {
            if let Some(a) = self
                .state
                .accounts
                .get_mut(id)
                .and_then(|r| r.account.as_mut())
            {
                a.locked = a.locked.checked_add(*reward).expect("balance overflow");
            }
        }
        for (id, keep) in &update.keep_locked {
            if let Some(a) = self
                .state
                .accounts
                .get_mut(id)
                .and_then(|r| r.account.as_mut())
            {
                if a.locked > *keep {
                    let back = a.locked.checked_sub(*keep).expect("checked");
                    a.locked = *keep;
                    a.amount = a.amount.checked_add(back).expect("balance overflow");
                }
            }
        }
    }

    // ----- transactions -----

    /// Queues a transaction for the next block and returns its hash.
    pub fn submit(&mut self, tx: TransactionV0) -> CryptoHash {
        let (hash, _) = Transaction::V0(tx.clone()).get_hash_and_size();
        self.pool.push(tx);
        hash
    }

    /// Whether transactions, receipts or yield timeouts are waiting.
    pub fn has_work(&self) -> bool {
        !self.pool.is_empty() || !self.queue.is_empty() || !self.yield_timeouts.is_empty()
    }

    /// Produces one block: epoch boundary first, then transactions, then receipts.
    pub fn produce_block(&mut self) -> u64 {
        let height = self.height + 1;
        self.height = height;
        let epoch = self.epoch_of(height);
        if self.epoch_start(epoch) == height && epoch > 1 {
            self.epoch_boundary(epoch - 1);
        }
        let block_hash = ids::block_hash(height, &self.anchor);
        let mut body = BlockBody::default();
        let mut next = Vec::new();

        let mut incoming = Vec::new();
        let due: Vec<u64> = self
            .yield_timeouts
            .range(..=height)
            .map(|(h, _)| *h)
            .collect();
        for h in due {
            for (account, data_id) in self.yield_timeouts.remove(&h).unwrap_or_default() {
                if self.yields_waiting.contains_key(&data_id) {
                    incoming.push(Receipt {
                        receipt_id: CryptoHash::default(),
                        predecessor_id: account.clone(),
                        receiver_id: account,
                        body: ReceiptBody::Data {
                            data_id,
                            data: None,
                        },
                        tx_hash: CryptoHash::default(),
                        parent: None,
                    });
                }
            }
        }
        incoming.append(&mut std::mem::take(&mut self.queue));

        let mut local = Vec::new();
        for tx in std::mem::take(&mut self.pool) {
            let (hash, receipt) = self.convert_transaction(tx, height);
            body.transactions.push(hash);
            if let Some(receipt) = receipt {
                if receipt.predecessor_id == receipt.receiver_id {
                    local.push(receipt);
                } else {
                    next.push(receipt);
                }
            }
        }
        for receipt in local.into_iter().chain(incoming) {
            self.process_receipt(receipt, height, block_hash, &mut next, &mut body);
        }
        self.queue = next;
        if !body.transactions.is_empty() || !body.receipts.is_empty() {
            self.blocks.insert(height, (block_hash, body));
            self.anchor = block_hash;
        }
        height
    }

    /// Moves the head forward by `n` blocks, producing blocks while there is
    /// work and jumping over empty stretches (epoch boundaries still apply).
    pub fn advance_blocks(&mut self, mut n: u64) {
        while n > 0 {
            if self.has_work() {
                let next_timeout = self.yield_timeouts.keys().next().copied();
                if self.pool.is_empty() && self.queue.is_empty() {
                    // Only yield timeouts: jump to the block before the first one.
                    let target = next_timeout.expect("has_work").saturating_sub(1);
                    if target > self.height {
                        let k = (target - self.height).min(n);
                        self.skip_empty(k);
                        n -= k;
                        continue;
                    }
                }
                self.produce_block();
                n -= 1;
            } else {
                self.skip_empty(n);
                n = 0;
            }
        }
    }

    /// Advances `k` empty blocks without producing them one by one.
    fn skip_empty(&mut self, k: u64) {
        let from = self.height;
        let to = from + k;
        let mut epoch = self.epoch_of(from) + 1;
        while self.epoch_start(epoch) <= to {
            self.epoch_boundary(epoch - 1);
            epoch += 1;
        }
        self.height = to;
    }

    /// Produces blocks until nothing is left to do. Panics after `max_blocks`.
    pub fn run_until_idle(&mut self, max_blocks: u64) {
        let start = self.height;
        while self.has_work() {
            assert!(
                self.height - start < max_blocks,
                "localnet: still busy after {max_blocks} blocks (a receipt loop?)"
            );
            if self.pool.is_empty() && self.queue.is_empty() {
                if let Some(&t) = self.yield_timeouts.keys().next() {
                    if t > self.height + 1 {
                        self.skip_empty(t - 1 - self.height);
                    }
                }
            }
            self.produce_block();
        }
    }

    /// Checks a transaction, charges its signer and turns it into a receipt.
    fn convert_transaction(
        &mut self,
        tx: TransactionV0,
        height: u64,
    ) -> (CryptoHash, Option<Receipt>) {
        let (hash, _) = Transaction::V0(tx.clone()).get_hash_and_size();
        let mut outcome = TransactionOutcome {
            hash,
            signer_id: tx.signer_id.clone(),
            receiver_id: tx.receiver_id.clone(),
            nonce: tx.nonce,
            public_key: tx.public_key.clone(),
            gas_burnt: NearGas::from_gas(0),
            tokens_burnt: NearToken::ZERO,
            block_height: height,
            status: ReceiptStatus::SuccessValue(Vec::new()),
        };
        let mut outstanding = 0;
        let mut root = None;
        match self.verify_and_charge(&tx, height) {
            Ok(gas_burnt) => {
                let receipt_id = ids::receipt_id_from_tx(&hash, height);
                outcome.gas_burnt = NearGas::from_gas(gas_burnt.as_gas());
                outcome.tokens_burnt = self
                    .config
                    .gas_price
                    .checked_mul(u128::from(gas_burnt.as_gas()))
                    .expect("burn overflow");
                outcome.status = ReceiptStatus::SuccessReceiptId(receipt_id);
                outstanding = 1;
                root = Some(Receipt {
                    receipt_id,
                    predecessor_id: tx.signer_id.clone(),
                    receiver_id: tx.receiver_id.clone(),
                    body: ReceiptBody::Action(ActionReceipt {
                        signer_id: tx.signer_id.clone(),
                        signer_public_key: tx.public_key.clone(),
                        gas_price: self.gas_purchase_price(),
                        output_data_receivers: vec![],
                        input_data_ids: vec![],
                        actions: tx.actions.clone(),
                        refund_to: None,
                        is_promise_yield: false,
                        unsupported: vec![],
                    }),
                    tx_hash: hash,
                    parent: None,
                });
            }
            Err(e) => {
                outcome.status = ReceiptStatus::Failure(TxExecutionError::InvalidTxError(e));
            }
        }
        self.txs.insert(
            hash,
            TxRecord {
                outcome,
                executed: Vec::new(),
                outstanding,
            },
        );
        (hash, root)
    }

    fn validate_actions(&self, actions: &[Action]) -> Result<(), ActionsValidationError> {
        let limits = &self.runtime_config.wasm_config.limit_config;
        if actions.len() as u64 > limits.max_actions_per_receipt {
            return Err(ActionsValidationError::TotalNumberOfActionsExceeded {
                total_number_of_actions: actions.len() as u64,
                limit: limits.max_actions_per_receipt,
            });
        }
        let total = fees::total_prepaid_gas(actions);
        if total > limits.max_total_prepaid_gas {
            return Err(ActionsValidationError::TotalPrepaidGasExceeded {
                total_prepaid_gas: total,
                limit: limits.max_total_prepaid_gas,
            });
        }
        for (i, action) in actions.iter().enumerate() {
            match action {
                Action::DeleteAccount(_) if i + 1 != actions.len() => {
                    return Err(ActionsValidationError::DeleteActionMustBeFinal);
                }
                Action::FunctionCall(fc) => {
                    if fc.gas == Gas::ZERO {
                        return Err(ActionsValidationError::FunctionCallZeroAttachedGas);
                    }
                    if fc.method_name.len() as u64 > limits.max_length_method_name {
                        return Err(
                            ActionsValidationError::FunctionCallMethodNameLengthExceeded {
                                length: fc.method_name.len() as u64,
                                limit: limits.max_length_method_name,
                            },
                        );
                    }
                    if fc.args.len() as u64 > limits.max_arguments_length {
                        return Err(
                            ActionsValidationError::FunctionCallArgumentsLengthExceeded {
                                length: fc.args.len() as u64,
                                limit: limits.max_arguments_length,
                            },
                        );
                    }
                }
                Action::DeployContract(d) if d.code.len() as u64 > limits.max_contract_size => {
                    return Err(ActionsValidationError::ContractSizeExceeded {
                        size: d.code.len() as u64,
                        limit: limits.max_contract_size,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// nearcore's `verify_and_charge_transaction`: returns the gas burnt at once.
    fn verify_and_charge(
        &mut self,
        tx: &TransactionV0,
        height: u64,
    ) -> Result<Gas, InvalidTxError> {
        self.validate_actions(&tx.actions)
            .map_err(InvalidTxError::ActionsValidation)?;
        let config = Arc::clone(&self.runtime_config);
        let sir = tx.signer_id == tx.receiver_id;
        let send = fees::total_send_fees(&config.fees, &tx.actions, sir);
        let remaining = fees::total_exec_fees(&config.fees, &tx.actions)
            .checked_add(fees::total_prepaid_gas(&tx.actions))
            .ok_or(InvalidTxError::CostOverflow)?;
        let to_balance = |price: Balance, gas: Gas| price.checked_mul(u128::from(gas.as_gas()));
        let cost = to_balance(self.config.gas_price, send)
            .and_then(|a| a.checked_add(to_balance(self.gas_purchase_price(), remaining)?))
            .and_then(|a| a.checked_add(fees::total_deposit(&tx.actions)))
            .ok_or(InvalidTxError::CostOverflow)?;
        let gas_cost = cost
            .checked_sub(fees::total_deposit(&tx.actions))
            .expect("cost includes the deposit");

        let record = self
            .state
            .accounts
            .get_mut(&tx.signer_id)
            .filter(|r| r.account.is_some())
            .ok_or_else(|| InvalidTxError::SignerDoesNotExist {
                signer_id: tx.signer_id.clone(),
            })?;
        let mut key = checked_access_key(tx, record.keys.get(&tx.public_key).cloned(), height)?;
        let mut account = record.account.clone().expect("filtered above");
        account.amount =
            account
                .amount
                .checked_sub(cost)
                .ok_or_else(|| InvalidTxError::NotEnoughBalance {
                    signer_id: tx.signer_id.clone(),
                    balance: account.amount,
                    cost,
                })?;
        if let AccessKeyPermission::FunctionCall(permission) = &mut key.permission {
            let [Action::FunctionCall(fc)] = tx.actions.as_slice() else {
                return Err(InvalidAccessKeyError::RequiresFullAccess.into());
            };
            if fc.deposit > NearToken::ZERO {
                return Err(InvalidAccessKeyError::DepositWithFunctionCall.into());
            }
            if permission.receiver_id != tx.receiver_id.as_str() {
                return Err(InvalidAccessKeyError::ReceiverMismatch {
                    tx_receiver: tx.receiver_id.clone(),
                    ak_receiver: permission.receiver_id.clone(),
                }
                .into());
            }
            if !permission.method_names.is_empty()
                && !permission.method_names.contains(&fc.method_name)
            {
                return Err(InvalidAccessKeyError::MethodNameMismatch {
                    method_name: fc.method_name.clone(),
                }
                .into());
            }
            if let Some(allowance) = &mut permission.allowance {
                *allowance = allowance.checked_sub(gas_cost).ok_or_else(|| {
                    InvalidAccessKeyError::NotEnoughAllowance {
                        account_id: tx.signer_id.clone(),
                        public_key: Box::new(tx.public_key.clone()),
                        allowance: *allowance,
                        cost: gas_cost,
                    }
                })?;
            }
        }
        if let Some(amount) = state::storage_shortfall(&config, &account) {
            return Err(InvalidTxError::LackBalanceForState {
                signer_id: tx.signer_id.clone(),
                amount,
            });
        }
        key.nonce = tx.nonce;
        record.keys.insert(tx.public_key.clone(), key);
        record.account = Some(account);
        Ok(send)
    }

    // ----- receipts -----

    fn process_receipt(
        &mut self,
        receipt: Receipt,
        height: u64,
        block_hash: CryptoHash,
        next: &mut Vec<Receipt>,
        body: &mut BlockBody,
    ) {
        match &receipt.body {
            ReceiptBody::Data { data_id, data } => {
                let key = (receipt.receiver_id.clone(), *data_id);
                if let Some(owner) = self.yields_waiting.remove(data_id) {
                    self.yields_named
                        .retain(|(acc, _), id| !(acc == &owner && id == data_id));
                    // A resumed yield no longer times out.
                    self.yield_timeouts.retain(|_, due| {
                        due.retain(|(_, id)| id != data_id);
                        !due.is_empty()
                    });
                }
                self.received.insert(key.clone(), data.clone());
                if let Some(waiting) = self.waiting_for.remove(&key) {
                    let p = self
                        .postponed
                        .get_mut(&waiting)
                        .expect("postponed receipt exists");
                    p.missing -= 1;
                    if p.missing == 0 {
                        let p = self.postponed.remove(&waiting).expect("just seen");
                        self.execute(p.receipt, height, block_hash, next, body);
                    }
                }
            }
            ReceiptBody::Action(action) => {
                let mut missing = 0;
                for data_id in &action.input_data_ids {
                    let key = (receipt.receiver_id.clone(), *data_id);
                    if !self.received.contains_key(&key) {
                        missing += 1;
                        self.waiting_for.insert(key, receipt.receipt_id);
                    }
                }
                if missing == 0 {
                    self.execute(receipt, height, block_hash, next, body);
                } else {
                    self.postponed
                        .insert(receipt.receipt_id, Postponed { receipt, missing });
                }
            }
        }
    }

    fn execute(
        &mut self,
        receipt: Receipt,
        height: u64,
        block_hash: CryptoHash,
        next: &mut Vec<Receipt>,
        body: &mut BlockBody,
    ) {
        let ReceiptBody::Action(action_receipt) = &receipt.body else {
            unreachable!("only action receipts execute")
        };
        let results: Vec<PromiseResult> = action_receipt
            .input_data_ids
            .iter()
            .map(|id| {
                let data = self
                    .received
                    .remove(&(receipt.receiver_id.clone(), *id))
                    .expect("all input data arrived");
                match data {
                    Some(v) => PromiseResult::Successful(v.into()),
                    None => PromiseResult::Failed,
                }
            })
            .collect();
        let (stakes, total_stake) = self.epochs.view();
        let block = BlockContext {
            config: &self.runtime_config,
            height,
            timestamp_ns: self.timestamp_of(height),
            epoch_height: self.epoch_of(height),
            block_hash,
            gas_price: self.config.gas_price,
            chain_id: &self.config.chain_id,
            minimum_stake: self.config.minimum_stake,
            epoch: stakes,
            total_stake,
            yields_waiting: &self.yields_waiting,
            yields_named: &self.yields_named,
        };
        let applied = runtime::apply_action_receipt(
            &block,
            &self.state,
            &receipt,
            action_receipt,
            results.into(),
        );

        if let Some(changes) = applied.changes {
            self.commit(&receipt.receiver_id, changes);
        }
        for (id, stake) in applied.proposals {
            self.epochs.propose(id, stake);
        }
        for (yield_id, data_id) in applied.named_yields {
            self.yields_named
                .insert((receipt.receiver_id.clone(), yield_id), data_id);
        }

        let mut ids = Vec::with_capacity(applied.new_receipts.len());
        let mut children = Vec::new();
        let mut new_actions = 0;
        for (i, mut new) in applied.new_receipts.into_iter().enumerate() {
            new.receipt_id = ids::receipt_id_from_receipt(&receipt.receipt_id, height, i as u64);
            ids.push(new.receipt_id);
            match &new.body {
                ReceiptBody::Action(a) => {
                    children.push(new.receipt_id);
                    new_actions += 1;
                    if a.is_promise_yield {
                        let data_id = a.input_data_ids[0];
                        self.yields_waiting.insert(data_id, new.receiver_id.clone());
                        let timeout = height
                            + self
                                .runtime_config
                                .wasm_config
                                .limit_config
                                .yield_timeout_length_in_blocks;
                        self.yield_timeouts
                            .entry(timeout)
                            .or_default()
                            .push((new.receiver_id.clone(), data_id));
                        self.waiting_for
                            .insert((new.receiver_id.clone(), data_id), new.receipt_id);
                        self.postponed.insert(
                            new.receipt_id,
                            Postponed {
                                receipt: new,
                                missing: 1,
                            },
                        );
                        continue;
                    }
                    next.push(new);
                }
                ReceiptBody::Data { .. } => next.push(new),
            }
        }
        let status = match applied.result {
            Ok(ReturnData::Value(v)) => ReceiptStatus::SuccessValue(v),
            Ok(ReturnData::None) => ReceiptStatus::SuccessValue(Vec::new()),
            Ok(ReturnData::ReceiptIndex(_)) => ReceiptStatus::SuccessReceiptId(
                ids[applied.returned.expect("set with the receipt index")],
            ),
            Err(e) => ReceiptStatus::Failure(TxExecutionError::ActionError(e)),
        };
        let outcome = ReceiptOutcome {
            receipt_id: receipt.receipt_id,
            predecessor_id: receipt.predecessor_id.clone(),
            receiver_id: receipt.receiver_id.clone(),
            actions: action_receipt
                .actions
                .iter()
                .map(ActionSummary::of)
                .collect(),
            status,
            logs: applied.logs,
            gas_burnt: NearGas::from_gas(applied.gas_burnt.as_gas()),
            tokens_burnt: applied.tokens_burnt,
            block_height: height,
            children,
            parent: receipt.parent,
            is_refund: receipt.is_refund(),
        };
        body.receipts.push(receipt.receipt_id);
        if let Some(kept) = &mut self.executed_receipts {
            kept.insert(receipt.receipt_id, receipt.clone());
        }
        if let Some(tx) = self.txs.get_mut(&receipt.tx_hash) {
            tx.executed.push(receipt.receipt_id);
            tx.outstanding = tx.outstanding - 1 + new_actions;
        }
        self.receipt_tx.insert(receipt.receipt_id, receipt.tx_hash);
        self.receipts.insert(receipt.receipt_id, outcome);
    }

    fn commit(&mut self, id: &AccountId, changes: crate::ext::Changes) {
        for code in changes.deployed {
            self.state.codes.entry(*code.hash()).or_insert(code);
        }
        if changes.deleted && changes.account.is_none() {
            self.state.accounts.remove(id);
            return;
        }
        let record = self.state.accounts.entry(id.clone()).or_default();
        if changes.deleted {
            record.data.clear();
            record.keys.clear();
        }
        record.account = changes.account;
        for (k, v) in changes.data {
            match v {
                Some(v) => record.data.insert(k, v),
                None => record.data.remove(&k),
            };
        }
        for (k, v) in changes.keys {
            match v {
                Some(v) => record.keys.insert(k, v),
                None => record.keys.remove(&k),
            };
        }
    }

    // ----- outcomes -----

    /// The outcome of a transaction so far (`None` for an unknown hash or one
    /// still in the pool).
    pub fn outcome(&self, tx_hash: &CryptoHash) -> Option<ExecutionOutcome> {
        let record = self.txs.get(tx_hash)?;
        let receipts: Vec<ReceiptOutcome> = record
            .executed
            .iter()
            .map(|id| self.receipts[id].clone())
            .collect();
        // Like nearcore, the status follows the transaction's result: its receipt,
        // then whatever that receipt returned with `promise_return`. Failures of
        // other receipts (a callee a callback handled, a refund) do not count.
        let status = self.final_value(&record.outcome.status);
        Some(ExecutionOutcome {
            transaction: record.outcome.clone(),
            receipts,
            status,
            settled: record.outstanding == 0,
        })
    }

    fn final_value(&self, start: &ReceiptStatus) -> FinalStatus {
        let mut status = start;
        loop {
            match status {
                ReceiptStatus::SuccessValue(v) => return FinalStatus::SuccessValue(v.clone()),
                ReceiptStatus::Failure(e) => return FinalStatus::Failure(e.clone()),
                ReceiptStatus::SuccessReceiptId(id) => match self.receipts.get(id) {
                    Some(r) => status = &r.status,
                    None => return FinalStatus::Pending,
                },
            }
        }
    }

    /// Whether all receipts of the transaction have run.
    pub fn is_settled(&self, tx_hash: &CryptoHash) -> bool {
        self.txs.get(tx_hash).is_some_and(|r| r.outstanding == 0)
    }

    /// Hashes of every transaction the chain has seen.
    pub fn transactions(&self) -> BTreeSet<CryptoHash> {
        self.txs.keys().copied().collect()
    }

    /// The transaction a receipt belongs to.
    pub fn receipt_transaction(&self, receipt_id: &CryptoHash) -> Option<CryptoHash> {
        self.receipt_tx.get(receipt_id).copied()
    }
}

/// nearcore's checks of a transaction's key and nonce at block `height`:
/// the key exists (`key` is the signer's key, if any), the nonce is above
/// the key's and below the bound that grows with the height. The node's
/// pool runs them at admission and the chain again when it converts the
/// transaction, as nearcore does, since a key can change in between.
pub(crate) fn checked_access_key(
    tx: &TransactionV0,
    key: Option<AccessKey>,
    height: u64,
) -> Result<AccessKey, InvalidTxError> {
    let key = key.ok_or_else(|| {
        InvalidTxError::InvalidAccessKeyError(InvalidAccessKeyError::AccessKeyNotFound {
            account_id: tx.signer_id.clone(),
            public_key: Box::new(tx.public_key.clone()),
        })
    })?;
    if tx.nonce <= key.nonce {
        return Err(InvalidTxError::InvalidNonce {
            tx_nonce: tx.nonce,
            ak_nonce: key.nonce,
        });
    }
    let upper_bound = (height + 1) * AccessKey::ACCESS_KEY_NONCE_RANGE_MULTIPLIER;
    if tx.nonce >= upper_bound {
        return Err(InvalidTxError::NonceTooLarge {
            tx_nonce: tx.nonce,
            upper_bound,
        });
    }
    Ok(key)
}
