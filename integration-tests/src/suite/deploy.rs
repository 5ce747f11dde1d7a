//! Deploys the whole system with consistent init arguments.

use localnet::{derive_public_key, AccountId, Gas, Localnet, NearToken};
use meta_common::actions::{RouterAction, RouterParameter, ValidatorWeight};
use meta_common::ext::GAS_FOR_ROUTER_ACTION;
use serde_json::json;

use super::wasm::{
    wasm, GOVERNANCE_WASM, POOL_FAULTS_WASM, POOL_WASM, ROUTER_WASM, SNEAR_FAULTS_WASM, SNEAR_WASM,
    WHITELIST_WASM,
};
use super::{Ledger, Pool, System, SystemConfig};

/// Equal weights for the validators listed at start.
pub const DEFAULT_WEIGHT_BPS: u16 = 1_000;

impl System {
    /// Deploys and initialises everything, lists the first
    /// `config.validators` pools on the router (by the owner, during the
    /// bootstrap phase) and advances `warmup_epochs` so the pools' own
    /// stake is in the validator set.
    pub fn deploy(config: SystemConfig) -> System {
        let mut net = Localnet::builder()
            .epoch_length(config.epoch_length)
            .reward_rate(config.reward_rate)
            .build();
        net.set_external_validator_stake(config.external_stake);
        let owner = net.create_account("owner.near", NearToken::from_near(100_000));
        let keeper_account = net.create_account("keeper.near", NearToken::from_near(1_000));
        let treasury = net.create_account("treasury.near", NearToken::from_near(1));

        let whitelist = net.create_and_deploy(
            "whitelist.near",
            NearToken::from_near(10),
            &wasm(WHITELIST_WASM),
        );
        net.call(&owner, &whitelist, "new")
            .args_json(json!({"foundation_account_id": owner}))
            .transact()
            .assert_success();

        let pool_code = wasm(if config.pool_faults {
            POOL_FAULTS_WASM
        } else {
            POOL_WASM
        });
        let mut pools = Vec::new();
        for i in 0..config.validators + config.spare_pools {
            let pool_owner =
                net.create_account(&format!("pool-owner-{i}.near"), NearToken::from_near(100));
            let stake = config.pool_own_stake[i % config.pool_own_stake.len()];
            let id = net.create_and_deploy(&format!("v{i}.pool.near"), stake, &pool_code);
            net.call(&pool_owner, &id, "new")
                .args_json(json!({
                    "owner_id": pool_owner,
                    "stake_public_key": derive_public_key(&id).to_string(),
                    "reward_fee_fraction": {"numerator": 0, "denominator": 100},
                }))
                .gas(Gas::from_tgas(50))
                .transact()
                .assert_success();
            net.call(&owner, &whitelist, "add_staking_pool")
                .args_json(json!({"staking_pool_account_id": id}))
                .transact()
                .assert_success();
            pools.push(Pool {
                id,
                owner: pool_owner,
                faults: config.pool_faults,
                balance_delta: 0,
                views_fail: false,
            });
        }

        let router: AccountId = "router.near".parse().unwrap();
        let snear: AccountId = "snear.near".parse().unwrap();
        let governance: AccountId = "governance.near".parse().unwrap();
        net.create_and_deploy(
            snear.as_str(),
            NearToken::from_near(10),
            &wasm(if config.snear_faults {
                SNEAR_FAULTS_WASM
            } else {
                SNEAR_WASM
            }),
        );
        net.call(&owner, &snear, "new")
            .args_json(json!({"router_account_id": router, "governance_account_id": governance}))
            .transact()
            .assert_success();
        net.create_and_deploy(
            governance.as_str(),
            NearToken::from_near(10),
            &wasm(GOVERNANCE_WASM),
        );
        // `new` is private: the contract account initialises itself.
        net.call(&governance, &governance, "new")
            .args_json(json!({
                "router_account_id": router,
                "snear_account_id": snear,
                "whitelist_account_id": whitelist,
            }))
            .transact()
            .assert_success();
        net.create_and_deploy(router.as_str(), config.router_own_funds, &wasm(ROUTER_WASM));
        let init = net
            .call(&owner, &router, "new")
            .args_json(json!({
                "owner_id": owner,
                "snear_account_id": snear,
                "governance_account_id": governance,
                "whitelist_account_id": whitelist,
                "treasury_account_id": treasury,
                "lockup_account_suffix": config.lockup_suffix,
                "meta_per_epoch": config.meta_per_epoch.to_string(),
            }))
            .deposit(config.router_seed)
            .gas(Gas::from_tgas(30))
            .transact();
        init.assert_success();

        let ledger = Ledger::new(
            init.receipts[0].block_height,
            config.meta_per_epoch,
            config.reward_rate,
        );
        let listed = config.validators;
        let warmup = config.warmup_epochs;
        let mut sys = System {
            net,
            config,
            owner,
            keeper_account,
            router,
            snear,
            governance,
            whitelist,
            treasury,
            pools,
            stakers: Vec::new(),
            ledger,
        };
        let config: meta_pool::views::RouterConfig = sys.router_view("get_config", json!({}));
        sys.ledger.protocol_fee_bps = config.params.protocol_fee_bps;
        for i in 0..listed {
            sys.add_validator(i, DEFAULT_WEIGHT_BPS);
        }
        sys.advance_epochs(warmup);
        sys
    }

    /// Lists pool `i` on the router with `weight_bps` (owner, bootstrap).
    pub fn add_validator(&mut self, i: usize, weight_bps: u16) {
        let account_id = self.pools[i].id.clone();
        let out = self.governance_action(RouterAction::AddValidator {
            account_id,
            weight_bps,
        });
        out.assert_success();
        assert!(
            out.json::<bool>().unwrap_or(false),
            "whitelisted pool {i} was not added"
        );
    }

    /// Applies a router action as the bootstrap owner. An emission change
    /// is noted in the ledger when it succeeds.
    pub fn governance_action(&mut self, action: RouterAction) -> localnet::ExecutionOutcome {
        let owner = self.owner.clone();
        let out = self.call_router(
            &owner,
            "apply_governance_action",
            json!({ "action": action }),
            0,
            Gas::from_gas(GAS_FOR_ROUTER_ACTION.as_gas()),
        );
        if let (RouterAction::SetEmission { meta_per_epoch }, true) = (&action, out.is_success()) {
            // The router's index moved to the block its receipt ran in.
            let block = out.receipts[0].block_height;
            self.ledger.note_emission(block, meta_per_epoch.0);
        }
        out
    }

    /// Drift that makes rebalancing move stake: the first `count` pools'
    /// weight raised fivefold (5,000 bps), so every other validator is
    /// above its target, and the drift threshold at its lowest (0.5%).
    pub fn skew_weights(&mut self, count: usize) {
        let weights = self.pools[..count]
            .iter()
            .map(|p| ValidatorWeight {
                account_id: p.id.clone(),
                weight_bps: 5_000,
            })
            .collect();
        self.governance_action(RouterAction::SetWeights { weights })
            .assert_success();
        self.governance_action(RouterAction::SetParameter {
            parameter: RouterParameter::RebalanceThresholdBps(50),
        })
        .assert_success();
    }
}
