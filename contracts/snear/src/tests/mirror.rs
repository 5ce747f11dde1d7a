//! Notices to the router of holders' new balances (`mirror`).

use super::*;
use meta_common::mirror::{HolderChange, GAS_FOR_MIRROR_UPDATE, MIRROR_RECORD_DEPOSIT};

fn bal(who: &str, b: u128) -> (AccountId, HolderChange) {
    (id(who), HolderChange::Balance(b))
}

#[test]
fn a_transfer_tells_the_router_both_new_balances_with_its_own_gas_only() {
    deploy();
    mint(ALICE, 100 * ONE);
    register(BOB);
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(30 * ONE), None));
    let n = notices();
    assert_eq!(n.len(), 1);
    let (update, deposit, gas) = &n[0];
    assert_eq!(
        update.changes,
        vec![bal(ALICE, 70 * ONE), bal(BOB, 30 * ONE)]
    );
    assert_eq!(update.block, env::block_height());
    assert_eq!((*deposit, *gas), (0, GAS_FOR_MIRROR_UPDATE));
}

#[test]
fn registrations_forward_the_routers_record_deposit() {
    deploy();
    register(ALICE);
    let n = notices();
    assert_eq!(n[0].0.changes, vec![(id(ALICE), HolderChange::Registered)]);
    assert_eq!(n[0].1, MIRROR_RECORD_DEPOSIT.as_yoctonear());
    // A mint that registers: the registration, then the balance, one notice.
    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(BOB), U128(5 * ONE), U128(ONE)));
    let n = notices();
    assert_eq!(
        n[0].0.changes,
        vec![(id(BOB), HolderChange::Registered), bal(BOB, 4 * ONE)]
    );
    assert_eq!(n[0].1, MIRROR_RECORD_DEPOSIT.as_yoctonear());
    // The router attaches exactly the registration: nothing comes back.
    assert!(transfers().is_empty());
    // An already registered account: a balance only, no deposit.
    mint(ALICE, 2 * ONE);
    assert_eq!(noticed(), vec![bal(ALICE, 2 * ONE)]);
    assert_eq!(notices()[0].1, 0);
}

#[test]
fn burns_and_refunds_tell_the_new_balances() {
    deploy();
    mint(ALICE, 100 * ONE);
    burn(ALICE, 40 * ONE);
    assert_eq!(noticed(), vec![bal(ALICE, 60 * ONE)]);
    register(BOB);
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(10 * ONE), None));
    // BOB's `ft_on_transfer` used 4 of 10: 6 go back.
    Call::by(CONTRACT)
        .promise_result(PromiseResult::Successful(
            b"\"6000000000000000000000000\"".to_vec(),
        ))
        .ok(|c| c.ft_resolve_transfer(id(ALICE), id(BOB), U128(10 * ONE)));
    assert_eq!(noticed(), vec![bal(BOB, 4 * ONE), bal(ALICE, 56 * ONE)]);
    // Nothing moved: nothing to tell.
    Call::by(CONTRACT)
        .promise_result(PromiseResult::Successful(b"\"0\"".to_vec()))
        .ok(|c| c.ft_resolve_transfer(id(ALICE), id(BOB), U128(ONE)));
    assert!(notices().is_empty());
}

/// A transfer never fails for the notice's sake: with too little gas left
/// to send it, the transfer completes and the notice is skipped.
#[test]
fn a_transfer_short_of_gas_for_the_notice_still_transfers() {
    deploy();
    mint(ALICE, 100 * ONE);
    register(BOB);
    Call::by(ALICE)
        .yocto()
        .gas(Gas::from_ggas(
            crate::mirror::MIN_GAS_TO_NOTIFY.as_ggas() / 2,
        ))
        .ok(|c| c.ft_transfer(id(BOB), U128(ONE), None));
    assert_eq!(balance(BOB), ONE);
    assert!(notices().is_empty());
    let skipped = events();
    assert_eq!(skipped[0]["event"], "mirror_skipped");
    assert_eq!(
        skipped[0]["data"]["accounts"],
        serde_json::json!([ALICE, BOB])
    );
}
