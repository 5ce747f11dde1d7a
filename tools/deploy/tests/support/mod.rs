//! What the operator CLI's tests share: the CLI on a test node, accounts,
//! a keeper account with a function-call key, pools, the node's RPC.
// Each test binary uses a part.
#![allow(dead_code)]

use deploy::chain::{api_public_key, Chain, Key};
use deploy::suite::SuiteIds;
use keeper::EPOCH_OPS;
use near_api::types::transaction::actions::{
    AddKeyAction, CreateAccountAction, FunctionCallAction, FunctionCallPermission, TransferAction,
};
use near_api::types::{AccessKey, AccessKeyPermission, Action};
use near_api::{NearGas, NearToken};
use near_primitives::types::AccountId;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn res() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../res")
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("operator-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CLI on the test's node.
pub fn operator(url: &str, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_operator"));
    c.args(args)
        .args(["--network", "local", "--rpc-url", url])
        .arg("--home")
        .arg(home)
        .env_remove("NEAR_RPC_URL")
        .env_remove("ROUTER");
    c
}

pub fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub fn u128_of(v: &Value) -> u128 {
    v.as_str()
        .unwrap_or_else(|| panic!("not a U128: {v}"))
        .parse()
        .unwrap()
}

pub fn call(method: &str, args: Value, deposit: NearToken) -> Action {
    Action::FunctionCall(Box::new(FunctionCallAction {
        method_name: method.into(),
        args: args.to_string().into_bytes(),
        gas: NearGas::from_tgas(100),
        deposit,
    }))
}

/// An account under the master with `near` NEAR and its own full-access key.
pub async fn create(chain: &Chain, master: &Key, name: &str, near: u128) -> Key {
    let id: AccountId = format!("{name}.{}", master.account_id).parse().unwrap();
    let key = Key::from_secret(id.clone(), &localnet::derive_secret_key(&id).to_string()).unwrap();
    chain
        .transact(
            &master.account_id,
            master,
            &id,
            vec![
                Action::CreateAccount(CreateAccountAction {}),
                Action::Transfer(TransferAction {
                    deposit: NearToken::from_near(near),
                }),
                Action::AddKey(Box::new(AddKeyAction {
                    public_key: key.public_key,
                    access_key: deploy::plan::full_access(),
                })),
            ],
        )
        .await
        .unwrap();
    key
}

/// A keeper account holding only a function-call key for the router's
/// epoch methods (no deposit allowed by such a key; the allowance bounds
/// the gas it may spend). Returns the key file the CLI signs with.
pub async fn keeper_account(
    chain: &Chain,
    master: &Key,
    name: &str,
    router: &AccountId,
    dir: &Path,
) -> PathBuf {
    let owner = create(chain, master, name, 5).await;
    let id = owner.account_id.clone();
    let bot: AccountId = format!("bot.{id}").parse().unwrap();
    let secret = localnet::derive_secret_key(&bot);
    let public = api_public_key(&secret.public_key());
    chain
        .transact(
            &id,
            &owner,
            &id,
            vec![Action::AddKey(Box::new(AddKeyAction {
                public_key: public,
                access_key: AccessKey {
                    nonce: 0.into(),
                    permission: AccessKeyPermission::FunctionCall(FunctionCallPermission {
                        allowance: Some(NearToken::from_near(10)),
                        receiver_id: router.to_string(),
                        method_names: EPOCH_OPS.iter().map(|m| m.to_string()).collect(),
                    }),
                },
            }))],
        )
        .await
        .unwrap();
    let file = dir.join(format!("{id}.json"));
    std::fs::write(
        &file,
        json!({"account_id": id, "public_key": public.to_string(), "private_key": secret.to_string()})
            .to_string(),
    )
    .unwrap();
    file
}

/// A test pool listed on the router by its owner (bootstrap), as the
/// deployment lists pool-a and pool-b.
pub async fn add_pool(chain: &Chain, master: &Key, ids: &SuiteIds, name: &str) {
    let pool = create(chain, master, name, 50).await;
    let code = std::fs::read(res().join("test_pool.wasm")).unwrap();
    let init = deploy::suite::pool_init(ids, &deploy::plan::pool_stake_key(&pool.account_id));
    chain
        .transact(
            &pool.account_id,
            &pool,
            &pool.account_id,
            vec![
                Action::DeployContract(
                    near_api::types::transaction::actions::DeployContractAction { code },
                ),
                call("new", init, NearToken::ZERO),
            ],
        )
        .await
        .unwrap();
    chain
        .transact(
            &master.account_id,
            master,
            &ids.whitelist,
            vec![call(
                "add_staking_pool",
                json!({"staking_pool_account_id": pool.account_id}),
                NearToken::ZERO,
            )],
        )
        .await
        .unwrap();
    let action = json!({"AddValidator": {"account_id": pool.account_id, "weight_bps": 5000}});
    chain
        .transact(
            &master.account_id,
            master,
            &ids.router,
            vec![call(
                "apply_governance_action",
                json!({ "action": action }),
                NearToken::ZERO,
            )],
        )
        .await
        .unwrap();
}

pub async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let reply: Value = reqwest::Client::new()
        .post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

/// To the first block of the next epoch (`sandbox_fast_forward`), so every
/// round starts early in its epoch, as a keeper's should.
pub async fn next_epoch(url: &str, epoch_length: u64) {
    let head = rpc(url, "block", json!({"finality": "final"})).await["header"]["height"]
        .as_u64()
        .unwrap();
    let start = rpc(url, "validators", json!([null])).await["epoch_start_height"]
        .as_u64()
        .unwrap();
    rpc(
        url,
        "sandbox_fast_forward",
        json!({"delta_height": start + epoch_length - head}),
    )
    .await;
}
