//! `make deploy` on a local node: the whole plan (router included), the
//! health check, the keys kept while the wiring fails its check and gone
//! once it passes, a second run that finds everything done, a run with
//! other router code that refuses to touch it, the owner's bootstrap
//! powers without any router key; and dry runs that send nothing.

use deploy::chain::api_public_key;
use deploy::chain::Chain;
use deploy::plan::{self, Wasm};
use deploy::suite::{Network, SuiteIds};
use localnet::node::{InitOptions, RunningNode};
use near_api::types::transaction::actions::{
    AddKeyAction, FunctionCallAction, FunctionCallPermission,
};
use near_api::types::{AccessKeyPermission, Action};
use near_api::NearGas as Gas;
use std::path::PathBuf;

fn res() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../res")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploy-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn local_deploy_deletes_every_contract_key_after_the_health_check() -> anyhow::Result<()> {
    let home = temp_dir("local");
    localnet::node::init(
        &home,
        &InitOptions {
            fast: true,
            ..Default::default()
        },
    )
    .map_err(anyhow::Error::msg)?;
    let node = RunningNode::start(&home, "127.0.0.1:0".parse()?).map_err(anyhow::Error::msg)?;
    let chain = Chain::connect(&node.rpc_url());
    let key = deploy::local::master_key(&home)?;
    let ids = SuiteIds::new(Network::Local, &key.account_id, None);
    let wasm = Wasm::read(&res())?;
    let plan = plan::plan(Network::Local, &ids, &wasm, &key.public_key);
    let locked = [&ids.router, &ids.snear, &ids.governance];

    // The wiring fails its health check (checked against another emission
    // than the router was initialised with): everything is deployed, but
    // no key is deleted, so the operator can still fix things.
    let mut log = Vec::new();
    let other_emission = SuiteIds {
        meta_per_epoch: Some(1),
        ..ids.clone()
    };
    let err = deploy::deploy(&chain, &key, &plan, &other_emission, &mut log)
        .await
        .expect_err("the health check passed with the wrong emission");
    assert!(format!("{err:#}").contains("no key was deleted"), "{err:#}");
    assert_eq!(
        String::from_utf8_lossy(&log).matches("(tx ").count(),
        plan.setup.len(),
        "{}",
        String::from_utf8_lossy(&log)
    );
    for id in locked {
        assert!(chain.has_key(id, &key.public_key).await?, "{id}");
    }
    let err = deploy::health::check_keys(&chain, &ids)
        .await
        .expect_err("keys left, yet the key check passed");
    assert!(format!("{err:#}").contains("(full access)"), "{err:#}");
    // Keys the plan never added are found and deleted too: another
    // full-access key and a function-call key (which could call sNEAR's
    // `mint` as the router).
    let other_key = api_public_key(&localnet::derive_public_key(&"someone-else.near".parse()?));
    let call_key = api_public_key(&localnet::derive_public_key(&"a-keeper-bot.near".parse()?));
    let add = |public_key, access_key| {
        Action::AddKey(Box::new(AddKeyAction {
            public_key,
            access_key,
        }))
    };
    chain
        .transact(
            &ids.router,
            &key,
            &ids.router,
            vec![
                add(other_key, plan::full_access()),
                add(
                    call_key,
                    near_api::types::AccessKey {
                        nonce: 0.into(),
                        permission: AccessKeyPermission::FunctionCall(FunctionCallPermission {
                            allowance: None,
                            receiver_id: ids.snear.to_string(),
                            method_names: vec!["mint".into()],
                        }),
                    },
                ),
            ],
        )
        .await?;
    assert_eq!(chain.access_keys(&ids.router).await?.len(), 3);

    // Resumed with the right arguments: the setup is found done, the check
    // passes, and the lock sends one transaction per contract.
    let mut log = Vec::new();
    let done = deploy::deploy(&chain, &key, &plan, &ids, &mut log).await?;
    let log = String::from_utf8_lossy(&log);
    assert_eq!(done.sent, 3, "{log}");
    assert_eq!(log.matches("already done").count(), plan.setup.len());
    assert!(
        log.contains(&format!(
            "delete every access key of {} (3 keys)",
            ids.router
        )),
        "{log}"
    );
    // Each pool, sNEAR, governance, the router's wiring and its
    // validators, then the keys.
    let checks = &done.checks;
    assert_eq!(checks.len(), ids.pools.len() + 5, "{checks:?}");
    assert!(
        checks
            .iter()
            .any(|c| c.starts_with(&format!("{}: whitelisted, validators", ids.router))),
        "{checks:?}"
    );
    assert!(
        checks
            .last()
            .unwrap()
            .starts_with(deploy::health::NO_FULL_ACCESS_KEY),
        "{checks:?}"
    );
    // No key of any kind is left on the three contracts, read from the
    // node's key list (not only the key the plan added).
    for id in locked {
        assert_eq!(chain.access_keys(id).await?, vec![], "{id}");
    }
    // The test contracts and the master keep theirs.
    assert!(chain.has_key(&ids.master, &key.public_key).await?);
    assert!(chain.has_key(&ids.whitelist, &key.public_key).await?);
    for pool in &ids.pools {
        assert!(chain.has_key(pool, &key.public_key).await?);
    }
    // Nobody can sign for the router any more, so nobody can deploy to it.
    let err = chain
        .transact(
            &ids.router,
            &key,
            &ids.router,
            vec![call("get_owner_id", "{}")],
        )
        .await
        .expect_err("signed for the router without a key");
    assert!(format!("{err:#}").contains("access key"), "{err:#}");
    // The router holds its seed as stake and its wiring is the init args.
    let config = chain
        .view(&ids.router, "get_config", serde_json::json!({}))
        .await?;
    assert_eq!(config["snear_account_id"], ids.snear.as_str());
    assert_eq!(
        config["bootstrap"], true,
        "the owner may still list validators"
    );

    // Again: everything is found done, nothing is sent.
    let mut log = Vec::new();
    let again = deploy::deploy(&chain, &key, &plan, &ids, &mut log).await?;
    assert_eq!(again.sent, 0);
    assert_eq!(
        String::from_utf8_lossy(&log)
            .matches("already done")
            .count(),
        plan.steps().count()
    );

    // Other code for the router: the initialised contract is not replaced.
    let other = Wasm {
        router: wasm.pool.clone(),
        ..Wasm::read(&res())?
    };
    let other_plan = plan::plan(Network::Local, &ids, &other, &key.public_key);
    let err = deploy::deploy(&chain, &key, &other_plan, &ids, &mut Vec::new())
        .await
        .expect_err("deployed over the router");
    assert!(
        format!("{err:#}").contains("does not upgrade contracts"),
        "{err:#}"
    );

    // The owner is an account id in the router's state, not a key on the
    // router: with the router's keys gone, the master still ends the
    // bootstrap with its own key, and after that it may do nothing.
    chain
        .transact(
            &ids.master,
            &key,
            &ids.router,
            vec![call("end_bootstrap", "{}")],
        )
        .await?;
    let config = chain
        .view(&ids.router, "get_config", serde_json::json!({}))
        .await?;
    assert_eq!(config["bootstrap"], false);
    let action = r#"{"action":{"SetEmission":{"meta_per_epoch":"1"}}}"#;
    let err = chain
        .transact(
            &ids.master,
            &key,
            &ids.router,
            vec![call("apply_governance_action", action)],
        )
        .await
        .expect_err("the owner acted after the bootstrap");
    assert!(format!("{err:#}").contains("E_NOT_GOVERNANCE"), "{err:#}");
    node.stop();
    std::fs::remove_dir_all(&home)?;
    Ok(())
}

/// A function call with 50 Tgas and no deposit.
fn call(method: &str, args: &str) -> Action {
    Action::FunctionCall(Box::new(FunctionCallAction {
        method_name: method.into(),
        args: args.as_bytes().to_vec(),
        gas: Gas::from_tgas(50),
        deposit: near_token::NearToken::ZERO,
    }))
}

#[test]
fn testnet_dry_run_prints_the_transactions_and_sends_nothing() {
    let creds = temp_dir("creds");
    std::fs::create_dir_all(creds.join("testnet")).unwrap();
    let master = "meta.testnet";
    let secret = localnet::derive_secret_key(&master.parse().unwrap());
    let key = serde_json::json!({
        "account_id": master,
        "public_key": secret.public_key(),
        "private_key": secret,
    });
    std::fs::write(creds.join("testnet/meta.testnet.json"), key.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_operator"))
        .args([
            "deploy",
            "--network",
            "testnet",
            "--dry-run",
            "--master",
            master,
            "--whitelist",
            "whitelist.meta.testnet",
        ])
        .arg("--credentials")
        .arg(&creds)
        .arg("--res")
        .arg(res())
        // Nothing listens here: a dry run must not need the network.
        .args(["--rpc-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("none sent"), "{stdout}");
    assert!(
        stdout.contains("signer meta.testnet -> receiver snear.meta.testnet"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("AddKey {}", secret.public_key())),
        "{stdout}"
    );
    assert!(
        stdout.contains("FunctionCall new(")
            && stdout.contains("\"governance_account_id\":\"governance.meta.testnet\""),
        "{stdout}"
    );
    assert!(stdout.contains("lockups     *.lockup.devnet"), "{stdout}");
    // The router is deployed and initialised in one transaction, seeded.
    assert!(
        stdout.contains("deploy meta_pool.wasm")
            && stdout.contains("\"lockup_account_suffix\":\"lockup.devnet\"")
            && stdout.contains(&format!("deposit {}", deploy::suite::ROUTER_SEED)),
        "{stdout}"
    );
    // The keys go last: after every other transaction and the health check
    // of the wiring, one DeleteKey of the master's key per contract, each
    // signed by the contract itself.
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let health = lines
        .iter()
        .position(|l| l.starts_with("then the health check of the wiring"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let last_other = lines
        .iter()
        .rposition(|l| {
            [
                "CreateAccount",
                "Transfer",
                "AddKey",
                "DeployContract",
                "FunctionCall",
            ]
            .iter()
            .any(|a| l.starts_with(a))
        })
        .unwrap();
    assert!(last_other < health, "{stdout}");
    let delete = format!("DeleteKey {}", secret.public_key());
    let deletes: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("DeleteKey"))
        .collect();
    assert_eq!(deletes.len(), 3, "{stdout}");
    for (&i, id) in deletes.iter().zip([
        "snear.meta.testnet",
        "governance.meta.testnet",
        "router.meta.testnet",
    ]) {
        assert!(i > health, "{stdout}");
        assert_eq!(lines[i], delete);
        assert_eq!(lines[i - 1], format!("signer {id} -> receiver {id}"));
        assert!(lines[i - 2].contains(&format!("delete every access key of {id}")));
    }
    std::fs::remove_dir_all(&creds).unwrap();
}

#[test]
fn mainnet_needs_yes_and_testnet_needs_credentials() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_operator"))
            .arg("deploy")
            .args(args)
            .arg("--res")
            .arg(res())
            .args([
                "--credentials",
                "/nonexistent",
                "--rpc-url",
                "http://127.0.0.1:9",
            ])
            .output()
            .unwrap()
    };
    let dir = temp_dir("mainnet");
    std::fs::create_dir_all(&dir).unwrap();
    let secret = localnet::derive_secret_key(&"x.near".parse().unwrap());
    let key_file = dir.join("x.near.json");
    let key = serde_json::json!({"account_id": "x.near", "public_key": secret.public_key(), "secret_key": secret});
    std::fs::write(&key_file, key.to_string()).unwrap();
    let out = run(&[
        "--network",
        "mainnet",
        "--master",
        "x.near",
        "--master-key",
        key_file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let out = run(&[
        "--network",
        "testnet",
        "--master",
        "x.testnet",
        "--whitelist",
        "w.testnet",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no credentials for x.testnet"));
    let out = run(&["--network", "devnet"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown network"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
