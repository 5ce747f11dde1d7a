//! A pool deployed on localnet, with helpers for its calls and views.
#![allow(dead_code)]

use std::path::PathBuf;

use localnet::{
    derive_public_key, AccountId, ActionSummary, ExecutionOutcome, Gas, Localnet, NearToken,
    RewardRate,
};
use meta_common::shares::SharePool;
use serde_json::{json, Value};

/// Gas the router attaches to a pool's mutating calls: every call of these
/// tests attaches exactly this, so they show the pool stays within it.
pub fn call_gas() -> Gas {
    Gas::from_gas(meta_common::ext::GAS_FOR_POOL_STAKE_CALL.as_gas())
}

pub fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

/// A wasm from `res/`, written by `scripts/build-wasm.sh test-pool`.
pub fn wasm(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "res", name]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `scripts/build-wasm.sh test-pool` (make test does)",
            path.display()
        )
    })
}

pub struct PoolNet {
    pub net: Localnet,
    pub pool: AccountId,
    pub owner: AccountId,
    pub alice: AccountId,
    pub bob: AccountId,
}

impl PoolNet {
    /// `pool.near` runs `wasm_name` with 50 NEAR, a 10% fee, and the chain
    /// pays validators 0.1% of their stake per epoch.
    pub fn deploy(wasm_name: &str) -> Self {
        let mut net = Localnet::new();
        net.set_validator_reward_rate(RewardRate::new(1, 1_000));
        let owner = net.create_account("owner.near", near(100));
        let alice = net.create_account("alice.near", near(1_000));
        let bob = net.create_account("bob.near", near(1_000));
        let pool = net.create_and_deploy("pool.near", near(50), &wasm(wasm_name));
        net.call(&owner, &pool, "new")
            .args_json(json!({
                "owner_id": owner,
                "stake_public_key": derive_public_key(&pool).to_string(),
                "reward_fee_fraction": {"numerator": 10, "denominator": 100},
            }))
            .gas(call_gas())
            .transact()
            .assert_success();
        PoolNet {
            net,
            pool,
            owner,
            alice,
            bob,
        }
    }

    /// `who` calls `method(args)` with `deposit` and the router's gas.
    pub fn call(
        &mut self,
        who: &AccountId,
        method: &str,
        args: Value,
        deposit: NearToken,
    ) -> ExecutionOutcome {
        self.call_with_gas(who, method, args, deposit, call_gas())
    }

    pub fn call_with_gas(
        &mut self,
        who: &AccountId,
        method: &str,
        args: Value,
        deposit: NearToken,
        gas: Gas,
    ) -> ExecutionOutcome {
        let who = who.clone();
        let pool = self.pool.clone();
        self.net
            .call(&who, &pool, method)
            .args_json(args)
            .deposit(deposit)
            .gas(gas)
            .transact()
    }

    pub fn owner_call(&mut self, method: &str, args: Value) -> ExecutionOutcome {
        let owner = self.owner.clone();
        self.call(&owner, method, args, NearToken::ZERO)
    }

    pub fn view<T: near_sdk::serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> T {
        self.net.view(&self.pool, method, args).unwrap()
    }

    pub fn balance_view(&self, method: &str, who: &AccountId) -> u128 {
        let v: String = self.view(method, json!({ "account_id": who }));
        v.parse().unwrap()
    }
    pub fn staked(&self, who: &AccountId) -> u128 {
        self.balance_view("get_account_staked_balance", who)
    }
    pub fn unstaked(&self, who: &AccountId) -> u128 {
        self.balance_view("get_account_unstaked_balance", who)
    }
    pub fn total(&self, who: &AccountId) -> u128 {
        self.balance_view("get_account_total_balance", who)
    }
    pub fn can_withdraw(&self, who: &AccountId) -> bool {
        self.view(
            "is_account_unstaked_balance_available",
            json!({ "account_id": who }),
        )
    }
    pub fn total_staked(&self) -> u128 {
        let v: String = self.view("get_total_staked_balance", json!({}));
        v.parse().unwrap()
    }

    /// The pool's locked plus liquid balance.
    pub fn holdings(&self) -> u128 {
        self.net.locked(&self.pool).as_yoctonear() + self.net.balance(&self.pool).as_yoctonear()
    }
}

/// The stakes of the stake actions in an outcome.
pub fn stake_actions(out: &ExecutionOutcome) -> Vec<u128> {
    out.receipts
        .iter()
        .flat_map(|r| &r.actions)
        .filter_map(|a| match a {
            ActionSummary::Stake { stake, .. } => Some(stake.as_yoctonear()),
            _ => None,
        })
        .collect()
}

/// Transfers in an outcome that are not protocol refunds, as (receiver, amount).
pub fn transfers(out: &ExecutionOutcome) -> Vec<(AccountId, u128)> {
    out.receipts
        .iter()
        .filter(|r| !r.is_refund)
        .flat_map(|r| {
            r.actions.iter().filter_map(|a| match a {
                ActionSummary::Transfer { deposit } => {
                    Some((r.receiver_id.clone(), deposit.as_yoctonear()))
                }
                _ => None,
            })
        })
        .collect()
}

/// The pool's totals as its last totals log line in `out` states them:
/// `Contract total staked balance is S. Total number of shares T` or the
/// epoch reward line `... New total staked balance is S. Total number of
/// shares T`.
pub fn logged_totals(out: &ExecutionOutcome) -> Option<SharePool> {
    out.logs().into_iter().rev().find_map(|line| {
        let staked = line
            .split("staked balance is ")
            .nth(1)?
            .split('.')
            .next()?
            .parse()
            .ok()?;
        let shares = line
            .split("Total number of shares ")
            .nth(1)?
            .trim()
            .parse()
            .ok()?;
        Some(SharePool::new(staked, shares))
    })
}

/// The reward an epoch line in `out` reports.
pub fn logged_reward(out: &ExecutionOutcome) -> Option<u128> {
    out.logs().into_iter().find_map(|line| {
        line.split("Contract received total rewards of ")
            .nth(1)?
            .split(' ')
            .next()?
            .parse()
            .ok()
    })
}
