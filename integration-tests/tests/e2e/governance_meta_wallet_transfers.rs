//! A META holder registered at the storage minimum, the way a wallet
//! leaves it (it sends plain `ft_transfer` and never tops up storage),
//! transfers as often as it likes: its history is bounded and its
//! registration pre-paid it (governance's `ledger` and `storage`).
//!
//! On the in-process chain, governance alone (test callees as router and
//! whitelist, a plain account as minter): a wallet registered at exactly
//! the minimum sends 1,000 `ft_transfer`s and receives some back while five
//! proposals open across them; its storage balance never moves, its
//! history never passes the bound, and every vote weighs exactly the
//! balance the test's own record of the transfers gives for the proposal's
//! snapshot. Once the votes end the history shrinks back, and the closed
//! snapshots are refused (`E_HISTORY_COMPACTED`) rather than answered
//! wrongly. Needs `res/governance.wasm` and `res/test_callee.wasm`.

use governance::{HistoryView, ProposalView, SnapshotPinView};
use integration_tests::suite::wasm;
use localnet::{AccountId, ExecutionOutcome, Gas, Localnet, NearToken};
use meta_common::actions::ONE_META;
use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use near_sdk::json_types::U128;
use serde_json::{json, Value};

const GAS: Gas = Gas::from_tgas(30);
/// What the wallet sends (issue 16: any number works; 1,000 shown).
const TRANSFERS: u128 = 1_000;
/// The registration minimum pre-pays this many checkpoints.
const CHECKPOINT_ALLOWANCE: usize = governance::storage::CHECKPOINT_ALLOWANCE as usize;

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

struct Net {
    net: Localnet,
    gov: AccountId,
    minter: AccountId,
}

impl Net {
    fn call(
        &mut self,
        who: &AccountId,
        method: &str,
        args: Value,
        deposit: NearToken,
    ) -> ExecutionOutcome {
        self.net
            .call(who, &self.gov, method)
            .args_json(args)
            .deposit(deposit)
            .gas(GAS)
            .transact()
    }

    fn view<T: serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> T {
        self.net.view(&self.gov, method, args).unwrap()
    }

    fn mint(&mut self, to: &AccountId, amount: u128) {
        let minter = self.minter.clone();
        let args = json!({"account_id": to, "amount": amount.to_string()});
        self.call(&minter, "mint", args, GOVERNANCE_MINT_DEPOSIT)
            .assert_success();
    }

    fn storage_total(&self, who: &AccountId) -> u128 {
        let b: Value = self.view("storage_balance_of", json!({"account_id": who}));
        b["total"].as_str().unwrap().parse().unwrap()
    }

    fn history(&self, who: &AccountId) -> HistoryView {
        let h: Option<HistoryView> = self.view("get_history", json!({"account_id": who}));
        h.expect("a history")
    }

    fn proposal(&self, id: u64) -> ProposalView {
        let p: Option<ProposalView> = self.view("get_proposal", json!({"proposal_id": id}));
        p.expect("a proposal")
    }

    /// `from` sends `amount` to `to`; returns the block the transfer ran in.
    fn transfer(&mut self, from: &AccountId, to: &AccountId, amount: u128) -> u64 {
        let args = json!({"receiver_id": to, "amount": amount.to_string()});
        let out = self.call(from, "ft_transfer", args, NearToken::from_yoctonear(1));
        out.assert_success();
        self.block_of(&out)
    }

    /// The block governance ran the transaction's call in.
    fn block_of(&self, out: &ExecutionOutcome) -> u64 {
        out.receipts
            .iter()
            .find(|r| r.receiver_id == self.gov && !r.is_refund)
            .expect("a receipt on governance")
            .block_height
    }
}

/// The test's own record of the two holders' balances: (block, wallet,
/// friend) after each transfer it drove.
struct Record(Vec<(u64, u128, u128)>);

impl Record {
    fn push(&mut self, block: u64, wallet: u128, friend: u128) {
        match self.0.last_mut() {
            Some(last) if last.0 == block => *last = (block, wallet, friend),
            _ => self.0.push((block, wallet, friend)),
        }
    }

    /// (wallet, friend) at the end of block `h`.
    fn at(&self, h: u64) -> (u128, u128) {
        self.0
            .iter()
            .rev()
            .find(|r| r.0 <= h)
            .map_or((0, 0), |r| (r.1, r.2))
    }
}

#[test]
fn a_wallet_registered_at_the_minimum_transfers_1000_times_and_votes_stay_exact() {
    let mut net = Localnet::new();
    let minter = net.create_account("snear.near", near(100));
    let dave = net.create_account("dave.near", near(100));
    let wallet = net.create_account("wallet.near", near(10));
    let friend = net.create_account("friend.near", near(10));
    let router = net.create_and_deploy("router.near", near(10), &wasm("test_callee.wasm"));
    let whitelist = net.create_and_deploy("whitelist.near", near(10), &wasm("test_callee.wasm"));
    let gov = net.create_and_deploy("governance.near", near(10), &wasm("governance.wasm"));
    net.call(&gov, &gov, "new")
        .args_json(json!({
            "router_account_id": router,
            "snear_account_id": minter,
            "whitelist_account_id": whitelist,
        }))
        .transact()
        .assert_success();
    let mut n = Net { net, gov, minter };
    let min: Value = n.view("storage_balance_bounds", json!({}));
    let min: u128 = min["min"].as_str().unwrap().parse().unwrap();
    assert_eq!(min, GOVERNANCE_MINT_DEPOSIT.as_yoctonear());

    // Dave proposes (2M META: above the quorum floor). The wallet is
    // registered by its first mint, the friend by storage_deposit, both
    // with exactly the minimum.
    n.mint(&dave, 2_000_000 * ONE_META);
    let start = 10_000 * ONE_META;
    n.mint(&wallet, start);
    let minter = n.minter.clone();
    n.net
        .call(&minter, &n.gov, "storage_deposit")
        .args_json(json!({"account_id": friend}))
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .transact()
        .assert_success();
    assert_eq!(n.storage_total(&wallet), min);
    assert_eq!(n.storage_total(&friend), min);
    let supply = 2_000_000 * ONE_META + start;

    let (mut w, mut f) = (start, 0u128);
    let mut record = Record(vec![]);
    record.push(n.net.block_height(), w, f);
    let mut proposals: Vec<(u64, u64)> = vec![];
    let emission = json!({"Router": {"SetEmission": {"meta_per_epoch": "1000"}}});
    for i in 0..TRANSFERS {
        if i % (TRANSFERS / 5) == 0 {
            let args =
                json!({"proposal": {"description": "open across the transfers", "kind": emission}});
            let out = n.call(&dave, "propose", args, NearToken::from_millinear(50));
            let id = out.json::<Option<u64>>().unwrap().expect("created");
            let p = n.proposal(id);
            assert_eq!(p.snapshot_block, n.block_of(&out) - 1);
            proposals.push((id, p.snapshot_block));
        }
        let amount = (i % 7 + 1) * ONE_META + i;
        let block = n.transfer(&wallet, &friend, amount);
        (w, f) = (w - amount, f + amount);
        record.push(block, w, f);
        if i % 4 == 3 {
            let back = amount / 2;
            let block = n.transfer(&friend, &wallet, back);
            (w, f) = (w + back, f - back);
            record.push(block, w, f);
        }
        assert_eq!(n.storage_total(&wallet), min, "after transfer {i}");
        assert_eq!(n.storage_total(&friend), min, "after transfer {i}");
        let len = n.history(&wallet).checkpoints.len();
        assert!(len <= CHECKPOINT_ALLOWANCE, "{len}");
    }
    let balance: U128 = n.view("ft_balance_of", json!({"account_id": wallet}));
    assert_eq!(balance.0, w);
    let pins: Vec<SnapshotPinView> = n.view("get_snapshot_pins", json!({}));
    assert_eq!(pins.len(), proposals.len());
    // At most a checkpoint per open proposal and the newest two.
    assert!(n.history(&wallet).checkpoints.len() <= proposals.len() + 2);

    // Everyone votes on everything: the weight is the balance at the
    // snapshot, as the test recorded it.
    for (id, snapshot) in &proposals {
        assert_eq!(n.proposal(*id).snapshot_total_supply.0, supply);
        let (ws, fs) = record.at(*snapshot);
        for (who, expected) in [(&wallet, ws), (&friend, fs), (&dave, 2_000_000 * ONE_META)] {
            let args = json!({"proposal_id": id, "choice": "For"});
            let out = n.call(who, "vote", args, NearToken::from_millinear(10));
            if expected == 0 {
                out.assert_failure_contains("E_NO_VOTING_POWER");
                continue;
            }
            let weight: U128 = out.json().expect("the weight");
            assert_eq!(weight.0, expected, "{who} on {id} (snapshot {snapshot})");
        }
        let p = n.proposal(*id);
        assert_eq!(p.for_votes.0, ws + fs + 2_000_000 * ONE_META);
    }
    println!(
        "wallet: {} transfers sent, storage balance {} yoctoNEAR throughout, history of {} checkpoints",
        TRANSFERS,
        min,
        n.history(&wallet).checkpoints.len()
    );

    // The votes end: the snapshots pin nothing, the next transfer shrinks
    // the history back to two, and a dropped snapshot is refused.
    let ends = n.proposal(proposals[4].0).voting_ends_epoch;
    n.net.advance_epochs(ends - n.net.epoch_height());
    let pins: Vec<SnapshotPinView> = n.view("get_snapshot_pins", json!({}));
    assert!(pins.is_empty());
    n.transfer(&wallet, &friend, ONE_META);
    assert_eq!(n.history(&wallet).checkpoints.len(), 2);
    assert_eq!(n.storage_total(&wallet), min);
    let compacted = n.net.view::<U128>(
        &n.gov,
        "get_voting_power_at",
        json!({"account_id": wallet, "block_height": proposals[0].1}),
    );
    let err = compacted
        .expect_err("a dropped snapshot is refused")
        .to_string();
    assert!(err.contains("E_HISTORY_COMPACTED"), "{err}");
}
