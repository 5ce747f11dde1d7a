//! `make deploy` on a local node: the whole plan (router included), the
//! health check, a second run that finds everything done, a run with other
//! router code that refuses to touch it; and dry runs that send nothing.

use deploy::chain::Chain;
use deploy::plan::{self, Wasm};
use deploy::suite::{Network, SuiteIds};
use localnet::node::{InitOptions, RunningNode};
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
async fn local_deploy_passes_the_health_check_and_is_idempotent() -> anyhow::Result<()> {
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
    let steps = plan::plan(Network::Local, &ids, &wasm, &key.public_key);

    let mut log = Vec::new();
    let sent = deploy::execute(&chain, &key, &steps, &mut log).await?;
    assert_eq!(sent, steps.len(), "{}", String::from_utf8_lossy(&log));
    let checks = deploy::health::check(&chain, &ids).await?;
    // Each pool, sNEAR, governance, the router's wiring and its validators.
    assert_eq!(checks.len(), ids.pools.len() + 4, "{checks:?}");
    assert!(
        checks
            .iter()
            .any(|c| c.starts_with(&format!("{}: whitelisted, validators", ids.router))),
        "{checks:?}"
    );
    // The router holds its seed as stake and its wiring is the init args.
    let config = chain
        .view(&ids.router, "get_config", serde_json::json!({}))
        .await?;
    assert_eq!(config["snear_account_id"], ids.snear.as_str());
    assert_eq!(
        config["bootstrap"], true,
        "the owner may still list validators"
    );
    // sNEAR keeps no key: nobody can replace its code.
    assert!(!chain.has_key(&ids.snear, &key.public_key).await?);
    assert!(chain.has_key(&ids.governance, &key.public_key).await?);

    // Again: everything is found done, nothing is sent.
    let mut log = Vec::new();
    assert_eq!(deploy::execute(&chain, &key, &steps, &mut log).await?, 0);
    assert_eq!(
        String::from_utf8_lossy(&log)
            .matches("already done")
            .count(),
        steps.len()
    );

    // Other code for the router: the initialised contract is not replaced.
    let other = Wasm {
        router: wasm.pool.clone(),
        ..Wasm::read(&res())?
    };
    let steps = plan::plan(Network::Local, &ids, &other, &key.public_key);
    let err = deploy::execute(&chain, &key, &steps, &mut Vec::new())
        .await
        .expect_err("deployed over the router");
    assert!(
        format!("{err:#}").contains("does not upgrade contracts"),
        "{err:#}"
    );
    node.stop();
    std::fs::remove_dir_all(&home)?;
    Ok(())
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args([
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
    std::fs::remove_dir_all(&creds).unwrap();
}

#[test]
fn mainnet_needs_yes_and_testnet_needs_credentials() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_deploy"))
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
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown network"));
}
