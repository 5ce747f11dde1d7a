//! Initialisation and the views: shapes, defaults, and no panic for any
//! account.

use super::world::*;
use crate::config::MIN_SEED;
use crate::MetaPool;
use meta_common::actions::MAX_META_PER_EPOCH;
use near_sdk::json_types::U128;
use near_sdk::serde_json::{json, to_value};

fn new_with(seed: u128, suffix: &str, emission: u128) -> MetaPool {
    let mut w = World::new();
    w.call(OWNER, seed, |_| {
        MetaPool::new(
            id(OWNER),
            id(SNEAR),
            id(GOV),
            id(WHITELIST),
            id(TREASURY),
            suffix.to_string(),
            None,
            Some(U128(emission)),
        )
    })
}

#[test]
fn new_seeds_the_pool_at_price_one() {
    let w = World::with_seed(near(3));
    let b = &w.c.books;
    assert_eq!(
        (b.total_staked, b.total_shares, b.seed_shares),
        (near(3), near(3), near(3))
    );
    assert_eq!(
        b.buffered,
        near(3),
        "the seed waits for the first epoch stake"
    );
    assert_eq!(w.events("initialized")[0]["seed"], near(3).to_string());
    let cfg = w.view().get_config();
    assert!(cfg.bootstrap);
    assert_eq!(cfg.lockup_account_suffix, SUFFIX);
    assert_eq!(cfg.meta_per_epoch.0, 1_000 * near(1));
    assert_eq!(w.view().get_total_staked_balance().0, near(3));
    assert_eq!(w.view().get_pool_summary().share_price.0, near(1));
}

#[test]
#[should_panic(expected = "E_SEED_TOO_SMALL")]
fn new_needs_the_minimum_seed() {
    new_with(MIN_SEED - 1, SUFFIX, 0);
}

#[test]
#[should_panic(expected = "E_BAD_LOCKUP_SUFFIX")]
fn new_refuses_a_suffix_with_a_dot() {
    new_with(MIN_SEED, ".lockup.near", 0);
}

#[test]
#[should_panic(expected = "E_BAD_LOCKUP_SUFFIX")]
fn new_refuses_an_empty_suffix() {
    new_with(MIN_SEED, "", 0);
}

#[test]
#[should_panic(expected = "E_EMISSION_BOUNDS")]
fn new_refuses_an_emission_above_the_cap() {
    new_with(MIN_SEED, SUFFIX, MAX_META_PER_EPOCH + 1);
}

#[test]
#[should_panic(expected = "E_ALREADY_INITIALIZED")]
fn new_runs_once() {
    let mut w = World::new();
    w.call(OWNER, MIN_SEED, |c| {
        near_sdk::env::state_write(c);
        MetaPool::new(
            id(OWNER),
            id(SNEAR),
            id(GOV),
            id(WHITELIST),
            id(TREASURY),
            SUFFIX.to_string(),
            None,
            None,
        )
    });
}

#[test]
fn the_staking_key_is_fixed_at_init() {
    let w = World::new();
    assert_eq!(
        to_value(w.view().get_staking_key()).unwrap(),
        json!("ed25519:11111111111111111111111111111111")
    );
    let key: near_sdk::PublicKey = "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp"
        .parse()
        .unwrap();
    let mut w2 = World::new();
    let k = key.clone();
    let c = w2.call(OWNER, MIN_SEED, |_| {
        MetaPool::new(
            id(OWNER),
            id(SNEAR),
            id(GOV),
            id(WHITELIST),
            id(TREASURY),
            SUFFIX.to_string(),
            Some(k),
            None,
        )
    });
    assert_eq!(c.get_staking_key(), key);
}

#[test]
fn core_views_have_the_core_shapes() {
    let mut w = World::new();
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(2));
    let v = w.view();
    assert_eq!(
        to_value(v.get_account(id(&l))).unwrap(),
        json!({"account_id": l, "unstaked_balance": "0",
               "staked_balance": near(2).to_string(), "can_withdraw": true})
    );
    assert_eq!(
        to_value(v.get_reward_fee_fraction()).unwrap(),
        json!({"numerator": 500, "denominator": 10000})
    );
    assert_eq!(to_value(v.get_owner_id()).unwrap(), json!(OWNER));
    assert!(!v.is_staking_paused());
    assert_eq!(v.get_number_of_accounts(), 1);
    assert_eq!(v.get_accounts(0, 10).len(), 1);
    assert_eq!(v.get_accounts(0, 10)[0].account_id, id(&l));
}

#[test]
fn views_never_panic_for_any_account_or_index() {
    let w = World::with_validators(2);
    let v = w.view();
    for who in ["nobody.near", "x.lockup.near", "0000.lockup.near", ROUTER] {
        let a = id(who);
        assert_eq!(v.get_account_staked_balance(a.clone()).0, 0);
        assert_eq!(v.get_account_unstaked_balance(a.clone()).0, 0);
        assert_eq!(v.get_account_total_balance(a.clone()).0, 0);
        assert!(v.is_account_unstaked_balance_available(a.clone()));
        let acc = v.get_account(a.clone());
        assert_eq!((acc.staked_balance.0, acc.unstaked_balance.0), (0, 0));
        assert_eq!(v.get_account_unstaked_available_epoch(a.clone()), 0);
        assert_eq!(v.get_lockup_governance_tokens(a.clone()).0, 0);
        assert_eq!(v.get_account_details(a.clone()).shares.0, 0);
        assert!(v.get_validator(a).is_none());
    }
    assert!(v.get_accounts(u64::MAX, u64::MAX).is_empty());
    assert!(v.get_accounts(0, 0).is_empty());
    assert_eq!(v.get_validators(0, u64::MAX).len(), 2);
    assert!(v.get_validators(u64::MAX, 5).is_empty());
    assert_eq!(v.get_validators(1, 1)[0].account_id, id("v1.pool.near"));
    let _ = v.get_pool_summary();
    let _ = v.get_epoch_status();
    let _ = v.get_pool_state();
    assert!(v.keeper_work_pending());
}

#[test]
fn account_details_tell_everything_held() {
    let mut w = World::new();
    let l = lockup_of("owner1.near");
    w.deposit_and_stake(&l, near(4));
    w.unstake(&l, near(1));
    let d = w.view().get_account_details(id(&l));
    assert!(d.is_lockup);
    assert_eq!(d.unstaked_balance.0, near(1));
    assert_eq!(d.staked_balance.0, near(3));
    assert_eq!(d.shares.0, near(3));
    assert_eq!(d.unstaked_available_epoch, w.quote());
    assert!(!d.can_withdraw);
}

#[test]
fn the_pool_state_view_includes_pending_index_growth() {
    let mut w = World::new();
    let shares = w.c.books.total_shares;
    w.next_epoch(0);
    let s = w.view().get_pool_state();
    let expected = meta_common::shares::mul_div_down(
        1_000 * near(1),
        meta_common::pool_state::REWARD_INDEX_SCALE,
        shares,
    )
    .unwrap();
    assert_eq!(s.reward_index.0, expected);
    assert_eq!(s.epoch_height, w.epoch);
    assert_eq!(s.total_staked.0, w.c.books.total_staked);
}

#[test]
fn pagination_walks_every_account_once() {
    let mut w = World::new();
    for i in 0..7 {
        w.deposit(&format!("user{i}.near"), near(1));
    }
    let v = w.view();
    let mut seen = Vec::new();
    let mut from = 0;
    loop {
        let page = v.get_accounts(from, 3);
        if page.is_empty() {
            break;
        }
        from += page.len() as u64;
        seen.extend(page.into_iter().map(|a| a.account_id));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
    assert_eq!(v.get_number_of_accounts(), 7);
}
