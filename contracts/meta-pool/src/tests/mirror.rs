//! The router's copy of sNEAR balances (`mirror`) and the core views that
//! read it.

use super::world::*;
use crate::mirror::on_snear_balances;
use meta_common::mirror::{HolderChange, MirrorUpdate, MIRROR_RECORD_BYTES, MIRROR_RECORD_DEPOSIT};
use near_sdk::test_utils::get_created_receipts;
use near_sdk::{env, AccountId};

const ALICE: &str = "alice.near";
const BOB: &str = "bob.near";
const DEP: u128 = MIRROR_RECORD_DEPOSIT.as_yoctonear();

fn notice(
    w: &mut World,
    from: &str,
    deposit: u128,
    block: u64,
    changes: Vec<(&str, HolderChange)>,
) {
    let update = MirrorUpdate {
        block,
        changes: changes.into_iter().map(|(a, c)| (id(a), c)).collect(),
    };
    w.call(from, deposit, |_| on_snear_balances(update));
}

fn register(w: &mut World, who: &str, block: u64) {
    notice(w, SNEAR, DEP, block, vec![(who, HolderChange::Registered)]);
}

fn balance(w: &mut World, who: &str, shares: u128, block: u64) {
    notice(
        w,
        SNEAR,
        0,
        block,
        vec![(who, HolderChange::Balance(shares))],
    );
}

fn staked(w: &World, who: &str) -> u128 {
    w.view().get_account_staked_balance(id(who)).0
}

fn transfers() -> Vec<(AccountId, u128)> {
    get_created_receipts()
        .into_iter()
        .flat_map(|r| {
            let to = r.receiver_id.clone();
            r.actions.into_iter().filter_map(move |a| match a {
                near_sdk::mock::MockAction::Transfer { deposit, .. } => {
                    Some((to.clone(), deposit.as_yoctonear()))
                }
                _ => None,
            })
        })
        .collect()
}

/// What a wallet reads for a liquid staker: the value of its sNEAR, in all
/// four core views, and `unstake` of exactly that amount spends no more
/// shares than it holds.
#[test]
fn the_core_views_show_a_liquid_stakers_snear_at_the_price() {
    let mut w = World::with_validators(2);
    w.donate_reward(near(1) / 3); // an awkward price
    w.deposit(ALICE, near(6));
    let minted = w.stake(ALICE, near(5));
    register(&mut w, ALICE, 10);
    balance(&mut w, ALICE, minted, 10);
    let value = w.c.books.value_of(minted);
    assert!(value > 0 && value < near(5));
    assert_eq!(staked(&w, ALICE), value);
    let v = w.view();
    let unstaked = v.get_account_unstaked_balance(id(ALICE)).0;
    assert_eq!(v.get_account_total_balance(id(ALICE)).0, value + unstaked);
    assert_eq!(v.get_account(id(ALICE)).staked_balance.0, value);
    let page = v.get_accounts(0, 100);
    let row = page.iter().find(|a| a.account_id == id(ALICE)).unwrap();
    assert_eq!(row.staked_balance.0, value);
    assert_eq!(v.get_account_details(id(ALICE)).snear_balance.0, minted);
    // The shares an unstake of that value burns fit in the balance.
    assert!(w.c.books.shares_for_unstake(value).unwrap() <= minted);
    // A holder that only received sNEAR has no router record and still
    // reads its stake.
    register(&mut w, BOB, 11);
    balance(&mut w, BOB, near(1), 11);
    assert_eq!(staked(&w, BOB), w.c.books.value_of(near(1)));
}

#[test]
fn older_notices_and_unknown_holders_change_nothing() {
    let mut w = World::new();
    register(&mut w, ALICE, 10);
    balance(&mut w, ALICE, near(3), 12);
    // A notice from an earlier block lands late: ignored.
    balance(&mut w, ALICE, near(9), 11);
    assert_eq!(
        w.view().get_account_details(id(ALICE)).snear_balance.0,
        near(3)
    );
    // The same block: the later notice wins (receipts arrive in order).
    balance(&mut w, ALICE, near(2), 12);
    assert_eq!(
        w.view().get_account_details(id(ALICE)).snear_balance.0,
        near(2)
    );
    // No record (its registration's notice never came): nothing is written.
    balance(&mut w, BOB, near(4), 12);
    assert_eq!(w.view().get_account_details(id(BOB)).snear_balance.0, 0);
    // A registration without its deposit creates nothing.
    notice(
        &mut w,
        SNEAR,
        DEP - 1,
        13,
        vec![(BOB, HolderChange::Registered)],
    );
    balance(&mut w, BOB, near(4), 13);
    assert_eq!(w.view().get_account_details(id(BOB)).snear_balance.0, 0);
}

#[test]
#[should_panic(expected = "E_NOT_SNEAR")]
fn only_snear_tells_balances() {
    let mut w = World::new();
    notice(
        &mut w,
        ALICE,
        DEP,
        10,
        vec![(ALICE, HolderChange::Registered)],
    );
}

/// The holder side pays the record: its deposit arrives with the
/// registration, and goes back to whoever paid the registration when the
/// holder leaves (kept by the router when the router paid it).
#[test]
fn records_are_paid_by_the_holder_side_and_refunded_at_removal() {
    let mut w = World::new();
    let longest = id(&"a".repeat(64));
    let update = |block, change| MirrorUpdate {
        block,
        changes: vec![(longest.clone(), change)],
    };
    let used = w.call(SNEAR, DEP, |_| {
        let before = env::storage_usage();
        on_snear_balances(update(10, HolderChange::Registered));
        on_snear_balances(update(10, HolderChange::Balance(u128::MAX)));
        env::storage_usage() - before
    });
    assert_eq!(used, MIRROR_RECORD_BYTES);
    let freed = w.call(SNEAR, 0, |_| {
        let before = env::storage_usage();
        on_snear_balances(update(11, HolderChange::Removed { refund_to: id(BOB) }));
        before - env::storage_usage()
    });
    assert_eq!(freed, MIRROR_RECORD_BYTES);
    assert_eq!(transfers(), vec![(id(BOB), DEP)]);
    assert_eq!(staked(&w, longest.as_str()), 0);
    // The router paid this one: its deposit simply stays.
    register(&mut w, ALICE, 12);
    let removed = HolderChange::Removed {
        refund_to: id(ROUTER),
    };
    notice(&mut w, SNEAR, 0, 12, vec![(ALICE, removed)]);
    assert!(transfers().is_empty());
}
