//! NEP-145 and the measured storage of a holder.

use super::*;
use crate::holder::HOLDER_STORAGE_BYTES;
use meta_common::ext::{GOVERNANCE_MINT_DEPOSIT, SNEAR_REGISTRATION_DEPOSIT};

fn cost() -> NearToken {
    SNear::holder_storage_cost()
}

#[test]
fn bounds_are_one_holders_storage() {
    deploy();
    let b = view(|c| c.storage_balance_bounds());
    let expected = env::storage_byte_cost().saturating_mul(HOLDER_STORAGE_BYTES.into());
    assert_eq!(b.min, expected);
    assert_eq!(b.max, Some(expected));
}

#[test]
fn router_registration_deposit_covers_the_bounds() {
    deploy();
    let min = view(|c| c.storage_balance_bounds()).min;
    assert!(
        SNEAR_REGISTRATION_DEPOSIT >= min,
        "SNEAR_REGISTRATION_DEPOSIT {SNEAR_REGISTRATION_DEPOSIT} < storage min {min}"
    );
}

/// The storage one holder really takes, measured with `env::storage_usage`
/// for the longest account id; filling every field of the record (a large
/// balance, accrued META, a claim in flight) takes no more.
#[test]
fn measured_holder_storage_matches_the_constant() {
    deploy();
    push_index(0, 0);
    let longest = "a".repeat(64);
    let before = env::storage_usage();
    Call::by(&longest)
        .deposit(cost())
        .ok(|c| c.storage_deposit(None, None));
    let registered = env::storage_usage();
    assert_eq!(registered - before, HOLDER_STORAGE_BYTES);

    Call::by(ROUTER).ok(|c| c.mint(id(&longest), U128(u128::MAX / 2)));
    push_index(u128::MAX / 4, 1);
    let _ = Call::by(&longest)
        .deposit(GOVERNANCE_MINT_DEPOSIT)
        .ok(|c| c.claim_governance_tokens());
    let holder = holder(&longest).unwrap();
    assert!(holder.claiming && holder.balance > 0 && holder.reward_index > 0);
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
    for amount in [None, Some(yocto(0))] {
        let b = Call::by(ALICE).yocto().ok(|c| c.storage_withdraw(amount));
        assert_eq!((b.total, b.available), (cost(), yocto(0)));
        assert!(transfers().is_empty());
    }
}

#[test]
fn withdraw_rejections() {
    deploy();
    register(ALICE);
    Call::by(ALICE).err("E_ONE_YOCTO", |c| c.storage_withdraw(None));
    Call::by(ALICE)
        .yocto()
        .err("E_STORAGE_WITHDRAW", |c| c.storage_withdraw(Some(yocto(1))));
    Call::by(BOB)
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
    assert_eq!(transfers(), vec![(id(ALICE), cost().as_yoctonear() + 1)]);
    assert!(events().is_empty());
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

#[test]
fn unregister_with_force_burns_the_balance() {
    deploy();
    mint(ALICE, 5 * ONE);
    mint(BOB, 2 * ONE);
    assert!(Call::by(ALICE)
        .yocto()
        .ok(|c| c.storage_unregister(Some(true))));
    assert_eq!(supply(), 2 * ONE);
    assert_eq!(balance(ALICE), 0);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_burn",
            "data": [{"owner_id": ALICE, "amount": (5 * ONE).to_string(),
                      "memo": "storage_unregister"}]
        })]
    );
}

#[test]
fn unregister_rejections() {
    deploy();
    mint(ALICE, 5 * ONE);
    Call::by(ALICE).err("E_ONE_YOCTO", |c| c.storage_unregister(Some(true)));
    Call::by(ALICE)
        .yocto()
        .err("E_POSITIVE_BALANCE", |c| c.storage_unregister(None));
    Call::by(ALICE)
        .yocto()
        .err("E_POSITIVE_BALANCE", |c| c.storage_unregister(Some(false)));
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
