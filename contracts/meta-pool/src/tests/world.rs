//! A small simulated chain around the router for unit tests.
//!
//! It calls the router with a full context (predecessor, deposit, epoch,
//! balance, validator stakes), then executes every receipt the call created:
//! calls to sNEAR, the governance token, the whitelist and validator pools
//! run against in-memory models of those contracts (the pools follow the
//! core staking pool's share math and rounding), callbacks run on the router
//! with the real outcome, and NEAR moves as on chain (attached deposits leave
//! the router when the receipt is created; a failed receipt refunds them).
//! Faults make a chosen call fail or reply with arbitrary bytes.
//!
//! `check` asserts the router's invariants: the books' identities, the
//! shares/sNEAR identity at rest, NEAR conservation against the models, the
//! caps, and a share price that never decreases.

use std::collections::{BTreeMap, HashMap, HashSet};

use meta_common::pool_state::PoolState;
use meta_common::shares::{mul_div_down, SharePool};
use near_sdk::json_types::U128;
use near_sdk::serde_json::{self, json, Value};
use near_sdk::test_utils::{get_created_receipts, VMContextBuilder};
use near_sdk::{
    testing_env, AccountId, Gas, NearToken, PromiseError, PromiseOrValue, RuntimeFeesConfig,
};

use crate::config::{ONE_NEAR, UNSTAKE_WAIT_EPOCHS};
use crate::epoch::RawResult;
use crate::lockup::lockup_account_id_for;
use crate::validators::EpochOp;
use crate::MetaPool;

pub const ROUTER: &str = "router.near";
pub const SNEAR: &str = "snear.near";
pub const GOV: &str = "gov.near";
pub const WHITELIST: &str = "whitelist.near";
pub const TREASURY: &str = "treasury.near";
pub const OWNER: &str = "owner.near";
pub const SUFFIX: &str = "lockup.near";
/// The router's own funds at start (its storage reserve).
pub const OWN_FUNDS: u128 = 10 * ONE_NEAR;
/// The snear registration the model keeps per new holder.
pub const SNEAR_REG: u128 = meta_common::ext::SNEAR_REGISTRATION_DEPOSIT.as_yoctonear();

pub fn id(s: &str) -> AccountId {
    s.parse().unwrap()
}

pub fn near(n: u128) -> u128 {
    n * ONE_NEAR
}

/// The lockup account id of `owner`.
pub fn lockup_of(owner: &str) -> String {
    lockup_account_id_for(&id(owner), SUFFIX)
}

/// What a faulty contract does instead of its work.
#[derive(Clone, Debug)]
pub enum Fault {
    /// The call panics: nothing changes there, the deposit is refunded.
    Fail,
    /// The call "succeeds" and returns these bytes, changing nothing.
    Reply(Vec<u8>),
    /// The call does its work and succeeds, but returns more than the
    /// callback's `max_bytes`: near-sdk hands the callback
    /// `Err(PromiseError::TooLong)`.
    TooLong,
}

/// The core staking pool's books for the router's account, plus the stake
/// of everyone else in the pool.
#[derive(Clone, Debug)]
pub struct FakePool {
    pub total_staked: u128,
    pub total_shares: u128,
    pub router_shares: u128,
    pub router_unstaked: u128,
    pub available_epoch: u64,
}

impl FakePool {
    pub fn new() -> Self {
        Self {
            total_staked: near(1_000),
            total_shares: near(1_000),
            router_shares: 0,
            router_unstaked: 0,
            available_epoch: 0,
        }
    }
    fn pool(&self) -> SharePool {
        SharePool::new(self.total_staked, self.total_shares)
    }
    pub fn staked_view(&self) -> u128 {
        self.pool()
            .amount_from_shares_down(self.router_shares)
            .unwrap()
    }
    pub fn value(&self) -> u128 {
        self.staked_view() + self.router_unstaked
    }
    /// `deposit_and_stake` as the core pool does it: the charge is the
    /// shares' value rounded down, the pool adds it rounded up.
    fn deposit_and_stake(&mut self, amount: u128) -> bool {
        self.router_unstaked += amount;
        let shares = self.pool().shares_from_amount_down(amount).unwrap();
        if shares == 0 {
            self.router_unstaked -= amount;
            return false;
        }
        let charge = self.pool().amount_from_shares_down(shares).unwrap();
        let added = self.pool().amount_from_shares_up(shares).unwrap();
        self.router_unstaked -= charge;
        self.router_shares += shares;
        self.total_staked += added;
        self.total_shares += shares;
        true
    }
    fn unstake(&mut self, amount: u128, epoch: u64) -> bool {
        let shares = self.pool().shares_from_amount_up(amount).unwrap();
        if shares == 0 || shares > self.router_shares {
            return false;
        }
        let receive = self.pool().amount_from_shares_up(shares).unwrap();
        let removed = self.pool().amount_from_shares_down(shares).unwrap();
        self.router_shares -= shares;
        self.router_unstaked += receive;
        self.available_epoch = epoch + 4;
        self.total_staked -= removed;
        self.total_shares -= shares;
        true
    }
    fn withdraw(&mut self, amount: u128, epoch: u64) -> bool {
        if amount == 0 || amount > self.router_unstaked || self.available_epoch > epoch {
            return false;
        }
        self.router_unstaked -= amount;
        true
    }
    /// An epoch's reward for the whole pool.
    pub fn reward(&mut self, amount: u128) {
        self.total_staked += amount;
    }
}

/// The router and its neighbours.
pub struct World {
    pub c: MetaPool,
    pub epoch: u64,
    /// The router's NEAR balance.
    pub balance: u128,
    pub snear: BTreeMap<AccountId, u128>,
    pub snear_registered: HashSet<AccountId>,
    pub snear_state: Option<PoolState>,
    /// Each sNEAR mint and burn with the reward index sNEAR held when it
    /// ran (the index the holder was settled at).
    pub snear_settled_at: Vec<(String, AccountId, u128)>,
    pub meta_minted: BTreeMap<AccountId, u128>,
    pub whitelisted: HashSet<AccountId>,
    pub pools: BTreeMap<AccountId, FakePool>,
    /// `env::validator_stake` of each pool and of everyone else.
    pub network: HashMap<String, u128>,
    pub network_others: u128,
    /// NEAR the router transferred out, by receiver.
    pub paid: BTreeMap<AccountId, u128>,
    /// Faults by (receiver, method); `true` keeps the fault after use.
    pub faults: Vec<(AccountId, String, Fault, bool)>,
    /// The last share price, for the monotonicity check.
    pub last_price: SharePool,
    /// Logs of the last router call or callback.
    pub logs: Vec<String>,
    /// Every log since the world began.
    pub all_logs: Vec<String>,
    /// Receipts created by the last direct call, not yet run.
    pending: Vec<near_sdk::mock::Receipt>,
    /// Gas attached to every call.
    pub prepaid_tgas: u64,
    /// The receipt running now replies more than its callback reads.
    reply_too_long: bool,
    /// Blocks into the epoch the next calls run at (0: its first block).
    pub block_offset: u64,
}

impl World {
    /// A router seeded with `seed`, own funds of `OWN_FUNDS`, no validators.
    pub fn with_seed(seed: u128) -> Self {
        let epoch = 10;
        let network = HashMap::new();
        let network_others = near(1_000_000);
        // A fresh chain: a world built earlier on this thread leaves its
        // storage behind (its collections flush when dropped).
        near_sdk::mock::with_mocked_blockchain(|b| drop(b.take_storage()));
        set_context(
            OWNER,
            seed,
            OWN_FUNDS,
            (epoch, 0),
            &network,
            network_others,
            300,
        );
        let c = MetaPool::new(
            id(OWNER),
            id(SNEAR),
            id(GOV),
            id(WHITELIST),
            id(TREASURY),
            SUFFIX.to_string(),
            None,
            Some(U128(1_000 * ONE_NEAR)),
        );
        let mut w = Self {
            last_price: c.books.pool(),
            c,
            epoch,
            balance: OWN_FUNDS + seed,
            snear: BTreeMap::new(),
            snear_registered: HashSet::new(),
            snear_state: None,
            snear_settled_at: Vec::new(),
            meta_minted: BTreeMap::new(),
            whitelisted: HashSet::new(),
            pools: BTreeMap::new(),
            network,
            network_others,
            paid: BTreeMap::new(),
            faults: Vec::new(),
            logs: Vec::new(),
            all_logs: Vec::new(),
            pending: Vec::new(),
            prepaid_tgas: 300,
            reply_too_long: false,
            block_offset: 0,
        };
        w.after_router_run();
        w
    }

    pub fn new() -> Self {
        Self::with_seed(ONE_NEAR)
    }

    /// A router with `n` whitelisted, active validators of equal weight
    /// ("v0.pool.near"...), each a network validator with 1000 NEAR in a
    /// network of a million NEAR, so only the router's own cap binds.
    pub fn with_validators(n: usize) -> Self {
        let mut w = Self::new();
        for i in 0..n {
            w.add_validator(&format!("v{i}.pool.near"), 1_000);
        }
        w
    }

    /// Four validators, a lockup (`owner1.near`'s) with 99 NEAR staked, the
    /// keeper's placement done and the next epoch synced: stake on the
    /// pools, for tests of what happens to it. Returns the lockup's id.
    pub fn with_placed_lockup() -> (Self, String) {
        let mut w = Self::with_validators(4);
        let l = lockup_of("owner1.near");
        w.deposit_and_stake(&l, near(99));
        w.keeper();
        w.next_epoch(0);
        w.drain(World::sync);
        (w, l)
    }

    /// Whitelists a pool and adds it through the owner's bootstrap powers.
    pub fn add_validator(&mut self, name: &str, weight: u16) {
        self.whitelisted.insert(id(name));
        self.pools.insert(id(name), FakePool::new());
        self.network.insert(name.to_string(), near(1_000));
        let added = self.exec_bool(OWNER, 0, |c| {
            c.apply_governance_action(meta_common::actions::RouterAction::AddValidator {
                account_id: id(name),
                weight_bps: weight,
            })
        });
        assert!(added, "validator {name} added");
    }

    fn context(&self, predecessor: &str, deposit: u128) {
        set_context(
            predecessor,
            deposit,
            self.balance,
            (self.epoch, self.block_offset),
            &self.network,
            self.network_others,
            self.prepaid_tgas,
        );
    }

    /// Calls the router as `who` with `deposit`; the receipts it creates
    /// wait in `pending` (run them with `run`). The deposit joins the
    /// router's balance; deposits the call attaches leave it.
    pub fn call<R>(&mut self, who: &str, deposit: u128, f: impl FnOnce(&mut MetaPool) -> R) -> R {
        self.context(who, deposit);
        let r = f(&mut self.c);
        self.balance += deposit;
        self.after_router_run();
        r
    }

    fn after_router_run(&mut self) {
        self.logs = near_sdk::test_utils::get_logs();
        self.all_logs.extend(self.logs.iter().cloned());
        let receipts = get_created_receipts();
        for r in &receipts {
            for a in &r.actions {
                match a {
                    near_sdk::mock::MockAction::FunctionCallWeight {
                        attached_deposit, ..
                    } => self.balance -= attached_deposit.as_yoctonear(),
                    near_sdk::mock::MockAction::Transfer { deposit, .. } => {
                        self.balance -= deposit.as_yoctonear();
                    }
                    _ => {}
                }
            }
        }
        self.pending.extend(receipts);
    }

    /// Takes the pending receipts out, to run them later (a call whose
    /// callback lands after other calls, possibly in a later epoch).
    pub fn hold(&mut self) -> Vec<near_sdk::mock::Receipt> {
        std::mem::take(&mut self.pending)
    }

    /// Runs receipts taken with `hold`.
    pub fn release(
        &mut self,
        receipts: Vec<near_sdk::mock::Receipt>,
    ) -> Option<Result<Vec<u8>, ()>> {
        self.run_receipts(receipts)
    }

    /// Runs every pending receipt; returns the outcome of the last callback
    /// on the router (the result of the promise chain the call returned).
    pub fn run(&mut self) -> Option<Result<Vec<u8>, ()>> {
        let receipts = std::mem::take(&mut self.pending);
        self.run_receipts(receipts)
    }

    fn run_receipts(
        &mut self,
        receipts: Vec<near_sdk::mock::Receipt>,
    ) -> Option<Result<Vec<u8>, ()>> {
        let mut outcomes: HashMap<u64, Result<Vec<u8>, ()>> = HashMap::new();
        let mut too_long: HashSet<u64> = HashSet::new();
        let mut last = None;
        for r in receipts {
            let index = r.actions.iter().find_map(|a| a.receipt_index()).unwrap();
            let deps: Vec<Result<Vec<u8>, Option<usize>>> = r
                .receipt_indices
                .iter()
                .map(|d| {
                    let o = outcomes.get(d).cloned().expect("dependency ran first");
                    match o {
                        Ok(bytes) if too_long.contains(d) => Err(Some(bytes.len().max(257))),
                        Ok(bytes) => Ok(bytes),
                        Err(()) => Err(None),
                    }
                })
                .collect();
            let outcome = if r.receiver_id == id(ROUTER) {
                let o = self.run_callback(&r, deps);
                last = Some(o.clone());
                o
            } else {
                self.reply_too_long = false;
                let o = self.run_external(&r);
                if self.reply_too_long {
                    too_long.insert(index);
                }
                o
            };
            outcomes.insert(index, outcome);
        }
        last
    }

    fn run_callback(
        &mut self,
        r: &near_sdk::mock::Receipt,
        deps: Vec<Result<Vec<u8>, Option<usize>>>,
    ) -> Result<Vec<u8>, ()> {
        let (method, args) = function_call(r);
        let result: Result<RawResult, PromiseError> = match deps.first() {
            Some(Ok(bytes)) => Ok(RawResult(bytes.clone())),
            Some(Err(Some(len))) => Err(PromiseError::TooLong(*len)),
            _ => Err(PromiseError::Failed),
        };
        self.context(ROUTER, 0);
        let value = self.dispatch(&method, &args, result);
        self.after_router_run();
        match value {
            Some(bytes) => {
                // Run what the callback started (detached fee mints, pushes).
                let receipts = std::mem::take(&mut self.pending);
                self.run_receipts(receipts);
                Ok(bytes)
            }
            None => {
                let receipts = std::mem::take(&mut self.pending);
                self.run_receipts(receipts)
                    .expect("the returned promise ran")
            }
        }
    }

    /// Calls a router callback by name. `None` when it returned a promise.
    fn dispatch(
        &mut self,
        method: &str,
        a: &Value,
        result: Result<RawResult, PromiseError>,
    ) -> Option<Vec<u8>> {
        let acc = |k: &str| id(a[k].as_str().unwrap());
        let u = |k: &str| U128(a[k].as_str().unwrap().parse().unwrap());
        let e = |k: &str| a[k].as_u64().unwrap();
        let op = |k: &str| serde_json::from_value::<EpochOp>(a[k].clone()).unwrap();
        let c = &mut self.c;
        let bytes = |v: Value| Some(serde_json::to_vec(&v).unwrap());
        match method {
            "on_mint" => bytes(json!(c.on_mint(
                acc("account_id"),
                u("amount"),
                u("shares"),
                serde_json::from_value(a["draws"].clone()).unwrap(),
                result
            ))),
            "on_burn" => bytes(json!(c.on_burn(acc("account_id"), u("shares"), result))),
            "on_burn_all" => bytes(json!(c.on_burn_all(acc("account_id"), result))),
            // Dropping the promise schedules it; its chain gives the result.
            "on_ping" => {
                drop(c.on_ping(acc("validator_id"), e("epoch"), result));
                None
            }
            "on_sync" => bytes(json!(c.on_sync(
                acc("validator_id"),
                e("epoch"),
                a["pinged"].as_bool().unwrap(),
                result
            ))),
            "on_fee_mint" => {
                c.on_fee_mint(u("shares"), result);
                Some(vec![])
            }
            "on_pool_state_pushed" => {
                let state: PoolState = serde_json::from_value(a["state"].clone()).unwrap();
                bytes(json!(c.on_pool_state_pushed(state, result)))
            }
            "on_stake" => bytes(json!(c.on_stake(
                acc("validator_id"),
                u("amount"),
                e("epoch"),
                result
            ))),
            "on_unstake" => bytes(json!(c.on_unstake(
                acc("validator_id"),
                u("amount"),
                u("earmark"),
                e("epoch"),
                op("op"),
                result
            ))),
            "on_withdraw" => bytes(json!(c.on_withdraw(
                acc("validator_id"),
                u("amount"),
                e("epoch"),
                result
            ))),
            "on_whitelist_checked" => bytes(json!(c.on_whitelist_checked(
                acc("account_id"),
                a["weight_bps"].as_u64().unwrap() as u16,
                result
            ))),
            "on_lockup_claim" => bytes(json!(c.on_lockup_claim(
                acc("lockup_account_id"),
                acc("owner_id"),
                u("amount"),
                u("deposit"),
                result
            ))),
            other => panic!("unknown callback {other}"),
        }
    }

    fn take_fault(&mut self, receiver: &AccountId, method: &str) -> Option<Fault> {
        let i = self
            .faults
            .iter()
            .position(|(r, m, _, _)| r == receiver && m == method)?;
        let fault = self.faults[i].2.clone();
        if !self.faults[i].3 {
            self.faults.remove(i);
        }
        Some(fault)
    }

    /// Makes the next call of `method` on `receiver` misbehave (`sticky`:
    /// every call).
    pub fn fault(&mut self, receiver: &str, method: &str, fault: Fault, sticky: bool) {
        self.faults
            .push((id(receiver), method.to_string(), fault, sticky));
    }

    /// Runs a receipt on a neighbour: its function calls in order, all or
    /// nothing (a failing action undoes the ones before it, as on chain);
    /// the receipt's result is the last action's.
    fn run_external(&mut self, r: &near_sdk::mock::Receipt) -> Result<Vec<u8>, ()> {
        let receiver = r.receiver_id.clone();
        if let Some(near_sdk::mock::MockAction::Transfer { deposit, .. }) = r.actions.first() {
            *self.paid.entry(receiver).or_default() += deposit.as_yoctonear();
            return Ok(vec![]);
        }
        let saved = self.neighbours();
        let mut outcome = Ok(vec![]);
        for (method, args, deposit) in function_calls(r) {
            // sNEAR's `burn` switch breaks `burn_all` too (one switch).
            let fault = self.take_fault(&receiver, &method).or_else(|| {
                (method == "burn_all")
                    .then(|| self.take_fault(&receiver, "burn"))
                    .flatten()
            });
            outcome = match fault {
                Some(Fault::Fail) => Err(()),
                Some(Fault::Reply(bytes)) => Ok(bytes),
                Some(Fault::TooLong) => {
                    self.reply_too_long = true;
                    self.execute(&receiver, &method, &args, deposit)
                }
                None => self.execute(&receiver, &method, &args, deposit),
            };
            if outcome.is_err() {
                break;
            }
        }
        if outcome.is_err() {
            self.restore(saved);
            // A failed receipt refunds its deposits to the predecessor.
            self.balance += function_call_deposit(r);
        }
        outcome
    }

    /// The neighbours' state a failed receipt must leave as it was.
    fn neighbours(&self) -> Neighbours {
        Neighbours {
            balance: self.balance,
            snear: self.snear.clone(),
            snear_registered: self.snear_registered.clone(),
            snear_state: self.snear_state.clone(),
            snear_settled_at: self.snear_settled_at.len(),
            meta_minted: self.meta_minted.clone(),
            pools: self.pools.clone(),
            paid: self.paid.clone(),
        }
    }

    fn restore(&mut self, n: Neighbours) {
        self.balance = n.balance;
        self.snear = n.snear;
        self.snear_registered = n.snear_registered;
        self.snear_state = n.snear_state;
        self.snear_settled_at.truncate(n.snear_settled_at);
        self.meta_minted = n.meta_minted;
        self.pools = n.pools;
        self.paid = n.paid;
    }

    /// The neighbours' behaviour.
    fn execute(
        &mut self,
        receiver: &AccountId,
        method: &str,
        a: &Value,
        deposit: u128,
    ) -> Result<Vec<u8>, ()> {
        let u = |k: &str| -> u128 { a[k].as_str().unwrap().parse().unwrap() };
        let ok = |v: Value| Ok(serde_json::to_vec(&v).unwrap());
        match (receiver.as_str(), method) {
            (SNEAR, "mint") => {
                let holder = id(a["account_id"].as_str().unwrap());
                self.note_settlement("mint", &holder);
                let mut refund = deposit;
                let mut minted = u("amount");
                if !self.snear_registered.contains(&holder) {
                    if deposit < SNEAR_REG {
                        return Err(());
                    }
                    let paid = u("registration_shares");
                    if paid > 0 {
                        if paid >= minted {
                            return Err(());
                        }
                        minted -= paid;
                    }
                    self.snear_registered.insert(holder.clone());
                    refund -= SNEAR_REG;
                }
                self.balance += refund;
                *self.snear.entry(holder).or_default() += minted;
                ok(json!(minted.to_string()))
            }
            (SNEAR, "burn") => {
                let holder = id(a["account_id"].as_str().unwrap());
                self.note_settlement("burn", &holder);
                let bal = self.snear.entry(holder).or_default();
                if *bal < u("amount") {
                    return Err(());
                }
                *bal -= u("amount");
                Ok(vec![])
            }
            (SNEAR, "burn_all") => {
                let holder = id(a["account_id"].as_str().unwrap());
                if !self.snear_registered.contains(&holder) {
                    return ok(json!("0"));
                }
                self.note_settlement("burn", &holder);
                let bal = self.snear.entry(holder).or_default();
                if *bal == 0 || *bal < u("min_amount") {
                    return ok(json!("0"));
                }
                let burnt = std::mem::take(bal);
                ok(json!(burnt.to_string()))
            }
            (SNEAR, "update_pool_state") => {
                let s: PoolState = serde_json::from_value(a["state"].clone()).unwrap();
                if let Some(old) = &self.snear_state {
                    if s.reward_index.0 < old.reward_index.0 || s.epoch_height < old.epoch_height {
                        return Err(());
                    }
                }
                self.snear_state = Some(s);
                Ok(vec![])
            }
            (GOV, "mint") => {
                let to = id(a["account_id"].as_str().unwrap());
                *self.meta_minted.entry(to.clone()).or_default() += u("amount");
                *self.paid.entry(to).or_default() += deposit;
                Ok(vec![])
            }
            (WHITELIST, "is_whitelisted") => {
                let pool = id(a["staking_pool_account_id"].as_str().unwrap());
                ok(json!(self.whitelisted.contains(&pool)))
            }
            (_, m) if self.pools.contains_key(receiver) => {
                let epoch = self.epoch;
                let pool = self.pools.get_mut(receiver).unwrap();
                let done = match m {
                    "get_account" => {
                        assert_eq!(a["account_id"], json!(ROUTER));
                        return ok(json!({
                            "account_id": ROUTER,
                            "unstaked_balance": pool.router_unstaked.to_string(),
                            "staked_balance": pool.staked_view().to_string(),
                            "can_withdraw": pool.available_epoch <= epoch,
                        }));
                    }
                    "ping" => true,
                    "deposit_and_stake" => pool.deposit_and_stake(deposit),
                    "unstake" => pool.unstake(u("amount"), epoch),
                    "withdraw" => {
                        let amount = u("amount");
                        let done = pool.withdraw(amount, epoch);
                        if done {
                            self.balance += amount;
                        }
                        done
                    }
                    other => panic!("pool method {other}"),
                };
                if done {
                    Ok(vec![])
                } else {
                    Err(())
                }
            }
            (r, m) => panic!("no model for {r}.{m}"),
        }
    }

    fn note_settlement(&mut self, op: &str, holder: &AccountId) {
        let index = self.snear_state.as_ref().map_or(0, |s| s.reward_index.0);
        self.snear_settled_at
            .push((op.to_string(), holder.clone(), index));
    }

    // ---- convenience -------------------------------------------------

    /// Calls and runs everything; returns the outcome of the last callback.
    /// The closure must not return a promise: promises are created when
    /// dropped, which has to happen inside the call's context.
    pub fn exec(
        &mut self,
        who: &str,
        deposit: u128,
        f: impl FnOnce(&mut MetaPool),
    ) -> Option<Result<Vec<u8>, ()>> {
        self.call(who, deposit, f);
        self.run()
    }

    /// Calls a method returning `PromiseOrValue<T>` and resolves it.
    pub fn exec_value<T: near_sdk::serde::de::DeserializeOwned>(
        &mut self,
        who: &str,
        deposit: u128,
        f: impl FnOnce(&mut MetaPool) -> PromiseOrValue<T>,
    ) -> T {
        let value = self.call(who, deposit, |c| match f(c) {
            PromiseOrValue::Value(v) => Some(v),
            PromiseOrValue::Promise(_) => None,
        });
        let out = self.run();
        match value {
            Some(v) => v,
            None => decode(out),
        }
    }

    pub fn exec_bool(
        &mut self,
        who: &str,
        deposit: u128,
        f: impl FnOnce(&mut MetaPool) -> PromiseOrValue<bool>,
    ) -> bool {
        self.exec_value(who, deposit, f)
    }

    pub fn exec_u128(
        &mut self,
        who: &str,
        deposit: u128,
        f: impl FnOnce(&mut MetaPool) -> PromiseOrValue<U128>,
    ) -> u128 {
        self.exec_value(who, deposit, f).0
    }

    /// Sets the context for a view (or a direct call) at the current epoch.
    pub fn view(&self) -> &MetaPool {
        self.context("viewer.near", 0);
        &self.c
    }

    pub fn deposit(&mut self, who: &str, amount: u128) {
        self.call(who, amount, |c| c.deposit());
    }
    pub fn deposit_and_stake(&mut self, who: &str, amount: u128) -> u128 {
        self.exec_u128(who, amount, |c| c.deposit_and_stake())
    }
    pub fn stake(&mut self, who: &str, amount: u128) -> u128 {
        self.exec_u128(who, 0, |c| c.stake(U128(amount)))
    }
    pub fn unstake(&mut self, who: &str, amount: u128) -> u128 {
        self.exec_u128(who, 0, |c| c.unstake(U128(amount)))
    }
    pub fn unstake_all(&mut self, who: &str) -> u128 {
        self.exec_u128(who, 0, |c| c.unstake_all())
    }
    pub fn withdraw(&mut self, who: &str, amount: u128) {
        self.exec(who, 0, |c| c.withdraw(U128(amount)));
    }
    pub fn withdraw_all(&mut self, who: &str) {
        self.exec(who, 0, |c| c.withdraw_all());
    }

    pub fn sync(&mut self) -> bool {
        self.exec_bool("keeper.near", 0, |c| c.epoch_sync())
    }
    /// `epoch_stake`, asserting that what it placed kept the validator
    /// within both caps (invariant 4).
    pub fn epoch_stake(&mut self) -> bool {
        let before: HashMap<AccountId, u128> = self
            .c
            .validators
            .get()
            .iter()
            .map(|v| (v.account_id.clone(), v.staked))
            .collect();
        let more = self.exec_bool("keeper.near", 0, |c| c.epoch_stake());
        self.assert_additions_within_caps(&before);
        more
    }
    pub fn epoch_unstake(&mut self) -> bool {
        self.exec_bool("keeper.near", 0, |c| c.epoch_unstake())
    }
    pub fn epoch_withdraw(&mut self) -> bool {
        self.exec_bool("keeper.near", 0, |c| c.epoch_withdraw())
    }
    pub fn epoch_rebalance(&mut self) -> bool {
        self.exec_bool("keeper.near", 0, |c| c.epoch_rebalance())
    }

    /// Calls `op` until it returns false (bounded).
    pub fn drain(&mut self, op: fn(&mut World) -> bool) -> usize {
        for n in 0..500 {
            if !op(self) {
                return n;
            }
        }
        panic!("operation never finished");
    }

    /// One keeper round: every operation until it has nothing left; then
    /// the invariants.
    pub fn keeper(&mut self) {
        self.keeper_ops();
        self.check();
    }

    /// A keeper round without the at-rest checks (calls may be held).
    pub fn keeper_ops(&mut self) {
        self.drain(World::sync);
        self.drain(World::epoch_withdraw);
        self.drain(World::epoch_unstake);
        self.drain(World::epoch_stake);
        self.drain(World::epoch_rebalance);
    }

    /// The next epoch, with `reward_bps` (of each pool's stake) paid to the
    /// pools.
    pub fn next_epoch(&mut self, reward_bps: u128) {
        self.epoch += 1;
        self.block_offset = 0;
        for p in self.pools.values_mut() {
            let r = p.total_staked * reward_bps / 10_000;
            p.reward(r);
        }
    }

    pub fn price(&self) -> SharePool {
        self.c.books.pool()
    }

    /// Adds `amount` of value to the pool as if a validator had paid it and
    /// it were synced into the buffer (keeps every identity).
    pub fn donate_reward(&mut self, amount: u128) {
        self.balance += amount;
        self.c.books.total_staked += amount;
        self.c.books.buffered += amount;
        self.last_price = self.price();
    }

    pub fn account(&self, who: &str) -> crate::account::Account {
        self.c.account(&id(who))
    }

    pub fn events(&self, name: &str) -> Vec<Value> {
        events_in(&self.logs, name)
    }

    pub fn all_events(&self, name: &str) -> Vec<Value> {
        events_in(&self.all_logs, name)
    }

    pub fn validator(&self, name: &str) -> crate::validators::Validator {
        let list = self.c.validators.get();
        list[crate::validators::position(list, &id(name)).expect("listed")].clone()
    }

    // ---- invariants --------------------------------------------------

    /// Checks every invariant; call at rest (nothing pending).
    pub fn check(&mut self) {
        let b = self.c.books.clone();
        assert!(b.claims_balance(), "claims identity: {b:?}");
        assert!(b.shares_balance(), "shares identity: {b:?}");
        let users: u128 = self.c.accounts.iter().map(|(_, a)| a.unstaked).sum();
        assert_eq!(users, b.users_unstaked, "users' unstaked sum");
        let lockup: u128 = self.c.accounts.iter().map(|(_, a)| a.shares).sum();
        assert_eq!(lockup, b.lockup_shares, "lockup shares sum");
        let list = self.c.validators.get().clone();
        let earmarked: u128 = list.iter().map(|v| v.earmarked).sum();
        assert_eq!(earmarked, b.earmarked, "earmarks sum");
        let staked: u128 = list.iter().map(|v| v.staked).sum();
        let transit: u128 = list.iter().map(|v| v.unstaked - v.earmarked).sum();
        assert_eq!(
            b.buffered + b.stake_in_flight + staked + transit,
            b.total_staked + b.to_unstake + b.unstake_in_flight,
            "stake identity"
        );
        // At rest: nothing in flight, sNEAR's supply is what the router knows.
        assert!(self.pending.is_empty());
        assert_eq!(b.mint_in_flight_shares, 0);
        assert_eq!(b.burn_in_flight_shares, 0);
        assert_eq!(b.stake_in_flight + b.unstake_in_flight, 0);
        assert!(list.iter().all(|v| v.lock.is_none()), "no lock at rest");
        let supply: u128 = self.snear.values().sum();
        assert_eq!(supply, b.snear_supply, "sNEAR supply");
        assert_eq!(
            b.total_shares,
            supply + b.lockup_shares + b.seed_shares,
            "shares = sNEAR + lockup + seed"
        );
        // NEAR: the router holds what its books say it holds, and each pool
        // holds at least what the router booked there (less rounding dust).
        assert!(
            self.balance >= b.reserve + b.buffered,
            "router balance {} below reserve {} + buffer {}",
            self.balance,
            b.reserve,
            b.buffered
        );
        for v in &list {
            let p = &self.pools[&v.account_id];
            assert!(
                p.value() + 1_000 >= v.staked + v.unstaked,
                "pool {} holds {} < booked {}",
                v.account_id,
                p.value(),
                v.staked + v.unstaked
            );
        }
        // The price never decreases.
        assert!(
            self.price().price_at_least(&self.last_price),
            "price fell: {:?} -> {:?}",
            self.last_price,
            self.price()
        );
        self.last_price = self.price();
    }

    /// Every validator that gained stake since `before` is within the share
    /// cap and within the network cap (counting the router's additions the
    /// validator set does not show yet).
    fn assert_additions_within_caps(&self, before: &HashMap<AccountId, u128>) {
        let cap = crate::caps::validator_cap(self.c.books.total_staked, &self.c.params);
        let net_total: u128 = self.network.values().sum::<u128>() + self.network_others;
        let net_limit = mul_div_down(
            net_total,
            self.c.params.max_network_share_bps as u128,
            10_000,
        )
        .unwrap();
        for v in self.c.validators.get().iter() {
            if v.staked > before.get(&v.account_id).copied().unwrap_or(0) {
                assert!(
                    v.staked <= cap,
                    "{} staked above the share cap",
                    v.account_id
                );
                let seen = self
                    .network
                    .get(v.account_id.as_str())
                    .copied()
                    .unwrap_or(0);
                assert!(
                    seen + v.recent_added(self.epoch) <= net_limit,
                    "{} staked above the network cap",
                    v.account_id
                );
            }
        }
    }

    /// The epoch a user unstaking now is quoted.
    pub fn quote(&self) -> u64 {
        self.epoch + UNSTAKE_WAIT_EPOCHS
    }
}

/// Sets the router's context: `balance` before the call, `deposit`
/// attached (and credited), the validator set of `network` plus everyone
/// else's stake.
fn set_context(
    predecessor: &str,
    deposit: u128,
    balance: u128,
    (epoch, block_offset): (u64, u64),
    network: &HashMap<String, u128>,
    others: u128,
    tgas: u64,
) {
    let mut validators: HashMap<String, NearToken> = network
        .iter()
        .map(|(k, v)| (k.clone(), NearToken::from_yoctonear(*v)))
        .collect();
    validators.insert("others.near".to_string(), NearToken::from_yoctonear(others));
    let ctx = VMContextBuilder::new()
        .current_account_id(id(ROUTER))
        .predecessor_account_id(id(predecessor))
        .signer_account_id(id(predecessor))
        .attached_deposit(NearToken::from_yoctonear(deposit))
        .account_balance(NearToken::from_yoctonear(balance + deposit))
        .epoch_height(epoch)
        // Calls run `block_offset` blocks into the epoch (the router's
        // emission is per block: one epoch is EPOCH_BLOCKS blocks).
        .block_height(epoch * crate::config::EPOCH_BLOCKS + block_offset)
        .prepaid_gas(Gas::from_tgas(tgas))
        .build();
    testing_env!(
        ctx,
        near_sdk::test_vm_config(),
        RuntimeFeesConfig::test(),
        validators
    );
}

/// What `run_external` must restore after a failed receipt.
struct Neighbours {
    balance: u128,
    snear: BTreeMap<AccountId, u128>,
    snear_registered: HashSet<AccountId>,
    snear_state: Option<PoolState>,
    snear_settled_at: usize,
    meta_minted: BTreeMap<AccountId, u128>,
    pools: BTreeMap<AccountId, FakePool>,
    paid: BTreeMap<AccountId, u128>,
}

/// Every function call of a receipt, in order: method, arguments, deposit.
pub fn function_calls(r: &near_sdk::mock::Receipt) -> Vec<(String, Value, u128)> {
    r.actions
        .iter()
        .filter_map(|a| match a {
            near_sdk::mock::MockAction::FunctionCallWeight {
                method_name,
                args,
                attached_deposit,
                ..
            } => Some((
                String::from_utf8(method_name.clone()).unwrap(),
                if args.is_empty() {
                    json!({})
                } else {
                    serde_json::from_slice(args).unwrap()
                },
                attached_deposit.as_yoctonear(),
            )),
            _ => None,
        })
        .collect()
}

/// The first function call of a receipt: method and arguments.
pub fn function_call(r: &near_sdk::mock::Receipt) -> (String, Value) {
    for a in &r.actions {
        if let near_sdk::mock::MockAction::FunctionCallWeight {
            method_name, args, ..
        } = a
        {
            return (
                String::from_utf8(method_name.clone()).unwrap(),
                if args.is_empty() {
                    json!({})
                } else {
                    serde_json::from_slice(args).unwrap()
                },
            );
        }
    }
    panic!("not a function call: {r:?}");
}

fn function_call_deposit(r: &near_sdk::mock::Receipt) -> u128 {
    r.actions
        .iter()
        .map(|a| match a {
            near_sdk::mock::MockAction::FunctionCallWeight {
                attached_deposit, ..
            } => attached_deposit.as_yoctonear(),
            _ => 0,
        })
        .sum()
}

pub fn decode<T: near_sdk::serde::de::DeserializeOwned>(out: Option<Result<Vec<u8>, ()>>) -> T {
    let bytes = out
        .expect("a callback ran")
        .expect("the callback succeeded");
    serde_json::from_slice(&bytes).unwrap()
}

/// NEP-297 events named `name` in `logs` (their `data`).
pub fn events_in(logs: &[String], name: &str) -> Vec<Value> {
    logs.iter()
        .filter_map(|l| l.strip_prefix("EVENT_JSON:"))
        .map(|j| serde_json::from_str::<Value>(j).unwrap())
        .filter(|e| e["standard"] == "meta-pool" && e["event"] == name)
        .map(|e| e["data"].clone())
        .collect()
}
