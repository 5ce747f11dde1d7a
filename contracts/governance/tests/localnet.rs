//! Governance on the local chain, against callees that answer what no real
//! router, whitelist or token receiver would: the callbacks must read any
//! reply without panicking or running out of gas, and `ft_transfer_call`
//! must work at exactly the gas it asks for. Needs `res/governance.wasm`,
//! `res/test_callee.wasm` and `res/test_ft_receiver.wasm`
//! (`scripts/build-wasm.sh governance test-callee test-ft-receiver`).
//!
//! The end-to-end scenarios with the real router, whitelist and sNEAR are
//! in `integration-tests/tests/governance_*.rs`.

use governance::gas::{
    GAS_FOR_EXECUTE, GAS_FOR_EXECUTE_WITH_WHITELIST, GAS_FOR_FT_TRANSFER_CALL,
    GAS_FOR_ON_EXECUTE_RESULT, GAS_FOR_ON_EXECUTE_WHITELISTED, GAS_FOR_ON_PROPOSAL_WHITELISTED,
    GAS_FOR_PROPOSE_WITH_WHITELIST, GAS_FOR_RESOLVE_TRANSFER,
};
use localnet::{AccountId, ActionSummary, ExecutionOutcome, Gas, Localnet, NearToken};
use meta_common::actions::ONE_META;
use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use near_sdk::serde_json::{json, Value};
use std::path::PathBuf;

fn wasm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../res/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run scripts/build-wasm.sh first",
            path.display()
        )
    })
}

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

const MAX_GAS: Gas = Gas::from_tgas(300);
/// A long reply: 3 MiB. Returning a byte to another account costs the
/// callee ~69 Mgas (mostly the data receipt's per-byte fee), so no callee
/// can return much more than 4 MB within a transaction's 300 Tgas (the
/// protocol's own limit is 4 MiB), and this one costs the test callee
/// ~225 Tgas, which each callee below can afford.
const LONG_REPLY: u64 = 3 * 1024 * 1024;
/// What a callback may burn beyond its cost for a one-byte reply: reading
/// a bounded prefix, a callback's cost does not grow with the reply.
const FLAT: Gas = Gas::from_ggas(50);

struct Net {
    net: Localnet,
    gov: AccountId,
    /// Stands in for sNEAR: the minter of claimed META.
    minter: AccountId,
    /// The router: a `test_callee`.
    router: AccountId,
    /// The whitelist: a `test_callee`.
    whitelist: AccountId,
    guardian: AccountId,
    alice: AccountId,
}

/// Governance with a callee as router and as whitelist (both answering
/// `true`), and Alice holding twice the quorum floor.
fn setup() -> Net {
    let mut net = Localnet::new();
    let minter = net.create_account("snear.near", near(100));
    let guardian = net.create_account("guardian.near", near(10));
    let alice = net.create_account("alice.near", near(100));
    let router = net.create_and_deploy("router.near", near(10), &wasm("test_callee"));
    let whitelist = net.create_and_deploy("whitelist.near", near(10), &wasm("test_callee"));
    let gov = net.create_and_deploy("governance.near", near(10), &wasm("governance"));
    net.call(&gov, &gov, "new")
        .args_json(json!({
            "router_account_id": router,
            "snear_account_id": minter,
            "whitelist_account_id": whitelist,
            "guardian_account_id": guardian,
        }))
        .transact()
        .assert_success();
    let mut n = Net {
        net,
        gov,
        minter,
        router,
        whitelist,
        guardian,
        alice,
    };
    n.answer(&n.router.clone(), "true", 0);
    n.answer(&n.whitelist.clone(), "true", 0);
    let floor = n.config()["min_quorum"]
        .as_str()
        .unwrap()
        .parse::<u128>()
        .unwrap();
    n.mint(&n.alice.clone(), 2 * floor);
    n
}

fn add_validator() -> Value {
    json!({"Router": {"AddValidator": {"account_id": "v.pool.near", "weight_bps": 1000}}})
}

fn set_fee() -> Value {
    json!({"Router": {"SetParameter": {"parameter": {"ProtocolFeeBps": 300}}}})
}

impl Net {
    fn config(&self) -> Value {
        let v: Value = self.net.view(&self.gov, "get_config", json!({})).unwrap();
        v["config"].clone()
    }

    fn mint(&mut self, to: &AccountId, amount: u128) {
        self.net
            .call(&self.minter, &self.gov, "mint")
            .args_json(json!({"account_id": to, "amount": amount.to_string()}))
            .deposit(GOVERNANCE_MINT_DEPOSIT)
            .transact()
            .assert_success();
    }

    /// Makes the callee `who` answer `reply` padded to `len` bytes.
    fn answer(&mut self, who: &AccountId, reply: &str, len: u64) {
        let owner = self.alice.clone();
        self.net
            .call(&owner, who, "set_reply")
            .args_json(json!({"reply": reply, "len": len}))
            .transact()
            .assert_success();
    }

    fn callee_calls(&self, who: &AccountId) -> u64 {
        self.net.view(who, "calls", json!({})).unwrap()
    }

    fn call(&mut self, method: &str, args: Value, deposit: u128, gas: Gas) -> ExecutionOutcome {
        let alice = self.alice.clone();
        self.net
            .call(&alice, &self.gov, method)
            .args_json(args)
            .deposit(NearToken::from_yoctonear(deposit))
            .gas(gas)
            .transact()
    }

    fn propose(&mut self, kind: Value, gas: Gas) -> ExecutionOutcome {
        let args = json!({"proposal": {"description": "d", "kind": kind}});
        self.call(
            "propose",
            args,
            NearToken::from_millinear(50).as_yoctonear(),
            gas,
        )
    }

    fn proposal(&self, id: u64) -> Value {
        self.net
            .view(&self.gov, "get_proposal", json!({"proposal_id": id}))
            .unwrap()
    }

    fn state(&self, id: u64) -> String {
        self.proposal(id)["state"].as_str().unwrap().to_string()
    }

    /// Proposes, votes For, queues and waits out the time-lock.
    fn pass_and_queue(&mut self, kind: Value) -> u64 {
        let out = self.propose(kind, MAX_GAS);
        out.assert_success();
        let id = out.json::<Option<u64>>().unwrap().expect("created");
        let vote = json!({"proposal_id": id, "choice": "For"});
        self.call(
            "vote",
            vote,
            NearToken::from_millinear(10).as_yoctonear(),
            MAX_GAS,
        )
        .assert_success();
        let ends = self.proposal(id)["voting_ends_epoch"].as_u64().unwrap();
        self.net.advance_epochs(ends - self.net.epoch_height());
        let eta: u64 = self
            .call("queue", json!({"proposal_id": id}), 0, MAX_GAS)
            .json()
            .unwrap();
        self.net.advance_epochs(eta - self.net.epoch_height());
        id
    }

    fn execute(&mut self, id: u64, gas: Gas) -> ExecutionOutcome {
        self.call("execute", json!({"proposal_id": id}), 0, gas)
    }
}

/// The receipts of `method` on `on`: gas burnt, and whether it failed.
fn receipts_of(out: &ExecutionOutcome, on: &AccountId, method: &str) -> Vec<(Gas, bool)> {
    out.receipts
        .iter()
        .filter(|r| &r.receiver_id == on && !r.is_refund)
        .filter(|r| {
            matches!(r.actions.first(), Some(ActionSummary::FunctionCall { method: m, .. }) if m == method)
        })
        .map(|r| {
            let failed = matches!(r.status, localnet::ReceiptStatus::Failure(_));
            (r.gas_burnt, failed)
        })
        .collect()
}

/// The one receipt of `method` on governance: it ran, did not fail, and
/// burnt less than `budget`. Returns what it burnt.
fn callback_within(out: &ExecutionOutcome, gov: &AccountId, method: &str, budget: Gas) -> Gas {
    let found = receipts_of(out, gov, method);
    assert_eq!(found.len(), 1, "{method} ran once: {:?}", out.status);
    let (burnt, failed) = found[0];
    assert!(
        !failed,
        "{method} failed: {:?}",
        out.receipt_failures().collect::<Vec<_>>()
    );
    assert!(burnt < budget, "{method} burnt {burnt} of its {budget}");
    burnt
}

/// The costs a callback burnt for replies of any length are the same.
fn assert_flat(costs: &[Gas]) {
    let (min, max) = (costs.iter().min().unwrap(), costs.iter().max().unwrap());
    assert!(
        max.as_gas() - min.as_gas() <= FLAT.as_gas(),
        "the cost depends on the reply: {costs:?}"
    );
}

fn reason(out: &ExecutionOutcome) -> String {
    out.events()
        .iter()
        .find(|e| e.event == "proposal_execution_failed")
        .map(|e| e.data["reason"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn a_router_reply_that_is_not_exactly_true_restores_the_proposal() {
    let mut n = setup();
    let id = n.pass_and_queue(set_fee());
    let router = n.router.clone();
    let gov = n.gov.clone();
    let mut costs = vec![];
    for (reply, len) in [
        ("\"applied\"", 0),
        ("", 0),
        ("{\"applied\":true}", 0),
        ("true", LONG_REPLY),
    ] {
        n.answer(&router, reply, len);
        let out = n.execute(id, MAX_GAS);
        let burnt = callback_within(&out, &gov, "on_execute_result", GAS_FOR_ON_EXECUTE_RESULT);
        println!("router answers {reply:?} padded to {len} bytes: on_execute_result burnt {burnt}");
        costs.push(burnt);
        assert!(!out.json::<bool>().unwrap());
        assert_eq!(reason(&out), "router answer unusable");
        assert_eq!(n.state(id), "Queued", "{reply:?}");
    }
    assert_flat(&costs);
    // Once the router answers properly, the retry executes it.
    n.answer(&router, "true", 0);
    let out = n.execute(id, GAS_FOR_EXECUTE);
    out.assert_success();
    assert!(out.json::<bool>().unwrap());
    assert_eq!(n.state(id), "Executed");
}

#[test]
fn a_whitelist_reply_that_is_not_exactly_true_at_execution_restores_the_proposal() {
    let mut n = setup();
    let id = n.pass_and_queue(add_validator());
    let (whitelist, router, gov) = (n.whitelist.clone(), n.router.clone(), n.gov.clone());
    let router_calls = n.callee_calls(&router);
    let mut costs = vec![];
    for (reply, len) in [
        ("{\"whitelisted\":true}", 0),
        ("1", 0),
        ("true", LONG_REPLY),
    ] {
        n.answer(&whitelist, reply, len);
        let out = n.execute(id, MAX_GAS);
        let burnt = callback_within(
            &out,
            &gov,
            "on_execute_whitelisted",
            GAS_FOR_ON_EXECUTE_WHITELISTED,
        );
        println!(
            "whitelist answers {reply:?} padded to {len}: on_execute_whitelisted burnt {burnt}"
        );
        costs.push(burnt);
        assert_eq!(reason(&out), "whitelist answer unusable");
        assert_eq!(n.state(id), "Queued");
    }
    assert_flat(&costs);
    assert_eq!(
        n.callee_calls(&router),
        router_calls,
        "the router was never called"
    );
    n.answer(&whitelist, "true", 0);
    let out = n.execute(id, GAS_FOR_EXECUTE_WITH_WHITELIST);
    out.assert_success();
    assert!(out.json::<bool>().unwrap());
    assert_eq!(n.state(id), "Executed");
    assert_eq!(n.callee_calls(&router), router_calls + 1);
}

#[test]
fn a_whitelist_reply_that_is_not_exactly_true_at_propose_refunds_the_payment() {
    let mut n = setup();
    let (whitelist, gov, alice) = (n.whitelist.clone(), n.gov.clone(), n.alice.clone());
    let mut costs = vec![];
    for (reply, len) in [("1", 0), ("true", LONG_REPLY)] {
        n.answer(&whitelist, reply, len);
        let out = n.propose(add_validator(), MAX_GAS);
        let burnt = callback_within(
            &out,
            &gov,
            "on_proposal_whitelisted",
            GAS_FOR_ON_PROPOSAL_WHITELISTED,
        );
        println!(
            "whitelist answers {reply:?} padded to {len}: on_proposal_whitelisted burnt {burnt}"
        );
        costs.push(burnt);
        assert_eq!(out.json::<Option<u64>>().unwrap(), None);
        let rejected = out
            .events()
            .into_iter()
            .find(|e| e.event == "proposal_rejected");
        assert_eq!(
            rejected.unwrap().data["reason"],
            "whitelist answer unusable"
        );
        // The storage payment goes back: the callback's argument says how
        // much came from the deposit, and a transfer of exactly that
        // follows.
        let paid = out
            .receipts
            .iter()
            .find_map(|r| match r.actions.first() {
                Some(ActionSummary::FunctionCall { method, args, .. })
                    if method == "on_proposal_whitelisted" =>
                {
                    let v: Value = near_sdk::serde_json::from_slice(args).unwrap();
                    Some(
                        v["paid_from_deposit"]
                            .as_str()
                            .unwrap()
                            .parse::<u128>()
                            .unwrap(),
                    )
                }
                _ => None,
            })
            .unwrap();
        assert!(paid > 0);
        let refunded = out.receipts.iter().any(|r| {
            r.predecessor_id == gov
                && r.receiver_id == alice
                && r.actions
                    == vec![ActionSummary::Transfer {
                        deposit: NearToken::from_yoctonear(paid),
                    }]
        });
        assert!(refunded, "the payment of {paid} was not refunded");
    }
    assert_flat(&costs);
    let count: u64 = n.net.view(&gov, "get_proposal_count", json!({})).unwrap();
    assert_eq!(count, 0);
}

#[test]
fn gas_minima_are_enough_on_the_real_runtime() {
    let mut n = setup();
    // Proposing an added validator at exactly its minimum.
    let out = n.propose(add_validator(), GAS_FOR_PROPOSE_WITH_WHITELIST);
    out.assert_success();
    assert_eq!(out.json::<Option<u64>>().unwrap(), Some(0));
    let short = Gas::from_gas(GAS_FOR_PROPOSE_WITH_WHITELIST.as_gas() - 1);
    n.propose(add_validator(), short)
        .assert_failure_contains("E_GAS");
}

/// Alice sends one META to `receiver` with `msg`.
fn transfer_call(n: &mut Net, receiver: &AccountId, msg: &str, gas: Gas) -> ExecutionOutcome {
    let args = json!({"receiver_id": receiver, "amount": ONE_META.to_string(), "msg": msg});
    n.call("ft_transfer_call", args, 1, gas)
}

fn register(n: &mut Net, who: &AccountId) {
    let (minter, gov) = (n.minter.clone(), n.gov.clone());
    n.net
        .call(&minter, &gov, "storage_deposit")
        .args_json(json!({"account_id": who}))
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .transact()
        .assert_success();
}

fn meta_balance(n: &Net, who: &AccountId) -> u128 {
    let v: String = n
        .net
        .view(&n.gov, "ft_balance_of", json!({"account_id": who}))
        .unwrap();
    v.parse().unwrap()
}

#[test]
fn ft_transfer_call_works_at_exactly_the_gas_it_asks_for() {
    let mut n = setup();
    let receiver = n
        .net
        .create_and_deploy("receiver.near", near(10), &wasm("test_ft_receiver"));
    register(&mut n, &receiver);
    let gov = n.gov.clone();
    for msg in ["keep", "refund-all", "refund:1", "garbage", "panic"] {
        // A new block each time, so every transfer writes new checkpoints.
        n.net.advance_blocks(2);
        let out = transfer_call(&mut n, &receiver, msg, GAS_FOR_FT_TRANSFER_CALL);
        out.assert_success();
        let burnt = callback_within(&out, &gov, "ft_resolve_transfer", GAS_FOR_RESOLVE_TRANSFER);
        let own = receipts_of(&out, &gov, "ft_transfer_call")[0].0;
        println!(
            "ft_transfer_call at {GAS_FOR_FT_TRANSFER_CALL}, msg {msg}: burnt {own}, resolve burnt {burnt}"
        );
    }
    let short = Gas::from_gas(GAS_FOR_FT_TRANSFER_CALL.as_gas() - 1);
    transfer_call(&mut n, &receiver, "keep", short).assert_failure_contains("E_GAS");
}

#[test]
fn a_long_reply_of_a_receiver_is_resolved_as_a_refund_at_the_usual_cost() {
    let mut n = setup();
    let receiver = n.router.clone();
    register(&mut n, &receiver);
    let alice = n.alice.clone();
    let before = meta_balance(&n, &alice);
    let gov = n.gov.clone();
    let mut costs = vec![];
    for (reply, len) in [("x", 0), ("\"0\"", LONG_REPLY)] {
        n.answer(&receiver, reply, len);
        n.net.advance_blocks(2);
        let out = transfer_call(&mut n, &receiver, "", MAX_GAS);
        out.assert_success();
        let burnt = callback_within(&out, &gov, "ft_resolve_transfer", GAS_FOR_RESOLVE_TRANSFER);
        println!("receiver answers {reply:?} padded to {len}: ft_resolve_transfer burnt {burnt}");
        costs.push(burnt);
        // Not a U128 within 48 bytes: the standard's rule refunds all.
        assert_eq!(out.json::<String>().unwrap(), "0");
        assert_eq!(meta_balance(&n, &alice), before);
        assert_eq!(meta_balance(&n, &receiver), 0);
    }
    assert_flat(&costs);
}

#[test]
fn the_guardian_may_cancel_its_own_replacement() {
    let mut n = setup();
    let id =
        n.pass_and_queue(json!({"SetGuardian": {"account_id": "new.near", "term_epochs": 10}}));
    let (g, gov) = (n.guardian.clone(), n.gov.clone());
    n.net
        .call(&g, &gov, "cancel")
        .args_json(json!({"proposal_id": id}))
        .deposit(NearToken::from_yoctonear(1))
        .transact()
        .assert_success();
    assert_eq!(n.state(id), "Cancelled");
}
