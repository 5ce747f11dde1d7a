//! What the tool asks of a NEAR RPC node, through near-jsonrpc-client.

use anyhow::{anyhow, bail, Context};
use near_crypto::{KeyFile, PublicKey};
use near_jsonrpc_client::errors::JsonRpcError;
use near_jsonrpc_client::{methods, JsonRpcClient};
use near_jsonrpc_primitives::types::query::{QueryResponseKind, RpcQueryError};
use near_jsonrpc_primitives::types::transactions::{RpcTransactionError, TransactionInfo};
use near_primitives::action::Action;
use near_primitives::hash::CryptoHash;
use near_primitives::transaction::{SignedTransaction, Transaction, TransactionV0};
use near_primitives::types::{AccountId, BlockReference, Finality};
use near_primitives::views::{
    AccessKeyInfoView, AccountView, FinalExecutionOutcomeView, FinalExecutionStatus, QueryRequest,
    TxExecutionStatus,
};
use serde_json::Value;
use std::time::Duration;

/// A connection to one RPC endpoint.
pub struct Chain {
    rpc: JsonRpcClient,
    pub url: String,
}

impl Chain {
    /// A client for `url`; nothing is sent until a method is called, so a
    /// dry run can hold one without a network.
    pub fn connect(url: &str) -> Chain {
        Chain {
            rpc: JsonRpcClient::connect(url),
            url: url.to_string(),
        }
    }

    async fn query(
        &self,
        request: QueryRequest,
    ) -> Result<(QueryResponseKind, CryptoHash), JsonRpcError<RpcQueryError>> {
        let response = self
            .rpc
            .call(methods::query::RpcQueryRequest {
                block_reference: BlockReference::Finality(Finality::Final),
                request,
            })
            .await?;
        Ok((response.kind, response.block_hash))
    }

    /// The node's chain id (and that it answers at all).
    pub async fn chain_id(&self) -> anyhow::Result<String> {
        let status = self
            .rpc
            .call(methods::status::RpcStatusRequest)
            .await
            .with_context(|| format!("no NEAR node answers at {}", self.url))?;
        Ok(status.chain_id)
    }

    /// The account, or `None` if it does not exist.
    pub async fn account(&self, id: &AccountId) -> anyhow::Result<Option<AccountView>> {
        match self
            .query(QueryRequest::ViewAccount {
                account_id: id.clone(),
            })
            .await
        {
            Ok((QueryResponseKind::ViewAccount(a), _)) => Ok(Some(a)),
            Ok(_) => bail!("unexpected answer to view_account {id}"),
            Err(e)
                if matches!(
                    e.handler_error(),
                    Some(RpcQueryError::UnknownAccount { .. })
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(anyhow!("view_account {id}: {e}")),
        }
    }

    /// Whether the account has this access key.
    pub async fn has_key(&self, id: &AccountId, key: &PublicKey) -> anyhow::Result<bool> {
        match self
            .query(QueryRequest::ViewAccessKey {
                account_id: id.clone(),
                public_key: key.clone(),
            })
            .await
        {
            Ok((QueryResponseKind::AccessKey(_), _)) => Ok(true),
            Ok(_) => bail!("unexpected answer to view_access_key {id}"),
            Err(e)
                if matches!(
                    e.handler_error(),
                    Some(
                        RpcQueryError::UnknownAccessKey { .. }
                            | RpcQueryError::UnknownAccount { .. }
                    )
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(anyhow!("view_access_key {id}: {e}")),
        }
    }

    /// Every access key of the account (the node's `view_access_key_list`,
    /// all pages). The lock and the health check read the whole list rather
    /// than asking for known keys, since a key nobody here knows of is
    /// exactly what they must find.
    pub async fn access_keys(&self, id: &AccountId) -> anyhow::Result<Vec<AccessKeyInfoView>> {
        let mut keys = Vec::new();
        let mut after_key = None;
        loop {
            let request = QueryRequest::ViewAccessKeyList {
                account_id: id.clone(),
                after_key: after_key.take(),
                limit: None,
            };
            match self.query(request).await {
                Ok((QueryResponseKind::AccessKeyList(list), _)) => {
                    keys.extend(list.keys);
                    match list.last_key {
                        Some(last) => after_key = Some(last),
                        None => return Ok(keys),
                    }
                }
                Ok(_) => bail!("unexpected answer to view_access_key_list {id}"),
                Err(e) => return Err(anyhow!("view_access_key_list {id}: {e}")),
            }
        }
    }

    /// Whether the contract state holds `key` (near-sdk keeps its state under `STATE`).
    pub async fn has_state_key(&self, id: &AccountId, key: &[u8]) -> anyhow::Result<bool> {
        let request = QueryRequest::ViewState {
            account_id: id.clone(),
            prefix: key.to_vec().into(),
            after_key: None,
            limit: None,
            include_proof: false,
        };
        match self.query(request).await {
            Ok((QueryResponseKind::ViewState(s), _)) => {
                Ok(s.values.iter().any(|v| v.key.as_slice() == key))
            }
            Ok(_) => bail!("unexpected answer to view_state {id}"),
            Err(e)
                if matches!(
                    e.handler_error(),
                    Some(RpcQueryError::UnknownAccount { .. })
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(anyhow!("view_state {id}: {e}")),
        }
    }

    /// A view call with JSON arguments and a JSON result.
    pub async fn view(&self, id: &AccountId, method: &str, args: Value) -> anyhow::Result<Value> {
        let request = QueryRequest::CallFunction {
            account_id: id.clone(),
            method_name: method.into(),
            args: serde_json::to_vec(&args)?.into(),
        };
        match self.query(request).await {
            Ok((QueryResponseKind::CallResult(r), _)) => serde_json::from_slice(&r.result)
                .with_context(|| format!("{id}.{method} returned no JSON")),
            Ok(_) => bail!("unexpected answer to {id}.{method}"),
            Err(e) => Err(anyhow!("{id}.{method}: {e}")),
        }
    }

    /// Signs `actions` with `key` (for `signer`'s account), sends them and
    /// waits for the final outcome; fails unless the transaction succeeded.
    pub async fn transact(
        &self,
        signer: &AccountId,
        key: &KeyFile,
        receiver: &AccountId,
        actions: Vec<Action>,
    ) -> anyhow::Result<FinalExecutionOutcomeView> {
        let (kind, block_hash) = self
            .query(QueryRequest::ViewAccessKey {
                account_id: signer.clone(),
                public_key: key.public_key.clone(),
            })
            .await
            .map_err(|e| anyhow!("access key of {signer}: {e}"))?;
        let QueryResponseKind::AccessKey(access_key) = kind else {
            bail!("{signer} has no access key {}", key.public_key);
        };
        let tx = Transaction::V0(TransactionV0 {
            signer_id: signer.clone(),
            public_key: key.public_key.clone(),
            nonce: access_key.nonce + 1,
            receiver_id: receiver.clone(),
            block_hash,
            actions,
        });
        let (hash, _) = tx.get_hash_and_size();
        let tx = SignedTransaction::new(key.secret_key.sign(hash.as_ref()), tx);
        let outcome = self.send(tx).await?;
        match &outcome.status {
            FinalExecutionStatus::SuccessValue(_) => Ok(outcome),
            FinalExecutionStatus::Failure(e) => {
                bail!("transaction {} failed: {e}", outcome.transaction.hash)
            }
            other => bail!(
                "transaction {} did not finish: {other:?}",
                outcome.transaction.hash
            ),
        }
    }

    async fn send(&self, tx: SignedTransaction) -> anyhow::Result<FinalExecutionOutcomeView> {
        let hash = tx.get_hash();
        let sender = tx.transaction.signer_id().clone();
        let sent = self
            .rpc
            .call(methods::broadcast_tx_commit::RpcBroadcastTxCommitRequest {
                signed_transaction: tx,
            })
            .await;
        match sent {
            Ok(outcome) => Ok(outcome),
            // A busy node gives up waiting before the transaction is done:
            // ask again until it is final.
            Err(e)
                if matches!(
                    e.handler_error(),
                    Some(RpcTransactionError::TimeoutError(_))
                ) =>
            {
                for _ in 0..30 {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let status = self
                        .rpc
                        .call(methods::tx::RpcTransactionStatusRequest {
                            transaction_info: TransactionInfo::TransactionId {
                                tx_hash: hash,
                                sender_account_id: sender.clone(),
                            },
                            wait_until: TxExecutionStatus::Final,
                        })
                        .await;
                    if let Ok(r) = status {
                        if let Some(outcome) = r.final_execution_outcome {
                            return Ok(outcome.into_outcome());
                        }
                    }
                }
                bail!("transaction {hash} was not final after a minute")
            }
            Err(e) => Err(anyhow!("transaction {hash}: {e}")),
        }
    }
}
