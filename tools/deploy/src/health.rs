//! After a deployment: the views every contract must answer, with the
//! accounts wired to each other as the init arguments said ([`check`]); and,
//! once the lock ran, that no key is left on sNEAR, governance and the
//! router ([`check_keys`]). They are two functions because the lock runs
//! between them: the keys stay until the wiring passed.

use crate::chain::Chain;
use crate::keys;
use crate::plan::locked_contracts;
use crate::suite::{self, SuiteIds};
use anyhow::{ensure, Context};
use serde_json::{json, Value};

/// One check that passed, for the report.
pub type Check = String;

/// Checks every deployed contract: the pools (local), sNEAR, governance and
/// the router, each wired to the others as `suite` initialised them.
pub async fn check(chain: &Chain, ids: &SuiteIds) -> anyhow::Result<Vec<Check>> {
    let mut passed = Vec::new();
    for pool in &ids.pools {
        let listed = chain
            .view(
                &ids.whitelist,
                "is_whitelisted",
                json!({ "staking_pool_account_id": pool }),
            )
            .await?;
        ensure!(listed == json!(true), "{pool} is not on {}", ids.whitelist);
        let owner = chain.view(pool, "get_owner_id", json!({})).await?;
        ensure!(owner == json!(ids.master), "{pool} is owned by {owner}");
        let staked = u128_of(
            &chain
                .view(pool, "get_total_staked_balance", json!({}))
                .await?,
        )?;
        ensure!(staked > 0, "{pool} stakes nothing");
        passed.push(format!(
            "{pool}: whitelisted, owner {owner}, staking {staked} yocto"
        ));
    }
    let metadata = chain.view(&ids.snear, "ft_metadata", json!({})).await?;
    ensure!(
        metadata["symbol"].is_string(),
        "{} has no token symbol",
        ids.snear
    );
    let supply = u128_of(&chain.view(&ids.snear, "ft_total_supply", json!({})).await?)?;
    let router = chain
        .view(&ids.snear, "get_router_account_id", json!({}))
        .await?;
    ensure!(
        router == json!(ids.router),
        "{} names router {router}",
        ids.snear
    );
    let governance = chain
        .view(&ids.snear, "get_governance_account_id", json!({}))
        .await?;
    ensure!(
        governance == json!(ids.governance),
        "{} names governance {governance}",
        ids.snear
    );
    passed.push(format!(
        "{}: {} supply {supply}, router and governance wired",
        ids.snear, metadata["symbol"]
    ));

    let config = chain.view(&ids.governance, "get_config", json!({})).await?;
    for (field, id) in [
        ("router_account_id", &ids.router),
        ("snear_account_id", &ids.snear),
        ("whitelist_account_id", &ids.whitelist),
    ] {
        ensure!(
            config[field] == json!(id),
            "{} has {field} {}",
            ids.governance,
            config[field]
        );
    }
    let proposals = chain
        .view(&ids.governance, "get_proposal_count", json!({}))
        .await?;
    passed.push(format!("{}: wired, {proposals} proposals", ids.governance));

    passed.extend(check_router(chain, ids).await?);
    Ok(passed)
}

/// The name [`check_keys`] reports under.
pub const NO_FULL_ACCESS_KEY: &str = "no full-access key";

/// [`NO_FULL_ACCESS_KEY`]: sNEAR, governance and the router hold no access
/// key, read from the node's key list (so a key this tool never added is
/// found too). A full-access key would let its holder deploy code without
/// a vote; a function-call key is refused as well, since it signs calls as
/// the contract (see [`crate::keys`]). Does not look at the master, the
/// pools or the whitelist: their keys are no way around the DAO.
pub async fn check_keys(chain: &Chain, ids: &SuiteIds) -> anyhow::Result<Check> {
    for (id, proposal) in locked_contracts(ids) {
        let found = chain.access_keys(id).await?;
        let listed = |full: bool| {
            found
                .iter()
                .filter(|k| keys::is_full_access(k) == full)
                .map(keys::describe)
                .collect::<Vec<_>>()
        };
        let full = listed(true);
        ensure!(
            full.is_empty(),
            "{NO_FULL_ACCESS_KEY}: {id} holds {}: whoever has it can deploy code over {id} \
             without a vote ({proposal} is the only intended way)",
            full.join(", ")
        );
        let calls = listed(false);
        ensure!(
            calls.is_empty(),
            "{NO_FULL_ACCESS_KEY}: {id} holds no full-access key but {}: a function-call key \
             signs calls as {id}, reaching what only the contract itself may call",
            calls.join(", ")
        );
    }
    let [(snear, _), (governance, _), (router, _)] = locked_contracts(ids);
    Ok(format!(
        "{NO_FULL_ACCESS_KEY}: {router}, {snear} and {governance} hold no access key at all \
         (full-access or function-call); their code changes only by a DAO upgrade proposal"
    ))
}

/// The router: its configuration is the init arguments; the staking-pool
/// views a wallet or lockup reads answer; the seed is staked; the
/// keeper's status answers; on local it is whitelisted and lists the test
/// pools, active.
async fn check_router(chain: &Chain, ids: &SuiteIds) -> anyhow::Result<Vec<Check>> {
    let router = &ids.router;
    let view = |method: &'static str, args: Value| chain.view(router, method, args);
    let config = view("get_config", json!({})).await?;
    let init = serde_json::to_value(suite::router_init(ids))?;
    for field in [
        "owner_id",
        "snear_account_id",
        "governance_account_id",
        "whitelist_account_id",
        "treasury_account_id",
        "lockup_account_suffix",
    ] {
        ensure!(
            config[field] == init[field],
            "{router} has {field} {}, not {}",
            config[field],
            init[field]
        );
    }
    let meta_per_epoch = u128_of(&config["meta_per_epoch"])?;
    ensure!(
        meta_per_epoch == ids.meta_per_epoch.unwrap_or(0),
        "{router} emits {meta_per_epoch} META units per epoch"
    );
    ensure!(
        view("get_owner_id", json!({})).await? == json!(ids.master),
        "{router} is not owned by {}",
        ids.master
    );
    ensure!(
        view("is_staking_paused", json!({})).await? == json!(false),
        "{router} reports staking paused"
    );
    let fee = view("get_reward_fee_fraction", json!({})).await?;
    ensure!(
        fee["numerator"].is_u64() && fee["denominator"].as_u64().is_some_and(|d| d > 0),
        "{router} reward fee fraction {fee}"
    );
    let staked = u128_of(&view("get_total_staked_balance", json!({})).await?)?;
    ensure!(
        staked >= suite::ROUTER_SEED.as_yoctonear(),
        "{router} stakes {staked} yocto, less than its seed"
    );
    // The views lockups call for any account answer (0) for a stranger.
    let stranger = json!({ "account_id": ids.master });
    for method in [
        "get_account_staked_balance",
        "get_account_unstaked_balance",
        "get_account_total_balance",
    ] {
        u128_of(&view(method, stranger.clone()).await?)
            .with_context(|| format!("{router}.{method}"))?;
    }
    let status = view("get_epoch_status", json!({})).await?;
    ensure!(
        status["epoch_height"].is_u64(),
        "{router} epoch status {status}"
    );
    let mut passed = vec![format!(
        "{router}: wired as initialised, owner {}, emitting {} per epoch, total staked {staked} yocto, keeper work pending {}",
        ids.master,
        meta(meta_per_epoch),
        status["work_pending"]
    )];

    if !ids.pools.is_empty() {
        let listed = chain
            .view(
                &ids.whitelist,
                "is_whitelisted",
                json!({ "staking_pool_account_id": router }),
            )
            .await?;
        ensure!(
            listed == json!(true),
            "{router} is not on {}",
            ids.whitelist
        );
        let count = view("get_number_of_validators", json!({})).await?;
        ensure!(
            count == json!(ids.pools.len()),
            "{router} lists {count} validators, not {}",
            ids.pools.len()
        );
        for pool in &ids.pools {
            let v = view("get_validator", json!({ "account_id": pool })).await?;
            ensure!(
                v["state"] == "Active"
                    && v["weight_bps"] == json!(suite::local_validator_weight_bps(ids)),
                "{router} lists {pool} as {v}"
            );
        }
        passed.push(format!(
            "{router}: whitelisted, validators {} active",
            ids.pools
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(passed)
}

/// An amount of META for people: whole META when it is whole.
fn meta(units: u128) -> String {
    if units.is_multiple_of(suite::ONE_META) {
        format!("{} META", units / suite::ONE_META)
    } else {
        format!("{units} META units (10^-24 META)")
    }
}

fn u128_of(v: &Value) -> anyhow::Result<u128> {
    v.as_str()
        .context("expected a U128 string")?
        .parse()
        .context("expected a U128 string")
}
