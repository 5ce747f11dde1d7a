//! Validator pools and their fault switches.
//!
//! Each pool is `v<i>.pool.near`, owned by `pool-owner-<i>.near`, which is
//! the only account that may flip its fault switches (they exist only in
//! `res/test_pool_faults.wasm`; see contracts/test-pool/README.md). The
//! harness remembers the switches that change what the pool's views say
//! (`balance_delta`, `fail_views`), so readouts can recover the pool's true
//! balance for the conservation check.

use localnet::{AccountId, ExecutionOutcome, Gas};
use serde_json::{json, Value};

use super::{System, CALL_GAS};

/// A deployed validator pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub id: AccountId,
    /// Owner of the pool: flips its fault switches.
    pub owner: AccountId,
    /// Deployed from `test_pool_faults.wasm`.
    pub faults: bool,
    /// The `fault_balance_delta` in force.
    pub balance_delta: i128,
    /// `fault_fail_views` in force.
    pub views_fail: bool,
}

const FAULT_GAS: Gas = Gas::from_tgas(30);
/// A delegator's or the owner's call: the pool's bookkeeping, a stake
/// action and its callback (20 Tgas), with room.
const POOL_CALL_GAS: Gas = Gas::from_tgas(60);

impl System {
    /// Index of the pool with this id.
    pub fn pool_index(&self, id: &AccountId) -> usize {
        self.pools
            .iter()
            .position(|p| &p.id == id)
            .unwrap_or_else(|| panic!("{id} is not a deployed pool"))
    }

    fn fault(&mut self, pool: usize, method: &str, args: Value) -> ExecutionOutcome {
        let p = self.pools[pool].clone();
        assert!(p.faults, "{} was deployed without fault switches", p.id);
        let out = self.call(&p.owner, &p.id, method, args, 0, FAULT_GAS);
        out.assert_success();
        out
    }

    /// The pool's next `count` calls of `method` fail (count 0 clears).
    pub fn fault_fail_next_calls(&mut self, pool: usize, method: &str, count: u32) {
        self.fault(
            pool,
            "fault_fail_next_calls",
            json!({"method_name": method, "count": count}),
        );
    }

    /// The pool's balance views panic while `enabled`.
    pub fn fault_fail_views(&mut self, pool: usize, enabled: bool) {
        self.fault(pool, "fault_fail_views", json!({"enabled": enabled}));
        self.pools[pool].views_fail = enabled;
    }

    /// Every balance the pool's account views report is off by `delta`
    /// (saturating at 0); 0 clears.
    pub fn fault_balance_delta(&mut self, pool: usize, delta: i128) {
        self.fault(
            pool,
            "fault_balance_delta",
            json!({"delta": delta.to_string()}),
        );
        self.pools[pool].balance_delta = delta;
    }

    /// The core pool's pause (stake 0) or resume.
    pub fn fault_pause_staking(&mut self, pool: usize, paused: bool) {
        self.fault(pool, "fault_pause_staking", json!({"paused": paused}));
    }

    /// Every call of `method` burns about `tgas` Tgas first (0 clears).
    pub fn fault_burn_gas(&mut self, pool: usize, method: &str, tgas: u64) {
        self.fault(
            pool,
            "fault_burn_gas",
            json!({"method_name": method, "tgas": tgas}),
        );
    }

    /// The pool's delegators lose `amount` of principal for real: its total
    /// staked balance falls by it (every share is worth less) and the NEAR
    /// stays on the pool's account owed to no one.
    pub fn fault_lose_principal(&mut self, pool: usize, amount: u128) -> ExecutionOutcome {
        self.fault(
            pool,
            "fault_lose_principal",
            json!({"amount": amount.to_string()}),
        )
    }

    /// The pool's account views answer malformed replies of `kind`
    /// (`foreign_account`, `non_number_balance`; `none` clears).
    pub fn fault_malformed_reply(&mut self, pool: usize, kind: &str) {
        self.fault(pool, "fault_malformed_reply", json!({"kind": kind}));
    }

    /// `who` calls a staking-pool method on the pool (a delegator's call, or
    /// an owner's method when `who` is the pool's owner); not checked.
    pub fn pool_call(
        &mut self,
        who: &AccountId,
        pool: usize,
        method: &str,
        args: Value,
        deposit: u128,
    ) -> ExecutionOutcome {
        let id = self.pools[pool].id.clone();
        self.call(who, &id, method, args, deposit, POOL_CALL_GAS)
    }

    /// `who`'s `(staked, unstaked, can_withdraw)` at the pool, as its
    /// `get_account` view says (`None` if the view fails or is malformed).
    pub fn pool_account(&self, pool: usize, who: &AccountId) -> Option<(u128, u128, bool)> {
        let id = &self.pools[pool].id;
        let v: Value = self
            .net
            .view(id, "get_account", json!({"account_id": who}))
            .ok()?;
        let balance = |k: &str| v[k].as_str().and_then(|s| s.parse::<u128>().ok());
        Some((
            balance("staked_balance")?,
            balance("unstaked_balance")?,
            v["can_withdraw"].as_bool()?,
        ))
    }

    /// Clears every stored switch (not the pause).
    pub fn fault_reset(&mut self, pool: usize) {
        self.fault(pool, "fault_reset", json!({}));
        self.pools[pool].balance_delta = 0;
        self.pools[pool].views_fail = false;
    }

    /// sNEAR's test build (`SystemConfig::snear_faults`): every call of
    /// `method` (`mint`, `burn` or `update_pool_state`) fails while
    /// `enabled`, as a real refusal does.
    pub fn snear_fault_fail(&mut self, method: &str, enabled: bool) {
        let (owner, snear) = (self.owner.clone(), self.snear.clone());
        self.call(
            &owner,
            &snear,
            "fault_fail",
            json!({"method_name": method, "enabled": enabled}),
            0,
            CALL_GAS,
        )
        .assert_success();
    }

    /// The router's `(staked, unstaked)` at the pool as its `get_account`
    /// view says, corrected for a balance delta in force; `Err` when the
    /// view fails, or when a negative delta may have hidden part of the
    /// balance (the view saturated at 0).
    pub fn pool_balance_of_router(&self, pool: usize) -> Result<(u128, u128), String> {
        let p = &self.pools[pool];
        let v: Value = self
            .net
            .view(&p.id, "get_account", json!({"account_id": self.router}))
            .map_err(|e| format!("{}.get_account failed: {e:?}", p.id))?;
        let field = |k: &str| -> Result<u128, String> {
            v[k].as_str()
                .and_then(|s| s.parse::<u128>().ok())
                .ok_or_else(|| format!("{}.get_account: bad {k}: {v}", p.id))
        };
        let (staked, unstaked) = (field("staked_balance")?, field("unstaked_balance")?);
        let correct = |x: u128| -> Result<u128, String> {
            let d = p.balance_delta;
            if d >= 0 {
                Ok(x.saturating_sub(d as u128))
            } else if x == 0 {
                Err(format!("{}: a negative delta hides the balance", p.id))
            } else {
                Ok(x + d.unsigned_abs())
            }
        };
        Ok((correct(staked)?, correct(unstaked)?))
    }
}
