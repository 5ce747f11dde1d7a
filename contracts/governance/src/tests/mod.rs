//! Unit tests. `Chain` drives the contract through blocks and epochs the
//! way the chain would: every call runs in its own block unless a test says
//! otherwise, and callbacks are called with the result the callee gave.

use near_sdk::json_types::U128;
use near_sdk::mock::MockAction;
use near_sdk::serde_json::{json, Value};
use near_sdk::test_utils::{get_created_receipts, get_logs, VMContextBuilder};
use near_sdk::{testing_env, AccountId, Gas, NearToken, PromiseResult, VMContext};

use crate::storage::STORAGE_DEPOSIT_MIN;
use crate::{Governance, GovernanceConfig};

mod bond;
mod checkpoints;
mod compaction;
mod config;
mod dao;
mod guardian;
mod storage;
mod token;
mod upgrade;

/// The message of a caught panic (near-sdk's mocked `panic_str` panics
/// with a `String`, a plain `panic!` with a `&str`).
pub(crate) fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `f` expecting a panic; returns its message.
pub(crate) fn panics<T>(f: impl FnOnce() -> T) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a refusal, the call succeeded"),
        Err(e) => panic_message(e),
    }
}

pub(crate) fn acc(s: &str) -> AccountId {
    s.parse().unwrap()
}
pub(crate) fn gov() -> AccountId {
    acc("governance.near")
}
pub(crate) fn router() -> AccountId {
    acc("router.near")
}
pub(crate) fn snear() -> AccountId {
    acc("snear.near")
}
pub(crate) fn whitelist() -> AccountId {
    acc("whitelist.near")
}
pub(crate) fn guardian() -> AccountId {
    acc("guardian.near")
}
pub(crate) fn alice() -> AccountId {
    acc("alice.near")
}
pub(crate) fn bob() -> AccountId {
    acc("bob.near")
}
pub(crate) fn carol() -> AccountId {
    acc("carol.near")
}

pub(crate) const META: u128 = meta_common::actions::ONE_META;

pub(crate) struct Chain {
    pub c: Governance,
    pub block: u64,
    pub epoch: u64,
}

impl Chain {
    pub fn new() -> Self {
        Self::with(None, Some(guardian()))
    }

    pub fn with(config: Option<GovernanceConfig>, guardian: Option<AccountId>) -> Self {
        let block = 100;
        let epoch = 10;
        set_env(&gov(), 0, block, epoch, Gas::from_tgas(300));
        let c = Governance::new(router(), snear(), whitelist(), guardian, config);
        Self { c, block, epoch }
    }

    /// Sets the context for a call by `who` in the current block.
    pub fn at(&self, who: &AccountId, deposit: u128) {
        set_env(who, deposit, self.block, self.epoch, Gas::from_tgas(300));
    }

    pub fn at_with_gas(&self, who: &AccountId, deposit: u128, gas: Gas) {
        set_env(who, deposit, self.block, self.epoch, gas);
    }

    /// Moves one block on; views read the new block until the next call.
    pub fn next_block(&mut self) -> &mut Self {
        self.block += 1;
        self.at(&acc("observer.near"), 0);
        self
    }

    /// Moves `n` epochs on (and one block, so nothing shares a block).
    pub fn epochs(&mut self, n: u64) -> &mut Self {
        self.epoch += n;
        self.next_block()
    }

    /// Mints as the router in a new block, with the registration deposit.
    pub fn mint(&mut self, to: &AccountId, amount: u128) {
        self.next_block();
        self.at(&router(), STORAGE_DEPOSIT_MIN.as_yoctonear());
        self.c.mint(to.clone(), U128(amount));
    }

    pub fn register(&mut self, who: &AccountId) {
        self.at(who, STORAGE_DEPOSIT_MIN.as_yoctonear());
        self.c.storage_deposit(None, None);
    }

    /// Transfers in a new block.
    pub fn transfer(&mut self, from: &AccountId, to: &AccountId, amount: u128) {
        self.next_block();
        self.transfer_same_block(from, to, amount);
    }

    pub fn transfer_same_block(&mut self, from: &AccountId, to: &AccountId, amount: u128) {
        self.at(from, 1);
        self.c.ft_transfer(to.clone(), U128(amount), None);
    }

    pub fn balance(&self, who: &AccountId) -> u128 {
        self.c.ft_balance_of(who.clone()).0
    }

    pub fn storage_total(&self, who: &AccountId) -> u128 {
        self.c
            .storage_balance_of(who.clone())
            .map_or(0, |b| b.total.0)
    }
}

fn context(who: &AccountId, deposit: u128, block: u64, epoch: u64, gas: Gas) -> VMContext {
    VMContextBuilder::new()
        .current_account_id(gov())
        .predecessor_account_id(who.clone())
        .signer_account_id(who.clone())
        .attached_deposit(NearToken::from_yoctonear(deposit))
        .block_height(block)
        .epoch_height(epoch)
        .prepaid_gas(gas)
        .account_balance(NearToken::from_near(1_000))
        .build()
}

/// The action fees of the protocol version localnet and mainnet run, so the
/// mocked chain charges for receipts what the real one does.
fn fees() -> near_sdk::RuntimeFeesConfig {
    static FEES: std::sync::OnceLock<near_sdk::RuntimeFeesConfig> = std::sync::OnceLock::new();
    FEES.get_or_init(|| {
        near_parameters::RuntimeConfigStore::new(None)
            .get_config(near_primitives_core::version::PROTOCOL_VERSION)
            .fees
            .as_ref()
            .clone()
    })
    .clone()
}

pub(crate) fn set_env(who: &AccountId, deposit: u128, block: u64, epoch: u64, gas: Gas) {
    testing_env!(
        context(who, deposit, block, epoch, gas),
        near_sdk::test_vm_config(),
        fees(),
    );
}

/// The context of a callback the contract scheduled on itself, whose one
/// callee answered `result`.
pub(crate) fn set_callback_env(block: u64, epoch: u64, result: PromiseResult) {
    testing_env!(
        context(&gov(), 0, block, epoch, Gas::from_tgas(300)),
        near_sdk::test_vm_config(),
        fees(),
        Default::default(),
        vec![result],
    );
}

/// The NEP-297 events logged by the last call, parsed.
pub(crate) fn events() -> Vec<Value> {
    get_logs()
        .iter()
        .filter_map(|l| l.strip_prefix("EVENT_JSON:"))
        .map(|j| near_sdk::serde_json::from_str(j).unwrap())
        .collect()
}

/// Names of the events logged by the last call.
pub(crate) fn event_names() -> Vec<String> {
    events()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

/// Function calls the last call scheduled: (receiver, method, args, deposit, gas).
pub(crate) fn calls() -> Vec<(AccountId, String, Value, u128, Gas)> {
    let mut out = vec![];
    for r in get_created_receipts() {
        for a in r.actions {
            if let MockAction::FunctionCallWeight {
                method_name,
                args,
                attached_deposit,
                prepaid_gas,
                ..
            } = a
            {
                out.push((
                    r.receiver_id.clone(),
                    String::from_utf8(method_name).unwrap(),
                    near_sdk::serde_json::from_slice(&args).unwrap_or(Value::Null),
                    attached_deposit.as_yoctonear(),
                    prepaid_gas,
                ));
            }
        }
    }
    out
}

/// NEAR transfers the last call scheduled: (receiver, amount).
pub(crate) fn transfers() -> Vec<(AccountId, u128)> {
    let mut out = vec![];
    for r in get_created_receipts() {
        for a in r.actions {
            if let MockAction::Transfer { deposit, .. } = a {
                out.push((r.receiver_id.clone(), deposit.as_yoctonear()));
            }
        }
    }
    out
}

pub(crate) fn proposal_json(kind: Value) -> Value {
    json!({"description": "test proposal", "kind": kind})
}
