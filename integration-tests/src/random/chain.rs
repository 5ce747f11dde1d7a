//! Time, the keeper and rewards: epochs with a full keeper round, epochs
//! the keeper skips or leaves half done, extra rounds, blocks within an
//! epoch, reward rates (inside the router's 1%-an-epoch anomaly bound, and
//! one-epoch jumps above it); and calls whose callbacks land in the next
//! epoch or while users act (`AcrossEpoch`, `Interleave`).

use localnet::{AccountId, ActionSummary, Gas, RewardRate};
use meta_common::ext::{GOVERNANCE_MINT_DEPOSIT, SNEAR_REGISTRATION_DEPOSIT};
use meta_common::shares::SharePool;
use meta_pool::config::{
    ACCOUNT_RECORD_COST, MIN_FIRST_DEPOSIT, MIN_LIQUID_STAKE, UNSTAKE_WAIT_EPOCHS,
};
use meta_pool::gas::{GAS_LIQUID_STAKE, GAS_LIQUID_UNSTAKE};
use serde_json::{json, Value};

use super::faults::clear_faults;
use super::outcome::{classify, Expect};
use super::profile::{MAX_BASE_REWARD, REWARD_DENOMINATOR};
use super::users::{with_gas, GasCase};
use super::world::{fmt_near, Done, Fail, World};
use crate::keeper::{Keeper, KeeperReport, EPOCH_OPS, GAS_BEFORE_CHECK, KEEPER_GAS};
use crate::rng::Rng;
use crate::suite::{Staker, StakerKind, System, CALL_GAS, ONE_NEAR};

/// Blocks the search for a callback looks at (as the harness's).
pub(super) const PROBE_BLOCKS: u64 = 20;

impl World {
    /// Advances `n` epochs, clearing the fault switches whose time is up
    /// on the way; epochs passed with a switch on are disturbed.
    pub(super) fn advance(&mut self, n: u64, why: &str) -> Done {
        for _ in 0..n {
            let now = self.epoch();
            if self.any_fault() {
                self.promise.dirty(now);
            }
            let cleared = self.expire_faults(now + 1);
            let label = if cleared.is_empty() {
                format!("epoch {} begins{why}", now + 1)
            } else {
                let names: Vec<String> = cleared
                    .iter()
                    .map(|(i, _)| self.d.sys.pools[*i].id.to_string())
                    .collect();
                format!(
                    "epoch {} begins{why}; faults off on {}",
                    now + 1,
                    names.join(", ")
                )
            };
            self.step(label, |sys| {
                sys.advance_epochs(1);
                clear_faults(sys, &cleared);
            })?;
            self.stats.epochs += 1;
            if self.any_fault() {
                self.promise.dirty(now + 1);
            }
        }
        Ok(())
    }

    /// One full keeper round with `gas` (`None`: the least each operation
    /// accepts), then the unstake promises that came due.
    pub fn keeper_round(&mut self, gas: Option<Gas>) -> Result<KeeperReport, Fail> {
        let keeper = Keeper {
            max_calls_per_op: 32,
            gas,
        };
        let label = match gas {
            Some(g) => format!("keeper round ({} Tgas)", g.as_tgas()),
            None => "keeper round (minimum gas)".to_string(),
        };
        // The keeper's round is not a user's call (invariant 9), nor are
        // the withdrawals the promise check makes after it.
        let user_op = std::mem::replace(&mut self.user_op, false);
        let done = self.keeper_round_inner(label, keeper);
        self.user_op = user_op;
        done
    }

    fn keeper_round_inner(&mut self, label: String, keeper: Keeper) -> Result<KeeperReport, Fail> {
        let before = self.d.checker.last().cloned();
        let round = self.step(label, |s| keeper.run_round(s))?;
        self.check_keeper_moved_no_holding(before)?;
        let round = round.map_err(Fail::Keeper)?;
        self.d.gas.add(&round);
        self.d.last_round = Some(round.clone());
        self.stats.keeper_rounds += 1;
        let failures = round.events("epoch_failed").len() as u64;
        self.stats.keeper_failures += failures;
        if let Some(last) = self.trace.last_mut() {
            last.push_str(&format!(
                " -> {} calls, {failures} failed",
                round.calls.len()
            ));
        }
        let epoch = self.epoch();
        let blocked = round
            .status_after
            .as_ref()
            .is_none_or(|s| s.unstake_blocked || s.work_pending);
        if failures > 0 || blocked || self.any_fault() {
            self.promise.dirty(epoch);
        } else {
            self.promise.clean_round(epoch);
        }
        self.check_promises()?;
        Ok(round)
    }

    fn keeper_gas(r: &mut Rng) -> Option<Gas> {
        if r.chance(20) {
            None
        } else {
            Some(KEEPER_GAS)
        }
    }

    pub(super) fn op_next_epoch(&mut self, r: &mut Rng) -> Done {
        self.advance(1, "")?;
        self.keeper_round(Self::keeper_gas(r)).map(|_| ())
    }

    pub(super) fn op_skip_epochs(&mut self, r: &mut Rng) -> Done {
        let n = r.range(1, 3);
        for _ in 0..n {
            let now = self.epoch();
            self.promise.dirty(now);
            self.advance(1, " (no keeper)")?;
            self.promise.dirty(now + 1);
        }
        Ok(())
    }

    /// A new epoch in which the keeper stops after the first few operations.
    pub(super) fn op_partial_keeper(&mut self, r: &mut Rng) -> Done {
        self.advance(1, "")?;
        let k = r.range(1, EPOCH_OPS.len() as u64 - 1) as usize;
        let ops = &EPOCH_OPS[..k];
        let keeper = Keeper::default();
        self.promise.dirty(self.epoch());
        let calls = self.step(format!("partial keeper round: {ops:?} only"), |s| {
            let mut calls = Vec::new();
            for op in ops {
                for _ in 0..keeper.max_calls_per_op {
                    let c = keeper.call(s, op);
                    let more = c.more;
                    calls.push(c);
                    if more != Some(true) {
                        break;
                    }
                }
            }
            calls
        })?;
        if let Some(c) = calls.iter().find(|c| c.more.is_none()) {
            return Err(Fail::Expectation(format!(
                "{} failed as a transaction: {:?}",
                c.op, c.failure
            )));
        }
        Ok(())
    }

    pub(super) fn op_extra_round(&mut self, r: &mut Rng) -> Done {
        self.keeper_round(Self::keeper_gas(r)).map(|_| ())
    }

    /// Blocks within the epoch (the META index moves with them).
    pub(super) fn op_advance_blocks(&mut self, r: &mut Rng) -> Done {
        let h = self.d.sys.net.block_height();
        let next = self.d.sys.net.chain().epoch_start(self.epoch() + 1);
        let room = next.saturating_sub(h + 2);
        if room == 0 {
            return self.skip("at the end of the epoch");
        }
        let n = r.range(1, room.min(40_000));
        self.step(format!("{n} blocks pass"), |s| s.net.advance_blocks(n))
    }

    pub(super) fn op_reward_rate(&mut self, r: &mut Rng) -> Done {
        let reward = if r.chance(10) {
            0
        } else {
            u128::from(r.range(1, MAX_BASE_REWARD as u64))
        };
        self.profile.base_reward = reward;
        let rate = self.profile.base_rate();
        self.step(
            format!("validators earn {reward}/{REWARD_DENOMINATOR} an epoch from the next"),
            |s| s.set_reward_rate(rate),
        )
    }

    /// One epoch of rewards above the router's anomaly bound, then back.
    pub(super) fn op_reward_jump(&mut self, r: &mut Rng) -> Done {
        let jump = u128::from(r.range(1_010, 2_500));
        let base = self.profile.base_rate();
        let now = self.epoch();
        self.promise.dirty(now);
        self.step(
            format!("validators earn {jump}/{REWARD_DENOMINATOR} for one epoch"),
            |s| s.set_reward_rate(RewardRate::new(jump, REWARD_DENOMINATOR)),
        )?;
        self.advance(1, " (reward jump paid)")?;
        self.step("rewards back to the base rate".into(), |s| {
            s.set_reward_rate(base)
        })?;
        self.promise.dirty(now + 1);
        self.keeper_round(Some(KEEPER_GAS)).map(|_| ())
    }

    /// Whether `callback` runs after `method`, tried on a copy of the chain.
    #[allow(clippy::too_many_arguments)]
    fn callback_runs(
        &self,
        signer: &AccountId,
        method: &str,
        args: &Value,
        deposit: u128,
        gas: Gas,
        callback: &str,
    ) -> bool {
        let sys = &self.d.sys;
        let mut copy = sys.net.clone();
        let tx = copy
            .call(signer, &sys.router, method)
            .args_json(args.clone())
            .deposit(localnet::NearToken::from_yoctonear(deposit))
            .gas(gas)
            .submit();
        for _ in 0..PROBE_BLOCKS {
            copy.produce_block();
            let ran = copy.outcome(&tx).is_some_and(|o| {
                o.receipts.iter().any(|r| {
                    r.receiver_id == sys.router
                        && r.predecessor_id == sys.router
                        && matches!(r.actions.first(),
                            Some(ActionSummary::FunctionCall { method, .. }) if method == callback)
                })
            });
            if ran {
                return true;
            }
        }
        false
    }

    /// A call whose callback is the first receipt of the next epoch: a
    /// mint, a burn, a lockup's META claim or an epoch operation.
    ///
    /// A user's call runs its checks in the old epoch on the state read
    /// here (the harness only lets blocks pass before sending it, which
    /// moves the META index and nothing else), so it gets exactly the
    /// outcome the predictors give; and since nothing but the epoch change
    /// runs between the call and its callback, the sNEAR minted or the NEAR
    /// credited is exactly what the price read here gives.
    pub(super) fn op_across_epoch(&mut self, r: &mut Rng) -> Done {
        let mut candidates: Vec<Across> = Vec::new();
        let keeper = self.d.sys.keeper_account.clone();
        for (op, cb) in [
            ("epoch_sync", "on_sync"),
            ("epoch_withdraw", "on_withdraw"),
            ("epoch_unstake", "on_unstake"),
            ("epoch_stake", "on_stake"),
            ("epoch_rebalance", "on_unstake"),
        ] {
            candidates.push(Across {
                signer: keeper.clone(),
                method: op.into(),
                args: json!({}),
                deposit: 0,
                gas: KEEPER_GAS,
                callback: cb,
                what: op.into(),
                expect: Expect::Ok,
                then: AcrossCheck::Nothing,
            });
        }
        let stakers = self.stakers();
        let liquid: Vec<_> = stakers
            .iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .collect();
        if let Some(s) = r.pick(&liquid) {
            let amount = r.log_amount(MIN_LIQUID_STAKE, 1_000 * ONE_NEAR);
            self.ensure_near(s, amount);
            let name = self.name(s);
            let unstaked = self.details(&s.id).unstaked_balance.0;
            let expect = if amount < MIN_FIRST_DEPOSIT && !self.has_record(&s.id) {
                Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
            } else {
                self.stake_expect(s, amount, unstaked + amount)
            };
            let pool = self.share_pool();
            let shares = pool.shares_from_amount_down(amount).unwrap_or(0);
            // A holder sNEAR does not know yet pays its registration with
            // the shares worth it (rounded up) at the price after the stake
            // is in the totals; sNEAR mints the rest.
            let registration = if self.d.sys.snear_registered(&s.id) {
                0
            } else {
                let b = self.books();
                SharePool::new(b.total_staked + amount, b.total_shares + shares)
                    .shares_from_amount_up(SNEAR_REGISTRATION_DEPOSIT.as_yoctonear())
                    .unwrap_or(0)
            };
            candidates.push(Across {
                signer: s.id.clone(),
                method: "deposit_and_stake".into(),
                args: json!({}),
                deposit: amount,
                gas: CALL_GAS,
                callback: "on_mint",
                what: format!("{name} deposit_and_stake {}", fmt_near(amount)),
                expect: with_gas(gas_case(CALL_GAS, GAS_LIQUID_STAKE), expect),
                then: AcrossCheck::Minted {
                    minted: shares.saturating_sub(registration),
                    snear: self.d.sys.snear_balance(&s.id),
                },
            });
            let bal = self.d.sys.snear_balance(&s.id);
            let value = pool.amount_from_shares_down(bal).unwrap_or(0);
            if value > 0 {
                let amount = r.percent_of(value, 1, 100);
                let burnt = pool.shares_from_amount_up(amount).unwrap_or(u128::MAX);
                let credit = pool
                    .amount_from_shares_down(burnt)
                    .unwrap_or(0)
                    .saturating_sub(self.record_fee(s));
                let expect = self.liquid_unstake_expect(&s.id, amount);
                candidates.push(Across {
                    signer: s.id.clone(),
                    method: "unstake".into(),
                    args: json!({"amount": amount.to_string()}),
                    deposit: 0,
                    gas: CALL_GAS,
                    callback: "on_burn",
                    what: format!("{name} unstakes {}", fmt_near(amount)),
                    expect: with_gas(gas_case(CALL_GAS, GAS_LIQUID_UNSTAKE), expect),
                    then: AcrossCheck::Credited {
                        credit,
                        burnt,
                        snear: bal,
                        unstaked,
                    },
                });
            }
        }
        let lockups: Vec<_> = stakers.iter().filter(|s| s.is_lockup()).collect();
        if let Some(s) = r.pick(&lockups) {
            let owner = s.owner.clone().expect("a lockup has an owner");
            self.ensure_account_near(&owner);
            let pending: Value = self.d.sys.router_view(
                "get_lockup_governance_tokens",
                json!({"lockup_account_id": s.id}),
            );
            let pending: u128 = pending.as_str().and_then(|x| x.parse().ok()).unwrap_or(0);
            // Only a claim with something to claim has a callback to move
            // (`callback_runs`), and the blocks before the call only add
            // to it.
            candidates.push(Across {
                signer: owner,
                method: "claim_lockup_governance_tokens".into(),
                args: json!({"lockup_account_id": s.id}),
                deposit: GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
                gas: CALL_GAS,
                callback: "on_lockup_claim",
                what: format!("{}'s owner claims META", self.name(s)),
                expect: Expect::Ok,
                then: AcrossCheck::Claimed { pending },
            });
        }
        // Shuffle by drawing without replacement until one's callback runs.
        while !candidates.is_empty() {
            let k = r.below(candidates.len() as u64) as usize;
            let c = candidates.swap_remove(k);
            if !self.callback_runs(&c.signer, &c.method, &c.args, c.deposit, c.gas, c.callback) {
                continue;
            }
            let call_epoch = self.epoch();
            let router = self.d.sys.router.clone();
            let Across {
                signer,
                method,
                args,
                deposit,
                gas,
                callback: cb,
                what,
                expect,
                then,
            } = c;
            let change = self.step(format!("{what}, {cb} in the next epoch"), |s| {
                s.call_across_epoch_change(&signer, &router, &method, args, deposit, gas, cb)
            })?;
            self.stats.epochs += 1;
            self.promise.dirty(call_epoch);
            self.promise.dirty(call_epoch + 1);
            let res = classify(&change.outcome);
            self.expect(&format!("{method} across an epoch change"), &expect, &res)?;
            if res.is_ok() {
                self.check_across(&signer, &what, &then, res.amount(), change.callback_epoch)?;
            }
            if method == "unstake" && res.amount() > 0 {
                if let Some(s) = stakers.iter().find(|s| s.id == signer) {
                    self.note_unstake(s)?;
                }
            }
            if r.chance(60) {
                self.keeper_round(Some(KEEPER_GAS))?;
            }
            return Ok(());
        }
        self.skip("no call with a callback to move")
    }

    /// The amounts a user's call across an epoch change moved, exactly.
    fn check_across(
        &self,
        signer: &AccountId,
        what: &str,
        then: &AcrossCheck,
        got: u128,
        callback_epoch: u64,
    ) -> Done {
        let fail = |m: String| Err(Fail::Expectation(format!("{what}: {m}")));
        match *then {
            AcrossCheck::Nothing => Ok(()),
            AcrossCheck::Minted { minted, snear } => {
                let now = self.d.sys.snear_balance(signer);
                if got != minted || now != snear + minted {
                    return fail(format!(
                        "minted {got} sNEAR (balance {snear} -> {now}), the price says {minted}"
                    ));
                }
                Ok(())
            }
            AcrossCheck::Credited {
                credit,
                burnt,
                snear,
                unstaked,
            } => {
                let now = self.d.sys.snear_balance(signer);
                let a = self.details(signer);
                let quote = callback_epoch + UNSTAKE_WAIT_EPOCHS;
                if got != credit
                    || now != snear - burnt
                    || a.unstaked_balance.0 != unstaked + credit
                    || a.unstaked_available_epoch != quote
                {
                    return fail(format!(
                        "credited {got} (unstaked {unstaked} -> {}, available from epoch {}), \
                         sNEAR {snear} -> {now}; the price says {credit} for {burnt} sNEAR, \
                         available from epoch {quote}",
                        a.unstaked_balance.0, a.unstaked_available_epoch
                    ));
                }
                Ok(())
            }
            AcrossCheck::Claimed { pending } => {
                if got == 0 || got < pending {
                    return fail(format!(
                        "minted {got} META; the view showed {pending} claimable before the call"
                    ));
                }
                Ok(())
            }
        }
    }

    /// Users act while an epoch operation's validator call is in flight:
    /// the keeper's call runs first (so the cap reading before it is what
    /// the router decided on), then one to three users' calls land between
    /// the validator call and its callback.
    pub(super) fn op_interleave(&mut self, r: &mut Rng) -> Done {
        if r.chance(25) {
            return self.race_unstake_all(r);
        }
        let status: meta_pool::views::EpochStatus =
            self.d.sys.router_view("get_epoch_status", json!({}));
        let mut ops = vec!["epoch_sync", "epoch_rebalance"];
        if status.stake_pending {
            ops.push("epoch_stake");
            ops.push("epoch_stake");
        }
        if status.unstake_pending {
            ops.push("epoch_unstake");
            ops.push("epoch_unstake");
        }
        if status.withdraw_pending {
            ops.push("epoch_withdraw");
            ops.push("epoch_withdraw");
        }
        let op = *r.pick(&ops).expect("not empty");
        let stakers: Vec<_> = self
            .stakers()
            .into_iter()
            .filter(|s| s.kind != StakerKind::LockupContract)
            .collect();
        let n = r.range(1, 3) as usize;
        let mut users = Vec::new();
        let mut expects = Vec::new();
        let mut reserve = self.reserve_bounds(op);
        let mut used = std::collections::BTreeSet::new();
        for _ in 0..n {
            let Some(s) = r.pick(&stakers).cloned() else {
                break;
            };
            if !used.insert(s.id.clone()) {
                continue;
            }
            let u = self.details(&s.id).unstaked_balance.0;
            let value = if s.is_lockup() {
                self.d.sys.core_views(&s.id).staked
            } else {
                let bal = self.d.sys.snear_balance(&s.id);
                self.share_pool().amount_from_shares_down(bal).unwrap_or(0)
            };
            let (method, args, deposit) = match r.below(5) {
                0 => {
                    let a = r.log_amount(MIN_LIQUID_STAKE, 1_000 * ONE_NEAR);
                    self.ensure_near(&s, a);
                    ("deposit_and_stake", json!({}), a)
                }
                1 if u > 0 => (
                    "stake",
                    json!({"amount": r.percent_of(u, 10, 100).to_string()}),
                    0,
                ),
                2 | 1 if value > 0 => (
                    "unstake",
                    json!({"amount": r.percent_of(value, 1, 100).to_string()}),
                    0,
                ),
                3 if u > 0 => ("withdraw", json!({"amount": u.to_string()}), 0),
                _ => {
                    let a = r.log_amount(MIN_LIQUID_STAKE, 1_000 * ONE_NEAR);
                    self.ensure_near(&s, a);
                    ("deposit", json!({}), a)
                }
            };
            let gas = match (s.kind, method) {
                (StakerKind::Liquid, _) => CALL_GAS,
                (_, "deposit") => Gas::from_tgas(40),
                _ => Gas::from_tgas(60),
            };
            let wait = r.range(0, 2);
            let amount = match method {
                "deposit" | "deposit_and_stake" => deposit,
                _ => args["amount"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(0),
            };
            let expect = self.interleaved_expect(&s, method, amount, gas, &mut reserve)?;
            if deposit > 0 {
                self.before_deposit(&s);
            }
            expects.push((expect, amount));
            users.push((s, method, args, deposit, gas, wait));
        }
        // Read last: the deposits above fund their senders.
        let balances: Vec<u128> = users
            .iter()
            .map(|u| self.d.sys.near_balance(&u.0))
            .collect();
        let names: Vec<String> = users
            .iter()
            .map(|(s, m, _, d, _, _)| {
                format!(
                    "{} {m}{}",
                    self.name(s),
                    if *d > 0 {
                        format!(" {}", fmt_near(*d))
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        self.promise.dirty(self.epoch());
        let label = format!("{op} in flight while {}", names.join(", "));
        let keeper = self.d.sys.keeper_account.clone();
        let outs = self.step(label, |sys| interleave(sys, &keeper, op, &users))?;
        let (keeper_out, user_outs) = outs;
        let res = classify(&keeper_out);
        self.expect(&format!("{op} (interleaved)"), &Expect::Ok, &res)?;
        for ((((s, method, ..), out), (expect, amount)), before) in
            user_outs.into_iter().zip(expects).zip(balances)
        {
            let res = classify(&out);
            self.expect(&format!("{method} (interleaved)"), &expect, &res)?;
            if method == "withdraw" && res.is_ok() {
                self.check_paid(&s, &out, before, amount)?;
            }
            if method == "deposit_and_stake" && !s.is_lockup() && res.is_ok() && res.amount() == 0 {
                return Err(Fail::Expectation(format!("{}: the mint failed", s.id)));
            }
            if method == "unstake" && res.amount() > 0 {
                self.note_unstake(&s)?;
            }
        }
        Ok(())
    }
}

/// What the reserve can hold when an interleaved user's call lands: `lo`
/// if nothing that may add to it has landed and everything that may take
/// from it has, `hi` the other way round.
struct ReserveBounds {
    lo: u128,
    hi: u128,
}

impl World {
    /// The reserve's bounds when the first user's call lands after the
    /// keeper's `op` ran: `epoch_stake`, `epoch_unstake` and
    /// `epoch_rebalance` first net the buffer against claims still staked
    /// (at most `min(buffered, to_unstake)` into the reserve), and an
    /// in-flight `epoch_withdraw` books what it collects (at most every
    /// earmark) when its callback lands, before or after any user's call.
    /// No other callback of an epoch operation moves the reserve.
    fn reserve_bounds(&self, op: &str) -> ReserveBounds {
        let b = self.books();
        let mut hi = b.reserve;
        if matches!(op, "epoch_stake" | "epoch_unstake" | "epoch_rebalance") {
            hi += b.buffered.min(b.to_unstake);
        }
        if op == "epoch_withdraw" {
            hi += b.earmarked;
        }
        ReserveBounds { lo: b.reserve, hi }
    }

    /// The outcome of a user's call landing while an epoch operation is in
    /// flight, after the users' calls before it (other accounts: each
    /// user acts once). Only the reserve is shared with the in-flight
    /// operation in a way that decides a refusal; `reserve` carries its
    /// bounds from call to call.
    fn interleaved_expect(
        &self,
        s: &Staker,
        method: &str,
        amount: u128,
        gas: Gas,
        reserve: &mut ReserveBounds,
    ) -> Result<Expect, Fail> {
        let d = self.details(&s.id);
        let (unstaked, has_record) = (d.unstaked_balance.0, self.has_record(&s.id));
        let liquid = s.kind == StakerKind::Liquid;
        let may_pass = |e: &Expect| !matches!(e, Expect::Refused(_));
        Ok(match method {
            "deposit" => {
                let e = if amount == 0 {
                    Expect::refused("E_ZERO_AMOUNT")
                } else if amount < MIN_FIRST_DEPOSIT && !has_record {
                    Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
                } else {
                    self.deposit_ok(s)
                };
                if may_pass(&e) {
                    reserve.hi += amount;
                }
                e
            }
            "deposit_and_stake" => {
                let e = if amount < MIN_FIRST_DEPOSIT && !has_record {
                    Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
                } else {
                    self.stake_expect(s, amount, unstaked + amount)
                };
                // The deposit enters the reserve and the stake draws at
                // most as much back out of it.
                if may_pass(&e) {
                    reserve.hi += amount;
                }
                if liquid {
                    with_gas(gas_case(gas, GAS_LIQUID_STAKE), e)
                } else {
                    e
                }
            }
            "stake" => {
                let e = self.stake_expect(s, amount, unstaked);
                // A stake may draw all of it from the reserve (an account
                // whose wait is over draws it before the earmarks).
                if may_pass(&e) {
                    reserve.lo = reserve.lo.saturating_sub(amount);
                }
                if liquid {
                    with_gas(gas_case(gas, GAS_LIQUID_STAKE), e)
                } else {
                    e
                }
            }
            "unstake" if liquid => with_gas(
                gas_case(gas, GAS_LIQUID_UNSTAKE),
                self.liquid_unstake_expect(&s.id, amount),
            ),
            "unstake" => {
                // The price only rises while the call waits, so the shares
                // an unstake spends only fall.
                let shares = self.share_pool().shares_from_amount_up(amount);
                if amount == 0 {
                    Expect::refused("E_ZERO_AMOUNT")
                } else if matches!(shares, Some(n) if n > 0 && n <= d.shares.0) {
                    Expect::Ok
                } else {
                    Expect::refused("E_NOT_ENOUGH_STAKED")
                }
            }
            "withdraw" => {
                let e = match self.withdraw_expect(s, amount)? {
                    Expect::Ok => Expect::Ok,
                    Expect::Refused(codes) if codes == ["E_RESERVE_SHORT"] => Expect::Ok,
                    refused => return Ok(refused),
                };
                // Past every check but the reserve's: how much it holds
                // when the call lands decides.
                let e = if amount <= reserve.lo {
                    e
                } else if amount > reserve.hi {
                    Expect::refused("E_RESERVE_SHORT")
                } else {
                    // The in-flight withdraw may not have refilled the
                    // reserve yet, the netting may not cover it, or a stake
                    // before may have drawn it: short or paid, depending
                    // on which lands first.
                    Expect::Either(vec!["E_RESERVE_SHORT"])
                };
                if may_pass(&e) {
                    reserve.lo = reserve.lo.saturating_sub(amount);
                }
                if e == Expect::Ok {
                    reserve.hi -= amount;
                }
                e
            }
            other => {
                return Err(Fail::Expectation(format!(
                    "no prediction for an interleaved {other}"
                )))
            }
        })
    }
}

impl World {
    /// A liquid holder's `unstake_all` (one `burn_all` on sNEAR, the hop
    /// after the router) while the holder sends sNEAR away 0 to 3 blocks
    /// later. Sent with the unstake or one block later, the transfer lands
    /// on sNEAR first and the rest is burnt; two or three blocks later the
    /// burn has taken the whole balance and the transfer is refused for a
    /// short balance: either way nothing is both sent and burnt, and the
    /// credit is exactly the value of what was burnt. Localnet's receipt
    /// timing is fixed, so the wait decides which.
    fn race_unstake_all(&mut self, r: &mut Rng) -> Done {
        let snear = self.d.sys.snear.clone();
        let (from, to) = match self.pick_transfer_pair(r) {
            Ok(pair) => pair,
            Err(why) => return self.skip(why),
        };
        self.ensure_near(&from, 0);
        let bal = self.d.sys.snear_balance(&from.id);
        let amount = r.percent_of(bal, 1, 100);
        let wait = r.range(0, 3);
        self.promise.dirty(self.epoch());
        // An exit never depends on the router's own funds.
        let unstake_expect = Expect::Ok;
        // Read after the transfer: what is left, unless it is dust worth no
        // more than a router record (it stays sNEAR, record or not).
        let sent_first = wait <= 1;
        let held = if sent_first { bal - amount } else { bal };
        let fee = self.record_fee(&from);
        let pool = self.share_pool();
        let value = pool.amount_from_shares_down(held).unwrap_or(0);
        let burns = value > ACCOUNT_RECORD_COST;
        let credit = if burns { value - fee } else { 0 };
        let transfer_expect = if !sent_first && burns {
            Expect::refused("E_INSUFFICIENT_BALANCE")
        } else {
            Expect::Ok
        };
        let label = format!(
            "{} unstake_all while it sends {} sNEAR to {} ({wait} blocks later)",
            self.name(&from),
            fmt_near(amount),
            self.name(&to)
        );
        let (router, fid, tid) = (self.d.sys.router.clone(), from.id.clone(), to.id.clone());
        let (unstake, transfer) = self.step(label, |sys| {
            let u = sys
                .net
                .call(&fid, &router, "unstake_all")
                .args_json(json!({}))
                .gas(CALL_GAS)
                .submit();
            for _ in 0..wait {
                sys.net.produce_block();
            }
            let t = sys
                .net
                .call(&fid, &snear, "ft_transfer")
                .args_json(json!({"receiver_id": tid, "amount": amount.to_string()}))
                .deposit(localnet::NearToken::from_yoctonear(1))
                .gas(Gas::from_tgas(10))
                .submit();
            sys.net.run_until_idle();
            let (u, t) = (
                sys.net.outcome(&u).expect("included"),
                sys.net.outcome(&t).expect("included"),
            );
            sys.record(&u, None);
            sys.record(&t, None);
            (u, t)
        })?;
        let (ures, tres) = (classify(&unstake), classify(&transfer));
        self.expect("unstake_all (raced)", &unstake_expect, &ures)?;
        self.expect("ft_transfer (raced)", &transfer_expect, &tres)?;
        let left = self.d.sys.snear_balance(&from.id);
        let burnt = ures.amount() > 0;
        // Unburnt dust stays, less the transfer, which then went through.
        let want_left = if burns { 0 } else { bal - amount };
        if ures.amount() != credit || left != want_left {
            return Err(Fail::Expectation(format!(
                "{}: unstake_all of {bal} sNEAR with a transfer of {amount} {wait} blocks later \
                 credited {} and left {left}; expected {credit} credited and {want_left} left",
                from.id,
                ures.amount()
            )));
        }
        if burnt {
            self.note_unstake(&from)?;
        }
        Ok(())
    }
}

/// A user's call in an interleaving: staker, method, args, deposit, gas,
/// blocks to wait before sending it.
pub type UserCall = (crate::suite::Staker, &'static str, Value, u128, Gas, u64);

/// Produces blocks (at most `PROBE_BLOCKS`) until the router has run
/// transaction `tx`'s call: its calls out are sent, their callbacks not
/// yet run.
pub(super) fn wait_until_router_ran(sys: &mut System, tx: &localnet::CryptoHash) {
    let router = sys.router.clone();
    for _ in 0..PROBE_BLOCKS {
        sys.net.produce_block();
        let ran = sys
            .net
            .outcome(tx)
            .is_some_and(|o| o.receipts.iter().any(|r| r.receiver_id == router));
        if ran {
            break;
        }
    }
}

/// Sends the keeper's `op`, waits until the router ran it, sends the
/// users' calls (each after its wait), runs everything to the end and
/// books every outcome in the ledger (the keeper's with the cap reading
/// taken before it).
pub(super) fn interleave(
    sys: &mut System,
    keeper: &AccountId,
    op: &str,
    users: &[UserCall],
) -> (
    localnet::ExecutionOutcome,
    Vec<(UserCall, localnet::ExecutionOutcome)>,
) {
    let reading = sys.cap_reading();
    let router = sys.router.clone();
    let tx = sys
        .net
        .call(keeper, &router, op)
        .args_json(json!({}))
        .gas(KEEPER_GAS)
        .submit();
    wait_until_router_ran(sys, &tx);
    let mut sent = Vec::new();
    for u in users {
        for _ in 0..u.5 {
            sys.net.produce_block();
        }
        let h = sys
            .net
            .call(&u.0.id, &router, u.1)
            .args_json(u.2.clone())
            .deposit(localnet::NearToken::from_yoctonear(u.3))
            .gas(u.4)
            .submit();
        sent.push((u.clone(), h));
    }
    sys.net.run_until_idle();
    let keeper_out = sys.net.outcome(&tx).expect("included");
    sys.record(&keeper_out, Some(reading));
    let outs = sent
        .into_iter()
        .map(|(u, h)| {
            let out = sys.net.outcome(&h).expect("included");
            sys.record(&out, None);
            (u, out)
        })
        .collect();
    (keeper_out, outs)
}

/// A call `op_across_epoch` may move across an epoch change, with what it
/// must give.
struct Across {
    signer: AccountId,
    method: String,
    args: Value,
    deposit: u128,
    gas: Gas,
    callback: &'static str,
    what: String,
    expect: Expect,
    then: AcrossCheck,
}

/// What a successful call across an epoch change must have moved.
enum AcrossCheck {
    Nothing,
    /// Exactly `minted` sNEAR to the holder, who held `snear`.
    Minted {
        minted: u128,
        snear: u128,
    },
    /// Exactly `burnt` sNEAR of the holder's `snear` burnt, exactly
    /// `credit` added to its `unstaked` balance.
    Credited {
        credit: u128,
        burnt: u128,
        snear: u128,
        unstaked: u128,
    },
    /// At least the META the view showed before the blocks the call waited.
    Claimed {
        pending: u128,
    },
}

/// How `gas` compares with what the router asks of a liquid call (as
/// `users::liquid_gas` classifies its draws).
fn gas_case(gas: Gas, need: near_sdk::Gas) -> GasCase {
    let (gas, need, before) = (gas.as_gas(), need.as_gas(), GAS_BEFORE_CHECK.as_gas());
    if gas < need {
        GasCase::Short
    } else if gas < need + before {
        GasCase::Borderline
    } else {
        GasCase::Plenty
    }
}
