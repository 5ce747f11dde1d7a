//! Code upgrades (issue 14): staging code, upgrade proposals, their
//! time-lock and execution, the result callback, releasing and unstaging
//! staged code, and the versioned state with its migration.
//!
//! The `Chain` keeps one contract object across calls, as a long-lived
//! process would; the runtime instead reads the state before each call and
//! writes it (flushing every collection) after. `commit` does that write
//! where a test reads raw storage or measures it, and `refused` also undoes
//! a refused call's writes as the runtime does.

use std::collections::HashMap;

use super::dao::{as_callback, cfg, dave, propose, queued, setup, state, vote};
use super::*;
use crate::config::{
    GovernanceConfig, STAKER_EXIT_EPOCHS, TIMELOCK_EPOCHS, UPGRADE_TIMELOCK_MIN_EPOCHS,
};
use crate::gas::{execute_upgrade_gas, on_upgrade_result_gas, MAX_TRANSACTION_GAS};
use crate::proposal::{ProposalKind, ProposalState, UpgradeTarget, VoteChoice};
use crate::staged::{StagedCode, CODE_REF_BYTES};
use crate::storage::{cost, proposal_bytes};
use crate::upgrade::STATE_VERSION;
use crate::StorageKey;
use meta_common::upgrade::{upgrade_call_gas, GAS_FOR_MIGRATE};
use near_sdk::json_types::Base58CryptoHash;
use near_sdk::mock::{with_mocked_blockchain, Receipt};
use near_sdk::state::ContractState;
use near_sdk::{borsh, env, CryptoHash, MockedBlockchain, PromiseOrValue};

const ONE_NEAR: u128 = 10u128.pow(24);
/// What `propose_now` attaches.
const PROPOSE_DEPOSIT: u128 = 50 * 10u128.pow(21);

/// `setup()` on empty storage: a test that built a chain before on this
/// thread and committed its state would otherwise find it initialised.
fn fresh_setup() -> Chain {
    drop(with_mocked_blockchain(|b| b.take_storage()));
    setup()
}

fn stager() -> AccountId {
    acc("stager.near")
}

/// A "wasm module": the magic and version, then `len` bytes derived from
/// `tag` (different tags give different code).
fn wasm(tag: u8, len: usize) -> Vec<u8> {
    let mut code = b"\0asm\x01\0\0\0".to_vec();
    code.extend((0..len).map(|i| tag.wrapping_mul(31).wrapping_add(i as u8)));
    code
}

fn raw(h: Base58CryptoHash) -> CryptoHash {
    h.into()
}

fn prefix(k: StorageKey) -> Vec<u8> {
    borsh::to_vec(&k).unwrap()
}

/// Where the staged bytes live: their prefix and the raw hash.
fn code_bytes_key(h: Base58CryptoHash) -> Vec<u8> {
    [prefix(StorageKey::StagedCodeBytes), raw(h).to_vec()].concat()
}

/// Where the `StagedCode` record lives (`LookupMap`, identity hashing).
fn record_key(h: Base58CryptoHash) -> Vec<u8> {
    [prefix(StorageKey::StagedCode), raw(h).to_vec()].concat()
}

fn code_ref_key(id: u64) -> Vec<u8> {
    [prefix(StorageKey::CodeRefs), id.to_le_bytes().to_vec()].concat()
}

/// The storage `stage_code` must charge for `code` staged by `who`,
/// computed from the records it writes (NEAR counts 40 bytes a record).
fn stage_cost(who: &AccountId, code: &[u8]) -> u128 {
    let h: Base58CryptoHash = env::sha256_array(code).into();
    let record = StagedCode {
        stager: who.clone(),
        length: code.len() as u64,
        storage_deposit: U128(0),
        references: 0,
    };
    let bytes = code_bytes_key(h).len()
        + code.len()
        + 40
        + record_key(h).len()
        + borsh::to_vec(&record).unwrap().len()
        + 40;
    bytes as u128 * env::storage_byte_cost().as_yoctonear()
}

/// Writes the contract as the runtime does at the end of a call: the state
/// (versioned) and every collection's cached changes.
fn commit(t: &mut Chain) {
    ContractState::state_write(&t.c);
    let old = std::mem::replace(
        &mut t.c,
        <Governance as ContractState>::state_read().expect("state"),
    );
    drop(old); // flushes its collections
}

fn input_context(t: &Chain, who: &AccountId, deposit: u128, input: &[u8]) -> VMContext {
    let mut ctx = super::context(who, deposit, t.block, t.epoch, Gas::from_tgas(300));
    ctx.input = input.into();
    ctx
}

fn install(ctx: VMContext, storage: HashMap<Vec<u8>, Vec<u8>>) {
    env::set_blockchain_interface(MockedBlockchain::new(
        ctx,
        near_sdk::test_vm_config(),
        super::fees(),
        vec![],
        storage,
        Default::default(),
        None,
    ));
}

fn assert_refused(code: &str, f: impl FnOnce()) {
    let msg = panics(f);
    assert!(msg.contains(code), "expected {code}, got: {msg}");
}

/// Runs `f` in `ctx` as a receipt that must fail with `code`: afterwards
/// storage and the contract are as before the call (the runtime keeps no
/// write of a failed receipt). Returns the receipts the call had created
/// before it panicked.
fn refused(
    t: &mut Chain,
    ctx: VMContext,
    code: &str,
    f: impl FnOnce(&mut Governance),
) -> Vec<Receipt> {
    commit(t);
    let storage = with_mocked_blockchain(|b| b.take_storage());
    install(ctx.clone(), storage.clone());
    let msg = panics(|| f(&mut t.c));
    assert!(msg.contains(code), "expected {code}, got: {msg}");
    let created = get_created_receipts();
    install(ctx, storage);
    let failed = std::mem::replace(
        &mut t.c,
        <Governance as ContractState>::state_read().expect("state"),
    );
    std::mem::forget(failed); // its cached writes die with the receipt
    created
}

/// Stages `code` as `who` with `deposit`, in a new block.
fn stage(t: &mut Chain, who: &AccountId, code: &[u8], deposit: u128) -> Base58CryptoHash {
    commit(t);
    t.next_block();
    install(
        input_context(t, who, deposit, code),
        with_mocked_blockchain(|b| b.take_storage()),
    );
    t.c.stage_code()
}

fn upgrade_kind(variant: &str, h: Base58CryptoHash) -> Value {
    let mut kind = near_sdk::serde_json::Map::new();
    kind.insert(variant.to_string(), json!({"code_hash": h}));
    Value::Object(kind)
}

const VARIANTS: [(&str, UpgradeTarget); 3] = [
    ("UpgradeRouter", UpgradeTarget::Router),
    ("UpgradeSnear", UpgradeTarget::Snear),
    ("UpgradeGovernance", UpgradeTarget::Governance),
];

fn staged(t: &Chain, h: Base58CryptoHash) -> Option<StagedCode> {
    t.c.get_staged_code(h)
}

fn references(t: &Chain, h: Base58CryptoHash) -> u32 {
    staged(t, h).expect("staged").references
}

fn execute_with_gas(t: &mut Chain, id: u64, gas: Gas) {
    t.next_block();
    t.at_with_gas(&dave(), 0, gas);
    drop(t.c.execute(id)); // the promise is scheduled when dropped
}

fn execute(t: &mut Chain, id: u64) {
    execute_with_gas(t, id, Gas::from_tgas(300));
}

/// Stages `code`, passes and queues an upgrade of `variant` naming it and
/// moves to its eta. Returns the proposal and the hash.
fn at_eta(t: &mut Chain, variant: &str, code: &[u8]) -> (u64, Base58CryptoHash) {
    let h = stage(t, &stager(), code, 10 * ONE_NEAR);
    let id = queued(t, upgrade_kind(variant, h));
    let eta = t.c.get_proposal(id).unwrap().eta_epoch.unwrap();
    t.epochs(eta - t.epoch);
    (id, h)
}

fn function_call(r: &Receipt, i: usize) -> (String, Vec<u8>, u128, Gas) {
    match &r.actions[i] {
        MockAction::FunctionCallWeight {
            method_name,
            args,
            attached_deposit,
            prepaid_gas,
            ..
        } => (
            String::from_utf8(method_name.clone()).unwrap(),
            args.clone(),
            attached_deposit.as_yoctonear(),
            *prepaid_gas,
        ),
        other => panic!("not a function call: {other:?}"),
    }
}

fn receipt_index(r: &Receipt) -> u64 {
    r.actions.iter().find_map(|a| a.receipt_index()).unwrap()
}

/// The callback receipt of an upgrade's execution: `on_upgrade_result`
/// on governance, after `first`.
fn assert_upgrade_callback(callback: &Receipt, first: &Receipt, id: u64, len: usize) {
    assert_eq!(callback.receiver_id, gov());
    assert_eq!(callback.receipt_indices, vec![receipt_index(first)]);
    assert_eq!(callback.actions.len(), 1);
    let (method, args, deposit, gas) = function_call(callback, 0);
    assert_eq!(method, "on_upgrade_result");
    assert_eq!(
        near_sdk::serde_json::from_slice::<Value>(&args).unwrap(),
        json!({"proposal_id": id})
    );
    assert_eq!(deposit, 0);
    assert_eq!(gas, on_upgrade_result_gas(len as u64));
}

// ---- stage_code ----------------------------------------------------------

#[test]
fn stage_code_stores_the_bytes_under_their_sha256_and_charges_the_exact_storage() {
    let mut t = Chain::new();
    let code = wasm(1, 3_000);
    commit(&mut t);
    t.next_block();
    install(
        input_context(&t, &stager(), ONE_NEAR, &code),
        with_mocked_blockchain(|b| b.take_storage()),
    );
    let before = env::storage_usage();
    let h = t.c.stage_code();
    let grown = env::storage_usage() - before;

    assert_eq!(raw(h).to_vec(), env::sha256(&code));
    let expected = stage_cost(&stager(), &code);
    assert_eq!(
        u128::from(grown) * env::storage_byte_cost().as_yoctonear(),
        expected,
        "the charge is what storage grew by"
    );
    assert_eq!(
        staged(&t, h),
        Some(StagedCode {
            stager: stager(),
            length: code.len() as u64,
            storage_deposit: U128(expected),
            references: 0,
        })
    );
    assert_eq!(transfers(), vec![(stager(), ONE_NEAR - expected)]);
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["standard"], "meta-governance");
    assert_eq!(e[0]["event"], "code_staged");
    assert_eq!(
        e[0]["data"],
        json!({
            "code_hash": h,
            "stager": "stager.near",
            "length": code.len(),
            "storage_deposit": expected.to_string(),
        })
    );
    // The bytes are stored raw, as sent, and survive the call.
    commit(&mut t);
    assert_eq!(env::storage_read(&code_bytes_key(h)), Some(code.clone()));
    assert!(env::storage_has_key(&record_key(h)));
    assert_eq!(t.c.staged_code_bytes(&raw(h)), code);
}

#[test]
fn stage_code_with_exactly_the_storage_cost_refunds_nothing() {
    let mut t = Chain::new();
    let code = wasm(2, 700);
    let exact = stage_cost(&stager(), &code);
    let h = stage(&mut t, &stager(), &code, exact);
    assert!(transfers().is_empty());
    assert_eq!(staged(&t, h).unwrap().storage_deposit.0, exact);
}

#[test]
fn stage_code_below_the_storage_cost_is_refused_and_stores_nothing() {
    let mut t = Chain::new();
    let code = wasm(3, 700);
    let exact = stage_cost(&stager(), &code);
    let h: Base58CryptoHash = env::sha256_array(&code).into();
    t.next_block();
    let ctx = input_context(&t, &stager(), exact - 1, &code);
    let created = refused(&mut t, ctx, "E_STAGE_DEPOSIT", |c| {
        c.stage_code();
    });
    assert!(created.is_empty(), "no refund before the refusal");
    assert_eq!(staged(&t, h), None);
    assert_eq!(env::storage_read(&code_bytes_key(h)), None);
    assert!(!env::storage_has_key(&record_key(h)));
    // Nothing left behind that would make a proper staging look repeated.
    stage(&mut t, &stager(), &code, exact);
    assert_eq!(staged(&t, h).unwrap().storage_deposit.0, exact);
    assert_eq!(event_names(), vec!["code_staged"]);
}

#[test]
fn stage_code_of_already_staged_code_refunds_the_whole_deposit() {
    let mut t = Chain::new();
    let code = wasm(4, 900);
    let h = stage(&mut t, &stager(), &code, ONE_NEAR);
    let record = staged(&t, h).unwrap();
    let again = stage(&mut t, &carol(), &code, 3 * ONE_NEAR + 7);
    assert_eq!(again, h);
    assert_eq!(transfers(), vec![(carol(), 3 * ONE_NEAR + 7)]);
    assert!(events().is_empty(), "no second code_staged");
    assert_eq!(
        staged(&t, h),
        Some(record.clone()),
        "the first stager keeps it"
    );
    // Without a deposit there is nothing to refund.
    stage(&mut t, &stager(), &code, 0);
    assert!(transfers().is_empty());
    assert_eq!(staged(&t, h), Some(record));
}

#[test]
fn stage_code_refuses_input_that_is_not_wasm() {
    let mut t = Chain::new();
    let inputs: [&[u8]; 5] = [
        b"",
        b"\0as",
        b"{\"code\":\"AGFzbQ==\"}",
        b"asm\0\x01\0\0\0",
        b"\x7fELF\x02",
    ];
    for input in inputs {
        commit(&mut t);
        t.next_block();
        let ctx = input_context(&t, &stager(), ONE_NEAR, input);
        refused(&mut t, ctx, "E_NOT_WASM", |c| {
            c.stage_code();
        });
        assert_eq!(
            staged(&t, env::sha256_array(input).into()),
            None,
            "{input:?}"
        );
    }
}

#[test]
fn staged_code_of_an_unknown_hash_is_null() {
    let t = Chain::new();
    assert_eq!(staged(&t, [9u8; 32].into()), None);
}

// ---- proposing an upgrade --------------------------------------------------

#[test]
fn an_upgrade_proposal_naming_unstaged_code_is_refused() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(5, 100), ONE_NEAR);
    let other: Base58CryptoHash = env::sha256_array(wasm(6, 100)).into();
    for (variant, _) in VARIANTS {
        t.next_block();
        t.at(&alice(), PROPOSE_DEPOSIT);
        assert_refused("E_CODE_NOT_STAGED", || {
            let _ = t.c.propose(proposal_json(upgrade_kind(variant, other)));
        });
    }
    assert_eq!(t.c.get_proposal_count(), 0);
    assert_eq!(references(&t, h), 0);
}

#[test]
fn an_upgrade_proposal_of_each_kind_references_its_staged_code() {
    let mut t = setup();
    let code = wasm(7, 400);
    let h = stage(&mut t, &stager(), &code, ONE_NEAR);
    for (n, (variant, target)) in VARIANTS.into_iter().enumerate() {
        let id = propose(&mut t, &alice(), upgrade_kind(variant, h));
        assert_eq!(id, n as u64);
        assert_eq!(event_names(), vec!["proposal_created"]);
        assert_eq!(events()[0]["data"]["kind"], upgrade_kind(variant, h));
        let kind = t.c.get_proposal(id).unwrap().kind;
        assert_eq!(kind.upgrade(), Some((target, raw(h))));
        assert_eq!(references(&t, h), n as u32 + 1);
    }
    commit(&mut t);
    for id in 0..3 {
        assert_eq!(env::storage_read(&code_ref_key(id)), Some(raw(h).to_vec()));
    }
}

#[test]
fn the_upgrade_proposer_pays_for_the_code_reference() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(8, 300), ONE_NEAR);
    // From the attached deposit: storage grows by the proposal and its
    // code reference, and exactly that is kept.
    commit(&mut t);
    t.next_block();
    t.at(&alice(), PROPOSE_DEPOSIT);
    let before = env::storage_usage();
    let id = match t.c.propose(proposal_json(upgrade_kind("UpgradeRouter", h))) {
        PromiseOrValue::Value(Some(id)) => id,
        _ => panic!("expected a proposal id"),
    };
    let refund = transfers();
    commit(&mut t);
    let grown = env::storage_usage() - before;
    let len = borsh::to_vec(t.c.proposals.get(&id).unwrap())
        .unwrap()
        .len() as u64;
    assert_eq!(grown, proposal_bytes(len) + CODE_REF_BYTES);
    assert_eq!(
        refund,
        vec![(
            alice(),
            PROPOSE_DEPOSIT - cost(proposal_bytes(len) + CODE_REF_BYTES)
        )]
    );
    // The reference's record is what CODE_REF_BYTES prices.
    assert_eq!(code_ref_key(id).len() as u64 + 32 + 40, CODE_REF_BYTES);

    // From the storage balance when nothing is attached.
    let storage = t.storage_total(&alice());
    t.next_block();
    t.at(&alice(), 0);
    let id = match t.c.propose(proposal_json(upgrade_kind("UpgradeSnear", h))) {
        PromiseOrValue::Value(Some(id)) => id,
        _ => panic!("expected a proposal id"),
    };
    let len = borsh::to_vec(t.c.proposals.get(&id).unwrap())
        .unwrap()
        .len() as u64;
    assert_eq!(
        storage - t.storage_total(&alice()),
        cost(proposal_bytes(len) + CODE_REF_BYTES)
    );
    assert!(transfers().is_empty());
}

/// The smallest code length whose upgrade of `target` needs more gas than
/// a transaction carries.
fn first_too_large(target: UpgradeTarget) -> u64 {
    let (mut lo, mut hi) = (0u64, 10_000_000u64);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if execute_upgrade_gas(target, mid) > MAX_TRANSACTION_GAS {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[test]
fn an_upgrade_of_code_too_large_to_execute_is_refused_at_propose() {
    let mut t = setup();
    let limit = first_too_large(UpgradeTarget::Router) as usize;
    let fits = stage(&mut t, &stager(), &wasm(9, limit - 1 - 8), 100 * ONE_NEAR);
    let too_large = stage(&mut t, &stager(), &wasm(9, limit - 8), 100 * ONE_NEAR);
    assert_eq!(staged(&t, too_large).unwrap().length, limit as u64);
    t.next_block();
    t.at(&alice(), PROPOSE_DEPOSIT);
    assert_refused("E_CODE_TOO_LARGE", || {
        let _ =
            t.c.propose(proposal_json(upgrade_kind("UpgradeRouter", too_large)));
    });
    assert_eq!(references(&t, too_large), 0);
    let id = propose(&mut t, &alice(), upgrade_kind("UpgradeRouter", fits));
    assert_eq!(references(&t, fits), 1);
    assert!(execute_upgrade_gas(UpgradeTarget::Router, (limit - 1) as u64) <= MAX_TRANSACTION_GAS);
    assert_eq!(id, 0);
}

// ---- the upgrade time-lock ---------------------------------------------------

fn setup_with(config: GovernanceConfig) -> Chain {
    drop(with_mocked_blockchain(|b| b.take_storage()));
    let mut t = Chain::with(Some(config), Some(guardian()));
    t.mint(&alice(), 5_000_000 * META);
    t.mint(&bob(), 2_000_000 * META);
    t.mint(&dave(), 100_000 * META);
    t
}

#[test]
fn an_upgrade_is_queued_for_the_larger_of_the_rules_timelock_and_the_upgrade_minimum() {
    for timelock in [
        TIMELOCK_EPOCHS.min,
        TIMELOCK_EPOCHS.min + 4,
        TIMELOCK_EPOCHS.max,
    ] {
        let mut t = setup_with(GovernanceConfig {
            timelock_epochs: timelock,
            ..cfg()
        });
        let h = stage(&mut t, &stager(), &wasm(10, 100), ONE_NEAR);
        for (variant, _) in VARIANTS {
            let id = queued(&mut t, upgrade_kind(variant, h));
            let eta = t.c.get_proposal(id).unwrap().eta_epoch.unwrap();
            assert_eq!(
                eta,
                t.epoch + timelock.max(UPGRADE_TIMELOCK_MIN_EPOCHS),
                "{variant} at timelock {timelock}"
            );
            assert_eq!(events()[0]["data"]["eta_epoch"], eta);
        }
        // A router action under the same rules waits the rules' time-lock.
        let id = queued(&mut t, super::dao::emission());
        assert_eq!(
            t.c.get_proposal(id).unwrap().eta_epoch,
            Some(t.epoch + timelock)
        );
    }
}

#[test]
fn the_upgrade_timelock_is_never_below_the_upgrade_minimum() {
    // Rules below every bound (never accepted by `new`) show the floor.
    let h: Base58CryptoHash = [1u8; 32].into();
    let emission: ProposalKind = near_sdk::serde_json::from_value(super::dao::emission()).unwrap();
    for timelock in [0, 1, UPGRADE_TIMELOCK_MIN_EPOCHS - 1] {
        let rules = GovernanceConfig {
            timelock_epochs: timelock,
            ..cfg()
        };
        for kind in [
            ProposalKind::UpgradeRouter { code_hash: h },
            ProposalKind::UpgradeSnear { code_hash: h },
            ProposalKind::UpgradeGovernance { code_hash: h },
        ] {
            assert_eq!(kind.timelock_epochs(&rules), UPGRADE_TIMELOCK_MIN_EPOCHS);
        }
        assert_eq!(emission.timelock_epochs(&rules), timelock);
    }
    let long = GovernanceConfig {
        timelock_epochs: 40,
        ..cfg()
    };
    assert_eq!(
        ProposalKind::UpgradeGovernance { code_hash: h }.timelock_epochs(&long),
        40
    );
}

// The upgrade time-lock outlasts a staker's exit and is never below any
// proposal's least time-lock.
const _: () = assert!(
    UPGRADE_TIMELOCK_MIN_EPOCHS > STAKER_EXIT_EPOCHS
        && UPGRADE_TIMELOCK_MIN_EPOCHS >= TIMELOCK_EPOCHS.min
);

// ---- executing an upgrade ------------------------------------------------------

#[test]
#[should_panic(expected = "E_TIMELOCK")]
fn executing_an_upgrade_before_its_eta_is_refused() {
    let mut t = setup();
    let (id, _) = at_eta(&mut t, "UpgradeRouter", &wasm(11, 100));
    t.epoch -= 1; // the epoch before the eta
    execute(&mut t, id);
}

#[test]
fn executing_an_upgrade_needs_its_gas() {
    for (variant, target) in VARIANTS {
        let mut t = fresh_setup();
        let code = wasm(12, 2_000);
        let (id, _) = at_eta(&mut t, variant, &code);
        let needed = execute_upgrade_gas(target, code.len() as u64);
        assert!(needed < MAX_TRANSACTION_GAS);
        t.next_block();
        t.at_with_gas(&dave(), 0, Gas::from_gas(needed.as_gas() - 1));
        assert_refused("E_GAS", || drop(t.c.execute(id)));
        assert!(get_created_receipts().is_empty(), "{variant}");
        assert_eq!(state(&t, id), ProposalState::Queued, "{variant}");
        execute_with_gas(&mut t, id, needed);
        assert_eq!(get_created_receipts().len(), 2, "{variant}");
        assert_eq!(state(&t, id), ProposalState::Executing, "{variant}");
    }
}

#[test]
fn the_upgrade_execution_gas_covers_what_it_attaches() {
    for (_, target) in VARIANTS {
        for len in [100u64, 410_000] {
            let attached = match target {
                UpgradeTarget::Governance => meta_common::upgrade::deploy_and_migrate_gas(len),
                _ => upgrade_call_gas(len),
            };
            assert!(
                execute_upgrade_gas(target, len).as_gas()
                    > attached.as_gas() + on_upgrade_result_gas(len).as_gas()
            );
        }
    }
}

/// Under the fees of the protocol mainnet runs, the gas `execute` asks for
/// a router-sized code (410 kB) pays for everything the execution
/// creates: the mocked runtime charges each receipt as the real one does
/// and fails the call if the prepaid gas cannot cover it.
#[test]
fn executing_a_router_sized_upgrade_fits_in_its_gas() {
    for (variant, target) in VARIANTS {
        let mut t = fresh_setup();
        let code = wasm(32, 410_000);
        let (id, _) = at_eta(&mut t, variant, &code);
        execute_with_gas(&mut t, id, execute_upgrade_gas(target, code.len() as u64));
        assert_eq!(state(&t, id), ProposalState::Executing, "{variant}");
        assert_eq!(get_created_receipts().len(), 2, "{variant}");
    }
}

/// The other side of the call: what governance attaches to the target's
/// `upgrade` (`upgrade_call_gas`) lets the target's deploy-and-migrate
/// batch pass its own check and be paid, under the real fees.
#[test]
fn the_gas_an_upgrade_call_gets_pays_the_targets_deploy_and_migration() {
    for len in [1_000usize, 410_000, 1_200_000] {
        let code = wasm(33, len - 8);
        let mut ctx = VMContextBuilder::new()
            .current_account_id(router())
            .predecessor_account_id(gov())
            .signer_account_id(acc("executor.near"))
            .prepaid_gas(upgrade_call_gas(len as u64))
            .build();
        ctx.input = code.as_slice().into();
        install(ctx, HashMap::new());
        meta_common::upgrade::deploy_input_and_migrate();
        let r = get_created_receipts();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].receiver_id, router());
        assert!(
            matches!(&r[0].actions[0], MockAction::DeployContract { code: c, .. } if c == &code)
        );
        assert_eq!(function_call(&r[0], 1).0, "migrate");
        assert!(env::used_gas() <= env::prepaid_gas());
    }
}

/// Executes a router or sNEAR upgrade at its eta and checks the two
/// receipts: `upgrade` on `target` with the staged bytes as its raw
/// arguments, then the callback.
fn assert_remote_upgrade(variant: &str, target: AccountId) {
    let mut t = setup();
    let code = wasm(13, 2_500);
    let (id, h) = at_eta(&mut t, variant, &code);
    execute(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Executing);
    assert_eq!(event_names(), vec!["proposal_executing"]);
    let r = get_created_receipts();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].receiver_id, target);
    assert!(r[0].receipt_indices.is_empty());
    assert_eq!(r[0].actions.len(), 1);
    let (method, args, deposit, gas) = function_call(&r[0], 0);
    assert_eq!(method, "upgrade");
    assert_eq!(args, code, "the arguments are exactly the staged bytes");
    assert_eq!(deposit, 0);
    assert_eq!(gas, upgrade_call_gas(code.len() as u64));
    assert_upgrade_callback(&r[1], &r[0], id, code.len());
    assert!(transfers().is_empty());
    assert_eq!(references(&t, h), 1, "held until the result");
}

#[test]
fn executing_an_upgrade_router_sends_the_staged_bytes_to_the_router() {
    assert_remote_upgrade("UpgradeRouter", router());
}

#[test]
fn executing_an_upgrade_snear_sends_the_staged_bytes_to_snear() {
    assert_remote_upgrade("UpgradeSnear", snear());
}

#[test]
fn executing_an_upgrade_governance_deploys_and_migrates_in_one_receipt() {
    let mut t = setup();
    let code = wasm(14, 2_500);
    let (id, _) = at_eta(&mut t, "UpgradeGovernance", &code);
    execute(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Executing);
    assert_eq!(event_names(), vec!["proposal_executing"]);
    let r = get_created_receipts();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].receiver_id, gov());
    assert!(r[0].receipt_indices.is_empty());
    assert_eq!(r[0].actions.len(), 2, "deploy and migrate in one receipt");
    match &r[0].actions[0] {
        MockAction::DeployContract { code: deployed, .. } => assert_eq!(deployed, &code),
        other => panic!("expected the deploy first, got {other:?}"),
    }
    let (method, args, deposit, gas) = function_call(&r[0], 1);
    assert_eq!(method, "migrate");
    assert!(args.is_empty());
    assert_eq!(deposit, 0);
    assert_eq!(gas, GAS_FOR_MIGRATE);
    assert_upgrade_callback(&r[1], &r[0], id, code.len());
}

#[test]
#[should_panic(expected = "E_EXECUTING")]
fn an_upgrade_in_flight_cannot_execute_again() {
    let mut t = setup();
    let (id, _) = at_eta(&mut t, "UpgradeSnear", &wasm(15, 100));
    execute(&mut t, id);
    execute(&mut t, id);
}

// ---- on_upgrade_result -----------------------------------------------------------

#[test]
fn a_successful_upgrade_is_executed_and_releases_its_code() {
    for (variant, _) in VARIANTS {
        let mut t = fresh_setup();
        let (id, h) = at_eta(&mut t, variant, &wasm(16, 1_200));
        let deposit = staged(&t, h).unwrap().storage_deposit.0;
        execute(&mut t, id);
        as_callback(&mut t, PromiseResult::Successful(vec![]));
        assert!(t.c.on_upgrade_result(id), "{variant}");
        assert_eq!(state(&t, id), ProposalState::Executed);
        assert_eq!(event_names(), vec!["proposal_executed", "code_unstaged"]);
        assert_eq!(
            events()[1]["data"],
            json!({"code_hash": h, "stager": "stager.near", "refund": deposit.to_string()})
        );
        assert_eq!(transfers(), vec![(stager(), deposit)], "{variant}");
        assert_eq!(staged(&t, h), None);
        commit(&mut t);
        assert_eq!(env::storage_read(&code_bytes_key(h)), None);
        assert!(!env::storage_has_key(&record_key(h)));
        assert!(!env::storage_has_key(&code_ref_key(id)));
        t.next_block();
        assert_refused("E_ALREADY_EXECUTED", || drop(t.c.execute(id)));
    }
}

/// The callback's budget pays for deleting a router-sized code and
/// refunding its stager under the real fees: a callback out of gas would
/// leave the proposal Executing for good.
#[test]
fn a_router_sized_upgrade_result_fits_in_its_callback_gas() {
    let mut t = setup();
    let code = wasm(34, 410_000);
    let (id, h) = at_eta(&mut t, "UpgradeRouter", &code);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    execute(&mut t, id);
    let gas = function_call(&get_created_receipts()[1], 0).3;
    assert_eq!(gas, on_upgrade_result_gas(code.len() as u64));
    commit(&mut t);
    t.next_block();
    let mut ctx = super::context(&gov(), 0, t.block, t.epoch, gas);
    ctx.storage_usage = 10_000_000; // the account holds the code it frees
    env::set_blockchain_interface(MockedBlockchain::new(
        ctx,
        near_sdk::test_vm_config(),
        super::fees(),
        vec![PromiseResult::Successful(vec![])],
        with_mocked_blockchain(|b| b.take_storage()),
        Default::default(),
        None,
    ));
    assert!(t.c.on_upgrade_result(id));
    commit(&mut t); // the collections' writes are paid within the call too
    assert!(env::used_gas() <= gas);
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    assert_eq!(env::storage_read(&code_bytes_key(h)), None);
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn an_upgrade_whose_call_returned_a_value_counts_as_succeeded() {
    let mut t = setup();
    let (id, _) = at_eta(&mut t, "UpgradeRouter", &wasm(17, 100));
    execute(&mut t, id);
    as_callback(&mut t, PromiseResult::Successful(vec![b'x'; 10_000]));
    assert!(t.c.on_upgrade_result(id));
    assert_eq!(state(&t, id), ProposalState::Executed);
}

#[test]
fn a_failed_upgrade_goes_back_to_queued_keeps_its_code_and_can_be_retried() {
    let mut t = setup();
    let code = wasm(18, 800);
    let (id, h) = at_eta(&mut t, "UpgradeSnear", &code);
    let record = staged(&t, h).unwrap();
    execute(&mut t, id);
    as_callback(&mut t, PromiseResult::Failed);
    assert!(!t.c.on_upgrade_result(id));
    assert_eq!(state(&t, id), ProposalState::Queued);
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["event"], "proposal_execution_failed");
    assert_eq!(
        e[0]["data"]["reason"],
        "upgrade failed: deploy or migration refused"
    );
    assert!(transfers().is_empty());
    assert_eq!(staged(&t, h), Some(record.clone()), "the code is kept");
    commit(&mut t);
    assert_eq!(env::storage_read(&code_bytes_key(h)), Some(code.clone()));

    // Retried within the grace: the same bytes again, then success.
    t.epochs(1);
    execute(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Executing);
    assert_eq!(function_call(&get_created_receipts()[0], 0).1, code);
    as_callback(&mut t, PromiseResult::Successful(vec![]));
    assert!(t.c.on_upgrade_result(id));
    assert_eq!(state(&t, id), ProposalState::Executed);
    assert_eq!(transfers(), vec![(stager(), record.storage_deposit.0)]);
}

#[test]
fn an_upgrade_result_for_a_proposal_not_executing_changes_nothing() {
    let mut t = setup();
    let (id, h) = at_eta(&mut t, "UpgradeRouter", &wasm(19, 100));
    let view = t.c.get_proposal(id).unwrap();
    for result in [PromiseResult::Successful(vec![]), PromiseResult::Failed] {
        as_callback(&mut t, result);
        assert!(!t.c.on_upgrade_result(id));
        assert!(!t.c.on_upgrade_result(99), "unknown proposal");
        assert!(events().is_empty());
        assert!(get_created_receipts().is_empty());
        assert_eq!(t.c.get_proposal(id).unwrap(), view);
        assert_eq!(references(&t, h), 1);
    }
    // Nor after it was executed: a late duplicate keeps it Executed and
    // refunds nothing twice.
    execute(&mut t, id);
    as_callback(&mut t, PromiseResult::Successful(vec![]));
    assert!(t.c.on_upgrade_result(id));
    as_callback(&mut t, PromiseResult::Failed);
    assert!(!t.c.on_upgrade_result(id));
    assert_eq!(state(&t, id), ProposalState::Executed);
    assert!(transfers().is_empty());
    assert!(events().is_empty());
}

#[test]
fn an_upgrade_result_without_a_promise_result_restores_the_proposal() {
    let mut t = setup();
    let (id, h) = at_eta(&mut t, "UpgradeGovernance", &wasm(20, 100));
    execute(&mut t, id);
    t.next_block();
    t.at(&gov(), 0); // no promise result
    assert!(!t.c.on_upgrade_result(id));
    assert_eq!(state(&t, id), ProposalState::Queued);
    assert_eq!(references(&t, h), 1);
}

// ---- the guardian and shared code ---------------------------------------------------

fn cancel(t: &mut Chain, id: u64) {
    t.next_block();
    t.at(&guardian(), 1);
    t.c.cancel(id);
}

#[test]
fn cancelling_a_queued_upgrade_releases_its_code_and_refunds_the_stager() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(21, 600), ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    let id = queued(&mut t, upgrade_kind("UpgradeGovernance", h));
    cancel(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Cancelled);
    assert_eq!(event_names(), vec!["code_unstaged", "proposal_cancelled"]);
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    assert_eq!(staged(&t, h), None);
    commit(&mut t);
    assert_eq!(env::storage_read(&code_bytes_key(h)), None);
}

#[test]
fn staged_code_named_by_two_upgrades_is_deleted_when_both_release_it() {
    let mut t = setup();
    let code = wasm(22, 600);
    let h = stage(&mut t, &stager(), &code, ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    let first = queued(&mut t, upgrade_kind("UpgradeRouter", h));
    let second = queued(&mut t, upgrade_kind("UpgradeSnear", h));
    assert_eq!(references(&t, h), 2);

    cancel(&mut t, first);
    assert_eq!(event_names(), vec!["proposal_cancelled"]);
    assert!(transfers().is_empty());
    assert_eq!(references(&t, h), 1);
    commit(&mut t);
    assert_eq!(env::storage_read(&code_bytes_key(h)), Some(code.clone()));

    // The second still executes with the bytes, then releases them.
    let eta = t.c.get_proposal(second).unwrap().eta_epoch.unwrap();
    t.epochs(eta - t.epoch);
    execute(&mut t, second);
    assert_eq!(function_call(&get_created_receipts()[0], 0).1, code);
    as_callback(&mut t, PromiseResult::Successful(vec![]));
    assert!(t.c.on_upgrade_result(second));
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    assert_eq!(staged(&t, h), None);
}

#[test]
fn two_cancelled_upgrades_refund_their_shared_code_once() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(23, 600), ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    let first = queued(&mut t, upgrade_kind("UpgradeRouter", h));
    let second = queued(&mut t, upgrade_kind("UpgradeRouter", h));
    cancel(&mut t, second);
    assert!(transfers().is_empty());
    assert_eq!(references(&t, h), 1);
    cancel(&mut t, first);
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    assert_eq!(staged(&t, h), None);
}

// ---- release_proposal_code ------------------------------------------------------

fn release(t: &mut Chain, id: u64) {
    t.next_block();
    t.at(&carol(), 0);
    t.c.release_proposal_code(id);
}

#[test]
fn the_staged_code_of_a_live_upgrade_cannot_be_released() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(24, 200), ONE_NEAR);
    let id = propose(&mut t, &alice(), upgrade_kind("UpgradeRouter", h));
    vote(&mut t, &alice(), id, VoteChoice::For);
    let check = |t: &mut Chain, expected: ProposalState| {
        assert_eq!(state(t, id), expected);
        assert_refused("E_PROPOSAL_LIVE", || release(t, id));
        assert_eq!(references(t, h), 1, "{expected:?}");
        assert!(get_created_receipts().is_empty());
    };
    check(&mut t, ProposalState::Active);
    t.epochs(cfg().voting_period_epochs);
    check(&mut t, ProposalState::Succeeded);
    t.at(&dave(), 0);
    t.c.queue(id);
    check(&mut t, ProposalState::Queued);
    t.epochs(cfg().timelock_epochs);
    check(&mut t, ProposalState::Queued);
    execute(&mut t, id);
    check(&mut t, ProposalState::Executing);
}

#[test]
fn a_defeated_upgrade_releases_its_staged_code_once() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(25, 200), ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    let id = propose(&mut t, &alice(), upgrade_kind("UpgradeSnear", h));
    vote(&mut t, &bob(), id, VoteChoice::Against);
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, id), ProposalState::Defeated);
    release(&mut t, id);
    assert_eq!(event_names(), vec!["code_unstaged"]);
    assert_eq!(
        transfers(),
        vec![(stager(), deposit)],
        "to the stager, not the caller"
    );
    assert_eq!(staged(&t, h), None);
    commit(&mut t);
    assert!(!env::storage_has_key(&code_ref_key(id)));
    assert_eq!(env::storage_read(&code_bytes_key(h)), None);
    assert_refused("E_NO_CODE_REF", || release(&mut t, id));
}

#[test]
fn an_expired_upgrade_releases_its_staged_code() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(26, 200), ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    // Never queued: expires at the end of the grace after the vote.
    let unqueued = propose(&mut t, &alice(), upgrade_kind("UpgradeRouter", h));
    vote(&mut t, &alice(), unqueued, VoteChoice::For);
    // Queued, never executed: expires at eta + grace.
    let unexecuted = queued(&mut t, upgrade_kind("UpgradeGovernance", h));
    assert_eq!(references(&t, h), 2);
    t.epochs(cfg().timelock_epochs + cfg().grace_epochs);
    assert_eq!(state(&t, unqueued), ProposalState::Expired);
    assert_eq!(state(&t, unexecuted), ProposalState::Expired);

    release(&mut t, unqueued);
    assert!(transfers().is_empty(), "another proposal still names it");
    assert_eq!(references(&t, h), 1);
    assert_refused("E_NO_CODE_REF", || release(&mut t, unqueued));
    assert_eq!(references(&t, h), 1);

    release(&mut t, unexecuted);
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    assert_eq!(staged(&t, h), None);
    assert_refused("E_NO_CODE_REF", || release(&mut t, unexecuted));
}

#[test]
fn releasing_staged_code_an_ended_upgrade_no_longer_holds_is_refused() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(27, 200), ONE_NEAR);
    let cancelled = queued(&mut t, upgrade_kind("UpgradeRouter", h));
    let executed = queued(&mut t, upgrade_kind("UpgradeRouter", h));
    cancel(&mut t, cancelled);
    let eta = t.c.get_proposal(executed).unwrap().eta_epoch.unwrap();
    t.epochs(eta - t.epoch);
    execute(&mut t, executed);
    as_callback(&mut t, PromiseResult::Successful(vec![]));
    assert!(t.c.on_upgrade_result(executed));
    assert_refused("E_NO_CODE_REF", || release(&mut t, cancelled));
    assert_refused("E_NO_CODE_REF", || release(&mut t, executed));
    // A defeated proposal of another kind never held any.
    let other = propose(&mut t, &alice(), super::dao::emission());
    t.epochs(cfg().voting_period_epochs);
    assert_eq!(state(&t, other), ProposalState::Defeated);
    assert_refused("E_NO_CODE_REF", || release(&mut t, other));
    assert_refused("E_UNKNOWN_PROPOSAL", || release(&mut t, 77));
}

// ---- unstage_code ------------------------------------------------------------------

fn unstage(t: &mut Chain, who: &AccountId, h: Base58CryptoHash) {
    t.next_block();
    t.at(who, 0);
    t.c.unstage_code(h);
}

#[test]
fn only_the_stager_unstages_code() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(28, 200), ONE_NEAR);
    for who in [alice(), gov(), guardian()] {
        assert_refused("E_NOT_STAGER", || unstage(&mut t, &who, h));
        assert!(get_created_receipts().is_empty());
    }
    assert!(staged(&t, h).is_some());
}

#[test]
fn staged_code_in_use_cannot_be_unstaged() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(29, 200), ONE_NEAR);
    let id = propose(&mut t, &alice(), upgrade_kind("UpgradeRouter", h));
    assert_refused("E_CODE_IN_USE", || unstage(&mut t, &stager(), h));
    assert!(get_created_receipts().is_empty());
    assert_eq!(references(&t, h), 1);
    // Still executable after the attempt.
    vote(&mut t, &alice(), id, VoteChoice::For);
    t.epochs(cfg().voting_period_epochs);
    t.at(&dave(), 0);
    t.c.queue(id);
    t.epochs(cfg().timelock_epochs);
    execute(&mut t, id);
    assert_eq!(state(&t, id), ProposalState::Executing);
}

#[test]
fn unstaging_staged_code_refunds_its_storage_deposit() {
    let mut t = setup();
    let code = wasm(30, 1_500);
    let h = stage(&mut t, &stager(), &code, ONE_NEAR);
    let deposit = staged(&t, h).unwrap().storage_deposit.0;
    commit(&mut t);
    t.next_block();
    t.at(&stager(), 0);
    let before = env::storage_usage();
    t.c.unstage_code(h);
    assert_eq!(transfers(), vec![(stager(), deposit)]);
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["event"], "code_unstaged");
    assert_eq!(
        e[0]["data"],
        json!({"code_hash": h, "stager": "stager.near", "refund": deposit.to_string()})
    );
    assert_eq!(staged(&t, h), None);
    commit(&mut t);
    let freed = before - env::storage_usage();
    assert_eq!(
        u128::from(freed) * env::storage_byte_cost().as_yoctonear(),
        deposit,
        "the refund is exactly the storage freed"
    );
    assert_eq!(env::storage_read(&code_bytes_key(h)), None);
    // Unstaged code is gone: proposals cannot name it, it can be staged anew.
    t.next_block();
    t.at(&alice(), PROPOSE_DEPOSIT);
    assert_refused("E_CODE_NOT_STAGED", || {
        let _ = t.c.propose(proposal_json(upgrade_kind("UpgradeRouter", h)));
    });
    assert_refused("E_CODE_NOT_STAGED", || unstage(&mut t, &stager(), h));
    stage(&mut t, &carol(), &code, ONE_NEAR);
    assert_eq!(staged(&t, h).unwrap().stager, carol());
}

// ---- versioned state and migrate -----------------------------------------------------

#[test]
fn the_governance_state_is_stored_with_its_upgrade_version_byte() {
    let t = Chain::new();
    assert!(!env::storage_has_key(b"STATE"));
    ContractState::state_write(&t.c);
    let stored = env::storage_read(b"STATE").unwrap();
    assert_eq!(stored[0], 1);
    assert_eq!(stored[0], STATE_VERSION);
    assert_eq!(&stored[1..], borsh::to_vec(&t.c).unwrap().as_slice());
    assert_eq!(t.c.get_state_version(), 1);
}

/// Everything the views show, for comparison across a migration.
fn all_views(t: &Chain, ids: &[u64]) -> Value {
    let block = t.block - 1;
    let proposals: Vec<_> = ids.iter().map(|id| t.c.get_proposal(*id)).collect();
    let votes: Vec<_> = ids.iter().map(|id| t.c.get_vote(*id, alice())).collect();
    let balances = [alice(), bob(), carol()].map(|a| t.c.ft_balance_of(a));
    let power = [alice(), bob()].map(|a| t.c.get_voting_power_at(a, block));
    let storage = [alice(), bob()].map(|a| t.c.storage_balance_of(a));
    json!({
        "config": t.c.get_config(),
        "guardian": t.c.get_guardian(),
        "count": t.c.get_proposal_count(),
        "proposals": proposals,
        "votes": votes,
        "supply": t.c.ft_total_supply(),
        "supply_at": t.c.get_total_supply_at(block),
        "balances": balances,
        "power": power,
        "checkpoints": t.c.get_checkpoints(alice(), 0, 100),
        "storage": storage,
        "version": t.c.get_state_version(),
    })
}

#[test]
fn an_upgrade_migration_from_the_same_version_keeps_the_state() {
    let mut t = setup();
    let h = stage(&mut t, &stager(), &wasm(31, 300), ONE_NEAR);
    let code_id = queued(&mut t, upgrade_kind("UpgradeGovernance", h));
    let other = propose(&mut t, &alice(), super::dao::emission());
    vote(&mut t, &alice(), other, VoteChoice::For);
    t.transfer(&alice(), &carol(), 7 * META);
    t.next_block();
    let ids = [code_id, other];
    let before = all_views(&t, &ids);
    let record = staged(&t, h);
    commit(&mut t);
    let stored = env::storage_read(b"STATE").unwrap();

    // The migration runs in the upgrade receipt, on governance itself.
    t.at(&gov(), 0);
    t.c = Governance::migrate();
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["standard"], "meta-governance");
    assert_eq!(e[0]["event"], "state_migrated");
    assert_eq!(e[0]["data"], json!({"from_version": 1, "to_version": 1}));
    assert_eq!(all_views(&t, &ids), before);
    assert_eq!(staged(&t, h), record);
    ContractState::state_write(&t.c);
    assert_eq!(
        env::storage_read(b"STATE").unwrap(),
        stored,
        "the same bytes"
    );

    // And it goes on working: the queued upgrade executes with its code.
    let eta = t.c.get_proposal(code_id).unwrap().eta_epoch.unwrap();
    t.epochs(eta - t.epoch);
    execute(&mut t, code_id);
    assert_eq!(state(&t, code_id), ProposalState::Executing);
}

/// Stores `body` as the state of `version`.
fn write_state_version(t: &Chain, version: u8) {
    let body = borsh::to_vec(&t.c).unwrap();
    env::storage_write(b"STATE", &[&[version][..], &body].concat());
}

#[test]
#[should_panic(expected = "E_STATE_VERSION")]
fn an_upgrade_migration_refuses_an_unknown_state_version() {
    let t = setup();
    write_state_version(&t, 9);
    t.at(&gov(), 0);
    let _ = Governance::migrate();
}

#[test]
fn an_upgrade_migration_refuses_a_later_version_and_changes_nothing() {
    let mut t = setup();
    write_state_version(&t, STATE_VERSION + 1);
    let stored = env::storage_read(b"STATE").unwrap();
    t.next_block();
    let ctx = super::context(&gov(), 0, t.block, t.epoch, Gas::from_tgas(300));
    let storage = with_mocked_blockchain(|b| b.take_storage());
    install(ctx, storage);
    assert_refused("E_STATE_VERSION", || {
        let _ = Governance::migrate();
    });
    assert!(get_logs().is_empty(), "no state_migrated");
    assert_eq!(env::storage_read(b"STATE").unwrap(), stored);
    // Code of this version cannot read it either.
    assert_refused("E_STATE_VERSION", || {
        let _ = <Governance as ContractState>::state_read();
    });
}

#[test]
#[should_panic(expected = "E_NO_STATE")]
fn an_upgrade_migration_before_new_is_refused() {
    set_env(&gov(), 0, 100, 10, Gas::from_tgas(300));
    drop(with_mocked_blockchain(|b| b.take_storage()));
    let _ = Governance::migrate();
}
