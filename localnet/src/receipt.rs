//! Receipts: the messages transactions are turned into and contracts send.

use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_primitives::action::Action;
use near_primitives_core::hash::CryptoHash;
use near_token::NearToken;

/// Where the result of an action receipt must be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataReceiver {
    pub data_id: CryptoHash,
    pub receiver_id: AccountId,
}

/// A receipt carrying actions (nearcore's `ActionReceipt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionReceipt {
    pub signer_id: AccountId,
    pub signer_public_key: PublicKey,
    /// Price the signer bought the receipt's gas at.
    pub gas_price: NearToken,
    pub output_data_receivers: Vec<DataReceiver>,
    pub input_data_ids: Vec<CryptoHash>,
    pub actions: Vec<Action>,
    /// Where a failed receipt's deposit goes instead of the predecessor.
    pub refund_to: Option<AccountId>,
    /// Created by `promise_yield_create`: waits for `promise_yield_resume` or its timeout.
    pub is_promise_yield: bool,
    /// Host functions localnet does not implement; applying the receipt fails.
    pub unsupported: Vec<&'static str>,
}

/// What a receipt carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptBody {
    Action(ActionReceipt),
    /// The result of a receipt, for a receipt waiting on it (`None`: it failed).
    Data {
        data_id: CryptoHash,
        data: Option<Vec<u8>>,
    },
}

/// A receipt, routed from its predecessor to its receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub receipt_id: CryptoHash,
    pub predecessor_id: AccountId,
    pub receiver_id: AccountId,
    pub body: ReceiptBody,
    /// The transaction this receipt descends from.
    pub tx_hash: CryptoHash,
    /// The receipt that produced this one (`None` for the transaction's own receipt).
    pub parent: Option<CryptoHash>,
}

/// The account refunds and protocol transfers come from.
pub fn system_account() -> AccountId {
    "system".parse().expect("`system` is a valid account id")
}

impl Receipt {
    /// A protocol transfer (refund or deleted account's balance): free, from `system`.
    pub(crate) fn system_transfer(
        receiver_id: AccountId,
        amount: NearToken,
        signer_public_key: Option<PublicKey>,
        tx_hash: CryptoHash,
        parent: CryptoHash,
    ) -> Self {
        let system = system_account();
        Receipt {
            receipt_id: CryptoHash::default(),
            predecessor_id: system.clone(),
            receiver_id,
            body: ReceiptBody::Action(ActionReceipt {
                signer_id: system,
                signer_public_key: signer_public_key
                    .unwrap_or_else(|| PublicKey::empty(near_crypto::KeyType::ED25519)),
                gas_price: NearToken::ZERO,
                output_data_receivers: vec![],
                input_data_ids: vec![],
                actions: vec![Action::Transfer(near_primitives::action::TransferAction {
                    deposit: amount,
                })],
                refund_to: None,
                is_promise_yield: false,
                unsupported: vec![],
            }),
            tx_hash,
            parent: Some(parent),
        }
    }

    /// Whether this is a protocol transfer from `system` (a refund).
    pub fn is_refund(&self) -> bool {
        self.predecessor_id.as_str() == "system"
    }
}
