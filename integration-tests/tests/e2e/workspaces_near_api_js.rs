//! The wallet snippets of docs/INTEGRATION.md, run as a wallet runs them:
//! `docs/near-api-js/wallet.mjs` (near-api-js, what wallets are built on)
//! against localnet's JSON-RPC node with the protocol deployed. Each step's
//! printed figures are checked against the contracts' views read here, so
//! the documented code is known to work: a liquid staker stakes, sees its
//! stake in the core views, unstakes half of what the wallet shows, then
//! everything, and withdraws after the unlock.
//!
//! Needs Node.js and the examples' packages (`scripts/node-deps.sh`, which
//! `make test` runs first).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{ensure, Context};
use integration_tests::sandbox;
use integration_tests::workspaces::Suite;
use near_workspaces::Account;
use serde_json::{json, Value};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/near-api-js")
}

/// Runs one step of the wallet script as `who`; its printed JSON.
fn wallet(suite: &Suite, who: &Account, step: &str) -> anyhow::Result<Value> {
    let dir = examples_dir();
    ensure!(
        dir.join("node_modules/near-api-js").is_dir(),
        "near-api-js is not installed in {}: run scripts/node-deps.sh",
        dir.display()
    );
    let out = Command::new("node")
        .arg("wallet.mjs")
        .arg(step)
        .current_dir(&dir)
        .env("NEAR_RPC", suite.rpc_url())
        .env("ROUTER", suite.router.id().as_str())
        .env("ACCOUNT", who.id().as_str())
        .env("ACCOUNT_KEY", who.secret_key().to_string())
        .env("AMOUNT_NEAR", "5")
        .output()
        .context("running node (scripts/node-deps.sh installs it)")?;
    ensure!(
        out.status.success(),
        "wallet.mjs {step} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "wallet.mjs {step} printed {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The account as the views show it now, in the script's field names.
async fn account_view(suite: &Suite, who: &Account) -> anyhow::Result<Value> {
    let (router, snear, gov) = (suite.router.id(), suite.snear.id(), suite.governance.id());
    let arg = json!({"account_id": who.id()});
    Ok(json!({
        "staked": suite.view(router, "get_account_staked_balance", arg.clone()).await?,
        "unstaked": suite.view(router, "get_account_unstaked_balance", arg.clone()).await?,
        "total": suite.view(router, "get_account_total_balance", arg.clone()).await?,
        "can_withdraw": suite.view(router, "is_account_unstaked_balance_available", arg.clone()).await?,
        "available_epoch": suite.view(router, "get_account_unstaked_available_epoch", arg.clone()).await?,
        "snear": suite.view(snear, "ft_balance_of", arg.clone()).await?,
        "snear_value": suite.view(snear, "get_account_near_value", arg.clone()).await?,
        "snear_price": suite.view(snear, "get_snear_price", json!({})).await?,
        "meta_claimable": suite.view(snear, "get_unclaimed_governance_tokens", arg.clone()).await?,
        "meta": suite.view(gov, "ft_balance_of", arg).await?,
    }))
}

fn yocto(v: &Value) -> u128 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a U128: {v}"))
}

/// Runs `step` and checks what the script printed of the account and the
/// pool against the views; returns the step's result.
async fn checked(suite: &Suite, who: &Account, step: &str) -> anyhow::Result<Value> {
    let printed = wallet(suite, who, step)?;
    let views = account_view(suite, who).await?;
    ensure!(
        printed["account"] == views,
        "{step}: the script printed {} but the views say {views}",
        printed["account"]
    );
    let router = suite.router.id();
    let total = suite
        .view(router, "get_total_staked_balance", json!({}))
        .await?;
    ensure!(
        printed["pool"]["total_staked"] == total,
        "{step}: total stake {}",
        printed["pool"]
    );
    let balance = suite
        .worker
        .view_account(router)
        .await?
        .balance
        .as_yoctonear();
    ensure!(
        yocto(&printed["pool"]["router_balance"]) == balance,
        "{step}: router balance {}",
        printed["pool"]
    );
    Ok(printed["result"].clone())
}

#[tokio::test]
async fn a_wallet_built_on_near_api_js_stakes_unstakes_and_withdraws() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let alice = suite.user("alice", 50).await?;

    let views = checked(&suite, &alice, "views").await?;
    ensure!(views.is_null());

    let minted = yocto(&checked(&suite, &alice, "stake").await?);
    let seen = account_view(&suite, &alice).await?;
    ensure!(
        yocto(&seen["snear"]) == minted,
        "sNEAR minted {minted}: {seen}"
    );
    // The wallet's staking screen sees the stake (the value of its sNEAR).
    ensure!(
        yocto(&seen["staked"]) == yocto(&seen["snear_value"]),
        "{seen}"
    );
    ensure!(yocto(&seen["staked"]) > 0);
    suite.keeper_round().await?;

    let half = yocto(&seen["staked"]) / 2;
    let credited = yocto(&checked(&suite, &alice, "unstake").await?);
    ensure!(
        credited > 0 && credited <= half,
        "unstake of {half} credited {credited}"
    );

    let all = yocto(&checked(&suite, &alice, "unstake-all").await?);
    let after = account_view(&suite, &alice).await?;
    ensure!(
        all > 0 && yocto(&after["snear"]) == 0 && yocto(&after["staked"]) == 0,
        "{after}"
    );
    ensure!(yocto(&after["unstaked"]) == credited + all, "{after}");
    ensure!(after["can_withdraw"] == json!(false));

    suite.advance_epochs_with_keeper(6).await?;
    let ready = account_view(&suite, &alice).await?;
    ensure!(ready["can_withdraw"] == json!(true), "{ready}");
    let before = alice.view_account().await?.balance.as_yoctonear();
    checked(&suite, &alice, "withdraw-all").await?;
    let gained = alice.view_account().await?.balance.as_yoctonear() - before;
    let unstaked = yocto(&ready["unstaked"]);
    // The NEAR came back, less the withdrawal's gas (well under 0.01 NEAR).
    ensure!(
        gained + 10u128.pow(22) > unstaked && gained < unstaked,
        "withdrew {gained} of {unstaked}"
    );
    let done = account_view(&suite, &alice).await?;
    ensure!(
        yocto(&done["unstaked"]) == 0 && yocto(&done["total"]) == 0,
        "{done}"
    );
    Ok(())
}
