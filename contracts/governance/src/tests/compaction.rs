//! Bounded histories (`ledger`): a holder registered at the minimum
//! transfers for ever, every vote still weighs exactly the balance at its
//! snapshot, and the cap on open proposals that bounds it all.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::checkpoints::{flush, lookup};
use super::dao::{add_validator, cfg, dave, emission, erin, propose, reply};
use super::*;
use crate::config::MAX_OPEN_PROPOSALS;
use crate::ledger::History;
use crate::proposal::{Proposal, VoteChoice};
use crate::storage::{
    account_record_bytes, cost, history_record_bytes, registration_bytes, CHECKPOINT_ALLOWANCE,
};
use near_sdk::env;

fn min() -> u128 {
    STORAGE_DEPOSIT_MIN.as_yoctonear()
}

/// The longest account id NEAR allows: the costliest history.
fn longest() -> AccountId {
    acc(&"w".repeat(64))
}

/// A deterministic pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The chain, plus the test's own account of every balance: each mint,
/// transfer and burn the test drives is applied here too, and a row is kept
/// per block, so the balance at the end of any block is known without
/// asking the contract.
struct Sim {
    t: Chain,
    rng: Rng,
    balances: BTreeMap<AccountId, u128>,
    supply: u128,
    /// (block, balances and supply at its end).
    rows: Vec<(u64, BTreeMap<AccountId, u128>, u128)>,
}

impl Sim {
    fn new(seed: u64) -> Self {
        Self {
            t: Chain::new(),
            rng: Rng(seed),
            balances: BTreeMap::new(),
            supply: 0,
            rows: vec![],
        }
    }

    fn record(&mut self) {
        let row = (self.t.block, self.balances.clone(), self.supply);
        match self.rows.last_mut() {
            Some(last) if last.0 == self.t.block => *last = row,
            _ => self.rows.push(row),
        }
    }

    /// What the test drove says about the end of block `h`.
    fn balance_at(&self, who: &AccountId, h: u64) -> u128 {
        self.rows
            .iter()
            .rev()
            .find(|r| r.0 <= h)
            .map_or(0, |r| r.1.get(who).copied().unwrap_or(0))
    }

    fn supply_at(&self, h: u64) -> u128 {
        self.rows.iter().rev().find(|r| r.0 <= h).map_or(0, |r| r.2)
    }

    fn balance(&self, who: &AccountId) -> u128 {
        self.balances.get(who).copied().unwrap_or(0)
    }

    /// Mints in a new block (registering `to` with exactly the minimum).
    fn mint(&mut self, to: &AccountId, amount: u128) {
        self.t.mint(to, amount);
        *self.balances.entry(to.clone()).or_default() += amount;
        self.supply += amount;
        self.record();
    }

    fn transfer(&mut self, from: &AccountId, to: &AccountId, amount: u128, same_block: bool) {
        if same_block {
            self.t.transfer_same_block(from, to, amount);
        } else {
            self.t.transfer(from, to, amount);
        }
        *self.balances.get_mut(from).unwrap() -= amount;
        *self.balances.entry(to.clone()).or_default() += amount;
        self.record();
    }

    /// Burns `who`'s whole balance by unregistering it, in a new block.
    fn burn_all(&mut self, who: &AccountId) {
        self.t.next_block();
        self.t.at(who, 1);
        assert!(self.t.c.storage_unregister(Some(true)));
        self.supply -= self.balances.insert(who.clone(), 0).unwrap_or(0);
        self.record();
    }

    /// `n` random transfers among `holders`: some in the same block as the
    /// one before, some after skipping blocks.
    fn random_transfers(&mut self, holders: &[AccountId], n: usize) {
        for _ in 0..n {
            let from = &holders[self.rng.below(holders.len() as u64) as usize];
            let to = &holders[self.rng.below(holders.len() as u64) as usize];
            let have = self.balance(from);
            if from == to || have == 0 {
                continue;
            }
            // 1% to 50% of the sender's balance (at least a yocto-META).
            let amount = (have / 100 * (1 + self.rng.below(50)) as u128).max(1);
            self.t.block += self.rng.below(3);
            let same_block = self.rng.below(4) == 0;
            self.transfer(&from.clone(), &to.clone(), amount, same_block);
        }
    }

    /// Dave proposes in a new block; returns the id and the snapshot.
    fn propose(&mut self) -> (u64, u64) {
        let id = propose(&mut self.t, &dave(), emission());
        (id, self.t.block - 1)
    }
}

/// How many bytes `who`'s records take: its account and its history.
fn storage_used(t: &Chain, who: &AccountId) -> u64 {
    let len =
        t.c.get_history(who.clone())
            .map_or(0, |h| h.checkpoints.len() as u64);
    account_record_bytes(who) + history_record_bytes(who, len)
}

fn history_len(t: &Chain, who: &AccountId) -> usize {
    t.c.get_history(who.clone())
        .map_or(0, |h| h.checkpoints.len())
}

#[test]
fn a_holder_registered_at_the_minimum_transfers_for_ever() {
    let mut s = Sim::new(7);
    let (long, bob, carol) = (longest(), bob(), carol());
    // The proposer, and a supply above the quorum floor.
    s.mint(&dave(), 2_000_000 * META);
    // Each holder registered at exactly the minimum: by a mint, or by
    // storage_deposit and then a transfer.
    s.mint(&long, 1_000 * META);
    s.t.register(&bob);
    s.t.register(&carol);
    let holders = [long.clone(), bob.clone(), carol.clone()];
    for who in &holders {
        assert_eq!(s.t.storage_total(who), min());
    }
    let available = s.t.c.storage_balance_of(long.clone()).unwrap().available;
    let mut longest_history = 0;
    let mut transfers = 0;
    for i in 0..260u64 {
        // Proposals open and close meanwhile, so histories grow to their
        // bound and shrink back.
        if i % 8 == 4 && s.t.c.get_snapshot_pins().len() < MAX_OPEN_PROPOSALS {
            s.propose();
        }
        if i % 150 == 149 {
            s.t.epochs(cfg().voting_period_epochs);
        }
        // The long account sends or receives every time, to and from the
        // others.
        let other = &holders[1 + (i % 2) as usize];
        let (from, to) = if i % 4 < 2 {
            (&long, other)
        } else {
            (other, &long)
        };
        let have = s.balance(from);
        if have == 0 {
            continue;
        }
        let amount = (have / 3).max(1);
        s.t.block += i % 3;
        s.transfer(&from.clone(), &to.clone(), amount, i % 7 == 0);
        transfers += 1;
        for who in &holders {
            assert_eq!(s.t.storage_total(who), min(), "{who} after transfer {i}");
            let len = history_len(&s.t, who);
            assert!(len as u64 <= CHECKPOINT_ALLOWANCE, "{who}: {len}");
            assert!(cost(storage_used(&s.t, who)) <= min(), "{who}");
            assert!(storage_used(&s.t, who) <= registration_bytes(who));
            longest_history = longest_history.max(len);
        }
        assert_eq!(
            s.t.c.storage_balance_of(long.clone()).unwrap().available,
            available
        );
    }
    assert!(transfers >= 200, "{transfers}");
    assert_eq!(
        longest_history as u64, CHECKPOINT_ALLOWANCE,
        "the cap's worth of pinned snapshots was reached"
    );
    for who in &holders {
        assert_eq!(s.t.balance(who), s.balance(who));
    }
    // The records are as large as the formula says (so the minimum covers
    // them): the runtime's own count.
    s.t.next_block();
    s.t.at(&long, 0);
    flush(&mut s.t.c);
    let key = |prefix: crate::StorageKey| {
        [
            near_sdk::borsh::to_vec(&prefix).unwrap(),
            near_sdk::borsh::to_vec(&long).unwrap(),
        ]
        .concat()
    };
    let record = |prefix| {
        let k = key(prefix);
        (k.len() + env::storage_read(&k).unwrap().len()) as u64 + 40
    };
    assert_eq!(
        record(crate::StorageKey::Accounts) + record(crate::StorageKey::Histories),
        storage_used(&s.t, &long)
    );
}

/// Opens the cap's worth of proposals at different blocks (two epochs),
/// with holders transferring, receiving mints and burning in between and
/// while the votes run; checks every vote's weight and every snapshot's
/// supply against the test's own account of the balances.
#[test]
fn votes_weigh_exact_snapshot_balances_with_the_cap_open() {
    let mut s = Sim::new(42);
    let holders = [alice(), bob(), carol(), erin(), longest()];
    s.mint(&dave(), 1_500_000 * META);
    for (i, who) in holders.iter().enumerate() {
        s.mint(who, (i as u128 + 1) * 10_000 * META);
    }
    let mut proposals = vec![];
    let mut live = holders.to_vec();
    for k in 0..MAX_OPEN_PROPOSALS {
        s.random_transfers(&live, 6);
        if k % 5 == 2 {
            let to = live[k % live.len()].clone();
            s.mint(&to, 777 * META);
        }
        if k == 6 {
            // The rest of the proposals in the next epoch: they end later.
            s.t.epochs(1);
        }
        if k == 9 {
            // Erin leaves, burning her META: her history stays.
            s.burn_all(&erin());
            live.retain(|h| *h != erin());
        }
        proposals.push(s.propose());
    }
    assert_eq!(s.t.c.get_snapshot_pins().len(), MAX_OPEN_PROPOSALS);
    for (id, snapshot) in &proposals {
        let p = s.t.c.get_proposal(*id).unwrap();
        assert_eq!(p.snapshot_block, *snapshot);
        assert_eq!(p.snapshot_total_supply.0, s.supply_at(*snapshot), "{id}");
    }
    // Each history holds at most a checkpoint per pinned snapshot and the
    // newest two.
    for who in &holders {
        assert!(history_len(&s.t, who) <= MAX_OPEN_PROPOSALS + 2);
    }
    // Everyone votes on everything, in a shuffled order, transferring
    // between votes. Erin votes though unregistered: her snapshot balances.
    let mut ballots: Vec<(usize, AccountId)> = proposals
        .iter()
        .enumerate()
        .flat_map(|(i, _)| holders.iter().map(move |h| (i, h.clone())))
        .collect();
    for i in (1..ballots.len()).rev() {
        let j = s.rng.below(i as u64 + 1) as usize;
        ballots.swap(i, j);
    }
    let active = live;
    let mut cast = 0;
    for (i, who) in ballots {
        let (id, snapshot) = proposals[i];
        if s.rng.below(3) == 0 {
            s.random_transfers(&active, 2);
        }
        let expected = s.balance_at(&who, snapshot);
        s.t.next_block();
        s.t.at(&who, NearToken::from_millinear(10).as_yoctonear());
        let r = catch_unwind(AssertUnwindSafe(|| s.t.c.vote(id, VoteChoice::For).0));
        match r {
            Ok(weight) => {
                assert_eq!(weight, expected, "{who} on {id} (snapshot {snapshot})");
                cast += 1;
            }
            Err(e) => {
                assert_eq!(expected, 0, "{who} on {id}");
                assert!(panic_message(e).contains("E_NO_VOTING_POWER"));
            }
        }
        assert_eq!(s.t.c.get_voting_power_at(who.clone(), snapshot).0, expected);
    }
    assert!(cast >= 60, "{cast}");
    for (id, snapshot) in &proposals {
        let p = s.t.c.get_proposal(*id).unwrap();
        let voters: u128 = holders.iter().map(|h| s.balance_at(h, *snapshot)).sum();
        assert_eq!(p.for_votes.0, voters, "{id}");
        assert_eq!(
            s.t.c.get_total_supply_at(*snapshot).0,
            s.supply_at(*snapshot)
        );
    }

    // The first epoch's proposals close: their snapshots pin nothing, and
    // the next write of each history drops their checkpoints.
    let first_end = s.t.c.get_proposal(0).unwrap().voting_ends_epoch;
    s.t.epochs(first_end - s.t.epoch);
    assert_eq!(s.t.c.get_snapshot_pins().len(), MAX_OPEN_PROPOSALS - 6);
    for who in &active {
        s.mint(who, META);
        assert!(history_len(&s.t, who) <= MAX_OPEN_PROPOSALS - 6 + 2);
    }
    // All close: every history shrinks back to two.
    s.t.epochs(cfg().voting_period_epochs);
    assert!(s.t.c.get_snapshot_pins().is_empty());
    let before: u64 = active.iter().map(|w| storage_used(&s.t, w)).sum();
    for who in &active {
        s.mint(who, META);
        assert_eq!(history_len(&s.t, who), 2, "{who}");
    }
    s.random_transfers(&active, 20);
    for who in &active {
        assert!(history_len(&s.t, who) <= 2);
        assert_eq!(s.t.storage_total(who), min());
        assert_eq!(s.t.balance(who), s.balance(who));
    }
    let after: u64 = active.iter().map(|w| storage_used(&s.t, w)).sum();
    assert!(after < before, "{after} < {before}");
    assert!(s.t.c.get_supply_history().checkpoints.len() <= 2);
    // A closed proposal's snapshot is no longer answered for a history
    // that dropped it (rather than answered wrongly).
    s.t.next_block();
    s.t.at(&alice(), 0);
    let compacted = holders.iter().any(|who| {
        proposals
            .iter()
            .any(|(_, snapshot)| lookup(&s.t, Some(who), *snapshot).is_none())
    });
    assert!(compacted);
    // The proposals' own records keep their tallies and snapshot supply.
    assert_eq!(
        s.t.c.get_proposal(0).unwrap().snapshot_total_supply.0,
        s.supply_at(proposals[0].1)
    );
}

fn fill_the_cap(t: &mut Chain) {
    for _ in 0..MAX_OPEN_PROPOSALS {
        propose(t, &dave(), emission());
    }
}

fn setup() -> Chain {
    let mut t = Chain::new();
    t.mint(&dave(), 2_000_000 * META);
    t.mint(&alice(), 100_000 * META);
    t
}

#[test]
fn the_cap_refuses_one_more_proposal_and_changes_nothing() {
    let mut t = setup();
    fill_the_cap(&mut t);
    let count = t.c.get_proposal_count();
    let pins = t.c.get_snapshot_pins();
    assert_eq!(pins.len(), MAX_OPEN_PROPOSALS);
    let storage = t.storage_total(&dave());
    for kind in [emission(), add_validator()] {
        for deposit in [0, NearToken::from_millinear(50).as_yoctonear()] {
            t.next_block();
            t.at(&dave(), deposit);
            let r = catch_unwind(AssertUnwindSafe(|| {
                t.c.propose(proposal_json(kind.clone()))
            }));
            let msg = panic_message(r.err().expect("refused"));
            assert!(msg.contains("E_TOO_MANY_OPEN_PROPOSALS"), "{msg}");
            assert_eq!(t.c.get_proposal_count(), count);
            assert_eq!(t.c.get_snapshot_pins(), pins);
            assert_eq!(t.storage_total(&dave()), storage);
            assert!(get_created_receipts().is_empty(), "no refund, no call");
            assert!(get_logs().is_empty(), "no event");
        }
    }
    // A slot frees when a vote ends: then one more is accepted.
    t.epochs(cfg().voting_period_epochs);
    assert!(t.c.get_snapshot_pins().is_empty());
    let id = propose(&mut t, &dave(), emission());
    assert_eq!(id, count);
    assert_eq!(t.c.get_snapshot_pins().len(), 1);
}

#[test]
#[should_panic(expected = "E_TOO_MANY_OPEN_PROPOSALS")]
fn a_proposal_past_the_cap_is_refused() {
    let mut t = setup();
    fill_the_cap(&mut t);
    propose(&mut t, &alice(), emission());
}

/// The voting period counts, not the state: a Succeeded or Defeated
/// proposal whose vote is over holds no slot and pins nothing.
#[test]
fn a_proposal_whose_vote_ended_frees_its_slot_whatever_its_state() {
    let mut t = setup();
    let first = propose(&mut t, &dave(), emission());
    t.next_block();
    t.at(&dave(), NearToken::from_millinear(10).as_yoctonear());
    t.c.vote(first, VoteChoice::For);
    for _ in 1..MAX_OPEN_PROPOSALS {
        propose(&mut t, &dave(), emission());
    }
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(
        t.c.get_proposal(first).unwrap().state,
        crate::ProposalState::Succeeded
    );
    assert!(t.c.get_snapshot_pins().is_empty());
    fill_the_cap(&mut t);
    // The succeeded one is still queued and executed as ever.
    t.at(&alice(), 0);
    t.c.queue(first);
}

/// An added validator's proposal pins its snapshot from `propose` on,
/// while the whitelist is asked: holders transferring meanwhile do not
/// change its votes. A refusal frees the slot.
#[test]
fn a_proposal_awaiting_the_whitelist_pins_its_snapshot_and_holds_a_slot() {
    let mut s = Sim::new(3);
    s.mint(&dave(), 2_000_000 * META);
    s.mint(&alice(), 100_000 * META);
    s.mint(&bob(), 50_000 * META);
    let holders = [alice(), bob()];
    let ask = |s: &mut Sim| {
        s.t.next_block();
        s.t.at(&dave(), NearToken::from_millinear(50).as_yoctonear());
        let _ = s.t.c.propose(proposal_json(add_validator()));
        (calls()[1].2.clone(), s.t.block - 1)
    };
    let answer = |s: &mut Sim, args: &Value, result: PromiseResult| {
        let proposal: Proposal =
            near_sdk::serde_json::from_value(args["proposal"].clone()).unwrap();
        s.t.next_block();
        set_callback_env(s.t.block, s.t.epoch, result);
        s.t.c.on_proposal_whitelisted(proposal, U128(0), U128(0))
    };
    let (args, snapshot) = ask(&mut s);
    let pins = s.t.c.get_snapshot_pins();
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].proposal_id, None);
    assert_eq!(pins[0].snapshot_block, snapshot);
    // Many blocks of transfers before the answer.
    s.random_transfers(&holders, 40);
    let id = answer(&mut s, &args, reply(b"true")).expect("created");
    assert_eq!(s.t.c.get_snapshot_pins()[0].proposal_id, Some(id));
    s.random_transfers(&holders, 20);
    for who in &holders {
        let expected = s.balance_at(who, snapshot);
        s.t.next_block();
        s.t.at(who, NearToken::from_millinear(10).as_yoctonear());
        assert_eq!(s.t.c.vote(id, VoteChoice::For).0, expected, "{who}");
    }
    // Pending proposals count toward the cap; a refusal frees the slot.
    for _ in 1..MAX_OPEN_PROPOSALS - 1 {
        s.propose();
    }
    let (args, _) = ask(&mut s);
    assert_eq!(s.t.c.get_snapshot_pins().len(), MAX_OPEN_PROPOSALS);
    s.t.next_block();
    s.t.at(&dave(), NearToken::from_millinear(50).as_yoctonear());
    let r = catch_unwind(AssertUnwindSafe(|| {
        s.t.c.propose(proposal_json(emission()))
    }));
    assert!(panic_message(r.err().unwrap()).contains("E_TOO_MANY_OPEN_PROPOSALS"));
    assert_eq!(answer(&mut s, &args, reply(b"false")), None);
    assert_eq!(s.t.c.get_snapshot_pins().len(), MAX_OPEN_PROPOSALS - 1);
    s.propose();
    assert_eq!(s.t.c.get_snapshot_pins().len(), MAX_OPEN_PROPOSALS);
}

/// An answer that comes after the pending pin lapsed (a whole voting
/// period: never on a live chain) creates nothing, since histories may have
/// dropped the snapshot's checkpoints meanwhile.
#[test]
fn a_whitelist_answer_after_the_pin_lapsed_creates_nothing() {
    let mut t = setup();
    t.next_block();
    t.at(&dave(), NearToken::from_millinear(50).as_yoctonear());
    let _ = t.c.propose(proposal_json(add_validator()));
    let args = calls()[1].2.clone();
    t.epochs(cfg().voting_period_epochs);
    let proposal: Proposal = near_sdk::serde_json::from_value(args["proposal"].clone()).unwrap();
    t.next_block();
    set_callback_env(t.block, t.epoch, reply(b"true"));
    let paid: U128 = near_sdk::serde_json::from_value(args["paid_from_deposit"].clone()).unwrap();
    assert_eq!(t.c.on_proposal_whitelisted(proposal, paid, U128(0)), None);
    assert_eq!(t.c.get_proposal_count(), 0);
    assert_eq!(
        events()[0]["data"]["reason"],
        "the snapshot's pin lapsed before the whitelist answered"
    );
    assert_eq!(transfers(), vec![(dave(), paid.0)]);
}

#[test]
fn the_supply_history_is_bounded_too() {
    let mut t = setup();
    for _ in 0..50 {
        t.mint(&alice(), META);
    }
    let h = t.c.get_supply_history();
    assert_eq!(h.checkpoints.len(), 2);
    assert_eq!(h.checkpoints[1].balance.0, t.c.ft_total_supply().0);
    fill_the_cap(&mut t);
    for _ in 0..50 {
        t.mint(&alice(), META);
    }
    assert!(t.c.get_supply_history().checkpoints.len() as u64 <= CHECKPOINT_ALLOWANCE);
    t.epochs(cfg().voting_period_epochs);
    t.mint(&alice(), META);
    assert_eq!(t.c.get_supply_history().checkpoints.len(), 2);
}

/// `History` against a history that keeps everything: random writes, pins
/// added at the previous block and lapsing at random; after every write
/// the history holds at most the pins and two, answers every pinned
/// snapshot and every block from `exact_from` on exactly.
#[test]
fn compaction_keeps_every_answer_that_can_be_asked() {
    for seed in 0..40 {
        let mut rng = Rng(seed);
        let mut h = History::default();
        let mut full: Vec<(u64, u128)> = vec![];
        let mut pins: Vec<u64> = vec![];
        let mut block = 10;
        let truth = |full: &[(u64, u128)], at: u64| {
            full.iter().rev().find(|c| c.0 <= at).map_or(0, |c| c.1)
        };
        for _ in 0..300 {
            block += rng.below(4);
            if rng.below(5) == 0 && pins.len() < MAX_OPEN_PROPOSALS {
                pins.push(block - 1);
            }
            if rng.below(7) == 0 && !pins.is_empty() {
                let i = rng.below(pins.len() as u64) as usize;
                pins.remove(i);
            }
            let balance = rng.below(1_000) as u128;
            h.write(block, balance, &pins);
            match full.last_mut() {
                Some(last) if last.0 == block => last.1 = balance,
                _ => full.push((block, balance)),
            }
            assert!(h.checkpoints.len() <= pins.len() + 2);
            assert!(h.checkpoints.windows(2).all(|w| w[0].block < w[1].block));
            assert!(h.exact_from < block.max(1));
            for p in &pins {
                assert_eq!(h.at(*p), truth(&full, *p), "seed {seed} pin {p}");
                assert!(h.is_exact_at(*p, pins.iter().copied()));
            }
            for at in h.exact_from..=block + 2 {
                assert_eq!(h.at(at), truth(&full, at), "seed {seed} at {at}");
            }
            for at in 0..h.exact_from {
                if !pins.contains(&at) {
                    assert!(!h.is_exact_at(at, pins.iter().copied()));
                }
            }
        }
    }
}
