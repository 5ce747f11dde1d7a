//! The `External` a contract runs against: one receipt's view of its
//! receiver's state, plus the receipts it creates.
//!
//! Writes go to an overlay that the runtime commits when the whole receipt
//! succeeds and drops when any action fails, which is how a failed receipt
//! rolls back its own state changes and nothing else.

use crate::state::{Account, AccountRecord};
use near_account_id::AccountId;
use near_crypto::PublicKey;
use near_primitives::account::{AccessKey, AccessKeyPermission, FunctionCallPermission};
use near_primitives::action::{
    Action, AddKeyAction, CreateAccountAction, DeleteAccountAction, DeleteKeyAction,
    DeployContractAction, FunctionCallAction, StakeAction, TransferAction,
};
use near_primitives_core::hash::{CryptoHash, YieldId};
use near_primitives_core::types::{Balance, Gas, GasWeight, Nonce, NonceIndex};
use near_primitives_core::universal_state_init::{
    DecodeMode, RawStateInit, StateInitError, UniversalStateInitCounts,
};
use near_vm_runner::logic::types::{
    ActionIndex, GlobalContractDeployMode, GlobalContractIdentifier, ReceiptIndex,
};
use near_vm_runner::logic::{External, HostError, StorageAccessTracker, VMLogicError, ValuePtr};
use std::collections::{BTreeMap, BTreeSet};

type ExtResult<T> = Result<T, VMLogicError>;

/// One receipt's pending changes to its receiver account.
pub(crate) struct Overlay<'s> {
    base: Option<&'s AccountRecord>,
    /// The account as the receipt has left it so far (`None`: does not exist).
    pub account: Option<Account>,
    data: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    keys: BTreeMap<PublicKey, Option<AccessKey>>,
    /// The account was deleted: nothing of the base survives.
    pub deleted: bool,
}

/// What a committed overlay changes, detached from the borrowed base.
pub(crate) struct Changes {
    pub account: Option<Account>,
    pub data: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    pub keys: BTreeMap<PublicKey, Option<AccessKey>>,
    /// Code deployed by the receipt, added to the code table on commit.
    pub deployed: Vec<std::sync::Arc<near_vm_runner::ContractCode>>,
    pub deleted: bool,
}

impl<'s> Overlay<'s> {
    pub fn new(base: Option<&'s AccountRecord>) -> Self {
        Self {
            base,
            account: base.and_then(|b| b.account.clone()),
            data: BTreeMap::new(),
            keys: BTreeMap::new(),
            deleted: false,
        }
    }

    fn base_live(&self) -> Option<&'s AccountRecord> {
        if self.deleted {
            None
        } else {
            self.base
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        match self.data.get(key) {
            Some(v) => v.as_deref(),
            None => self
                .base_live()
                .and_then(|b| b.data.get(key))
                .map(Vec::as_slice),
        }
    }

    pub fn set(&mut self, key: &[u8], value: Option<Vec<u8>>) {
        self.data.insert(key.to_vec(), value);
    }

    pub fn data_len(&self) -> usize {
        let base = self.base_live().map_or(0, |b| b.data.len());
        base + self.data.len()
    }

    pub fn key(&self, pk: &PublicKey) -> Option<&AccessKey> {
        match self.keys.get(pk) {
            Some(k) => k.as_ref(),
            None => self.base_live().and_then(|b| b.keys.get(pk)),
        }
    }

    pub fn set_key(&mut self, pk: PublicKey, key: Option<AccessKey>) {
        self.keys.insert(pk, key);
    }

    /// Removes the account and everything under it.
    pub fn delete(&mut self) {
        self.deleted = true;
        self.account = None;
        self.data.clear();
        self.keys.clear();
    }

    pub fn into_changes(self) -> Changes {
        Changes {
            account: self.account,
            data: self.data,
            keys: self.keys,
            deployed: Vec::new(),
            deleted: self.deleted,
        }
    }
}

/// A receipt a contract created, before the runtime gives it an id.
#[derive(Clone, Debug)]
pub(crate) struct NewReceipt {
    pub receiver_id: AccountId,
    pub actions: Vec<Action>,
    pub input_data_ids: Vec<CryptoHash>,
    pub output_data_receivers: Vec<(CryptoHash, AccountId)>,
    pub is_promise_yield: bool,
    pub refund_to: Option<AccountId>,
    /// Host functions localnet does not implement, which fail the receipt when it runs.
    pub unsupported: Vec<&'static str>,
}

/// Collects the receipts of one function call (nearcore's `ReceiptManager`).
#[derive(Default)]
pub(crate) struct ReceiptManager {
    pub receipts: Vec<NewReceipt>,
    /// (receipt index, action index, weight) of function calls with a gas weight.
    gas_weights: Vec<(usize, usize, u64)>,
    /// Data for yielded promises resumed by this call: (data_id, payload).
    pub resumed: Vec<(CryptoHash, Vec<u8>)>,
    /// Yields created by this call with a user id: (yield id, data id).
    pub named_yields: Vec<(YieldId, CryptoHash)>,
}

impl ReceiptManager {
    fn receipt(&mut self, index: ReceiptIndex) -> &mut NewReceipt {
        self.receipts
            .get_mut(index as usize)
            .expect("receipt index checked by the VM")
    }

    fn push(&mut self, index: ReceiptIndex, action: Action) -> usize {
        let actions = &mut self.receipt(index).actions;
        actions.push(action);
        actions.len() - 1
    }

    fn unsupported(&mut self, index: ReceiptIndex, what: &'static str) {
        self.receipt(index).unsupported.push(what);
    }

    /// Hands `unused` gas to the weighted function calls, the remainder to the
    /// last one; returns what was handed out (nearcore's `distribute_gas`).
    pub fn distribute_gas(&mut self, unused: Gas) -> Gas {
        let total: u128 = self
            .gas_weights
            .iter()
            .map(|(_, _, w)| u128::from(*w))
            .sum();
        if total == 0 || unused == Gas::ZERO {
            return Gas::ZERO;
        }
        let mut given = 0u64;
        let n = self.gas_weights.len();
        for (i, &(r, a, w)) in self.gas_weights.clone().iter().enumerate() {
            let mut share = (u128::from(unused.as_gas()) * u128::from(w) / total) as u64;
            if i + 1 == n {
                share = unused.as_gas() - given;
            }
            given += share;
            if let Action::FunctionCall(fc) = &mut self.receipts[r].actions[a] {
                fc.gas = fc
                    .gas
                    .checked_add(Gas::from_gas(share))
                    .expect("gas overflow");
            }
        }
        Gas::from_gas(given)
    }
}

/// Validator stakes the current epoch exposes to contracts.
pub(crate) struct EpochView<'a> {
    pub stakes: &'a BTreeMap<AccountId, Balance>,
    pub total: Balance,
}

/// Yielded promises known to the chain, for `promise_yield_resume`.
pub(crate) struct YieldView<'a> {
    /// data id -> account that created the yield, for yields still waiting.
    pub waiting: &'a BTreeMap<CryptoHash, AccountId>,
    /// (account, yield id) -> data id.
    pub named: &'a BTreeMap<(AccountId, YieldId), CryptoHash>,
}

/// A value already in memory.
struct Value(Vec<u8>);

impl ValuePtr for Value {
    fn len(&self) -> u32 {
        self.0.len() as u32
    }

    fn deref(&self, _: &mut dyn StorageAccessTracker) -> ExtResult<Vec<u8>> {
        Ok(self.0.clone())
    }
}

/// The `External` of one function call.
pub(crate) struct LocalExt<'a, 's> {
    pub overlay: &'a mut Overlay<'s>,
    pub receipts: ReceiptManager,
    pub account_id: AccountId,
    pub action_hash: CryptoHash,
    pub block_height: u64,
    pub data_count: u64,
    pub epoch: EpochView<'a>,
    pub yields: YieldView<'a>,
    pub chain_id: String,
    /// Data ids resumed during this call, so one yield resumes once.
    resumed_ids: BTreeSet<CryptoHash>,
}

impl<'a, 's> LocalExt<'a, 's> {
    pub fn new(
        overlay: &'a mut Overlay<'s>,
        account_id: AccountId,
        action_hash: CryptoHash,
        block_height: u64,
        epoch: EpochView<'a>,
        yields: YieldView<'a>,
        chain_id: String,
    ) -> Self {
        Self {
            overlay,
            receipts: ReceiptManager::default(),
            account_id,
            action_hash,
            block_height,
            data_count: 0,
            epoch,
            yields,
            chain_id,
            resumed_ids: BTreeSet::new(),
        }
    }

    /// Trie nodes a lookup is charged for. nearcore charges the nodes its trie
    /// walk really touches; localnet has no trie, so it charges a path as deep
    /// as a mainnet shard's: a fixed prefix for the shard's accounts plus one
    /// node per hex digit of this account's key count.
    fn trie_depth(&self) -> u64 {
        const SHARD_PREFIX_NODES: u64 = 6;
        let mut n = self.overlay.data_len() as u64;
        let mut digits = 1;
        while n >= 16 {
            n /= 16;
            digits += 1;
        }
        SHARD_PREFIX_NODES + digits
    }

    fn new_receipt(
        &mut self,
        receiver_id: AccountId,
        input_data_ids: Vec<CryptoHash>,
        is_yield: bool,
    ) -> ReceiptIndex {
        self.receipts.receipts.push(NewReceipt {
            receiver_id,
            actions: Vec::new(),
            input_data_ids,
            output_data_receivers: Vec::new(),
            is_promise_yield: is_yield,
            refund_to: None,
            unsupported: Vec::new(),
        });
        (self.receipts.receipts.len() - 1) as ReceiptIndex
    }

    fn resume(&mut self, data_id: CryptoHash, data: Vec<u8>) -> bool {
        if self.resumed_ids.contains(&data_id) {
            return false;
        }
        let waiting_here = self.yields.waiting.get(&data_id) == Some(&self.account_id);
        let created_now = self
            .receipts
            .receipts
            .iter()
            .any(|r| r.is_promise_yield && r.input_data_ids.first() == Some(&data_id));
        if !(waiting_here || created_now) {
            return false;
        }
        self.resumed_ids.insert(data_id);
        self.receipts.resumed.push((data_id, data));
        true
    }
}

impl External for LocalExt<'_, '_> {
    fn storage_set(
        &mut self,
        tracker: &mut dyn StorageAccessTracker,
        key: &[u8],
        value: &[u8],
    ) -> ExtResult<Option<Vec<u8>>> {
        tracker.trie_node_touched(self.trie_depth())?;
        let evicted = self.overlay.get(key).map(<[u8]>::to_vec);
        if let Some(old) = &evicted {
            tracker.deref_write_evicted_value_bytes(old.len() as u64)?;
        }
        self.overlay.set(key, Some(value.to_vec()));
        Ok(evicted)
    }

    fn storage_get<'b>(
        &'b self,
        tracker: &mut dyn StorageAccessTracker,
        key: &[u8],
    ) -> ExtResult<Option<Box<dyn ValuePtr + 'b>>> {
        tracker.trie_node_touched(self.trie_depth())?;
        Ok(self
            .overlay
            .get(key)
            .map(|v| Box::new(Value(v.to_vec())) as Box<dyn ValuePtr>))
    }

    fn storage_remove(
        &mut self,
        tracker: &mut dyn StorageAccessTracker,
        key: &[u8],
    ) -> ExtResult<Option<Vec<u8>>> {
        tracker.trie_node_touched(self.trie_depth())?;
        let removed = self.overlay.get(key).map(<[u8]>::to_vec);
        if let Some(old) = &removed {
            tracker.deref_removed_value_bytes(old.len() as u64)?;
        }
        self.overlay.set(key, None);
        Ok(removed)
    }

    fn storage_has_key(
        &mut self,
        tracker: &mut dyn StorageAccessTracker,
        key: &[u8],
    ) -> ExtResult<bool> {
        tracker.trie_node_touched(self.trie_depth())?;
        Ok(self.overlay.get(key).is_some())
    }

    fn generate_data_id(&mut self) -> CryptoHash {
        let id = crate::ids::data_id(&self.action_hash, self.block_height, self.data_count);
        self.data_count += 1;
        id
    }

    fn get_recorded_storage_size(&self) -> usize {
        0
    }

    fn storage_proof_size_before_receipt(&self) -> usize {
        0
    }

    fn validator_stake(&self, account_id: &AccountId) -> ExtResult<Option<Balance>> {
        Ok(self.epoch.stakes.get(account_id).copied())
    }

    fn validator_total_stake(&self) -> ExtResult<Balance> {
        Ok(self.epoch.total)
    }

    fn chain_id(&self) -> String {
        self.chain_id.clone()
    }

    fn create_action_receipt(
        &mut self,
        receipt_indices: Vec<ReceiptIndex>,
        receiver_id: AccountId,
    ) -> ExtResult<ReceiptIndex> {
        let mut data_ids = Vec::with_capacity(receipt_indices.len());
        for &index in &receipt_indices {
            if index as usize >= self.receipts.receipts.len() {
                return Err(HostError::InvalidReceiptIndex {
                    receipt_index: index,
                }
                .into());
            }
        }
        for &index in &receipt_indices {
            let data_id = self.generate_data_id();
            self.receipts.receipts[index as usize]
                .output_data_receivers
                .push((data_id, receiver_id.clone()));
            data_ids.push(data_id);
        }
        Ok(self.new_receipt(receiver_id, data_ids, false))
    }

    fn create_promise_yield_receipt(
        &mut self,
        receiver_id: AccountId,
    ) -> ExtResult<(ReceiptIndex, CryptoHash)> {
        let data_id = self.generate_data_id();
        Ok((self.new_receipt(receiver_id, vec![data_id], true), data_id))
    }

    fn create_promise_yield_receipt_with_id(
        &mut self,
        receiver_id: AccountId,
        user_yield_id: YieldId,
    ) -> ExtResult<Option<(ReceiptIndex, CryptoHash)>> {
        let taken = self
            .yields
            .named
            .contains_key(&(self.account_id.clone(), user_yield_id))
            || self
                .receipts
                .named_yields
                .iter()
                .any(|(y, _)| *y == user_yield_id);
        if taken {
            return Ok(None);
        }
        let (index, data_id) = self.create_promise_yield_receipt(receiver_id)?;
        self.receipts.named_yields.push((user_yield_id, data_id));
        Ok(Some((index, data_id)))
    }

    fn submit_promise_resume_data(
        &mut self,
        data_id: CryptoHash,
        data: Vec<u8>,
    ) -> ExtResult<bool> {
        Ok(self.resume(data_id, data))
    }

    fn submit_promise_resume_data_with_yield_id(
        &mut self,
        user_yield_id: YieldId,
        data: Vec<u8>,
    ) -> ExtResult<bool> {
        let data_id = self
            .yields
            .named
            .get(&(self.account_id.clone(), user_yield_id))
            .copied()
            .or_else(|| {
                self.receipts
                    .named_yields
                    .iter()
                    .find(|(y, _)| *y == user_yield_id)
                    .map(|p| p.1)
            });
        Ok(match data_id {
            Some(id) => self.resume(id, data),
            None => false,
        })
    }

    fn append_action_create_account(&mut self, receipt_index: ReceiptIndex) {
        self.receipts
            .push(receipt_index, Action::CreateAccount(CreateAccountAction {}));
    }

    fn append_action_deploy_contract(&mut self, receipt_index: ReceiptIndex, code: Vec<u8>) {
        self.receipts.push(
            receipt_index,
            Action::DeployContract(DeployContractAction { code }),
        );
    }

    fn append_action_deploy_global_contract(
        &mut self,
        receipt_index: ReceiptIndex,
        _code: Vec<u8>,
        _mode: GlobalContractDeployMode,
    ) {
        self.receipts
            .unsupported(receipt_index, "global contract deployment");
    }

    fn append_action_use_global_contract(
        &mut self,
        receipt_index: ReceiptIndex,
        _contract_id: GlobalContractIdentifier,
    ) {
        self.receipts.unsupported(receipt_index, "global contracts");
    }

    fn append_action_deterministic_state_init(
        &mut self,
        receipt_index: ReceiptIndex,
        _contract_id: GlobalContractIdentifier,
        _amount: Balance,
    ) -> ActionIndex {
        self.receipts
            .unsupported(receipt_index, "deterministic state init");
        self.receipts.receipt(receipt_index).actions.len() as ActionIndex
    }

    fn set_deterministic_state_init_data_entry(
        &mut self,
        _receipt_index: ReceiptIndex,
        _action_index: ActionIndex,
        _key: Vec<u8>,
        _value: Vec<u8>,
    ) -> ExtResult<()> {
        Ok(())
    }

    fn check_state_init(&self, _state_init: &RawStateInit) -> Result<(), StateInitError> {
        Err(StateInitError::Malformed)
    }

    fn state_init_send_counts(
        &self,
        state_init: &RawStateInit,
        _mode: DecodeMode,
    ) -> UniversalStateInitCounts {
        UniversalStateInitCounts {
            num_bytes: state_init.0.len() as u64,
            num_entries: 0,
            num_keys: 0,
        }
    }

    fn append_action_universal_state_init(
        &mut self,
        receipt_index: ReceiptIndex,
        _state_init: RawStateInit,
        _amount: Balance,
    ) {
        self.receipts
            .unsupported(receipt_index, "universal state init");
    }

    fn append_action_function_call_weight(
        &mut self,
        receipt_index: ReceiptIndex,
        method_name: Vec<u8>,
        args: Vec<u8>,
        attached_deposit: Balance,
        prepaid_gas: Gas,
        gas_weight: GasWeight,
    ) -> ExtResult<()> {
        let method_name =
            String::from_utf8(method_name).map_err(|_| HostError::InvalidMethodName)?;
        let action = self.receipts.push(
            receipt_index,
            Action::FunctionCall(Box::new(FunctionCallAction {
                method_name,
                args,
                gas: prepaid_gas,
                deposit: attached_deposit,
            })),
        );
        if gas_weight.0 > 0 {
            self.receipts
                .gas_weights
                .push((receipt_index as usize, action, gas_weight.0));
        }
        Ok(())
    }

    fn append_action_transfer(&mut self, receipt_index: ReceiptIndex, deposit: Balance) {
        self.receipts
            .push(receipt_index, Action::Transfer(TransferAction { deposit }));
    }

    fn append_action_transfer_to_gas_key(
        &mut self,
        receipt_index: ReceiptIndex,
        _public_key: PublicKey,
        _deposit: Balance,
    ) {
        self.receipts.unsupported(receipt_index, "gas keys");
    }

    fn append_action_add_gas_key_with_full_access(
        &mut self,
        receipt_index: ReceiptIndex,
        _public_key: PublicKey,
        _num_nonces: NonceIndex,
    ) {
        self.receipts.unsupported(receipt_index, "gas keys");
    }

    fn append_action_add_gas_key_with_function_call(
        &mut self,
        receipt_index: ReceiptIndex,
        _public_key: PublicKey,
        _num_nonces: NonceIndex,
        _allowance: Option<Balance>,
        _receiver_id: AccountId,
        _method_names: Vec<Vec<u8>>,
    ) -> ExtResult<()> {
        self.receipts.unsupported(receipt_index, "gas keys");
        Ok(())
    }

    fn append_action_stake(
        &mut self,
        receipt_index: ReceiptIndex,
        stake: Balance,
        public_key: PublicKey,
    ) {
        self.receipts.push(
            receipt_index,
            Action::Stake(Box::new(StakeAction { stake, public_key })),
        );
    }

    fn append_action_add_key_with_full_access(
        &mut self,
        receipt_index: ReceiptIndex,
        public_key: PublicKey,
        nonce: Nonce,
    ) {
        let access_key = AccessKey {
            nonce,
            permission: AccessKeyPermission::FullAccess,
        };
        self.receipts.push(
            receipt_index,
            Action::AddKey(Box::new(AddKeyAction {
                public_key,
                access_key,
            })),
        );
    }

    fn append_action_add_key_with_function_call(
        &mut self,
        receipt_index: ReceiptIndex,
        public_key: PublicKey,
        nonce: Nonce,
        allowance: Option<Balance>,
        receiver_id: AccountId,
        method_names: Vec<Vec<u8>>,
    ) -> ExtResult<()> {
        let method_names = method_names
            .into_iter()
            .map(|m| String::from_utf8(m).map_err(|_| HostError::InvalidMethodName))
            .collect::<Result<Vec<_>, _>>()?;
        let permission = AccessKeyPermission::FunctionCall(FunctionCallPermission {
            allowance,
            receiver_id: receiver_id.into(),
            method_names,
        });
        let access_key = AccessKey { nonce, permission };
        self.receipts.push(
            receipt_index,
            Action::AddKey(Box::new(AddKeyAction {
                public_key,
                access_key,
            })),
        );
        Ok(())
    }

    fn append_action_delete_key(&mut self, receipt_index: ReceiptIndex, public_key: PublicKey) {
        self.receipts.push(
            receipt_index,
            Action::DeleteKey(Box::new(DeleteKeyAction { public_key })),
        );
    }

    fn append_action_delete_account(
        &mut self,
        receipt_index: ReceiptIndex,
        beneficiary_id: AccountId,
    ) {
        self.receipts.push(
            receipt_index,
            Action::DeleteAccount(DeleteAccountAction { beneficiary_id }),
        );
    }

    fn get_receipt_receiver(&self, receipt_index: ReceiptIndex) -> &AccountId {
        &self.receipts.receipts[receipt_index as usize].receiver_id
    }

    fn set_refund_to(&mut self, receipt_index: ReceiptIndex, refund_to: AccountId) {
        self.receipts.receipt(receipt_index).refund_to = Some(refund_to);
    }

    fn post_quantum_keys_enabled(&self) -> bool {
        // Enabled from protocol 85 on; localnet runs the current protocol.
        true
    }
}
