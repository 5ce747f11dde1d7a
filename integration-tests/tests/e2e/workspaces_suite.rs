//! The whole suite deployed through near-workspaces, checked with the deploy
//! tool's health check over a second client (near-api).

use integration_tests::sandbox;
use integration_tests::workspaces::Suite;
use serde_json::json;

#[tokio::test]
async fn the_suite_deploys_and_passes_the_health_check() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let chain = deploy::chain::Chain::connect(&suite.rpc_url());
    let checks = deploy::health::check(&chain, &suite.ids).await?;
    // Each pool, sNEAR, governance, the router's wiring and its validators.
    assert_eq!(checks.len(), suite.pools.len() + 4, "{checks:?}");

    for pool in &suite.pools {
        let listed: bool = suite
            .whitelist
            .view("is_whitelisted")
            .args_json(json!({ "staking_pool_account_id": pool.id() }))
            .await?
            .json()?;
        assert!(listed);
    }
    // The router is listed (lockups may only use listed pools).
    let router_listed: bool = suite
        .whitelist
        .view("is_whitelisted")
        .args_json(json!({ "staking_pool_account_id": suite.router.id() }))
        .await?
        .json()?;
    assert!(router_listed);
    // Seeded: its stake is the seed, no sNEAR exists yet, the price is par.
    assert_eq!(
        suite
            .view_u128(suite.router.id(), "get_total_staked_balance", json!({}))
            .await?,
        deploy::suite::ROUTER_SEED.as_yoctonear()
    );
    assert_eq!(
        suite
            .view_u128(suite.snear.id(), "ft_total_supply", json!({}))
            .await?,
        0
    );
    // The pools are its validators, by the deploy tool's actions.
    let validators = suite
        .view(
            suite.router.id(),
            "get_validators",
            json!({ "from_index": 0, "limit": 10 }),
        )
        .await?;
    let listed: Vec<&str> = validators
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v["account_id"].as_str().expect("an id"))
        .collect();
    let pools: Vec<&str> = suite.pools.iter().map(|p| p.id().as_str()).collect();
    assert_eq!(listed, pools);
    Ok(())
}

#[tokio::test]
async fn blocks_epochs_and_fast_forward_as_the_sandbox_reports_them() -> anyhow::Result<()> {
    let worker = sandbox!().await?;
    let suite = Suite::deploy(worker).await?;
    let (epoch, start) = suite.epoch().await?;
    let length = suite.epoch_length().await?;
    assert!(length > 0 && start % length == 0);
    suite.advance_epochs(2).await?;
    let (later, later_start) = suite.epoch().await?;
    assert_eq!(later, epoch + 2);
    assert_eq!(later_start, start + 2 * length);
    let status = suite.worker.status().await?;
    assert!(status.sync_info.latest_block_height >= later_start);
    Ok(())
}

#[tokio::test]
async fn dev_accounts_top_level_accounts_and_state_patches_work() -> anyhow::Result<()> {
    let worker = sandbox!().await?;
    // A sub-account of the root, and a top-level account made by near-sandbox's
    // `registrar` genesis account (its key in the home's registrar.json).
    let dev = worker.dev_create_account().await?;
    assert!(dev
        .id()
        .as_str()
        .ends_with(&format!(".{}", worker.root_account()?.id())));
    let tla = worker.dev_create_tla().await?;
    assert!(!tla.id().as_str().contains('.'));
    let probe = integration_tests::workspaces::wasm("localnet_probe")?;
    let contract = worker.dev_deploy(&probe).await?;
    contract.call("new").transact().await?.into_result()?;
    assert_eq!(contract.view("counter").await?.json::<u64>()?, 0);
    // sandbox_patch_state through near-workspaces: the probe's `STATE`.
    let state = contract.view_state().await?;
    let key = state
        .keys()
        .find(|k| k.as_slice() == b"STATE")
        .expect("near-sdk state")
        .clone();
    let mut value = state[&key].clone();
    value[..8].copy_from_slice(&41u64.to_le_bytes());
    worker.patch_state(contract.id(), &key, &value).await?;
    assert_eq!(contract.view("counter").await?.json::<u64>()?, 41);
    let pinged: u64 = contract.call("ping").transact().await?.json()?;
    assert_eq!(pinged, 42);
    Ok(())
}

#[tokio::test]
async fn near_workspaces_connects_to_a_running_node_by_rpc_addr() -> anyhow::Result<()> {
    // A node started outside near-workspaces (here in-process; `localnet-node
    // run` or `make deploy` work the same), reached with `.rpc_addr(..)`.
    let home = std::env::temp_dir().join(format!("workspaces-rpc-addr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    localnet::node::init(
        &home,
        &localnet::node::InitOptions {
            fast: true,
            ..Default::default()
        },
    )
    .map_err(anyhow::Error::msg)?;
    let node = localnet::node::RunningNode::start(&home, "127.0.0.1:0".parse()?)
        .map_err(anyhow::Error::msg)?;
    let worker = near_workspaces::sandbox()
        .rpc_addr(&node.rpc_url())
        .validator_key(near_workspaces::network::ValidatorKey::HomeDir(
            home.clone(),
        ))
        .await?;
    let root = worker.root_account()?;
    assert_eq!(
        root.id().as_str(),
        localnet::node::DEFAULT_VALIDATOR_ACCOUNT
    );
    let user = root
        .create_subaccount("user")
        .initial_balance(near_workspaces::types::NearToken::from_near(3))
        .transact()
        .await?
        .into_result()?;
    assert_eq!(
        user.view_account().await?.balance,
        near_workspaces::types::NearToken::from_near(3)
    );
    worker.fast_forward(10).await?;
    drop(worker);
    node.stop();
    std::fs::remove_dir_all(&home)?;
    Ok(())
}
