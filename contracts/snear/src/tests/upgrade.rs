//! Upgrades (issue 14): only governance may replace sNEAR's code,
//! `upgrade` deploys it and calls `migrate` in one receipt, and `migrate`
//! carries the versioned state over, every holder untouched.

use super::*;
use crate::state::STATE_VERSION;
use meta_common::upgrade::{deploy_and_migrate_gas, upgrade_call_gas, GAS_FOR_MIGRATE};
use near_contract_standards::fungible_token::metadata::FungibleTokenMetadataProvider;
use near_sdk::mock::MockAction;
use near_sdk::{borsh, PromiseOrValue};

const S: u128 = REWARD_INDEX_SCALE;

/// A "wasm module" of `len` bytes after the magic and version.
fn wasm(len: usize) -> Vec<u8> {
    let mut code = b"\0asm\x01\0\0\0".to_vec();
    code.extend((0..len).map(|i| (i * 13) as u8));
    code
}

/// `call` with `input` as its raw arguments.
fn with_input(mut call: Call, input: &[u8]) -> Call {
    call.ctx.context.input = input.into();
    call
}

fn upgrade_call(who: &str, code: &[u8]) -> Call {
    with_input(Call::by(who), code)
}

/// Runs sNEAR's `migrate` as `predecessor`, the way the runtime runs the
/// `#[init(ignore_state)]` method: no state read before it, its result
/// written after; a panic keeps no write.
fn run_migrate(predecessor: &str) -> Result<(), String> {
    let context = Call::by(predecessor).ctx.build();
    let before = with_mocked_blockchain(|b| b.take_storage());
    let chain = |storage| {
        MockedBlockchain::new(
            context.clone(),
            test_vm_config(),
            RuntimeFeesConfig::test(),
            vec![],
            storage,
            Default::default(),
            None,
        )
    };
    env::set_blockchain_interface(chain(before.clone()));
    catch_unwind(AssertUnwindSafe(|| {
        SNear::migrate().state_write();
    }))
    .map_err(|payload| {
        env::set_blockchain_interface(chain(before));
        panic_message(payload)
    })
}

fn stored_state() -> Vec<u8> {
    env::storage_read(b"STATE").expect("state")
}

// ---- upgrade ---------------------------------------------------------------

#[test]
fn upgrade_is_refused_to_anyone_but_governance() {
    deploy();
    mint(ALICE, 5 * ONE);
    let code = wasm(1_000);
    for who in [ROUTER, ALICE, CONTRACT, "owner.near"] {
        upgrade_call(who, &code).err("E_NOT_GOVERNANCE", |c| c.upgrade());
        assert!(get_created_receipts().is_empty(), "{who}");
    }
}

#[test]
fn upgrade_from_governance_without_code_is_refused() {
    deploy();
    upgrade_call(GOVERNANCE, &[]).err("E_NO_CODE", |c| c.upgrade());
    assert!(get_created_receipts().is_empty());
}

#[test]
fn upgrade_without_gas_for_the_deploy_and_migration_is_refused() {
    deploy();
    let code = wasm(30_000);
    let short = Gas::from_gas(deploy_and_migrate_gas(code.len() as u64).as_gas() - 1);
    upgrade_call(GOVERNANCE, &code)
        .gas(short)
        .err("E_UPGRADE_GAS", |c| c.upgrade());
    assert!(get_created_receipts().is_empty());
}

#[test]
fn upgrade_from_governance_deploys_the_code_and_migrates_in_one_receipt() {
    deploy();
    mint(ALICE, 5 * ONE);
    let before = snapshot();
    let code = wasm(30_000);
    // What governance attaches to the call.
    upgrade_call(GOVERNANCE, &code)
        .gas(upgrade_call_gas(code.len() as u64))
        .ok(|c| c.upgrade());
    let r = get_created_receipts();
    assert_eq!(
        r.len(),
        1,
        "one receipt: a failed migration undoes the deploy"
    );
    assert_eq!(r[0].receiver_id, id(CONTRACT));
    assert!(r[0].receipt_indices.is_empty());
    assert_eq!(r[0].actions.len(), 2);
    match &r[0].actions[0] {
        MockAction::DeployContract { code: deployed, .. } => assert_eq!(deployed, &code),
        other => panic!("expected the deploy first, got {other:?}"),
    }
    match &r[0].actions[1] {
        MockAction::FunctionCallWeight {
            method_name,
            args,
            attached_deposit,
            prepaid_gas,
            ..
        } => {
            assert_eq!(method_name, b"migrate");
            assert!(args.is_empty());
            assert_eq!(attached_deposit.as_yoctonear(), 0);
            assert_eq!(*prepaid_gas, GAS_FOR_MIGRATE);
        }
        other => panic!("expected migrate second, got {other:?}"),
    }
    assert!(get_logs().is_empty(), "the old code emits nothing");
    assert_eq!(snapshot(), before, "upgrade itself changes no state");
}

// ---- versioned state and migrate -----------------------------------------------

#[test]
fn the_snear_state_is_stored_with_its_upgrade_version_byte() {
    deploy();
    assert_eq!(STATE_VERSION, 1);
    let stored = stored_state();
    assert_eq!(stored[0], 1);
    let body: Vec<u8> = view(|c| borsh::to_vec(c).unwrap());
    assert_eq!(&stored[1..], body.as_slice());
    // A call that changes the state writes it with the same version byte.
    push_index(S / 8, 3);
    assert_eq!(stored_state()[0], 1);
}

/// Every view of the contract and of the holders the tests use.
fn all_views() -> serde_json::Value {
    let holders = [ALICE, BOB, CAROL, ROUTER, "nobody.near"];
    let per_holder: Vec<_> = holders
        .iter()
        .map(|h| {
            view(|c| {
                serde_json::json!({
                    "balance": c.ft_balance_of(id(h)),
                    "unclaimed": c.get_unclaimed_governance_tokens(id(h)),
                    "near_value": c.get_account_near_value(id(h)),
                    "storage": c.storage_balance_of(id(h)),
                })
            })
        })
        .collect();
    view(|c| {
        serde_json::json!({
            "holders": per_holder,
            "supply": c.ft_total_supply(),
            "pool_state": c.get_pool_state(),
            "price": c.get_snear_price(),
            "router": c.get_router_account_id(),
            "governance": c.get_governance_account_id(),
            "metadata": c.ft_metadata(),
            "bounds": c.storage_balance_bounds(),
        })
    })
}

/// Alice and Bob hold sNEAR and have accrued META over two pushes; Carol
/// is registered without a balance; Alice has a claim in flight.
fn holders_with_accrual() {
    deploy();
    mint(ALICE, 8 * ONE);
    mint(BOB, 3 * ONE);
    register(CAROL);
    push_index(S / 4, 1);
    Call::by(ALICE)
        .yocto()
        .ok(|c| c.ft_transfer(id(BOB), U128(2 * ONE), None));
    push_index(S / 2, 2);
    Call::by(ALICE)
        .deposit(meta_common::ext::GOVERNANCE_MINT_DEPOSIT)
        .ok(|c| match c.claim_governance_tokens() {
            PromiseOrValue::Promise(p) => drop(p),
            PromiseOrValue::Value(v) => panic!("claim returned {v:?}"),
        });
    push_index(S, 3);
}

#[test]
fn an_upgrade_migration_keeps_every_holder_and_the_stored_state() {
    holders_with_accrual();
    let (alice, bob) = (balance(ALICE), balance(BOB));
    let (alice_meta, bob_meta) = (unclaimed(ALICE), unclaimed(BOB));
    assert!(alice_meta > 0 && bob_meta > 0);
    assert!(holder(ALICE).unwrap().claiming);
    let views = all_views();
    let storage = snapshot();
    let stored = stored_state();

    run_migrate(CONTRACT).unwrap();
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "snear", "version": "1.0.0", "event": "state_migrated",
            "data": {"from_version": 1, "to_version": 1}
        })]
    );
    assert_eq!((balance(ALICE), balance(BOB)), (alice, bob));
    assert_eq!((unclaimed(ALICE), unclaimed(BOB)), (alice_meta, bob_meta));
    assert!(holder(ALICE).unwrap().claiming, "the claim stays in flight");
    assert_eq!(all_views(), views);
    assert_eq!(snapshot(), storage, "every record as it was");
    assert_eq!(stored_state(), stored, "the same bytes");

    // The migrated contract goes on: accrual continues from the same index,
    // and the claim in flight settles against the carried-over record (a
    // failed mint gives the amount back).
    push_index(2 * S, 4);
    assert_eq!(unclaimed(BOB), bob_meta + bob);
    assert_eq!(unclaimed(ALICE), alice_meta + alice);
    Call::by(CONTRACT)
        .promise_result(PromiseResult::Failed)
        .ok(|c| {
            let minted = env::promise_result_checked(0, 0).map(|_| ());
            c.on_governance_mint(
                id(ALICE),
                U128(alice_claimed()),
                U128(meta_common::ext::GOVERNANCE_MINT_DEPOSIT.as_yoctonear()),
                minted,
            )
        });
    assert!(!holder(ALICE).unwrap().claiming);
    assert_eq!(unclaimed(ALICE), alice_meta + alice + alice_claimed());
}

/// What Alice's claim in `holders_with_accrual` took: her accrual up to
/// the second push (8 sNEAR for a quarter, then 6 for a quarter).
fn alice_claimed() -> u128 {
    8 * ONE / 4 + 6 * ONE / 4
}

#[test]
fn an_upgrade_migration_refuses_an_unknown_state_version() {
    holders_with_accrual();
    let body = stored_state()[1..].to_vec();
    env::storage_write(b"STATE", &[&[9u8][..], &body].concat());
    let storage = snapshot();
    let err = run_migrate(CONTRACT).unwrap_err();
    assert!(err.contains("E_STATE_VERSION"), "{err}");
    assert!(get_logs().is_empty(), "no state_migrated");
    assert_eq!(snapshot(), storage);
    // Nor can any call of this code read it.
    let err = Call::by(ALICE)
        .yocto()
        .run(|c| c.ft_transfer(id(BOB), U128(1), None))
        .unwrap_err();
    assert!(err.contains("E_STATE_VERSION"), "{err}");
}

#[test]
fn an_upgrade_migration_refuses_a_later_version() {
    deploy();
    let body = stored_state()[1..].to_vec();
    env::storage_write(b"STATE", &[&[STATE_VERSION + 1][..], &body].concat());
    let err = run_migrate(CONTRACT).unwrap_err();
    assert!(err.contains("E_STATE_VERSION"), "{err}");
}

#[test]
fn an_upgrade_migration_before_new_is_refused() {
    deploy();
    drop(with_mocked_blockchain(|b| b.take_storage()));
    let err = run_migrate(CONTRACT).unwrap_err();
    assert!(err.contains("E_NO_STATE"), "{err}");
}
