//! The node's home directory: the files `neard init` writes and `neard run`
//! reads, in the layout and JSON shapes the `near-sandbox` crate edits.
//!
//! `init` writes `genesis.json` (a nearcore `GenesisConfig` plus `records`),
//! `config.json`, `node_key.json` and `validator_key.json`. near-sandbox then
//! merges its own entries into `config.json` and appends accounts to the
//! genesis `records` (adjusting `total_supply`); `run` reads what it finds.

use chrono::{DateTime, Utc};
use near_account_id::AccountId;
use near_chain_configs::{
    GenesisConfig, FAST_EPOCH_LENGTH, MIN_GAS_PRICE, TRANSACTION_VALIDITY_PERIOD,
};
use near_crypto::{ED25519SecretKey, KeyFile, PublicKey, SecretKey};
use near_primitives::account::{AccessKey, Account, AccountContract};
use near_primitives::state_record::StateRecord;
use near_primitives::types::AccountInfo;
use near_primitives::version::PROTOCOL_VERSION;
use near_token::NearToken;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const GENESIS_FILE: &str = "genesis.json";
pub const CONFIG_FILE: &str = "config.json";
pub const NODE_KEY_FILE: &str = "node_key.json";
pub const VALIDATOR_KEY_FILE: &str = "validator_key.json";

/// Account of the genesis validator, as `neard init` names it; near-workspaces
/// uses it as the root account (it reads `validator_key.json`).
pub const DEFAULT_VALIDATOR_ACCOUNT: &str = "test.near";
/// Epoch length `init` writes without `--fast` (nearcore: 43,200 on mainnet;
/// a local chain wants epochs that pass in minutes).
pub const DEFAULT_EPOCH_LENGTH: u64 = 500;
/// nearcore's testing balances (`near_chain_configs::test_utils`).
const INIT_BALANCE: NearToken = NearToken::from_near(1_000_000_000);
const INIT_STAKE: NearToken = NearToken::from_near(50_000_000);
/// Default JSON payload limit (nearcore's `RpcLimitsConfig`).
pub const DEFAULT_JSON_PAYLOAD_MAX_SIZE: usize = 10 * 1024 * 1024;
/// How often an idle node produces an (empty) block.
pub const DEFAULT_BLOCK_PRODUCTION_DELAY: Duration = Duration::from_millis(1_000);
/// How long `broadcast_tx_commit` and friends wait before a timeout error
/// (nearcore's `polling_timeout`).
pub const DEFAULT_POLLING_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of `init`.
#[derive(Clone, Debug)]
pub struct InitOptions {
    pub chain_id: String,
    pub account_id: AccountId,
    /// `--fast`: nearcore's short test epochs (60 blocks).
    pub fast: bool,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            chain_id: "localnet".into(),
            account_id: DEFAULT_VALIDATOR_ACCOUNT.parse().expect("valid"),
            fast: false,
        }
    }
}

/// Writes a fresh home directory. Existing files are kept, as `neard init`
/// does, so an initialised home is never overwritten by accident.
pub fn init(home: &Path, options: &InitOptions) -> Result<(), String> {
    std::fs::create_dir_all(home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let validator_file = home.join(VALIDATOR_KEY_FILE);
    let validator = if validator_file.exists() {
        read_key_file(&validator_file)?
    } else {
        let key = fresh_key_file(home, options.account_id.clone(), "validator");
        write_key_file(&validator_file, &key)?;
        key
    };
    let node_key_file = home.join(NODE_KEY_FILE);
    if !node_key_file.exists() {
        let node = fresh_key_file(home, "node".parse().expect("valid"), "node");
        write_key_file(&node_key_file, &node)?;
    }
    let config_file = home.join(CONFIG_FILE);
    if !config_file.exists() {
        write_json(&config_file, &default_config())?;
    }
    let genesis_file = home.join(GENESIS_FILE);
    if !genesis_file.exists() {
        let genesis = default_genesis(options, &validator.account_id, &validator.public_key);
        write_json(&genesis_file, &genesis)?;
    }
    Ok(())
}

/// `config.json` as `neard init` writes it, reduced to the entries the node
/// reads (and those near-sandbox merges into).
fn default_config() -> Value {
    let delay = DEFAULT_BLOCK_PRODUCTION_DELAY;
    json!({
        "genesis_file": GENESIS_FILE,
        "node_key_file": NODE_KEY_FILE,
        "validator_key_file": VALIDATOR_KEY_FILE,
        "rpc": {
            "addr": "0.0.0.0:3030",
            "polling_config": {
                "polling_interval": { "secs": 0, "nanos": 500_000_000 },
                "polling_timeout": { "secs": DEFAULT_POLLING_TIMEOUT.as_secs(), "nanos": 0 },
            },
            "limits_config": { "json_payload_max_size": DEFAULT_JSON_PAYLOAD_MAX_SIZE },
        },
        "consensus": {
            "min_block_production_delay": { "secs": delay.as_secs(), "nanos": delay.subsec_nanos() },
        },
        "store": { "max_open_files": 10_000 },
    })
}

/// The genesis `neard init` writes for a single-validator local chain.
fn default_genesis(options: &InitOptions, validator: &AccountId, key: &PublicKey) -> Value {
    let mut records = Vec::new();
    let liquid = INIT_BALANCE
        .checked_sub(INIT_STAKE)
        .expect("stake below balance");
    push_account(&mut records, validator.clone(), key, liquid, INIT_STAKE);
    // The protocol treasury, with nearcore's test key for it.
    let treasury: AccountId = near_chain_configs::PROTOCOL_TREASURY_ACCOUNT
        .parse()
        .expect("valid");
    let treasury_key = seeded_secret_key(treasury.as_str()).public_key();
    push_account(
        &mut records,
        treasury,
        &treasury_key,
        INIT_BALANCE,
        NearToken::ZERO,
    );

    let config = GenesisConfig {
        protocol_version: PROTOCOL_VERSION,
        genesis_time: now_utc(),
        chain_id: options.chain_id.clone(),
        genesis_height: 0,
        num_block_producer_seats: 1,
        epoch_length: if options.fast {
            FAST_EPOCH_LENGTH
        } else {
            DEFAULT_EPOCH_LENGTH
        },
        gas_limit: near_chain_configs::INITIAL_GAS_LIMIT,
        min_gas_price: MIN_GAS_PRICE,
        block_producer_kickout_threshold: near_chain_configs::BLOCK_PRODUCER_KICKOUT_THRESHOLD,
        chunk_producer_kickout_threshold: near_chain_configs::CHUNK_PRODUCER_KICKOUT_THRESHOLD,
        validators: vec![AccountInfo {
            account_id: validator.clone(),
            public_key: key.clone(),
            amount: INIT_STAKE,
        }],
        transaction_validity_period: TRANSACTION_VALIDITY_PERIOD,
        total_supply: near_chain_configs::get_initial_supply(&records),
        num_blocks_per_year: near_chain_configs::NUM_BLOCKS_PER_YEAR,
        fishermen_threshold: near_chain_configs::FISHERMEN_THRESHOLD,
        ..GenesisConfig::default()
    };
    let mut value = serde_json::to_value(&config).expect("genesis config serializes");
    value["records"] = serde_json::to_value(&records).expect("records serialize");
    value
}

fn push_account(
    records: &mut Vec<StateRecord>,
    id: AccountId,
    key: &PublicKey,
    amount: NearToken,
    locked: NearToken,
) {
    records.push(StateRecord::Account {
        account_id: id.clone(),
        account: Account::new(amount, locked, AccountContract::None, 0),
    });
    records.push(StateRecord::AccessKey {
        account_id: id,
        public_key: key.clone().into(),
        access_key: AccessKey::full_access(),
    });
}

fn now_utc() -> DateTime<Utc> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos()).unwrap_or_default()
}

/// An ed25519 key from a seed string (nearcore's `from_seed`: the seed's bytes,
/// zero-padded to 32).
pub(crate) fn seeded_secret_key(seed: &str) -> SecretKey {
    let mut bytes = [0u8; 32];
    let len = seed.len().min(32);
    bytes[..len].copy_from_slice(&seed.as_bytes()[..len]);
    let signing = ed25519_dalek::SigningKey::from_bytes(&bytes);
    SecretKey::ED25519(ED25519SecretKey(signing.to_keypair_bytes()))
}

/// A new key for `account_id`. Unpredictable enough for a local chain: the
/// seed hashes the home path, the time and the process id.
fn fresh_key_file(home: &Path, account_id: AccountId, purpose: &str) -> KeyFile {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let seed: [u8; 32] = Sha256::digest(format!(
        "{}:{purpose}:{nanos}:{}",
        home.display(),
        std::process::id()
    ))
    .into();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let secret_key = SecretKey::ED25519(ED25519SecretKey(signing.to_keypair_bytes()));
    KeyFile {
        account_id,
        public_key: secret_key.public_key(),
        secret_key,
    }
}

fn write_key_file(path: &Path, key: &KeyFile) -> Result<(), String> {
    write_json(
        path,
        &serde_json::to_value(key).expect("key file serializes"),
    )
}

/// Reads a key file (`account_id`, `public_key`, `secret_key`/`private_key`).
pub fn read_key_file(path: &Path) -> Result<KeyFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid key file {}: {e}", path.display()))
}

fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("json serializes");
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What `run` reads from the home directory.
pub struct Home {
    pub dir: PathBuf,
    pub genesis: GenesisConfig,
    pub records: Vec<StateRecord>,
    pub validator_key: KeyFile,
    pub node_key: KeyFile,
    pub settings: Settings,
}

/// The node's settings from `config.json`.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `rpc.addr`, used when `run` gets no `--rpc-addr`.
    pub rpc_addr: Option<String>,
    /// `rpc.limits_config.json_payload_max_size`.
    pub json_payload_max_size: usize,
    /// `rpc.polling_config.polling_timeout`.
    pub polling_timeout: Duration,
    /// `consensus.min_block_production_delay`: the idle block interval.
    pub block_production_delay: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rpc_addr: None,
            json_payload_max_size: DEFAULT_JSON_PAYLOAD_MAX_SIZE,
            polling_timeout: DEFAULT_POLLING_TIMEOUT,
            block_production_delay: DEFAULT_BLOCK_PRODUCTION_DELAY,
        }
    }
}

/// Loads an initialised home directory.
pub fn load(dir: &Path) -> Result<Home, String> {
    let config_path = dir.join(CONFIG_FILE);
    let config: Value = read_json(&config_path)?;
    let settings = settings_from(&config);
    let file = |key: &str, default: &str| {
        dir.join(config.get(key).and_then(Value::as_str).unwrap_or(default))
    };
    let mut genesis_value: Value = read_json(&file("genesis_file", GENESIS_FILE))?;
    let records_value = genesis_value
        .as_object_mut()
        .and_then(|o| o.remove("records"))
        .unwrap_or(Value::Array(Vec::new()));
    let genesis: GenesisConfig = serde_json::from_value(genesis_value)
        .map_err(|e| format!("invalid genesis config: {e}"))?;
    let records: Vec<StateRecord> = serde_json::from_value(records_value)
        .map_err(|e| format!("invalid genesis records: {e}"))?;
    Ok(Home {
        dir: dir.to_path_buf(),
        genesis,
        records,
        validator_key: read_key_file(&file("validator_key_file", VALIDATOR_KEY_FILE))?,
        node_key: read_key_file(&file("node_key_file", NODE_KEY_FILE))?,
        settings,
    })
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid JSON in {}: {e}", path.display()))
}

fn duration(value: Option<&Value>) -> Option<Duration> {
    let v = value?;
    let secs = v.get("secs")?.as_u64()?;
    let nanos = v.get("nanos").and_then(Value::as_u64).unwrap_or(0);
    Some(Duration::from_secs(secs) + Duration::from_nanos(nanos))
}

fn settings_from(config: &Value) -> Settings {
    let default = Settings::default();
    let rpc = config.get("rpc");
    Settings {
        rpc_addr: rpc
            .and_then(|r| r.get("addr"))
            .and_then(Value::as_str)
            .map(String::from),
        json_payload_max_size: rpc
            .and_then(|r| r.pointer("/limits_config/json_payload_max_size"))
            .and_then(Value::as_u64)
            .map_or(default.json_payload_max_size, |n| n as usize),
        polling_timeout: duration(rpc.and_then(|r| r.pointer("/polling_config/polling_timeout")))
            .unwrap_or(default.polling_timeout),
        block_production_delay: duration(config.pointer("/consensus/min_block_production_delay"))
            .filter(|d| !d.is_zero())
            .unwrap_or(default.block_production_delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_home(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("localnet-home-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn init_then_load_round_trips() {
        let dir = temp_home("roundtrip");
        init(
            &dir,
            &InitOptions {
                fast: true,
                ..Default::default()
            },
        )
        .unwrap();
        let home = load(&dir).unwrap();
        assert_eq!(home.genesis.epoch_length, FAST_EPOCH_LENGTH);
        assert_eq!(home.genesis.chain_id, "localnet");
        assert_eq!(
            home.validator_key.account_id.as_str(),
            DEFAULT_VALIDATOR_ACCOUNT
        );
        assert_eq!(
            home.validator_key.secret_key.public_key(),
            home.validator_key.public_key
        );
        // Validator and treasury, each an account and a key.
        assert_eq!(home.records.len(), 4);
        assert_eq!(
            home.genesis.total_supply,
            INIT_BALANCE.checked_mul(2).unwrap()
        );
        assert_eq!(
            home.settings.json_payload_max_size,
            DEFAULT_JSON_PAYLOAD_MAX_SIZE
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn init_keeps_existing_files() {
        let dir = temp_home("keep");
        init(&dir, &InitOptions::default()).unwrap();
        let first = read_key_file(&dir.join(VALIDATOR_KEY_FILE)).unwrap();
        init(&dir, &InitOptions::default()).unwrap();
        let second = read_key_file(&dir.join(VALIDATOR_KEY_FILE)).unwrap();
        assert_eq!(first.public_key, second.public_key);
        assert_eq!(
            load(&dir).unwrap().genesis.epoch_length,
            DEFAULT_EPOCH_LENGTH
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn settings_read_the_sandbox_overrides() {
        let config = json!({
            "rpc": { "addr": "127.0.0.1:1", "limits_config": { "json_payload_max_size": 1234 },
                     "polling_config": { "polling_timeout": { "secs": 3, "nanos": 0 } } },
            "consensus": { "min_block_production_delay": { "secs": 0, "nanos": 250_000_000 } },
        });
        let s = settings_from(&config);
        assert_eq!(s.rpc_addr.as_deref(), Some("127.0.0.1:1"));
        assert_eq!(s.json_payload_max_size, 1234);
        assert_eq!(s.polling_timeout, Duration::from_secs(3));
        assert_eq!(s.block_production_delay, Duration::from_millis(250));
        let empty = settings_from(&json!({}));
        assert_eq!(empty.json_payload_max_size, DEFAULT_JSON_PAYLOAD_MAX_SIZE);
    }

    #[test]
    fn seeded_keys_match_nearcore_test_signer() {
        // nearcore: `InMemorySigner::test_signer("near")` = from_seed("near").
        let a = seeded_secret_key("near");
        assert_eq!(a.public_key(), seeded_secret_key("near").public_key());
        assert_ne!(a.public_key(), seeded_secret_key("test.near").public_key());
    }
}
