use super::*;
use near_sdk::test_utils::VMContextBuilder;
use near_sdk::testing_env;

fn foundation() -> AccountId {
    "foundation.near".parse().unwrap()
}
fn factory() -> AccountId {
    "factory.near".parse().unwrap()
}
fn pool() -> AccountId {
    "validator.pool.near".parse().unwrap()
}
fn stranger() -> AccountId {
    "stranger.near".parse().unwrap()
}

fn call_as(who: AccountId) {
    testing_env!(VMContextBuilder::new()
        .current_account_id("whitelist.near".parse().unwrap())
        .predecessor_account_id(who)
        .build());
}

fn fresh() -> Whitelist {
    call_as(foundation());
    Whitelist::new(foundation())
}

#[test]
fn foundation_adds_and_removes_pools() {
    let mut w = fresh();
    assert!(!w.is_whitelisted(pool()));
    assert!(w.add_staking_pool(pool()));
    assert!(w.is_whitelisted(pool()));
    assert!(!w.add_staking_pool(pool()), "second add is a no-op");
    assert!(w.remove_staking_pool(pool()));
    assert!(!w.is_whitelisted(pool()));
    assert!(!w.remove_staking_pool(pool()), "second remove is a no-op");
    assert!(w.add_staking_pool(pool()), "re-adding after removal works");
}

#[test]
fn foundation_adds_and_removes_factories() {
    let mut w = fresh();
    assert!(!w.is_factory_whitelisted(factory()));
    assert!(w.add_factory(factory()));
    assert!(w.is_factory_whitelisted(factory()));
    assert!(!w.add_factory(factory()));
    assert!(w.remove_factory(factory()));
    assert!(!w.is_factory_whitelisted(factory()));
    assert!(!w.remove_factory(factory()));
}

#[test]
fn whitelisted_factory_adds_pools() {
    let mut w = fresh();
    w.add_factory(factory());
    call_as(factory());
    assert!(w.add_staking_pool(pool()));
    assert!(w.is_whitelisted(pool()));
}

#[test]
fn pools_of_a_removed_factory_stay_whitelisted() {
    let mut w = fresh();
    w.add_factory(factory());
    call_as(factory());
    w.add_staking_pool(pool());
    call_as(foundation());
    w.remove_factory(factory());
    assert!(w.is_whitelisted(pool()));
}

#[test]
fn pool_and_factory_lists_are_separate() {
    let mut w = fresh();
    w.add_staking_pool(pool());
    assert!(!w.is_factory_whitelisted(pool()));
    w.add_factory(factory());
    assert!(!w.is_whitelisted(factory()));
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn stranger_cannot_add_pool() {
    let mut w = fresh();
    call_as(stranger());
    w.add_staking_pool(pool());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn removed_factory_cannot_add_pool() {
    let mut w = fresh();
    w.add_factory(factory());
    w.remove_factory(factory());
    call_as(factory());
    w.add_staking_pool(pool());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn factory_cannot_remove_pool() {
    let mut w = fresh();
    w.add_factory(factory());
    w.add_staking_pool(pool());
    call_as(factory());
    w.remove_staking_pool(pool());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn factory_cannot_add_factory() {
    let mut w = fresh();
    w.add_factory(factory());
    call_as(factory());
    w.add_factory(stranger());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn stranger_cannot_add_factory() {
    let mut w = fresh();
    call_as(stranger());
    w.add_factory(factory());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn stranger_cannot_remove_factory() {
    let mut w = fresh();
    w.add_factory(factory());
    call_as(stranger());
    w.remove_factory(factory());
}

#[test]
#[should_panic(expected = "Can only be called by NEAR Foundation")]
fn stranger_cannot_remove_pool() {
    let mut w = fresh();
    w.add_staking_pool(pool());
    call_as(stranger());
    w.remove_staking_pool(pool());
}

#[test]
fn rejected_call_changes_nothing() {
    let mut w = fresh();
    w.add_staking_pool(pool());
    call_as(stranger());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        w.remove_staking_pool(pool());
    }));
    assert!(result.is_err());
    assert!(w.is_whitelisted(pool()));
}

#[test]
#[should_panic(expected = "Already initialized")]
fn cannot_initialize_twice() {
    call_as(foundation());
    let mut w = Whitelist::new(foundation());
    w.add_staking_pool(pool());
    // Writing the state is what the host does after `new` returns.
    near_sdk::env::state_write(&w);
    Whitelist::new(stranger());
}
