//! `operator status`: the protocol at a glance, read from the views (one
//! RPC query each; nothing is signed or sent). [`protocol`] and
//! [`account`] return JSON (what `--json` prints, amounts in yoctoNEAR as
//! strings, as the contracts serve them); [`render_protocol`] and
//! [`render_account`] turn it into text for people.

use crate::chain::Chain;
use anyhow::Context;
use near_primitives::types::AccountId;
use serde_json::{json, Value};

/// Validators read per `get_validators` page.
const PAGE: u64 = 50;
/// Proposals read from the newest back (open ones are recent: a proposal
/// closes within its voting, time-lock and grace epochs).
const PROPOSALS_READ: u64 = 50;
/// Proposal states that still await something.
const OPEN_STATES: [&str; 4] = ["Active", "Succeeded", "Queued", "Executing"];

fn u128_of(v: &Value) -> u128 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// `part / whole` as a fraction (0 when `whole` is 0).
fn ratio(part: u128, whole: u128) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The router's state with sNEAR's and the DAO's: about 10 views plus one
/// per 50 validators.
pub async fn protocol(chain: &Chain, router: &AccountId) -> anyhow::Result<Value> {
    let view = |method: &'static str, args: Value| chain.view(router, method, args);
    let config = view("get_config", json!({})).await?;
    let snear: AccountId = config["snear_account_id"]
        .as_str()
        .context("get_config without snear_account_id")?
        .parse()?;
    let governance: AccountId = config["governance_account_id"]
        .as_str()
        .context("get_config without governance_account_id")?
        .parse()?;
    let summary = view("get_pool_summary", json!({})).await?;
    let total_staked = view("get_total_staked_balance", json!({})).await?;
    let epoch_status = view("get_epoch_status", json!({})).await?;
    let account = chain
        .account(router)
        .await?
        .with_context(|| format!("{router} does not exist"))?;

    let mut validators = Vec::new();
    loop {
        let page = view(
            "get_validators",
            json!({ "from_index": validators.len() as u64, "limit": PAGE }),
        )
        .await?;
        let page = page.as_array().cloned().unwrap_or_default();
        let n = page.len() as u64;
        validators.extend(page);
        if n < PAGE {
            break;
        }
    }
    let delegated: u128 = validators.iter().map(|v| u128_of(&v["staked"])).sum();
    let validators: Vec<Value> = validators
        .into_iter()
        .map(|v| {
            let staked = u128_of(&v["staked"]);
            json!({
                "account_id": v["account_id"],
                "weight_bps": v["weight_bps"],
                "state": v["state"],
                "staked": v["staked"],
                "unstaked": v["unstaked"],
                "share_of_router": ratio(staked, delegated),
                "target": v["target"],
                "cap": v["cap"],
                "network_stake": v["network_stake"],
                // The router's part of the validator's whole stake.
                "network_share": ratio(staked, u128_of(&v["network_stake"])),
                "lock": v["lock"],
                "synced_epoch": v["synced_epoch"],
                "failed_epoch": v["failed_epoch"],
            })
        })
        .collect();

    let snear_price = chain.view(&snear, "get_snear_price", json!({})).await?;
    let snear_supply = chain.view(&snear, "ft_total_supply", json!({})).await?;
    let count = chain
        .view(&governance, "get_proposal_count", json!({}))
        .await?
        .as_u64()
        .unwrap_or(0);
    let from = count.saturating_sub(PROPOSALS_READ);
    let proposals = chain
        .view(
            &governance,
            "get_proposals",
            json!({ "from_index": from, "limit": PROPOSALS_READ }),
        )
        .await?;
    let open: Vec<Value> = proposals
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            p["state"]
                .as_str()
                .is_some_and(|s| OPEN_STATES.contains(&s))
        })
        .map(|p| {
            json!({
                "id": p["id"], "state": p["state"], "kind": p["kind"],
                "description": p["description"], "proposer": p["proposer"],
                "voting_ends_epoch": p["voting_ends_epoch"], "eta_epoch": p["eta_epoch"],
                "for_votes": p["for_votes"], "against_votes": p["against_votes"],
                "abstain_votes": p["abstain_votes"], "quorum_votes": p["quorum_votes"],
            })
        })
        .collect();

    Ok(json!({
        "router": router,
        "snear": snear,
        "governance": governance,
        "epoch_height": epoch_status["epoch_height"],
        "total_staked": total_staked,
        "router_account": {
            "balance": account.amount.as_yoctonear().to_string(),
            "locked": account.locked.as_yoctonear().to_string(),
            "storage_usage": account.storage_usage,
        },
        "own_funds": summary["own_funds"],
        "share_price": summary["share_price"],
        "unplaced_stake": summary["unplaced_stake"],
        "snear_price": snear_price,
        "snear_supply": snear_supply,
        "staking_paused": epoch_status["staking_paused"],
        "bootstrap": config["bootstrap"],
        "validators": validators,
        "epoch_status": epoch_status,
        "proposal_count": count,
        "open_proposals": open,
    }))
}

/// One account as the router, sNEAR and governance see it: 8 views.
pub async fn account(chain: &Chain, router: &AccountId, id: &AccountId) -> anyhow::Result<Value> {
    let config = chain.view(router, "get_config", json!({})).await?;
    let snear: AccountId = config["snear_account_id"]
        .as_str()
        .context("get_config without snear_account_id")?
        .parse()?;
    let governance: AccountId = config["governance_account_id"]
        .as_str()
        .context("get_config without governance_account_id")?
        .parse()?;
    let who = json!({ "account_id": id });
    let details = chain
        .view(router, "get_account_details", who.clone())
        .await?;
    let available = chain
        .view(router, "is_account_unstaked_balance_available", who.clone())
        .await?;
    // What wallets and lockups read (a liquid staker's staked balance is
    // the value of its sNEAR; its router record holds no shares).
    let staked = chain
        .view(router, "get_account_staked_balance", who.clone())
        .await?;
    let unstaked = chain
        .view(router, "get_account_unstaked_balance", who.clone())
        .await?;
    let snear_balance = chain.view(&snear, "ft_balance_of", who.clone()).await?;
    let unclaimed = chain
        .view(&snear, "get_unclaimed_governance_tokens", who.clone())
        .await?;
    let meta = chain
        .view(&governance, "ft_balance_of", who.clone())
        .await?;
    let locked = chain.view(&governance, "get_locked_balance", who).await?;
    Ok(json!({
        "account_id": id,
        "router": {
            "is_lockup": details["is_lockup"],
            "staked": staked,
            "unstaked": unstaked,
            "record_staked": details["staked_balance"],
            "record_shares": details["shares"],
            "unstaked_available_epoch": details["unstaked_available_epoch"],
            "can_withdraw": details["can_withdraw"],
            "unstaked_balance_available": available,
        },
        "snear": { "balance": snear_balance, "meta_claimable": unclaimed },
        "governance": {
            "meta_balance": meta,
            "meta_locked": locked["locked"],
            "locked_until_epoch": locked["until_epoch"],
        },
        "meta_claimable": details["governance_tokens_unclaimed"],
    }))
}

/// yoctoNEAR (a U128 string) as NEAR with 4 decimals.
pub fn near(v: &Value) -> String {
    let y = u128_of(v);
    format!(
        "{}.{:04} NEAR",
        y / 10u128.pow(24),
        (y % 10u128.pow(24)) / 10u128.pow(20)
    )
}

/// A 24-decimal token amount (sNEAR, META) with 4 decimals.
fn token(v: &Value, symbol: &str) -> String {
    near(v).replace("NEAR", symbol)
}

/// The protocol for people.
pub fn render_protocol(s: &Value) -> String {
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!(
        "router {}  (sNEAR {}, DAO {})  epoch {}",
        s["router"].as_str().unwrap_or("?"),
        s["snear"].as_str().unwrap_or("?"),
        s["governance"].as_str().unwrap_or("?"),
        s["epoch_height"]
    ));
    line(format!(
        "total staked        {:>22}   router account balance {} (locked {}), own funds {}",
        near(&s["total_staked"]),
        near(&s["router_account"]["balance"]),
        near(&s["router_account"]["locked"]),
        near(&s["own_funds"]),
    ));
    line(format!(
        "sNEAR price         {:>22}   supply {}   unplaced stake {}",
        near(&s["snear_price"]).replace(" NEAR", " NEAR per sNEAR"),
        token(&s["snear_supply"], "sNEAR"),
        near(&s["unplaced_stake"]),
    ));
    line(format!(
        "staking paused {}, bootstrap {}",
        s["staking_paused"], s["bootstrap"]
    ));
    line("validators:".into());
    line(format!(
        "  {:28} {:>7} {:>10} {:>22} {:>8} {:>22} {:>9} {:>7}  lock",
        "account", "weight", "state", "staked", "of router", "cap", "net share", "synced"
    ));
    for v in s["validators"].as_array().into_iter().flatten() {
        line(format!(
            "  {:28} {:>6.2}% {:>10} {:>22} {:>8.2}% {:>22} {:>8.2}% {:>7}  {}",
            v["account_id"].as_str().unwrap_or("?"),
            v["weight_bps"].as_f64().unwrap_or(0.0) / 100.0,
            v["state"]
                .as_str()
                .map_or_else(|| v["state"].to_string(), str::to_string),
            near(&v["staked"]),
            v["share_of_router"].as_f64().unwrap_or(0.0) * 100.0,
            near(&v["cap"]),
            v["network_share"].as_f64().unwrap_or(0.0) * 100.0,
            v["synced_epoch"]
                .as_u64()
                .map_or_else(|| "-".to_string(), |e| e.to_string()),
            if v["lock"].is_null() {
                "-".to_string()
            } else {
                v["lock"].to_string()
            }
        ));
    }
    let e = &s["epoch_status"];
    line(format!(
        "keeper: work pending {} (to sync {}, withdraw {}, unstake {}, stake {}, rebalance {}, \
         calls in flight {}, backlog {}, unstake blocked {})",
        e["work_pending"],
        e["validators_to_sync"],
        e["withdraw_pending"],
        e["unstake_pending"],
        e["stake_pending"],
        e["rebalance_pending"],
        e["calls_in_flight"],
        near(&e["unstake_backlog"]),
        e["unstake_blocked"]
    ));
    let open = s["open_proposals"].as_array().cloned().unwrap_or_default();
    line(format!(
        "DAO: {} proposals, {} open",
        s["proposal_count"],
        open.len()
    ));
    for p in open {
        let kind = p["kind"]
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .or_else(|| p["kind"].as_str().map(str::to_string))
            .unwrap_or_default();
        line(format!(
            "  #{} {} {}: {} (for {}, against {}, quorum {})",
            p["id"],
            p["state"].as_str().unwrap_or("?"),
            kind,
            p["description"].as_str().unwrap_or(""),
            token(&p["for_votes"], "META"),
            token(&p["against_votes"], "META"),
            token(&p["quorum_votes"], "META"),
        ));
    }
    out
}

/// One account for people.
pub fn render_account(a: &Value) -> String {
    let r = &a["router"];
    format!(
        "account {}\n  router: staked {}, unstaked {} (withdrawable from epoch {}, now {}), \
         lockup {}\n  sNEAR: {}, META claimable {}\n  governance: {} held, {} locked by proposal \
         bonds (until epoch {})\n",
        a["account_id"].as_str().unwrap_or("?"),
        near(&r["staked"]),
        near(&r["unstaked"]),
        r["unstaked_available_epoch"],
        if r["unstaked_balance_available"] == json!(true) {
            "available"
        } else {
            "not yet"
        },
        r["is_lockup"],
        token(&a["snear"]["balance"], "sNEAR"),
        token(&a["meta_claimable"], "META"),
        token(&a["governance"]["meta_balance"], "META"),
        token(&a["governance"]["meta_locked"], "META"),
        a["governance"]["locked_until_epoch"],
    )
}
