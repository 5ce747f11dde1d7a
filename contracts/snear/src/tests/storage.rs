//! NEP-145 and the measured storage of a holder.

use super::*;
use crate::holder::HOLDER_STORAGE_BYTES;
use meta_common::ext::{GOVERNANCE_MINT_DEPOSIT, SNEAR_REGISTRATION_DEPOSIT};
use meta_common::mirror::{HolderChange, MIRROR_RECORD_DEPOSIT};

fn cost() -> NearToken {
    SNear::registration_cost()
}

#[test]
fn bounds_are_one_holders_storage() {
    deploy();
    let b = view(|c| c.storage_balance_bounds());
    let expected = env::storage_byte_cost()
        .saturating_mul(HOLDER_STORAGE_BYTES.into())
        .saturating_add(MIRROR_RECORD_DEPOSIT);
    assert_eq!(b.min, expected);
    assert_eq!(b.max, Some(expected));
}

/// The router attaches exactly what a registration takes: no less (the
/// mint would fail), no more (it would only travel back as a refund).
#[test]
fn router_registration_deposit_is_the_storage_minimum() {
    deploy();
    let min = view(|c| c.storage_balance_bounds()).min;
    assert_eq!(SNEAR_REGISTRATION_DEPOSIT, min);
}

/// The storage one holder really takes, measured with `env::storage_usage`
/// for the longest account id, registered either way; filling every field
/// of the record (a large balance, accrued META, a claim in flight, on a
/// router-paid record: both flags) takes no more.
#[test]
fn measured_holder_storage_matches_the_constant() {
    deploy();
    push_index(0, 0);
    let longest = "a".repeat(64);
    let before = env::storage_usage();
    Call::by(&longest)
        .deposit(cost())
        .ok(|c| c.storage_deposit(None, None));
    assert_eq!(env::storage_usage() - before, HOLDER_STORAGE_BYTES);
    Call::by(&longest)
        .yocto()
        .ok(|c| c.storage_unregister(None));
    assert_eq!(env::storage_usage(), before);

    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(&longest), U128(u128::MAX / 2), U128(0)));
    let registered = env::storage_usage();
    assert_eq!(registered - before, HOLDER_STORAGE_BYTES);
    push_index(u128::MAX / 4, 1);
    let _ = Call::by(&longest)
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .ok(|c| c.claim_governance_tokens());
    let holder = holder(&longest).unwrap();
    assert!(holder.claiming && holder.router_paid);
    assert!(holder.balance > 0 && holder.reward_index > 0);
    assert_eq!(env::storage_usage(), registered);
}

#[test]
fn deposit_registers_and_refunds_the_excess() {
    deploy();
    let b = Call::by(ALICE)
        .deposit(cost().saturating_add(yocto(5)))
        .ok(|c| c.storage_deposit(None, None));
    assert_eq!((b.total, b.available), (cost(), yocto(0)));
    assert_eq!(transfers(), vec![(id(ALICE), 5)]);
    assert_eq!(
        view(|c| c.storage_balance_of(id(ALICE))).map(|b| b.total),
        Some(cost())
    );
}

#[test]
fn deposit_for_another_account_refunds_the_payer() {
    deploy();
    Call::by(ALICE)
        .deposit(cost().saturating_add(yocto(9)))
        .ok(|c| c.storage_deposit(Some(id(BOB)), Some(true)));
    assert!(view(|c| c.storage_balance_of(id(BOB))).is_some());
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_none());
    assert_eq!(transfers(), vec![(id(ALICE), 9)]);
}

#[test]
fn deposit_of_a_registered_account_is_refunded_whole() {
    deploy();
    register(ALICE);
    let before = snapshot();
    Call::by(ALICE)
        .deposit(cost())
        .ok(|c| c.storage_deposit(None, None));
    assert_eq!(transfers(), vec![(id(ALICE), cost().as_yoctonear())]);
    assert_eq!(snapshot(), before);
}

/// A holder the router registered cannot buy the registration out: its
/// deposit comes straight back and the record stays router-paid, so the
/// router still gets its deposit back at unregistration.
#[test]
fn top_up_of_a_router_paid_holder_is_refunded_and_changes_nothing() {
    deploy();
    mint(ALICE, ONE);
    let before = snapshot();
    for payer in [ALICE, BOB] {
        Call::by(payer)
            .deposit(cost())
            .ok(|c| c.storage_deposit(Some(id(ALICE)), None));
        assert_eq!(transfers(), vec![(id(payer), cost().as_yoctonear())]);
        assert_eq!(snapshot(), before);
    }
    burn(ALICE, ONE);
    Call::by(ALICE).yocto().ok(|c| c.storage_unregister(None));
    assert_eq!(transfers(), vec![(id(ROUTER), record_cost())]);
    assert_eq!(noticed(), removed(ALICE, ROUTER));
}

/// The notice of `who`'s unregistration, its router record's deposit going
/// to `refund_to`.
fn removed(who: &str, refund_to: &str) -> Vec<(AccountId, HolderChange)> {
    vec![(
        id(who),
        HolderChange::Removed {
            refund_to: id(refund_to),
        },
    )]
}

/// What sNEAR itself returns at unregistration: its own record's cost (the
/// router returns the cost of its copy, see `mirror`).
fn record_cost() -> u128 {
    SNear::holder_storage_cost().as_yoctonear()
}

#[test]
fn deposit_below_the_minimum_is_rejected() {
    deploy();
    let short = cost().saturating_sub(yocto(1));
    Call::by(ALICE)
        .deposit(short)
        .err("E_STORAGE_DEPOSIT", |c| c.storage_deposit(None, None));
    Call::by(ALICE).err("E_STORAGE_DEPOSIT", |c| c.storage_deposit(None, None));
}

#[test]
fn new_holder_starts_at_the_current_index() {
    deploy();
    push_index(5 * REWARD_INDEX_SCALE, 1);
    register(ALICE);
    let h = holder(ALICE).unwrap();
    assert_eq!(h.reward_index, 5 * REWARD_INDEX_SCALE);
    assert_eq!(unclaimed(ALICE), 0);
}

#[test]
fn withdraw_returns_the_balance_and_never_pays_out() {
    deploy();
    register(ALICE);
    mint(BOB, ONE);
    for who in [ALICE, BOB] {
        for amount in [None, Some(yocto(0))] {
            let b = Call::by(who).yocto().ok(|c| c.storage_withdraw(amount));
            assert_eq!((b.total, b.available), (cost(), yocto(0)));
            assert!(transfers().is_empty());
        }
    }
}

/// Nothing is above the minimum, so nothing is withdrawable: in particular
/// not the deposit the router paid for a holder.
#[test]
fn withdraw_rejections() {
    deploy();
    register(ALICE);
    mint(BOB, ONE);
    for who in [ALICE, BOB] {
        Call::by(who).err("E_ONE_YOCTO", |c| c.storage_withdraw(None));
        for amount in [yocto(1), cost()] {
            Call::by(who)
                .yocto()
                .err("E_STORAGE_WITHDRAW", |c| c.storage_withdraw(Some(amount)));
        }
    }
    Call::by(CAROL)
        .yocto()
        .err("E_NOT_REGISTERED", |c| c.storage_withdraw(None));
}

#[test]
fn balance_of_an_unknown_account_is_none() {
    deploy();
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_none());
}

#[test]
fn unregister_an_empty_holder_returns_its_deposit() {
    deploy();
    register(ALICE);
    assert!(Call::by(ALICE).yocto().ok(|c| c.storage_unregister(None)));
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_none());
    assert_eq!(transfers(), vec![(id(ALICE), record_cost() + 1)]);
    assert_eq!(noticed(), removed(ALICE, ALICE));
    assert!(events().is_empty());
}

/// NEP-145: a storage balance belongs to the account it was deposited for,
/// whoever paid it, unless the router paid it.
#[test]
fn unregister_returns_a_deposit_made_for_the_holder_to_the_holder() {
    deploy();
    Call::by(CAROL)
        .deposit(cost())
        .ok(|c| c.storage_deposit(Some(id(ALICE)), None));
    assert!(Call::by(ALICE)
        .yocto()
        .ok(|c| c.storage_unregister(Some(true))));
    assert_eq!(transfers(), vec![(id(ALICE), record_cost() + 1)]);
    assert_eq!(noticed(), removed(ALICE, ALICE));
}

/// H2: the deposit the router's `mint` paid goes back to the router, never
/// to the holder (the holder's 1 yoctoNEAR stays with sNEAR).
#[test]
fn unregister_of_a_router_paid_holder_refunds_the_router() {
    deploy();
    mint(ALICE, 5 * ONE);
    burn(ALICE, 5 * ONE);
    for force in [None, Some(true)] {
        assert!(Call::by(ALICE).yocto().ok(|c| c.storage_unregister(force)));
        assert_eq!(transfers(), vec![(id(ROUTER), record_cost())]);
        assert!(holder(ALICE).is_none());
        assert!(events().is_empty());
        mint(ALICE, ONE);
        burn(ALICE, ONE);
    }
}

/// Who paid follows the registration in force: a holder the router
/// registered, unregistered, registers itself and then gets its own deposit
/// back; the next mint's registration is the router's again. Over every
/// cycle the router gets back exactly what it paid.
#[test]
fn who_paid_follows_each_registration() {
    deploy();
    let attached = SNEAR_REGISTRATION_DEPOSIT.as_yoctonear();
    let mut router_net: i128 = 0;
    let to_router = || -> i128 {
        transfers()
            .iter()
            .filter(|(to, _)| *to == id(ROUTER))
            .map(|(_, amount)| *amount as i128)
            .sum()
    };
    for round in 0..2 {
        mint(ALICE, ONE);
        router_net += to_router() - attached as i128;
        assert!(holder(ALICE).unwrap().router_paid, "round {round}");
        burn(ALICE, ONE);
        Call::by(ALICE).yocto().ok(|c| c.storage_unregister(None));
        // The router's copy of the holder went with the registration's
        // notice and comes back to the router when it drops the copy.
        assert_eq!(noticed(), removed(ALICE, ROUTER));
        router_net += to_router() + MIRROR_RECORD_DEPOSIT.as_yoctonear() as i128;
        assert_eq!(router_net, 0, "round {round}");

        register(ALICE);
        assert!(!holder(ALICE).unwrap().router_paid);
        Call::by(ROUTER)
            .deposit(SNEAR_REGISTRATION_DEPOSIT)
            .ok(|c| c.mint(id(ALICE), U128(ONE), U128(0)));
        assert!(!holder(ALICE).unwrap().router_paid);
        burn(ALICE, ONE);
        Call::by(ALICE).yocto().ok(|c| c.storage_unregister(None));
        assert_eq!(transfers(), vec![(id(ALICE), record_cost() + 1)]);
    }
}

#[test]
fn unregister_an_unknown_account_returns_false() {
    deploy();
    let before = snapshot();
    assert!(!Call::by(ALICE)
        .yocto()
        .ok(|c| c.storage_unregister(Some(true))));
    assert_eq!(snapshot(), before);
    assert!(transfers().is_empty());
}

/// H3: `force` never burns. Burning would shrink sNEAR's supply without the
/// router, breaking "router shares = sNEAR supply + lockup + seed".
#[test]
fn unregister_rejections() {
    deploy();
    mint(ALICE, 5 * ONE);
    Call::by(ALICE).err("E_ONE_YOCTO", |c| c.storage_unregister(Some(true)));
    for force in [None, Some(false), Some(true)] {
        Call::by(ALICE)
            .yocto()
            .err("E_POSITIVE_BALANCE", |c| c.storage_unregister(force));
    }
    // One share is enough to refuse, whoever paid the registration.
    register(BOB);
    mint(BOB, 1);
    Call::by(BOB)
        .yocto()
        .err("E_POSITIVE_BALANCE", |c| c.storage_unregister(Some(true)));
    assert_eq!(supply(), 5 * ONE + 1);
}

#[test]
fn unregister_never_drops_accrued_meta() {
    deploy();
    mint(ALICE, 5 * ONE);
    push_index(REWARD_INDEX_SCALE, 1);
    // Accrued but not yet settled: still refused, even with force.
    Call::by(ALICE)
        .yocto()
        .err("E_UNCLAIMED_META", |c| c.storage_unregister(Some(true)));
}

#[test]
fn unregister_is_refused_while_a_claim_is_in_flight() {
    deploy();
    mint(ALICE, 5 * ONE);
    push_index(REWARD_INDEX_SCALE, 1);
    let _ = Call::by(ALICE)
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .ok(|c| c.claim_governance_tokens());
    assert_eq!(unclaimed(ALICE), 0);
    Call::by(ALICE)
        .yocto()
        .err("E_CLAIM_IN_FLIGHT", |c| c.storage_unregister(Some(true)));
}
