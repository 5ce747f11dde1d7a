//! The staking-pool interface as each kind of staker uses it, sNEAR
//! transfers and META claims.
//!
//! Liquid stakers call the router with generous gas. Lockup-named accounts
//! call it directly with exactly what old lockups attach: 40 Tgas for
//! `deposit`, 60 Tgas for the rest. Lockup contracts are driven through
//! their owner, the contract forwarding with those same limits.
//!
//! Every method returns the outcome; none asserts success, so tests can
//! check refusals.

use localnet::{ExecutionOutcome, Gas, NearToken};
use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use serde_json::{json, Value};

use super::{Staker, StakerKind, System, CALL_GAS};

/// What old lockups attach to the pool's `deposit`.
pub const LOCKUP_DEPOSIT_GAS: Gas = Gas::from_tgas(40);
/// What old lockups attach to every other pool call.
pub const LOCKUP_CALL_GAS: Gas = Gas::from_tgas(60);
/// What a lockup's owner attaches to the lockup contract's methods.
const LOCKUP_OWNER_GAS: Gas = Gas::from_tgas(200);

impl System {
    /// A staking-pool method for `s`, as its kind makes the call.
    /// `lockup_method` is the lockup contract's method for it.
    fn staking_call(
        &mut self,
        s: &Staker,
        method: &str,
        lockup_method: &str,
        args: Value,
        deposit: u128,
    ) -> ExecutionOutcome {
        match s.kind {
            StakerKind::Liquid => self.call_router(&s.id, method, args, deposit, CALL_GAS),
            StakerKind::LockupAccount => {
                let gas = if method == "deposit" {
                    LOCKUP_DEPOSIT_GAS
                } else {
                    LOCKUP_CALL_GAS
                };
                self.call_router(&s.id, method, args, deposit, gas)
            }
            StakerKind::LockupContract => {
                let owner = s.owner.clone().expect("a lockup contract has an owner");
                let lockup = s.id.clone();
                self.call(&owner, &lockup, lockup_method, args, 0, LOCKUP_OWNER_GAS)
            }
        }
    }

    /// `deposit` with `amount` attached (a lockup contract sends it from
    /// its own balance).
    pub fn deposit(&mut self, s: &Staker, amount: u128) -> ExecutionOutcome {
        match s.kind {
            StakerKind::LockupContract => self.staking_call(
                s,
                "deposit",
                "deposit_to_staking_pool",
                json!({"amount": amount.to_string()}),
                0,
            ),
            _ => self.staking_call(s, "deposit", "", json!({}), amount),
        }
    }

    /// `deposit_and_stake` for liquid stakers and lockup-named accounts; a
    /// lockup contract (old lockups have no `deposit_and_stake`) deposits,
    /// then stakes, and the stake's outcome is returned.
    pub fn deposit_and_stake(&mut self, s: &Staker, amount: u128) -> ExecutionOutcome {
        if s.kind == StakerKind::LockupContract {
            let dep = self.deposit(s, amount);
            if !dep.is_success() || dep.json::<bool>().ok() != Some(true) {
                return dep;
            }
            return self.stake(s, amount);
        }
        self.staking_call(s, "deposit_and_stake", "", json!({}), amount)
    }

    /// `stake(amount)`.
    pub fn stake(&mut self, s: &Staker, amount: u128) -> ExecutionOutcome {
        let args = json!({"amount": amount.to_string()});
        self.staking_call(s, "stake", "stake", args, 0)
    }

    /// `unstake(amount)`.
    pub fn unstake(&mut self, s: &Staker, amount: u128) -> ExecutionOutcome {
        let args = json!({"amount": amount.to_string()});
        self.staking_call(s, "unstake", "unstake", args, 0)
    }

    /// `unstake_all()`.
    pub fn unstake_all(&mut self, s: &Staker) -> ExecutionOutcome {
        self.staking_call(s, "unstake_all", "unstake_all", json!({}), 0)
    }

    /// `withdraw(amount)`.
    pub fn withdraw(&mut self, s: &Staker, amount: u128) -> ExecutionOutcome {
        let args = json!({"amount": amount.to_string()});
        self.staking_call(s, "withdraw", "withdraw_from_staking_pool", args, 0)
    }

    /// `withdraw_all()`; a lockup contract reads its unstaked balance from
    /// the router's view and withdraws exactly that.
    pub fn withdraw_all(&mut self, s: &Staker) -> ExecutionOutcome {
        self.staking_call(
            s,
            "withdraw_all",
            "withdraw_all_from_staking_pool",
            json!({}),
            0,
        )
    }

    /// A lockup's owner claims the lockup's META through the router.
    pub fn claim_lockup_meta(&mut self, s: &Staker) -> ExecutionOutcome {
        let owner = s.owner.clone().expect("a lockup has an owner");
        self.call_router(
            &owner,
            "claim_lockup_governance_tokens",
            json!({"lockup_account_id": s.id}),
            GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
            CALL_GAS,
        )
    }

    /// A liquid holder claims its META through sNEAR.
    pub fn claim_snear_meta(&mut self, s: &Staker) -> ExecutionOutcome {
        let snear = self.snear.clone();
        self.call(
            &s.id,
            &snear,
            "claim_governance_tokens",
            json!({}),
            GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
            CALL_GAS,
        )
    }

    /// Transfers sNEAR between holders; the sender registers an unknown
    /// receiver first (a registration users pay, noted in the ledger).
    pub fn snear_transfer(&mut self, from: &Staker, to: &Staker, amount: u128) -> ExecutionOutcome {
        self.snear_transfer_with_gas(from, to, amount, Gas::from_tgas(10))
    }

    /// [`Self::snear_transfer`] with `gas` attached to the `ft_transfer`
    /// (under 4.5 Tgas sNEAR skips the router's balance notice).
    pub fn snear_transfer_with_gas(
        &mut self,
        from: &Staker,
        to: &Staker,
        amount: u128,
        gas: Gas,
    ) -> ExecutionOutcome {
        let snear = self.snear.clone();
        let registered: Value =
            self.view(&snear, "storage_balance_of", json!({"account_id": to.id}));
        if registered.is_null() {
            let min: Value = self.view(&snear, "storage_balance_bounds", json!({}));
            let cost = super::ledger::amount(&min["min"]);
            self.call(
                &from.id,
                &snear,
                "storage_deposit",
                json!({"account_id": to.id}),
                cost,
                Gas::from_tgas(10),
            )
            .assert_success();
            self.ledger.user_registrations.insert(to.id.clone());
        }
        self.call(
            &from.id,
            &snear,
            "ft_transfer",
            json!({"receiver_id": to.id, "amount": amount.to_string()}),
            1,
            gas,
        )
    }

    /// The account's NEAR on chain (liquid balance).
    pub fn near_balance(&self, s: &Staker) -> u128 {
        self.net.balance(&s.id).as_yoctonear()
    }

    /// Gives `s` more NEAR directly in state (no transaction).
    pub fn fund(&mut self, s: &Staker, amount: u128) {
        let now = self.net.balance(&s.id).as_yoctonear();
        self.net
            .set_balance(&s.id, NearToken::from_yoctonear(now + amount));
    }
}
