//! Accounts, keys, transfers, deployment and deletion; invalid transactions.

mod common;
use common::*;
use localnet::errors::{ActionErrorKind, InvalidAccessKeyError, InvalidTxError};
use localnet::{derive_public_key, AccountId, Gas, Localnet, NearToken, TxExecutionError};

fn total_balance(net: &Localnet, ids: &[&AccountId]) -> u128 {
    ids.iter()
        .filter_map(|id| net.account(id))
        .map(|a| a.amount.as_yoctonear() + a.locked.as_yoctonear())
        .sum()
}

#[test]
fn created_account_pays_for_one_full_access_key() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let cfg = net.runtime_config().fees.storage_usage_config.clone();
    let pk = derive_public_key(&alice);
    let key_bytes = borsh::object_length(&pk).unwrap() as u64 + 8 + 1; // nonce + FullAccess tag
    let account = net.account(&alice).unwrap();
    assert_eq!(
        account.storage_usage,
        cfg.num_bytes_account + key_bytes + cfg.num_extra_bytes_record
    );
    assert_eq!(account.amount, near(10));
    assert_eq!(account.locked, NearToken::ZERO);
    assert_eq!(account.code_hash, None);
}

#[test]
#[should_panic(expected = "already exists")]
fn creating_an_existing_account_panics() {
    let mut net = Localnet::new();
    net.create_account("alice.near", near(1));
    net.create_account("alice.near", near(1));
}

#[test]
fn transfer_moves_exactly_the_amount_and_burns_the_fees() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let bob = net.create_account("bob.near", near(1));
    let before = total_balance(&net, &[&alice, &bob]);
    let out = net.transfer(&alice, &bob, near(3));
    out.assert_success();
    assert_eq!(net.balance(&bob), near(4));
    // Nothing is created or lost: the sum of balances drops by what was burnt.
    let after = total_balance(&net, &[&alice, &bob]);
    assert_eq!(before - after, out.tokens_burnt().as_yoctonear());
    assert!(out.tokens_burnt() > NearToken::ZERO);
    // Conversion in one block, the transfer in the next, the refund after it.
    let transfer = out.receipts_on(&bob).next().unwrap();
    assert_eq!(transfer.block_height, out.transaction.block_height + 1);
}

#[test]
fn subaccount_is_created_by_its_parent_only() {
    let mut net = Localnet::new();
    let root = net.create_account("root.near", near(50));
    let other = net.create_account("other.near", near(50));
    let sub = net.create_subaccount(&root, "sub", near(5));
    assert_eq!(sub.as_str(), "sub.root.near");
    assert_eq!(net.balance(&sub), near(5));
    // The new account can sign with its derived key.
    net.transfer(&sub, &root, near(1)).assert_success();

    let id: AccountId = "x.root.near".parse().unwrap();
    let out = net
        .batch(&other, &id)
        .create_account()
        .transfer(near(1))
        .transact();
    match out.failure().unwrap() {
        TxExecutionError::ActionError(e) => assert_eq!(
            e.kind,
            ActionErrorKind::CreateAccountNotAllowed {
                account_id: id.clone(),
                predecessor_id: other.clone()
            }
        ),
        e => panic!("unexpected {e:?}"),
    }
    assert!(net.account(&id).is_none());
    // The attached deposit came back to the predecessor.
    assert!(out
        .receipts
        .iter()
        .any(|r| r.is_refund && r.receiver_id == other));
}

#[test]
fn transfer_to_a_missing_account_fails_and_refunds() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let ghost: AccountId = "ghost.near".parse().unwrap();
    let before = net.balance(&alice);
    let out = net.transfer(&alice, &ghost, near(3));
    out.assert_failure_contains("doesn't exist");
    // Only the burnt fees are gone.
    assert_eq!(
        before.as_yoctonear() - net.balance(&alice).as_yoctonear(),
        out.tokens_burnt().as_yoctonear()
    );
}

#[test]
fn delete_account_sends_the_rest_to_the_beneficiary() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(10));
    let bob = net.create_account("bob.near", near(1));
    let before = total_balance(&net, &[&alice, &bob]);
    let out = net.batch(&alice, &alice).delete_account(&bob).transact();
    out.assert_success();
    assert!(net.account(&alice).is_none());
    // The gas refund is addressed to the deleted signer: it fails and its amount
    // is burnt, as on chain.
    let lost: u128 = out
        .receipt_failures()
        .filter(|r| r.is_refund && r.receiver_id == alice)
        .map(|r| match &r.actions[0] {
            localnet::ActionSummary::Transfer { deposit } => deposit.as_yoctonear(),
            a => panic!("unexpected {a:?}"),
        })
        .sum();
    assert!(lost > 0);
    let after = total_balance(&net, &[&bob]);
    assert_eq!(before - after, out.tokens_burnt().as_yoctonear() + lost);
}

#[test]
fn deploy_sets_code_and_charges_its_storage() {
    let mut net = Localnet::new();
    let a = net.create_account("a.near", near(10));
    let usage = net.account(&a).unwrap().storage_usage;
    net.deploy(&a, probe_wasm()).assert_success();
    let account = net.account(&a).unwrap();
    assert_eq!(account.storage_usage, usage + probe_wasm().len() as u64);
    assert_eq!(
        account.code_hash,
        Some(localnet::CryptoHash::hash_bytes(probe_wasm()))
    );
}

#[test]
fn deploy_and_init_in_one_batch() {
    let mut net = Localnet::new();
    let root = net.create_account("root.near", near(50));
    let id: AccountId = "p.root.near".parse().unwrap();
    net.batch(&root, &id)
        .create_account()
        .transfer(near(10))
        .deploy(probe_wasm().to_vec())
        .call_json(
            "new",
            serde_json::json!({}),
            NearToken::ZERO,
            Gas::from_tgas(20),
        )
        .transact()
        .assert_success();
    let count: u64 = net.view(&id, "counter", serde_json::json!({})).unwrap();
    assert_eq!(count, 0);
}

#[test]
fn invalid_transactions_are_rejected_without_receipts() {
    let mut net = Localnet::new();
    let alice = net.create_account("alice.near", near(1));
    let bob = net.create_account("bob.near", near(1));
    let out = net.transfer(&alice, &bob, near(5));
    assert!(out.receipts.is_empty());
    match out.failure().unwrap() {
        TxExecutionError::InvalidTxError(InvalidTxError::NotEnoughBalance {
            signer_id, ..
        }) => {
            assert_eq!(signer_id, &alice)
        }
        e => panic!("unexpected {e:?}"),
    }
    assert_eq!(net.balance(&alice), near(1));

    let ghost: AccountId = "ghost.near".parse().unwrap();
    let out = net.transfer(&ghost, &bob, near(1));
    assert!(matches!(
        out.failure(),
        Some(TxExecutionError::InvalidTxError(
            InvalidTxError::SignerDoesNotExist { .. }
        ))
    ));

    let limit = net
        .runtime_config()
        .wasm_config
        .limit_config
        .max_total_prepaid_gas;
    let out = net
        .call(&alice, &bob, "x")
        .gas(Gas::from_gas(limit.as_gas() + 1))
        .transact();
    out.assert_failure_contains("exceeds the limit");
}

#[test]
fn function_call_keys_are_limited_to_their_receiver_and_methods() {
    let (mut net, alice, [a, b, _]) = setup();
    let key = derive_public_key(&"alice-app".parse().unwrap());
    net.batch(&alice, &alice)
        .add_function_call_key(key.clone(), &a, vec!["ping".into()], Some(near(1)))
        .transact()
        .assert_success();
    net.call(&alice, &a, "ping")
        .signer_key(key.clone())
        .transact()
        .assert_success();
    let out = net
        .call(&alice, &b, "ping")
        .signer_key(key.clone())
        .transact();
    assert!(matches!(
        out.failure(),
        Some(TxExecutionError::InvalidTxError(
            InvalidTxError::InvalidAccessKeyError(InvalidAccessKeyError::ReceiverMismatch { .. })
        ))
    ));
    let out = net
        .call(&alice, &a, "counter")
        .signer_key(key.clone())
        .transact();
    assert!(matches!(
        out.failure(),
        Some(TxExecutionError::InvalidTxError(
            InvalidTxError::InvalidAccessKeyError(InvalidAccessKeyError::MethodNameMismatch { .. })
        ))
    ));
    // Deleting the key removes it and gives its storage back.
    let usage = net.account(&alice).unwrap().storage_usage;
    net.batch(&alice, &alice)
        .delete_key(key.clone())
        .transact()
        .assert_success();
    assert!(net.account(&alice).unwrap().storage_usage < usage);
    let out = net.call(&alice, &a, "ping").signer_key(key).transact();
    assert!(matches!(
        out.failure(),
        Some(TxExecutionError::InvalidTxError(
            InvalidTxError::InvalidAccessKeyError(InvalidAccessKeyError::AccessKeyNotFound { .. })
        ))
    ));
}

#[test]
fn patch_state_and_set_balance_change_state_directly() {
    let (mut net, _alice, [a, _, _]) = setup();
    let usage = net.account(&a).unwrap().storage_usage;
    net.patch_state(&a, b"extra", Some(b"value"));
    assert_eq!(
        net.view_state(&a).get(b"extra".as_slice()),
        Some(&b"value".to_vec())
    );
    let extra = net
        .runtime_config()
        .fees
        .storage_usage_config
        .num_extra_bytes_record;
    assert_eq!(
        net.account(&a).unwrap().storage_usage,
        usage + 5 + 5 + extra
    );
    net.patch_state(&a, b"extra", None);
    assert_eq!(net.account(&a).unwrap().storage_usage, usage);
    net.set_balance(&a, near(7));
    assert_eq!(net.balance(&a), near(7));
}
