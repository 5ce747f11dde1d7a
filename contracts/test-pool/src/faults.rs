//! Fault switches for the router's failure tests. Compiled only with the
//! `test` feature (res/test_pool_faults.wasm); the production wasm has none of
//! this.
//!
//! Every switch is set by the owner, emits a NEP-297 event (standard
//! `test_pool_faults`) and is undone by setting it back (count 0, `false`,
//! delta "0", 0 Tgas) or by `fault_reset`. The switches live under their own
//! storage key, so the pool's state layout is the same in both builds.
//!
//! How a switch acts:
//! - `fault_fail_next_calls(method_name, count)`: the next `count` calls of a
//!   mutating method fail with `E_FAULT_INJECTED: <method>` and change
//!   nothing in the pool. A receipt that panics keeps none of its state
//!   changes, so a panic could not count itself down; instead the intercepted
//!   call records the count, sends any attached deposit back to the caller and
//!   returns a call to its own `fault_injected_failure`, which panics. The
//!   caller (a transaction or a callback) sees the call fail with that
//!   message, and gets its deposit back, as after a panic.
//! - `fault_fail_views(enabled)`: the balance views ([`BALANCE_VIEWS`]) panic
//!   with `E_FAULT_INJECTED: <view>`. Views cannot record anything, so this is
//!   a switch, not a count.
//! - `fault_balance_delta(delta)`: every balance the account views report
//!   (`get_account_staked_balance`, `…_unstaked_balance`, `…_total_balance`,
//!   both balances of `get_account` and `get_accounts`) is the true one plus
//!   `delta`, saturating at 0.
//! - `fault_pause_staking(paused)`: the core pool's pause (stake 0, no stake
//!   action while paused; deposits and shares keep their bookkeeping) or
//!   resume (restake), without the core pool's "already" checks.
//! - `fault_burn_gas(method_name, tgas)`: every call of the method burns about
//!   `tgas` Tgas before doing anything else, so a caller that attached less
//!   runs out of gas. Burning reads the gas used, which the runtime allows
//!   only in calls (transactions and cross-contract calls), so an RPC view
//!   query of a burning view fails instead.
//! - `fault_lose_principal(amount)`: a real loss of principal, as a slashing
//!   would be. `total_staked_balance` falls by `amount` at once, so every
//!   share is worth less and a full exit pays less; the pool restakes the
//!   lower total, so the chain releases the excess from the locked balance.
//!   That NEAR stays on the pool's account but is owed to no one: it is
//!   still counted in `last_total_balance`, so a later `ping` does not see
//!   it as a reward and hand it back. Not a switch: nothing to undo, and
//!   `fault_reset` does not give it back.
//! - `fault_malformed_reply(kind)`: the account views answer something a
//!   careful client must reject. `foreign_account`: `get_account` and
//!   `get_accounts` name another account than the one the balances belong
//!   to (the pool's own id, or its owner's when the pool itself is asked),
//!   with true balances. `non_number_balance`: every balance the account
//!   views and `get_total_staked_balance` report is the JSON string
//!   `"not-a-number"`. `none` clears it.

use meta_common::ext::HumanReadableAccount;
use near_sdk::json_types::{I128, U128};
use near_sdk::serde::Serialize;
use near_sdk::serde_json::{json, Value};
use near_sdk::{env, near, require, AccountId, Gas, Promise};

use crate::hooks::Delta;
use crate::{TestPool, TestPoolExt};

/// Prefix of the panic of an injected failure; the method name follows.
pub const ERR_FAULT_INJECTED: &str = "E_FAULT_INJECTED: ";
pub const ERR_FAULT_NOT_MUTATING: &str =
    "E_FAULT_NOT_MUTATING: fault_fail_next_calls takes a mutating staking-pool method";
pub const ERR_FAULT_UNKNOWN_METHOD: &str =
    "E_FAULT_UNKNOWN_METHOD: fault_burn_gas takes a mutating method or a balance view";
pub const ERR_FAULT_BURN_TOO_HIGH: &str = "E_FAULT_BURN_TOO_HIGH: at most 300 Tgas";
pub const ERR_FAULT_STATE: &str = "E_FAULT_STATE: stored fault switches do not decode";
pub const ERR_FAULT_LOSS_ZERO: &str = "E_FAULT_LOSS_ZERO: the principal lost must be positive";
pub const ERR_FAULT_LOSS_TOO_HIGH: &str =
    "E_FAULT_LOSS_TOO_HIGH: the principal lost must be below the total staked balance";

/// What a balance reads as under `non_number_balance`.
pub const NON_NUMBER_BALANCE: &str = "not-a-number";

/// The methods `fault_fail_next_calls` applies to.
pub const MUTATING_METHODS: [&str; 9] = [
    "ping",
    "deposit",
    "deposit_and_stake",
    "withdraw",
    "withdraw_all",
    "stake",
    "stake_all",
    "unstake",
    "unstake_all",
];

/// The views `fault_fail_views` makes fail; `fault_burn_gas` applies to
/// these and to [`MUTATING_METHODS`].
pub const BALANCE_VIEWS: [&str; 7] = [
    "get_account_unstaked_balance",
    "get_account_staked_balance",
    "get_account_total_balance",
    "is_account_unstaked_balance_available",
    "get_total_staked_balance",
    "get_account",
    "get_accounts",
];

/// Most gas a burn may be set to: a whole transaction's.
pub const MAX_BURN_TGAS: u64 = 300;

/// Gas reserved for `fault_injected_failure`, which only panics; it also gets
/// whatever the intercepted call leaves unused.
pub const FAULT_FAILURE_GAS: Gas = Gas::from_tgas(2);

const FAULTS_KEY: &[u8] = b"faults";

/// A method and how many of its next calls fail.
#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailNextCalls {
    pub method_name: String,
    pub count: u32,
}

/// A method and the Tgas each of its calls burns.
#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurnGas {
    pub method_name: String,
    pub tgas: u64,
}

/// Which malformed answer the account views give.
#[near(serializers = [borsh, json])]
#[serde(rename_all = "snake_case")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MalformedReply {
    /// Well-formed answers.
    #[default]
    None,
    /// Another account's id on the asked account's balances.
    ForeignAccount,
    /// Balances that are not numbers.
    NonNumberBalance,
}

/// The stored switches; the default is "no fault".
#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Only methods with calls left to fail (count > 0).
    pub fail_next_calls: Vec<FailNextCalls>,
    pub fail_views: bool,
    /// String-encoded i128.
    pub balance_delta: I128,
    /// Only methods with a burn (tgas > 0).
    pub burn_gas: Vec<BurnGas>,
    pub malformed_reply: MalformedReply,
}

/// What `get_faults` returns: the stored switches and whether staking is
/// paused.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultsView {
    #[serde(flatten)]
    pub faults: Faults,
    pub staking_paused: bool,
}

/// NEP-297 events of the switches, so tests can see each one act.
#[near(event_json(standard = "test_pool_faults"))]
pub enum FaultEvent {
    /// `fault_fail_next_calls` was set.
    #[event_version("1.0.0")]
    FailNextCalls { method_name: String, count: u32 },
    /// `fault_fail_views` was set.
    #[event_version("1.0.0")]
    FailViews { enabled: bool },
    /// `fault_balance_delta` was set.
    #[event_version("1.0.0")]
    BalanceDelta { delta: I128 },
    /// `fault_pause_staking` was applied.
    #[event_version("1.0.0")]
    PauseStaking { paused: bool },
    /// `fault_burn_gas` was set.
    #[event_version("1.0.0")]
    BurnGas { method_name: String, tgas: u64 },
    /// `fault_lose_principal` took `amount` from the delegators' stake.
    #[event_version("1.0.0")]
    PrincipalLost {
        amount: U128,
        total_staked_balance: U128,
    },
    /// `fault_malformed_reply` was set.
    #[event_version("1.0.0")]
    MalformedReply { kind: MalformedReply },
    /// `fault_reset` cleared the stored switches.
    #[event_version("1.0.0")]
    Reset {},
    /// A call was failed on purpose; `calls_left` more will be.
    #[event_version("1.0.0")]
    CallFailed {
        method_name: String,
        calls_left: u32,
    },
    /// A call is burning gas on purpose.
    #[event_version("1.0.0")]
    GasBurnt { method_name: String, tgas: u64 },
}

impl Faults {
    fn load() -> Self {
        env::storage_read(FAULTS_KEY)
            .map(|bytes| {
                near_sdk::borsh::from_slice(&bytes)
                    .unwrap_or_else(|_| env::panic_str(ERR_FAULT_STATE))
            })
            .unwrap_or_default()
    }

    fn save(&self) {
        if *self == Self::default() {
            env::storage_remove(FAULTS_KEY);
        } else {
            let bytes =
                near_sdk::borsh::to_vec(self).unwrap_or_else(|_| env::panic_str(ERR_FAULT_STATE));
            env::storage_write(FAULTS_KEY, &bytes);
        }
    }

    fn burn_tgas(&self, method_name: &str) -> u64 {
        self.burn_gas
            .iter()
            .find(|b| b.method_name == method_name)
            .map_or(0, |b| b.tgas)
    }
}

/// Hook of a mutating method. Burns the method's gas, then, if its next call
/// is to fail, counts the call, returns the deposit, returns a failing call
/// and answers `true`: the method must then return without doing anything.
pub(crate) fn intercept_call(method_name: &str) -> bool {
    let mut faults = Faults::load();
    burn(method_name, faults.burn_tgas(method_name));
    let Some(pos) = faults
        .fail_next_calls
        .iter()
        .position(|f| f.method_name == method_name)
    else {
        return false;
    };
    let calls_left = faults.fail_next_calls[pos].count.saturating_sub(1);
    if calls_left == 0 {
        faults.fail_next_calls.remove(pos);
    } else {
        faults.fail_next_calls[pos].count = calls_left;
    }
    faults.save();
    FaultEvent::CallFailed {
        method_name: method_name.to_owned(),
        calls_left,
    }
    .emit();

    let deposit = env::attached_deposit();
    if !deposit.is_zero() {
        Promise::new(env::predecessor_account_id())
            .transfer(deposit)
            .detach();
    }
    TestPool::ext(env::current_account_id())
        .with_static_gas(FAULT_FAILURE_GAS)
        .fault_injected_failure(method_name.to_owned())
        .as_return()
        .detach();
    true
}

/// Hook of a balance view: burns the view's gas, fails it if views are to
/// fail, and returns the offset its balances get.
pub(crate) fn before_view(method_name: &str) -> Delta {
    let faults = Faults::load();
    burn(method_name, faults.burn_tgas(method_name));
    if faults.fail_views {
        env::panic_str(&format!("{ERR_FAULT_INJECTED}{method_name}"));
    }
    faults.balance_delta.0
}

/// A view's answer: the true value, which native callers (unit tests) read
/// through `Deref`, and what the wasm export serialises instead of it while
/// `fault_malformed_reply` is in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply<T> {
    pub honest: T,
    pub malformed: Option<Value>,
}

impl<T> Reply<T> {
    fn honest(honest: T) -> Self {
        Self {
            honest,
            malformed: None,
        }
    }
}

impl<T> std::ops::Deref for Reply<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.honest
    }
}

impl<T: Serialize> Serialize for Reply<T> {
    fn serialize<S: near_sdk::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.malformed {
            Some(value) => value.serialize(serializer),
            None => self.honest.serialize(serializer),
        }
    }
}

/// A balance as a balance view answers it.
pub(crate) fn balance_reply(balance: u128) -> Reply<U128> {
    let mut reply = Reply::honest(U128(balance));
    if Faults::load().malformed_reply == MalformedReply::NonNumberBalance {
        reply.malformed = Some(json!(NON_NUMBER_BALANCE));
    }
    reply
}

/// An account as `get_account` and `get_accounts` answer it; `foreign_id`
/// is the id a foreign-account answer names.
pub(crate) fn account_reply(
    account: HumanReadableAccount,
    foreign_id: &AccountId,
) -> Reply<HumanReadableAccount> {
    let malformed = match Faults::load().malformed_reply {
        MalformedReply::None => None,
        MalformedReply::ForeignAccount => Some(json!({
            "account_id": foreign_id,
            "unstaked_balance": account.unstaked_balance,
            "staked_balance": account.staked_balance,
            "can_withdraw": account.can_withdraw,
        })),
        MalformedReply::NonNumberBalance => Some(json!({
            "account_id": account.account_id,
            "unstaked_balance": NON_NUMBER_BALANCE,
            "staked_balance": NON_NUMBER_BALANCE,
            "can_withdraw": account.can_withdraw,
        })),
    };
    Reply {
        honest: account,
        malformed,
    }
}

/// Burns about `tgas` Tgas (hashing until the gas used has grown by that
/// much; one round is ~0.02 Tgas).
fn burn(method_name: &str, tgas: u64) {
    if tgas == 0 {
        return;
    }
    FaultEvent::GasBurnt {
        method_name: method_name.to_owned(),
        tgas,
    }
    .emit();
    let target = env::used_gas()
        .as_gas()
        .saturating_add(Gas::from_tgas(tgas).as_gas());
    let mut block = [0u8; 512];
    while env::used_gas().as_gas() < target {
        let digest = env::sha256_array(block);
        block[..digest.len()].copy_from_slice(&digest);
    }
}

#[near]
impl TestPool {
    /// Makes the next `count` calls of `method_name` (one of
    /// [`MUTATING_METHODS`]) fail with `E_FAULT_INJECTED: <method>`, each
    /// leaving the pool unchanged and returning its deposit; `count` 0
    /// clears it. Replaces an earlier count for the method.
    ///
    /// Owner only. Gas: a few Tgas. Emits `fail_next_calls`.
    pub fn fault_fail_next_calls(&mut self, method_name: String, count: u32) {
        self.assert_owner();
        require!(
            MUTATING_METHODS.contains(&method_name.as_str()),
            ERR_FAULT_NOT_MUTATING
        );
        let mut faults = Faults::load();
        faults
            .fail_next_calls
            .retain(|f| f.method_name != method_name);
        if count > 0 {
            faults.fail_next_calls.push(FailNextCalls {
                method_name: method_name.clone(),
                count,
            });
        }
        faults.save();
        FaultEvent::FailNextCalls { method_name, count }.emit();
    }

    /// While `enabled`, every balance view ([`BALANCE_VIEWS`]) panics with
    /// `E_FAULT_INJECTED: <view>`.
    ///
    /// Owner only. Gas: a few Tgas. Emits `fail_views`.
    pub fn fault_fail_views(&mut self, enabled: bool) {
        self.assert_owner();
        let mut faults = Faults::load();
        faults.fail_views = enabled;
        faults.save();
        FaultEvent::FailViews { enabled }.emit();
    }

    /// Makes the account views report every balance off by `delta` (a
    /// string-encoded i128), saturating at 0; "0" clears it.
    ///
    /// Owner only. Gas: a few Tgas. Emits `balance_delta`.
    pub fn fault_balance_delta(&mut self, delta: I128) {
        self.assert_owner();
        let mut faults = Faults::load();
        faults.balance_delta = delta;
        faults.save();
        FaultEvent::BalanceDelta { delta }.emit();
    }

    /// Pauses (`true`) or resumes (`false`) staking with the core pool's
    /// semantics; unlike `pause_staking`/`resume_staking` it may repeat the
    /// current state (and then reissues the same stake action).
    ///
    /// Owner only. Gas: a few Tgas plus the stake action. Emits
    /// `pause_staking`.
    pub fn fault_pause_staking(&mut self, paused: bool) {
        self.assert_owner();
        self.internal_ping();
        self.paused = paused;
        if paused {
            self.internal_unstake_all_stake();
        } else {
            self.internal_restake();
        }
        FaultEvent::PauseStaking { paused }.emit();
    }

    /// Makes every call of `method_name` (a mutating method or a balance
    /// view) burn about `tgas` Tgas first; 0 clears it.
    ///
    /// Owner only; `tgas` at most [`MAX_BURN_TGAS`]. Gas: a few Tgas. Emits
    /// `burn_gas`; each burning call emits `gas_burnt`.
    pub fn fault_burn_gas(&mut self, method_name: String, tgas: u64) {
        self.assert_owner();
        require!(
            MUTATING_METHODS.contains(&method_name.as_str())
                || BALANCE_VIEWS.contains(&method_name.as_str()),
            ERR_FAULT_UNKNOWN_METHOD
        );
        require!(tgas <= MAX_BURN_TGAS, ERR_FAULT_BURN_TOO_HIGH);
        let mut faults = Faults::load();
        faults.burn_gas.retain(|b| b.method_name != method_name);
        if tgas > 0 {
            faults.burn_gas.push(BurnGas {
                method_name: method_name.clone(),
                tgas,
            });
        }
        faults.save();
        FaultEvent::BurnGas { method_name, tgas }.emit();
    }

    /// Takes `amount` (a string-encoded u128) of principal from the
    /// delegators: distributes the rewards of a new epoch first, then lowers
    /// the total staked balance by `amount`, which lowers the share price,
    /// and restakes the lower total. The NEAR lost stays on the account,
    /// owed to no one (see the module's notes).
    ///
    /// Owner only; `amount` must be positive and below the total staked
    /// balance. Gas: a few Tgas plus the stake action. Emits
    /// `principal_lost`.
    pub fn fault_lose_principal(&mut self, amount: U128) {
        self.assert_owner();
        require!(amount.0 > 0, ERR_FAULT_LOSS_ZERO);
        self.internal_ping();
        require!(
            amount.0 < self.total_staked_balance,
            ERR_FAULT_LOSS_TOO_HIGH
        );
        // Checked above; `last_total_balance` stays, so the NEAR taken out
        // of the stake is not mistaken for a reward by the next ping.
        self.total_staked_balance -= amount.0;
        self.internal_restake();
        FaultEvent::PrincipalLost {
            amount,
            total_staked_balance: U128(self.total_staked_balance),
        }
        .emit();
    }

    /// Makes the account views answer malformed replies of the given kind
    /// (`"foreign_account"`, `"non_number_balance"`; `"none"` clears).
    ///
    /// Owner only. Gas: a few Tgas. Emits `malformed_reply`.
    pub fn fault_malformed_reply(&mut self, kind: MalformedReply) {
        self.assert_owner();
        let mut faults = Faults::load();
        faults.malformed_reply = kind;
        faults.save();
        FaultEvent::MalformedReply { kind }.emit();
    }

    /// Clears every stored switch (failing calls, failing views, balance
    /// delta, gas burns, malformed replies). Staking stays paused if it was: resuming is a stake
    /// action, use `fault_pause_staking(false)`.
    ///
    /// Owner only. Gas: a few Tgas. Emits `reset`.
    pub fn fault_reset(&mut self) {
        self.assert_owner();
        Faults::default().save();
        FaultEvent::Reset {}.emit();
    }

    /// The switches as `{fail_next_calls: [{method_name, count}], fail_views,
    /// balance_delta: "<i128>", burn_gas: [{method_name, tgas}],
    /// malformed_reply, staking_paused}`.
    ///
    /// View; anyone.
    pub fn get_faults(&self) -> FaultsView {
        FaultsView {
            faults: Faults::load(),
            staking_paused: self.paused,
        }
    }

    /// The failing end of an intercepted call: panics with
    /// `E_FAULT_INJECTED: <method_name>`.
    ///
    /// Only the pool itself (it returns this call from the intercepted one).
    #[private]
    pub fn fault_injected_failure(&self, method_name: String) {
        env::panic_str(&format!("{ERR_FAULT_INJECTED}{method_name}"));
    }
}
