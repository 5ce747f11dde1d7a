//! The dashboard page (`dashboard/`) in a real browser: headless Chromium
//! loads it against localnet's JSON-RPC node with the protocol deployed,
//! stakers, an unstake not yet requested from the validators and an open
//! DAO proposal, and every figure on the page is checked against the views
//! read here: the pool (total stake beside the router account's balance,
//! sNEAR price and supply), each validator, the Nakamoto coefficients
//! (computed here by the demo's code from the same validator set), the
//! keeper's pending work, the proposals and one account.
//!
//! Needs Chromium (`scripts/browser-deps.sh`, which `make test` runs
//! first; `CHROMIUM` names another binary). With `DASHBOARD_SCREENSHOT=FILE`
//! the test also saves a screenshot of the page there (docs/dashboard.png
//! is made so).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context};
use integration_tests::demo::network::{coefficients, NetStake};
use integration_tests::sandbox;
use integration_tests::workspaces::Suite;
use near_workspaces::types::{Gas, NearToken};
use near_workspaces::Account;
use serde_json::{json, Value};

/// How long the page may take to read the node, in the browser's virtual
/// time (which stands still while a request is in flight).
const PAGE_BUDGET_MS: u32 = 30_000;

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| {
        ["chromium", "chromium-browser"]
            .into_iter()
            .find(|bin| Command::new(bin).arg("--version").output().is_ok())
            .unwrap_or("chromium")
            .to_string()
    })
}

fn page_url(suite: &Suite, account: &str) -> String {
    let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dashboard/index.html");
    let page = page.canonicalize().expect("dashboard/index.html exists");
    format!(
        "file://{}?rpc={}&router={}&account={account}",
        page.display(),
        suite.rpc_url(),
        suite.router.id()
    )
}

/// Runs headless Chromium on `url` with `extra` arguments; its stdout.
fn browse(url: &str, extra: &[String]) -> anyhow::Result<String> {
    let profile = tempfile::tempdir()?;
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--virtual-time-budget={PAGE_BUDGET_MS}"))
        .args(extra)
        .arg(url)
        .output()
        .context("running Chromium (scripts/browser-deps.sh installs it)")?;
    ensure!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// What the page shows: each `data-field` element's text and `data-yocto`,
/// keyed by the field, or `row:field` inside a validator's or a proposal's
/// row (`data-validator`, `data-proposal`).
#[derive(Debug, Default)]
struct Shown(BTreeMap<String, (String, Option<String>)>);

impl Shown {
    fn parse(dom: &str) -> Shown {
        let mut shown = Shown::default();
        let mut row: Option<String> = None;
        let mut rest = dom;
        while let Some(at) = rest.find('<') {
            rest = &rest[at + 1..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            let body = &rest[(end + 1).min(rest.len())..];
            if tag.starts_with("tr") {
                row = attr(tag, "data-validator")
                    .or_else(|| attr(tag, "data-proposal"))
                    .map(|r| r.to_string());
            } else if tag.starts_with("/tr") {
                row = None;
            }
            if let Some(field) = attr(tag, "data-field") {
                let text = unescape(&body[..body.find('<').unwrap_or(body.len())]);
                let key = match &row {
                    Some(r) => format!("{r}:{field}"),
                    None => field.to_string(),
                };
                let yocto = attr(tag, "data-yocto").map(str::to_string);
                shown.0.insert(key, (text, yocto));
            }
        }
        shown
    }

    fn text(&self, key: &str) -> anyhow::Result<&str> {
        Ok(&self
            .0
            .get(key)
            .with_context(|| format!("no {key} on the page"))?
            .0)
    }

    /// The exact amount behind `key`, checked against `expected`, and its
    /// text against the page's formatting of it.
    fn amount(&self, key: &str, expected: u128, unit: &str) -> anyhow::Result<()> {
        let (text, yocto) = self
            .0
            .get(key)
            .with_context(|| format!("no {key} on the page"))?;
        ensure!(
            yocto.as_deref() == Some(expected.to_string().as_str()),
            "{key}: the page holds {yocto:?}, the views {expected}"
        );
        ensure!(
            text == &formatted(expected, unit),
            "{key}: the page shows {text:?} for {expected}"
        );
        Ok(())
    }
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The page's formatting of a 24-decimal amount: whole units with
/// thousands separators, 4 decimals rounded down, the unit if any.
fn formatted(yocto: u128, unit: &str) -> String {
    let whole = (yocto / 10u128.pow(24)).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = (yocto % 10u128.pow(24)) / 10u128.pow(20);
    if unit.is_empty() {
        format!("{grouped}.{frac:04}")
    } else {
        format!("{grouped}.{frac:04} {unit}")
    }
}

fn yocto(v: &Value) -> u128 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a U128: {v}"))
}

/// Every figure the page shows against the view it comes from.
async fn compare(suite: &Suite, alice: &Account, proposal: u64, dom: &str) -> anyhow::Result<()> {
    let shown = Shown::parse(dom);
    let router = suite.router.id().clone();
    ensure!(
        dom.contains(r#"data-state="ready""#),
        "the page did not load: {:?}",
        shown.0.get("error")
    );

    // The pool.
    let view = |method: &'static str| suite.view(&router, method, json!({}));
    let total = yocto(&view("get_total_staked_balance").await?);
    let summary = view("get_pool_summary").await?;
    let epoch = view("get_epoch_status").await?;
    let account = suite.worker.view_account(&router).await?;
    shown.amount("total_staked", total, "NEAR")?;
    shown.amount("router_balance", account.balance.as_yoctonear(), "NEAR")?;
    shown.amount("router_locked", account.locked.as_yoctonear(), "NEAR")?;
    let price = yocto(
        &suite
            .view(suite.snear.id(), "get_snear_price", json!({}))
            .await?,
    );
    let supply = yocto(
        &suite
            .view(suite.snear.id(), "ft_total_supply", json!({}))
            .await?,
    );
    shown.amount("snear_price", price, "")?;
    shown.amount("snear_supply", supply, "sNEAR")?;
    shown.amount("unplaced_stake", yocto(&summary["unplaced_stake"]), "NEAR")?;
    ensure!(shown.text("epoch_height")? == epoch["epoch_height"].to_string());

    // The validators, and the network's concentration with and without
    // the router, from the same validator set.
    let listed = suite
        .view(
            &router,
            "get_validators",
            json!({ "from_index": 0, "limit": 50 }),
        )
        .await?;
    let listed = listed.as_array().context("get_validators")?;
    ensure!(shown.text("validator_count")? == listed.len().to_string());
    let set = suite.current_validators().await?;
    let network: u128 = set.iter().map(|(_, s)| s).sum();
    shown.amount("network_stake", network, "NEAR")?;
    ensure!(shown.text("network_validators")? == set.len().to_string());
    let mut in_set = 0;
    for v in listed {
        let id = v["account_id"].as_str().context("account_id")?;
        shown.amount(&format!("{id}:staked"), yocto(&v["staked"]), "NEAR")?;
        shown.amount(&format!("{id}:cap"), yocto(&v["cap"]), "NEAR")?;
        ensure!(shown.text(&format!("{id}:state"))? == v["state"].as_str().unwrap_or("?"));
        match set.iter().find(|(a, _)| a.as_str() == id) {
            Some((_, stake)) => {
                in_set += 1;
                shown.amount(&format!("{id}:validator_stake"), *stake, "NEAR")?;
            }
            None => {
                ensure!(shown.text(&format!("{id}:validator_stake"))? == "not in the validator set")
            }
        }
    }
    ensure!(
        in_set > 0,
        "no listed pool entered the validator set: {set:?}"
    );
    let net: Vec<NetStake> = set
        .iter()
        .map(|(id, stake)| {
            let routed = listed.iter().find(|v| v["account_id"] == id.as_str());
            NetStake {
                id: id.as_str().parse().unwrap(),
                stake: *stake,
                router: routed.map_or(0, |v| yocto(&v["staked"])),
                outside: routed.is_none(),
            }
        })
        .collect();
    let c = coefficients(&net);
    ensure!(shown.text("nakamoto_with")? == c.with.to_string(), "{c:?}");
    ensure!(
        shown.text("nakamoto_redirected")? == c.redirected.to_string(),
        "{c:?}"
    );
    ensure!(
        shown.text("nakamoto_removed")? == c.removed.to_string(),
        "{c:?}"
    );

    // The keeper's pending work: the unstake is waiting.
    let backlog = yocto(&epoch["unstake_backlog"]);
    ensure!(backlog > 0, "{epoch}");
    shown.amount("unstake_backlog", backlog, "NEAR")?;
    let yes = |b: &Value| if b == &json!(true) { "yes" } else { "no" };
    ensure!(shown.text("unstake_pending")? == yes(&epoch["unstake_pending"]));
    ensure!(shown.text("work_pending")? == yes(&epoch["work_pending"]));

    // The DAO.
    let p = suite
        .view(
            suite.governance.id(),
            "get_proposal",
            json!({ "proposal_id": proposal }),
        )
        .await?;
    ensure!(shown.text("open_proposal_count")? == "1");
    ensure!(shown.text(&format!("{proposal}:state"))? == "Active");
    ensure!(shown.text(&format!("{proposal}:kind"))? == "SetGuardian");
    ensure!(shown.text(&format!("{proposal}:description"))? == "a guardian for the dashboard");
    shown.amount(
        &format!("{proposal}:quorum_votes"),
        yocto(&p["quorum_votes"]),
        "META",
    )?;

    // The account lookup.
    let who = json!({ "account_id": alice.id() });
    let staked = yocto(
        &suite
            .view(&router, "get_account_staked_balance", who.clone())
            .await?,
    );
    ensure!(staked > 0);
    shown.amount("account_staked", staked, "NEAR")?;
    let unstaked = yocto(
        &suite
            .view(&router, "get_account_unstaked_balance", who.clone())
            .await?,
    );
    shown.amount("account_unstaked", unstaked, "NEAR")?;
    let details = suite
        .view(&router, "get_account_details", who.clone())
        .await?;
    ensure!(
        shown.text("account_available_epoch")? == details["unstaked_available_epoch"].to_string()
    );
    ensure!(shown.text("account_can_withdraw")? == "no");
    shown.amount(
        "account_snear",
        suite.snear_balance(alice.id()).await?,
        "sNEAR",
    )?;
    shown.amount(
        "account_meta",
        suite.meta_balance(alice.id()).await?,
        "META",
    )?;
    let locked = suite
        .view(suite.governance.id(), "get_locked_balance", who.clone())
        .await?;
    shown.amount("account_meta_locked", yocto(&locked["locked"]), "META")?;
    let claimable = suite
        .view(suite.snear.id(), "get_unclaimed_governance_tokens", who)
        .await?;
    shown.amount("account_meta_claimable", yocto(&claimable), "META")?;

    Ok(())
}

#[tokio::test]
async fn the_dashboard_shows_what_the_views_say() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let router = suite.router.id().clone();
    // A voter's stake, claimed META and an open proposal; the epochs it takes
    // to earn the META let the pools' stake enter the validator set.
    let (voter, _) = suite.voter_with_meta("voter").await?;
    let out = voter
        .call(suite.governance.id(), "propose")
        .args_json(json!({ "proposal": {
            "description": "a guardian for the dashboard",
            "kind": { "SetGuardian": { "account_id": voter.id(), "term_epochs": 30 } },
        }}))
        .deposit(NearToken::from_millinear(100))
        .gas(Gas::from_tgas(100))
        .transact()
        .await?;
    ensure!(out.is_success(), "propose: {:?}", out.failures());
    let proposal: u64 = out.json::<Option<u64>>()?.context("no proposal")?;

    let alice = suite.user("alice", 60).await?;
    suite.stake(&alice, NearToken::from_near(40)).await?;
    suite.advance_epochs_with_keeper(2).await?;
    // Unstakes beyond the buffered stake: a backlog the keeper has not yet
    // asked the validators for.
    for (who, near) in [(&alice, 3), (&voter, 90)] {
        let out = who
            .call(&router, "unstake")
            .args_json(json!({ "amount": NearToken::from_near(near).as_yoctonear().to_string() }))
            .gas(Gas::from_tgas(60))
            .transact()
            .await?;
        ensure!(out.is_success(), "unstake: {:?}", out.failures());
    }

    // The page and the views must read the same epoch: blocks keep coming
    // while idle, and a new epoch changes the keeper's work, the validator
    // set and the META earned. Compare again if one began in between.
    let page = page_url(&suite, alice.id().as_str());
    let mut attempt = 1;
    loop {
        let (before, _) = suite.epoch().await?;
        let dom = browse(&page, &["--dump-dom".into()])?;
        let compared = compare(&suite, &alice, proposal, &dom).await;
        let (after, _) = suite.epoch().await?;
        if before == after || attempt == 3 {
            compared?;
            break;
        }
        attempt += 1;
    }

    // The proposer's bond: its META locked until the vote ends.
    let dom = browse(
        &page_url(&suite, voter.id().as_str()),
        &["--dump-dom".into()],
    )?;
    let locked = suite
        .view(
            suite.governance.id(),
            "get_locked_balance",
            json!({ "account_id": voter.id() }),
        )
        .await?;
    let locked = yocto(&locked["locked"]);
    ensure!(locked > 0, "the proposer's bond is not locked");
    Shown::parse(&dom).amount("account_meta_locked", locked, "META")?;

    // A router that does not exist: the page says so instead of showing
    // zeros.
    let wrong = page_url(&suite, "").replace(router.as_str(), "nobody.test.near");
    let dom = browse(&wrong, &["--dump-dom".into()])?;
    ensure!(dom.contains(r#"data-state="error""#), "{dom}");
    ensure!(dom.contains("Could not read the pool"), "{dom}");

    if let Ok(file) = std::env::var("DASHBOARD_SCREENSHOT") {
        let file = Path::new(&file);
        let file = if file.is_absolute() {
            file.to_path_buf()
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(file)
        };
        browse(
            &page_url(&suite, alice.id().as_str()),
            &[
                format!("--screenshot={}", file.display()),
                "--window-size=1280,1400".into(),
            ],
        )?;
        ensure!(file.is_file(), "no screenshot at {}", file.display());
    }
    Ok(())
}
