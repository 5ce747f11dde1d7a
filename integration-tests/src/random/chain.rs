//! Time, the keeper and rewards: epochs with a full keeper round, epochs
//! the keeper skips or leaves half done, extra rounds, blocks within an
//! epoch, reward rates (inside the router's 1%-an-epoch anomaly bound, and
//! one-epoch jumps above it); and calls whose callbacks land in the next
//! epoch or while users act (`AcrossEpoch`, `Interleave`).

use localnet::{AccountId, ActionSummary, Gas, RewardRate};
use meta_common::ext::GOVERNANCE_MINT_DEPOSIT;
use meta_pool::config::MIN_LIQUID_STAKE;
use serde_json::{json, Value};

use super::faults::clear_faults;
use super::outcome::{classify, Expect};
use super::profile::{MAX_BASE_REWARD, REWARD_DENOMINATOR};
use super::world::{fmt_near, Done, Fail, World};
use crate::keeper::{Keeper, KeeperReport, EPOCH_OPS, KEEPER_GAS};
use crate::rng::Rng;
use crate::suite::{StakerKind, System, CALL_GAS, ONE_NEAR};

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
        let round = self.step(label, |s| keeper.run_round(s))?;
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
    pub(super) fn op_across_epoch(&mut self, r: &mut Rng) -> Done {
        let mut candidates: Vec<(AccountId, String, Value, u128, Gas, &'static str, String)> =
            Vec::new();
        let keeper = self.d.sys.keeper_account.clone();
        for (op, cb) in [
            ("epoch_sync", "on_sync"),
            ("epoch_withdraw", "on_withdraw"),
            ("epoch_unstake", "on_unstake"),
            ("epoch_stake", "on_stake"),
            ("epoch_rebalance", "on_unstake"),
        ] {
            candidates.push((
                keeper.clone(),
                op.into(),
                json!({}),
                0,
                KEEPER_GAS,
                cb,
                op.into(),
            ));
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
            candidates.push((
                s.id.clone(),
                "deposit_and_stake".into(),
                json!({}),
                amount,
                CALL_GAS,
                "on_mint",
                format!("{name} deposit_and_stake {}", fmt_near(amount)),
            ));
            let bal = self.d.sys.snear_balance(&s.id);
            let value = self.share_pool().amount_from_shares_down(bal).unwrap_or(0);
            if value > 0 {
                let amount = r.percent_of(value, 1, 100);
                candidates.push((
                    s.id.clone(),
                    "unstake".into(),
                    json!({"amount": amount.to_string()}),
                    0,
                    CALL_GAS,
                    "on_burn",
                    format!("{name} unstakes {}", fmt_near(amount)),
                ));
            }
        }
        let lockups: Vec<_> = stakers.iter().filter(|s| s.is_lockup()).collect();
        if let Some(s) = r.pick(&lockups) {
            let owner = s.owner.clone().expect("a lockup has an owner");
            self.ensure_account_near(&owner);
            candidates.push((
                owner,
                "claim_lockup_governance_tokens".into(),
                json!({"lockup_account_id": s.id}),
                GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
                CALL_GAS,
                "on_lockup_claim",
                format!("{}'s owner claims META", self.name(s)),
            ));
        }
        // Shuffle by drawing without replacement until one's callback runs.
        while !candidates.is_empty() {
            let k = r.below(candidates.len() as u64) as usize;
            let (signer, method, args, deposit, gas, cb, what) = candidates.swap_remove(k);
            if !self.callback_runs(&signer, &method, &args, deposit, gas, cb) {
                continue;
            }
            let call_epoch = self.epoch();
            let router = self.d.sys.router.clone();
            let change = self.step(format!("{what}, {cb} in the next epoch"), |s| {
                s.call_across_epoch_change(&signer, &router, &method, args, deposit, gas, cb)
            })?;
            self.stats.epochs += 1;
            self.promise.dirty(call_epoch);
            self.promise.dirty(call_epoch + 1);
            let res = classify(&change.outcome);
            let expect = if method.starts_with("epoch_") {
                Expect::Ok
            } else {
                Expect::Either(vec![])
            };
            self.expect(&format!("{method} across an epoch change"), &expect, &res)?;
            if method == "deposit_and_stake" && res.is_ok() && res.amount() == 0 {
                return Err(Fail::Expectation(format!("{what}: the mint failed")));
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
            if deposit > 0 {
                self.before_deposit(&s);
            }
            users.push((s, method, args, deposit, gas, wait));
        }
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
        for ((s, method, ..), out) in user_outs {
            let res = classify(&out);
            self.expect(
                &format!("{method} (interleaved)"),
                &Expect::Either(vec![]),
                &res,
            )?;
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

impl World {
    /// A liquid holder's `unstake_all` reads its sNEAR balance, then burns
    /// it; the holder sends sNEAR away in between, so the burn fails (an
    /// sNEAR failure the router must survive: nothing changes, no lock,
    /// no share lost), or lands first and the transfer fails.
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
        self.expect(
            "ft_transfer (raced)",
            &Expect::Either(vec!["E_INSUFFICIENT_BALANCE", "E_NOT_REGISTERED"]),
            &tres,
        )?;
        // Exactly one of the two can win: a burn of the whole balance read
        // and a transfer out of it.
        let left = self.d.sys.snear_balance(&from.id);
        let burnt = ures.amount() > 0;
        let consistent = match (burnt, tres.is_ok()) {
            (true, false) => left == 0,
            (false, true) => left == bal - amount,
            // The transfer went before the balance was read.
            (true, true) => left == 0,
            // The transfer went first and the burn of the old balance failed.
            (false, false) => false,
        };
        if !consistent {
            return Err(Fail::Expectation(format!(
                "{}: unstake_all of {bal} sNEAR answered {} and a transfer of {amount} {}; \
                 {left} left",
                from.id,
                ures.short(),
                tres.short()
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
