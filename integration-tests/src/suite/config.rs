//! What `System::deploy` builds. The defaults are the scenario's: five
//! validators, an outside network large enough that the network cap binds
//! on one pool, rewards well under the router's anomaly filter.

use localnet::{NearToken, RewardRate};

/// One NEAR in yoctoNEAR.
pub const ONE_NEAR: u128 = 10u128.pow(24);
/// One META in its smallest unit.
pub const ONE_META: u128 = meta_common::actions::ONE_META;

/// The deployment's shape and numbers.
#[derive(Clone, Debug)]
pub struct SystemConfig {
    /// Pools deployed, whitelisted and listed on the router at start (equal
    /// weights).
    pub validators: usize,
    /// Pools deployed and whitelisted but not listed, for tests that add
    /// validators later. They follow the listed ones in `System::pools`.
    pub spare_pools: usize,
    /// Each pool's own stake (its balance at `new`, staked by no one),
    /// pool `i` taking entry `i % len`. A large own stake puts a pool near
    /// the network cap.
    pub pool_own_stake: Vec<NearToken>,
    /// Deploy `test_pool_faults.wasm` (fault switches) instead of
    /// `test_pool.wasm`.
    pub pool_faults: bool,
    /// Deploy `snear_faults.wasm` (sNEAR with fault switches, for the
    /// randomized runs) instead of `snear.wasm`.
    pub snear_faults: bool,
    /// Stake of validators outside the test (the rest of the network), in
    /// `env::validator_total_stake`.
    pub external_stake: NearToken,
    /// Validator reward per epoch, on stake.
    pub reward_rate: RewardRate,
    /// The router's seed (`new`'s deposit).
    pub router_seed: NearToken,
    /// The router's own funds beyond the seed: storage and sNEAR
    /// registrations.
    pub router_own_funds: NearToken,
    /// META emitted per epoch over all shares.
    pub meta_per_epoch: u128,
    /// Lockup accounts are `<hex40>.<suffix>`.
    pub lockup_suffix: String,
    /// Blocks per epoch. Only epochs matter to the contracts; localnet skips
    /// empty blocks, so the mainnet length costs nothing.
    pub epoch_length: u64,
    /// Epochs to advance after deployment so the pools' own stake is in the
    /// validator set (a stake proposal takes effect two epochs later).
    pub warmup_epochs: u64,
}

impl Default for SystemConfig {
    fn default() -> Self {
        Self {
            validators: 5,
            spare_pools: 0,
            pool_own_stake: vec![NearToken::from_near(1_000)],
            pool_faults: true,
            snear_faults: false,
            external_stake: NearToken::from_near(200_000),
            // 5 bps an epoch: ~3.5x mainnet, a twentieth of the router's
            // 100-bps anomaly filter.
            reward_rate: RewardRate::new(5, 10_000),
            router_seed: NearToken::from_near(1),
            router_own_funds: NearToken::from_near(30),
            meta_per_epoch: 1_000 * ONE_META,
            lockup_suffix: "lockup.near".into(),
            epoch_length: 43_200,
            warmup_epochs: 2,
        }
    }
}
