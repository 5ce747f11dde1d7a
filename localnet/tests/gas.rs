//! Gas: fees from the runtime configuration, burnt gas and tokens per receipt,
//! prepaid gas limits, refunds of unused gas to the signer.

mod common;
use common::*;
use localnet::{ActionCosts, Gas, Localnet, NearToken};
use serde_json::json;

#[test]
fn conversion_burns_the_send_fees_of_the_config() {
    let (mut net, alice, [a, _, _]) = setup();
    let args = br#"{"key":"k","value":"v"}"#.to_vec();
    let out = net.call(&alice, &a, "set").args(args.clone()).transact();
    out.assert_success();
    let fees = &net.runtime_config().fees;
    let byte = fees
        .fee(ActionCosts::function_call_byte)
        .send_fee(false)
        .gas
        .as_gas();
    let expected = fees
        .fee(ActionCosts::new_action_receipt)
        .send_fee(false)
        .gas
        .as_gas()
        + fees
            .fee(ActionCosts::function_call_base)
            .send_fee(false)
            .gas
            .as_gas()
        + byte * ("set".len() + args.len()) as u64;
    assert_eq!(out.transaction.gas_burnt.as_gas(), expected);
    assert_eq!(
        out.transaction.tokens_burnt.as_yoctonear(),
        u128::from(expected) * net.gas_price().as_yoctonear()
    );
}

#[test]
fn a_transfer_receipt_burns_exactly_its_execution_fees() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let bob = net.create_account("bob.near", near(1));
    let out = net.transfer(&alice, &bob, near(1));
    let fees = &net.runtime_config().fees;
    let exec = fees
        .fee(ActionCosts::new_action_receipt)
        .exec_fee()
        .gas
        .as_gas()
        + fees.fee(ActionCosts::transfer).exec_fee().gas.as_gas();
    let receipt = out.receipts_on(&bob).next().unwrap();
    assert_eq!(receipt.gas_burnt.as_gas(), exec);
    assert_eq!(
        receipt.tokens_burnt.as_yoctonear(),
        u128::from(exec) * net.gas_price().as_yoctonear()
    );
    // The signer bought the execution gas at the purchase price and gets the
    // difference to the burn price back.
    let purchase = net
        .gas_price()
        .max(net.runtime_config().min_gas_purchase_price);
    let refund = out.receipts.iter().find(|r| r.is_refund).unwrap();
    let expected = u128::from(exec) * (purchase.as_yoctonear() - net.gas_price().as_yoctonear());
    assert!(matches!(
        refund.actions[0],
        localnet::ActionSummary::Transfer { deposit } if deposit.as_yoctonear() == expected
    ));
}

#[test]
fn total_gas_is_the_sum_over_the_receipts() {
    let (mut net, alice, [a, b, c]) = setup();
    let out = net
        .call(&alice, &a, "relay")
        .args_json(json!({ "path": [b, c] }))
        .gas(Gas::from_tgas(150))
        .transact();
    let sum: u64 = out.transaction.gas_burnt.as_gas()
        + out
            .receipts
            .iter()
            .map(|r| r.gas_burnt.as_gas())
            .sum::<u64>();
    assert_eq!(out.total_gas_burnt().as_gas(), sum);
    let tokens: u128 = out.transaction.tokens_burnt.as_yoctonear()
        + out
            .receipts
            .iter()
            .map(|r| r.tokens_burnt.as_yoctonear())
            .sum::<u128>();
    assert_eq!(out.tokens_burnt().as_yoctonear(), tokens);
    // Refund receipts are free.
    assert!(out
        .receipts
        .iter()
        .filter(|r| r.is_refund)
        .all(|r| r.gas_burnt.as_gas() == 0));
}

#[test]
fn the_signer_pays_exactly_the_burnt_tokens() {
    let (mut net, alice, [a, b, _]) = setup();
    let before: u128 = [&alice, &a, &b]
        .iter()
        .map(|id| net.balance(id).as_yoctonear())
        .sum();
    let out = net
        .call(&alice, &a, "call_then")
        .args_json(
            json!({"target": b, "method": "ping", "args": "", "deposit": "0", "gas_tgas": 20}),
        )
        .gas(Gas::from_tgas(100))
        .transact();
    out.assert_success();
    let after: u128 = [&alice, &a, &b]
        .iter()
        .map(|id| net.balance(id).as_yoctonear())
        .sum();
    assert_eq!(before - after, out.tokens_burnt().as_yoctonear());
    // The unused prepaid gas came back less the refund penalty, if the config has one.
    assert!(out.tokens_burnt() < NearToken::from_millinear(100));
}

#[test]
fn running_out_of_prepaid_gas_fails_the_call() {
    let (mut net, alice, [a, _, _]) = setup();
    let out = net
        .call(&alice, &a, "burn")
        .args_json(json!({ "tgas": 50 }))
        .gas(Gas::from_tgas(10))
        .transact();
    out.assert_failure_contains("Exceeded the prepaid gas");
    let receipt = out.receipts_on(&a).next().unwrap();
    // Everything prepaid was burnt: attached gas plus the receipt's execution fees.
    let fees = &net.runtime_config().fees;
    let args = br#"{"tgas":50}"#.len() + "burn".len();
    let exec = fees
        .fee(ActionCosts::new_action_receipt)
        .exec_fee()
        .gas
        .as_gas()
        + fees
            .fee(ActionCosts::function_call_base)
            .exec_fee()
            .gas
            .as_gas()
        + fees
            .fee(ActionCosts::function_call_byte)
            .exec_fee()
            .gas
            .as_gas()
            * args as u64;
    assert_eq!(
        receipt.gas_burnt.as_gas(),
        Gas::from_tgas(10).as_gas() + exec
    );
}

#[test]
fn a_receipt_cannot_burn_more_than_the_protocol_limit() {
    let (mut net, alice, [a, _, _]) = setup();
    let limit = net.runtime_config().wasm_config.limit_config.max_gas_burnt;
    let tgas = limit.as_gas() / 1_000_000_000_000 + 10;
    let prepaid = net
        .runtime_config()
        .wasm_config
        .limit_config
        .max_total_prepaid_gas
        .as_gas();
    let out = net
        .call(&alice, &a, "burn")
        .args_json(json!({ "tgas": tgas }))
        .gas(Gas::from_gas(prepaid))
        .transact();
    out.assert_failure_contains("Exceeded the maximum amount of gas allowed to burn per contract");
}

#[test]
fn unused_gas_comes_back_at_the_purchase_price_less_the_penalty() {
    let (mut net, alice, [a, _, _]) = setup();
    let attached = Gas::from_tgas(40);
    let out = net.call(&alice, &a, "counter").gas(attached).transact();
    out.assert_success();
    let cfg = net.runtime_config();
    let fees = &cfg.fees;
    let receipt = out.receipts_on(&a).next().unwrap();
    let exec = fees
        .fee(ActionCosts::new_action_receipt)
        .exec_fee()
        .gas
        .as_gas()
        + fees
            .fee(ActionCosts::function_call_base)
            .exec_fee()
            .gas
            .as_gas()
        + fees
            .fee(ActionCosts::function_call_byte)
            .exec_fee()
            .gas
            .as_gas()
            * "counter".len() as u64;
    // No promises: everything used was burnt.
    let gross = attached.as_gas() + exec - receipt.gas_burnt.as_gas();
    let penalty = fees
        .gas_penalty_for_gas_refund(localnet_gas(gross))
        .as_gas();
    let burn = net.gas_price().as_yoctonear();
    let purchase = net
        .gas_price()
        .max(cfg.min_gas_purchase_price)
        .as_yoctonear();
    let expected = u128::from(gross) * purchase - u128::from(penalty) * burn
        + u128::from(receipt.gas_burnt.as_gas()) * (purchase - burn);
    let refund = out.receipts.iter().find(|r| r.is_refund).unwrap();
    assert_eq!(refund.receiver_id, alice);
    assert!(matches!(
        refund.actions[0],
        localnet::ActionSummary::Transfer { deposit } if deposit.as_yoctonear() == expected
    ));
    assert_eq!(
        receipt.tokens_burnt.as_yoctonear(),
        u128::from(receipt.gas_burnt.as_gas()) * burn + u128::from(penalty) * burn
    );
}

fn localnet_gas(gas: u64) -> near_primitives_core::types::Gas {
    near_primitives_core::types::Gas::from_gas(gas)
}
