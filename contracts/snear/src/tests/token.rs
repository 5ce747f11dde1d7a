//! NEP-141: transfers, transfer-calls and their resolution.

use super::*;
use near_sdk::mock::MockAction;
use near_sdk::PromiseOrValue;

fn alice_and_bob() {
    deploy();
    mint(ALICE, 100 * ONE);
    register(BOB);
}

#[test]
fn transfer_moves_the_balance_and_emits_ft_transfer() {
    alice_and_bob();
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(30 * ONE), Some("rent".into())));
    assert_eq!(balance(ALICE), 70 * ONE);
    assert_eq!(balance(BOB), 30 * ONE);
    assert_eq!(supply(), 100 * ONE);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_transfer",
            "data": [{"old_owner_id": ALICE, "new_owner_id": BOB,
                      "amount": (30 * ONE).to_string(), "memo": "rent"}]
        })]
    );
}

#[test]
fn transfer_of_the_whole_balance_leaves_zero() {
    alice_and_bob();
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(100 * ONE), None));
    assert_eq!(balance(ALICE), 0);
    assert_eq!(balance(BOB), 100 * ONE);
}

#[test]
fn transfer_rejects_a_missing_or_wrong_deposit() {
    alice_and_bob();
    let send = |c: &mut SNear| c.ft_transfer(id(BOB), U128(ONE), None);
    Call::by(ALICE).err("E_ONE_YOCTO", send);
    Call::by(ALICE).deposit(yocto(2)).err("E_ONE_YOCTO", send);
}

#[test]
fn transfer_rejects_bad_amounts_and_accounts() {
    alice_and_bob();
    Call::by(ALICE)
        .yocto()
        .err("E_ZERO_AMOUNT", |c| c.ft_transfer(id(BOB), U128(0), None));
    Call::by(ALICE).yocto().err("E_SELF_TRANSFER", |c| {
        c.ft_transfer(id(ALICE), U128(ONE), None)
    });
    Call::by(ALICE)
        .yocto()
        .err("E_RECEIVER_NOT_REGISTERED", |c| {
            c.ft_transfer(id(CAROL), U128(ONE), None)
        });
    Call::by(CAROL).yocto().err("E_NOT_REGISTERED", |c| {
        c.ft_transfer(id(BOB), U128(ONE), None)
    });
    Call::by(ALICE).yocto().err("E_INSUFFICIENT_BALANCE", |c| {
        c.ft_transfer(id(BOB), U128(100 * ONE + 1), None)
    });
}

#[test]
fn transfer_call_moves_then_calls_the_receiver_and_the_resolver() {
    alice_and_bob();
    let r = Call::by(ALICE)
        .yocto()
        .gas(Gas::from_tgas(100))
        .ok(|c| c.ft_transfer_call(id(BOB), U128(10 * ONE), None, "stake".into()));
    assert!(matches!(r, PromiseOrValue::Promise(_)));
    drop(r); // schedules the promise, as returning it from the call would
    assert_eq!(balance(ALICE), 90 * ONE);
    assert_eq!(balance(BOB), 10 * ONE);
    assert_eq!(events()[0]["event"], "ft_transfer");

    let calls: Vec<(AccountId, String, serde_json::Value, Gas, u64)> = get_created_receipts()
        .into_iter()
        .flat_map(|r| {
            let to = r.receiver_id.clone();
            r.actions.into_iter().filter_map(move |a| match a {
                MockAction::FunctionCallWeight {
                    method_name,
                    args,
                    prepaid_gas,
                    gas_weight,
                    ..
                } if method_name != b"on_snear_balances" => Some((
                    to.clone(),
                    String::from_utf8(method_name).unwrap(),
                    serde_json::from_slice(&args).unwrap(),
                    prepaid_gas,
                    gas_weight.0,
                )),
                _ => None,
            })
        })
        .collect();
    assert_eq!(calls.len(), 2);
    let (to, method, args, _, weight) = &calls[0];
    assert_eq!(
        (to.as_str(), method.as_str(), *weight),
        (BOB, "ft_on_transfer", 1)
    );
    assert_eq!(
        args,
        &serde_json::json!({"sender_id": ALICE, "amount": (10 * ONE).to_string(), "msg": "stake"})
    );
    let (to, method, args, gas, weight) = &calls[1];
    assert_eq!(
        (to.as_str(), method.as_str(), *gas, *weight),
        (
            CONTRACT,
            "ft_resolve_transfer",
            crate::gas::GAS_FOR_RESOLVE_TRANSFER,
            0
        )
    );
    assert_eq!(
        args,
        &serde_json::json!({"sender_id": ALICE, "receiver_id": BOB, "amount": (10 * ONE).to_string()})
    );
}

#[test]
fn transfer_call_rejects_what_transfer_rejects() {
    alice_and_bob();
    let call = |to: &'static str, amount: u128| {
        move |c: &mut SNear| {
            let _ = c.ft_transfer_call(id(to), U128(amount), None, String::new());
        }
    };
    Call::by(ALICE).err("E_ONE_YOCTO", call(BOB, ONE));
    Call::by(ALICE).yocto().err("E_ZERO_AMOUNT", call(BOB, 0));
    Call::by(ALICE)
        .yocto()
        .err("E_SELF_TRANSFER", call(ALICE, ONE));
    Call::by(ALICE)
        .yocto()
        .err("E_RECEIVER_NOT_REGISTERED", call(CAROL, ONE));
    Call::by(ALICE)
        .yocto()
        .err("E_INSUFFICIENT_BALANCE", call(BOB, 101 * ONE));
}

/// Alice sends Bob 10 sNEAR with `ft_transfer_call`; returns after the
/// transfer, before the resolution.
fn transfer_call_in_flight() {
    alice_and_bob();
    Call::by(ALICE).yocto().ok(|c| {
        let _ = c.ft_transfer_call(id(BOB), U128(10 * ONE), None, String::new());
    });
}

fn resolve(result: PromiseResult) -> u128 {
    Call::by(CONTRACT)
        .promise_result(result)
        .ok(|c| c.ft_resolve_transfer(id(ALICE), id(BOB), U128(10 * ONE)))
        .0
}

fn unused(amount: u128) -> PromiseResult {
    PromiseResult::Successful(serde_json::to_vec(&U128(amount)).unwrap())
}

#[test]
fn resolve_keeps_what_the_receiver_used() {
    transfer_call_in_flight();
    assert_eq!(resolve(unused(0)), 10 * ONE);
    assert_eq!((balance(ALICE), balance(BOB)), (90 * ONE, 10 * ONE));
    assert!(events().is_empty());
}

#[test]
fn resolve_refunds_the_unused_part() {
    transfer_call_in_flight();
    assert_eq!(resolve(unused(4 * ONE)), 6 * ONE);
    assert_eq!((balance(ALICE), balance(BOB)), (94 * ONE, 6 * ONE));
    assert_eq!(supply(), 100 * ONE);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_transfer",
            "data": [{"old_owner_id": BOB, "new_owner_id": ALICE,
                      "amount": (4 * ONE).to_string(), "memo": "refund"}]
        })]
    );
}

#[test]
fn resolve_refunds_everything_when_the_receiver_failed() {
    transfer_call_in_flight();
    assert_eq!(resolve(PromiseResult::Failed), 0);
    assert_eq!((balance(ALICE), balance(BOB)), (100 * ONE, 0));
}

#[test]
fn resolve_treats_an_unreadable_answer_as_all_unused() {
    for answer in [&b"\"ten\""[..], b"not json", b"{}", &[b'1'; 200]] {
        transfer_call_in_flight();
        assert_eq!(
            resolve(PromiseResult::Successful(answer.to_vec())),
            0,
            "answer {:?}",
            String::from_utf8_lossy(answer)
        );
        assert_eq!(balance(ALICE), 100 * ONE);
    }
}

#[test]
fn resolve_caps_the_refund_at_the_amount() {
    transfer_call_in_flight();
    assert_eq!(resolve(unused(u128::MAX)), 0);
    assert_eq!((balance(ALICE), balance(BOB)), (100 * ONE, 0));
}

#[test]
fn resolve_caps_the_refund_at_what_the_receiver_still_holds() {
    transfer_call_in_flight();
    // Bob passes 7 of the 10 on before the resolution lands.
    register(CAROL);
    Call::by(BOB)
        .yocto()
        .ok(|c| c.ft_transfer(id(CAROL), U128(7 * ONE), None));
    assert_eq!(resolve(unused(10 * ONE)), 7 * ONE);
    assert_eq!((balance(ALICE), balance(BOB)), (93 * ONE, 0));
}

/// `who` hands its whole balance to Carol and unregisters (a holder with
/// sNEAR cannot).
fn empty_and_unregister(who: &str) {
    register(CAROL);
    let all = balance(who);
    Call::by(who)
        .yocto()
        .ok(|c| c.ft_transfer(id(CAROL), U128(all), None));
    assert!(Call::by(who).yocto().ok(|c| c.storage_unregister(None)));
}

/// Only the router's `burn` may shrink the supply: a refund its sender can
/// no longer take stays with the receiver instead of being burnt.
#[test]
fn resolve_leaves_the_refund_of_a_sender_that_unregistered_with_the_receiver() {
    transfer_call_in_flight();
    empty_and_unregister(ALICE);
    let before = snapshot();
    assert_eq!(resolve(unused(3 * ONE)), 10 * ONE);
    assert_eq!(balance(BOB), 10 * ONE);
    assert_eq!(balance(CAROL), 90 * ONE);
    assert_eq!(supply(), 100 * ONE);
    assert!(events().is_empty());
    assert_eq!(snapshot(), before);
}

#[test]
fn resolve_refunds_nothing_from_a_receiver_that_unregistered() {
    transfer_call_in_flight();
    empty_and_unregister(BOB);
    assert_eq!(resolve(unused(10 * ONE)), 10 * ONE);
    assert_eq!(balance(ALICE), 90 * ONE);
    assert_eq!(balance(CAROL), 10 * ONE);
    assert_eq!(supply(), 100 * ONE);
}

#[test]
fn balance_of_an_unknown_account_is_zero() {
    alice_and_bob();
    assert_eq!(balance(CAROL), 0);
    assert_eq!(balance(BOB), 0);
    assert_eq!(supply(), 100 * ONE);
}

/// A transfer changes no field of the contract state, so the state is not
/// rewritten (the largest saving of the hot path); a mint changes the
/// supply and is.
#[test]
fn transfers_leave_the_contract_state_unwritten() {
    alice_and_bob();
    let rewrote = Call::by(ALICE).yocto().ok(|c| {
        c.ft_transfer(id(BOB), U128(ONE), None);
        c.state_write()
    });
    assert!(!rewrote);
    let rewrote = Call::by(ROUTER).ok(|c| {
        c.mint(id(BOB), U128(ONE), U128(0));
        c.state_write()
    });
    assert!(rewrote);
}
