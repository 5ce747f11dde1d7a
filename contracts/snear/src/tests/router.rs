//! Router-only methods: mint, burn, pool-state pushes.

use super::*;
use meta_common::ext::{GAS_FOR_SNEAR_MINT_BURN, GAS_FOR_SNEAR_POOL_STATE};

fn cost() -> u128 {
    SNear::registration_cost().as_yoctonear()
}

#[test]
fn mint_registers_a_new_holder_and_refunds_the_rest_to_the_router() {
    deploy();
    Call::by(ROUTER)
        .deposit(yocto(cost() + 7))
        .ok(|c| c.mint(id(ALICE), U128(3 * ONE), U128(0)));
    assert_eq!(balance(ALICE), 3 * ONE);
    assert_eq!(supply(), 3 * ONE);
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_some());
    assert!(holder(ALICE).unwrap().router_paid);
    assert_eq!(transfers(), vec![(id(ROUTER), 7)]);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_mint",
            "data": [{"owner_id": ALICE, "amount": (3 * ONE).to_string()}]
        })]
    );
}

/// A liquid stake's mint: a new holder pays its registration with
/// `registration_shares`, which are not minted, and the record is its own
/// (unregistering refunds the holder, not the router).
#[test]
fn a_new_holder_pays_its_registration_with_shares() {
    deploy();
    let minted = Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(ALICE), U128(3 * ONE), U128(5)));
    assert_eq!(minted, U128(3 * ONE - 5));
    assert_eq!(balance(ALICE), 3 * ONE - 5);
    assert_eq!(supply(), 3 * ONE - 5);
    assert!(!holder(ALICE).unwrap().router_paid);
    assert_eq!(
        events()[0]["data"][0]["amount"],
        (3 * ONE - 5).to_string(),
        "ft_mint shows what was minted"
    );
    // Registered now: the next mint is whole, whatever it offers to pay.
    let minted = Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(ALICE), U128(ONE), U128(5)));
    assert_eq!(minted, U128(ONE));
    assert_eq!(balance(ALICE), 4 * ONE - 5);
}

#[test]
fn a_registration_that_would_take_the_whole_mint_is_refused() {
    deploy();
    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .err("E_REGISTRATION_EXCEEDS_MINT", |c| {
            c.mint(id(ALICE), U128(5), U128(5))
        });
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_none());
    assert_eq!(supply(), 0);
}

#[test]
fn mint_with_the_routers_deposit_refunds_exactly_the_unused_part() {
    deploy();
    mint(ALICE, ONE);
    let unused = SNEAR_REGISTRATION_DEPOSIT.as_yoctonear() - cost();
    let expected = if unused > 0 {
        vec![(id(ROUTER), unused)]
    } else {
        vec![]
    };
    assert_eq!(transfers(), expected);
}

#[test]
fn mint_to_a_registered_holder_refunds_the_whole_deposit() {
    deploy();
    register(ALICE);
    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(ALICE), U128(ONE), U128(0)));
    assert_eq!(
        transfers(),
        vec![(id(ROUTER), SNEAR_REGISTRATION_DEPOSIT.as_yoctonear())]
    );
    // Without a deposit nothing is refunded.
    Call::by(ROUTER).ok(|c| c.mint(id(ALICE), U128(ONE), U128(0)));
    assert!(transfers().is_empty());
    assert_eq!(balance(ALICE), 2 * ONE);
    // The registration stays the holder's own.
    assert!(!holder(ALICE).unwrap().router_paid);
}

#[test]
fn mint_fails_cleanly_when_the_deposit_cannot_register() {
    deploy();
    Call::by(ROUTER)
        .deposit(yocto(cost() - 1))
        .err("E_STORAGE_DEPOSIT", |c| {
            c.mint(id(ALICE), U128(ONE), U128(0))
        });
    Call::by(ROUTER).err("E_STORAGE_DEPOSIT", |c| {
        c.mint(id(ALICE), U128(ONE), U128(0))
    });
    assert!(view(|c| c.storage_balance_of(id(ALICE))).is_none());
}

#[test]
fn mint_rejections() {
    deploy();
    register(ALICE);
    Call::by(ALICE).err("E_NOT_ROUTER", |c| c.mint(id(ALICE), U128(ONE), U128(0)));
    Call::by(GOVERNANCE).err("E_NOT_ROUTER", |c| c.mint(id(ALICE), U128(ONE), U128(0)));
    Call::by(ROUTER).err("E_ZERO_AMOUNT", |c| c.mint(id(ALICE), U128(0), U128(0)));
    Call::by(ROUTER).ok(|c| c.mint(id(ALICE), U128(u128::MAX), U128(0)));
    Call::by(ROUTER).err("E_BALANCE_OVERFLOW", |c| {
        c.mint(id(ALICE), U128(1), U128(0))
    });
}

#[test]
fn burn_removes_supply_and_emits_ft_burn() {
    deploy();
    mint(ALICE, 5 * ONE);
    Call::by(ROUTER).ok(|c| c.burn(id(ALICE), U128(2 * ONE)));
    assert_eq!(balance(ALICE), 3 * ONE);
    assert_eq!(supply(), 3 * ONE);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_burn",
            "data": [{"owner_id": ALICE, "amount": (2 * ONE).to_string()}]
        })]
    );
    Call::by(ROUTER).ok(|c| c.burn(id(ALICE), U128(3 * ONE)));
    assert_eq!((balance(ALICE), supply()), (0, 0));
}

#[test]
fn burn_rejections_change_nothing() {
    deploy();
    mint(ALICE, 5 * ONE);
    Call::by(ALICE).err("E_NOT_ROUTER", |c| c.burn(id(ALICE), U128(ONE)));
    Call::by(ROUTER).err("E_ZERO_AMOUNT", |c| c.burn(id(ALICE), U128(0)));
    Call::by(ROUTER).err("E_NOT_REGISTERED", |c| c.burn(id(BOB), U128(1)));
    Call::by(ROUTER).err("E_INSUFFICIENT_BALANCE", |c| {
        c.burn(id(ALICE), U128(5 * ONE + 1))
    });
}

#[test]
fn burn_all_burns_the_whole_balance_and_returns_it() {
    deploy();
    mint(ALICE, 5 * ONE);
    mint(BOB, ONE);
    let burnt = Call::by(ROUTER).ok(|c| c.burn_all(id(ALICE), U128(1)));
    assert_eq!(burnt.0, 5 * ONE);
    assert_eq!((balance(ALICE), supply()), (0, ONE));
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "nep141", "version": "1.0.0", "event": "ft_burn",
            "data": [{"owner_id": ALICE, "amount": (5 * ONE).to_string()}]
        })]
    );
    assert_eq!(
        noticed(),
        vec![(id(ALICE), meta_common::mirror::HolderChange::Balance(0))],
        "the router learns the new balance as for any burn"
    );
    // The record stays: the holder unregisters it (and gets its deposit).
    assert!(holder(ALICE).is_some());
}

#[test]
fn burn_all_below_the_floor_or_of_nobody_burns_nothing() {
    deploy();
    mint(ALICE, 5 * ONE);
    register(CAROL);
    let before = snapshot();
    for (who, floor) in [(ALICE, 5 * ONE + 1), (BOB, 1), (CAROL, 0), (CAROL, 1)] {
        let burnt = Call::by(ROUTER).ok(|c| c.burn_all(id(who), U128(floor)));
        assert_eq!(burnt.0, 0, "{who} with floor {floor}");
        assert!(events().is_empty(), "no ft_burn for {who}");
        assert!(notices().is_empty(), "no notice for {who}");
    }
    assert_eq!(snapshot(), before, "nothing written");
    // Exactly the floor burns.
    let burnt = Call::by(ROUTER).ok(|c| c.burn_all(id(ALICE), U128(5 * ONE)));
    assert_eq!(burnt.0, 5 * ONE);
}

#[test]
fn burn_all_is_the_routers_alone() {
    deploy();
    mint(ALICE, 5 * ONE);
    Call::by(ALICE).err("E_NOT_ROUTER", |c| c.burn_all(id(ALICE), U128(1)));
    assert_eq!(balance(ALICE), 5 * ONE);
}

#[test]
fn pool_state_is_mirrored_and_announced() {
    deploy();
    let state = PoolState {
        total_staked: U128(3 * ONE),
        total_shares: U128(2 * ONE),
        reward_index: U128(42),
        epoch_height: 7,
    };
    let pushed = state.clone();
    Call::by(ROUTER).ok(|c| c.update_pool_state(pushed));
    assert_eq!(view(|c| c.get_pool_state()), Some(state.clone()));
    assert_eq!(view(|c| c.reward_index()), 42);
    assert_eq!(
        events(),
        vec![serde_json::json!({
            "standard": "snear", "version": "1.0.0", "event": "pool_state_updated",
            "data": {"total_staked": (3 * ONE).to_string(), "total_shares": (2 * ONE).to_string(),
                     "reward_index": "42", "epoch_height": 7,
                     "price": state.price().to_string()}
        })]
    );
}

#[test]
fn pool_state_may_repeat_within_an_epoch() {
    deploy();
    push_index(10, 3);
    push_index(10, 3);
    push_index(11, 3);
    push_index(11, 4);
    assert_eq!(view(|c| c.get_pool_state()), Some(pool_state(11, 4)));
}

#[test]
fn pool_state_rejections_change_nothing() {
    deploy();
    push_index(10, 3);
    Call::by(ALICE).err("E_NOT_ROUTER", |c| c.update_pool_state(pool_state(11, 4)));
    Call::by(GOVERNANCE).err("E_NOT_ROUTER", |c| c.update_pool_state(pool_state(11, 4)));
    Call::by(ROUTER).err("E_INDEX_BACKWARDS", |c| {
        c.update_pool_state(pool_state(9, 4))
    });
    Call::by(ROUTER).err("E_STALE_EPOCH", |c| c.update_pool_state(pool_state(11, 2)));
}

/// Host-function gas (storage, logs, promises) of the router's calls stays
/// well inside the budget the router attaches. The wasm execution on top is
/// measured on the local chain; this catches a storage regression early.
#[test]
fn router_calls_fit_their_gas_budgets() {
    deploy();
    push_index(5, 1);
    // `used_gas` after the call includes the state read and the writes.
    Call::by(ROUTER)
        .deposit(SNEAR_REGISTRATION_DEPOSIT)
        .ok(|c| c.mint(id(ALICE), U128(ONE), U128(0)));
    let mint_gas = env::used_gas();
    Call::by(ROUTER).ok(|c| c.burn(id(ALICE), U128(ONE / 2)));
    let burn_gas = env::used_gas();
    Call::by(ROUTER).ok(|c| c.update_pool_state(pool_state(6, 2)));
    let push_gas = env::used_gas();
    assert!(
        mint_gas.as_gas() * 2 < GAS_FOR_SNEAR_MINT_BURN.as_gas(),
        "{mint_gas}"
    );
    assert!(
        burn_gas.as_gas() * 2 < GAS_FOR_SNEAR_MINT_BURN.as_gas(),
        "{burn_gas}"
    );
    assert!(
        push_gas.as_gas() * 2 < GAS_FOR_SNEAR_POOL_STATE.as_gas(),
        "{push_gas}"
    );
}
