//! What the operator CLI asks of a NEAR RPC node, through near-api:
//! views, access keys, state and signed transactions (near-api signs,
//! fetches and caches nonces, sends and waits for the final outcome).
//!
//! Every request goes through near-api's retry loop: a rate limit (HTTP
//! 429), a timeout or a 5xx is retried with exponential backoff
//! ([`RETRIES`] times from [`FIRST_BACKOFF`]); an answer that cannot change
//! by asking again (an unknown account, an invalid transaction) is not.
//! An API key for an RPC provider goes in both headers providers use
//! (`Authorization: Bearer` and `x-api-key`).

use anyhow::{anyhow, bail, Context};
use near_api::errors::{QueryError, RetryError, SendRequestError};
use near_api::types::transaction::result::{ExecutionFinalResult, TransactionResult};
use near_api::types::{AccessKey, Action, Reference, TxExecutionStatus};
use near_api::{NetworkConfig, RPCEndpoint, RetryMethod, Signer};
use near_openapi_client::types::RpcQueryError;
use near_primitives::types::AccountId;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Retries of one request before giving up (rate limits, timeouts, 5xx).
pub const RETRIES: u8 = 6;
/// The first backoff; each retry doubles it (0.5, 1, 2, 4, 8, 16 s): long
/// enough for a public endpoint's per-minute rate limit to let us back in.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// A key that signs for an account: its public key and a near-api signer.
#[derive(Clone)]
pub struct Key {
    pub account_id: AccountId,
    pub public_key: near_api::PublicKey,
    pub signer: Arc<Signer>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({}, {})", self.account_id, self.public_key)
    }
}

impl Key {
    /// A signer for `account_id` from a secret key in NEAR's text form
    /// (`ed25519:...`).
    pub fn from_secret(account_id: AccountId, secret: &str) -> anyhow::Result<Key> {
        let secret: near_api::SecretKey = secret
            .parse()
            .map_err(|e| anyhow!("invalid secret key for {account_id}: {e:?}"))?;
        let public_key = secret.public_key();
        let signer = Signer::from_secret_key(secret)
            .map_err(|e| anyhow!("no signer for {account_id}: {e}"))?;
        Ok(Key {
            account_id,
            public_key,
            signer,
        })
    }

    /// The key of a near-cli key file (`account_id`, `public_key` and
    /// `private_key`, or `secret_key` as nearcore writes its own files).
    pub fn from_key_file_json(text: &str) -> anyhow::Result<Key> {
        let v: Value = serde_json::from_str(text).context("a key file is JSON")?;
        let account: AccountId = v["account_id"]
            .as_str()
            .context("the key file has no account_id")?
            .parse()?;
        let secret = v["private_key"]
            .as_str()
            .or_else(|| v["secret_key"].as_str())
            .context("the key file has no private_key")?;
        let key = Key::from_secret(account, secret)?;
        if let Some(public) = v["public_key"].as_str() {
            if public != key.public_key.to_string() {
                bail!("the key file's public_key does not match its private key");
            }
        }
        Ok(key)
    }

    /// The key localnet's node wrote (its genesis validator's).
    pub fn from_near_crypto(k: &near_crypto::KeyFile) -> anyhow::Result<Key> {
        Key::from_secret(k.account_id.clone(), &k.secret_key.to_string())
    }
}

/// A near-api public key from nearcore's (the plan and the test pools use
/// nearcore's types; the text form is the same).
pub fn api_public_key(k: &near_crypto::PublicKey) -> near_api::PublicKey {
    k.to_string()
        .parse()
        .expect("a public key's text form parses")
}

/// The account id near-api takes (its own version of the same type).
pub fn api_account(id: &AccountId) -> near_api::AccountId {
    id.as_str().parse().expect("a valid account id stays valid")
}

/// A connection to one RPC endpoint.
pub struct Chain {
    network: NetworkConfig,
    pub url: String,
    api_key: Option<String>,
}

impl Chain {
    /// A client for `url`; nothing is sent until a method is called, so a
    /// dry run can hold one without a network.
    pub fn connect(url: &str) -> Chain {
        Chain::with_api_key(url, None).expect("a URL")
    }

    /// A client for `url`, sending `api_key` to the provider with every
    /// request.
    pub fn with_api_key(url: &str, api_key: Option<&str>) -> anyhow::Result<Chain> {
        let parsed = url
            .parse()
            .with_context(|| format!("invalid RPC URL {url}"))?;
        let mut endpoint = RPCEndpoint::new(parsed)
            .with_retries(RETRIES)
            .with_retry_method(RetryMethod::ExponentialBackoff {
                initial_sleep: FIRST_BACKOFF,
                factor: 2,
            });
        if let Some(key) = api_key {
            endpoint = endpoint.with_api_key(key.to_string());
        }
        let network = NetworkConfig {
            rpc_endpoints: vec![endpoint],
            ..NetworkConfig::from_rpc_url("custom", url.parse()?)
        };
        Ok(Chain {
            network,
            url: url.to_string(),
            api_key: api_key.map(str::to_string),
        })
    }

    /// near-api's network configuration of this connection.
    pub fn network(&self) -> &NetworkConfig {
        &self.network
    }

    /// The node's chain id (and that it answers at all): JSON-RPC `status`,
    /// which near-api does not wrap; a read, not a transaction. Retried
    /// like every other request.
    pub async fn chain_id(&self) -> anyhow::Result<String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        let body = serde_json::json!({
            "jsonrpc": "2.0", "id": "operator", "method": "status", "params": []
        });
        let mut last = None;
        for attempt in 0..RETRIES {
            if attempt > 0 {
                tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(u32::from(attempt) - 1)).await;
            }
            let mut request = client.post(&self.url).json(&body);
            if let Some(key) = &self.api_key {
                request = request
                    .bearer_auth(key)
                    .header("x-api-key", format!("Bearer {key}"));
            }
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    let v: Value = r.json().await?;
                    return v["result"]["chain_id"]
                        .as_str()
                        .map(str::to_string)
                        .with_context(|| format!("{} answered status without chain_id", self.url));
                }
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    last = Some(anyhow!("HTTP {}", r.status()))
                }
                Ok(r) => bail!("{} answered status with HTTP {}", self.url, r.status()),
                Err(e) if e.is_connect() && attempt == 0 => {
                    // Nothing listens: no point in waiting (the local
                    // node check asks this first).
                    return Err(anyhow!(e))
                        .with_context(|| format!("no NEAR node answers at {}", self.url));
                }
                Err(e) => last = Some(anyhow!(e)),
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("no answer")))
            .with_context(|| format!("no NEAR node answers at {}", self.url))
    }

    /// Fails unless the node's chain id is `expected` (`None`: any, as a
    /// localnet's id is whatever its genesis says): checked before anything
    /// is sent, so a key meant for testnet never signs on mainnet.
    pub async fn check_chain_id(&self, expected: Option<&str>) -> anyhow::Result<String> {
        let id = self.chain_id().await?;
        if let Some(want) = expected {
            if id != want {
                bail!(
                    "{} serves chain {id}, not {want}: check --network and --rpc-url",
                    self.url
                );
            }
        }
        Ok(id)
    }

    /// The account's balance and code hash, or `None` if it does not exist.
    pub async fn account(
        &self,
        id: &AccountId,
    ) -> anyhow::Result<Option<near_api::types::Account>> {
        match near_api::Account(api_account(id))
            .view()
            .at(Reference::Final)
            .fetch_from(&self.network)
            .await
        {
            Ok(a) => Ok(Some(a.data)),
            Err(e) if is_unknown(&e) => Ok(None),
            Err(e) => Err(anyhow!("view_account {id}: {e}")),
        }
    }

    /// The code hash the account runs (`None`: no account or no code).
    pub async fn code_hash(&self, id: &AccountId) -> anyhow::Result<Option<near_api::CryptoHash>> {
        use near_api::types::account::ContractState;
        Ok(self
            .account(id)
            .await?
            .and_then(|a| match a.contract_state {
                ContractState::LocalHash(h) | ContractState::GlobalHash(h) => Some(h),
                _ => None,
            }))
    }

    /// Whether the account has this access key.
    pub async fn has_key(&self, id: &AccountId, key: &near_api::PublicKey) -> anyhow::Result<bool> {
        match near_api::Account(api_account(id))
            .access_key(*key)
            .at(Reference::Final)
            .fetch_from(&self.network)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_unknown(&e) => Ok(false),
            Err(e) => Err(anyhow!("view_access_key {id}: {e}")),
        }
    }

    /// Every access key of the account (the node's `view_access_key_list`).
    /// The lock and the health check read the whole list rather than asking
    /// for known keys, since a key nobody here knows of is exactly what
    /// they must find.
    pub async fn access_keys(
        &self,
        id: &AccountId,
    ) -> anyhow::Result<Vec<(near_api::PublicKey, AccessKey)>> {
        match near_api::Account(api_account(id))
            .list_keys()
            .at(Reference::Final)
            .fetch_from(&self.network)
            .await
        {
            Ok(list) => Ok(list.data),
            Err(e) if is_unknown(&e) => Ok(Vec::new()),
            Err(e) => Err(anyhow!("view_access_key_list {id}: {e}")),
        }
    }

    /// Whether the contract state holds `key` (near-sdk keeps its state under `STATE`).
    pub async fn has_state_key(&self, id: &AccountId, key: &[u8]) -> anyhow::Result<bool> {
        use base64::Engine;
        match near_api::Contract(api_account(id))
            .view_storage_with_prefix(key)
            .at(Reference::Final)
            .fetch_from(&self.network)
            .await
        {
            Ok(state) => Ok(state.data.values.iter().any(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.key.as_str())
                    .is_ok_and(|k| k == key)
            })),
            Err(e) if is_unknown(&e) => Ok(false),
            Err(e) => Err(anyhow!("view_state {id}: {e}")),
        }
    }

    /// A view call with JSON arguments and a JSON result, on the final block.
    pub async fn view(&self, id: &AccountId, method: &str, args: Value) -> anyhow::Result<Value> {
        near_api::Contract(api_account(id))
            .call_function(method, args)
            .read_only::<Value>()
            .at(Reference::Final)
            .fetch_from(&self.network)
            .await
            .map(|d| d.data)
            .map_err(|e| anyhow!("{id}.{method}: {e}"))
    }

    /// Signs `actions` with `key` (for `signer`'s account), sends them and
    /// waits for the final outcome; fails unless the transaction succeeded.
    /// Returns the transaction's hash.
    pub async fn transact(
        &self,
        signer: &AccountId,
        key: &Key,
        receiver: &AccountId,
        actions: Vec<Action>,
    ) -> anyhow::Result<String> {
        let outcome = self.send(signer, key, receiver, actions).await?;
        let hash = tx_hash(&outcome);
        match outcome.into_result() {
            Ok(_) => Ok(hash),
            Err(e) => bail!("transaction {hash} failed: {e}"),
        }
    }

    /// Signs and sends `actions`, waiting until the transaction and all its
    /// receipts are final; returns the outcome whatever its status (the
    /// keeper reads a failed one). Errors only when it could not be sent
    /// or its outcome is unknown. near-api fetches the nonce (and caches
    /// it per key, so consecutive transactions need no extra query).
    pub async fn send(
        &self,
        signer: &AccountId,
        key: &Key,
        receiver: &AccountId,
        actions: Vec<Action>,
    ) -> anyhow::Result<ExecutionFinalResult> {
        let result = near_api::Transaction::construct(api_account(signer), api_account(receiver))
            .add_actions(actions)
            .with_signer(key.signer.clone())
            .wait_until(TxExecutionStatus::Final)
            .send_to(&self.network)
            .await
            .map_err(|e| anyhow!("transaction from {signer} to {receiver}: {e}"))?;
        match result {
            TransactionResult::Full(outcome) => Ok(*outcome),
            TransactionResult::Pending { status } => {
                bail!("transaction from {signer} to {receiver} is not final: {status:?}")
            }
        }
    }
}

/// The transaction's hash, from its own outcome.
pub fn tx_hash(outcome: &ExecutionFinalResult) -> String {
    outcome
        .outcomes()
        .first()
        .map(|o| o.transaction_hash.to_string())
        .unwrap_or_default()
}

/// Whether a query failed because the account, key or state is not there
/// (an answer, not an error of the node).
fn is_unknown(e: &QueryError<RpcQueryError>) -> bool {
    let QueryError::QueryError(e) = e else {
        return false;
    };
    let (RetryError::Critical(SendRequestError::ServerError(e))
    | RetryError::RetriesExhausted(SendRequestError::ServerError(e))) = e.as_ref()
    else {
        return false;
    };
    matches!(
        e,
        RpcQueryError::UnknownAccount { .. } | RpcQueryError::UnknownAccessKey { .. }
    )
}
