//! The deployed system and what tests do with it.
//!
//! `System::deploy(SystemConfig)` builds, on one in-process chain: the
//! staking-pool whitelist, N validator pools (each owned by its own test
//! account, so its fault switches can be flipped), sNEAR, governance and the
//! seeded router with the pools listed. Every contract knows the others
//! from its init arguments.
//!
//! Everything a test sends goes through `System`, which keeps a `Ledger` of
//! what the invariants need to know independently of the contracts' own
//! books: stake moves and the cap readings before them, META claimed,
//! registrations users paid, NEAR sent to the router. `System::snapshot`
//! reads every view the invariants compare (`readout`).
//!
//! `Driver` puts the system, a keeper and the invariant checker together:
//! a test is a sequence of labelled steps, each followed by every invariant.
//!
//! Modules: `config` (the deployment's numbers), `deploy`, `driver`, `accounts`
//! (stakers: liquid, lockup-named, lockup contracts), `router` (the
//! staking-pool interface and governance actions), `pools` (fault
//! switches), `ledger`, `readout`, `stepwise` (an epoch change between a
//! call and its callback), `wasm`.

mod accounts;
mod config;
mod deploy;
mod driver;
mod ledger;
mod pools;
mod rates;
mod readout;
mod router;
mod stepwise;
mod wasm;

pub use accounts::{lockup_account_id, Staker, StakerKind};
pub use config::{SystemConfig, ONE_META, ONE_NEAR};
pub use deploy::DEFAULT_WEIGHT_BPS;
pub use driver::{Driver, StepError};
pub use ledger::{BookedLoss, CapReading, Ledger, StakeMove};
pub use pools::Pool;
pub use readout::{CoreViews, MetaHolder, PoolReading, Snapshot, SnearHolder};
pub use stepwise::EpochChange;
pub use wasm::wasm;

use localnet::{AccountId, ExecutionOutcome, Gas, Localnet, NearToken};
use serde_json::Value;

/// Gas a test attaches to router calls that do cross-contract work
/// (the router asks at most 120 Tgas, `epoch_sync`).
pub const CALL_GAS: Gas = Gas::from_tgas(200);

/// The whole system on one localnet.
pub struct System {
    pub net: Localnet,
    pub config: SystemConfig,
    /// Deployer, whitelist foundation and the router's bootstrap owner.
    pub owner: AccountId,
    /// Calls the epoch operations (any account may).
    pub keeper_account: AccountId,
    pub router: AccountId,
    pub snear: AccountId,
    pub governance: AccountId,
    pub whitelist: AccountId,
    pub treasury: AccountId,
    /// Every pool deployed, listed or not, in deployment order.
    pub pools: Vec<Pool>,
    /// Every staker created through the suite.
    pub stakers: Vec<Staker>,
    pub ledger: Ledger,
}

impl System {
    /// Sends a function call, runs it to completion and records it in the
    /// ledger. Epoch operations (`epoch_*`) get a cap reading taken just
    /// before, so every stake they cause can be checked against the caps.
    pub fn call(
        &mut self,
        signer: &AccountId,
        receiver: &AccountId,
        method: &str,
        args: Value,
        deposit: u128,
        gas: Gas,
    ) -> ExecutionOutcome {
        let reading =
            (receiver == &self.router && method.starts_with("epoch_")).then(|| self.cap_reading());
        let out = self
            .net
            .call(signer, receiver, method)
            .args_json(args)
            .deposit(NearToken::from_yoctonear(deposit))
            .gas(gas)
            .transact();
        self.record(&out, reading);
        out
    }

    /// `call` on the router.
    pub fn call_router(
        &mut self,
        signer: &AccountId,
        method: &str,
        args: Value,
        deposit: u128,
        gas: Gas,
    ) -> ExecutionOutcome {
        let router = self.router.clone();
        self.call(signer, &router, method, args, deposit, gas)
    }

    /// Books an outcome into the ledger (for transactions a test drove by
    /// hand, e.g. block by block).
    pub fn record(&mut self, out: &ExecutionOutcome, reading: Option<CapReading>) {
        let epoch_length = self.config.epoch_length;
        // What a negative balance delta in force can hide from a sync: it
        // lowers each of the two balances the view reports.
        let hidden = self
            .pools
            .iter()
            .filter(|p| p.balance_delta < 0)
            .map(|p| (p.id.clone(), 2 * p.balance_delta.unsigned_abs()))
            .collect();
        self.ledger.record_outcome(
            out,
            &self.router,
            &self.governance,
            reading,
            epoch_length,
            &hidden,
        );
    }

    /// A view on any contract, deserialised; panics with the view's error.
    pub fn view<T: serde::de::DeserializeOwned>(
        &self,
        contract: &AccountId,
        method: &str,
        args: Value,
    ) -> T {
        self.net
            .view(contract, method, args)
            .unwrap_or_else(|e| panic!("view {contract}.{method}: {e:?}"))
    }

    /// A view on the router.
    pub fn router_view<T: serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> T {
        self.view(&self.router, method, args)
    }

    /// Advances `n` epochs (to the first block of the epoch `n` ahead).
    pub fn advance_epochs(&mut self, n: u64) {
        self.net.advance_epochs(n);
    }

    /// Sends `amount` to the router as a top-up of its own funds (storage,
    /// registrations); the ledger expects the router's own funds to grow
    /// by exactly that.
    pub fn top_up_router(&mut self, amount: u128) {
        let (owner, router) = (self.owner.clone(), self.router.clone());
        self.net
            .transfer(&owner, &router, NearToken::from_yoctonear(amount))
            .assert_success();
        self.ledger.router_top_ups += amount;
    }

    /// Sets the validators' reward rate from the next epoch boundary on; the
    /// ledger keeps the highest rate, which bounds rewards not yet booked.
    pub fn set_reward_rate(&mut self, rate: localnet::RewardRate) {
        self.net.set_validator_reward_rate(rate);
        self.ledger.note_reward_rate(rate);
    }

    /// Gives validator `v` a reward rate of its own from the next epoch
    /// boundary on (`None`: the chain-wide rate again); the ledger keeps
    /// the highest rate each validator was paid.
    pub fn set_validator_reward_rate_of(
        &mut self,
        v: &AccountId,
        rate: Option<localnet::RewardRate>,
    ) {
        match rate {
            Some(r) => self.net.set_validator_reward_rate_of(v, r),
            None => self.net.clear_validator_reward_rate_of(v),
        }
        self.ledger.note_validator_reward_rate(v, rate);
    }

    /// The chain's seat threshold from the next epoch boundary on: pools
    /// whose stake is below it leave the validator set two epochs later
    /// (`env::validator_stake` reads 0 for them, they earn nothing) until a
    /// proposal at or above it.
    pub fn set_seat_threshold(&mut self, threshold: NearToken) {
        self.net.set_seat_threshold(threshold);
    }

    /// Whether the chain has nothing left to run (no call in flight).
    pub fn at_rest(&self) -> bool {
        !self.net.chain().has_work()
    }
}
