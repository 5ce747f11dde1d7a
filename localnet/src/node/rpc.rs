//! JSON-RPC methods: requests and responses in nearcore's published types,
//! errors as nearcore's handlers build them.

use super::core::{NodeCore, TxProgress};
use super::views;
use super::Shared;
use near_jsonrpc_primitives::errors::RpcError;
use near_jsonrpc_primitives::types::blocks::{RpcBlockError, RpcBlockRequest};
use near_jsonrpc_primitives::types::config::{RpcProtocolConfigError, RpcProtocolConfigRequest};
use near_jsonrpc_primitives::types::gas_price::RpcGasPriceError;
use near_jsonrpc_primitives::types::query::{
    QueryResponseKind, RpcQueryError, RpcQueryRequest, RpcQueryResponse,
};
use near_jsonrpc_primitives::types::sandbox::{
    RpcSandboxFastForwardRequest, RpcSandboxFastForwardResponse, RpcSandboxPatchStateError,
    RpcSandboxPatchStateRequest, RpcSandboxPatchStateResponse,
};
use near_jsonrpc_primitives::types::transactions::{
    RpcTransactionError, RpcTransactionResponse, TimeoutErrorCause, TransactionInfo,
};
use near_jsonrpc_primitives::types::validator::{RpcValidatorError, RpcValidatorRequest};
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::SignedTransaction;
use near_primitives::types::{BlockId, BlockReference, EpochReference, MaybeBlockId};
use near_primitives::views::validator_stake_view::ValidatorStakeView;
use near_primitives::views::{
    AccessKeyInfoView, AccessKeyList, AccessKeyView, CallResult, ContractCodeView,
    FinalExecutionOutcomeViewEnum, GasPriceView, QueryRequest, StateItem, TxExecutionStatus,
    ValidatorStakeViewV1, ViewStateResult,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::time::Instant;

/// Runs one JSON-RPC method.
pub(crate) async fn call(
    shared: &Arc<Shared>,
    method: &str,
    params: Value,
) -> Result<Value, RpcError> {
    match method {
        "broadcast_tx_async" => broadcast_tx_async(shared, params).await,
        "broadcast_tx_commit" => {
            let signed = parse_signed_tx_params(params)?;
            let outcome = send_and_wait(shared, signed, TxExecutionStatus::default()).await?;
            match outcome.final_execution_outcome {
                Some(o) => to_json(o.into_outcome()),
                None => Err(timeout_error(outcome).into()),
            }
        }
        "send_tx" => {
            let request: SendTxParams = parse(params)?;
            let signed = decode_signed_tx(&request.signed_tx_base64)?;
            let response = send_and_wait(shared, signed, request.wait_until).await?;
            to_json(response)
        }
        "tx" => tx_status(shared, params, false).await,
        "EXPERIMENTAL_tx_status" => tx_status(shared, params, true).await,
        _ => {
            let shared = Arc::clone(shared);
            let method = method.to_string();
            tokio::task::spawn_blocking(move || call_sync(&shared, &method, params))
                .await
                .map_err(|e| RpcError::new_internal_error(None, e.to_string()))?
        }
    }
}

/// Methods that answer from the current state at once.
fn call_sync(shared: &Shared, method: &str, params: Value) -> Result<Value, RpcError> {
    match method {
        "status" => to_json(super::status_view(shared)),
        "health" => Ok(Value::Null),
        "block" => block(&shared.lock(), params),
        "query" => query(&shared.lock(), params),
        "gas_price" => gas_price(&shared.lock(), params),
        "validators" => validators(&shared.lock(), params),
        "EXPERIMENTAL_validators_ordered" => validators_ordered(&shared.lock(), params),
        "EXPERIMENTAL_genesis_config" => to_json(&shared.lock().genesis),
        "EXPERIMENTAL_protocol_config" => protocol_config(&shared.lock(), params),
        "sandbox_patch_state" => {
            let request: RpcSandboxPatchStateRequest = parse(params)?;
            super::records::apply(&mut shared.lock().chain, &request.records).map_err(
                |error_message| RpcSandboxPatchStateError::InternalError { error_message },
            )?;
            to_json(RpcSandboxPatchStateResponse {})
        }
        "sandbox_fast_forward" => {
            let request: RpcSandboxFastForwardRequest = parse(params)?;
            let height = {
                let mut core = shared.lock();
                core.fast_forward(request.delta_height);
                core.chain.height()
            };
            shared.head.send_replace(height);
            to_json(RpcSandboxFastForwardResponse {})
        }
        other => Err(RpcError::method_not_found(other.to_string())),
    }
}

// ----- parsing -----

fn parse<T: DeserializeOwned>(params: Value) -> Result<T, RpcError> {
    serde_json::from_value(params)
        .map_err(|e| RpcError::parse_error(format!("Failed parsing args: {e}")))
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(|e| RpcError::serialization_error(e.to_string()))
}

/// `[x]` as `x`, nearcore's legacy positional form of one-argument methods.
fn singleton(params: &Value) -> Option<&Value> {
    match params.as_array() {
        Some(a) if a.len() == 1 => Some(&a[0]),
        _ => None,
    }
}

fn decode_signed_tx(base64: &str) -> Result<SignedTransaction, RpcError> {
    let bytes = near_primitives::serialize::from_base64(base64)
        .map_err(|e| RpcError::parse_error(format!("Failed to decode transaction: {e}")))?;
    borsh::from_slice(&bytes)
        .map_err(|e| RpcError::parse_error(format!("Failed to decode transaction: {e}")))
}

#[derive(serde::Deserialize)]
struct SendTxParams {
    signed_tx_base64: String,
    #[serde(default)]
    wait_until: TxExecutionStatus,
}

fn parse_signed_tx_params(params: Value) -> Result<SignedTransaction, RpcError> {
    if let Some(Value::String(s)) = singleton(&params) {
        return decode_signed_tx(s);
    }
    let request: SendTxParams = parse(params)?;
    decode_signed_tx(&request.signed_tx_base64)
}

// ----- transactions -----

async fn broadcast_tx_async(shared: &Arc<Shared>, params: Value) -> Result<Value, RpcError> {
    let signed = parse_signed_tx_params(params)?;
    let hash = submit(shared, signed).await?;
    to_json(hash)
}

async fn submit(shared: &Arc<Shared>, signed: SignedTransaction) -> Result<CryptoHash, RpcError> {
    let inner = Arc::clone(shared);
    let result = tokio::task::spawn_blocking(move || inner.lock().submit(signed))
        .await
        .map_err(|e| RpcError::new_internal_error(None, e.to_string()))?;
    match result {
        Ok(hash) => {
            shared.work.notify_one();
            Ok(hash)
        }
        Err(context) => Err(RpcTransactionError::InvalidTransaction { context }.into()),
    }
}

async fn send_and_wait(
    shared: &Arc<Shared>,
    signed: SignedTransaction,
    wait_until: TxExecutionStatus,
) -> Result<RpcTransactionResponse, RpcError> {
    let hash = submit(shared, signed).await?;
    wait(shared, hash, wait_until, false).await
}

/// The order of nearcore's execution statuses, for "at least".
fn rank(status: &TxExecutionStatus) -> u8 {
    match status {
        TxExecutionStatus::None => 0,
        TxExecutionStatus::Included => 1,
        TxExecutionStatus::IncludedFinal => 2,
        TxExecutionStatus::ExecutedOptimistic => 3,
        TxExecutionStatus::Executed => 4,
        TxExecutionStatus::Final => 5,
    }
}

/// Waits until the transaction reaches `wait_until` or the polling timeout.
/// Localnet's blocks are final when produced: an included transaction is
/// `INCLUDED_FINAL`, a settled one `FINAL`.
async fn wait(
    shared: &Arc<Shared>,
    hash: CryptoHash,
    wait_until: TxExecutionStatus,
    with_receipts: bool,
) -> Result<RpcTransactionResponse, RpcError> {
    let deadline = Instant::now() + shared.settings.polling_timeout;
    let mut head = shared.head.subscribe();
    loop {
        let response = {
            let core = shared.lock();
            let status = match core.progress(&hash) {
                TxProgress::Unknown => {
                    return Err(RpcTransactionError::UnknownTransaction {
                        requested_transaction_hash: hash,
                    }
                    .into())
                }
                TxProgress::Rejected(context) => {
                    return Err(RpcTransactionError::InvalidTransaction { context }.into())
                }
                TxProgress::InPool => TxExecutionStatus::None,
                TxProgress::Included => TxExecutionStatus::IncludedFinal,
                TxProgress::Settled => TxExecutionStatus::Final,
            };
            response(&core, &hash, status, with_receipts)
        };
        if rank(&response.final_execution_status) >= rank(&wait_until) {
            return Ok(response);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || tokio::time::timeout(left, head.changed()).await.is_err() {
            return Err(timeout_error(response).into());
        }
    }
}

fn response(
    core: &NodeCore,
    hash: &CryptoHash,
    status: TxExecutionStatus,
    with_receipts: bool,
) -> RpcTransactionResponse {
    // nearcore returns an outcome only once the transaction has executed.
    let outcome = (status == TxExecutionStatus::Final)
        .then(|| {
            let signed = core.signed(hash)?;
            let outcome = core.chain.outcome(hash)?;
            Some(if with_receipts {
                FinalExecutionOutcomeViewEnum::FinalExecutionOutcomeWithReceipt(
                    views::final_outcome_with_receipts(core, signed, &outcome),
                )
            } else {
                FinalExecutionOutcomeViewEnum::FinalExecutionOutcome(views::final_outcome_view(
                    core, signed, &outcome,
                ))
            })
        })
        .flatten();
    RpcTransactionResponse {
        final_execution_outcome: outcome,
        final_execution_status: status,
    }
}

fn timeout_error(last: RpcTransactionResponse) -> RpcTransactionError {
    let cause = if last.final_execution_status == TxExecutionStatus::None {
        TimeoutErrorCause::NotObserved
    } else {
        TimeoutErrorCause::Pending {
            status: Box::new(last),
        }
    };
    RpcTransactionError::TimeoutError(Some(cause))
}

#[derive(serde::Deserialize)]
struct TxStatusParams {
    #[serde(flatten)]
    info: TransactionInfo,
    #[serde(default)]
    wait_until: TxExecutionStatus,
}

/// `tx` and `EXPERIMENTAL_tx_status`: by hash and sender, or by the signed
/// transaction itself (which is submitted if the node has not seen it).
async fn tx_status(
    shared: &Arc<Shared>,
    params: Value,
    with_receipts: bool,
) -> Result<Value, RpcError> {
    let request = match params.as_array().map(Vec::as_slice) {
        Some([Value::String(hash), Value::String(sender)]) => TxStatusParams {
            info: TransactionInfo::TransactionId {
                tx_hash: hash
                    .parse()
                    .map_err(|e| RpcError::parse_error(format!("Failed parsing args: {e}")))?,
                sender_account_id: sender
                    .parse()
                    .map_err(|e| RpcError::parse_error(format!("Failed parsing args: {e}")))?,
            },
            wait_until: TxExecutionStatus::default(),
        },
        Some([Value::String(signed)]) => TxStatusParams {
            info: TransactionInfo::Transaction {
                signed_tx: decode_signed_tx(signed)?,
            },
            wait_until: TxExecutionStatus::default(),
        },
        _ => parse(params)?,
    };
    let hash = match request.info {
        TransactionInfo::Transaction { signed_tx } => submit(shared, signed_tx).await?,
        TransactionInfo::TransactionId {
            tx_hash,
            sender_account_id,
        } => {
            let known_sender = shared
                .lock()
                .signed(&tx_hash)
                .map(|s| s.transaction.signer_id() == &sender_account_id);
            if known_sender != Some(true) {
                return Err(RpcTransactionError::UnknownTransaction {
                    requested_transaction_hash: tx_hash,
                }
                .into());
            }
            tx_hash
        }
    };
    to_json(wait(shared, hash, request.wait_until, with_receipts).await?)
}

// ----- blocks, config, validators -----

fn block(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let reference = match singleton(&params) {
        Some(id) => BlockReference::BlockId(parse::<BlockId>(id.clone())?),
        None => parse::<RpcBlockRequest>(params)?.block_reference,
    };
    let header =
        core.block_by_reference(&reference)
            .ok_or_else(|| RpcBlockError::UnknownBlock {
                error_message: format!("{reference:?}"),
            })?;
    to_json(views::block_view(core, &header))
}

fn gas_price(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let block_id: MaybeBlockId = match singleton(&params) {
        Some(v) => parse(v.clone())?,
        None if params.is_null() => None,
        None => {
            parse::<near_jsonrpc_primitives::types::gas_price::RpcGasPriceRequest>(params)?.block_id
        }
    };
    let header = match &block_id {
        Some(id) => core
            .block_by_id(id)
            .ok_or_else(|| RpcGasPriceError::UnknownBlock {
                error_message: format!("{id:?}"),
            })?,
        None => core.chain.head(),
    };
    to_json(GasPriceView {
        gas_price: header.gas_price,
    })
}

fn protocol_config(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let request: RpcProtocolConfigRequest = parse(params)?;
    if core.block_by_reference(&request.block_reference).is_none() {
        return Err(RpcProtocolConfigError::UnknownBlock {
            error_message: format!("{:?}", request.block_reference),
        }
        .into());
    }
    let view = near_chain_configs::ProtocolConfigView::from(near_chain_configs::ProtocolConfig {
        genesis_config: core.genesis.clone(),
        runtime_config: core.chain.runtime_config().as_ref().clone(),
    });
    to_json(view)
}

fn epoch_of_reference(core: &NodeCore, params: Value) -> Result<u64, RpcError> {
    let reference = match singleton(&params) {
        Some(Value::Null) => EpochReference::Latest,
        Some(id) => EpochReference::BlockId(parse(id.clone())?),
        None if params.is_null() => EpochReference::Latest,
        None => parse::<RpcValidatorRequest>(params)?.epoch_reference,
    };
    match reference {
        EpochReference::Latest => Ok(core.chain.epoch_height()),
        EpochReference::BlockId(id) => core
            .block_by_id(&id)
            .map(|b| b.epoch_height)
            .ok_or_else(|| RpcValidatorError::UnknownEpoch.into()),
        EpochReference::EpochId(id) => core
            .epoch_by_id(&id.0)
            .ok_or_else(|| RpcValidatorError::UnknownEpoch.into()),
    }
}

fn validators(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let epoch = epoch_of_reference(core, params)?;
    to_json(views::validators_view(core, epoch))
}

fn validators_ordered(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let block_id: MaybeBlockId = match singleton(&params) {
        Some(v) => parse(v.clone())?,
        None if params.is_null() => None,
        None => {
            parse::<near_jsonrpc_primitives::types::validator::RpcValidatorsOrderedRequest>(params)?
                .block_id
        }
    };
    let epoch = match &block_id {
        Some(id) => {
            core.block_by_id(id)
                .ok_or(RpcValidatorError::UnknownEpoch)?
                .epoch_height
        }
        None => core.chain.epoch_height(),
    };
    let info = views::validators_view(core, epoch);
    let mut stakes: Vec<ValidatorStakeView> = info
        .current_validators
        .into_iter()
        .map(|v| {
            ValidatorStakeView::V1(ValidatorStakeViewV1 {
                account_id: v.account_id,
                public_key: v.public_key,
                stake: v.stake,
            })
        })
        .collect();
    stakes.sort_by(|a, b| {
        let (ValidatorStakeView::V1(a), ValidatorStakeView::V1(b)) = (a, b);
        b.stake
            .cmp(&a.stake)
            .then_with(|| a.account_id.cmp(&b.account_id))
    });
    to_json(stakes)
}

// ----- query -----

fn query(core: &NodeCore, params: Value) -> Result<Value, RpcError> {
    let request: RpcQueryRequest = parse(params)?;
    let head = core.chain.head();
    match core.block_by_reference(&request.block_reference) {
        Some(b) if b.height == head.height => {}
        Some(b) => {
            // Localnet keeps the head state only, like a node that has
            // garbage-collected everything older.
            return query_error(RpcQueryError::GarbageCollectedBlock {
                block_height: b.height,
                block_hash: b.hash,
            });
        }
        None => {
            return query_error(RpcQueryError::UnknownBlock {
                block_reference: request.block_reference,
            })
        }
    }
    let (block_height, block_hash) = (head.height, head.hash);
    let unknown_account = |id: &near_account_id::AccountId| RpcQueryError::UnknownAccount {
        requested_account_id: id.clone(),
        block_height,
        block_hash,
    };
    let kind = match request.request {
        QueryRequest::ViewAccount { account_id } => {
            let account = core
                .chain
                .account(&account_id)
                .ok_or_else(|| unknown_account(&account_id));
            match account {
                Ok(a) => QueryResponseKind::ViewAccount(views::account_view(&a)),
                Err(e) => return query_error(e),
            }
        }
        QueryRequest::ViewCode { account_id } => {
            let Some(account) = core.chain.account(&account_id) else {
                return query_error(unknown_account(&account_id));
            };
            match (account.code_hash, core.chain.contract_code(&account_id)) {
                (Some(hash), Some(code)) => {
                    QueryResponseKind::ViewCode(ContractCodeView { code, hash })
                }
                _ => {
                    return query_error(RpcQueryError::NoContractCode {
                        contract_account_id: account_id,
                        block_height,
                        block_hash,
                    })
                }
            }
        }
        QueryRequest::ViewState {
            account_id,
            prefix,
            after_key,
            limit,
            include_proof: _,
        } => {
            if core.chain.account(&account_id).is_none() {
                return query_error(unknown_account(&account_id));
            }
            let prefix: &[u8] = prefix.as_slice();
            let mut values = Vec::new();
            let mut last_key = None;
            let limit = limit.map_or(usize::MAX, |n| n.get() as usize);
            for (key, value) in core.chain.contract_state(&account_id) {
                if !key.starts_with(prefix) {
                    continue;
                }
                if after_key
                    .as_ref()
                    .is_some_and(|a| key.as_slice() <= a.as_slice())
                {
                    continue;
                }
                if values.len() == limit {
                    last_key = values.last().map(|v: &StateItem| v.key.clone());
                    break;
                }
                values.push(StateItem {
                    key: key.into(),
                    value: value.into(),
                });
            }
            QueryResponseKind::ViewState(ViewStateResult {
                values,
                proof: Vec::new(),
                last_key,
            })
        }
        QueryRequest::ViewAccessKey {
            account_id,
            public_key,
        } => {
            if core.chain.account(&account_id).is_none() {
                return query_error(unknown_account(&account_id));
            }
            match core.chain.access_key(&account_id, &public_key) {
                Some(key) => QueryResponseKind::AccessKey(AccessKeyView::from(key)),
                None => {
                    return query_error(RpcQueryError::UnknownAccessKey {
                        public_key,
                        block_height,
                        block_hash,
                    })
                }
            }
        }
        QueryRequest::ViewAccessKeyList { account_id, .. } => {
            if core.chain.account(&account_id).is_none() {
                return query_error(unknown_account(&account_id));
            }
            QueryResponseKind::AccessKeyList(AccessKeyList {
                keys: core
                    .chain
                    .access_keys(&account_id)
                    .into_iter()
                    .map(|(pk, key)| AccessKeyInfoView::new(pk, AccessKeyView::from(key)))
                    .collect(),
                last_key: None,
            })
        }
        QueryRequest::CallFunction {
            account_id,
            method_name,
            args,
        } => {
            if core.chain.account(&account_id).is_none() {
                return query_error(unknown_account(&account_id));
            }
            match crate::view::view(&core.chain, &account_id, &method_name, args.as_ref()) {
                Ok(out) => QueryResponseKind::CallResult(CallResult {
                    result: out.result,
                    logs: out.logs,
                }),
                Err(crate::Error::View { message, .. }) => {
                    let vm_error = format!("wasm execution failed with error: {message}");
                    return query_error(RpcQueryError::ContractExecutionError {
                        error: near_primitives::errors::FunctionCallError::ExecutionError(message),
                        vm_error,
                        block_height,
                        block_hash,
                    });
                }
                Err(e) => {
                    return query_error(RpcQueryError::InternalError {
                        error_message: e.to_string(),
                    })
                }
            }
        }
        other => {
            return query_error(RpcQueryError::InternalError {
                error_message: format!(
                    "localnet does not support this query: {}",
                    format!("{other:?}").chars().take(80).collect::<String>()
                ),
            })
        }
    };
    to_json(RpcQueryResponse {
        kind,
        block_height,
        block_hash,
    })
}

/// nearcore's `process_query_response`: two errors keep their legacy shape,
/// a successful response carrying `error` (clients parse both), and an
/// unknown block by id gets the "DB Not Found" text.
fn query_error(error: RpcQueryError) -> Result<Value, RpcError> {
    match error {
        RpcQueryError::ContractExecutionError {
            vm_error,
            block_height,
            block_hash,
            ..
        } => Ok(json!({
            "error": vm_error,
            "logs": [],
            "block_height": block_height,
            "block_hash": block_hash,
        })),
        RpcQueryError::UnknownAccessKey {
            public_key,
            block_height,
            block_hash,
        } => Ok(json!({
            "error": format!("access key {public_key} does not exist while viewing"),
            "logs": [],
            "block_height": block_height,
            "block_hash": block_hash,
        })),
        RpcQueryError::UnknownBlock {
            block_reference: BlockReference::BlockId(ref id),
        } => {
            let data = match id {
                BlockId::Height(h) => {
                    format!("DB Not Found Error: BLOCK HEIGHT: {h} \n Cause: Unknown")
                }
                BlockId::Hash(h) => format!("DB Not Found Error: BLOCK HEADER: {h}"),
            };
            let value = serde_json::to_value(&error)
                .map_err(|e| RpcError::serialization_error(e.to_string()))?;
            Err(RpcError::new_internal_or_handler_error(
                Some(Value::String(data)),
                value,
            ))
        }
        other => Err(other.into()),
    }
}
