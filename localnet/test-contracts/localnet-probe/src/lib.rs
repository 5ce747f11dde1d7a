//! Test contract for localnet's own tests.
//!
//! One contract plays every role a localnet test needs (caller, callee,
//! callback receiver, staker), so each test deploys it on as many accounts as
//! it likes. Every method is small and does one observable thing.

use near_sdk::json_types::{Base64VecU8, U128};
use near_sdk::store::LookupMap;
use near_sdk::{
    env, near, AccountId, Gas, GasWeight, NearToken, PanicOnDefault, Promise, PromiseOrValue,
    PublicKey,
};

/// Gas the callbacks of this contract are given; they only write a record.
const CALLBACK_GAS: Gas = Gas::from_tgas(10);
/// Largest promise result a callback copies into its record.
const MAX_RESULT_LEN: usize = 1024;

/// What a callback saw: the result of the promise it waited for, and when.
#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, PartialEq)]
pub struct CallbackRecord {
    /// One entry per awaited promise: its value as UTF-8, or `None` if it failed.
    pub results: Vec<Option<String>>,
    pub block_height: u64,
    pub epoch_height: u64,
    pub predecessor: AccountId,
}

/// The execution environment as the contract sees it.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq)]
pub struct EnvInfo {
    pub current: AccountId,
    pub predecessor: AccountId,
    pub signer: AccountId,
    pub block_height: u64,
    pub block_timestamp: u64,
    pub epoch_height: u64,
    pub balance: U128,
    pub locked: U128,
    pub attached: U128,
    pub storage_usage: u64,
    pub prepaid_gas: u64,
}

#[near(event_json(standard = "localnet-probe"))]
pub enum ProbeEvent {
    #[event_version("1.0.0")]
    Pinged { count: u64 },
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Probe {
    counter: u64,
    notes: LookupMap<String, String>,
    last_callback: Option<CallbackRecord>,
}

#[near]
impl Probe {
    #[init]
    pub fn new() -> Self {
        Self {
            counter: 0,
            notes: LookupMap::new(b"n"),
            last_callback: None,
        }
    }

    /// Increments the counter, logs and emits `pinged`; returns the new count.
    pub fn ping(&mut self) -> u64 {
        self.counter += 1;
        env::log_str(&format!("ping {}", self.counter));
        ProbeEvent::Pinged {
            count: self.counter,
        }
        .emit();
        self.counter
    }

    pub fn counter(&self) -> u64 {
        self.counter
    }

    pub fn set(&mut self, key: String, value: String) {
        self.notes.insert(key, value);
    }

    pub fn get(&self, key: String) -> Option<String> {
        self.notes.get(&key).cloned()
    }

    /// Stores `bytes` bytes under `key`, to grow the account's storage usage.
    pub fn fill(&mut self, key: String, bytes: u64) {
        self.notes.insert(key, "x".repeat(bytes as usize));
    }

    /// Panics with `message`.
    pub fn fail(&mut self, message: String) {
        env::panic_str(&message)
    }

    /// Writes a note and logs, then panics: the write must be rolled back, the log kept.
    pub fn write_then_fail(&mut self, key: String, message: String) {
        self.notes.insert(key, "written".into());
        env::log_str("about to fail");
        env::panic_str(&message)
    }

    /// Returns the attached deposit, keeping it.
    #[payable]
    pub fn deposit(&mut self) -> U128 {
        U128(env::attached_deposit().as_yoctonear())
    }

    /// Panics with a deposit attached, so the deposit goes back to the predecessor.
    #[payable]
    pub fn deposit_and_fail(&mut self) {
        env::panic_str("deposit refused")
    }

    pub fn env_info(&self) -> EnvInfo {
        EnvInfo {
            current: env::current_account_id(),
            predecessor: env::predecessor_account_id(),
            signer: env::signer_account_id(),
            block_height: env::block_height(),
            block_timestamp: env::block_timestamp(),
            epoch_height: env::epoch_height(),
            balance: U128(env::account_balance().as_yoctonear()),
            locked: U128(env::account_locked_balance().as_yoctonear()),
            attached: U128(env::attached_deposit().as_yoctonear()),
            storage_usage: env::storage_usage(),
            prepaid_gas: env::prepaid_gas().as_gas(),
        }
    }

    /// What a view call may read: (block height, timestamp, epoch, balance, locked, storage).
    pub fn chain_info(&self) -> (u64, u64, u64, U128, U128, u64) {
        (
            env::block_height(),
            env::block_timestamp(),
            env::epoch_height(),
            U128(env::account_balance().as_yoctonear()),
            U128(env::account_locked_balance().as_yoctonear()),
            env::storage_usage(),
        )
    }

    /// `validator_stake(account)` and `validator_total_stake()` of the current epoch.
    pub fn validator_info(&self, account_id: AccountId) -> (U128, U128) {
        (
            U128(env::validator_stake(&account_id).as_yoctonear()),
            U128(env::validator_total_stake().as_yoctonear()),
        )
    }

    /// Calls `target.method(args)` and records what the callback sees.
    pub fn call_then(
        &mut self,
        target: AccountId,
        method: String,
        args: String,
        deposit: U128,
        gas_tgas: u64,
    ) -> Promise {
        Promise::new(target)
            .function_call(
                method,
                args.into_bytes(),
                NearToken::from_yoctonear(deposit.0),
                Gas::from_tgas(gas_tgas),
            )
            .then(Promise::new(env::current_account_id()).function_call(
                "on_results",
                Vec::new(),
                NearToken::from_yoctonear(0),
                CALLBACK_GAS,
            ))
    }

    /// Calls `ping` on every target in parallel and records all results in one callback.
    pub fn ping_all(&mut self, targets: Vec<AccountId>) -> Promise {
        let mut calls = targets.into_iter().map(|t| {
            Promise::new(t).function_call(
                "ping",
                Vec::new(),
                NearToken::from_yoctonear(0),
                Gas::from_tgas(10),
            )
        });
        let first = calls.next().unwrap_or_else(|| env::panic_str("no targets"));
        calls
            .fold(first, Promise::and)
            .then(Promise::new(env::current_account_id()).function_call(
                "on_results",
                Vec::new(),
                NearToken::from_yoctonear(0),
                CALLBACK_GAS,
            ))
    }

    /// Records every promise result; never panics.
    #[private]
    pub fn on_results(&mut self) -> CallbackRecord {
        let results = (0..env::promise_results_count())
            .map(|i| match env::promise_result_checked(i, MAX_RESULT_LEN) {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(_) => None,
            })
            .collect();
        let record = CallbackRecord {
            results,
            block_height: env::block_height(),
            epoch_height: env::epoch_height(),
            predecessor: env::predecessor_account_id(),
        };
        self.last_callback = Some(record.clone());
        record
    }

    pub fn last_callback(&self) -> Option<CallbackRecord> {
        self.last_callback.clone()
    }

    /// Relays through `path` and returns the last hop's answer (promise_return at every hop).
    pub fn relay(&mut self, path: Vec<AccountId>) -> PromiseOrValue<String> {
        match path.split_first() {
            None => PromiseOrValue::Value(format!("end@{}", env::current_account_id())),
            Some((next, rest)) => {
                let args = near_sdk::serde_json::json!({ "path": rest }).to_string();
                PromiseOrValue::Promise(Promise::new(next.clone()).function_call(
                    "relay",
                    args.into_bytes(),
                    NearToken::from_yoctonear(0),
                    Gas::from_tgas(20 * (rest.len() as u64 + 1)),
                ))
            }
        }
    }

    /// Two `ping` calls with no static gas and the given weights for the unused gas.
    pub fn split_gas(&mut self, target: AccountId, weight_a: u64, weight_b: u64) {
        for weight in [weight_a, weight_b] {
            Promise::new(target.clone())
                .function_call_weight(
                    "ping",
                    Vec::new(),
                    NearToken::from_yoctonear(0),
                    Gas::from_gas(0),
                    GasWeight(weight),
                )
                .detach();
        }
    }

    /// Creates `prefix.<current>` in one batch: create, transfer, add key, deploy `code`.
    pub fn create_sub(
        &mut self,
        prefix: String,
        amount: U128,
        public_key: PublicKey,
        code: Option<Base64VecU8>,
    ) -> Promise {
        let id: AccountId = format!("{prefix}.{}", env::current_account_id())
            .parse()
            .unwrap_or_else(|_| env::panic_str("bad prefix"));
        let mut batch = Promise::new(id)
            .create_account()
            .transfer(NearToken::from_yoctonear(amount.0))
            .add_full_access_key(public_key);
        if let Some(code) = code {
            batch = batch.deploy_contract(code.0);
        }
        batch
    }

    /// Stakes `amount` of this account's balance with `public_key`.
    pub fn stake(&mut self, amount: U128, public_key: PublicKey) -> Promise {
        Promise::new(env::current_account_id())
            .stake(NearToken::from_yoctonear(amount.0), public_key)
    }

    pub fn transfer(&mut self, receiver: AccountId, amount: U128) -> Promise {
        Promise::new(receiver).transfer(NearToken::from_yoctonear(amount.0))
    }

    pub fn delete_self(&mut self, beneficiary: AccountId) -> Promise {
        Promise::new(env::current_account_id()).delete_account(beneficiary)
    }

    /// Yields a callback to `on_results` and remembers its resumption token.
    pub fn yield_start(&mut self) {
        const REGISTER: u64 = 7;
        let promise =
            env::promise_yield_create("on_results", [], Gas::from_tgas(10), GasWeight(0), REGISTER);
        let data_id = env::read_register(REGISTER).unwrap_or_else(|| env::panic_str("no data id"));
        let hex: String = data_id.iter().map(|b| format!("{b:02x}")).collect();
        self.notes.insert("yield".into(), hex);
        env::promise_return(promise);
    }

    /// Resumes the yield `yield_start` created with `payload`.
    pub fn yield_resume(&mut self, payload: String) -> bool {
        let hex = self
            .notes
            .get("yield")
            .cloned()
            .unwrap_or_else(|| env::panic_str("no yield"));
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_default())
            .collect();
        let data_id: [u8; 32] = bytes
            .try_into()
            .unwrap_or_else(|_| env::panic_str("bad id"));
        env::promise_yield_resume(&data_id, payload.as_bytes())
    }

    /// A view-shaped method that schedules a promise: forbidden in view calls.
    pub fn promise_in_view(&self, receiver: AccountId) {
        Promise::new(receiver)
            .transfer(NearToken::from_yoctonear(1))
            .detach();
    }

    /// Burns about `tgas` of gas in a loop of hashes.
    pub fn burn(&self, tgas: u64) {
        let target = env::used_gas().as_gas() + tgas * 1_000_000_000_000;
        let mut seed = [0u8; 32];
        while env::used_gas().as_gas() < target {
            seed = env::sha256_array(seed);
        }
    }
}
