//! Proposal bonds: each open proposal locks the proposal threshold of its
//! proposer's META until its vote ends, so the slots of
//! `MAX_OPEN_PROPOSALS` cost whoever fills them the threshold each.

use super::dao::{add_validator, cfg, emission, propose, reply, setup, vote};
use super::*;
use crate::config::MAX_OPEN_PROPOSALS;
use crate::proposal::{Proposal, VoteChoice};
use crate::LockedBalanceView;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn threshold() -> u128 {
    cfg().proposal_threshold.0
}

/// The attack: one threshold of META passed along throwaway accounts, one
/// proposal each in consecutive blocks (each snapshot sees the META where
/// it just arrived), would fill every slot and shut the DAO for a voting
/// period at the price of a few storage deposits. With the bond the
/// META cannot leave its first proposer until that vote ends.
#[test]
fn one_threshold_of_meta_cannot_fill_the_slots_through_throwaway_accounts() {
    let mut t = setup();
    let swarm: Vec<AccountId> = (0..MAX_OPEN_PROPOSALS)
        .map(|i| acc(&format!("throwaway{i}.near")))
        .collect();
    for who in &swarm {
        t.register(who);
    }
    t.mint(&swarm[0], threshold());
    let mut opened = 0;
    for i in 0..swarm.len() {
        propose(&mut t, &swarm[i], emission());
        opened += 1;
        let Some(next) = swarm.get(i + 1) else { break };
        t.next_block();
        t.at(&swarm[i], 1);
        let moved = catch_unwind(AssertUnwindSafe(|| {
            t.c.ft_transfer(next.clone(), U128(threshold()), None)
        }));
        if moved.is_err() {
            break;
        }
    }
    assert_eq!(opened, 1, "one threshold opened {opened} proposals");
    // Everyone else still finds a free slot.
    propose(&mut t, &alice(), emission());
    assert_eq!(t.c.get_snapshot_pins().len(), 2);
}

fn mallory() -> AccountId {
    acc("mallory.near")
}

fn locked(t: &Chain, who: &AccountId) -> LockedBalanceView {
    t.c.get_locked_balance(who.clone())
}

/// Everything a refused call must leave as it was.
fn books(t: &Chain, who: &[AccountId]) -> Vec<(u128, LockedBalanceView, u128)> {
    who.iter()
        .map(|a| (t.balance(a), locked(t, a), t.storage_total(a)))
        .collect()
}

#[test]
fn each_open_proposal_locks_the_threshold_until_its_vote_ends() {
    let mut t = setup();
    t.mint(&mallory(), threshold() * 5 / 2);
    let first = propose(&mut t, &mallory(), emission());
    let ends = t.c.get_proposal(first).unwrap().voting_ends_epoch;
    assert_eq!(
        locked(&t, &mallory()),
        LockedBalanceView {
            locked: U128(threshold()),
            until_epoch: ends
        }
    );
    // The bond votes: the proposer's weight is its whole snapshot balance.
    assert_eq!(
        vote(&mut t, &mallory(), first, VoteChoice::For),
        threshold() * 5 / 2
    );
    // A second bond adds up; the locks lapse together with the last vote.
    t.epochs(1);
    let second = propose(&mut t, &mallory(), emission());
    let last = t.c.get_proposal(second).unwrap().voting_ends_epoch;
    assert_eq!(
        locked(&t, &mallory()),
        LockedBalanceView {
            locked: U128(2 * threshold()),
            until_epoch: last
        }
    );
    // A third needs a third threshold: refused, nothing changes.
    let before = (books(&t, &[mallory()]), t.c.get_proposal_count());
    t.next_block();
    t.at(&mallory(), NearToken::from_millinear(50).as_yoctonear());
    let msg = panics(|| t.c.propose(proposal_json(emission())));
    assert!(msg.contains("E_PROPOSAL_BOND"), "{msg}");
    assert_eq!((books(&t, &[mallory()]), t.c.get_proposal_count()), before);
    // Only the unlocked half threshold can leave.
    let before = books(&t, &[mallory(), alice()]);
    t.next_block();
    t.at(&mallory(), 1);
    let msg = panics(|| t.c.ft_transfer(alice(), U128(threshold()), None));
    assert!(msg.contains("E_META_LOCKED"), "{msg}");
    assert_eq!(books(&t, &[mallory(), alice()]), before);
    t.transfer(&mallory(), &alice(), threshold() / 2);
    assert_eq!(t.balance(&mallory()), 2 * threshold());
    // Still locked in the last epoch of the last vote; free after it.
    t.epochs(last - t.epoch - 1);
    t.next_block();
    t.at(&mallory(), 1);
    let msg = panics(|| t.c.ft_transfer(alice(), U128(1), None));
    assert!(msg.contains("E_META_LOCKED"), "{msg}");
    t.epochs(1);
    assert_eq!(locked(&t, &mallory()).locked, U128(0));
    t.transfer(&mallory(), &alice(), 2 * threshold());
    assert_eq!(t.balance(&mallory()), 0);
}

#[test]
fn a_holder_below_the_threshold_now_cannot_propose_on_its_snapshot_balance() {
    let mut t = setup();
    t.mint(&mallory(), threshold());
    // The META leaves in the block of the proposal: the snapshot (the
    // block before) still shows it, the bond cannot be taken.
    t.next_block();
    t.transfer_same_block(&mallory(), &alice(), 1);
    let before = books(&t, &[mallory()]);
    t.at(&mallory(), NearToken::from_millinear(50).as_yoctonear());
    let msg = panics(|| t.c.propose(proposal_json(emission())));
    assert!(msg.contains("E_PROPOSAL_BOND"), "{msg}");
    assert_eq!(books(&t, &[mallory()]), before);
    assert!(t.c.get_snapshot_pins().is_empty());
}

#[test]
fn a_refused_validator_gives_its_bond_back_and_an_accepted_one_keeps_it() {
    let mut t = setup();
    t.mint(&mallory(), threshold());
    let ask = |t: &mut Chain| {
        t.next_block();
        t.at(&mallory(), NearToken::from_millinear(50).as_yoctonear());
        let _ = t.c.propose(proposal_json(add_validator()));
        let args = calls()[1].2.clone();
        let proposal: Proposal =
            near_sdk::serde_json::from_value(args["proposal"].clone()).unwrap();
        proposal
    };
    let proposal = ask(&mut t);
    assert_eq!(locked(&t, &mallory()).locked, U128(threshold()));
    t.next_block();
    set_callback_env(t.block, t.epoch, reply(b"false"));
    assert_eq!(
        t.c.on_proposal_whitelisted(proposal, U128(0), U128(0)),
        None
    );
    assert_eq!(locked(&t, &mallory()).locked, U128(0));
    t.transfer(&mallory(), &alice(), threshold());
    t.transfer(&alice(), &mallory(), threshold());

    // Accepted an epoch later: the lock lasts until the vote that
    // actually started ends.
    let proposal = ask(&mut t);
    t.epochs(1);
    set_callback_env(t.block, t.epoch, reply(b"true"));
    let id =
        t.c.on_proposal_whitelisted(proposal, U128(0), U128(0))
            .expect("created");
    let ends = t.c.get_proposal(id).unwrap().voting_ends_epoch;
    assert_eq!(ends, t.epoch + cfg().voting_period_epochs);
    assert_eq!(locked(&t, &mallory()).until_epoch, ends);
}

#[test]
fn locked_meta_is_not_burnt_by_a_forced_unregistration() {
    let mut t = setup();
    t.mint(&mallory(), threshold());
    propose(&mut t, &mallory(), emission());
    let before = (books(&t, &[mallory()]), t.c.ft_total_supply());
    t.next_block();
    t.at(&mallory(), 1);
    let msg = panics(|| t.c.storage_unregister(Some(true)));
    assert!(msg.contains("E_META_LOCKED"), "{msg}");
    assert_eq!((books(&t, &[mallory()]), t.c.ft_total_supply()), before);
    t.epochs(cfg().voting_period_epochs);
    t.at(&mallory(), 1);
    assert!(t.c.storage_unregister(Some(true)));
}

/// A receiver that proposes between an `ft_transfer_call` and its resolve
/// keeps its bond: the refund takes only its unlocked META.
#[test]
fn a_refund_leaves_the_receivers_bond_in_place() {
    let mut t = setup();
    t.register(&mallory());
    t.next_block();
    t.at(&alice(), 1);
    let _ =
        t.c.ft_transfer_call(mallory(), U128(threshold()), None, String::new());
    propose(&mut t, &mallory(), emission());
    t.next_block();
    set_callback_env(
        t.block,
        t.epoch,
        reply(format!("\"{}\"", threshold()).as_bytes()),
    );
    let kept =
        t.c.ft_resolve_transfer(alice(), mallory(), U128(threshold()));
    assert_eq!(
        kept,
        U128(threshold()),
        "nothing refunded: all of it is bonded"
    );
    assert_eq!(t.balance(&mallory()), threshold());
}
