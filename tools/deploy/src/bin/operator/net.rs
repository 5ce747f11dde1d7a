//! The options every subcommand shares: which network, node and keys.

use anyhow::bail;
use clap::Args;
use deploy::chain::{Chain, Key};
use deploy::local::{self};
use deploy::suite::{Network, SuiteIds};
use near_primitives::types::AccountId;
use std::path::PathBuf;
use std::time::Duration;

use crate::parse_network;

/// Where and as whom: shared by every subcommand.
#[derive(Args, Debug)]
pub(crate) struct NetOptions {
    /// local (a localnet node; `deploy` starts one), testnet or mainnet.
    #[arg(long, global = true, default_value = "local", value_parser = parse_network)]
    pub(crate) network: Network,
    /// The RPC node (default: http://127.0.0.1:3030 on local, near-api's
    /// FastNEAR endpoints on testnet and mainnet, which rate-limit: use
    /// your provider's URL for a keeper).
    #[arg(long, global = true, env = "NEAR_RPC_URL")]
    pub(crate) rpc_url: Option<String>,
    /// An RPC provider's API key (sent as `Authorization: Bearer` and
    /// `x-api-key`).
    #[arg(long, global = true, env = "NEAR_RPC_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// The credentials directory near-cli and near-cli-rs write: the key of
    /// ACCOUNT is DIR/<network>/<ACCOUNT>.json.
    #[arg(long, global = true, default_value_os_t = deploy::default_credentials_dir())]
    pub(crate) credentials: PathBuf,
    /// The local node's home (its validator key signs on local).
    #[arg(long, global = true, default_value = "target/localnet")]
    pub(crate) home: PathBuf,
    /// How long to wait for the OS keychain (seconds): a locked keychain
    /// asks for its password, which a service never answers.
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS")]
    pub(crate) keychain_timeout: u64,
}

/// The router: `--router`, else `router.<--master>`, else (local) the
/// router `make deploy` made under the node's validator.
#[derive(Args, Debug)]
pub(crate) struct RouterOption {
    /// The router's account.
    #[arg(long, env = "ROUTER")]
    pub(crate) router: Option<AccountId>,
}

impl NetOptions {
    pub(crate) fn rpc_url(&self) -> String {
        self.rpc_url
            .clone()
            .unwrap_or_else(|| self.network.default_rpc_url())
    }

    /// `account`'s key where near-cli-rs keeps it: the credentials
    /// directory, then the OS keychain (`deploy::find_key`).
    pub(crate) async fn stored_key(
        &self,
        chain: &Chain,
        account: &AccountId,
    ) -> anyhow::Result<Key> {
        let wait = Duration::from_secs(self.keychain_timeout);
        deploy::find_key(chain, &self.credentials, self.network, account, wait).await
    }

    pub(crate) fn chain(&self) -> anyhow::Result<Chain> {
        Chain::with_api_key(&self.rpc_url(), self.api_key.as_deref())
    }

    /// The signing key of `account`: `file` if given; on local without
    /// either, or for the node's validator, the validator key; else the
    /// credentials directory, then the OS keychain (`stored_key`, which
    /// asks `chain` for the account's keys).
    pub(crate) async fn key(
        &self,
        chain: &Chain,
        account: Option<&AccountId>,
        file: Option<&PathBuf>,
    ) -> anyhow::Result<Key> {
        let key = match (file, account, self.network) {
            (Some(path), _, _) => deploy::read_key_file(path)?,
            (None, None, Network::Local) => local::master_key(&self.home)?,
            (None, Some(a), Network::Local) if local_master(&self.home).as_ref() == Some(a) => {
                local::master_key(&self.home)?
            }
            (None, Some(a), _) => self.stored_key(chain, a).await?,
            (None, None, _) => bail!("--account ACCOUNT is required on testnet and mainnet"),
        };
        if let Some(a) = account {
            if &key.account_id != a {
                bail!("the key file is for {}, not {a}", key.account_id);
            }
        }
        Ok(key)
    }

    pub(crate) fn router(&self, o: &RouterOption) -> anyhow::Result<AccountId> {
        if let Some(r) = &o.router {
            return Ok(r.clone());
        }
        match self.network {
            Network::Local => {
                let master = local_master(&self.home).unwrap_or_else(|| {
                    localnet::node::DEFAULT_VALIDATOR_ACCOUNT
                        .parse()
                        .expect("a valid account")
                });
                Ok(SuiteIds::new(Network::Local, &master, None).router)
            }
            _ => bail!("--router ACCOUNT (or ROUTER=) is required on testnet and mainnet"),
        }
    }

    /// The node answers and serves the chain `--network` names; before
    /// anything is sent or shown.
    pub(crate) async fn check_chain(&self, chain: &Chain) -> anyhow::Result<String> {
        let id = chain.check_chain_id(self.network.chain_id()).await?;
        if self.network == Network::Local && (id == "mainnet" || id == "testnet") {
            bail!(
                "{} serves {id}, not a local chain: pass --network {id}",
                chain.url
            );
        }
        Ok(id)
    }
}

/// The local node's validator account, from its key file.
pub(crate) fn local_master(home: &std::path::Path) -> Option<AccountId> {
    local::master_key(home).ok().map(|k| k.account_id)
}
