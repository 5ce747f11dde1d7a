//! sNEAR refusing the router (`OpKind::SnearFault`, profiles with
//! `snear_faults`): sNEAR's test build (`res/snear_faults.wasm`) fails
//! every call of one method while its switch is on, as a real refusal
//! does. The switch is on for one operation only, so the prediction of
//! every other operation stays exact:
//! - `mint`: a liquid stake whose mint fails is rolled back; the call
//!   succeeds, mints nothing and leaves the NEAR as the staker's unstaked
//!   balance at the router;
//! - `burn`: a liquid unstake whose burn fails credits nothing and leaves
//!   the sNEAR where it was;
//! - `update_pool_state`: a keeper round whose pushes (and the fee mints
//!   batched with them) fail completes; sNEAR's mirror lags until a later
//!   push.
//!
//! Every invariant runs after each step, as for any operation.

use super::outcome::classify;
use super::world::{fmt_near, Done, Fail, World};
use crate::rng::Rng;
use crate::suite::{Staker, StakerKind, ONE_NEAR};
use meta_pool::config::MIN_LIQUID_STAKE;

impl World {
    pub(super) fn op_snear_fault(&mut self, r: &mut Rng) -> Done {
        let method = *r
            .pick(&["mint", "burn", "update_pool_state"])
            .expect("not empty");
        let liquid: Vec<Staker> = self
            .stakers()
            .into_iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .collect();
        match method {
            "mint" => {
                let Some(s) = r.pick(&liquid).cloned() else {
                    return self.skip("no liquid staker");
                };
                let amount = r.log_amount(MIN_LIQUID_STAKE, 100 * ONE_NEAR);
                self.refused_mint(&s, amount)
            }
            "burn" => {
                let holders: Vec<Staker> = liquid
                    .into_iter()
                    .filter(|s| self.d.sys.snear_balance(&s.id) > 0)
                    .collect();
                let Some(s) = r.pick(&holders).cloned() else {
                    return self.skip("no sNEAR holder");
                };
                let pct = r.range(1, 100);
                self.refused_burn(&s, pct)
            }
            _ => self.refused_pushes(),
        }
    }

    fn switch(&mut self, method: &'static str, on: bool) -> Done {
        if on {
            self.stats.fault(match method {
                "mint" => "sNEAR mint",
                "burn" => "sNEAR burn",
                _ => "sNEAR update_pool_state",
            });
        }
        let label = format!("sNEAR {} {method}", if on { "refuses" } else { "accepts" });
        self.step(label, |sys| sys.snear_fault_fail(method, on))
    }

    fn refused_mint(&mut self, s: &Staker, amount: u128) -> Done {
        self.ensure_near(s, amount);
        let before = self.details(&s.id).unstaked_balance.0;
        let snear_before = self.d.sys.snear_balance(&s.id);
        let expect = self.stake_expect(s, amount, before + amount);
        self.before_deposit(s);
        self.switch("mint", true)?;
        let label = format!("{} deposit_and_stake {}", self.name(s), fmt_near(amount));
        let out = self.step(label, |sys| sys.deposit_and_stake(s, amount))?;
        self.switch("mint", false)?;
        let res = classify(&out);
        self.expect("deposit_and_stake (mint refused)", &expect, &res)?;
        if res.is_ok() {
            let after = self.details(&s.id).unstaked_balance.0;
            if res.amount() != 0
                || after != before + amount
                || self.d.sys.snear_balance(&s.id) != snear_before
            {
                return Err(Fail::Expectation(format!(
                    "{}: a refused mint returned {} and left unstaked {before} -> {after}, \
                     sNEAR {snear_before} -> {}",
                    s.id,
                    res.amount(),
                    self.d.sys.snear_balance(&s.id)
                )));
            }
        }
        Ok(())
    }

    fn refused_burn(&mut self, s: &Staker, pct: u64) -> Done {
        let bal = self.d.sys.snear_balance(&s.id);
        let pool = self.share_pool();
        let value = pool.amount_from_shares_down(bal).unwrap_or(0);
        let amount = (value / 100 * u128::from(pct)).max(1);
        let before = self.details(&s.id).unstaked_balance.0;
        let expect = self.liquid_unstake_expect(&s.id, amount);
        self.switch("burn", true)?;
        let label = format!(
            "{} unstakes {} of {}",
            self.name(s),
            fmt_near(amount),
            fmt_near(value)
        );
        let out = self.step(label, |sys| sys.unstake(s, amount))?;
        self.switch("burn", false)?;
        let res = classify(&out);
        self.expect("unstake (burn refused)", &expect, &res)?;
        let after = self.details(&s.id).unstaked_balance.0;
        if res.amount() != 0 || after != before || self.d.sys.snear_balance(&s.id) != bal {
            return Err(Fail::Expectation(format!(
                "{}: a refused burn credited {} (unstaked {before} -> {after}), sNEAR {bal} -> {}",
                s.id,
                res.amount(),
                self.d.sys.snear_balance(&s.id)
            )));
        }
        Ok(())
    }

    fn refused_pushes(&mut self) -> Done {
        self.switch("update_pool_state", true)?;
        let round = self.keeper_round(None);
        self.switch("update_pool_state", false)?;
        round.map(|_| ())
    }
}
