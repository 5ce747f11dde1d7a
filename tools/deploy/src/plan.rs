//! The deployment as ordered transactions, each with the check that tells
//! whether an earlier run already did it (so a deployment can be re-run or
//! resumed after a failure), in two phases.
//!
//! **Setup** ([`Plan::setup`]): the whitelist and the pools it lists first
//! (governance checks the whitelist when a validator is proposed), then
//! sNEAR and governance, which only record the router's id, then the
//! router, whose `new` names both; then, on local, the router's
//! whitelisting and the test pools listed on the router by its owner.
//!
//! **Lock** ([`Plan::lock`]): every access key of sNEAR, governance and the
//! router is deleted. Whoever holds a full-access key of one of them can
//! deploy code over it without a vote (over the router: code that mints
//! sNEAR at will), and a function-call key signs calls *as* the contract
//! (its private callbacks, the router's `mint` on sNEAR, governance's
//! `upgrade` calls). The lock runs only after every setup transaction and
//! the health check of the wiring passed: until then the keys are what
//! lets the operator fix and resume a deployment; afterwards they are only
//! a way around the DAO.
//!
//! Each contract is deployed and initialised in one transaction (deploy +
//! `new`): `new` of sNEAR and of the router may be called by anyone once,
//! so a separate `new` could be taken first by someone else.

use crate::suite::{self, Network, SuiteIds};
use near_api::types::transaction::actions::{
    AddKeyAction, CreateAccountAction, DeleteKeyAction, DeployContractAction, FunctionCallAction,
    TransferAction,
};
use near_api::types::{AccessKey, AccessKeyPermission, Action};
use near_api::{CryptoHash, NearGas as Gas, PublicKey};
use near_primitives::types::AccountId;
use near_token::NearToken;
use serde_json::Value;
use std::path::Path;

/// What tells that a step is already done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DoneWhen {
    AccountExists(AccountId),
    /// The contract has its `STATE` (near-sdk's state key), i.e. it is
    /// initialised, and runs exactly this code. Initialised with other code
    /// is an error, not "done": this tool never upgrades a contract.
    Deployed {
        id: AccountId,
        code_hash: CryptoHash,
        wasm: String,
    },
    /// `is_whitelisted(pool)` on the whitelist is true.
    Whitelisted {
        whitelist: AccountId,
        pool: AccountId,
    },
    /// `get_validator(validator)` on the router answers a record.
    ValidatorListed {
        router: AccountId,
        validator: AccountId,
    },
    /// The account holds no access key at all (full-access or function-call).
    NoAccessKey(AccountId),
}

/// One transaction of the deployment.
#[derive(Clone, Debug)]
pub struct Step {
    pub description: String,
    pub signer: AccountId,
    pub receiver: AccountId,
    pub actions: Vec<Action>,
    pub done_when: DoneWhen,
}

/// The whole deployment: the setup, then (after the wiring's health
/// check) the lock.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Accounts, code, `new` and wiring; signed with the master's key, which
    /// the new accounts get.
    pub setup: Vec<Step>,
    /// One transaction per contract of [`locked_contracts`], deleting its
    /// keys. These are the keys the setup adds (the master's); a live run
    /// rebuilds them from the chain ([`crate::lock_steps`]), since an
    /// account that already existed may hold others.
    pub lock: Vec<Step>,
}

impl Plan {
    /// Every transaction in the order they are sent.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.setup.iter().chain(&self.lock)
    }
}

/// The contracts that keep no key once deployed, in the order they are
/// locked (the order they are deployed), each with the proposal kind that
/// changes its code afterwards.
pub fn locked_contracts(ids: &SuiteIds) -> [(&AccountId, &'static str); 3] {
    [
        (&ids.snear, "UpgradeSnear"),
        (&ids.governance, "UpgradeGovernance"),
        (&ids.router, "UpgradeRouter"),
    ]
}

/// The transaction that deletes `keys` from `contract`, signed by
/// `contract` itself (with one of its full-access keys: a contract account
/// has nobody else who could). `keys` lists every key the account holds,
/// so its signing key is among them: deleting it in its own transaction is
/// fine, as the signature was checked when the transaction was accepted.
pub fn delete_keys(contract: &AccountId, proposal: &str, keys: &[PublicKey]) -> Step {
    Step {
        description: format!(
            "delete every access key of {contract} ({}): its code then changes only by a DAO \
             {proposal} proposal",
            match keys.len() {
                0 => "none left".to_string(),
                1 => "1 key".to_string(),
                n => format!("{n} keys"),
            }
        ),
        signer: contract.clone(),
        receiver: contract.clone(),
        actions: keys
            .iter()
            .map(|k| Action::DeleteKey(Box::new(DeleteKeyAction { public_key: *k })))
            .collect(),
        done_when: DoneWhen::NoAccessKey(contract.clone()),
    }
}

/// The contracts' wasm, read from `res/`.
pub struct Wasm {
    pub whitelist: Vec<u8>,
    pub pool: Vec<u8>,
    pub snear: Vec<u8>,
    pub governance: Vec<u8>,
    pub router: Vec<u8>,
}

impl Wasm {
    /// Reads `res/<name>.wasm` for every contract.
    pub fn read(res: &Path) -> anyhow::Result<Wasm> {
        let read = |name: &str| {
            let path = res.join(format!("{name}.wasm"));
            std::fs::read(&path).map_err(|e| {
                anyhow::anyhow!("cannot read {}: {e} (run `make build`)", path.display())
            })
        };
        Ok(Wasm {
            whitelist: read("test_whitelist")?,
            pool: read("test_pool")?,
            snear: read("snear")?,
            governance: read("governance")?,
            router: read("meta_pool")?,
        })
    }
}

/// Balances the accounts start with: their code's storage plus room.
pub mod balances {
    use near_token::NearToken;
    pub const WHITELIST: NearToken = NearToken::from_near(5);
    /// A test pool stakes everything but its storage at `new`.
    pub const POOL: NearToken = NearToken::from_near(50);
    pub const SNEAR: NearToken = NearToken::from_near(5);
    pub const GOVERNANCE: NearToken = NearToken::from_near(8);
    /// Code (~4 NEAR of storage) and the storage reserve, from which the
    /// router pays its accounts' records and sNEAR registrations; the seed
    /// is attached to `new` separately.
    pub const ROUTER: NearToken = NearToken::from_near(10);
}

/// Gas for `new` and for the owner's `apply_governance_action`
/// (`AddValidator` asks 35 Tgas: whitelist check and callback).
const CALL_GAS: Gas = Gas::from_tgas(50);

fn create(master: &AccountId, id: &AccountId, balance: NearToken, key: &PublicKey) -> Step {
    Step {
        description: format!("create {id} with {balance}"),
        signer: master.clone(),
        receiver: id.clone(),
        actions: vec![
            Action::CreateAccount(CreateAccountAction {}),
            Action::Transfer(TransferAction { deposit: balance }),
            Action::AddKey(Box::new(AddKeyAction {
                public_key: *key,
                access_key: full_access(),
            })),
        ],
        done_when: DoneWhen::AccountExists(id.clone()),
    }
}

/// A full-access key as `AddKey` grants it (the node sets the nonce).
pub fn full_access() -> AccessKey {
    AccessKey {
        nonce: 0.into(),
        permission: AccessKeyPermission::FullAccess,
    }
}

fn call(method: &str, args: &Value, deposit: NearToken) -> Action {
    Action::FunctionCall(Box::new(FunctionCallAction {
        method_name: method.into(),
        args: serde_json::to_vec(args).expect("args serialize"),
        gas: CALL_GAS,
        deposit,
    }))
}

/// Deploys `code` to `id` and calls `new(args)` with `deposit`, in one
/// transaction.
fn deploy_and_init(
    id: &AccountId,
    name: &str,
    code: &[u8],
    args: &Value,
    deposit: NearToken,
) -> Step {
    Step {
        description: format!(
            "deploy {name}.wasm ({} bytes) to {id} and initialise it: new({args}){}",
            code.len(),
            if deposit.is_zero() {
                String::new()
            } else {
                format!(" with {deposit}")
            }
        ),
        signer: id.clone(),
        receiver: id.clone(),
        actions: vec![
            Action::DeployContract(DeployContractAction {
                code: code.to_vec(),
            }),
            call("new", args, deposit),
        ],
        done_when: DoneWhen::Deployed {
            id: id.clone(),
            code_hash: CryptoHash::hash(code),
            wasm: format!("{name}.wasm"),
        },
    }
}

/// The staking key a local test pool reports (it validates nothing).
pub fn pool_stake_key(pool: &AccountId) -> near_crypto::PublicKey {
    localnet::derive_public_key(pool)
}

/// Every transaction, in order, on every network (local included: a local
/// deployment rehearses the real one, keys and all). Sub-accounts get the
/// master's public key, so the master's credentials sign for them; the
/// lock deletes exactly that key from sNEAR, governance and the router.
pub fn plan(network: Network, ids: &SuiteIds, wasm: &Wasm, master_key: &PublicKey) -> Plan {
    let mut steps = Vec::new();
    let m = &ids.master;
    if network == Network::Local {
        steps.push(create(m, &ids.whitelist, balances::WHITELIST, master_key));
        steps.push(deploy_and_init(
            &ids.whitelist,
            "test_whitelist",
            &wasm.whitelist,
            &suite::whitelist_init(ids),
            NearToken::ZERO,
        ));
        for pool in &ids.pools {
            steps.push(create(m, pool, balances::POOL, master_key));
            steps.push(deploy_and_init(
                pool,
                "test_pool",
                &wasm.pool,
                &suite::pool_init(ids, &pool_stake_key(pool)),
                NearToken::ZERO,
            ));
            steps.push(whitelist(ids, pool));
        }
    }
    steps.push(create(m, &ids.snear, balances::SNEAR, master_key));
    steps.push(deploy_and_init(
        &ids.snear,
        "snear",
        &wasm.snear,
        &suite::snear_init(ids),
        NearToken::ZERO,
    ));
    steps.push(create(m, &ids.governance, balances::GOVERNANCE, master_key));
    steps.push(deploy_and_init(
        &ids.governance,
        "governance",
        &wasm.governance,
        &suite::governance_init(ids),
        NearToken::ZERO,
    ));
    let router_args = serde_json::to_value(suite::router_init(ids)).expect("router args serialize");
    steps.push(create(m, &ids.router, balances::ROUTER, master_key));
    steps.push(deploy_and_init(
        &ids.router,
        "meta_pool",
        &wasm.router,
        &router_args,
        suite::ROUTER_SEED,
    ));
    if network == Network::Local {
        // Lockups may only stake with whitelisted pools; on testnet and
        // mainnet the foundation lists the router.
        steps.push(whitelist(ids, &ids.router));
        // The owner lists the validators while the router is in bootstrap;
        // elsewhere that is the owner's choice after the deployment.
        for (pool, action) in ids.pools.iter().zip(suite::local_validators(ids)) {
            steps.push(Step {
                description: format!("list {pool} on {} (owner, bootstrap)", ids.router),
                signer: m.clone(),
                receiver: ids.router.clone(),
                actions: vec![call(
                    "apply_governance_action",
                    &serde_json::json!({ "action": action }),
                    NearToken::ZERO,
                )],
                done_when: DoneWhen::ValidatorListed {
                    router: ids.router.clone(),
                    validator: pool.clone(),
                },
            });
        }
    }
    let lock = locked_contracts(ids)
        .into_iter()
        .map(|(id, proposal)| delete_keys(id, proposal, std::slice::from_ref(master_key)))
        .collect();
    Plan { setup: steps, lock }
}

fn whitelist(ids: &SuiteIds, pool: &AccountId) -> Step {
    let args = serde_json::json!({ "staking_pool_account_id": pool });
    Step {
        description: format!("whitelist {pool} on {}", ids.whitelist),
        signer: ids.master.clone(),
        receiver: ids.whitelist.clone(),
        actions: vec![call("add_staking_pool", &args, NearToken::ZERO)],
        done_when: DoneWhen::Whitelisted {
            whitelist: ids.whitelist.clone(),
            pool: pool.clone(),
        },
    }
}

/// One line per action, for dry runs and logs (code as size and hash).
pub fn describe_actions(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::CreateAccount(_) => "CreateAccount".into(),
            Action::Transfer(t) => format!("Transfer {}", t.deposit),
            Action::AddKey(k) => format!("AddKey {} (full access)", k.public_key),
            Action::DeleteKey(k) => format!("DeleteKey {}", k.public_key),
            Action::DeployContract(d) => format!(
                "DeployContract {} bytes, sha256 {}",
                d.code.len(),
                CryptoHash::hash(&d.code)
            ),
            Action::FunctionCall(f) => format!(
                "FunctionCall {}({}) gas {} deposit {}",
                f.method_name,
                String::from_utf8_lossy(&f.args),
                f.gas,
                f.deposit
            ),
            other => format!("{other:?}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm() -> Wasm {
        Wasm {
            whitelist: vec![1],
            pool: vec![2],
            snear: vec![3],
            governance: vec![4],
            router: vec![5],
        }
    }

    fn key() -> PublicKey {
        crate::chain::api_public_key(&localnet::derive_public_key(&"test.near".parse().unwrap()))
    }

    fn function_call(step: &Step, i: usize) -> &FunctionCallAction {
        match &step.actions[i] {
            Action::FunctionCall(f) => f,
            other => panic!("{}: action {i} is {other:?}", step.description),
        }
    }

    #[test]
    fn local_plan_orders_whitelist_pools_tokens_router_then_validators() {
        let ids = SuiteIds::new(Network::Local, &"test.near".parse().unwrap(), None);
        let plan = plan(Network::Local, &ids, &wasm(), &key());
        let steps: Vec<Step> = plan.steps().cloned().collect();
        let position = |needle: &str| {
            steps
                .iter()
                .position(|s| s.description.starts_with(needle))
                .unwrap_or_else(|| panic!("no step {needle}"))
        };
        assert!(
            position("deploy test_whitelist.wasm (1 bytes) to whitelist.test.near")
                < position("whitelist pool-a.test.near")
        );
        assert!(position("whitelist pool-b.test.near") < position("create snear.test.near"));
        assert!(
            position("deploy governance.wasm (1 bytes) to governance.test.near")
                < position("deploy meta_pool.wasm (1 bytes) to router.test.near")
        );
        assert!(
            position("deploy meta_pool.wasm (1 bytes) to router.test.near")
                < position("whitelist router.test.near")
        );
        assert!(position("whitelist router.test.near") < position("list pool-a.test.near"));
        assert!(position("list pool-a.test.near") < position("list pool-b.test.near"));
        // Local locks the three contracts too, last.
        assert_lock_is_last_and_complete(&plan, &ids, &key());
        // The router is deployed and initialised in one transaction (nobody
        // can call its `new` first), with the seed on `new` and the init
        // arguments of `suite::router_init`.
        let router = &steps[position("deploy meta_pool.wasm")];
        assert!(matches!(router.actions[0], Action::DeployContract(_)));
        let new = function_call(router, 1);
        assert_eq!(new.method_name, "new");
        assert_eq!(new.deposit, suite::ROUTER_SEED);
        assert_eq!(
            serde_json::from_slice::<Value>(&new.args).unwrap(),
            serde_json::to_value(suite::router_init(&ids)).unwrap()
        );
        // Every contract is deployed together with its `new`.
        for s in steps
            .iter()
            .filter(|s| s.description.starts_with("deploy "))
        {
            assert_eq!(s.actions.len(), 2, "{}", s.description);
            assert_eq!(function_call(s, 1).method_name, "new");
        }
        // The owner lists each pool with the suite's action.
        let list = &steps[position("list pool-b.test.near")];
        assert_eq!(list.signer, ids.master);
        let f = function_call(list, 0);
        assert_eq!(f.method_name, "apply_governance_action");
        assert_eq!(
            serde_json::from_slice::<Value>(&f.args).unwrap()["action"],
            suite::local_validators(&ids)[1]
        );
        // Every account but the master's is created before it signs.
        for (i, s) in steps.iter().enumerate() {
            if s.signer != ids.master {
                assert!(steps[..i]
                    .iter()
                    .any(|c| c.done_when == DoneWhen::AccountExists(s.signer.clone())));
            }
        }
    }

    #[test]
    fn mainnet_has_no_test_contracts_and_lists_no_validator() {
        let master: AccountId = "meta.near".parse().unwrap();
        let ids = SuiteIds::new(
            Network::Mainnet,
            &master,
            Some("lockup-whitelist.near".parse().unwrap()),
        );
        let plan = plan(Network::Mainnet, &ids, &wasm(), &key());
        assert_lock_is_last_and_complete(&plan, &ids, &key());
        let steps: Vec<Step> = plan.steps().cloned().collect();
        // The foundation's whitelist is not ours to call.
        assert!(steps.iter().all(|s| s.receiver != ids.whitelist));
        // sNEAR, governance and the router: create, deploy + new; then the keys.
        let receivers: Vec<&str> = steps.iter().map(|s| s.receiver.as_str()).collect();
        assert_eq!(
            receivers,
            [
                "snear.meta.near",
                "snear.meta.near",
                "governance.meta.near",
                "governance.meta.near",
                "router.meta.near",
                "router.meta.near",
                "snear.meta.near",
                "governance.meta.near",
                "router.meta.near",
            ]
        );
        assert!(steps.iter().all(|s| !s.description.starts_with("list ")));
        let lines = describe_actions(&steps[1].actions);
        assert!(lines[0].starts_with("DeployContract 1 bytes"), "{lines:?}");
        assert!(lines[1].starts_with("FunctionCall new("), "{lines:?}");
    }

    /// The full-access keys the setup gives each account (`AddKey` of a
    /// full-access key in the transaction that creates it).
    fn full_access_keys_added(plan: &Plan, id: &AccountId) -> Vec<PublicKey> {
        plan.setup
            .iter()
            .filter(|s| &s.receiver == id)
            .flat_map(|s| &s.actions)
            .filter_map(|a| match a {
                Action::AddKey(k) if k.access_key == full_access() => Some(k.public_key),
                _ => None,
            })
            .collect()
    }

    /// What every network's plan must do with keys: no key is deleted during
    /// the setup (the operator needs them to fix a failed step), and after
    /// the setup's last transaction one transaction per contract deletes,
    /// with exactly one `DeleteKey` each, every full-access key the setup
    /// gave it, signed by the contract itself.
    fn assert_lock_is_last_and_complete(plan: &Plan, ids: &SuiteIds, key: &PublicKey) {
        let setup_deletes = plan
            .setup
            .iter()
            .flat_map(|s| &s.actions)
            .filter(|a| matches!(a, Action::DeleteKey(_)))
            .count();
        assert_eq!(setup_deletes, 0, "a key deleted during the setup");
        let all: Vec<&Step> = plan.steps().collect();
        let last_setup = plan.setup.len() - 1;
        assert_eq!(plan.lock.len(), 3);
        for (id, proposal) in locked_contracts(ids) {
            let lock_at = all
                .iter()
                .position(|s| {
                    s.actions.iter().any(|a| matches!(a, Action::DeleteKey(_))) && &s.receiver == id
                })
                .unwrap_or_else(|| panic!("no DeleteKey for {id}"));
            // After every transaction that is not a lock: each init and
            // wiring call (of this contract or any other) comes first.
            let last_other = all
                .iter()
                .rposition(|s| !s.actions.iter().any(|a| matches!(a, Action::DeleteKey(_))))
                .unwrap();
            assert!(last_other <= last_setup && lock_at > last_other, "{id}");
            let lock = all[lock_at];
            assert_eq!((&lock.signer, &lock.receiver), (id, id));
            assert_eq!(lock.done_when, DoneWhen::NoAccessKey(id.clone()));
            assert!(lock.description.contains(proposal), "{}", lock.description);
            let deleted: Vec<PublicKey> = lock
                .actions
                .iter()
                .map(|a| match a {
                    Action::DeleteKey(k) => k.public_key,
                    other => panic!("{id}: the lock also does {other:?}"),
                })
                .collect();
            assert_eq!(deleted, full_access_keys_added(plan, id), "{id}");
            assert_eq!(deleted, std::slice::from_ref(key), "{id}");
            // The only transaction deleting its keys.
            assert_eq!(
                all.iter()
                    .filter(|s| &s.receiver == id)
                    .flat_map(|s| &s.actions)
                    .filter(|a| matches!(a, Action::DeleteKey(_)))
                    .count(),
                1,
                "{id}"
            );
        }
    }

    #[test]
    fn testnet_plan_deletes_every_contract_key_after_all_init_and_wiring() {
        let master: AccountId = "someone.testnet".parse().unwrap();
        let ids = SuiteIds::new(
            Network::Testnet,
            &master,
            Some("whitelist.testnet".parse().unwrap()),
        );
        let plan = plan(Network::Testnet, &ids, &wasm(), &key());
        assert_lock_is_last_and_complete(&plan, &ids, &key());
        let lock: Vec<&str> = plan.lock.iter().map(|s| s.receiver.as_str()).collect();
        assert_eq!(
            lock,
            [
                "snear.someone.testnet",
                "governance.someone.testnet",
                "router.someone.testnet"
            ]
        );
        // The whitelist is the network's: the deployment holds no key of it
        // and deletes none.
        assert!(plan.steps().all(|s| s.signer != ids.whitelist));
        let lines: Vec<String> = plan
            .lock
            .iter()
            .flat_map(|s| describe_actions(&s.actions))
            .collect();
        assert_eq!(lines, vec![format!("DeleteKey {}", key()); 3]);
    }
}
