//! Shared setup of the near-workspaces tests (`tests/workspaces_*.rs`).
//!
//! The tests run against whatever `near_workspaces::sandbox()` starts. By
//! default that is localnet's node (this package's `localnet-sandbox`
//! binary, which [`sandbox!`](crate::sandbox) puts in
//! `NEAR_SANDBOX_BIN_PATH`). To run the same tests on a real sandbox, point
//! `NEAR_SANDBOX_BIN_PATH` at a `near-sandbox` binary before `cargo test`;
//! the tests leave it alone then.
//!
//! [`Suite::deploy`] deploys the protocol as `make deploy` does on a local
//! network: the same accounts, init arguments, seed and order
//! (`deploy::suite`, `deploy::plan`), the router included, with the test
//! pools listed on it. The tests then drive real flows through the router
//! and run the keeper's epoch operations themselves ([`Suite::keeper_round`]).

use anyhow::{bail, ensure, Context};
use deploy::suite::{self, Network, SuiteIds};
use meta_common::actions::RouterAction;
use near_workspaces::network::Sandbox;
use near_workspaces::operations::Function;
use near_workspaces::result::ExecutionFinalResult;
use near_workspaces::types::{Gas, NearToken};
use near_workspaces::{Account, AccountId, Contract, Worker};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Once;

pub use crate::keeper::GAS_BEFORE_CHECK;
pub use meta_common::actions::ONE_META;
pub use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
/// The router's gas budgets for a liquid `stake`/`deposit_and_stake`,
/// `unstake` and `unstake_all` (45 Tgas each).
pub use meta_pool::gas::{GAS_LIQUID_STAKE, GAS_LIQUID_UNSTAKE, GAS_LIQUID_UNSTAKE_ALL};

/// About the least gas a router call with the gas `budget` must
/// attach: the router compares its budget with the gas left after loading
/// the contract and its state ([`GAS_BEFORE_CHECK`]), not with the gas
/// attached.
pub fn router_gas(budget: Gas) -> Gas {
    Gas::from_gas(budget.as_gas() + GAS_BEFORE_CHECK.as_gas())
}

/// Starts a sandbox on localnet's node (or on `NEAR_SANDBOX_BIN_PATH` if set).
#[macro_export]
macro_rules! sandbox {
    () => {
        $crate::workspaces::start_sandbox(env!("CARGO_BIN_EXE_localnet-sandbox"))
    };
}

/// Points near-sandbox at `node_bin` unless the environment already names a
/// sandbox binary, then starts a sandbox.
pub async fn start_sandbox(node_bin: &str) -> anyhow::Result<Worker<Sandbox>> {
    static SET: Once = Once::new();
    SET.call_once(|| {
        if std::env::var_os("NEAR_SANDBOX_BIN_PATH").is_none() {
            // Before any sandbox starts and always to the same value, so no
            // test ever reads it half-set.
            std::env::set_var("NEAR_SANDBOX_BIN_PATH", node_bin);
        }
    });
    near_workspaces::sandbox()
        .await
        .context("starting the sandbox")
}

/// `res/<name>.wasm` (`make build` writes them).
pub fn wasm(name: &str) -> anyhow::Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../res/{name}.wasm"));
    std::fs::read(&path)
        .with_context(|| format!("cannot read {} (run `make build`)", path.display()))
}

/// Gas for `new` and the owner's router actions, as the deploy tool attaches.
const INIT_GAS: Gas = Gas::from_tgas(50);
/// Calls per epoch operation in one keeper round before it is reported as
/// stuck (one validator per call; the suite has two).
const MAX_CALLS_PER_OP: usize = 10;

/// Fails with the transaction's failures unless it succeeded.
pub fn ensure_success(out: &ExecutionFinalResult, what: &str) -> anyhow::Result<()> {
    ensure!(out.is_success(), "{what}: {:?}", out.failures());
    Ok(())
}

/// Fails unless the transaction failed with the router or contract error
/// `err` (an `errors.rs` constant; its `E_…` code is what is compared).
pub fn ensure_error(out: ExecutionFinalResult, err: &str, what: &str) -> anyhow::Result<()> {
    let code = err.split(':').next().unwrap_or(err);
    match out.into_result() {
        Ok(_) => bail!("{what}: succeeded, expected {code}"),
        Err(e) => {
            let text = format!("{e:?}");
            ensure!(
                text.contains(&format!("{code}:")),
                "{what}: expected {code}, got {text}"
            );
            Ok(())
        }
    }
}

/// The protocol deployed under the sandbox's root account, which is the
/// deployment's master: the whitelist's foundation, the pools' and the
/// router's owner, the treasury.
pub struct Suite {
    pub worker: Worker<Sandbox>,
    pub root: Account,
    pub ids: SuiteIds,
    pub whitelist: Contract,
    pub pools: Vec<Contract>,
    pub snear: Contract,
    pub governance: Contract,
    pub router: Contract,
}

async fn sub_account(
    parent: &Account,
    prefix: &str,
    balance: NearToken,
) -> anyhow::Result<Account> {
    let created = parent
        .create_subaccount(prefix)
        .initial_balance(balance)
        .transact()
        .await?;
    Ok(created.into_result()?)
}

/// Creates `prefix.<parent>`, then deploys `code` and calls
/// `new(init_args)` with `deposit` in one transaction, as the deploy tool
/// does (nobody can call `new` first).
pub async fn deploy_and_init(
    worker: &Worker<Sandbox>,
    parent: &Account,
    prefix: &str,
    balance: NearToken,
    code: &[u8],
    init_args: Value,
    deposit: NearToken,
) -> anyhow::Result<Contract> {
    let account = sub_account(parent, prefix, balance).await?;
    let out = account
        .batch(account.id())
        .deploy(code)
        .call(
            Function::new("new")
                .args_json(init_args)
                .deposit(deposit)
                .gas(INIT_GAS),
        )
        .transact()
        .await?;
    ensure_success(&out, &format!("{prefix}: deploy and new"))?;
    Ok(Contract::from_secret_key(
        account.id().clone(),
        account.secret_key().clone(),
        worker,
    ))
}

fn prefix_of(id: &AccountId) -> String {
    id.as_str()
        .split('.')
        .next()
        .expect("an account id has a first part")
        .to_string()
}

impl Suite {
    /// Deploys what `make deploy` deploys on a local network, in its order
    /// and with its init arguments: the whitelist and two test pools (both
    /// whitelisted), sNEAR, governance, the seeded router (whitelisted), and
    /// the pools listed on the router by its owner during bootstrap.
    pub async fn deploy(worker: Worker<Sandbox>) -> anyhow::Result<Suite> {
        use deploy::plan::balances;
        let root = worker.root_account()?;
        let ids = SuiteIds::new(Network::Local, root.id(), None);
        let whitelist = deploy_and_init(
            &worker,
            &root,
            &prefix_of(&ids.whitelist),
            balances::WHITELIST,
            &wasm("test_whitelist")?,
            suite::whitelist_init(&ids),
            NearToken::from_yoctonear(0),
        )
        .await?;
        let pool_wasm = wasm("test_pool")?;
        let mut pools = Vec::new();
        for id in &ids.pools {
            let pool = deploy_and_init(
                &worker,
                &root,
                &prefix_of(id),
                balances::POOL,
                &pool_wasm,
                suite::pool_init(&ids, &deploy::plan::pool_stake_key(id)),
                NearToken::from_yoctonear(0),
            )
            .await?;
            whitelist_pool(&root, &whitelist, pool.id()).await?;
            pools.push(pool);
        }
        let snear = deploy_and_init(
            &worker,
            &root,
            &prefix_of(&ids.snear),
            balances::SNEAR,
            &wasm("snear")?,
            suite::snear_init(&ids),
            NearToken::from_yoctonear(0),
        )
        .await?;
        let governance = deploy_and_init(
            &worker,
            &root,
            &prefix_of(&ids.governance),
            balances::GOVERNANCE,
            &wasm("governance")?,
            suite::governance_init(&ids),
            NearToken::from_yoctonear(0),
        )
        .await?;
        let router = deploy_and_init(
            &worker,
            &root,
            &prefix_of(&ids.router),
            balances::ROUTER,
            &wasm("meta_pool")?,
            serde_json::to_value(suite::router_init(&ids))?,
            suite::ROUTER_SEED,
        )
        .await?;
        // Lockups may only stake with whitelisted pools.
        whitelist_pool(&root, &whitelist, router.id()).await?;
        for action in suite::local_validators(&ids) {
            let out = root
                .call(router.id(), "apply_governance_action")
                .args_json(json!({ "action": action }))
                .gas(INIT_GAS)
                .transact()
                .await?;
            ensure_success(&out, &format!("listing {action}"))?;
            ensure!(out.json::<bool>()?, "the router refused {action}");
        }
        Ok(Suite {
            worker,
            root,
            ids,
            whitelist,
            pools,
            snear,
            governance,
            router,
        })
    }

    /// A new account under the root with `near` NEAR.
    pub async fn user(&self, prefix: &str, near: u128) -> anyhow::Result<Account> {
        sub_account(&self.root, prefix, NearToken::from_near(near)).await
    }

    /// The RPC URL of the sandbox, for clients besides near-workspaces.
    pub fn rpc_url(&self) -> String {
        self.worker.rpc_addr()
    }

    /// A view's JSON result.
    pub async fn view(
        &self,
        contract: &AccountId,
        method: &str,
        args: Value,
    ) -> anyhow::Result<Value> {
        Ok(self
            .worker
            .view(contract, method)
            .args_json(args)
            .await?
            .json()?)
    }

    /// The `U128` a view returns, as a number.
    pub async fn view_u128(
        &self,
        contract: &AccountId,
        method: &str,
        args: Value,
    ) -> anyhow::Result<u128> {
        let v = self.view(contract, method, args).await?;
        v.as_str()
            .with_context(|| format!("{contract}.{method} returned {v}, not a U128"))?
            .parse()
            .with_context(|| format!("{contract}.{method} returned {v}"))
    }

    /// `who`'s sNEAR balance.
    pub async fn snear_balance(&self, who: &AccountId) -> anyhow::Result<u128> {
        self.view_u128(
            self.snear.id(),
            "ft_balance_of",
            json!({ "account_id": who }),
        )
        .await
    }

    /// `who`'s META balance (the governance contract is the META ledger).
    pub async fn meta_balance(&self, who: &AccountId) -> anyhow::Result<u128> {
        self.view_u128(
            self.governance.id(),
            "ft_balance_of",
            json!({ "account_id": who }),
        )
        .await
    }

    /// A router view about `who` (`get_account_*_balance` and friends).
    pub async fn router_u128(&self, method: &str, who: &AccountId) -> anyhow::Result<u128> {
        self.view_u128(self.router.id(), method, json!({ "account_id": who }))
            .await
    }

    /// `deposit_and_stake` on the router with about the least gas it
    /// accepts for a liquid account; returns the sNEAR it minted.
    pub async fn stake(&self, who: &Account, amount: NearToken) -> anyhow::Result<u128> {
        let out = who
            .call(self.router.id(), "deposit_and_stake")
            .deposit(amount)
            .gas(router_gas(GAS_LIQUID_STAKE))
            .transact()
            .await?;
        ensure_success(&out, &format!("{} deposit_and_stake", who.id()))?;
        let minted: String = out.json()?;
        Ok(minted.parse()?)
    }

    /// One keeper round, as the router's README prescribes once an epoch:
    /// `epoch_sync`, `epoch_withdraw`, `epoch_unstake`, `epoch_stake`,
    /// `epoch_rebalance`, each until it returns `false`, with about the
    /// least gas each accepts (`keeper::minimum_gas`). Returns how many
    /// calls each made.
    ///
    /// Start it early in an epoch: a round takes ~40 blocks, and the
    /// sandbox's test epochs are 60 blocks long; a round that crosses into
    /// the next epoch is an error, since its operations would act on
    /// validators synced in the epoch before.
    pub async fn keeper_round(&self) -> anyhow::Result<Vec<(&'static str, usize)>> {
        let (epoch, _) = self.epoch().await?;
        let mut calls = Vec::new();
        for op in crate::keeper::EPOCH_OPS {
            let gas = crate::keeper::minimum_gas(op);
            let mut n = 0;
            loop {
                ensure!(n < MAX_CALLS_PER_OP, "{op} still has work after {n} calls");
                let out = self
                    .root
                    .call(self.router.id(), op)
                    .gas(gas)
                    .transact()
                    .await?;
                ensure_success(&out, op)?;
                n += 1;
                if !out.json::<bool>()? {
                    break;
                }
            }
            calls.push((op, n));
        }
        let (now, _) = self.epoch().await?;
        ensure!(
            now == epoch,
            "the keeper round began in epoch {epoch} and ended in {now}: {calls:?}"
        );
        Ok(calls)
    }

    /// Epoch height and the first block of the current epoch, from the
    /// node's `validators` method.
    pub async fn epoch(&self) -> anyhow::Result<(u64, u64)> {
        let client = near_jsonrpc_client::JsonRpcClient::connect(self.rpc_url());
        let info = client
            .call(
                near_jsonrpc_client::methods::validators::RpcValidatorRequest {
                    epoch_reference: near_primitives::types::EpochReference::Latest,
                },
            )
            .await?;
        Ok((info.epoch_height, info.epoch_start_height))
    }

    /// The current validator set, `(account, stake)`, from the node's
    /// `validators` method.
    pub async fn current_validators(&self) -> anyhow::Result<Vec<(AccountId, u128)>> {
        let client = near_jsonrpc_client::JsonRpcClient::connect(self.rpc_url());
        let info = client
            .call(
                near_jsonrpc_client::methods::validators::RpcValidatorRequest {
                    epoch_reference: near_primitives::types::EpochReference::Latest,
                },
            )
            .await?;
        info.current_validators
            .into_iter()
            .map(|v| Ok((v.account_id.as_str().parse()?, v.stake.as_yoctonear())))
            .collect()
    }

    /// Blocks per epoch, from the node's protocol config.
    pub async fn epoch_length(&self) -> anyhow::Result<u64> {
        let client = near_jsonrpc_client::JsonRpcClient::connect(self.rpc_url());
        let config = client
            .call(near_jsonrpc_client::methods::EXPERIMENTAL_protocol_config::RpcProtocolConfigRequest {
                block_reference: near_primitives::types::BlockReference::latest(),
            })
            .await?;
        Ok(config.epoch_length)
    }

    /// Fast-forwards to the first block of the epoch `n` epochs ahead.
    pub async fn advance_epochs(&self, n: u64) -> anyhow::Result<()> {
        let (epoch, start) = self.epoch().await?;
        let length = self.epoch_length().await?;
        let head = self.worker.view_block().await?.height();
        let target = start + n * length;
        self.worker
            .fast_forward(target.saturating_sub(head))
            .await?;
        let (now, _) = self.epoch().await?;
        ensure!(
            now >= epoch + n,
            "fast_forward reached epoch {now}, wanted {}",
            epoch + n
        );
        Ok(())
    }

    /// `n` epochs, each followed by a keeper round (the keeper running
    /// once an epoch, early, as the router's E+5 promise assumes).
    pub async fn advance_epochs_with_keeper(&self, n: u64) -> anyhow::Result<()> {
        for _ in 0..n {
            self.advance_epochs(1).await?;
            self.keeper_round().await?;
        }
        Ok(())
    }

    /// META the real way: `who` stakes `stake` on the router, holds the
    /// sNEAR for `blocks` blocks (the router emits `meta_per_epoch` per
    /// `EPOCH_BLOCKS` = 43,200 blocks, whatever the node's epoch length),
    /// then, early in the next epoch, the keeper's sync pushes the reward
    /// index to sNEAR and `who` claims through sNEAR, which mints on
    /// governance. Returns `who`'s META balance.
    pub async fn earn_meta(
        &self,
        who: &Account,
        stake: NearToken,
        blocks: u64,
    ) -> anyhow::Result<u128> {
        self.stake(who, stake).await?;
        self.worker.fast_forward(blocks).await?;
        self.advance_epochs_with_keeper(1).await?;
        let out = who
            .call(self.snear.id(), "claim_governance_tokens")
            .deposit(GOVERNANCE_MINT_DEPOSIT)
            .gas(Gas::from_tgas(100))
            .transact()
            .await?;
        ensure_success(&out, "claim_governance_tokens")?;
        let logs: Vec<String> = out.logs().iter().map(|l| l.to_string()).collect();
        let minted: String = out.json()?;
        let minted: u128 = minted.parse()?;
        ensure!(minted > 0, "nothing was claimed: {logs:?}");
        let balance = self.meta_balance(who.id()).await?;
        ensure!(balance >= minted, "claimed {minted}, holds {balance}");
        Ok(balance)
    }

    /// A new account `prefix` that earned, by staking 100 NEAR and
    /// claiming through sNEAR, the META a proposal needs (the proposal
    /// threshold and the quorum floor, `min_quorum`, where governance has
    /// one, read from governance); its META balance. The owner first raises
    /// the emission to its hard cap (an action it may take during
    /// bootstrap) so that takes a few router epochs of 43,200 blocks, not
    /// thousands.
    pub async fn voter_with_meta(&self, prefix: &str) -> anyhow::Result<(Account, u128)> {
        use meta_common::actions::MAX_META_PER_EPOCH;
        use meta_pool::config::EPOCH_BLOCKS;
        const VOTER_STAKE: NearToken = NearToken::from_near(100);
        let config: Value = self.governance.view("get_config").await?.json()?;
        let rule = |name: &str| -> anyhow::Result<u128> {
            match config["config"][name].as_str() {
                Some(v) => Ok(v.parse()?),
                None => Ok(0),
            }
        };
        let needed = rule("proposal_threshold")?.max(rule("min_quorum")?);
        ensure!(needed > 0, "governance asks no META to propose: {config}");
        self.owner_action(&RouterAction::SetEmission {
            meta_per_epoch: near_sdk::json_types::U128(MAX_META_PER_EPOCH),
        })
        .await?;
        // The voter holds VOTER_STAKE of the VOTER_STAKE + seed shares.
        let stake = VOTER_STAKE.as_yoctonear();
        let all = stake + suite::ROUTER_SEED.as_yoctonear();
        let per_epoch = MAX_META_PER_EPOCH / all * stake;
        let epochs = needed.div_ceil(per_epoch) as u64 + 1;
        let voter = self.user(prefix, 150).await?;
        let meta = self
            .earn_meta(&voter, VOTER_STAKE, epochs * EPOCH_BLOCKS)
            .await?;
        ensure!(meta >= needed, "earned {meta} META < {needed}");
        Ok((voter, meta))
    }

    /// A router action by its owner while the router is in bootstrap (as
    /// the deploy tool lists the validators); fails unless it applied.
    pub async fn owner_action(&self, action: &RouterAction) -> anyhow::Result<()> {
        let out = self
            .root
            .call(self.router.id(), "apply_governance_action")
            .args_json(json!({ "action": action }))
            .gas(INIT_GAS)
            .transact()
            .await?;
        ensure_success(&out, &format!("{action:?}"))?;
        ensure!(out.json::<bool>()?, "the router refused {action:?}");
        Ok(())
    }
}

async fn whitelist_pool(
    root: &Account,
    whitelist: &Contract,
    pool: &AccountId,
) -> anyhow::Result<()> {
    let out = root
        .call(whitelist.id(), "add_staking_pool")
        .args_json(json!({ "staking_pool_account_id": pool }))
        .transact()
        .await?;
    ensure_success(&out, &format!("whitelisting {pool}"))
}

/// The lockup account id the router expects for `owner`:
/// `hex(sha256(owner))[0..40] + "." + suffix` (the lockup factory's rule).
pub fn lockup_account_id(owner: &str, suffix: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(owner.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}.{suffix}", &hex[..40])
}

#[cfg(test)]
mod tests {
    //! The deploy tool keeps its init arguments as JSON (it does not link
    //! the contracts); these pin them to the contracts' own types and
    //! constants.
    use super::*;
    use meta_common::actions::MAX_META_PER_EPOCH;

    fn local_ids() -> SuiteIds {
        SuiteIds::new(Network::Local, &"test.near".parse().unwrap(), None)
    }

    #[test]
    fn the_deploy_tools_router_arguments_meet_the_routers_bounds() {
        assert!(suite::ROUTER_SEED.as_yoctonear() >= meta_pool::config::MIN_SEED);
        assert_eq!(suite::ONE_META, ONE_META);
        for network in [Network::Local, Network::Testnet, Network::Mainnet] {
            if let Some(m) = network.meta_per_epoch() {
                assert!(m <= MAX_META_PER_EPOCH, "{network:?}");
            }
        }
        let init = serde_json::to_value(suite::router_init(&local_ids())).unwrap();
        let suffix = init["lockup_account_suffix"].as_str().unwrap();
        // A sub-account suffix without a leading dot, as `new` requires.
        assert!(suffix.contains('.') && !suffix.starts_with('.'));
        assert!(suffix.parse::<AccountId>().is_ok());
    }

    #[test]
    fn the_deploy_tools_validator_actions_are_valid_router_actions() {
        let ids = local_ids();
        let actions = suite::local_validators(&ids);
        assert_eq!(actions.len(), ids.pools.len());
        for (json, pool) in actions.into_iter().zip(&ids.pools) {
            let action: RouterAction = serde_json::from_value(json).unwrap();
            action.validate().unwrap();
            match action {
                RouterAction::AddValidator { account_id, .. } => {
                    assert_eq!(account_id.as_str(), pool.as_str())
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn lockup_ids_follow_the_factory_rule() {
        let id = lockup_account_id("owner.test.near", "lockup.test.near");
        let (hex, suffix) = id.split_once('.').unwrap();
        assert_eq!(suffix, "lockup.test.near");
        assert_eq!(hex.len(), 40);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(id, lockup_account_id("other.test.near", "lockup.test.near"));
    }
}
