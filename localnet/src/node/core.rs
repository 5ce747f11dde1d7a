//! The node's state around the chain: genesis, the block index, signed
//! transactions and their admission checks.
//!
//! Everything here is synchronous; the RPC layer holds the core behind a
//! mutex and never awaits while holding it.

use super::home::Home;
use super::records;
use crate::chain::{checked_access_key, BlockHeader, Chain, ChainConfig};
use crate::epoch::RewardRate;
use near_account_id::AccountId;
use near_chain_configs::GenesisConfig;
use near_crypto::PublicKey;
use near_primitives::errors::InvalidTxError;
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::{SignedTransaction, Transaction};
use near_primitives::types::{BlockId, BlockReference};
use near_token::NearToken;
use std::collections::HashMap;
use std::time::Instant;

/// How far a transaction got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TxProgress {
    /// Never seen.
    Unknown,
    /// Accepted, waiting for a block.
    InPool,
    /// A block converted it but some of its receipts have not run.
    Included,
    /// Every receipt, refunds included, has run.
    Settled,
    /// The block that was to include it found it invalid (the runtime's
    /// checks at conversion: balance, key permissions...).
    Rejected(InvalidTxError),
}

/// The node's chain plus what the RPC needs beside it.
pub(crate) struct NodeCore {
    pub chain: Chain,
    pub genesis: GenesisConfig,
    pub genesis_hash: CryptoHash,
    pub validator_id: AccountId,
    pub validator_key: PublicKey,
    pub node_key: PublicKey,
    pub started: Instant,
    /// Height of every block the node produced or jumped to, by hash.
    blocks: HashMap<CryptoHash, u64>,
    /// Every accepted transaction as signed.
    signed: HashMap<CryptoHash, SignedTransaction>,
}

impl NodeCore {
    /// The chain at genesis, as the home directory describes it.
    pub fn from_home(home: &Home) -> Result<Self, String> {
        let genesis = home.genesis.clone();
        if genesis.epoch_length == 0 {
            return Err("genesis epoch_length must be positive".into());
        }
        let protocol_version = genesis
            .protocol_version
            .min(near_primitives::version::PROTOCOL_VERSION);
        let genesis_time_ns = u64::try_from(
            genesis
                .genesis_time
                .timestamp_nanos_opt()
                .ok_or("genesis_time out of range")?,
        )
        .map_err(|_| "genesis_time before 1970")?;
        let config = ChainConfig {
            chain_id: genesis.chain_id.clone(),
            epoch_length: genesis.epoch_length,
            block_time_ns: u64::try_from(home.settings.block_production_delay.as_nanos())
                .unwrap_or(u64::MAX),
            genesis_time_ns,
            genesis_height: genesis.genesis_height,
            gas_price: genesis.min_gas_price,
            minimum_stake: NearToken::ZERO,
            reward_rate: RewardRate::ZERO,
            seat_threshold: NearToken::ZERO,
            protocol_version,
        };
        let mut chain = Chain::new(config);
        chain.record_receipts();
        records::apply(&mut chain, &home.records)?;
        for validator in &genesis.validators {
            chain
                .seed_validator(&validator.account_id, validator.amount)
                .map_err(|e| format!("genesis validator {}: {e}", validator.account_id))?;
        }
        let head = chain.head();
        let mut blocks = HashMap::new();
        blocks.insert(head.hash, head.height);
        Ok(NodeCore {
            genesis_hash: head.hash,
            chain,
            genesis,
            validator_id: home.validator_key.account_id.clone(),
            validator_key: home.validator_key.public_key.clone(),
            node_key: home.node_key.public_key.clone(),
            started: Instant::now(),
            blocks,
            signed: HashMap::new(),
        })
    }

    /// Produces one block.
    pub fn produce_block(&mut self) -> u64 {
        let height = self.chain.produce_block();
        self.index_head();
        height
    }

    /// Moves `delta` blocks forward: blocks with work one by one, empty
    /// stretches in one step (localnet's `advance_blocks`).
    pub fn fast_forward(&mut self, delta: u64) {
        self.chain.advance_blocks(delta);
        self.index_head();
    }

    fn index_head(&mut self) {
        let head = self.chain.head();
        self.blocks.insert(head.hash, head.height);
    }

    /// The block a reference names. Localnet's blocks are final as soon as
    /// they exist, so every finality is the head.
    pub fn block_by_reference(&self, reference: &BlockReference) -> Option<BlockHeader> {
        match reference {
            BlockReference::Finality(_) => Some(self.chain.head()),
            BlockReference::SyncCheckpoint(near_primitives::types::SyncCheckpoint::Genesis) => {
                self.chain.block(self.genesis.genesis_height)
            }
            BlockReference::SyncCheckpoint(_) => self.chain.block(self.genesis.genesis_height),
            BlockReference::BlockId(id) => self.block_by_id(id),
        }
    }

    pub fn block_by_id(&self, id: &BlockId) -> Option<BlockHeader> {
        match id {
            BlockId::Height(h) => self.chain.block(*h),
            BlockId::Hash(hash) => self.block_by_hash(hash),
        }
    }

    pub fn block_by_hash(&self, hash: &CryptoHash) -> Option<BlockHeader> {
        let height = *self.blocks.get(hash)?;
        self.chain.block(height).filter(|b| &b.hash == hash)
    }

    /// Checks a signed transaction as nearcore does before its pool takes
    /// it, then queues it for the next block. A transaction seen before is
    /// accepted again without a second copy.
    pub fn submit(&mut self, signed: SignedTransaction) -> Result<CryptoHash, InvalidTxError> {
        let (hash, size) = signed.transaction.get_hash_and_size();
        if self.signed.contains_key(&hash) {
            return Ok(hash);
        }
        let Transaction::V0(tx) = &signed.transaction else {
            // V1 carries gas keys and nonce modes, which localnet lacks.
            return Err(InvalidTxError::InvalidTransactionVersion);
        };
        let limit = self
            .chain
            .runtime_config()
            .wasm_config
            .limit_config
            .max_transaction_size;
        if size > limit {
            return Err(InvalidTxError::TransactionSizeExceeded { size, limit });
        }
        if !signed.signature.verify(hash.as_ref(), &tx.public_key) {
            return Err(InvalidTxError::InvalidSignature);
        }
        let head = self.chain.height();
        match self.block_by_hash(&tx.block_hash) {
            Some(base) if head - base.height <= self.genesis.transaction_validity_period => {}
            _ => return Err(InvalidTxError::Expired),
        }
        if self.chain.account(&tx.signer_id).is_none() {
            return Err(InvalidTxError::SignerDoesNotExist {
                signer_id: tx.signer_id.clone(),
            });
        }
        checked_access_key(
            tx,
            self.chain.access_key(&tx.signer_id, &tx.public_key),
            head,
        )?;
        let queued = self.chain.submit(tx.clone());
        debug_assert_eq!(queued, hash);
        self.signed.insert(hash, signed);
        Ok(hash)
    }

    /// The signed transaction with this hash, if the node accepted it.
    pub fn signed(&self, hash: &CryptoHash) -> Option<&SignedTransaction> {
        self.signed.get(hash)
    }

    pub fn progress(&self, hash: &CryptoHash) -> TxProgress {
        if !self.signed.contains_key(hash) {
            return TxProgress::Unknown;
        }
        let Some(outcome) = self.chain.outcome(hash) else {
            return TxProgress::InPool;
        };
        if let crate::ReceiptStatus::Failure(crate::TxExecutionError::InvalidTxError(e)) =
            &outcome.transaction.status
        {
            return TxProgress::Rejected(e.clone());
        }
        if outcome.settled {
            TxProgress::Settled
        } else {
            TxProgress::Included
        }
    }

    /// Id of epoch `epoch`: nearcore names an epoch by a block hash; localnet
    /// derives a stable hash from the number (the genesis epoch is all zeros,
    /// as in nearcore).
    pub fn epoch_id(&self, epoch: u64) -> CryptoHash {
        if epoch <= 1 {
            CryptoHash::default()
        } else {
            CryptoHash::hash_bytes(format!("localnet:epoch:{epoch}").as_bytes())
        }
    }

    /// The epoch an id names, among the epochs the node can describe.
    pub fn epoch_by_id(&self, id: &CryptoHash) -> Option<u64> {
        let current = self.chain.epoch_height();
        (current.saturating_sub(1).max(1)..=current + 1).find(|e| &self.epoch_id(*e) == id)
    }
}
