//! What an attacker does, which no ordinary staker's operation did:
//!
//! - `BatchAttack`: ONE transaction from one signer to the router whose
//!   actions are a user's call and an epoch operation, in either order
//!   (`[epoch_unstake, stake]`, `[stake, epoch_unstake]`,
//!   `[epoch_withdraw, withdraw]`, `[deposit_and_stake, epoch_stake]`, …).
//!   The actions of one receipt run in order and together: one refused
//!   action refuses the whole transaction, the epoch operation included.
//! - `RestakeClaim`: a restake (`stake` / `stake_all` from the unstaked
//!   balance) while the account's claim is in the backlog (`to_unstake`),
//!   in flight (an `epoch_unstake` validator call whose callback has not
//!   landed, as in `Interleave`), earmarked at a validator, or collected
//!   into the reserve.
//! - `DonatePool` / `DonateRouter`: plain NEAR transfers to a validator pool
//!   (then its `ping`, which shares it out as reward) and to the router.
//! - `ThrowawayBurst`: several fresh accounts each `deposit_and_stake` the
//!   least liquid stake and pass their sNEAR on to one account; some then
//!   unstake what they kept.
//! - `TransferMidBurn`: an `unstake` whose sNEAR burn has run but whose
//!   `on_burn` callback is held while the holder sends sNEAR away.
//!
//! Every call's outcome is predicted exactly, as elsewhere; invariants 8
//! (claims due are withdrawable, `promise`) and 9 (users do not spend the
//! router's own funds, `World::step`) are what these attacks try to break.

use localnet::{AccountId, ActionSummary, ExecutionOutcome, Gas, NearToken};
use meta_pool::config::{MIN_FIRST_DEPOSIT, MIN_LIQUID_STAKE};
use serde_json::{json, Value};

use super::chain::{interleave, UserCall, PROBE_BLOCKS};
use super::outcome::{classify, Expect};
use super::world::{fmt_near, Done, Fail, World};
use crate::invariants::withdrawal_paid_exactly;
use crate::keeper::{Keeper, EPOCH_OPS};
use crate::owed::Act;
use crate::rng::Rng;
use crate::suite::{Staker, StakerKind, CALL_GAS, ONE_NEAR};

/// Gas of the epoch operation and of the user's call in one batch (both
/// above what either needs, together under the 300 Tgas a transaction
/// may carry).
const BATCH_EPOCH_GAS: Gas = Gas::from_tgas(150);
const BATCH_USER_GAS: Gas = Gas::from_tgas(120);
/// Most throwaway accounts a run creates.
pub(super) const MAX_THROWAWAYS: usize = 24;

/// The user calls a batch mixes with an epoch operation, and how often.
const BATCH_USER_CALLS: [(&str, u32); 8] = [
    ("stake", 4),
    ("stake_all", 2),
    ("unstake", 3),
    ("unstake_all", 1),
    ("withdraw", 3),
    ("withdraw_all", 1),
    ("deposit_and_stake", 3),
    ("deposit", 1),
];

/// Calls that stake from the caller's unstaked balance (and so add to the
/// router's `total_staked` at once).
fn stakes(method: &str) -> bool {
    matches!(method, "stake" | "stake_all" | "deposit_and_stake")
}

impl World {
    /// A liquid staker or lockup-named account (they call the router
    /// directly, so they can batch), most often (85%) one for which `good`
    /// holds.
    fn pick_signer(&self, r: &mut Rng, good: impl Fn(&World, &Staker) -> bool) -> Option<Staker> {
        self.pick_staker(r, |s| s.kind != StakerKind::LockupContract, good, 85)
    }

    /// The amount (and attached deposit) a user's call of `method` by `s`
    /// uses, drawn around its edges.
    fn draw_user_call(&mut self, r: &mut Rng, s: &Staker, method: &str) -> (Value, u128, u128) {
        let u = self.details(&s.id).unstaked_balance.0;
        let value = self.staked_value(s);
        match method {
            "deposit" | "deposit_and_stake" => {
                let a = if r.chance(30) {
                    MIN_LIQUID_STAKE.max(MIN_FIRST_DEPOSIT)
                } else {
                    r.log_amount(MIN_LIQUID_STAKE, 1_000 * ONE_NEAR)
                };
                self.ensure_near(s, a);
                (json!({}), a, a)
            }
            "stake" => {
                let a = match (u, r.below(100)) {
                    (0, _) => r.log_amount(MIN_LIQUID_STAKE, 10 * ONE_NEAR),
                    (_, 0..=59) => u,
                    (_, 60..=89) => r.percent_of(u, 5, 100),
                    _ => u + 1,
                };
                (json!({"amount": a.to_string()}), 0, a)
            }
            "unstake" => {
                let a = match (value, r.below(100)) {
                    (0, _) => r.log_amount(ONE_NEAR / 100, 10 * ONE_NEAR),
                    (_, 0..=69) => r.percent_of(value, 1, 100),
                    _ => value,
                };
                (json!({"amount": a.to_string()}), 0, a)
            }
            "withdraw" => {
                let a = match (u, r.below(100)) {
                    (0, _) => r.log_amount(ONE_NEAR / 100, 10 * ONE_NEAR),
                    (_, 0..=69) => u,
                    (_, 70..=89) => r.percent_of(u, 1, 99),
                    _ => u + 1,
                };
                (json!({"amount": a.to_string()}), 0, a)
            }
            // stake_all, unstake_all, withdraw_all.
            _ => (
                json!({}),
                0,
                if method == "unstake_all" { value } else { u },
            ),
        }
    }

    /// The router's answer to `method` by `s` (liquid or lockup-named, gas
    /// enough), from the state now: success or the exact refusal.
    fn user_expect(&self, s: &Staker, method: &str, amount: u128) -> Result<Expect, Fail> {
        let a = self.details(&s.id);
        let u = a.unstaked_balance.0;
        let has_record = self.has_record(&s.id);
        Ok(match method {
            "deposit" => {
                if amount == 0 {
                    Expect::refused("E_ZERO_AMOUNT")
                } else if amount < MIN_FIRST_DEPOSIT && !has_record {
                    Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
                } else {
                    self.deposit_ok(s)
                }
            }
            "deposit_and_stake" => {
                if amount < MIN_FIRST_DEPOSIT && !has_record {
                    Expect::refused("E_FIRST_DEPOSIT_TOO_SMALL")
                } else {
                    self.stake_expect(s, amount, u + amount)
                }
            }
            "stake" => self.stake_expect(s, amount, u),
            "stake_all" => self.stake_expect(s, u, u),
            "unstake" if s.is_lockup() => {
                let shares = a.shares.0;
                if amount == 0 {
                    Expect::refused("E_ZERO_AMOUNT")
                } else {
                    match self.share_pool().shares_from_amount_up(amount) {
                        Some(n) if n > 0 && n <= shares => Expect::Ok,
                        _ => Expect::refused("E_NOT_ENOUGH_STAKED"),
                    }
                }
            }
            "unstake" => self.liquid_unstake_expect(&s.id, amount),
            "unstake_all" if s.is_lockup() => {
                if a.shares.0 == 0 {
                    Expect::refused("E_ZERO_AMOUNT")
                } else {
                    Expect::Ok
                }
            }
            "unstake_all" => Expect::Ok,
            "withdraw" => self.withdraw_expect(s, amount)?,
            "withdraw_all" => self.withdraw_expect(s, u)?,
            other => unreachable!("no expectation for {other}"),
        })
    }

    /// What to check after a user's call that succeeded, whatever carried
    /// it: a liquid stake minted, an unstake credited (the promise tracker
    /// learns the quote), a withdrawal paid exactly.
    fn after_user_call(
        &mut self,
        s: &Staker,
        method: &str,
        amount: u128,
        before: &(u128, u128),
        out: &ExecutionOutcome,
        also: Option<&[Act]>,
    ) -> Done {
        let (unstaked_before, snear_before) = *before;
        // Invariant 10, at the price before the step, unless an epoch
        // operation ran in the same step (`also` is `None`): its callbacks
        // may book a reward or repay the storage shares at a rounding, so
        // the price the call's own callback met is not the step's first
        // (`only_actors_moved` still holds the step).
        if let Some(also) = also {
            let act = match method {
                "deposit" => Some(Act::Deposit(amount)),
                "deposit_and_stake" => Some(Act::DepositAndStake(amount)),
                "stake" => Some(Act::Stake(amount)),
                "stake_all" => Some(Act::Stake(unstaked_before)),
                "unstake" => Some(Act::Unstake(amount)),
                "unstake_all" => Some(Act::UnstakeAll),
                "withdraw" => Some(Act::Withdraw(amount)),
                "withdraw_all" => Some(Act::WithdrawAll),
                _ => None,
            };
            if let Some(act) = act {
                let acts: Vec<Act> = std::iter::once(act).chain(also.iter().cloned()).collect();
                self.check_owed_all(s, &acts)?;
            }
        }
        let unstaked = self.details(&s.id).unstaked_balance.0;
        if stakes(method) && s.kind == StakerKind::Liquid {
            let minted = self.d.sys.snear_balance(&s.id).saturating_sub(snear_before);
            if minted == 0 {
                return Err(Fail::Expectation(format!(
                    "{}: {method} succeeded but minted no sNEAR",
                    s.id
                )));
            }
        }
        if method.starts_with("unstake") && unstaked > unstaked_before {
            self.note_unstake(s)?;
        }
        if method.starts_with("withdraw") {
            let amount = if method == "withdraw_all" {
                unstaked_before
            } else {
                amount
            };
            let router = self.d.sys.router.clone();
            if let Err(detail) = withdrawal_paid_exactly(out, &router, &s.id, amount) {
                return Err(self.violation(8, "withdrawal_paid_exactly", detail));
            }
        }
        self.after_lockup_change(s);
        Ok(())
    }

    // ---- 1. a user's call and an epoch operation in one transaction ------

    pub(super) fn op_batch_attack(&mut self, r: &mut Rng) -> Done {
        let method: &str = r.weighted(BATCH_USER_CALLS.as_ref());
        let epoch_weights: Vec<(&str, u32)> = EPOCH_OPS
            .iter()
            .map(|&op| (op, if op == "epoch_unstake" { 3 } else { 1 }))
            .collect();
        let op: &str = r.weighted(&epoch_weights);
        let user_first = r.chance(50);
        let signer = match method {
            "stake" | "stake_all" | "withdraw" | "withdraw_all" => {
                self.pick_signer(r, |w, s| w.details(&s.id).unstaked_balance.0 > 0)
            }
            "unstake" | "unstake_all" => self.pick_signer(r, |w, s| w.staked_value(s) > 0),
            _ => self.pick_signer(r, |_, _| true),
        };
        let Some(s) = signer else {
            return self.skip("no staker that can batch");
        };
        self.ensure_near(&s, 0);
        let (args, deposit, amount) = self.draw_user_call(r, &s, method);
        let expect = self.user_expect(&s, method, amount)?;
        let order = if user_first {
            format!("[{method}, {op}]")
        } else {
            format!("[{op}, {method}]")
        };
        self.stats.attack(format!("batch: {order}"));
        let books = self.books();
        let label = format!(
            "{} sends one transaction {order} ({} {}; to_unstake {}, in flight {}, earmarked {}, \
             reserve {})",
            self.name(&s),
            method,
            fmt_near(amount),
            fmt_near(books.to_unstake),
            fmt_near(books.unstake_in_flight),
            fmt_near(books.earmarked),
            fmt_near(books.reserve)
        );
        if deposit > 0 {
            self.before_deposit(&s);
        }
        let before = (
            self.details(&s.id).unstaked_balance.0,
            self.d.sys.snear_balance(&s.id),
        );
        let id = s.id.clone();
        self.epoch_op_in_step = true;
        let out = self.step(label, |sys| {
            let mut reading = sys.cap_reading();
            let router = sys.router.clone();
            let user = (
                method,
                args.clone(),
                NearToken::from_yoctonear(deposit),
                BATCH_USER_GAS,
            );
            let epoch = (op, json!({}), NearToken::from_yoctonear(0), BATCH_EPOCH_GAS);
            let (first, second) = if user_first {
                (user, epoch)
            } else {
                (epoch, user)
            };
            let b = sys
                .net
                .batch(&id, &router)
                .call_json(first.0, first.1, first.2, first.3)
                .call_json(second.0, second.1, second.2, second.3);
            let out = b.transact();
            // A stake before the epoch operation raised the router's
            // total (and so its share cap) before the operation read it.
            if user_first && out.is_success() && stakes(method) {
                reading.total_staked += match method {
                    "stake_all" => before.0,
                    _ => amount,
                };
            }
            sys.record(&out, Some(reading));
            out
        })?;
        let res = classify(&out);
        self.expect(&format!("batch {order}"), &expect, &res)?;
        if res.is_ok() {
            self.after_user_call(&s, method, amount, &before, &out, None)?;
        }
        Ok(())
    }

    // ---- 2. restake while the claim is anywhere ---------------------------

    pub(super) fn op_restake_claim(&mut self, r: &mut Rng) -> Done {
        let state = *r
            .pick(&["backlog", "in flight", "earmarked", "reserve"])
            .expect("4");
        let now = self.epoch();
        let waiting = |w: &World, s: &Staker| {
            let a = w.details(&s.id);
            a.unstaked_balance.0 > 0 && a.unstaked_available_epoch > now
        };
        let available = |w: &World, s: &Staker| {
            let a = w.details(&s.id);
            a.unstaked_balance.0 > 0 && a.unstaked_available_epoch <= now
        };
        let s = match state {
            "earmarked" => self.pick_signer(r, waiting),
            "reserve" => self.pick_signer(r, available),
            _ => self.pick_signer(r, |w, s| w.staked_value(s) > 0),
        };
        let Some(s) = s else {
            return self.skip("no staker");
        };
        self.ensure_near(&s, 0);
        // In the backlog or in flight: a fresh claim first.
        if matches!(state, "backlog" | "in flight") && self.staked_value(&s) > 0 {
            let value = self.staked_value(&s);
            let mut amount = r.percent_of(value, 5, 100);
            if state == "in flight" {
                // More than the buffer nets, so a validator call is needed.
                let b = self.books();
                let needed = b.buffered.saturating_sub(b.to_unstake) + ONE_NEAR;
                amount = amount.max(needed.min(value));
            }
            let expect = self.user_expect(&s, "unstake", amount)?;
            let before = (
                self.details(&s.id).unstaked_balance.0,
                self.d.sys.snear_balance(&s.id),
            );
            let id = s.id.clone();
            let label = format!(
                "{} unstakes {} to restake it ({state})",
                self.name(&s),
                fmt_near(amount)
            );
            let args = json!({"amount": amount.to_string()});
            let out = self.step(label, |sys| {
                sys.call_router(&id, "unstake", args, 0, CALL_GAS)
            })?;
            let res = classify(&out);
            self.expect("unstake (to restake)", &expect, &res)?;
            if res.is_ok() {
                self.after_user_call(&s, "unstake", amount, &before, &out, Some(&[]))?;
            }
        }
        let u = self.details(&s.id).unstaked_balance.0;
        if u == 0 {
            return self.skip("nothing unstaked to restake");
        }
        let all = r.chance(35);
        let (method, amount) = if all {
            ("stake_all", u)
        } else if r.chance(50) {
            ("stake", u)
        } else {
            ("stake", r.percent_of(u, 5, 100))
        };
        let expect = self.user_expect(&s, method, amount)?;
        let args = if all {
            json!({})
        } else {
            json!({"amount": amount.to_string()})
        };
        let b = self.books();
        let a = self.details(&s.id);
        let claim = format!(
            "available from epoch {} (now {now}); to_unstake {}, in flight {}, earmarked {}, reserve {}",
            a.unstaked_available_epoch,
            fmt_near(b.to_unstake),
            fmt_near(b.unstake_in_flight),
            fmt_near(b.earmarked),
            fmt_near(b.reserve)
        );
        let before = (u, self.d.sys.snear_balance(&s.id));
        let mut status: meta_pool::views::EpochStatus =
            self.d.sys.router_view("get_epoch_status", json!({}));
        if state == "in flight" && !status.unstake_pending && status.validators_to_sync > 0 {
            // Only validators synced this epoch take unstakes: the keeper
            // syncs them first (a keeper's step, not the user's).
            let user_op = std::mem::replace(&mut self.user_op, false);
            let keeper = Keeper::default();
            let synced = self.step("keeper syncs the validators".into(), |sys| {
                for _ in 0..keeper.max_calls_per_op {
                    if keeper.call(sys, "epoch_sync").more != Some(true) {
                        break;
                    }
                }
            });
            self.user_op = user_op;
            synced?;
            status = self.d.sys.router_view("get_epoch_status", json!({}));
        }
        if state == "in flight" && status.unstake_pending {
            self.stats.attack(format!("restake: in flight, {method}"));
            let wait = r.range(0, 1);
            let call: UserCall = (s.clone(), method, args, 0, CALL_GAS, wait);
            let label = format!(
                "{} {method} {} while epoch_unstake's validator call is in flight ({claim})",
                self.name(&s),
                fmt_near(amount)
            );
            let keeper = self.d.sys.keeper_account.clone();
            self.epoch_op_in_step = true;
            let (keeper_out, users) = self.step(label, |sys| {
                interleave(sys, &keeper, "epoch_unstake", &[call])
            })?;
            self.expect(
                "epoch_unstake (restake in flight)",
                &Expect::Ok,
                &classify(&keeper_out),
            )?;
            let (_, out) = users.into_iter().next().expect("one user call");
            let res = classify(&out);
            self.expect(&format!("{method} (claim in flight)"), &expect, &res)?;
            if res.is_ok() {
                self.after_user_call(&s, method, amount, &before, &out, None)?;
            }
            return Ok(());
        }
        let seen = if b.unstake_in_flight > 0 {
            "in flight"
        } else if a.unstaked_available_epoch <= now {
            "reserve"
        } else if b.to_unstake > 0 {
            "backlog"
        } else {
            "earmarked"
        };
        self.stats.attack(format!("restake: {seen}, {method}"));
        let id = s.id.clone();
        let label = format!(
            "{} {method} {} of its claim ({claim})",
            self.name(&s),
            fmt_near(amount)
        );
        let out = self.step(label, |sys| sys.call_router(&id, method, args, 0, CALL_GAS))?;
        let res = classify(&out);
        self.expect(&format!("{method} (restake, {seen})"), &expect, &res)?;
        if res.is_ok() {
            self.after_user_call(&s, method, amount, &before, &out, Some(&[]))?;
        }
        Ok(())
    }

    // ---- 3. donations ----------------------------------------------------

    /// A new epoch; a donor sends NEAR to a pool and pings it (the pool
    /// shares the donation out as reward at once); the keeper's round. The
    /// router's part of the donation is growth its sync may book, or
    /// refuse above its anomaly bound: the ledger allows the pool to hold
    /// that much more than the record until a sync books it.
    pub(super) fn op_donate_pool(&mut self, r: &mut Rng) -> Done {
        let liquid: Vec<Staker> = self
            .stakers()
            .into_iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .collect();
        let Some(donor) = r.pick(&liquid).cloned() else {
            return self.skip("no donor");
        };
        let i = r.below(self.d.sys.pools.len() as u64) as usize;
        let pool = self.d.sys.pools[i].id.clone();
        let amount = if r.chance(50) {
            r.log_amount(1, ONE_NEAR)
        } else {
            r.log_amount(ONE_NEAR, 100 * ONE_NEAR)
        };
        self.ensure_near(&donor, amount);
        self.stats.attack(format!(
            "donation: to a pool, {}",
            if amount < ONE_NEAR { "small" } else { "large" }
        ));
        self.op_donation_epoch(&donor, &pool, i, amount, r)
    }

    fn op_donation_epoch(
        &mut self,
        donor: &Staker,
        pool: &AccountId,
        i: usize,
        amount: u128,
        r: &mut Rng,
    ) -> Done {
        // The epoch begins with no keeper yet, as in `NextEpoch`.
        let user_op = std::mem::replace(&mut self.user_op, false);
        let advanced = self.advance(1, "");
        self.user_op = user_op;
        advanced?;
        let label = format!(
            "{} donates {} to {pool} and pings it",
            self.name(donor),
            fmt_near(amount)
        );
        let faulty = self.faults[i].any();
        let burns_ping = matches!(self.faults[i].burn, Some(("ping", _)));
        let id = donor.id.clone();
        let p = pool.clone();
        let (sent, ping) = self.step(label, |sys| {
            let sent = sys.net.transfer(&id, &p, NearToken::from_yoctonear(amount));
            let ping = sys.call(&id, &p, "ping", json!({}), 0, Gas::from_tgas(50));
            // What the donation can add to the router's balance at the
            // pool (the router's part of it, at most all of it), until a
            // sync in a later epoch books it (`Ledger::donations`).
            let epoch = sys.net.epoch_height();
            let d = sys.ledger.donations.entry(p.clone()).or_default();
            *d = (epoch, d.1 + amount);
            (sent, ping)
        })?;
        self.expect("donation to a pool", &Expect::Ok, &classify(&sent))?;
        if burns_ping {
            // The pool's switch burns gas in its `ping`: more than attached
            // and the ping runs out of gas (the donation waits for the next
            // one); that is the only way it may fail.
            let out_of_gas = ping
                .failure_message()
                .is_some_and(|m| m.contains("Exceeded the prepaid gas"));
            if !ping.is_success() && !out_of_gas {
                return Err(Fail::Expectation(format!(
                    "{pool}'s ping failed other than by the gas it burns: {:?}",
                    ping.failure_message()
                )));
            }
        } else {
            let expect = if faulty {
                Expect::Either(vec![])
            } else {
                Expect::Ok
            };
            self.expect("ping (after a donation)", &expect, &classify(&ping))?;
        }
        let gas = if r.chance(20) {
            None
        } else {
            Some(crate::keeper::KEEPER_GAS)
        };
        self.keeper_round(gas).map(|_| ())
    }

    /// Someone sends NEAR to the router account itself: the router's own
    /// funds (the ledger books it as a top-up).
    pub(super) fn op_donate_router(&mut self, r: &mut Rng) -> Done {
        let Some(donor) = self.pick_staker(r, |s| s.kind == StakerKind::Liquid, |_, _| true, 100)
        else {
            return self.skip("no donor");
        };
        let amount = match r.below(3) {
            0 => 1,
            1 => r.log_amount(1, ONE_NEAR / 100),
            _ => r.log_amount(ONE_NEAR / 100, 10 * ONE_NEAR),
        };
        self.ensure_near(&donor, amount);
        self.stats.attack("donation: to the router");
        let label = format!(
            "{} donates {} to the router",
            self.name(&donor),
            fmt_near(amount)
        );
        let id = donor.id.clone();
        let out = self.step(label, |sys| {
            let router = sys.router.clone();
            let out = sys
                .net
                .transfer(&id, &router, NearToken::from_yoctonear(amount));
            if out.is_success() {
                sys.ledger.router_top_ups += amount;
            }
            out
        })?;
        self.expect("donation to the router", &Expect::Ok, &classify(&out))
    }

    // ---- 4. throwaway accounts --------------------------------------------

    pub(super) fn op_throwaway_burst(&mut self, r: &mut Rng) -> Done {
        if self.throwaways >= MAX_THROWAWAYS {
            return self.skip("enough throwaway accounts");
        }
        let liquid: Vec<Staker> = self
            .stakers()
            .into_iter()
            .filter(|s| s.kind == StakerKind::Liquid)
            .collect();
        let Some(collector) = r.pick(&liquid).cloned() else {
            return self.skip("no collector");
        };
        let n = (r.range(2, 5) as usize).min(MAX_THROWAWAYS - self.throwaways);
        self.stats.attack(format!("throwaway burst: {n} accounts"));
        for _ in 0..n {
            let k = self.throwaways;
            self.throwaways += 1;
            let name = format!("t{k}");
            let t = self.d.sys.add_liquid_staker(&name, NearToken::from_near(1));
            self.names.insert(t.id.clone(), name.clone());
            let amount = MIN_LIQUID_STAKE;
            let expect = self.user_expect(&t, "deposit_and_stake", amount)?;
            let before = (0, 0);
            let id = t.id.clone();
            let out = self.step(
                format!("{name} (throwaway) deposit_and_stake {}", fmt_near(amount)),
                |sys| sys.call_router(&id, "deposit_and_stake", json!({}), amount, CALL_GAS),
            )?;
            let res = classify(&out);
            self.expect("deposit_and_stake (throwaway)", &expect, &res)?;
            if !res.is_ok() {
                continue;
            }
            self.after_user_call(&t, "deposit_and_stake", amount, &before, &out, Some(&[]))?;
            let bal = self.d.sys.snear_balance(&t.id);
            let keep = r.chance(40);
            let send = if keep { r.percent_of(bal, 10, 90) } else { bal };
            let label = format!(
                "{name} passes {} of {} sNEAR to {}",
                fmt_near(send),
                fmt_near(bal),
                self.name(&collector)
            );
            let (to, from) = (collector.clone(), t.clone());
            let out = self.step(label, |sys| sys.snear_transfer(&from, &to, send))?;
            self.expect("ft_transfer (throwaway)", &Expect::Ok, &classify(&out))?;
            if !keep {
                continue;
            }
            let left = self.d.sys.snear_balance(&t.id);
            let value = self.share_pool().amount_from_shares_down(left).unwrap_or(0);
            if value == 0 {
                continue;
            }
            let expect = self.user_expect(&t, "unstake", value)?;
            let before = (0, left);
            let id = t.id.clone();
            let out = self.step(
                format!("{name} unstakes the {} it kept", fmt_near(value)),
                |sys| {
                    sys.call_router(
                        &id,
                        "unstake",
                        json!({"amount": value.to_string()}),
                        0,
                        CALL_GAS,
                    )
                },
            )?;
            let res = classify(&out);
            self.expect("unstake (throwaway)", &expect, &res)?;
            if res.is_ok() {
                self.after_user_call(&t, "unstake", value, &before, &out, Some(&[]))?;
            }
        }
        Ok(())
    }

    // ---- 5. an sNEAR transfer while the burn's callback is held ----------

    pub(super) fn op_transfer_mid_burn(&mut self, r: &mut Rng) -> Done {
        let snear = self.d.sys.snear.clone();
        let (from, to) = match self.pick_transfer_pair(r) {
            Ok(pair) => pair,
            Err(why) => return self.skip(why),
        };
        self.ensure_near(&from, 0);
        let bal = self.d.sys.snear_balance(&from.id);
        let pool = self.share_pool();
        let value = pool.amount_from_shares_down(bal).unwrap_or(0);
        if value == 0 {
            return self.skip("sNEAR worth nothing");
        }
        let amount = if r.chance(20) {
            value
        } else {
            r.percent_of(value, 1, 90)
        };
        let shares = pool.shares_from_amount_up(amount).unwrap_or(u128::MAX);
        let expect = self.user_expect(&from, "unstake", amount)?;
        let fee = self.record_fee(&from);
        let rest = bal.saturating_sub(shares);
        let (kind, transfer) = match r.below(3) {
            0 => ("all the rest", rest),
            1 => ("one more than the rest", rest + 1),
            _ => ("part of the rest", r.percent_of(rest, 1, 100).max(1)),
        };
        let before = (
            self.details(&from.id).unstaked_balance.0,
            self.d.sys.snear_balance(&from.id),
        );
        let label = format!(
            "{} unstakes {} (burning {shares} of {bal}); with on_burn held it sends {} sNEAR \
             ({kind}) to {}",
            self.name(&from),
            fmt_near(amount),
            fmt_near(transfer),
            self.name(&to)
        );
        let (router, fid, tid) = (self.d.sys.router.clone(), from.id.clone(), to.id.clone());
        let (unstake, sent, held) = self.step(label, |sys| {
            let u = sys
                .net
                .call(&fid, &router, "unstake")
                .args_json(json!({"amount": amount.to_string()}))
                .gas(CALL_GAS)
                .submit();
            // Until the burn has run on sNEAR; its callback comes later.
            let mut held = false;
            for _ in 0..PROBE_BLOCKS {
                sys.net.produce_block();
                let o = sys.net.outcome(&u);
                let ran = |m: &str, recv: &AccountId| {
                    o.as_ref().is_some_and(|o| {
                        o.receipts.iter().any(|x| {
                            &x.receiver_id == recv
                                && x.predecessor_id == router
                                && x.actions.iter().any(|a| {
                                    matches!(a,
                                    ActionSummary::FunctionCall { method, .. } if method == m)
                                })
                        })
                    })
                };
                if ran("burn", &snear) {
                    held = !ran("on_burn", &router);
                    break;
                }
                if o.as_ref().is_some_and(|o| o.settled) {
                    break;
                }
            }
            let t = sys
                .net
                .call(&fid, &snear, "ft_transfer")
                .args_json(json!({"receiver_id": tid, "amount": transfer.to_string()}))
                .deposit(NearToken::from_yoctonear(1))
                .gas(Gas::from_tgas(10))
                .submit();
            sys.net.run_until_idle();
            let (u, t) = (
                sys.net.outcome(&u).expect("included"),
                sys.net.outcome(&t).expect("included"),
            );
            sys.record(&u, None);
            sys.record(&t, None);
            (u, t, held)
        })?;
        self.stats.attack(format!(
            "transfer mid-burn: {kind}{}",
            if held { "" } else { " (callback not held)" }
        ));
        let ures = classify(&unstake);
        self.expect("unstake (burn held)", &expect, &ures)?;
        // The burn ran before the transfer when the unstake went through
        // (the probe waits for it); it was refused up front otherwise.
        let left = if ures.is_ok() { rest } else { bal };
        let texpect = if transfer == 0 {
            Expect::refused("E_ZERO_AMOUNT")
        } else if transfer <= left {
            Expect::Ok
        } else {
            Expect::refused("E_INSUFFICIENT_BALANCE")
        };
        let tres = classify(&sent);
        self.expect("ft_transfer (burn held)", &texpect, &tres)?;
        if ures.is_ok() {
            let credited = ures.amount();
            if credited < amount - fee {
                return Err(Fail::Expectation(format!(
                    "{}: unstaking {amount} with on_burn held credited {credited} (record fee {fee})",
                    from.id
                )));
            }
            // The transfer ran after the burn (the probe waits for it).
            let sent_too: Vec<Act> = if tres.is_ok() {
                vec![Act::Transfer {
                    to: to.id.clone(),
                    amount: transfer,
                }]
            } else {
                Vec::new()
            };
            self.after_user_call(&from, "unstake", amount, &before, &unstake, Some(&sent_too))?;
        }
        let expected_left =
            if ures.is_ok() { rest } else { bal } - if tres.is_ok() { transfer } else { 0 };
        let now_left = self.d.sys.snear_balance(&from.id);
        if now_left != expected_left {
            return Err(Fail::Expectation(format!(
                "{}: {bal} sNEAR, burnt {shares} ({}), sent {transfer} ({}); {now_left} left, \
                 expected {expected_left}",
                from.id,
                ures.short(),
                tres.short()
            )));
        }
        Ok(())
    }
}
