//! Localnet's blocks, outcomes and accounts as nearcore's RPC views.

use super::core::NodeCore;
use crate::chain::BlockHeader;
use crate::outcome::{ExecutionOutcome, FinalStatus, ReceiptOutcome, ReceiptStatus};
use crate::receipt::ReceiptBody;
use near_crypto::{KeyType, PublicKey};
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::SignedTransaction;
use near_primitives::types::ShardId;
use near_primitives::views::{
    AccountView, BlockHeaderView, BlockView, ChunkHeaderView, CurrentEpochValidatorInfo,
    DataReceiverView, EpochValidatorInfo, ExecutionMetadataView, ExecutionOutcomeView,
    ExecutionOutcomeWithIdView, ExecutionStatusView, FinalExecutionOutcomeView,
    FinalExecutionOutcomeWithReceiptView, FinalExecutionStatus, NextEpochValidatorInfo,
    ReceiptEnumView, ReceiptView, SignedTransactionView,
};
use near_primitives_core::types::Gas;

pub(crate) fn account_view(account: &crate::Account) -> AccountView {
    AccountView {
        amount: account.amount,
        locked: account.locked,
        code_hash: account.code_hash.unwrap_or_default(),
        storage_usage: account.storage_usage,
        storage_paid_at: 0,
        global_contract_hash: None,
        global_contract_account_id: None,
        state: Default::default(),
        bootstrap_nonce: None,
    }
}

/// A block as nearcore shows it: one shard, one chunk, final at once.
pub(crate) fn block_view(core: &NodeCore, header: &BlockHeader) -> BlockView {
    let genesis_height = core.genesis.genesis_height;
    let prev_height = (header.height > genesis_height).then(|| header.height - 1);
    let chunk = ChunkHeaderView {
        chunk_hash: CryptoHash::hash_bytes(header.hash.as_ref()),
        prev_block_hash: header.prev_hash,
        outcome_root: CryptoHash::default(),
        prev_state_root: CryptoHash::default(),
        encoded_merkle_root: CryptoHash::default(),
        encoded_length: 0,
        height_created: header.height,
        height_included: header.height,
        shard_id: ShardId::new(0),
        gas_used: Gas::ZERO,
        gas_limit: core.genesis.gas_limit,
        rent_paid: near_token::NearToken::ZERO,
        validator_reward: near_token::NearToken::ZERO,
        balance_burnt: near_token::NearToken::ZERO,
        outgoing_receipts_root: CryptoHash::default(),
        tx_root: CryptoHash::default(),
        validator_proposals: Vec::new(),
        congestion_info: None,
        bandwidth_requests: None,
        proposed_split: None,
        signature: Default::default(),
    };
    let epoch_id = core.epoch_id(header.epoch_height);
    BlockView {
        author: core.validator_id.clone(),
        header: BlockHeaderView {
            height: header.height,
            prev_height,
            epoch_id,
            next_epoch_id: core.epoch_id(header.epoch_height + 1),
            hash: header.hash,
            prev_hash: header.prev_hash,
            chunks_included: 1,
            timestamp: header.timestamp_ns,
            timestamp_nanosec: header.timestamp_ns,
            chunk_mask: vec![true],
            gas_price: header.gas_price,
            block_ordinal: Some(header.height - genesis_height + 1),
            total_supply: super::records::total_supply(&core.chain),
            last_final_block: header.hash,
            last_ds_final_block: header.hash,
            latest_protocol_version: core.chain.config().protocol_version,
            ..Default::default()
        },
        chunks: vec![chunk],
    }
}

fn hash_of_height(core: &NodeCore, height: u64) -> CryptoHash {
    core.chain.block(height).map(|b| b.hash).unwrap_or_default()
}

fn receipt_status(status: &ReceiptStatus) -> ExecutionStatusView {
    match status {
        ReceiptStatus::SuccessValue(v) => ExecutionStatusView::SuccessValue(v.clone()),
        ReceiptStatus::SuccessReceiptId(id) => ExecutionStatusView::SuccessReceiptId(*id),
        ReceiptStatus::Failure(e) => ExecutionStatusView::Failure(e.clone()),
    }
}

fn receipt_outcome_view(core: &NodeCore, r: &ReceiptOutcome) -> ExecutionOutcomeWithIdView {
    ExecutionOutcomeWithIdView {
        proof: Vec::new(),
        block_hash: hash_of_height(core, r.block_height),
        id: r.receipt_id,
        outcome: ExecutionOutcomeView {
            logs: r.logs.clone(),
            receipt_ids: r.children.clone(),
            gas_burnt: Gas::from_gas(r.gas_burnt.as_gas()),
            tokens_burnt: r.tokens_burnt,
            executor_id: r.receiver_id.clone(),
            status: receipt_status(&r.status),
            metadata: ExecutionMetadataView::default(),
        },
    }
}

/// The outcome of a transaction as `broadcast_tx_commit` and `tx` return it.
pub(crate) fn final_outcome_view(
    core: &NodeCore,
    signed: &SignedTransaction,
    outcome: &ExecutionOutcome,
) -> FinalExecutionOutcomeView {
    let t = &outcome.transaction;
    let receipt_ids = match &t.status {
        ReceiptStatus::SuccessReceiptId(id) => vec![*id],
        _ => Vec::new(),
    };
    let status = match &outcome.status {
        FinalStatus::SuccessValue(v) => FinalExecutionStatus::SuccessValue(v.clone()),
        FinalStatus::Failure(e) => FinalExecutionStatus::Failure(e.clone()),
        FinalStatus::Pending => FinalExecutionStatus::Started,
    };
    FinalExecutionOutcomeView {
        status,
        transaction: SignedTransactionView::from(signed.clone()),
        transaction_outcome: ExecutionOutcomeWithIdView {
            proof: Vec::new(),
            block_hash: hash_of_height(core, t.block_height),
            id: t.hash,
            outcome: ExecutionOutcomeView {
                logs: Vec::new(),
                receipt_ids,
                gas_burnt: Gas::from_gas(t.gas_burnt.as_gas()),
                tokens_burnt: t.tokens_burnt,
                executor_id: t.signer_id.clone(),
                status: receipt_status(&t.status),
                metadata: ExecutionMetadataView::default(),
            },
        },
        receipts_outcome: outcome
            .receipts
            .iter()
            .map(|r| receipt_outcome_view(core, r))
            .collect(),
    }
}

/// [`final_outcome_view`] plus every executed receipt in full
/// (`EXPERIMENTAL_tx_status`).
pub(crate) fn final_outcome_with_receipts(
    core: &NodeCore,
    signed: &SignedTransaction,
    outcome: &ExecutionOutcome,
) -> FinalExecutionOutcomeWithReceiptView {
    let receipts = outcome
        .receipts
        .iter()
        .filter_map(|r| core.chain.executed_receipt(&r.receipt_id))
        .filter_map(|receipt| {
            let ReceiptBody::Action(a) = &receipt.body else {
                return None;
            };
            Some(ReceiptView {
                predecessor_id: receipt.predecessor_id.clone(),
                receiver_id: receipt.receiver_id.clone(),
                receipt_id: receipt.receipt_id,
                receipt: ReceiptEnumView::Action {
                    signer_id: a.signer_id.clone(),
                    signer_public_key: a.signer_public_key.clone(),
                    gas_price: a.gas_price,
                    output_data_receivers: a
                        .output_data_receivers
                        .iter()
                        .map(|d| DataReceiverView {
                            data_id: d.data_id,
                            receiver_id: d.receiver_id.clone(),
                        })
                        .collect(),
                    input_data_ids: a.input_data_ids.clone(),
                    actions: a.actions.iter().cloned().map(Into::into).collect(),
                    is_promise_yield: a.is_promise_yield,
                    refund_to: a.refund_to.clone(),
                },
                _priority: 0,
            })
        })
        .collect();
    FinalExecutionOutcomeWithReceiptView {
        final_outcome: final_outcome_view(core, signed, outcome),
        receipts,
    }
}

/// Validators of the current and the next epoch. Localnet keeps stakes, not
/// validator keys: the genesis validator shows its key, the others an empty one.
pub(crate) fn validators_view(core: &NodeCore, epoch: u64) -> EpochValidatorInfo {
    let key_of = |id: &near_account_id::AccountId| -> PublicKey {
        if id == &core.validator_id {
            core.validator_key.clone()
        } else {
            PublicKey::empty(KeyType::ED25519)
        }
    };
    let epoch_blocks = core.genesis.epoch_length;
    let current = core
        .chain
        .validator_set(epoch)
        .unwrap_or_default()
        .into_iter()
        .map(|(account_id, stake)| CurrentEpochValidatorInfo {
            public_key: key_of(&account_id),
            account_id,
            is_slashed: false,
            stake,
            shards_produced: vec![ShardId::new(0)],
            num_produced_blocks: epoch_blocks,
            num_expected_blocks: epoch_blocks,
            num_produced_chunks: epoch_blocks,
            num_expected_chunks: epoch_blocks,
            num_produced_chunks_per_shard: vec![epoch_blocks],
            num_expected_chunks_per_shard: vec![epoch_blocks],
            num_produced_endorsements: 0,
            num_expected_endorsements: 0,
            num_produced_endorsements_per_shard: Vec::new(),
            num_expected_endorsements_per_shard: Vec::new(),
            shards_endorsed: Vec::new(),
        })
        .collect();
    let next = core
        .chain
        .validator_set(epoch + 1)
        .unwrap_or_default()
        .into_iter()
        .map(|(account_id, stake)| NextEpochValidatorInfo {
            public_key: key_of(&account_id),
            account_id,
            stake,
            shards: vec![ShardId::new(0)],
        })
        .collect();
    EpochValidatorInfo {
        current_validators: current,
        next_validators: next,
        current_fishermen: Vec::new(),
        next_fishermen: Vec::new(),
        current_proposals: Vec::new(),
        prev_epoch_kickout: Vec::new(),
        epoch_start_height: core.chain.epoch_start(epoch),
        epoch_height: epoch,
        validator_reward_paid_prev_epoch: Default::default(),
    }
}
