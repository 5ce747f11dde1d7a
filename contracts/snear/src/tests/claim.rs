//! Governance-token claims and their callback.

use super::*;
use crate::gas::{GAS_FOR_CLAIM_CALLBACK, MIN_GAS_FOR_CLAIM};
use meta_common::ext::{GAS_FOR_GOVERNANCE_MINT, GOVERNANCE_MINT_DEPOSIT};
use near_sdk::mock::MockAction;
use near_sdk::PromiseOrValue;

const S: u128 = REWARD_INDEX_SCALE;

/// Alice holds 8 sNEAR while the index moves by a quarter of its scale;
/// returns what she accrued.
fn alice_with_accrual() -> u128 {
    deploy();
    mint(ALICE, 8 * ONE);
    push_index(S / 4, 1);
    let accrued = unclaimed(ALICE);
    assert_eq!(accrued, 8 * ONE / 4);
    accrued
}

/// Alice claims; the call must hand back a promise, which is scheduled as
/// the runtime would when the call returns it.
fn claim(deposit: NearToken) {
    Call::by(ALICE)
        .deposit(deposit)
        .ok(|c| match c.claim_governance_tokens() {
            PromiseOrValue::Promise(p) => drop(p),
            PromiseOrValue::Value(v) => panic!("claim returned a value {v:?}"),
        })
}

fn callback(amount: u128, deposit: NearToken, result: PromiseResult) -> u128 {
    callback_with(amount, deposit, result, NearToken::from_near(10))
}

/// Runs the callback the way the generated wrapper does: the
/// `#[callback_result(max_bytes = 0)]` argument is read from the promise
/// result with the same bound.
fn callback_with(
    amount: u128,
    deposit: NearToken,
    result: PromiseResult,
    balance: NearToken,
) -> u128 {
    Call::by(CONTRACT)
        .balance(balance)
        .promise_result(result)
        .ok(|c| {
            let minted = env::promise_result_checked(0, 0).map(|_| ());
            c.on_governance_mint(
                id(ALICE),
                U128(amount),
                U128(deposit.as_yoctonear()),
                minted,
            )
        })
        .0
}

#[test]
fn claim_takes_the_accrual_and_calls_the_governance_mint() {
    let accrued = alice_with_accrual();
    let deposit = GOVERNANCE_MINT_DEPOSIT.saturating_add(yocto(3));
    claim(deposit);
    assert_eq!(unclaimed(ALICE), 0);
    assert!(holder(ALICE).unwrap().claiming);

    let receipts = get_created_receipts();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0].receiver_id, id(GOVERNANCE));
    match &receipts[0].actions[0] {
        MockAction::FunctionCallWeight {
            method_name,
            args,
            attached_deposit,
            prepaid_gas,
            ..
        } => {
            assert_eq!(method_name, b"mint");
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(args).unwrap(),
                serde_json::json!({"account_id": ALICE, "amount": accrued.to_string()})
            );
            assert_eq!(*attached_deposit, deposit);
            assert_eq!(*prepaid_gas, GAS_FOR_GOVERNANCE_MINT);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(receipts[1].receiver_id, id(CONTRACT));
    match &receipts[1].actions[0] {
        MockAction::FunctionCallWeight {
            method_name,
            args,
            prepaid_gas,
            ..
        } => {
            assert_eq!(method_name, b"on_governance_mint");
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(args).unwrap(),
                serde_json::json!({"account_id": ALICE, "amount": accrued.to_string(),
                                   "deposit": deposit.as_yoctonear().to_string()})
            );
            assert_eq!(*prepaid_gas, GAS_FOR_CLAIM_CALLBACK);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn claim_rejections_change_nothing() {
    let _ = alice_with_accrual();
    let claim_by = |who: &str| Call::by(who).deposit(GOVERNANCE_MINT_DEPOSIT);
    claim_by(ALICE)
        .gas(MIN_GAS_FOR_CLAIM.saturating_sub(Gas::from_gas(1)))
        .err("E_NOT_ENOUGH_GAS", |c| {
            let _ = c.claim_governance_tokens();
        });
    Call::by(ALICE)
        .deposit(GOVERNANCE_MINT_DEPOSIT.saturating_sub(yocto(1)))
        .err("E_CLAIM_DEPOSIT", |c| {
            let _ = c.claim_governance_tokens();
        });
    claim_by(BOB).err("E_NOT_REGISTERED", |c| {
        let _ = c.claim_governance_tokens();
    });
    register(BOB);
    claim_by(BOB).err("E_NOTHING_TO_CLAIM", |c| {
        let _ = c.claim_governance_tokens();
    });
    claim(GOVERNANCE_MINT_DEPOSIT);
    // Even with new accrual, one claim at a time.
    push_index(S / 2, 2);
    assert!(unclaimed(ALICE) > 0);
    claim_by(ALICE).err("E_CLAIM_IN_FLIGHT", |c| {
        let _ = c.claim_governance_tokens();
    });
}

#[test]
fn successful_mint_clears_the_claim_and_emits_claimed() {
    let accrued = alice_with_accrual();
    claim(GOVERNANCE_MINT_DEPOSIT);
    assert_eq!(
        callback(accrued, yocto(0), PromiseResult::Successful(vec![])),
        accrued
    );
    assert_eq!(unclaimed(ALICE), 0);
    assert!(!holder(ALICE).unwrap().claiming);
    assert!(transfers().is_empty());
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "snear", "version": "1.0.0", "event": "governance_tokens_claimed",
            "data": {"account_id": ALICE, "amount": accrued.to_string()}
        })]
    );
    // The next claim is possible once more META accrues.
    push_index(S / 2, 2);
    claim(GOVERNANCE_MINT_DEPOSIT);
    assert_eq!(unclaimed(ALICE), 0);
}

#[test]
fn a_mint_that_returns_a_value_still_counts_as_success() {
    let accrued = alice_with_accrual();
    claim(GOVERNANCE_MINT_DEPOSIT);
    let minted = callback_with(
        accrued,
        yocto(0),
        PromiseResult::Successful(b"\"12345\"".to_vec()),
        NearToken::from_near(10),
    );
    assert_eq!(minted, accrued);
    assert_eq!(unclaimed(ALICE), 0);
    assert!(!holder(ALICE).unwrap().claiming);
}

#[test]
fn failed_mint_restores_the_accrual_and_returns_the_deposit() {
    let accrued = alice_with_accrual();
    let deposit = GOVERNANCE_MINT_DEPOSIT.saturating_add(yocto(3));
    claim(deposit);
    // Accrual continues while the claim is in flight.
    push_index(S / 4 + S / 8, 2);
    let since = unclaimed(ALICE);
    assert_eq!(since, 8 * ONE / 8);
    let minted = callback_with(
        accrued,
        deposit,
        PromiseResult::Failed,
        NearToken::from_near(10),
    );
    assert_eq!(minted, 0);
    assert_eq!(unclaimed(ALICE), accrued + since);
    assert!(!holder(ALICE).unwrap().claiming);
    assert_eq!(transfers(), vec![(id(ALICE), deposit.as_yoctonear())]);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "snear", "version": "1.0.0", "event": "governance_claim_failed",
            "data": {"account_id": ALICE, "amount": accrued.to_string(),
                     "refunded_deposit": deposit.as_yoctonear().to_string()}
        })]
    );
    // And it can be claimed again.
    claim(GOVERNANCE_MINT_DEPOSIT);
    assert_eq!(unclaimed(ALICE), 0);
}

#[test]
fn failed_mint_keeps_the_deposit_when_the_contract_cannot_pay_it() {
    let accrued = alice_with_accrual();
    let deposit = GOVERNANCE_MINT_DEPOSIT.saturating_add(yocto(3));
    claim(deposit);
    // Only the storage stake is on the account: the refund of the failed
    // mint has not landed yet.
    let stake = env::storage_byte_cost().saturating_mul(env::storage_usage().into());
    let minted = callback_with(accrued, deposit, PromiseResult::Failed, stake);
    assert_eq!(minted, 0);
    assert_eq!(unclaimed(ALICE), accrued);
    assert!(transfers().is_empty());
    assert_eq!(events()[0]["data"]["refunded_deposit"], "0");
}

#[test]
fn callback_for_a_vanished_account_does_not_panic() {
    deploy();
    let minted = callback_with(5, yocto(0), PromiseResult::Failed, NearToken::from_near(10));
    assert_eq!(minted, 0);
    assert_eq!(events()[0]["event"], "governance_claim_failed");
    assert_eq!(callback(5, yocto(0), PromiseResult::Successful(vec![])), 5);
}
