//! Stakers' operations: the staking-pool interface for liquid accounts,
//! lockup-named accounts and lockup contracts, sNEAR transfers and
//! unregistration, META claims. Each reads the state first and predicts
//! the call's outcome: success, or the exact refusal the router's checks
//! give in their order. Amounts are drawn around the interesting edges:
//! the exact balance, just above it, below the minimums, zero.

use localnet::{ActionSummary, ExecutionOutcome, Gas, NearToken};
use meta_pool::config::{MIN_FIRST_DEPOSIT, MIN_LIQUID_STAKE, UNSTAKE_WAIT_EPOCHS};
use meta_pool::gas::{GAS_LIQUID_STAKE, GAS_LIQUID_UNSTAKE, GAS_LIQUID_UNSTAKE_ALL};
use serde_json::{json, Value};

use super::outcome::{classify, Expect, Res};
use super::world::{fmt_near, Done, Fail, World};
use crate::invariants::withdrawal_paid_exactly;
use crate::keeper::GAS_BEFORE_CHECK;
use crate::owed::{withdrawal_reached_the_account, Act};
use crate::rng::Rng;
use crate::suite::{Staker, StakerKind, CALL_GAS, ONE_NEAR};

/// What old lockups attach to pool calls other than `deposit`.
const LOCKUP_CALL_GAS: Gas = Gas::from_tgas(60);
/// Most NEAR one deposit moves.
const MAX_DEPOSIT: u128 = 5_000 * ONE_NEAR;
/// Most new stakers a run adds.
const MAX_NEW_STAKERS: usize = 12;

/// How the gas a liquid call attached compares with what the router asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GasCase {
    Plenty,
    /// Between the router's requirement and that plus what it burns before
    /// checking: the router may refuse.
    Borderline,
    Short,
}

pub(super) fn liquid_gas(r: &mut Rng, need: near_sdk::Gas) -> (Gas, GasCase) {
    let need = need.as_tgas();
    let before = GAS_BEFORE_CHECK.as_tgas();
    let tgas = match r.below(100) {
        0..=69 => CALL_GAS.as_tgas(),
        70..=77 => 300,
        78..=85 => need,
        86..=92 => need + r.range(1, before + 2),
        _ => need - r.range(1, 10),
    };
    let case = if tgas < need {
        GasCase::Short
    } else if tgas < need + before {
        GasCase::Borderline
    } else {
        GasCase::Plenty
    };
    (Gas::from_tgas(tgas), case)
}

/// Applies the gas check the router makes first.
pub(super) fn with_gas(case: GasCase, e: Expect) -> Expect {
    match case {
        GasCase::Short => Expect::refused("E_NOT_ENOUGH_GAS"),
        GasCase::Borderline => e.or("E_NOT_ENOUGH_GAS"),
        GasCase::Plenty => e,
    }
}

impl World {
    /// A staker allowed by `kind_ok`; with probability `pct` one for which
    /// `good` holds, if any.
    pub(super) fn pick_staker(
        &self,
        r: &mut Rng,
        kind_ok: impl Fn(&Staker) -> bool,
        good: impl Fn(&World, &Staker) -> bool,
        pct: u64,
    ) -> Option<Staker> {
        let all: Vec<Staker> = self.stakers().into_iter().filter(|s| kind_ok(s)).collect();
        let goods: Vec<Staker> = all.iter().filter(|s| good(self, s)).cloned().collect();
        if !goods.is_empty() && r.chance(pct) {
            return r.pick(&goods).cloned();
        }
        r.pick(&all).cloned()
    }

    /// Any staker, most often (85%) one with an unstaked balance.
    fn pick_with_unstaked(&self, r: &mut Rng) -> Option<Staker> {
        self.pick_staker(
            r,
            |_| true,
            |w, s| w.details(&s.id).unstaked_balance.0 > 0,
            85,
        )
    }

    /// Any staker, most often (85%) one with a staked balance.
    fn pick_with_staked(&self, r: &mut Rng) -> Option<Staker> {
        self.pick_staker(r, |_| true, |w, s| w.staked_value(s) > 0, 85)
    }

    /// A lockup whose views read 0 after a withdrawal has exited: from
    /// then on the checker holds it to exactly 0 until it deposits again.
    pub(super) fn after_lockup_change(&mut self, s: &Staker) {
        if s.is_lockup() && self.d.sys.core_views(&s.id).total == 0 {
            self.d.checker.mark_exited(&s.id);
        }
    }

    /// Before a call that may deposit for `s`.
    pub(super) fn before_deposit(&mut self, s: &Staker) {
        self.d.checker.unmark_exited(&s.id);
    }

    /// After a credited unstake: the quote is at most `UNSTAKE_WAIT_EPOCHS`
    /// away, and the promise tracker learns it.
    pub(super) fn note_unstake(&mut self, s: &Staker) -> Done {
        let now = self.epoch();
        let quote = self.details(&s.id).unstaked_available_epoch;
        if quote > now + UNSTAKE_WAIT_EPOCHS {
            return Err(Fail::Expectation(format!(
                "{} unstaked in epoch {now} and is quoted epoch {quote}, beyond E+{UNSTAKE_WAIT_EPOCHS}",
                s.id
            )));
        }
        let rollbacks = self.d.sys.ledger.mint_rollbacks.get(&s.id).copied();
        self.promise
            .unstaked(&s.id, now, quote, rollbacks.unwrap_or(0));
        Ok(())
    }

    pub(super) fn op_deposit(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_staker(r, |_| true, |_, _| true, 100) else {
            return self.skip("no staker");
        };
        let has_record = self.has_record(&s.id);
        let amount = match r.below(100) {
            0..=89 => r.log_amount(MIN_FIRST_DEPOSIT, MAX_DEPOSIT),
            90..=97 => r.range_u128(1, MIN_FIRST_DEPOSIT - 1),
            _ => 0,
        };
        self.ensure_near(&s, amount);
        let expect = if amount == 0 {
            Expect::refused("E_ZERO_AMOUNT")
        } else if amount < MIN_FIRST_DEPOSIT && !has_record {
            Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
        } else {
            self.deposit_ok(&s)
        };
        let fee = self.record_fee(&s);
        let unstaked_before = self.details(&s.id).unstaked_balance.0;
        let label = format!("{} deposits {}", self.name(&s), fmt_near(amount));
        self.before_deposit(&s);
        let out = self.step(label, |sys| sys.deposit(&s, amount))?;
        let res = self.classify_for(&s, &out);
        self.expect("deposit", &expect, &res)?;
        if res.is_ok() {
            // A liquid account's first deposit pays its record, once.
            let credited = self.details(&s.id).unstaked_balance.0 - unstaked_before;
            if credited != amount - fee {
                return Err(Fail::Expectation(format!(
                    "{}: a deposit of {amount} credited {credited}, not {} (record fee {fee})",
                    s.id,
                    amount - fee
                )));
            }
            self.check_owed(&s, Act::Deposit(amount))?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    /// Expected result of staking `amount` from `s`'s unstaked balance
    /// (after the deposit, for `deposit_and_stake`).
    pub(super) fn stake_expect(&self, s: &Staker, amount: u128, unstaked: u128) -> Expect {
        if amount == 0 {
            return Expect::refused("E_ZERO_AMOUNT");
        }
        if amount > unstaked {
            return Expect::refused("E_NOT_ENOUGH_UNSTAKED");
        }
        if self.share_pool().shares_from_amount_down(amount) == Some(0) {
            return Expect::refused("E_STAKE_TOO_SMALL");
        }
        if !s.is_lockup() && amount < MIN_LIQUID_STAKE {
            return Expect::refused("E_LIQUID_STAKE_TOO_SMALL");
        }
        self.funds_tolerance(Expect::Ok)
    }

    /// Checks a stake's result beyond its expectation: a liquid stake mints
    /// sNEAR (a mint has no reason to fail here), a lockup's returns 0.
    pub(super) fn check_minted(&self, s: &Staker, res: &Res) -> Done {
        if let (Res::Ok(_), StakerKind::Liquid) = (res, s.kind) {
            if res.amount() == 0 {
                return Err(Fail::Expectation(format!(
                    "{}: a liquid stake succeeded but minted nothing (mint failed)",
                    s.id
                )));
            }
        }
        Ok(())
    }

    pub(super) fn op_deposit_and_stake(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_staker(r, |_| true, |_, _| true, 100) else {
            return self.skip("no staker");
        };
        let amount = if r.chance(88) {
            r.log_amount(MIN_LIQUID_STAKE, MAX_DEPOSIT)
        } else {
            r.range_u128(1, MIN_LIQUID_STAKE - 1)
        };
        self.ensure_near(&s, amount);
        let before = self.details(&s.id);
        let has_record = self.has_record(&s.id);
        let expect = if amount < MIN_FIRST_DEPOSIT && !has_record {
            Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
        } else {
            self.stake_expect(&s, amount, before.unstaked_balance.0 + amount)
        };
        let label = format!("{} deposit_and_stake {}", self.name(&s), fmt_near(amount));
        self.before_deposit(&s);
        let (out, expect) = if s.kind == StakerKind::Liquid {
            let (gas, case) = liquid_gas(r, GAS_LIQUID_STAKE);
            let id = s.id.clone();
            let label = format!("{label} ({} Tgas)", gas.as_tgas());
            let out = self.step(label, |sys| {
                sys.call_router(&id, "deposit_and_stake", json!({}), amount, gas)
            })?;
            (out, with_gas(case, expect))
        } else {
            (
                self.step(label, |sys| sys.deposit_and_stake(&s, amount))?,
                expect,
            )
        };
        let res = self.classify_for(&s, &out);
        // A lockup contract deposits, then stakes: a tiny amount may be
        // refused at the deposit or at the stake.
        let expect = if s.kind == StakerKind::LockupContract && !matches!(expect, Expect::Ok) {
            expect
                .or("E_FIRST_DEPOSIT_TOO_SMALL")
                .or("E_STAKE_TOO_SMALL")
        } else {
            expect
        };
        self.expect("deposit_and_stake", &expect, &res)?;
        self.check_minted(&s, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::DepositAndStake(amount))?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    pub(super) fn op_stake(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_with_unstaked(r) else {
            return self.skip("no staker");
        };
        let u = self.details(&s.id).unstaked_balance.0;
        let amount = match (u, r.below(100)) {
            (0, _) => r.log_amount(MIN_LIQUID_STAKE, 100 * ONE_NEAR),
            (_, 0..=34) => u,
            (_, 35..=79) => r.percent_of(u, 5, 100),
            (_, 80..=89) => u + r.range_u128(1, ONE_NEAR),
            _ => r.range_u128(1, MIN_LIQUID_STAKE - 1),
        };
        let expect = self.stake_expect(&s, amount, u);
        let label = format!(
            "{} stakes {} of {}",
            self.name(&s),
            fmt_near(amount),
            fmt_near(u)
        );
        let (out, expect) = if s.kind == StakerKind::Liquid {
            let (gas, case) = liquid_gas(r, GAS_LIQUID_STAKE);
            let id = s.id.clone();
            let label = format!("{label} ({} Tgas)", gas.as_tgas());
            let args = json!({"amount": amount.to_string()});
            let out = self.step(label, |sys| sys.call_router(&id, "stake", args, 0, gas))?;
            (out, with_gas(case, expect))
        } else {
            (self.step(label, |sys| sys.stake(&s, amount))?, expect)
        };
        let res = self.classify_for(&s, &out);
        self.expect("stake", &expect, &res)?;
        self.check_minted(&s, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::Stake(amount))?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    pub(super) fn op_stake_all(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_staker(
            r,
            |s| s.kind != StakerKind::LockupContract,
            |w, s| w.details(&s.id).unstaked_balance.0 > 0,
            85,
        ) else {
            return self.skip("no staker");
        };
        let u = self.details(&s.id).unstaked_balance.0;
        let mut expect = self.stake_expect(&s, u, u);
        let (gas, case) = if s.kind == StakerKind::Liquid {
            liquid_gas(r, GAS_LIQUID_STAKE)
        } else {
            (LOCKUP_CALL_GAS, GasCase::Plenty)
        };
        if s.kind == StakerKind::Liquid {
            expect = with_gas(case, expect);
        }
        let id = s.id.clone();
        let label = format!("{} stake_all ({})", self.name(&s), fmt_near(u));
        let out = self.step(label, |sys| {
            sys.call_router(&id, "stake_all", json!({}), 0, gas)
        })?;
        let res = classify(&out);
        self.expect("stake_all", &expect, &res)?;
        self.check_minted(&s, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::Stake(u))?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    pub(super) fn op_unstake(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_with_staked(r) else {
            return self.skip("no staker");
        };
        if s.is_lockup() {
            self.lockup_unstake(r, &s)
        } else {
            self.liquid_unstake(r, &s)
        }
    }

    /// What `s` holds staked: a lockup's staked view, a liquid holder's
    /// sNEAR at the router's price.
    pub(super) fn staked_value(&self, s: &Staker) -> u128 {
        if s.is_lockup() {
            self.d.sys.core_views(&s.id).staked
        } else {
            let bal = self.d.sys.snear_balance(&s.id);
            self.share_pool().amount_from_shares_down(bal).unwrap_or(0)
        }
    }

    fn lockup_unstake(&mut self, r: &mut Rng, s: &Staker) -> Done {
        let staked = self.d.sys.core_views(&s.id).staked;
        let shares = self.details(&s.id).shares.0;
        let (amount, exact) = match (staked, r.below(100)) {
            (0, 0..=89) => (r.log_amount(ONE_NEAR / 100, 100 * ONE_NEAR), false),
            (_, 0..=34) => (staked, true),
            (_, 35..=79) => (r.percent_of(staked, 1, 99), false),
            (_, 80..=94) => (staked + r.range_u128(1, ONE_NEAR), false),
            _ => (0, false),
        };
        let pool = self.share_pool();
        let expect = if amount == 0 {
            Expect::refused("E_ZERO_AMOUNT")
        } else {
            match pool.shares_from_amount_up(amount) {
                Some(n) if n > 0 && n <= shares => Expect::Ok,
                _ => Expect::refused("E_NOT_ENOUGH_STAKED"),
            }
        };
        let before = self.details(&s.id).unstaked_balance.0;
        let label = format!(
            "{} unstakes {}{} of {}",
            self.name(s),
            fmt_near(amount),
            if exact {
                " (exactly its staked balance)"
            } else {
                ""
            },
            fmt_near(staked)
        );
        let out = self.step(label, |sys| sys.unstake(s, amount))?;
        let res = self.classify_for(s, &out);
        self.expect("unstake (lockup)", &expect, &res)?;
        if res.is_ok() {
            self.check_owed(s, Act::Unstake(amount))?;
            let after = self.d.sys.core_views(&s.id);
            let credited = after.unstaked - before;
            if credited < amount {
                return Err(Fail::Expectation(format!(
                    "{}: unstaking {amount} credited only {credited}",
                    s.id
                )));
            }
            if exact && (after.staked != 0 || credited != amount) {
                return Err(Fail::Expectation(format!(
                    "{}: unstaking exactly its staked balance {amount} credited {credited} and \
                     left {} staked",
                    s.id, after.staked
                )));
            }
            self.note_unstake(s)?;
        }
        self.after_lockup_change(s);
        Ok(())
    }

    fn liquid_unstake(&mut self, r: &mut Rng, s: &Staker) -> Done {
        let bal = self.d.sys.snear_balance(&s.id);
        let pool = self.share_pool();
        let value = pool.amount_from_shares_down(bal).unwrap_or(0);
        let amount = match (value, r.below(100)) {
            (0, _) => r.log_amount(ONE_NEAR / 100, 100 * ONE_NEAR),
            (_, 0..=54) => r.percent_of(value, 1, 100),
            (_, 55..=69) => value,
            (_, 70..=84) => value + r.percent_of(value, 1, 50) + 1,
            _ => r.range_u128(1, MIN_LIQUID_STAKE),
        };
        let (gas, case) = liquid_gas(r, GAS_LIQUID_UNSTAKE);
        let shares = pool.shares_from_amount_up(amount).unwrap_or(u128::MAX);
        let burns = shares <= bal;
        let expect = with_gas(case, self.liquid_unstake_expect(&s.id, amount));
        let fee = self.record_fee(s);
        let label = format!(
            "{} unstakes {} of {} ({} Tgas){}",
            self.name(s),
            fmt_near(amount),
            fmt_near(value),
            gas.as_tgas(),
            if burns {
                ""
            } else {
                ", more than it holds: the burn fails"
            }
        );
        let id = s.id.clone();
        let args = json!({"amount": amount.to_string()});
        let out = self.step(label, |sys| sys.call_router(&id, "unstake", args, 0, gas))?;
        let res = classify(&out);
        self.expect("unstake (liquid)", &expect, &res)?;
        if res.is_ok() && burns {
            self.check_owed(s, Act::Unstake(amount))?;
        }
        if res.is_ok() {
            let credited = res.amount();
            // At least the amount (the price never falls), less the record
            // a holder without one pays.
            if burns && credited < amount - fee {
                return Err(Fail::Expectation(format!(
                    "{}: unstaking {amount} (burning {shares} of {bal} sNEAR, record fee {fee}) \
                     credited {credited}",
                    s.id
                )));
            }
            if !burns && credited != 0 {
                return Err(Fail::Expectation(format!(
                    "{}: a burn of {shares} from {bal} sNEAR cannot land, yet {credited} was credited",
                    s.id
                )));
            }
            if credited > 0 {
                self.note_unstake(s)?;
            }
        }
        Ok(())
    }

    pub(super) fn op_unstake_all(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_with_staked(r) else {
            return self.skip("no staker");
        };
        let label = format!("{} unstake_all", self.name(&s));
        if s.is_lockup() {
            let shares = self.details(&s.id).shares.0;
            let expect = if shares == 0 {
                Expect::refused("E_ZERO_AMOUNT")
            } else {
                Expect::Ok
            };
            let out = self.step(label, |sys| sys.unstake_all(&s))?;
            let res = self.classify_for(&s, &out);
            self.expect("unstake_all (lockup)", &expect, &res)?;
            if res.is_ok() {
                self.check_owed(&s, Act::UnstakeAll)?;
                let staked = self.d.sys.core_views(&s.id).staked;
                if staked != 0 {
                    return Err(Fail::Expectation(format!(
                        "{}: unstake_all left {staked} staked",
                        s.id
                    )));
                }
                self.note_unstake(&s)?;
            }
            self.after_lockup_change(&s);
            return Ok(());
        }
        let bal = self.d.sys.snear_balance(&s.id);
        let (gas, case) = liquid_gas(r, GAS_LIQUID_UNSTAKE_ALL);
        let expect = with_gas(case, Expect::Ok);
        // Dust worth no more than a router record stays sNEAR, whether or
        // not the holder has a record (the router does not look).
        let dust = self.share_pool().amount_from_shares_down(bal).unwrap_or(0)
            <= meta_pool::config::ACCOUNT_RECORD_COST;
        let id = s.id.clone();
        let label = format!("{label} ({} sNEAR, {} Tgas)", fmt_near(bal), gas.as_tgas());
        let out = self.step(label, |sys| {
            sys.call_router(&id, "unstake_all", json!({}), 0, gas)
        })?;
        let res = classify(&out);
        self.expect("unstake_all (liquid)", &expect, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::UnstakeAll)?;
        }
        if res.is_ok() {
            let left = self.d.sys.snear_balance(&s.id);
            if dust {
                if left != bal || res.amount() != 0 {
                    return Err(Fail::Expectation(format!(
                        "{}: unstake_all of dust {bal} sNEAR credited {} and left {left}",
                        s.id,
                        res.amount()
                    )));
                }
                return Ok(());
            }
            if left != 0 || (bal > 0) != (res.amount() > 0) {
                return Err(Fail::Expectation(format!(
                    "{}: unstake_all of {bal} sNEAR credited {} and left {left}",
                    s.id,
                    res.amount()
                )));
            }
            if bal > 0 {
                self.note_unstake(&s)?;
            }
        }
        Ok(())
    }

    /// The router's refusal of a withdrawal of `amount`, in its order, and
    /// whether `is_account_unstaked_balance_available` told the truth.
    pub(super) fn withdraw_expect(&self, s: &Staker, amount: u128) -> Result<Expect, Fail> {
        let a = self.details(&s.id);
        let u = a.unstaked_balance.0;
        let reserve = self.books().reserve;
        let epoch_ok = a.unstaked_available_epoch <= self.epoch();
        let view = self.d.sys.core_views(&s.id).available;
        if view != (u > 0 && epoch_ok && reserve >= u) && u > 0 {
            return Err(Fail::Expectation(format!(
                "{}: is_account_unstaked_balance_available says {view} with {u} unstaked, \
                 available from epoch {} (now {}), reserve {reserve}",
                s.id,
                a.unstaked_available_epoch,
                self.epoch()
            )));
        }
        Ok(if amount == 0 {
            Expect::refused("E_ZERO_AMOUNT")
        } else if amount > u {
            Expect::refused("E_NOT_ENOUGH_UNSTAKED")
        } else if !epoch_ok {
            Expect::refused("E_NOT_AVAILABLE")
        } else if reserve < amount {
            Expect::refused("E_RESERVE_SHORT")
        } else {
            Expect::Ok
        })
    }

    pub(super) fn op_withdraw(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_with_unstaked(r) else {
            return self.skip("no staker");
        };
        let u = self.details(&s.id).unstaked_balance.0;
        let amount = match (u, r.below(100)) {
            (0, 0..=89) => r.log_amount(ONE_NEAR / 100, 100 * ONE_NEAR),
            (_, 0..=49) => u,
            (_, 50..=74) => r.percent_of(u, 1, 99),
            (_, 75..=89) => u + r.range_u128(1, ONE_NEAR),
            _ => 0,
        };
        let expect = self.withdraw_expect(&s, amount)?;
        let label = format!(
            "{} withdraws {} of {} (available from epoch {})",
            self.name(&s),
            fmt_near(amount),
            fmt_near(u),
            self.details(&s.id).unstaked_available_epoch
        );
        let before = self.d.sys.near_balance(&s);
        let out = self.step(label, |sys| sys.withdraw(&s, amount))?;
        let res = self.classify_for(&s, &out);
        self.expect("withdraw", &expect, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::Withdraw(amount))?;
            self.check_paid(&s, &out, before, amount)?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    /// A withdrawal reached the account, exactly: the router sent it one
    /// transfer of the amount, and a plain account's balance moved by the
    /// amount less exactly the gas its transaction burnt (a lockup
    /// contract's also earns its share of the gas its calls burn, so it is
    /// held to the transfer).
    pub(super) fn check_paid(
        &mut self,
        s: &Staker,
        out: &ExecutionOutcome,
        before: u128,
        amount: u128,
    ) -> Done {
        let router = self.d.sys.router.clone();
        if let Err(detail) = withdrawal_paid_exactly(out, &router, &s.id, amount) {
            return Err(self.violation(8, "withdrawal_paid_exactly", detail));
        }
        if s.kind == StakerKind::LockupContract {
            return Ok(());
        }
        let after = self.d.sys.near_balance(s);
        withdrawal_reached_the_account(out, &s.id, before, after, amount)
            .map_err(|detail| self.violation(10, "withdrawal_reached_the_account", detail))?;
        self.stats.payouts_exact += 1;
        Ok(())
    }

    pub(super) fn op_withdraw_all(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_with_unstaked(r) else {
            return self.skip("no staker");
        };
        let u = self.details(&s.id).unstaked_balance.0;
        let expect = if u == 0 && s.kind == StakerKind::LockupContract {
            Expect::refused("E_LOCKUP_DECLINED")
        } else {
            self.withdraw_expect(&s, u)?
        };
        let label = format!("{} withdraw_all ({})", self.name(&s), fmt_near(u));
        let before = self.d.sys.near_balance(&s);
        let out = self.step(label, |sys| sys.withdraw_all(&s))?;
        let res = self.classify_for(&s, &out);
        self.expect("withdraw_all", &expect, &res)?;
        if res.is_ok() {
            self.check_owed(&s, Act::WithdrawAll)?;
            self.check_paid(&s, &out, before, u)?;
        }
        self.after_lockup_change(&s);
        Ok(())
    }

    pub(super) fn op_snear_transfer(&mut self, r: &mut Rng) -> Done {
        let liquid = |s: &Staker| s.kind == StakerKind::Liquid;
        let Some(from) = self.pick_staker(r, liquid, |w, s| w.d.sys.snear_balance(&s.id) > 0, 90)
        else {
            return self.skip("no liquid staker");
        };
        let to = if r.chance(5) {
            from.clone()
        } else {
            let others: Vec<Staker> = self
                .stakers()
                .into_iter()
                .filter(|s| liquid(s) && s.id != from.id)
                .collect();
            match r.pick(&others) {
                Some(t) => t.clone(),
                None => return self.skip("one liquid staker"),
            }
        };
        let bal = self.d.sys.snear_balance(&from.id);
        let amount = match (bal, r.below(100)) {
            (0, _) => r.range_u128(1, 10 * ONE_NEAR),
            (_, 0..=59) => r.percent_of(bal, 1, 100),
            (_, 60..=74) => bal,
            (_, 75..=84) => bal + r.range_u128(1, ONE_NEAR),
            _ => r.range_u128(1, bal.min(ONE_NEAR / 10)),
        };
        self.ensure_near(&from, 0);
        let registered = |w: &World, id| {
            !w.d.sys
                .view::<Value>(
                    &w.d.sys.snear,
                    "storage_balance_of",
                    json!({"account_id": id}),
                )
                .is_null()
        };
        let expect = if from.id == to.id {
            Expect::refused("E_SELF_TRANSFER")
        } else if !registered(self, &from.id) {
            Expect::refused("E_NOT_REGISTERED")
        } else if amount > bal {
            Expect::refused("E_INSUFFICIENT_BALANCE")
        } else {
            Expect::Ok
        };
        // A wallet or contract that attaches too little gas for sNEAR's
        // notice to the router: the transfer still goes through, the
        // router's views of both holders lag until their next change
        // (invariant 11 excuses exactly the accounts whose notice was
        // skipped, read from the receipts).
        let (gas, short) = if r.chance(10) {
            (Gas::from_tgas(3), ", 3 Tgas: no notice")
        } else {
            (Gas::from_tgas(10), "")
        };
        let label = format!(
            "{} sends {} of {} sNEAR to {}{short}",
            self.name(&from),
            fmt_near(amount),
            fmt_near(bal),
            self.name(&to)
        );
        let out = self.step(label, |sys| {
            sys.snear_transfer_with_gas(&from, &to, amount, gas)
        })?;
        let res = classify(&out);
        self.expect("ft_transfer", &expect, &res)?;
        if res.is_ok() {
            let to = to.id.clone();
            self.check_owed(&from, Act::Transfer { to, amount })?;
        }
        Ok(())
    }

    pub(super) fn op_claim_meta(&mut self, r: &mut Rng) -> Done {
        let Some(s) = self.pick_staker(r, |_| true, |_, _| true, 100) else {
            return self.skip("no staker");
        };
        self.ensure_near(&s, 0);
        let label = format!("{} claims META", self.name(&s));
        if s.is_lockup() {
            let owner = s.owner.clone().expect("a lockup has an owner");
            self.ensure_account_near(&owner);
            let pending: Value = self.d.sys.router_view(
                "get_lockup_governance_tokens",
                json!({"lockup_account_id": s.id}),
            );
            let pending: u128 = pending.as_str().and_then(|x| x.parse().ok()).unwrap_or(0);
            let shares = self.details(&s.id).shares.0;
            let emitting =
                self.d.sys.router_view::<Value>("get_config", json!({}))["meta_per_epoch"] != "0";
            let expect = if pending > 0 {
                Expect::Ok
            } else if shares > 0 && emitting {
                // The index moves every block: the claim's block may have
                // accrued what the view's did not.
                Expect::Either(vec!["E_NOTHING_TO_CLAIM"])
            } else {
                Expect::refused("E_NOTHING_TO_CLAIM")
            };
            let out = self.step(label, |sys| sys.claim_lockup_meta(&s))?;
            let res = classify(&out);
            self.expect("claim (lockup owner)", &expect, &res)?;
            if res.is_ok() && res.amount() < pending {
                return Err(Fail::Expectation(format!(
                    "{}: the view showed {pending} META claimable, the claim minted {}",
                    s.id,
                    res.amount()
                )));
            }
            self.after_lockup_change(&s);
            return Ok(());
        }
        let registered = self.d.sys.snear_registered(&s.id);
        let unclaimed = self.d.sys.snear_unclaimed_meta(&s.id);
        let expect = if !registered {
            Expect::refused("E_NOT_REGISTERED")
        } else if unclaimed == 0 {
            Expect::refused("E_NOTHING_TO_CLAIM")
        } else {
            Expect::Ok
        };
        let out = self.step(label, |sys| sys.claim_snear_meta(&s))?;
        let res = classify(&out);
        self.expect("claim (sNEAR holder)", &expect, &res)?;
        if res.is_ok() && res.amount() != unclaimed {
            return Err(Fail::Expectation(format!(
                "{}: {unclaimed} META claimable, {} minted",
                s.id,
                res.amount()
            )));
        }
        Ok(())
    }

    /// An sNEAR holder unregisters (NEP-145). Refused while it holds sNEAR
    /// or unclaimed META; a registration the router paid goes back to the
    /// router, which the ledger books as a top-up of its own funds.
    pub(super) fn op_snear_unregister(&mut self, r: &mut Rng) -> Done {
        let liquid = |s: &Staker| s.kind == StakerKind::Liquid;
        let Some(s) = self.pick_staker(r, liquid, |w, s| w.d.sys.snear_balance(&s.id) == 0, 70)
        else {
            return self.skip("no liquid staker");
        };
        self.ensure_near(&s, 0);
        let snear = self.d.sys.snear.clone();
        let registered = self.d.sys.snear_registered(&s.id);
        let unclaimed = self.d.sys.snear_unclaimed_meta(&s.id);
        let bal = self.d.sys.snear_balance(&s.id);
        let expect = if !registered {
            Expect::Ok
        } else if unclaimed != 0 {
            Expect::refused("E_UNCLAIMED_META")
        } else if bal > 0 {
            Expect::refused("E_POSITIVE_BALANCE")
        } else {
            Expect::Ok
        };
        let force = r.chance(50);
        let label = format!("{} unregisters from sNEAR (force {force})", self.name(&s));
        let id = s.id.clone();
        let out = self.step(label, |sys| {
            let out = sys.call(
                &id,
                &snear,
                "storage_unregister",
                json!({"force": force}),
                1,
                Gas::from_tgas(30),
            );
            // What sNEAR sent the router back is the router's own money.
            let back: u128 = out
                .receipts
                .iter()
                .filter(|r| {
                    r.predecessor_id == snear && r.receiver_id == sys.router && !r.is_refund
                })
                .filter_map(|r| match r.actions.first() {
                    Some(ActionSummary::Transfer { deposit }) => Some(deposit.as_yoctonear()),
                    _ => None,
                })
                .sum();
            sys.ledger.router_top_ups += back;
            if out.json::<bool>().ok() == Some(true) {
                sys.ledger.user_registrations.remove(&id);
            }
            out
        })?;
        let res = classify(&out);
        self.expect("storage_unregister (sNEAR)", &expect, &res)?;
        let unregistered = res == Res::Ok(Value::Bool(true));
        if res.is_ok() && unregistered != registered {
            return Err(Fail::Expectation(format!(
                "{}: unregistering answered {res:?}, registered {registered}",
                s.id
            )));
        }
        Ok(())
    }

    /// A new staker arrives (up to a few per run).
    pub(super) fn op_new_staker(&mut self, r: &mut Rng) -> Done {
        if self.new_stakers >= MAX_NEW_STAKERS {
            return self.skip("enough stakers");
        }
        let i = self.new_stakers;
        self.new_stakers += 1;
        let balance = NearToken::from_near(u128::from(r.range(10, 10_000)));
        let name = format!("n{i}");
        let s = match r.below(10) {
            0..=5 => self.d.sys.add_liquid_staker(&name, balance),
            6..=8 => self.d.sys.add_lockup_account(&name, balance),
            _ => self.d.sys.add_lockup_contract(&name, balance),
        };
        self.names.insert(s.id.clone(), name.clone());
        self.step(format!("{name} arrives ({:?}, {balance})", s.kind), |_| ())
    }
}
