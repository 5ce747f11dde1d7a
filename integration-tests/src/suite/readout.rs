//! Everything the invariants compare, read in one go: the router's books,
//! validators and accounts, every pool's balance for the router, the
//! network's stake, sNEAR's supply and holders, META's supply, holders and
//! checkpoints. Reading changes nothing on chain.

use std::collections::{BTreeMap, BTreeSet};

use localnet::AccountId;
use meta_common::pool_state::PoolState;
use meta_pool::views::{AccountDetails, EpochStatus, PoolSummary, RouterConfig, ValidatorView};
use serde_json::{json, Value};

use super::ledger::amount;
use super::{CapReading, System};

/// A pool's balance for the router.
#[derive(Clone, Debug)]
pub struct PoolReading {
    pub id: AccountId,
    /// In the router's validator list.
    pub listed: bool,
    /// `(staked, unstaked)` from the pool's `get_account`, corrected for a
    /// balance-delta fault; `Err` when the views fail.
    pub router_balance: Result<(u128, u128), String>,
}

/// One sNEAR holder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnearHolder {
    pub balance: u128,
    pub registered: bool,
    pub unclaimed_meta: u128,
    /// The router's `get_account_staked_balance` for the account (what a
    /// wallet shows as its stake).
    pub staked_view: u128,
}

/// One META holder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetaHolder {
    pub balance: u128,
    /// The newest checkpoint `(block, balance)`.
    pub last_checkpoint: Option<(u64, u128)>,
    /// What its proposal bonds lock now (`get_locked_balance`).
    pub locked: u128,
}

/// A proposal whose vote is open, and the bond it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenProposal {
    pub id: u64,
    pub proposer: AccountId,
    /// The threshold in its rules: what `propose` locked.
    pub bond: u128,
}

/// The core staking-pool views of one account, as a lockup reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreViews {
    pub staked: u128,
    pub unstaked: u128,
    pub total: u128,
    pub available: bool,
}

/// The whole system's state at one block.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub epoch: u64,
    pub block: u64,
    /// No transaction or receipt left to run.
    pub at_rest: bool,
    /// The router account's balance and the part its storage locks.
    pub router_balance: u128,
    pub router_storage_cost: u128,
    pub summary: PoolSummary,
    pub config: RouterConfig,
    pub validators: Vec<ValidatorView>,
    pub status: EpochStatus,
    /// Every account the router holds a record for.
    pub accounts: Vec<AccountDetails>,
    /// The core views of every lockup staker (records or not).
    pub lockup_views: BTreeMap<AccountId, CoreViews>,
    /// Every deployed pool.
    pub pools: Vec<PoolReading>,
    /// `env::validator_stake` per validator and the total.
    pub network: BTreeMap<AccountId, u128>,
    pub network_total: u128,
    pub snear_supply: u128,
    pub snear_pool_state: Option<PoolState>,
    /// sNEAR's holder storage cost (what the router pays per new holder).
    pub snear_registration_cost: u128,
    pub snear_holders: BTreeMap<AccountId, SnearHolder>,
    pub meta_supply: u128,
    /// `get_total_supply_at(block - 1)`.
    pub meta_supply_prev_block: u128,
    pub meta_holders: BTreeMap<AccountId, MetaHolder>,
    /// Every proposal whose vote is open (its proposer is a `meta_holders`
    /// entry).
    pub open_proposals: Vec<OpenProposal>,
}

impl Snapshot {
    /// The router's record of validator `id`.
    pub fn validator(&self, id: &AccountId) -> Option<&ValidatorView> {
        self.validators.iter().find(|v| &v.account_id == id)
    }

    /// The router's record of account `id`.
    pub fn account(&self, id: &AccountId) -> Option<&AccountDetails> {
        self.accounts.iter().find(|a| &a.account_id == id)
    }
}

const PAGE: u64 = 50;

impl System {
    /// Reads the whole state (see `Snapshot`).
    pub fn snapshot(&self) -> Snapshot {
        let router_account = self.net.account(&self.router).expect("router exists");
        let storage_cost =
            u128::from(router_account.storage_usage) * self.net.storage_byte_cost().as_yoctonear();
        let summary: PoolSummary = self.router_view("get_pool_summary", json!({}));
        let validators = self.router_validators();
        let listed: BTreeSet<&AccountId> = validators.iter().map(|v| &v.account_id).collect();
        let pools = (0..self.pools.len())
            .map(|i| PoolReading {
                id: self.pools[i].id.clone(),
                listed: listed.contains(&self.pools[i].id),
                router_balance: self.pool_balance_of_router(i),
            })
            .collect();
        let (network, network_total) = self.network_stake();
        let snear = self.snear.clone();
        let bounds: Value = self.view(&snear, "storage_balance_bounds", json!({}));
        let snear_holders = self
            .tracked_accounts()
            .into_iter()
            .map(|id| {
                let balance: Value = self.view(&snear, "ft_balance_of", json!({"account_id": id}));
                let storage: Value =
                    self.view(&snear, "storage_balance_of", json!({"account_id": id}));
                let unclaimed: Value = self.view(
                    &snear,
                    "get_unclaimed_governance_tokens",
                    json!({"account_id": id}),
                );
                let staked: Value =
                    self.router_view("get_account_staked_balance", json!({"account_id": id}));
                let h = SnearHolder {
                    balance: amount(&balance),
                    registered: !storage.is_null(),
                    unclaimed_meta: amount(&unclaimed),
                    staked_view: amount(&staked),
                };
                (id, h)
            })
            .collect();
        let block = self.net.block_height();
        let gov = self.governance.clone();
        let open_proposals = self.open_proposals();
        let meta_holders = self
            .tracked_accounts()
            .into_iter()
            .chain(self.ledger.meta_holders.iter().cloned())
            .chain(open_proposals.iter().map(|p| p.proposer.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|id| {
                let h = MetaHolder {
                    balance: amount(&self.view(&gov, "ft_balance_of", json!({"account_id": id}))),
                    last_checkpoint: self.last_checkpoint(&id),
                    locked: self.meta_locked(&id),
                };
                (id, h)
            })
            .collect();
        Snapshot {
            epoch: self.net.epoch_height(),
            block,
            at_rest: self.at_rest(),
            router_balance: router_account.amount.as_yoctonear(),
            router_storage_cost: storage_cost,
            summary,
            config: self.router_view("get_config", json!({})),
            validators,
            status: self.router_view("get_epoch_status", json!({})),
            accounts: self.router_accounts(),
            lockup_views: self
                .stakers
                .iter()
                .filter(|s| s.is_lockup())
                .map(|s| (s.id.clone(), self.core_views(&s.id)))
                .collect(),
            pools,
            network,
            network_total,
            snear_supply: amount(&self.view(&snear, "ft_total_supply", json!({}))),
            snear_pool_state: self.view(&snear, "get_pool_state", json!({})),
            snear_registration_cost: amount(&bounds["min"]),
            snear_holders,
            meta_supply: amount(&self.view(&gov, "ft_total_supply", json!({}))),
            meta_supply_prev_block: amount(&self.view(
                &gov,
                "get_total_supply_at",
                json!({"block_height": block.saturating_sub(1)}),
            )),
            meta_holders,
            open_proposals,
        }
    }

    /// Every proposal whose vote is open, from the DAO's own list.
    fn open_proposals(&self) -> Vec<OpenProposal> {
        let mut out = Vec::new();
        let mut from = 0;
        loop {
            let page: Vec<governance::ProposalView> = self.view(
                &self.governance,
                "get_proposals",
                json!({"from_index": from, "limit": PAGE}),
            );
            let n = page.len() as u64;
            out.extend(
                page.into_iter()
                    .filter(|p| p.state == governance::ProposalState::Active)
                    .map(|p| OpenProposal {
                        id: p.id,
                        proposer: p.proposer,
                        bond: p.rules.proposal_threshold.0,
                    }),
            );
            if n < PAGE {
                return out;
            }
            from += PAGE;
        }
    }

    /// The cap inputs now (see `CapReading`).
    pub fn cap_reading(&self) -> CapReading {
        let summary: PoolSummary = self.router_view("get_pool_summary", json!({}));
        let config: RouterConfig = self.router_view("get_config", json!({}));
        let staked = self
            .router_validators()
            .into_iter()
            .map(|v| {
                let at_pool = self
                    .pools
                    .iter()
                    .position(|p| p.id == v.account_id)
                    .and_then(|i| self.pool_balance_of_router(i).ok())
                    .map_or(v.staked.0, |(s, _)| s);
                (v.account_id, at_pool)
            })
            .collect();
        let (network, network_total) = self.network_stake();
        CapReading {
            epoch: self.net.epoch_height(),
            block: self.net.block_height(),
            total_staked: summary.books.total_staked,
            params: config.params,
            staked,
            network,
            network_total,
        }
    }

    /// The core staking-pool views the router serves for `id`.
    pub fn core_views(&self, id: &AccountId) -> CoreViews {
        let get = |m: &str| amount(&self.router_view::<Value>(m, json!({"account_id": id})));
        CoreViews {
            staked: get("get_account_staked_balance"),
            unstaked: get("get_account_unstaked_balance"),
            total: get("get_account_total_balance"),
            available: self.router_view(
                "is_account_unstaked_balance_available",
                json!({"account_id": id}),
            ),
        }
    }

    /// The router's `get_account_details` for `id`.
    pub fn account_details(&self, id: &AccountId) -> AccountDetails {
        self.router_view("get_account_details", json!({"account_id": id}))
    }

    /// The router's record of validator `id`, if listed.
    pub fn validator(&self, id: &AccountId) -> Option<ValidatorView> {
        self.router_view("get_validator", json!({"account_id": id}))
    }

    /// `id`'s sNEAR balance.
    pub fn snear_balance(&self, id: &AccountId) -> u128 {
        amount(&self.view::<Value>(&self.snear, "ft_balance_of", json!({"account_id": id})))
    }

    /// Whether `id` is registered with sNEAR (NEP-145).
    pub fn snear_registered(&self, id: &AccountId) -> bool {
        !self
            .view::<Value>(&self.snear, "storage_balance_of", json!({"account_id": id}))
            .is_null()
    }

    /// The META `id` could claim through sNEAR now.
    pub fn snear_unclaimed_meta(&self, id: &AccountId) -> u128 {
        amount(&self.view::<Value>(
            &self.snear,
            "get_unclaimed_governance_tokens",
            json!({"account_id": id}),
        ))
    }

    /// `id`'s META balance.
    pub fn meta_balance(&self, id: &AccountId) -> u128 {
        amount(&self.view::<Value>(&self.governance, "ft_balance_of", json!({"account_id": id})))
    }

    /// The router's pool summary.
    pub fn pool_summary(&self) -> PoolSummary {
        self.router_view("get_pool_summary", json!({}))
    }

    /// Every validator in the router's list.
    pub fn router_validators(&self) -> Vec<ValidatorView> {
        let mut out = Vec::new();
        loop {
            let page: Vec<ValidatorView> = self.router_view(
                "get_validators",
                json!({"from_index": out.len() as u64, "limit": PAGE}),
            );
            let n = page.len() as u64;
            out.extend(page);
            if n < PAGE {
                return out;
            }
        }
    }

    /// Every router account record, with details.
    pub fn router_accounts(&self) -> Vec<AccountDetails> {
        let mut ids: Vec<AccountId> = Vec::new();
        loop {
            let page: Vec<Value> = self.router_view(
                "get_accounts",
                json!({"from_index": ids.len() as u64, "limit": PAGE}),
            );
            let n = page.len() as u64;
            ids.extend(
                page.iter()
                    .filter_map(|a| a["account_id"].as_str()?.parse().ok()),
            );
            if n < PAGE {
                break;
            }
        }
        ids.into_iter()
            .map(|id| self.router_view("get_account_details", json!({"account_id": id})))
            .collect()
    }

    /// `env::validator_stake` per validator and `env::validator_total_stake`.
    pub fn network_stake(&self) -> (BTreeMap<AccountId, u128>, u128) {
        let (set, total) = self.net.validators();
        (
            set.into_iter()
                .map(|(k, v)| (k, v.as_yoctonear()))
                .collect(),
            total.as_yoctonear(),
        )
    }

    /// Accounts whose sNEAR and META the readouts follow: stakers, lockup
    /// owners, the treasury and accounts users registered on sNEAR.
    pub fn tracked_accounts(&self) -> BTreeSet<AccountId> {
        let mut set: BTreeSet<AccountId> = self
            .stakers
            .iter()
            .flat_map(|s| std::iter::once(s.id.clone()).chain(s.owner.clone()))
            .collect();
        set.insert(self.treasury.clone());
        set.extend(self.ledger.user_registrations.iter().cloned());
        set
    }

    fn last_checkpoint(&self, id: &AccountId) -> Option<(u64, u128)> {
        let mut from = 0u32;
        let mut last = None;
        loop {
            let page: Vec<Value> = self.view(
                &self.governance,
                "get_checkpoints",
                json!({"account_id": id, "from_index": from, "limit": 100}),
            );
            let n = page.len() as u32;
            if let Some(c) = page.last() {
                last = Some((c["block"].as_u64().unwrap_or(0), amount(&c["balance"])));
            }
            if n < 100 {
                return last;
            }
            from += n;
        }
    }
}
