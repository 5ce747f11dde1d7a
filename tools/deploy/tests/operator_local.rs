//! The operator CLI against the localnet JSON-RPC node, as an operator
//! runs it: `operator deploy`, a few stakers (one unstakes), then two
//! keepers started at the same time every epoch (each signing with a
//! function-call key limited to the router's epoch methods, as
//! docs/OPERATIONS.md tells operators to create), epochs fast-forwarded
//! (`sandbox_fast_forward`), until every stake is placed and the unstake
//! is collected and withdrawn; a keeper in service mode waits for the next
//! epoch by itself; `status` and `status --json` show what the views say.

mod support;

use deploy::chain::Chain;
use deploy::suite::{Network, SuiteIds};
use localnet::node::{InitOptions, RunningNode};
use near_api::NearToken;
use near_primitives::types::AccountId;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::*;

/// Two keepers at once, one round each; both must succeed.
fn two_keepers_once(url: &str, home: &Path, keys: &[PathBuf; 2]) -> [String; 2] {
    let spawn = |key: &PathBuf| {
        operator(url, home, &["keeper", "--once"])
            .arg("--key")
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(&keys[0]), spawn(&keys[1]));
    [
        ok(a.wait_with_output().unwrap()),
        ok(b.wait_with_output().unwrap()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_stake_keep_two_keepers_and_status_on_the_node() {
    let home = temp_dir("home");
    // Epochs of 500 blocks: a round (about 50 blocks with two keepers)
    // fits in one; nearcore's fast 60-block epochs would end mid-round.
    localnet::node::init(&home, &InitOptions::default()).unwrap();
    let node = RunningNode::start(&home, "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = node.rpc_url();
    let chain = Chain::connect(&url);
    let master = deploy::local::master_key(&home).unwrap();
    let ids = SuiteIds::new(Network::Local, &master.account_id, None);
    let router = ids.router.clone();

    // Deploy with the CLI (the node answers, so it is used, not started).
    let out = ok(operator(&url, &home, &["deploy"])
        .arg("--res")
        .arg(res())
        .output()
        .unwrap());
    assert!(out.contains("using the node at"), "{out}");
    assert!(out.contains(&format!("router      {router}")), "{out}");

    // A chain id other than --network's is refused before anything is sent.
    let wrong = Command::new(env!("CARGO_BIN_EXE_operator"))
        .args([
            "status",
            "--network",
            "testnet",
            "--router",
            ids.router.as_str(),
        ])
        .args(["--rpc-url", &url])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("not testnet"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );

    // Two more pools, so the caps (at most 25% of the router's stake per
    // validator) leave room for every stake.
    for name in ["pool-c", "pool-d"] {
        add_pool(&chain, &master, &ids, name).await;
    }

    // Stakers; the last one unstakes part right away.
    let mut stakers = Vec::new();
    for (i, near) in [30u128, 20, 10].into_iter().enumerate() {
        let s = create(&chain, &master, &format!("staker{i}"), near + 5).await;
        chain
            .transact(
                &s.account_id,
                &s,
                &router,
                vec![call(
                    "deposit_and_stake",
                    json!({}),
                    NearToken::from_near(near),
                )],
            )
            .await
            .unwrap();
        stakers.push(s);
    }
    let leaver = stakers.last().unwrap().clone();
    chain
        .transact(
            &leaver.account_id,
            &leaver,
            &router,
            vec![call(
                "unstake",
                json!({"amount": NearToken::from_near(4).as_yoctonear().to_string()}),
                NearToken::ZERO,
            )],
        )
        .await
        .unwrap();
    let who = json!({"account_id": leaver.account_id});
    let quoted = chain
        .view(&router, "get_account_unstaked_available_epoch", who.clone())
        .await
        .unwrap()
        .as_u64()
        .unwrap();

    // Two keepers, each an ordinary account with a function-call key.
    let keys_dir = temp_dir("keys");
    let keys = [
        keeper_account(&chain, &master, "keeper-a", &router, &keys_dir).await,
        keeper_account(&chain, &master, "keeper-b", &router, &keys_dir).await,
    ];
    let genesis_epoch_length = localnet::node::load(&home).unwrap().genesis.epoch_length;

    // Every epoch: both keepers at once, then the next epoch.
    let mut epochs = 0;
    loop {
        let [a, b] = two_keepers_once(&url, &home, &keys);
        for out in [&a, &b] {
            assert!(out.contains("round of epoch"), "{out}");
            assert!(!out.contains("FAILED"), "{out}");
        }
        let status = chain
            .view(&router, "get_epoch_status", json!({}))
            .await
            .unwrap();
        // After two concurrent rounds the router has nothing left to do
        // and nothing in flight: neither keeper's calls got in the way.
        assert_eq!(status["work_pending"], false, "{status}\n{a}\n{b}");
        assert_eq!(status["calls_in_flight"], 0, "{status}");
        let available = chain
            .view(
                &router,
                "is_account_unstaked_balance_available",
                who.clone(),
            )
            .await
            .unwrap();
        if available == json!(true) && u128_of(&status["unplaced_stake"]) == 0 {
            break;
        }
        epochs += 1;
        assert!(
            epochs <= 10,
            "not collected after {epochs} epochs: {status}"
        );
        next_epoch(&url, genesis_epoch_length).await;
    }
    let epoch = chain
        .view(&router, "get_epoch_status", json!({}))
        .await
        .unwrap()["epoch_height"]
        .as_u64()
        .unwrap();
    assert!(epoch >= quoted, "withdrawable in {epoch}, quoted {quoted}");
    // Every stake is placed: the validators hold what was staked (and the
    // seed), less the unstake, plus rewards.
    let validators = chain
        .view(
            &router,
            "get_validators",
            json!({"from_index": 0, "limit": 10}),
        )
        .await
        .unwrap();
    let placed: u128 = validators
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u128_of(&v["staked"]))
        .sum();
    assert!(
        placed >= NearToken::from_near(60 - 4).as_yoctonear(),
        "{validators}"
    );
    for v in validators.as_array().unwrap() {
        assert!(v["lock"].is_null(), "{v}");
        assert!(v["failed_epoch"].is_null(), "{v}");
    }
    // The unstake is collected: the leaver withdraws it.
    let before = chain
        .account(&leaver.account_id)
        .await
        .unwrap()
        .unwrap()
        .amount;
    chain
        .transact(
            &leaver.account_id,
            &leaver,
            &router,
            vec![call("withdraw_all", json!({}), NearToken::ZERO)],
        )
        .await
        .unwrap();
    let after = chain
        .account(&leaver.account_id)
        .await
        .unwrap()
        .unwrap()
        .amount;
    assert!(
        after.as_yoctonear() > before.as_yoctonear() + NearToken::from_near(3).as_yoctonear(),
        "{before} -> {after}"
    );

    // Two keepers on one key (an operator who started the service twice):
    // their transactions share the key's nonces, and both rounds still
    // finish with the work done and nothing in flight.
    chain
        .transact(
            &leaver.account_id,
            &leaver,
            &router,
            vec![call(
                "deposit_and_stake",
                json!({}),
                NearToken::from_near(5),
            )],
        )
        .await
        .unwrap();
    next_epoch(&url, genesis_epoch_length).await;
    let [a, b] = two_keepers_once(&url, &home, &[keys[0].clone(), keys[0].clone()]);
    for out in [&a, &b] {
        assert!(out.contains("round of epoch"), "{out}");
        assert!(!out.contains("FAILED"), "{a}\n{b}");
    }
    let status = chain
        .view(&router, "get_epoch_status", json!({}))
        .await
        .unwrap();
    assert_eq!(status["work_pending"], false, "{status}\n{a}\n{b}");
    assert_eq!(status["calls_in_flight"], 0, "{status}");

    // Service mode: the keeper runs a round now, then waits for the next
    // epoch by polling the chain, and runs its second round there.
    let mut service = operator(&url, &home, &["keeper", "--rounds", "2", "--poll", "0.2"])
        .arg("--key")
        .arg(&keys[0])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(service.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let first_round = line.starts_with("round of epoch");
        log.push(line);
        if first_round {
            break;
        }
    }
    next_epoch(&url, genesis_epoch_length).await;
    log.extend(lines.map(Result::unwrap));
    let log = log.join("\n");
    assert!(service.wait().unwrap().success(), "{log}");
    assert_eq!(log.matches("round of epoch").count(), 2, "{log}");
    assert!(
        log.contains(&format!("round of epoch {}", epoch + 1)),
        "{log}"
    );
    // Each call is logged with its operation, validator, tx hash and gas.
    let sync = log
        .lines()
        .find(|l| l.contains("epoch_sync") && l.contains("validator pool-"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(sync.contains(" tx ") && sync.contains("Tgas -> "), "{sync}");
    assert!(log.contains("keeper done: 2 rounds"), "{log}");

    // status --json: the numbers are the views'.
    let s: Value = serde_json::from_str(&ok(operator(&url, &home, &["status", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let view = |c: &AccountId, m: &'static str, a: Value| {
        let chain = &chain;
        let c = c.clone();
        async move { chain.view(&c, m, a).await.unwrap() }
    };
    assert_eq!(
        s["total_staked"],
        view(&router, "get_total_staked_balance", json!({})).await
    );
    assert_eq!(
        s["snear_supply"],
        view(&ids.snear, "ft_total_supply", json!({})).await
    );
    assert_eq!(
        s["snear_price"],
        view(&ids.snear, "get_snear_price", json!({})).await
    );
    assert_eq!(
        s["epoch_status"],
        view(&router, "get_epoch_status", json!({})).await
    );
    let account = chain.account(&router).await.unwrap().unwrap();
    assert_eq!(
        s["router_account"]["balance"],
        account.amount.as_yoctonear().to_string()
    );
    let validators = view(
        &router,
        "get_validators",
        json!({"from_index": 0, "limit": 10}),
    )
    .await;
    let listed = s["validators"].as_array().unwrap();
    assert_eq!(listed.len(), ids.pools.len() + 2);
    let total: u128 = validators
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u128_of(&v["staked"]))
        .sum();
    for (shown, v) in listed.iter().zip(validators.as_array().unwrap()) {
        for field in ["account_id", "weight_bps", "state", "staked", "cap", "lock"] {
            assert_eq!(shown[field], v[field], "{field}");
        }
        let share = u128_of(&v["staked"]) as f64 / total as f64;
        assert!((shown["share_of_router"].as_f64().unwrap() - share).abs() < 1e-9);
        assert!(shown["network_share"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(s["open_proposals"], json!([]));

    // status for people: the same figures, formatted.
    let text = ok(operator(&url, &home, &["status"]).output().unwrap());
    assert!(text.contains(&format!("router {router}")), "{text}");
    assert!(
        text.contains(&deploy::status::near(&s["total_staked"])),
        "{text}"
    );
    for pool in &ids.pools {
        assert!(text.contains(pool.as_str()), "{text}");
    }
    assert!(text.contains("keeper: work pending false"), "{text}");

    // status --account: one staker as the router, sNEAR and governance see it.
    let staker = &stakers[0].account_id;
    let a: Value = serde_json::from_str(&ok(operator(
        &url,
        &home,
        &["status", "--json", "--account", staker.as_str()],
    )
    .output()
    .unwrap()))
    .unwrap();
    let me = json!({"account_id": staker});
    assert_eq!(
        a["router"]["staked"],
        view(&router, "get_account_staked_balance", me.clone()).await
    );
    assert_eq!(
        a["router"]["unstaked"],
        view(&router, "get_account_unstaked_balance", me.clone()).await
    );
    assert_eq!(
        a["snear"]["balance"],
        view(&ids.snear, "ft_balance_of", me.clone()).await
    );
    assert_eq!(
        a["snear"]["meta_claimable"],
        view(&ids.snear, "get_unclaimed_governance_tokens", me.clone()).await
    );
    assert_eq!(
        a["governance"]["meta_balance"],
        view(&ids.governance, "ft_balance_of", me.clone()).await
    );
    let locked = view(&ids.governance, "get_locked_balance", me.clone()).await;
    assert_eq!(a["governance"]["meta_locked"], locked["locked"]);
    assert_eq!(a["governance"]["locked_until_epoch"], locked["until_epoch"]);
    assert!(u128_of(&a["snear"]["balance"]) > 0);
    let text = ok(
        operator(&url, &home, &["status", "--account", staker.as_str()])
            .output()
            .unwrap(),
    );
    assert!(
        text.contains(&deploy::status::near(&a["router"]["staked"])),
        "{text}"
    );

    node.stop();
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_dir_all(&keys_dir);
}
