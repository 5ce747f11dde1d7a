//! Unit tests. Each call runs the way the runtime runs a receipt: the
//! contract state is read before the method and written after it returns
//! (through the contract's own `ContractState`); when the method panics,
//! storage is put back as it was. A rejection test can then check both the
//! error and that storage is exactly as before.

mod accrual;
mod claim;
mod mirror;
mod router;
mod storage;
mod token;
mod upgrade;
mod views;

use std::panic::{catch_unwind, AssertUnwindSafe};

use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use meta_common::pool_state::{PoolState, REWARD_INDEX_SCALE};
use near_sdk::json_types::U128;
use near_sdk::mock::with_mocked_blockchain;
use near_sdk::state::ContractState;
use near_sdk::test_utils::{get_created_receipts, get_logs, VMContextBuilder};
use near_sdk::{
    env, serde_json, test_vm_config, testing_env, AccountId, Gas, MockedBlockchain, NearToken,
    PromiseResult, RuntimeFeesConfig,
};

pub use near_contract_standards::fungible_token::core::FungibleTokenCore;
pub use near_contract_standards::fungible_token::resolver::FungibleTokenResolver;
pub use near_contract_standards::storage_management::StorageManagement;

pub use crate::SNear;

pub const CONTRACT: &str = "snear.near";
pub const ROUTER: &str = "router.near";
pub const GOVERNANCE: &str = "meta-token.near";
pub const ALICE: &str = "alice.near";
pub const BOB: &str = "bob.near";
pub const CAROL: &str = "carol.near";

/// One sNEAR (10^24 shares).
pub const ONE: u128 = 10u128.pow(24);

pub fn id(s: &str) -> AccountId {
    s.parse().unwrap()
}

pub fn yocto(n: u128) -> NearToken {
    NearToken::from_yoctonear(n)
}

/// One method call: its context, then `run` (or `ok` / `err`).
pub struct Call {
    ctx: VMContextBuilder,
    results: Vec<PromiseResult>,
}

impl Call {
    pub fn by(predecessor: &str) -> Self {
        let mut ctx = VMContextBuilder::new();
        ctx.current_account_id(id(CONTRACT))
            .predecessor_account_id(id(predecessor))
            .signer_account_id(id(predecessor))
            .storage_usage(env::storage_usage())
            .account_balance(NearToken::from_near(10))
            .prepaid_gas(Gas::from_tgas(300));
        Self {
            ctx,
            results: vec![],
        }
    }

    pub fn deposit(mut self, amount: NearToken) -> Self {
        self.ctx.attached_deposit(amount);
        self
    }

    /// The 1 yoctoNEAR NEP-141 and NEP-145 ask for.
    pub fn yocto(self) -> Self {
        self.deposit(yocto(1))
    }

    pub fn gas(mut self, gas: Gas) -> Self {
        self.ctx.prepaid_gas(gas);
        self
    }

    pub fn balance(mut self, amount: NearToken) -> Self {
        self.ctx.account_balance(amount);
        self
    }

    pub fn promise_result(mut self, result: PromiseResult) -> Self {
        self.results.push(result);
        self
    }

    /// Runs `f` on the stored contract; keeps its effects only if it
    /// returns. The error is the panic message.
    pub fn run<R>(self, f: impl FnOnce(&mut SNear) -> R) -> Result<R, String> {
        let context = self.ctx.build();
        let before = with_mocked_blockchain(|b| b.take_storage());
        let chain = |results, storage| {
            MockedBlockchain::new(
                context.clone(),
                test_vm_config(),
                RuntimeFeesConfig::test(),
                results,
                storage,
                Default::default(),
                None,
            )
        };
        env::set_blockchain_interface(chain(self.results, before.clone()));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut contract = SNear::state_read().expect("contract is initialised");
            let r = f(&mut contract);
            contract.state_write();
            r
        }));
        outcome.map_err(|payload| {
            // A failed receipt keeps none of its writes, logs or receipts.
            env::set_blockchain_interface(chain(vec![], before));
            panic_message(payload)
        })
    }

    pub fn ok<R>(self, f: impl FnOnce(&mut SNear) -> R) -> R {
        self.run(f).unwrap_or_else(|e| panic!("call failed: {e}"))
    }

    /// Asserts the call fails with `code` (e.g. "E_ZERO_AMOUNT") and leaves
    /// storage exactly as it was.
    pub fn err<R>(self, code: &str, f: impl FnOnce(&mut SNear) -> R) {
        let before = snapshot();
        match self.run(f) {
            Ok(_) => panic!("expected {code}, the call succeeded"),
            Err(e) => assert!(e.contains(code), "expected {code}, got: {e}"),
        }
        assert_eq!(snapshot(), before, "a rejected call changed storage");
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "non-string panic".to_string()
    }
}

/// Runs a view on the stored contract.
pub fn view<R>(f: impl FnOnce(&SNear) -> R) -> R {
    f(&SNear::state_read().expect("contract is initialised"))
}

/// Everything a call could change, read back from storage: the contract
/// state and the records of every account the tests use.
pub fn snapshot() -> Vec<Option<Vec<u8>>> {
    let mut keys: Vec<Vec<u8>> = vec![b"STATE".to_vec()];
    let longest = "a".repeat(64);
    for name in [ALICE, BOB, CAROL, ROUTER, GOVERNANCE, CONTRACT, &longest] {
        keys.push([b"h".as_slice(), name.as_bytes()].concat());
    }
    keys.iter().map(|k| env::storage_read(k)).collect()
}

/// The account's holder record.
pub fn holder(who: &str) -> Option<crate::holder::Holder> {
    crate::holder::load(&id(who))
}

/// A fresh sNEAR with the default metadata, on empty storage.
pub fn deploy() {
    drop(with_mocked_blockchain(|b| b.take_storage()));
    testing_env!(VMContextBuilder::new()
        .current_account_id(id(CONTRACT))
        .predecessor_account_id(id(CONTRACT))
        .build());
    SNear::new(id(ROUTER), id(GOVERNANCE)).state_write();
}

/// Registers `who` through NEP-145, paid by `who`.
pub fn register(who: &str) {
    let cost = SNear::registration_cost();
    Call::by(who)
        .deposit(cost)
        .ok(|c| c.storage_deposit(None, None));
}

/// The router mints `amount` to `who` with the registration deposit.
pub fn mint(who: &str, amount: u128) {
    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(who), U128(amount), U128(0)));
}

/// The router burns `amount` of `who`'s sNEAR.
pub fn burn(who: &str, amount: u128) {
    Call::by(ROUTER).ok(|c| c.burn(id(who), U128(amount)));
}

/// The router pushes `index` (and fixed totals) at `epoch`.
pub fn push_index(index: u128, epoch: u64) {
    Call::by(ROUTER).ok(|c| c.update_pool_state(pool_state(index, epoch)));
}

pub fn pool_state(index: u128, epoch: u64) -> PoolState {
    PoolState {
        total_staked: U128(1_000 * ONE),
        total_shares: U128(1_000 * ONE),
        reward_index: U128(index),
        epoch_height: epoch,
    }
}

pub fn balance(who: &str) -> u128 {
    view(|c| c.ft_balance_of(id(who)).0)
}

pub fn unclaimed(who: &str) -> u128 {
    view(|c| c.get_unclaimed_governance_tokens(id(who)).0)
}

pub fn supply() -> u128 {
    view(|c| c.ft_total_supply().0)
}

/// The `EVENT_JSON` logs of the last call, parsed.
pub fn events() -> Vec<serde_json::Value> {
    get_logs()
        .iter()
        .filter_map(|l| l.strip_prefix("EVENT_JSON:"))
        .map(|j| serde_json::from_str(j).unwrap())
        .collect()
}

/// Transfers the last call created: (receiver, yoctoNEAR).
pub fn transfers() -> Vec<(AccountId, u128)> {
    use near_sdk::mock::MockAction;
    get_created_receipts()
        .into_iter()
        .flat_map(|r| {
            let to = r.receiver_id.clone();
            r.actions.into_iter().filter_map(move |a| match a {
                MockAction::Transfer { deposit, .. } => Some((to.clone(), deposit.as_yoctonear())),
                _ => None,
            })
        })
        .collect()
}

/// The router notices (`mirror`) the last call created: (update, deposit,
/// gas attached).
pub fn notices() -> Vec<(meta_common::mirror::MirrorUpdate, u128, Gas)> {
    use near_sdk::borsh::BorshDeserialize;
    use near_sdk::mock::MockAction;
    get_created_receipts()
        .into_iter()
        .filter(|r| r.receiver_id == id(ROUTER))
        .flat_map(|r| {
            r.actions.into_iter().filter_map(|a| match a {
                MockAction::FunctionCallWeight {
                    method_name,
                    args,
                    prepaid_gas,
                    attached_deposit,
                    ..
                } if method_name == b"on_snear_balances" => Some((
                    meta_common::mirror::MirrorUpdate::try_from_slice(&args).unwrap(),
                    attached_deposit.as_yoctonear(),
                    prepaid_gas,
                )),
                _ => None,
            })
        })
        .collect()
}

/// The changes of the last call's single notice.
pub fn noticed() -> Vec<(AccountId, meta_common::mirror::HolderChange)> {
    let n = notices();
    assert_eq!(n.len(), 1, "one notice per call: {n:?}");
    n[0].0.changes.clone()
}
