//! Transaction builders: a function call, or a batch of any actions.

use crate::{ExecutionOutcome, Gas, Localnet};
use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_primitives::account::{AccessKey, AccessKeyPermission, FunctionCallPermission};
use near_primitives::action::{
    Action, AddKeyAction, CreateAccountAction, DeleteAccountAction, DeleteKeyAction,
    DeployContractAction, FunctionCallAction, StakeAction, TransferAction,
};
use near_primitives_core::hash::CryptoHash;
use near_token::NearToken;
use serde::Serialize;

/// Gas a call gets unless told otherwise (near-workspaces' default).
pub const DEFAULT_CALL_GAS: Gas = Gas::from_tgas(30);

fn to_gas(gas: Gas) -> near_primitives_core::types::Gas {
    near_primitives_core::types::Gas::from_gas(gas.as_gas())
}

/// One function call transaction.
///
/// ```no_run
/// # use localnet::{Localnet, NearToken, Gas};
/// # let mut net = Localnet::new();
/// # let (alice, contract) = (net.create_account("a.near", NearToken::from_near(1)), net.create_account("c.near", NearToken::from_near(1)));
/// let outcome = net
///     .call(&alice, &contract, "set")
///     .args_json(serde_json::json!({ "key": "k", "value": "v" }))
///     .deposit(NearToken::from_yoctonear(1))
///     .gas(Gas::from_tgas(50))
///     .transact();
/// ```
pub struct CallBuilder<'a> {
    net: &'a mut Localnet,
    signer: AccountId,
    public_key: Option<PublicKey>,
    receiver: AccountId,
    method: String,
    args: Vec<u8>,
    deposit: NearToken,
    gas: Gas,
}

impl<'a> CallBuilder<'a> {
    pub(crate) fn new(
        net: &'a mut Localnet,
        signer: AccountId,
        receiver: AccountId,
        method: String,
    ) -> Self {
        CallBuilder {
            net,
            signer,
            public_key: None,
            receiver,
            method,
            args: Vec::new(),
            deposit: NearToken::ZERO,
            gas: DEFAULT_CALL_GAS,
        }
    }

    /// Raw argument bytes.
    pub fn args(mut self, args: Vec<u8>) -> Self {
        self.args = args;
        self
    }

    /// Arguments serialised as JSON.
    pub fn args_json(mut self, args: impl Serialize) -> Self {
        self.args = serde_json::to_vec(&args).expect("arguments serialise to JSON");
        self
    }

    /// Arguments serialised with borsh.
    pub fn args_borsh(mut self, args: impl borsh::BorshSerialize) -> Self {
        self.args = borsh::to_vec(&args).expect("arguments serialise with borsh");
        self
    }

    /// Attached deposit (default none).
    pub fn deposit(mut self, amount: NearToken) -> Self {
        self.deposit = amount;
        self
    }

    /// Attached gas (default 30 Tgas).
    pub fn gas(mut self, gas: Gas) -> Self {
        self.gas = gas;
        self
    }

    /// Signs with this key instead of the signer's derived key.
    pub fn signer_key(mut self, public_key: PublicKey) -> Self {
        self.public_key = Some(public_key);
        self
    }

    fn action(&self) -> Action {
        Action::FunctionCall(Box::new(FunctionCallAction {
            method_name: self.method.clone(),
            args: self.args.clone(),
            gas: to_gas(self.gas),
            deposit: self.deposit,
        }))
    }

    /// Submits the transaction and runs the chain until idle.
    pub fn transact(self) -> ExecutionOutcome {
        let action = self.action();
        self.net
            .transact_actions(&self.signer, self.public_key, &self.receiver, vec![action])
    }

    /// Submits the transaction for the next block without producing it;
    /// drive it with [`Localnet::produce_block`] and read it with [`Localnet::outcome`].
    pub fn submit(self) -> CryptoHash {
        let action = self.action();
        self.net
            .submit_actions(&self.signer, self.public_key, &self.receiver, vec![action])
    }
}

/// A transaction with several actions, applied in order as one receipt.
///
/// ```
/// # use localnet::{Localnet, NearToken, derive_public_key};
/// let mut net = Localnet::new();
/// let root = net.create_account("root.near", NearToken::from_near(50));
/// let sub: localnet::AccountId = "sub.root.near".parse().unwrap();
/// net.batch(&root, &sub)
///     .create_account()
///     .transfer(NearToken::from_near(5))
///     .add_full_access_key(derive_public_key(&sub))
///     .transact()
///     .assert_success();
/// assert_eq!(net.balance(&sub), NearToken::from_near(5));
/// ```
pub struct BatchBuilder<'a> {
    net: &'a mut Localnet,
    signer: AccountId,
    public_key: Option<PublicKey>,
    receiver: AccountId,
    actions: Vec<Action>,
}

impl<'a> BatchBuilder<'a> {
    pub(crate) fn new(net: &'a mut Localnet, signer: AccountId, receiver: AccountId) -> Self {
        BatchBuilder {
            net,
            signer,
            public_key: None,
            receiver,
            actions: Vec::new(),
        }
    }

    /// Appends any action.
    pub fn action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// Creates the receiver (a sub-account of the signer).
    pub fn create_account(self) -> Self {
        self.action(Action::CreateAccount(CreateAccountAction {}))
    }

    /// Deploys `code` to the receiver.
    pub fn deploy(self, code: Vec<u8>) -> Self {
        self.action(Action::DeployContract(DeployContractAction { code }))
    }

    /// A function call with JSON arguments.
    pub fn call_json(
        self,
        method: &str,
        args: impl Serialize,
        deposit: NearToken,
        gas: Gas,
    ) -> Self {
        let args = serde_json::to_vec(&args).expect("arguments serialise to JSON");
        self.action(Action::FunctionCall(Box::new(FunctionCallAction {
            method_name: method.to_string(),
            args,
            gas: to_gas(gas),
            deposit,
        })))
    }

    /// Sends `deposit` to the receiver.
    pub fn transfer(self, deposit: NearToken) -> Self {
        self.action(Action::Transfer(TransferAction { deposit }))
    }

    /// Proposes `stake` as the receiver's stake (signer and receiver must be the same).
    pub fn stake(self, stake: NearToken, public_key: PublicKey) -> Self {
        self.action(Action::Stake(Box::new(StakeAction { stake, public_key })))
    }

    /// Adds a full access key to the receiver.
    pub fn add_full_access_key(self, public_key: PublicKey) -> Self {
        let access_key = AccessKey {
            nonce: 0,
            permission: AccessKeyPermission::FullAccess,
        };
        self.action(Action::AddKey(Box::new(AddKeyAction {
            public_key,
            access_key,
        })))
    }

    /// A function-call access key for `receiver_id` (all methods when `methods` is empty).
    pub fn add_function_call_key(
        self,
        public_key: PublicKey,
        receiver_id: &AccountId,
        methods: Vec<String>,
        allowance: Option<NearToken>,
    ) -> Self {
        let permission = AccessKeyPermission::FunctionCall(FunctionCallPermission {
            allowance,
            receiver_id: receiver_id.to_string(),
            method_names: methods,
        });
        let access_key = AccessKey {
            nonce: 0,
            permission,
        };
        self.action(Action::AddKey(Box::new(AddKeyAction {
            public_key,
            access_key,
        })))
    }

    /// Removes an access key of the receiver.
    pub fn delete_key(self, public_key: PublicKey) -> Self {
        self.action(Action::DeleteKey(Box::new(DeleteKeyAction { public_key })))
    }

    /// Deletes the receiver, sending its balance to `beneficiary_id` (must be last).
    pub fn delete_account(self, beneficiary_id: &AccountId) -> Self {
        self.action(Action::DeleteAccount(DeleteAccountAction {
            beneficiary_id: beneficiary_id.clone(),
        }))
    }

    /// Signs with this key instead of the signer's derived key.
    pub fn signer_key(mut self, public_key: PublicKey) -> Self {
        self.public_key = Some(public_key);
        self
    }

    /// Submits the transaction and runs the chain until idle.
    pub fn transact(self) -> ExecutionOutcome {
        self.net
            .transact_actions(&self.signer, self.public_key, &self.receiver, self.actions)
    }

    /// Submits the transaction for the next block without producing it.
    pub fn submit(self) -> CryptoHash {
        self.net
            .submit_actions(&self.signer, self.public_key, &self.receiver, self.actions)
    }
}
