//! Outcomes of transactions and receipts, as tests inspect them.

use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_gas::NearGas;
use near_primitives::action::Action;
use near_primitives::errors::TxExecutionError;
use near_primitives_core::hash::CryptoHash;
use near_token::NearToken;
use serde::de::DeserializeOwned;

/// An action as an outcome reports it (code is summarised by hash and size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionSummary {
    CreateAccount,
    DeployContract {
        code_hash: CryptoHash,
        len: usize,
    },
    FunctionCall {
        method: String,
        args: Vec<u8>,
        gas: NearGas,
        deposit: NearToken,
    },
    Transfer {
        deposit: NearToken,
    },
    Stake {
        stake: NearToken,
        public_key: PublicKey,
    },
    AddKey {
        public_key: PublicKey,
        full_access: bool,
    },
    DeleteKey {
        public_key: PublicKey,
    },
    DeleteAccount {
        beneficiary_id: AccountId,
    },
    /// An action localnet does not run; applying it fails.
    Other(String),
}

impl ActionSummary {
    pub(crate) fn of(action: &Action) -> Self {
        match action {
            Action::CreateAccount(_) => ActionSummary::CreateAccount,
            Action::DeployContract(d) => ActionSummary::DeployContract {
                code_hash: near_primitives_core::hash::hash(&d.code),
                len: d.code.len(),
            },
            Action::FunctionCall(fc) => ActionSummary::FunctionCall {
                method: fc.method_name.clone(),
                args: fc.args.clone(),
                gas: NearGas::from_gas(fc.gas.as_gas()),
                deposit: fc.deposit,
            },
            Action::Transfer(t) => ActionSummary::Transfer { deposit: t.deposit },
            Action::Stake(s) => ActionSummary::Stake {
                stake: s.stake,
                public_key: s.public_key.clone(),
            },
            Action::AddKey(k) => ActionSummary::AddKey {
                public_key: k.public_key.clone(),
                full_access: matches!(
                    k.access_key.permission,
                    near_primitives::account::AccessKeyPermission::FullAccess
                ),
            },
            Action::DeleteKey(k) => ActionSummary::DeleteKey {
                public_key: k.public_key.clone(),
            },
            Action::DeleteAccount(d) => ActionSummary::DeleteAccount {
                beneficiary_id: d.beneficiary_id.clone(),
            },
            other => ActionSummary::Other(format!("{other:?}").chars().take(80).collect()),
        }
    }
}

/// Status of one executed receipt (or of the transaction's conversion).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptStatus {
    /// Finished with this return value (empty when the method returned nothing).
    SuccessValue(Vec<u8>),
    /// Finished by returning the promise of another receipt (`promise_return`).
    SuccessReceiptId(CryptoHash),
    Failure(TxExecutionError),
}

/// One executed receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptOutcome {
    pub receipt_id: CryptoHash,
    pub predecessor_id: AccountId,
    pub receiver_id: AccountId,
    pub actions: Vec<ActionSummary>,
    pub status: ReceiptStatus,
    pub logs: Vec<String>,
    pub gas_burnt: NearGas,
    pub tokens_burnt: NearToken,
    /// Height of the block the receipt ran in.
    pub block_height: u64,
    /// Action receipts this one created, refunds included, in creation order.
    pub children: Vec<CryptoHash>,
    /// The receipt that created this one; `None` for the transaction's receipt.
    pub parent: Option<CryptoHash>,
    /// A protocol refund (predecessor `system`): free and never fails a transaction.
    pub is_refund: bool,
}

/// The transaction's own outcome: its conversion into a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionOutcome {
    pub hash: CryptoHash,
    pub signer_id: AccountId,
    pub receiver_id: AccountId,
    pub nonce: u64,
    pub public_key: PublicKey,
    pub gas_burnt: NearGas,
    pub tokens_burnt: NearToken,
    pub block_height: u64,
    /// `SuccessReceiptId(receipt)` or the reason the transaction was invalid.
    pub status: ReceiptStatus,
}

/// The overall status of a transaction (nearcore's `FinalExecutionStatus`).
///
/// It follows the transaction's result: the transaction's receipt and then,
/// through `promise_return`, the receipts that receipt returned. A failure
/// elsewhere (a callee whose failure a callback handled, a refund) does not
/// make the transaction fail; see [`ExecutionOutcome::receipt_failures`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinalStatus {
    /// The receipt the result depends on has not run yet.
    Pending,
    /// The value the transaction returned.
    SuccessValue(Vec<u8>),
    /// The transaction was invalid, or the receipt its result depends on failed.
    Failure(TxExecutionError),
}

/// A NEP-297 event a contract emitted (`EVENT_JSON:` log).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Account whose receipt logged the event.
    pub emitter: AccountId,
    pub standard: String,
    pub version: String,
    pub event: String,
    /// The `data` field, `Null` when absent.
    pub data: serde_json::Value,
}

/// Everything a transaction did: its conversion and every receipt it caused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionOutcome {
    pub transaction: TransactionOutcome,
    /// Executed receipts in execution order (block by block).
    pub receipts: Vec<ReceiptOutcome>,
    pub status: FinalStatus,
    /// Every receipt of the transaction, refunds included, has run.
    pub settled: bool,
}

impl ExecutionOutcome {
    /// Whether the transaction's result is a value (see [`FinalStatus`]).
    pub fn is_success(&self) -> bool {
        matches!(self.status, FinalStatus::SuccessValue(_))
    }

    /// Whether the transaction's result is a failure (see [`FinalStatus`]).
    pub fn is_failure(&self) -> bool {
        matches!(self.status, FinalStatus::Failure(_))
    }

    /// Whether the receipt the result depends on has not run yet.
    pub fn is_pending(&self) -> bool {
        matches!(self.status, FinalStatus::Pending)
    }

    /// Panics with the failure and the logs unless the transaction succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        if !self.is_success() {
            panic!(
                "transaction {} did not succeed: {}\nlogs: {:#?}",
                self.transaction.hash,
                self.failure_message()
                    .unwrap_or_else(|| "still pending".into()),
                self.logs()
            );
        }
        self
    }

    /// The failure of the first receipt that failed anywhere in the tree, or
    /// the transaction's own failure.
    pub fn first_failure_anywhere(&self) -> Option<&TxExecutionError> {
        self.failure().or_else(|| {
            self.receipts.iter().find_map(|r| match &r.status {
                ReceiptStatus::Failure(e) => Some(e),
                _ => None,
            })
        })
    }

    /// Panics unless the transaction failed with a message containing `needle`.
    #[track_caller]
    pub fn assert_failure_contains(&self, needle: &str) -> &Self {
        match self.failure_message() {
            Some(m) if m.contains(needle) => self,
            Some(m) => panic!("expected a failure containing {needle:?}, got: {m}"),
            None => panic!("expected a failure containing {needle:?}, but it did not fail"),
        }
    }

    /// The failure's text, as nearcore displays it, if the transaction failed.
    pub fn failure_message(&self) -> Option<String> {
        match &self.status {
            FinalStatus::Failure(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// The transaction's failure, if its result is one.
    pub fn failure(&self) -> Option<&TxExecutionError> {
        match &self.status {
            FinalStatus::Failure(e) => Some(e),
            _ => None,
        }
    }

    /// Whether any receipt failed (also when a callback handled the failure).
    pub fn is_receipt_failure_anywhere(&self) -> bool {
        self.receipt_failures().next().is_some()
    }

    /// The receipts that failed.
    pub fn receipt_failures(&self) -> impl Iterator<Item = &ReceiptOutcome> {
        self.receipts
            .iter()
            .filter(|r| matches!(r.status, ReceiptStatus::Failure(_)))
    }

    /// The value the transaction returned (the end of its `promise_return` chain).
    pub fn value(&self) -> Option<&[u8]> {
        match &self.status {
            FinalStatus::SuccessValue(v) => Some(v),
            _ => None,
        }
    }

    /// The returned value parsed as JSON.
    ///
    /// # Errors
    /// If the transaction did not succeed or the value is not `T` in JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, crate::Error> {
        match &self.status {
            FinalStatus::SuccessValue(v) => serde_json::from_slice(v).map_err(|e| {
                crate::Error::Decode(format!("{e} in {:?}", String::from_utf8_lossy(v)))
            }),
            FinalStatus::Failure(e) => Err(crate::Error::Failed(e.to_string())),
            FinalStatus::Pending => Err(crate::Error::Failed("transaction is pending".into())),
        }
    }

    /// The returned value decoded from borsh.
    ///
    /// # Errors
    /// If the transaction did not succeed or the value is not `T` in borsh.
    pub fn borsh<T: borsh::BorshDeserialize>(&self) -> Result<T, crate::Error> {
        match &self.status {
            FinalStatus::SuccessValue(v) => {
                borsh::from_slice(v).map_err(|e| crate::Error::Decode(e.to_string()))
            }
            FinalStatus::Failure(e) => Err(crate::Error::Failed(e.to_string())),
            FinalStatus::Pending => Err(crate::Error::Failed("transaction is pending".into())),
        }
    }

    /// Logs of every receipt, in execution order.
    pub fn logs(&self) -> Vec<&str> {
        self.receipts
            .iter()
            .flat_map(|r| r.logs.iter().map(String::as_str))
            .collect()
    }

    /// Every NEP-297 event logged by any receipt, in execution order.
    /// Logs that start with `EVENT_JSON:` but are not valid events are skipped.
    pub fn events(&self) -> Vec<Event> {
        self.receipts
            .iter()
            .flat_map(|r| {
                r.logs
                    .iter()
                    .filter_map(move |log| parse_event(&r.receiver_id, log))
            })
            .collect()
    }

    /// Gas burnt by the conversion and by every receipt.
    pub fn total_gas_burnt(&self) -> NearGas {
        let receipts: u64 = self.receipts.iter().map(|r| r.gas_burnt.as_gas()).sum();
        NearGas::from_gas(self.transaction.gas_burnt.as_gas() + receipts)
    }

    /// Tokens burnt by the conversion and by every receipt.
    pub fn tokens_burnt(&self) -> NearToken {
        self.receipts
            .iter()
            .fold(self.transaction.tokens_burnt, |acc, r| {
                acc.checked_add(r.tokens_burnt).expect("burnt overflow")
            })
    }

    /// The receipt with this id.
    pub fn receipt(&self, id: &CryptoHash) -> Option<&ReceiptOutcome> {
        self.receipts.iter().find(|r| &r.receipt_id == id)
    }

    /// Receipts that ran on `account` (refunds excluded).
    pub fn receipts_on<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> impl Iterator<Item = &'a ReceiptOutcome> + 'a {
        self.receipts
            .iter()
            .filter(move |r| &r.receiver_id == account && !r.is_refund)
    }
}

fn parse_event(emitter: &AccountId, log: &str) -> Option<Event> {
    let json = log.strip_prefix("EVENT_JSON:")?;
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    Some(Event {
        emitter: emitter.clone(),
        standard: value.get("standard")?.as_str()?.to_string(),
        version: value.get("version")?.as_str()?.to_string(),
        event: value.get("event")?.as_str()?.to_string(),
        data: value
            .get("data")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
    })
}
