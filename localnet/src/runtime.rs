//! Applying receipts: actions, function calls through near-vm-runner, refunds.
//!
//! The order of operations and the gas and balance arithmetic follow nearcore's
//! `apply_action_receipt` and `refund_unspent_gas_and_deposits` for the
//! protocol version localnet runs (with NEP-536 refunds, the minimum gas
//! purchase price and the account creation charge).

use crate::cache;
use crate::ext::{Changes, EpochView, LocalExt, NewReceipt, Overlay, YieldView};
use crate::fees;
use crate::ids;
use crate::receipt::{ActionReceipt, Receipt, ReceiptBody};
use crate::state::{self, Account, State};
use near_account_id::AccountId;
use near_parameters::{ActionCosts, RuntimeConfig};
use near_primitives::account::AccessKey;
use near_primitives::action::Action;
use near_primitives::errors::{
    ActionError, ActionErrorKind, CompilationError, FunctionCallError, MethodResolveError,
};
use near_primitives_core::account::AccountContract;
use near_primitives_core::config::ViewConfig;
use near_primitives_core::hash::{CryptoHash, YieldId};
use near_primitives_core::types::{Balance, Gas};
use near_vm_runner::logic::errors::{
    CompilationError as VmCompilationError, FunctionCallError as VmFunctionCallError,
    MethodResolveError as VmMethodResolveError, VMRunnerError,
};
use near_vm_runner::logic::types::PromiseResult;
use near_vm_runner::logic::{GasCounter, ReturnData, VMContext, VMOutcome};
use near_vm_runner::ContractCode;
use std::rc::Rc;
use std::sync::Arc;

/// Accounts whose state is larger than this cannot be deleted.
const MAX_ACCOUNT_DELETION_STORAGE_USAGE: u64 = 10_000;

/// The block a receipt is applied in.
pub(crate) struct BlockContext<'a> {
    pub config: &'a Arc<RuntimeConfig>,
    pub height: u64,
    pub timestamp_ns: u64,
    pub epoch_height: u64,
    pub block_hash: CryptoHash,
    /// Price gas is burnt at in this block.
    pub gas_price: Balance,
    pub chain_id: &'a str,
    pub minimum_stake: Balance,
    pub epoch: &'a std::collections::BTreeMap<AccountId, Balance>,
    pub total_stake: Balance,
    pub yields_waiting: &'a std::collections::BTreeMap<CryptoHash, AccountId>,
    pub yields_named: &'a std::collections::BTreeMap<(AccountId, YieldId), CryptoHash>,
}

/// Everything applying one action receipt produced; the caller commits it.
pub(crate) struct Applied {
    /// State changes to commit (`None` when the receipt failed).
    pub changes: Option<Changes>,
    pub result: Result<ReturnData, ActionError>,
    pub logs: Vec<String>,
    pub gas_burnt: Gas,
    pub tokens_burnt: Balance,
    /// Outgoing receipts in nearcore's order, ids not yet assigned.
    pub new_receipts: Vec<Receipt>,
    /// Index into `new_receipts` of the receipt whose result this one returns.
    pub returned: Option<usize>,
    /// Stake proposals: (account, stake).
    pub proposals: Vec<(AccountId, Balance)>,
    /// Yields created with a user id: (account, yield id, data id).
    pub named_yields: Vec<(YieldId, CryptoHash)>,
}

/// A contract as near-vm-runner wants it.
struct Code {
    hash: CryptoHash,
    code: Option<Arc<ContractCode>>,
}

impl near_vm_runner::Contract for Code {
    fn hash(&self) -> CryptoHash {
        self.hash
    }

    fn get_code(&self) -> Option<Arc<ContractCode>> {
        self.code.clone()
    }
}

fn err(index: usize, kind: ActionErrorKind) -> ActionError {
    ActionError {
        index: Some(index as u64),
        kind,
    }
}

fn gas_to_balance(price: Balance, gas: Gas) -> Balance {
    price
        .checked_mul(u128::from(gas.as_gas()))
        .expect("gas cost overflow")
}

fn add_gas(a: Gas, b: Gas) -> Gas {
    a.checked_add(b).expect("gas overflow")
}

/// The VM's error in the form nearcore stores in outcomes.
pub(crate) fn convert_vm_error(error: VmFunctionCallError) -> FunctionCallError {
    match error {
        VmFunctionCallError::CompilationError(VmCompilationError::CodeDoesNotExist {
            account_id,
        }) => FunctionCallError::CompilationError(CompilationError::CodeDoesNotExist {
            account_id: account_id
                .parse()
                .expect("the VM reports the account id it was given"),
        }),
        VmFunctionCallError::MethodResolveError(e) => {
            FunctionCallError::MethodResolveError(match e {
                VmMethodResolveError::MethodEmptyName => MethodResolveError::MethodEmptyName,
                VmMethodResolveError::MethodNotFound => MethodResolveError::MethodNotFound,
                VmMethodResolveError::MethodInvalidSignature => {
                    MethodResolveError::MethodInvalidSignature
                }
            })
        }
        VmFunctionCallError::LinkError { msg } => FunctionCallError::LinkError { msg },
        // nearcore collapses host errors, traps and preparation errors into their text.
        other => FunctionCallError::ExecutionError(other.to_string()),
    }
}

/// Inputs of one function call, in the VM's terms.
pub(crate) struct CallInput<'a> {
    pub account_id: &'a AccountId,
    pub signer_id: &'a AccountId,
    pub signer_public_key: Vec<u8>,
    pub predecessor_id: &'a AccountId,
    pub refund_to: &'a AccountId,
    pub method: &'a str,
    pub args: &'a [u8],
    pub deposit: Balance,
    pub prepaid_gas: Gas,
    pub promise_results: Arc<[PromiseResult]>,
    pub action_hash: CryptoHash,
    pub output_data_receivers: Vec<AccountId>,
    pub view: bool,
}

/// Runs one function call against `overlay` (shared by calls and view calls).
pub(crate) fn run_function_call(
    block: &BlockContext<'_>,
    state: &State,
    overlay: &mut Overlay<'_>,
    extra_code: &std::collections::BTreeMap<CryptoHash, Arc<ContractCode>>,
    input: CallInput<'_>,
) -> (VMOutcome, crate::ext::ReceiptManager) {
    let account = overlay
        .account
        .clone()
        .expect("caller checked the account exists");
    let wasm = Arc::clone(&block.config.wasm_config);
    let code = match account.code_hash {
        Some(hash) => Code {
            hash,
            code: extra_code.get(&hash).cloned().or_else(|| state.code(&hash)),
        },
        None => Code {
            hash: CryptoHash::default(),
            code: None,
        },
    };
    // nearcore nodes use this limit for views too unless configured otherwise.
    let max_gas_burnt = wasm.limit_config.max_gas_burnt;
    let context = VMContext {
        current_account_id: input.account_id.clone(),
        signer_account_id: input.signer_id.clone(),
        signer_account_pk: input.signer_public_key,
        predecessor_account_id: input.predecessor_id.clone(),
        refund_to_account_id: input.refund_to.clone(),
        input: Rc::from(input.args),
        promise_results: input.promise_results,
        block_height: block.height,
        block_timestamp: block.timestamp_ns,
        epoch_height: block.epoch_height,
        account_balance: account.amount,
        account_locked_balance: account.locked,
        storage_usage: account.storage_usage,
        account_contract: account
            .code_hash
            .map_or(AccountContract::None, AccountContract::Local),
        attached_deposit: input.deposit,
        prepaid_gas: input.prepaid_gas,
        random_seed: ids::random_seed(&input.action_hash, &block.block_hash),
        view_config: input.view.then_some(ViewConfig { max_gas_burnt }),
        output_data_receivers: input.output_data_receivers,
    };
    let epoch = EpochView {
        stakes: block.epoch,
        total: block.total_stake,
    };
    let yields = YieldView {
        waiting: block.yields_waiting,
        named: block.yields_named,
    };
    let mut ext = LocalExt::new(
        overlay,
        input.account_id.clone(),
        input.action_hash,
        block.height,
        epoch,
        yields,
        block.chain_id.to_string(),
    );
    if account.code_hash.is_none() {
        let error = VmFunctionCallError::CompilationError(VmCompilationError::CodeDoesNotExist {
            account_id: input.account_id.as_str().into(),
        });
        return (VMOutcome::nop_outcome(error), ext.receipts);
    }
    let gas_counter = GasCounter::new(
        wasm.ext_costs.clone(),
        max_gas_burnt,
        wasm.regular_op_cost,
        input.prepaid_gas,
        input.view,
    );
    let prepared = near_vm_runner::prepare(
        &code,
        Arc::clone(&wasm),
        Some(cache::shared()),
        gas_counter,
        input.method,
    );
    let outcome = near_vm_runner::run(prepared, &mut ext, &context, Arc::clone(&block.config.fees));
    let mut outcome = match outcome {
        Ok(outcome) => outcome,
        Err(VMRunnerError::ContractCodeNotPresent) => VMOutcome::nop_outcome(
            VmFunctionCallError::CompilationError(VmCompilationError::CodeDoesNotExist {
                account_id: input.account_id.as_str().into(),
            }),
        ),
        Err(VMRunnerError::LoadingError(msg)) => {
            VMOutcome::nop_outcome(VmFunctionCallError::LinkError { msg })
        }
        Err(other) => panic!("localnet: the contract runtime failed: {other:?}"),
    };
    if !input.view {
        let unused = input.prepaid_gas.saturating_sub(outcome.used_gas);
        let distributed = ext.receipts.distribute_gas(unused);
        outcome.used_gas = add_gas(outcome.used_gas, distributed);
    }
    (outcome, ext.receipts)
}

/// Result of one action inside a receipt.
#[derive(Default)]
struct ActionOutcome {
    gas_burnt: Gas,
    gas_used: Gas,
    logs: Vec<String>,
    result: Option<Result<ReturnData, ActionError>>,
    receipts: Vec<NewReceipt>,
    system_transfers: Vec<(AccountId, Balance)>,
    /// Data for resumed yields: (data id, payload).
    resumed: Vec<(CryptoHash, Vec<u8>)>,
    named_yields: Vec<(YieldId, CryptoHash)>,
}

/// Applies an action receipt whose input data is all available.
pub(crate) fn apply_action_receipt(
    block: &BlockContext<'_>,
    state: &State,
    receipt: &Receipt,
    action_receipt: &ActionReceipt,
    promise_results: Arc<[PromiseResult]>,
) -> Applied {
    let config = block.config;
    let fee_cfg = &config.fees;
    let account_id = &receipt.receiver_id;
    let is_refund = receipt.is_refund();
    let mut overlay = Overlay::new(state.accounts.get(account_id));
    let mut deployed: std::collections::BTreeMap<CryptoHash, Arc<ContractCode>> =
        std::collections::BTreeMap::new();
    let mut actor_id = receipt.predecessor_id.clone();
    let receipt_exec = fee_cfg.fee(ActionCosts::new_action_receipt).exec_fee().gas;
    let mut gas_burnt = receipt_exec;
    let mut gas_used = receipt_exec;
    let mut logs = Vec::new();
    let mut result: Result<ReturnData, ActionError> = Ok(ReturnData::None);
    let mut new_action_receipts: Vec<NewReceipt> = Vec::new();
    let mut system_transfers: Vec<(AccountId, Balance)> = Vec::new();
    let mut resumed: Vec<(CryptoHash, Vec<u8>)> = Vec::new();
    let mut proposals = Vec::new();
    let mut named_yields = Vec::new();
    let mut created_account = false;

    if let Some(what) = action_receipt.unsupported.first() {
        result = Err(err(
            0,
            ActionErrorKind::FunctionCallError(FunctionCallError::ExecutionError(format!(
                "localnet does not support {what}"
            ))),
        ));
    }

    let n = action_receipt.actions.len();
    for (index, action) in action_receipt.actions.iter().enumerate() {
        if result.is_err() {
            break;
        }
        let exec = fees::action_fees(fee_cfg, action, false).1;
        gas_burnt = add_gas(gas_burnt, exec);
        gas_used = add_gas(gas_used, exec);
        let outcome = apply_action(
            block,
            state,
            &mut overlay,
            &mut deployed,
            &mut actor_id,
            receipt,
            action_receipt,
            Arc::clone(&promise_results),
            action,
            index,
            index + 1 == n,
            &mut proposals,
            &mut created_account,
            is_refund,
        );
        gas_burnt = add_gas(gas_burnt, outcome.gas_burnt);
        gas_used = add_gas(gas_used, outcome.gas_used);
        logs.extend(outcome.logs);
        match outcome.result {
            Some(Ok(ReturnData::ReceiptIndex(i))) => {
                result = Ok(ReturnData::ReceiptIndex(
                    i + new_action_receipts.len() as u64,
                ));
            }
            Some(r) => result = r,
            None => result = Ok(ReturnData::None),
        }
        if result.is_ok() {
            new_action_receipts.extend(outcome.receipts);
            system_transfers.extend(outcome.system_transfers);
            resumed.extend(outcome.resumed);
            named_yields.extend(outcome.named_yields);
        }
    }

    // A successful receipt must leave its account able to pay for its storage.
    if result.is_ok() {
        if let Some(account) = &overlay.account {
            if let Some(amount) = state::storage_shortfall(config, account) {
                result = Err(ActionError {
                    index: None,
                    kind: ActionErrorKind::LackBalanceForState {
                        account_id: account_id.clone(),
                        amount,
                    },
                });
            }
        }
    }
    if result.is_err() {
        new_action_receipts.clear();
        system_transfers.clear();
        resumed.clear();
        proposals.clear();
        named_yields.clear();
    }

    let mut new_receipts: Vec<Receipt> = new_action_receipts
        .into_iter()
        .map(|r| Receipt {
            receipt_id: CryptoHash::default(),
            predecessor_id: account_id.clone(),
            receiver_id: r.receiver_id,
            body: ReceiptBody::Action(ActionReceipt {
                signer_id: action_receipt.signer_id.clone(),
                signer_public_key: action_receipt.signer_public_key.clone(),
                gas_price: action_receipt.gas_price,
                output_data_receivers: r
                    .output_data_receivers
                    .into_iter()
                    .map(|(data_id, receiver_id)| crate::receipt::DataReceiver {
                        data_id,
                        receiver_id,
                    })
                    .collect(),
                input_data_ids: r.input_data_ids,
                actions: r.actions,
                refund_to: r.refund_to,
                is_promise_yield: r.is_promise_yield,
                unsupported: r.unsupported,
            }),
            tx_hash: receipt.tx_hash,
            parent: Some(receipt.receipt_id),
        })
        .collect();
    for (data_id, data) in resumed {
        new_receipts.push(Receipt {
            receipt_id: CryptoHash::default(),
            predecessor_id: account_id.clone(),
            receiver_id: account_id.clone(),
            body: ReceiptBody::Data {
                data_id,
                data: Some(data),
            },
            tx_hash: receipt.tx_hash,
            parent: Some(receipt.receipt_id),
        });
    }
    for (beneficiary, amount) in system_transfers {
        new_receipts.push(Receipt::system_transfer(
            beneficiary,
            amount,
            None,
            receipt.tx_hash,
            receipt.receipt_id,
        ));
    }

    // Refunds (none for the protocol's own transfers).
    let mut tokens_burnt = Balance::ZERO;
    if !is_refund {
        let deposit_refund = if result.is_err() {
            fees::total_deposit(&action_receipt.actions)
        } else {
            Balance::ZERO
        };
        let prepaid = add_gas(
            fees::total_prepaid_gas(&action_receipt.actions),
            fees::total_exec_fees(fee_cfg, &action_receipt.actions),
        );
        let spent = if result.is_err() { gas_burnt } else { gas_used };
        let gross_refund = prepaid
            .checked_sub(spent)
            .expect("a receipt never spends more than it prepaid");
        let penalty = fee_cfg.gas_penalty_for_gas_refund(gross_refund);
        let burn_price = block.gas_price;
        let purchase_price = action_receipt.gas_price;
        let penalty_amount = gas_to_balance(burn_price, penalty);
        let unused_refund =
            gas_to_balance(purchase_price, gross_refund).saturating_sub(penalty_amount);
        let (deficit, mut burnt_refund) = if burn_price > purchase_price {
            (
                gas_to_balance(
                    burn_price.checked_sub(purchase_price).expect("checked"),
                    gas_burnt,
                ),
                Balance::ZERO,
            )
        } else {
            (
                Balance::ZERO,
                gas_to_balance(
                    purchase_price.checked_sub(burn_price).expect("checked"),
                    gas_burnt,
                ),
            )
        };
        let mut creation_charge = Balance::ZERO;
        if created_account && result.is_ok() {
            let create_gas = fee_cfg.fee(ActionCosts::create_account).exec_fee().gas;
            let wanted = config
                .account_creation_charge
                .saturating_sub(gas_to_balance(burn_price, create_gas));
            creation_charge = std::cmp::min(wanted, burnt_refund);
            burnt_refund = burnt_refund
                .checked_sub(creation_charge)
                .expect("min above");
        }
        let gas_refund = unused_refund
            .checked_add(burnt_refund)
            .expect("refund overflow");
        if deposit_refund > Balance::ZERO {
            let to = action_receipt
                .refund_to
                .clone()
                .unwrap_or_else(|| receipt.predecessor_id.clone());
            new_receipts.push(Receipt::system_transfer(
                to,
                deposit_refund,
                None,
                receipt.tx_hash,
                receipt.receipt_id,
            ));
        }
        if gas_refund > Balance::ZERO {
            new_receipts.push(Receipt::system_transfer(
                action_receipt.signer_id.clone(),
                gas_refund,
                Some(action_receipt.signer_public_key.clone()),
                receipt.tx_hash,
                receipt.receipt_id,
            ));
        }
        tokens_burnt = gas_to_balance(burn_price, gas_burnt)
            .checked_sub(deficit)
            .expect("the deficit is below the burnt amount")
            .checked_add(penalty_amount)
            .and_then(|b| b.checked_add(creation_charge))
            .expect("burn overflow");
    } else {
        gas_burnt = Gas::ZERO;
    }

    // Route this receipt's result to whoever waits for it.
    let mut returned = None;
    if let Ok(ReturnData::ReceiptIndex(i)) = result {
        returned = Some(i as usize);
    }
    if !action_receipt.output_data_receivers.is_empty() {
        if let Some(i) = returned {
            if let ReceiptBody::Action(r) = &mut new_receipts[i].body {
                r.output_data_receivers
                    .extend(action_receipt.output_data_receivers.iter().cloned());
            }
        } else {
            let data = match &result {
                Ok(ReturnData::Value(v)) => Some(v.clone()),
                Ok(_) => Some(Vec::new()),
                Err(_) => None,
            };
            for receiver in &action_receipt.output_data_receivers {
                new_receipts.push(Receipt {
                    receipt_id: CryptoHash::default(),
                    predecessor_id: account_id.clone(),
                    receiver_id: receiver.receiver_id.clone(),
                    body: ReceiptBody::Data {
                        data_id: receiver.data_id,
                        data: data.clone(),
                    },
                    tx_hash: receipt.tx_hash,
                    parent: Some(receipt.receipt_id),
                });
            }
        }
    }

    let changes = if result.is_ok() {
        let mut changes = overlay.into_changes();
        changes.deployed = deployed.into_values().collect();
        Some(changes)
    } else {
        None
    };
    Applied {
        changes,
        result,
        logs,
        gas_burnt,
        tokens_burnt,
        new_receipts,
        returned,
        proposals,
        named_yields,
    }
}

/// The variant name of an action, for error messages.
fn action_name(action: &Action) -> String {
    let debug = format!("{action:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `key` with `amount` added back to its allowance, when it has one.
fn with_allowance_refund(mut key: AccessKey, amount: Balance) -> Option<AccessKey> {
    match &mut key.permission {
        near_primitives::account::AccessKeyPermission::FunctionCall(p) => {
            let allowance = p.allowance.as_mut()?;
            *allowance = allowance.checked_add(amount)?;
            Some(key)
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_action(
    block: &BlockContext<'_>,
    state: &State,
    overlay: &mut Overlay<'_>,
    deployed: &mut std::collections::BTreeMap<CryptoHash, Arc<ContractCode>>,
    actor_id: &mut AccountId,
    receipt: &Receipt,
    action_receipt: &ActionReceipt,
    promise_results: Arc<[PromiseResult]>,
    action: &Action,
    index: usize,
    is_last: bool,
    proposals: &mut Vec<(AccountId, Balance)>,
    created_account: &mut bool,
    is_refund: bool,
) -> ActionOutcome {
    let config = block.config;
    let account_id = &receipt.receiver_id;
    let mut out = ActionOutcome::default();
    let fail = |out: &mut ActionOutcome, kind: ActionErrorKind| {
        out.result = Some(Err(err(index, kind)));
    };

    // Account existence.
    match action {
        Action::CreateAccount(_) => {
            if overlay.account.is_some() {
                fail(
                    &mut out,
                    ActionErrorKind::AccountAlreadyExists {
                        account_id: account_id.clone(),
                    },
                );
                return out;
            }
        }
        _ => {
            if overlay.account.is_none() {
                fail(
                    &mut out,
                    ActionErrorKind::AccountDoesNotExist {
                        account_id: account_id.clone(),
                    },
                );
                return out;
            }
        }
    }
    // Actor permissions.
    if matches!(
        action,
        Action::DeployContract(_)
            | Action::Stake(_)
            | Action::AddKey(_)
            | Action::DeleteKey(_)
            | Action::DeleteAccount(_)
    ) && actor_id != account_id
    {
        fail(
            &mut out,
            ActionErrorKind::ActorNoPermission {
                account_id: account_id.clone(),
                actor_id: actor_id.clone(),
            },
        );
        return out;
    }

    match action {
        Action::CreateAccount(_) => {
            let predecessor = &receipt.predecessor_id;
            let creation = &config.account_creation_config;
            if account_id.is_top_level() {
                if account_id.len() < creation.min_allowed_top_level_account_length as usize
                    && predecessor != &creation.registrar_account_id
                {
                    fail(
                        &mut out,
                        ActionErrorKind::CreateAccountOnlyByRegistrar {
                            account_id: account_id.clone(),
                            registrar_account_id: creation.registrar_account_id.clone(),
                            predecessor_id: predecessor.clone(),
                        },
                    );
                    return out;
                }
            } else if !account_id.is_sub_account_of(predecessor) {
                fail(
                    &mut out,
                    ActionErrorKind::CreateAccountNotAllowed {
                        account_id: account_id.clone(),
                        predecessor_id: predecessor.clone(),
                    },
                );
                return out;
            }
            overlay.account = Some(Account {
                amount: Balance::ZERO,
                locked: Balance::ZERO,
                code_hash: None,
                storage_usage: state::empty_account_bytes(config),
            });
            *actor_id = account_id.clone();
            *created_account = true;
        }
        Action::DeployContract(deploy) => {
            let code = ContractCode::new(deploy.code.clone(), None);
            let hash = *code.hash();
            let account = overlay.account.as_mut().expect("checked above");
            let old_len = account
                .code_hash
                .and_then(|h| deployed.get(&h).cloned().or_else(|| state.code(&h)))
                .map_or(0, |c| c.code().len() as u64);
            account.storage_usage = account.storage_usage - old_len + deploy.code.len() as u64;
            account.code_hash = Some(hash);
            deployed.insert(hash, Arc::new(code));
        }
        Action::FunctionCall(fc) => {
            let (outcome, manager) = run_function_call(
                block,
                state,
                overlay,
                deployed,
                CallInput {
                    account_id,
                    signer_id: &action_receipt.signer_id,
                    signer_public_key: borsh::to_vec(&action_receipt.signer_public_key)
                        .expect("borsh of a public key"),
                    predecessor_id: &receipt.predecessor_id,
                    refund_to: action_receipt
                        .refund_to
                        .as_ref()
                        .unwrap_or(&receipt.predecessor_id),
                    method: &fc.method_name,
                    args: &fc.args,
                    deposit: fc.deposit,
                    prepaid_gas: fc.gas,
                    promise_results,
                    action_hash: ids::action_hash(&receipt.receipt_id, block.height, index as u64),
                    output_data_receivers: if is_last {
                        action_receipt
                            .output_data_receivers
                            .iter()
                            .map(|r| r.receiver_id.clone())
                            .collect()
                    } else {
                        Vec::new()
                    },
                    view: false,
                },
            );
            out.gas_burnt = outcome.burnt_gas;
            out.gas_used = outcome.used_gas;
            out.logs = outcome.logs;
            match outcome.aborted {
                Some(error) => {
                    fail(
                        &mut out,
                        ActionErrorKind::FunctionCallError(convert_vm_error(error)),
                    );
                }
                None => {
                    let account = overlay.account.as_mut().expect("checked above");
                    account.amount = outcome.balance;
                    account.storage_usage = outcome.storage_usage;
                    out.receipts = manager.receipts;
                    out.resumed = manager.resumed;
                    out.named_yields = manager.named_yields;
                    out.result = Some(Ok(outcome.return_data));
                }
            }
        }
        Action::Transfer(t) => {
            let account = overlay.account.as_mut().expect("checked above");
            account.amount = account
                .amount
                .checked_add(t.deposit)
                .expect("balance overflow");
            // A gas refund also restores the allowance of the key that paid for the gas.
            if is_refund && action_receipt.signer_id.as_str() != "system" {
                let pk = action_receipt.signer_public_key.clone();
                if let Some(key) = overlay.key(&pk).cloned() {
                    if let Some(refunded) = with_allowance_refund(key, t.deposit) {
                        overlay.set_key(pk, Some(refunded));
                    }
                }
            }
        }
        Action::Stake(stake) => {
            let account = overlay.account.as_mut().expect("checked above");
            let increment = stake.stake.saturating_sub(account.locked);
            if account.amount < increment {
                fail(
                    &mut out,
                    ActionErrorKind::TriesToStake {
                        account_id: account_id.clone(),
                        stake: stake.stake,
                        locked: account.locked,
                        balance: account.amount,
                    },
                );
                return out;
            }
            if account.locked == Balance::ZERO && stake.stake == Balance::ZERO {
                fail(
                    &mut out,
                    ActionErrorKind::TriesToUnstake {
                        account_id: account_id.clone(),
                    },
                );
                return out;
            }
            if stake.stake > Balance::ZERO && stake.stake < block.minimum_stake {
                fail(
                    &mut out,
                    ActionErrorKind::InsufficientStake {
                        account_id: account_id.clone(),
                        stake: stake.stake,
                        minimum_stake: block.minimum_stake,
                    },
                );
                return out;
            }
            proposals.push((account_id.clone(), stake.stake));
            if stake.stake > account.locked {
                account.amount = account
                    .amount
                    .checked_sub(increment)
                    .expect("checked above");
                account.locked = stake.stake;
            }
        }
        Action::AddKey(add) => {
            if overlay.key(&add.public_key).is_some() {
                fail(
                    &mut out,
                    ActionErrorKind::AddKeyAlreadyExists {
                        account_id: account_id.clone(),
                        public_key: Box::new(add.public_key.clone()),
                    },
                );
                return out;
            }
            let key = AccessKey {
                nonce: (block.height - 1) * AccessKey::ACCESS_KEY_NONCE_RANGE_MULTIPLIER,
                permission: add.access_key.permission.clone(),
            };
            let bytes = state::access_key_bytes(config, &add.public_key, &key);
            let account = overlay.account.as_mut().expect("checked above");
            account.storage_usage += bytes;
            overlay.set_key(add.public_key.clone(), Some(key));
        }
        Action::DeleteKey(delete) => {
            let Some(key) = overlay.key(&delete.public_key).cloned() else {
                fail(
                    &mut out,
                    ActionErrorKind::DeleteKeyDoesNotExist {
                        account_id: account_id.clone(),
                        public_key: Box::new(delete.public_key.clone()),
                    },
                );
                return out;
            };
            let bytes = state::access_key_bytes(config, &delete.public_key, &key);
            let account = overlay.account.as_mut().expect("checked above");
            account.storage_usage = account.storage_usage.saturating_sub(bytes);
            overlay.set_key(delete.public_key.clone(), None);
        }
        Action::DeleteAccount(delete) => {
            let account = overlay.account.clone().expect("checked above");
            if account.locked > Balance::ZERO {
                fail(
                    &mut out,
                    ActionErrorKind::DeleteAccountStaking {
                        account_id: account_id.clone(),
                    },
                );
                return out;
            }
            if account.storage_usage > MAX_ACCOUNT_DELETION_STORAGE_USAGE {
                fail(
                    &mut out,
                    ActionErrorKind::DeleteAccountWithLargeState {
                        account_id: account_id.clone(),
                    },
                );
                return out;
            }
            if account.amount > Balance::ZERO {
                out.system_transfers
                    .push((delete.beneficiary_id.clone(), account.amount));
            }
            overlay.delete();
        }
        other => {
            fail(
                &mut out,
                ActionErrorKind::FunctionCallError(FunctionCallError::ExecutionError(format!(
                    "localnet does not support the {} action",
                    action_name(other)
                ))),
            );
        }
    }
    out
}
