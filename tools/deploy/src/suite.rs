//! The protocol's accounts and the init arguments of each contract: the one
//! place both the deploy tool and the near-workspaces tests take them from,
//! so every deployment is initialised consistently.

use near_primitives::types::AccountId;
use serde::Serialize;
use serde_json::{json, Value};

/// Which network a deployment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Local,
    Testnet,
    Mainnet,
}

impl Network {
    /// The name used by the credentials directory and `NETWORK=`.
    pub fn name(self) -> &'static str {
        match self {
            Network::Local => "local",
            Network::Testnet => "testnet",
            Network::Mainnet => "mainnet",
        }
    }

    /// The default RPC endpoint: near-api's presets for testnet and
    /// mainnet (FastNEAR's free endpoints, which replaced the deprecated
    /// `rpc.*.near.org`), the node this tool starts on local. Rate limited:
    /// operators should pass their provider's `--rpc-url` and `--api-key`.
    pub fn default_rpc_url(self) -> String {
        match self {
            Network::Local => "http://127.0.0.1:3030".to_string(),
            Network::Testnet => near_api::RPCEndpoint::testnet().url.to_string(),
            Network::Mainnet => near_api::RPCEndpoint::mainnet().url.to_string(),
        }
    }

    /// The chain id the node must report (`status`); `None` on local,
    /// whose id is whatever its genesis says.
    pub fn chain_id(self) -> Option<&'static str> {
        match self {
            Network::Local => None,
            Network::Testnet => Some("testnet"),
            Network::Mainnet => Some("mainnet"),
        }
    }

    /// The lockup factory's suffix, whose sub-accounts the router treats as lockups.
    pub fn lockup_suffix(self, master: &AccountId) -> String {
        match self {
            Network::Mainnet => "lockup.near".into(),
            Network::Testnet => "lockup.devnet".into(),
            Network::Local => format!("lockup.{master}"),
        }
    }
}

/// One META in its smallest unit (24 decimals, `meta_common::actions::ONE_META`).
pub const ONE_META: u128 = 10u128.pow(24);

impl Network {
    /// The router's emission at `new`: local and testnet emit from the start
    /// (so stakers earn META and a DAO cycle can be tried at once); on
    /// mainnet the emission is a decision for the owner or the DAO, so it
    /// starts at none unless `--meta-per-epoch` says otherwise.
    pub fn meta_per_epoch(self) -> Option<u128> {
        match self {
            Network::Local | Network::Testnet => Some(1_000 * ONE_META),
            Network::Mainnet => None,
        }
    }
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "local" | "localnet" | "sandbox" => Ok(Network::Local),
            "testnet" => Ok(Network::Testnet),
            "mainnet" => Ok(Network::Mainnet),
            other => Err(format!(
                "unknown network {other} (local, testnet or mainnet)"
            )),
        }
    }
}

/// The accounts of one deployment (sub-accounts of the master account) and
/// the per-network settings the init arguments take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuiteIds {
    pub master: AccountId,
    pub router: AccountId,
    pub snear: AccountId,
    pub governance: AccountId,
    /// The test whitelist (local only; testnet and mainnet use the network's
    /// staking-pool whitelist).
    pub whitelist: AccountId,
    /// Test validator pools (local only).
    pub pools: Vec<AccountId>,
    /// Where the router's protocol fee goes.
    pub treasury: AccountId,
    pub lockup_suffix: String,
    /// META the router emits per epoch over all shares (`None`: none until
    /// the owner, during bootstrap, or the DAO sets it).
    pub meta_per_epoch: Option<u128>,
}

fn sub(prefix: &str, master: &AccountId) -> AccountId {
    format!("{prefix}.{master}")
        .parse()
        .unwrap_or_else(|e| panic!("{prefix}.{master} is not a valid account id: {e}"))
}

impl SuiteIds {
    /// The layout under `master`. `whitelist` names the staking-pool
    /// whitelist on testnet and mainnet; on local a test whitelist is deployed.
    pub fn new(network: Network, master: &AccountId, whitelist: Option<AccountId>) -> SuiteIds {
        let local = network == Network::Local;
        SuiteIds {
            master: master.clone(),
            router: sub("router", master),
            snear: sub("snear", master),
            governance: sub("governance", master),
            whitelist: whitelist.unwrap_or_else(|| sub("whitelist", master)),
            pools: if local {
                vec![sub("pool-a", master), sub("pool-b", master)]
            } else {
                Vec::new()
            },
            treasury: master.clone(),
            lockup_suffix: network.lockup_suffix(master),
            meta_per_epoch: network.meta_per_epoch(),
        }
    }
}

/// `test-whitelist::new`: the master is the foundation that lists pools.
pub fn whitelist_init(ids: &SuiteIds) -> Value {
    json!({ "foundation_account_id": ids.master })
}

/// `test-pool::new`: owned by the master, 10% fee (the core pool's usual).
pub fn pool_init(ids: &SuiteIds, stake_public_key: &near_crypto::PublicKey) -> Value {
    json!({
        "owner_id": ids.master,
        "stake_public_key": stake_public_key,
        "reward_fee_fraction": { "numerator": 10, "denominator": 100 },
    })
}

/// `snear::new`.
pub fn snear_init(ids: &SuiteIds) -> Value {
    json!({
        "router_account_id": ids.router,
        "governance_account_id": ids.governance,
    })
}

/// `governance::new` with the default DAO rules and no guardian.
pub fn governance_init(ids: &SuiteIds) -> Value {
    json!({
        "router_account_id": ids.router,
        "snear_account_id": ids.snear,
        "whitelist_account_id": ids.whitelist,
        "guardian_account_id": null,
        "config": null,
    })
}

/// `meta-pool::new` (the router's README, "Initialisation"). The deposit
/// attached to `new` is the seed ([`ROUTER_SEED`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouterInit {
    pub owner_id: AccountId,
    pub snear_account_id: AccountId,
    pub governance_account_id: AccountId,
    pub whitelist_account_id: AccountId,
    pub treasury_account_id: AccountId,
    /// Without a leading dot (`"lockup.near"`).
    pub lockup_account_suffix: String,
    /// `None`: the router reports the zero ed25519 key (it is no validator).
    pub staking_key: Option<near_crypto::PublicKey>,
    /// META per epoch, a decimal string (`None`: 0 until the DAO sets it).
    pub meta_per_epoch: Option<String>,
}

/// The router's seed, attached to `new`: the router refuses less than
/// 1 NEAR (`E_SEED_TOO_SMALL`). It is staked value owned by no one, which
/// fixes the share price at 1 and pays the pool's rounding dust.
pub const ROUTER_SEED: near_token::NearToken = near_token::NearToken::from_near(1);

pub fn router_init(ids: &SuiteIds) -> RouterInit {
    RouterInit {
        owner_id: ids.master.clone(),
        snear_account_id: ids.snear.clone(),
        governance_account_id: ids.governance.clone(),
        whitelist_account_id: ids.whitelist.clone(),
        treasury_account_id: ids.treasury.clone(),
        lockup_account_suffix: ids.lockup_suffix.clone(),
        staking_key: None,
        meta_per_epoch: ids.meta_per_epoch.map(|m| m.to_string()),
    }
}

/// Weight of each local test pool on the router: equal shares of 10,000 bps.
pub fn local_validator_weight_bps(ids: &SuiteIds) -> u16 {
    u16::try_from(10_000 / ids.pools.len().max(1)).expect("at most 10,000 bps")
}

/// The router actions that list the local test pools (`RouterAction::AddValidator`
/// as JSON, applied by the owner with `apply_governance_action` during
/// bootstrap). Testnet and mainnet list no validator here: the owner picks
/// them (and ends the bootstrap) after the deployment.
pub fn local_validators(ids: &SuiteIds) -> Vec<Value> {
    let weight_bps = local_validator_weight_bps(ids);
    ids.pools
        .iter()
        .map(|pool| json!({ "AddValidator": { "account_id": pool, "weight_bps": weight_bps } }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hang_under_the_master_and_agree_with_the_init_args() {
        let master: AccountId = "test.near".parse().unwrap();
        let ids = SuiteIds::new(Network::Local, &master, None);
        assert_eq!(ids.router.as_str(), "router.test.near");
        assert_eq!(ids.pools.len(), 2);
        assert_eq!(ids.lockup_suffix, "lockup.test.near");
        let gov = governance_init(&ids);
        assert_eq!(gov["router_account_id"], "router.test.near");
        assert_eq!(gov["snear_account_id"], "snear.test.near");
        assert_eq!(
            snear_init(&ids)["governance_account_id"],
            "governance.test.near"
        );
        let router = serde_json::to_value(router_init(&ids)).unwrap();
        assert_eq!(router["governance_account_id"], "governance.test.near");
        assert_eq!(router["whitelist_account_id"], "whitelist.test.near");
        assert_eq!(router["lockup_account_suffix"], "lockup.test.near");
        assert!(router["staking_key"].is_null());
        assert_eq!(router["owner_id"], "test.near");
        assert_eq!(router["treasury_account_id"], "test.near");
        assert_eq!(
            router["meta_per_epoch"],
            (1_000 * ONE_META).to_string(),
            "local emits from the start"
        );
        let listed = local_validators(&ids);
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1]["AddValidator"]["account_id"], "pool-b.test.near");
        assert_eq!(listed[0]["AddValidator"]["weight_bps"], 5_000);
    }

    #[test]
    fn testnet_and_mainnet_use_the_network_whitelist_and_lockups() {
        let master: AccountId = "meta.near".parse().unwrap();
        let ids = SuiteIds::new(
            Network::Mainnet,
            &master,
            Some("lockup-whitelist.near".parse().unwrap()),
        );
        assert!(ids.pools.is_empty());
        assert_eq!(ids.whitelist.as_str(), "lockup-whitelist.near");
        assert_eq!(ids.lockup_suffix, "lockup.near");
        assert!(local_validators(&ids).is_empty());
        // Mainnet's emission is the owner's or the DAO's decision.
        assert!(serde_json::to_value(router_init(&ids)).unwrap()["meta_per_epoch"].is_null());
        assert_eq!("testnet".parse::<Network>().unwrap(), Network::Testnet);
        assert!("devnet".parse::<Network>().is_err());
    }
}
