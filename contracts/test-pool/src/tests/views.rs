//! Views: unknown accounts, pagination and the JSON the core pool returns.

use std::collections::BTreeSet;

use near_sdk::serde_json::{self, json};
use near_sdk::AccountId;

use super::harness::*;

#[test]
fn an_unknown_account_has_zero_balances_and_can_withdraw() {
    let chain = Chain::new();
    let nobody: AccountId = "nobody.near".parse().unwrap();
    chain.view(|p| {
        assert_eq!(u(p.get_account_staked_balance(nobody.clone())), 0);
        assert_eq!(u(p.get_account_unstaked_balance(nobody.clone())), 0);
        assert_eq!(u(p.get_account_total_balance(nobody.clone())), 0);
        assert!(p.is_account_unstaked_balance_available(nobody.clone()));
        let account = p.get_account(nobody.clone());
        assert_eq!(account.account_id, nobody);
        assert_eq!(account.staked_balance.0 + account.unstaked_balance.0, 0);
    });
}

#[test]
fn the_total_balance_is_staked_plus_unstaked() {
    let mut chain = Chain::new();
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.pay_reward(NEAR / 3);
    chain.skip_epochs(1);
    chain.unstake(&alice(), 2 * NEAR);
    let total = chain.view(|p| u(p.get_account_total_balance(alice())));
    assert_eq!(total, chain.staked(&alice()) + chain.unstaked(&alice()));
    let account = chain.view(|p| p.get_account(alice()));
    assert_eq!(account.staked_balance.0, chain.staked(&alice()));
    assert_eq!(account.unstaked_balance.0, chain.unstaked(&alice()));
}

fn five_accounts() -> (Chain, Vec<AccountId>) {
    let mut chain = Chain::new();
    let ids: Vec<AccountId> = (0..5)
        .map(|i| format!("delegator{i}.near").parse().unwrap())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        chain.deposit_and_stake(id, (i as u128 + 1) * NEAR);
    }
    (chain, ids)
}

#[test]
fn get_accounts_pages_through_every_account_once() {
    let (chain, ids) = five_accounts();
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 5);
    let mut seen = Vec::new();
    let mut from = 0;
    loop {
        let page = chain.view(|p| p.get_accounts(from, 2));
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        from += page.len() as u64;
        seen.extend(page);
    }
    let seen_ids: Vec<AccountId> = seen.iter().map(|a| a.account_id.clone()).collect();
    assert_eq!(seen_ids, ids, "insertion order, each once");
    for account in &seen {
        assert_eq!(
            account,
            &chain.view(|p| p.get_account(account.account_id.clone()))
        );
    }
}

#[test]
fn get_accounts_handles_the_edges() {
    let (chain, ids) = five_accounts();
    chain.view(|p| {
        assert!(p.get_accounts(5, 10).is_empty());
        assert!(p.get_accounts(u64::MAX, u64::MAX).is_empty());
        assert!(p.get_accounts(0, 0).is_empty());
        assert_eq!(p.get_accounts(4, u64::MAX).len(), 1);
        assert_eq!(p.get_accounts(4, u64::MAX)[0].account_id, ids[4]);
        assert_eq!(p.get_accounts(0, u64::MAX).len(), 5);
    });
}

#[test]
fn removing_an_account_moves_the_last_into_its_place() {
    let (mut chain, ids) = five_accounts();
    chain.call(&ids[1], 0, |p| p.unstake_all());
    chain.skip_epochs(crate::NUM_EPOCHS_TO_UNLOCK);
    chain.call(&ids[1], 0, |p| p.withdraw_all());
    let listed: BTreeSet<AccountId> = chain
        .view(|p| p.get_accounts(0, 10))
        .into_iter()
        .map(|a| a.account_id.clone())
        .collect();
    let expected: BTreeSet<AccountId> = ids.iter().filter(|id| **id != ids[1]).cloned().collect();
    assert_eq!(listed, expected);
    assert_eq!(chain.view(|p| p.get_number_of_accounts()), 4);
}

#[test]
fn the_json_is_the_core_pools() {
    let mut chain = Chain::with_fee(fee(10, 100));
    chain.deposit_and_stake(&alice(), 10 * NEAR);
    chain.deposit(&alice(), 7);
    chain.view(|p| {
        assert_eq!(
            serde_json::to_value(p.get_account(alice())).unwrap(),
            json!({
                "account_id": "alice.near",
                "unstaked_balance": "7",
                "staked_balance": (10 * NEAR).to_string(),
                "can_withdraw": true,
            })
        );
        assert_eq!(
            serde_json::to_value(p.get_account_staked_balance(alice())).unwrap(),
            json!((10 * NEAR).to_string())
        );
        assert_eq!(
            serde_json::to_value(p.get_reward_fee_fraction()).unwrap(),
            json!({"numerator": 10, "denominator": 100})
        );
        assert_eq!(
            serde_json::to_value(p.get_staking_key()).unwrap(),
            json!(staking_key().to_string())
        );
        assert!(staking_key().to_string().starts_with("ed25519:"));
        assert_eq!(
            serde_json::to_value(p.get_number_of_accounts()).unwrap(),
            json!(1)
        );
        assert_eq!(
            serde_json::to_value(p.get_owner_id()).unwrap(),
            json!("owner.near")
        );
        assert_eq!(
            serde_json::to_value(p.get_total_staked_balance()).unwrap(),
            json!((initial_stake() + 10 * NEAR).to_string())
        );
        assert_eq!(
            serde_json::to_value(p.is_staking_paused()).unwrap(),
            json!(false)
        );
    });
}

#[test]
fn views_read_the_pools_settings() {
    let chain = Chain::with_fee(fee(3, 7));
    chain.view(|p| {
        assert_eq!(p.get_owner_id(), owner());
        assert_eq!(p.get_reward_fee_fraction(), fee(3, 7));
        assert_eq!(p.get_staking_key(), staking_key());
        assert!(!p.is_staking_paused());
        assert_eq!(u(p.get_total_staked_balance()), initial_stake());
        assert_eq!(p.get_number_of_accounts(), 0);
    });
}
