//! The invariants of DESIGN §7, checked on a `Snapshot` of the whole
//! system (and the harness's `Ledger`) after every step.
//!
//! Each invariant is a named function returning `Err(description)` rather
//! than panicking, so a randomized run can print its seed and step and the
//! numbers that broke. `Checker` keeps what spans steps (the previous
//! snapshot, the stake moves already checked, lockups that exited) and runs
//! them all.
//!
//! | # | function | what |
//! |---|---|---|
//! | 1 | `near_is_conserved` | router balance + Σ pool balances = shares' value + users' unstaked + the router's own funds, slack bounded |
//! | 2 | `shares_match_supply` | at rest, router shares = sNEAR supply + lockup shares + seed |
//! | 3 | `price_never_decreases` | exact rational comparison, router and sNEAR's mirror |
//! | 4 | `stakes_respect_caps` | every stake move under both caps as they stood before the call |
//! | 5 | `lockups_are_exact` | lockup views agree and an exact full exit is always possible |
//! | 6 | `meta_is_backed` | META minted = Σ claims ≤ Σ emitted; checkpoints = balances |
//! | 7 | `failures_leave_nothing` | at rest no lock, nothing in flight, no claim lost, pools and router agree |
//! | 8 | `due_claims_are_withdrawable`, `withdrawal_paid_exactly` | after a keeper round, every claim whose quoted epoch has come is withdrawable at once, all together, and a withdrawal pays exactly the amount |
//! | 9 | `own_funds_not_spent_by_users` | a user's call lowers the router's own funds (counting the storage shares the seed holds for them) by at most `ACCOUNT_RECORD_COST` per lockup record it creates; a liquid stake, deposit or unstake not at all |
//!
//! | 10 | `owed::only_actors_moved`, `owed::account_moved_as_promised`, `owed::withdrawal_reached_the_account`, `owed::quote_kept`, `owed::fee_is_its_share` | per account: in every step, only the accounts that acted in it (and the treasury) see their holdings move; with the harness's own arithmetic: a user's call moves exactly what the price says for that account (shares minted rounded down, burnt rounded up, credit rounded down, a transfer's amount between exactly those two) and nothing of anyone else; a payout reaches the account to the yoctoNEAR, gas included; a quote never moves later; a sync's protocol fee is its configured share and buys shares rounded down |
//!
//! | 11 | `wallet_views_are_right` | at rest, for every known account, the router's `get_account_staked_balance` is the value (harness arithmetic, rounded down) of the shares the router holds for it plus its sNEAR balance, unless its last sNEAR change sent the router no notice |
//!
//! | 12 | `proposal_bonds_are_held` | every proposal whose vote is open is backed by its proposer's locked META: per proposer, locked ≥ Σ the thresholds its open proposals took, and never more than its balance (so no number of accounts opens more slots than it holds thresholds) |
//!
//! 8, 9 and 10 need to know what a step was (a keeper round, a user's
//! call), so the randomized runs check them per step (`random::promise`,
//! `random::World::step`, `random::World::check_owed`), not
//! `Checker::check`; `only_actors_moved` runs in `Checker::check` after
//! every step that starts and ends at rest, and the fee check on every
//! sync the ledger records (a wrong fee is a mismatch, reported by
//! invariant 7).
//!
//! The bound of invariant 1: for each pool, the pool's balance for the
//! router minus the router's record of it (`slack`) lies in
//! `[-POOL_ROUNDING, POOL_ROUNDING + growth]`, where `growth` is what the
//! record could have earned at the highest reward rate the chain paid that
//! pool (its own rate, or the chain-wide rate when it had none) since
//! the router last synced that pool (rewards not booked yet, or refused by
//! the router's anomaly filter). Positive slack is NEAR the router holds for
//! its shares and has not booked (the pool's favour); negative slack is pool
//! rounding the router has booked but the pool kept, which the seed covers
//! at the next sync.

use std::collections::BTreeSet;
use std::fmt;

use localnet::{AccountId, ActionSummary, ExecutionOutcome, RewardRate};

use crate::owed::{bps_floor, mul_div_floor, price_at_least, shares_up, value_down, Price};

use crate::suite::{Ledger, Snapshot, System};

/// Largest gap between a pool's balance for the router and the router's
/// record of it that rounding explains: the core pool rounds each stake and
/// unstake by at most a yoctoNEAR or two, and a sync books the reading.
pub const POOL_ROUNDING: u128 = 1_000;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: u8,
    pub name: &'static str,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} ({}): {}",
            self.invariant, self.name, self.detail
        )
    }
}

/// Every invariant broken at one step.
#[derive(Clone, Debug)]
pub struct Violations {
    pub step: String,
    pub epoch: u64,
    pub block: u64,
    pub violations: Vec<Violation>,
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "after step {:?} (epoch {}, block {}):",
            self.step, self.epoch, self.block
        )?;
        for v in &self.violations {
            writeln!(f, "  {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

type Check = Result<(), String>;

/// The router's own funds and storage, `F = balance - reserve - buffered`,
/// with what the ledger says changed it.
#[derive(Clone, Debug)]
pub struct OwnFunds {
    pub f: u128,
    pub top_ups: u128,
    /// `Ledger::mirror_refunds` then.
    pub mirror_refunds: u128,
}

/// Largest figures seen, for reports.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    pub checks: u64,
    /// Largest |slack| of a synced pool (rounding), yoctoNEAR.
    pub max_rounding_slack: u128,
    /// Largest positive slack of any pool (unbooked growth), yoctoNEAR.
    pub max_unbooked: u128,
    /// Stake moves checked against the caps.
    pub stake_moves_checked: usize,
    /// Router NEAR paid for sNEAR registrations.
    pub registrations_paid: u128,
}

/// Runs every invariant after each step.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    prev: Option<Snapshot>,
    own: Option<OwnFunds>,
    moves_checked: usize,
    mismatches_seen: usize,
    actors_seen: usize,
    losses_seen: usize,
    /// While sNEAR's mirror has not caught up with a price a booked loss
    /// lowered: the router's price before that fall (the highest the mirror
    /// may still show) and the lowest router price since (the lowest a
    /// catching-up push may bring it to).
    mirror_lag: Option<(Price, Price)>,
    exited: BTreeSet<AccountId>,
    pub observed: Observed,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a lockup that exited fully: from now on every view of it must
    /// read 0 until it deposits again (`unmark_exited`).
    pub fn mark_exited(&mut self, id: &AccountId) {
        self.exited.insert(id.clone());
    }

    pub fn unmark_exited(&mut self, id: &AccountId) {
        self.exited.remove(id);
    }

    /// Reads the system and checks invariants 1-7, 11, 12 and 10's `only_actors_moved`; the chain must be
    /// at rest. Returns the snapshot, which becomes the reference for the
    /// next step.
    pub fn check(&mut self, sys: &System, step: &str) -> Result<Snapshot, Violations> {
        let now = sys.snapshot();
        let mut out = Vec::new();
        let mut push = |invariant: u8, name: &'static str, r: Check| {
            if let Err(detail) = r {
                out.push(Violation {
                    invariant,
                    name,
                    detail,
                });
            }
        };
        let own_prev = self.own.clone();
        let conserved = near_is_conserved(
            self.prev.as_ref(),
            &now,
            &sys.ledger,
            own_prev.as_ref(),
            &mut self.observed,
        );
        push(1, "near_is_conserved", conserved);
        push(2, "shares_match_supply", shares_match_supply(&now));
        let losses =
            &sys.ledger.booked_losses[self.losses_seen.min(sys.ledger.booked_losses.len())..];
        push(
            3,
            "price_never_decreases",
            price_falls_only_by_losses(self.prev.as_ref(), &now, losses, &mut self.mirror_lag),
        );
        self.losses_seen = sys.ledger.booked_losses.len();
        let moves = &sys.ledger.stake_moves[self.moves_checked.min(sys.ledger.stake_moves.len())..];
        push(4, "stakes_respect_caps", stakes_respect_caps(moves));
        push(
            5,
            "lockups_are_exact",
            lockups_are_exact(&now, &self.exited),
        );
        push(6, "meta_is_backed", meta_is_backed(&now, &sys.ledger));
        push(
            11,
            "wallet_views_are_right",
            wallet_views_are_right(&now, &sys.ledger.mirror_stale),
        );
        push(12, "proposal_bonds_are_held", proposal_bonds_are_held(&now));
        let actors = &sys.ledger.actors[self.actors_seen.min(sys.ledger.actors.len())..];
        if let Some(prev) = self.prev.as_ref().filter(|p| p.at_rest && now.at_rest) {
            let mut moved_by: BTreeSet<AccountId> = actors.iter().cloned().collect();
            moved_by.insert(sys.treasury.clone());
            push(
                10,
                "only_actors_moved",
                crate::owed::only_actors_moved(prev, &now, &moved_by),
            );
        }
        self.actors_seen = sys.ledger.actors.len();
        let mismatches =
            &sys.ledger.mismatches[self.mismatches_seen.min(sys.ledger.mismatches.len())..];
        push(
            7,
            "failures_leave_nothing",
            failures_leave_nothing(&now, mismatches),
        );
        self.observed.checks += 1;
        self.observed.stake_moves_checked += moves.len();
        self.moves_checked = sys.ledger.stake_moves.len();
        self.mismatches_seen = sys.ledger.mismatches.len();
        self.own = Some(OwnFunds {
            f: own_funds_held(&now),
            top_ups: sys.ledger.router_top_ups,
            mirror_refunds: sys.ledger.mirror_refunds,
        });
        let (epoch, block) = (now.epoch, now.block);
        self.prev = Some(now.clone());
        if out.is_empty() {
            Ok(now)
        } else {
            Err(Violations {
                step: step.to_string(),
                epoch,
                block,
                violations: out,
            })
        }
    }

    /// The last snapshot checked.
    pub fn last(&self) -> Option<&Snapshot> {
        self.prev.as_ref()
    }
}

/// The router's own funds and storage as invariant 1 follows them: `F`
/// plus the staked NEAR the seed holds for them (storage shares, sold back
/// to the buffer by the next epoch operation).
fn own_funds_held(s: &Snapshot) -> u128 {
    let b = &s.summary.books;
    own_funds_and_storage(s).saturating_add(b.value_of(b.storage_shares))
}

/// `balance - reserve - buffered`: the router's own funds plus its storage.
fn own_funds_and_storage(s: &Snapshot) -> u128 {
    let b = &s.summary.books;
    s.router_balance
        .saturating_sub(b.reserve)
        .saturating_sub(b.buffered)
}

fn at_rest(s: &Snapshot) -> Check {
    if s.at_rest {
        Ok(())
    } else {
        Err("checked while receipts are in flight".into())
    }
}

/// What `record` can have earned at `rate` over `epochs` epochs,
/// compounded, rounded up.
fn growth_bound(record: u128, rate: RewardRate, epochs: u64) -> u128 {
    let mut b = record;
    for _ in 0..epochs.min(1_000) {
        b = b.saturating_add((b * rate.numerator).div_ceil(rate.denominator));
    }
    b - record
}

/// Invariant 1. At rest:
/// - the router's books balance: `buffered + reserve + Σ records =
///   total_staked + users_unstaked` (records: each validator's staked +
///   unstaked as the router keeps them);
/// - the router holds the NEAR its books say it holds, and its own funds
///   `F = balance - reserve - buffered` (storage included) changed by
///   exactly what the ledger explains: top-ups in, sNEAR registrations of
///   new holders the router paid for out; nothing else moves them, so a
///   yoctoNEAR lost or gained anywhere shows here;
/// - every pool's balance for the router is its record within the slack
///   bound (module doc); a pool whose views fail is taken at the record.
///
/// So `router balance + Σ pool balances = total_staked + users_unstaked +
/// F + Σ slack`, with the slack in the pool's favour and bounded.
pub fn near_is_conserved(
    prev: Option<&Snapshot>,
    now: &Snapshot,
    ledger: &Ledger,
    own_prev: Option<&OwnFunds>,
    observed: &mut Observed,
) -> Check {
    at_rest(now)?;
    let b = &now.summary.books;
    let records: u128 = now
        .validators
        .iter()
        .map(|v| v.staked.0 + v.unstaked.0)
        .sum();
    let assets = b.buffered + b.reserve + b.stake_in_flight + records;
    let owed = b.total_staked + b.users_unstaked;
    if assets != owed {
        return Err(format!(
            "books: buffered {} + reserve {} + in flight {} + validator records {records} = {assets} \
             != total_staked {} + users_unstaked {} = {owed}",
            b.buffered, b.reserve, b.stake_in_flight, b.total_staked, b.users_unstaked
        ));
    }
    let f = own_funds_and_storage(now);
    let held = b.reserve + b.buffered + now.router_storage_cost;
    if now.router_balance < held {
        return Err(format!(
            "the router holds {} but its books and storage need {held}",
            now.router_balance
        ));
    }
    if now.summary.own_funds.0 != f - now.router_storage_cost {
        return Err(format!(
            "own_funds view {} != balance - reserve - buffered - storage = {}",
            now.summary.own_funds.0,
            f - now.router_storage_cost
        ));
    }
    if let (Some(prev), Some(own)) = (prev, own_prev) {
        let new_regs = now
            .snear_holders
            .iter()
            .filter(|(id, h)| {
                h.registered
                    && !prev.snear_holders.get(*id).is_some_and(|p| p.registered)
                    && !ledger.user_registrations.contains(*id)
            })
            .count() as u128;
        let paid = new_regs * now.snear_registration_cost;
        // Users pay for the storage they make the router hold: a new holder
        // repays its registration's deposit with shares (worth at least the
        // deposit), a liquid account its router record (at most
        // `ACCOUNT_RECORD_COST`). So the router's funds may grow by at most
        // that per new holder or record, and never fall but by what it
        // advanced.
        let new_records = now
            .accounts
            .iter()
            .filter(|a| prev.account(&a.account_id).is_none())
            .count() as u128;
        let f = own_funds_held(now);
        // The storage shares the seed holds earn like every share: take the
        // previous ones at today's price.
        let held_shares = prev.summary.books.storage_shares;
        let base = (own.f + b.value_of(held_shares))
            .saturating_sub(prev.summary.books.value_of(held_shares));
        // Selling storage shares back to the buffer rounds down (the pool
        // keeps the dust): a yoctoNEAR or two of their value in a step
        // that sold some; otherwise exact.
        let dust = if held_shares != b.storage_shares {
            2
        } else {
            0
        };
        let least = (base + (ledger.router_top_ups - own.top_ups))
            .checked_sub(paid + (ledger.mirror_refunds - own.mirror_refunds))
            .map(|l| l.saturating_sub(dust));
        let most = least.map(|l| l + (new_regs + new_records + 1) * ACCOUNT_RECORD_COST);
        if least.is_none_or(|l| f < l) || most.is_some_and(|m| f > m) {
            return Err(format!(
                "the router's own funds and storage went from {} to {f}; top-ups {} and {new_regs} \
                 sNEAR registrations ({paid}) explain {least:?} to {most:?} (storage shares {} \
                 -> {}, seed {} -> {})",
                own.f,
                ledger.router_top_ups - own.top_ups,
                prev.summary.books.storage_shares,
                b.storage_shares,
                prev.summary.books.seed_shares,
                b.seed_shares,
            ) + &format!(
                "; balance {} -> {}, reserve {} -> {}, buffered {} -> {}, storage {} -> {}",
                prev.router_balance,
                now.router_balance,
                prev.summary.books.reserve,
                b.reserve,
                prev.summary.books.buffered,
                b.buffered,
                prev.router_storage_cost,
                now.router_storage_cost
            ));
        }
        observed.registrations_paid += paid;
    }
    for p in &now.pools {
        let Ok((staked, unstaked)) = p.router_balance else {
            continue;
        };
        let (record, synced) = match now.validator(&p.id) {
            Some(v) => (v.staked.0 + v.unstaked.0, v.synced_epoch),
            None => (0, Some(now.epoch)),
        };
        let view = staked + unstaked;
        let fresh = ledger.fresh_syncs.get(&p.id).copied();
        let epochs = fresh.map_or(now.epoch, |e| now.epoch.saturating_sub(e));
        let growth = growth_bound(record, ledger.max_reward_rate_of(&p.id), epochs)
            + ledger.under_reported.get(&p.id).copied().unwrap_or(0)
            + ledger.donations.get(&p.id).map_or(0, |d| d.1);
        // A real principal loss at the pool the router has not booked (it
        // refuses one above its tolerance) leaves the record above the
        // pool by at most the router's part of the loss.
        let lost = ledger.known_loss.get(&p.id).copied().unwrap_or(0);
        if view + POOL_ROUNDING + lost < record {
            return Err(format!(
                "{} holds {view} for the router, {} less than the router's record {record} \
                 (known principal loss {lost})",
                p.id,
                record - view
            ));
        }
        if view > record + POOL_ROUNDING + growth {
            return Err(format!(
                "{} holds {view} for the router, {} more than the record {record}; \
                 {epochs} epochs of rewards (and a sync booked under a view fault) \
                 explain at most {growth}",
                p.id,
                view - record
            ));
        }
        if synced == Some(now.epoch) && fresh == Some(now.epoch) {
            observed.max_rounding_slack = observed.max_rounding_slack.max(view.abs_diff(record));
        }
        observed.max_unbooked = observed.max_unbooked.max(view.saturating_sub(record));
    }
    Ok(())
}

/// Invariant 2. At rest: `total_shares = sNEAR ft_total_supply + Σ lockup
/// shares + seed shares`, each bucket of the router's books matching the
/// contract it mirrors; Σ sNEAR balances of every holder the harness knows
/// = the supply (no holder is unknown to it).
pub fn shares_match_supply(now: &Snapshot) -> Check {
    at_rest(now)?;
    let b = &now.summary.books;
    let lockup: u128 = now
        .accounts
        .iter()
        .filter(|a| a.is_lockup)
        .map(|a| a.shares.0)
        .sum();
    let liquid_shares: u128 = now
        .accounts
        .iter()
        .filter(|a| !a.is_lockup)
        .map(|a| a.shares.0)
        .sum();
    let expected = now.snear_supply + lockup + b.seed_shares;
    let mut errs = Vec::new();
    if b.total_shares != expected {
        errs.push(format!(
            "total_shares {} != sNEAR supply {} + lockup shares {lockup} + seed {} = {expected}",
            b.total_shares, now.snear_supply, b.seed_shares
        ));
    }
    if b.snear_supply != now.snear_supply {
        errs.push(format!(
            "the router counts {} sNEAR, sNEAR {}",
            b.snear_supply, now.snear_supply
        ));
    }
    if b.lockup_shares != lockup {
        errs.push(format!(
            "books.lockup_shares {} != Σ lockup accounts' shares {lockup}",
            b.lockup_shares
        ));
    }
    if liquid_shares != 0 {
        errs.push(format!(
            "liquid accounts hold {liquid_shares} router shares"
        ));
    }
    if b.mint_in_flight_shares != 0 || b.burn_in_flight_shares != 0 {
        errs.push(format!(
            "at rest with mints {} / burns {} in flight",
            b.mint_in_flight_shares, b.burn_in_flight_shares
        ));
    }
    let held: u128 = now.snear_holders.values().map(|h| h.balance).sum();
    if held != now.snear_supply {
        errs.push(format!(
            "known sNEAR holders hold {held} of a supply of {}",
            now.snear_supply
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// Invariant 3. The router's price `total_staked / total_shares` is at
/// least the previous step's, compared exactly; sNEAR's mirror never
/// decreases either, never leads the router, and its reward index never
/// moves back.
pub fn price_never_decreases(prev: Option<&Snapshot>, now: &Snapshot) -> Check {
    price_falls_only_by_losses(prev, now, &[], &mut None)
}

/// The lowest price `prev` may fall to in a step whose syncs booked
/// `losses`, in order. Every other operation keeps the price (invariant
/// 3); a loss booked when the totals were `(T + L, S + b)` leaves them
/// `(T, S)` (the event's figures: `L` leaves `total_staked`, the `b` seed
/// shares burnt leave `total_shares`), so it multiplies the price by
/// `T·(S + b) / (S·(T + L))`, which is at least 1 while the seed covers
/// the loss. The factors apply to `prev`'s staked total, each product
/// rounded down (`mul_div_floor`): the bound may sit below the exact one by
/// less than a yoctoNEAR of `prev`'s whole value per loss, never above it.
/// `None` when a figure is malformed (no shares after a loss).
pub fn loss_bound(prev: Price, losses: &[crate::suite::BookedLoss]) -> Option<Price> {
    let mut staked = prev.staked;
    for l in losses {
        let before_staked = l.total_staked.checked_add(l.loss)?;
        let before_shares = l.total_shares.checked_add(l.seed_shares_burnt)?;
        staked = mul_div_floor(staked, l.total_staked, before_staked)?;
        staked = mul_div_floor(staked, before_shares, l.total_shares)?;
    }
    Some(Price {
        staked,
        shares: prev.shares,
    })
}

/// Invariant 3 with the designed exception: the router's price falls only
/// in a step that booked a validator loss, and by at most what those losses
/// beyond the seed's payment explain (`loss_bound`); sNEAR's mirror never
/// shows more than the router's price, except the price from before such a
/// fall until a push catches it up (`mirror_lag`), and falls only to a
/// price the router had since.
pub fn price_falls_only_by_losses(
    prev: Option<&Snapshot>,
    now: &Snapshot,
    losses: &[crate::suite::BookedLoss],
    mirror_lag: &mut Option<(Price, Price)>,
) -> Check {
    let pool = |s: &Snapshot| Price::of(s);
    let mirror = |s: &Snapshot| {
        s.snear_pool_state.as_ref().map(|p| Price {
            staked: p.total_staked.0,
            shares: p.total_shares.0,
        })
    };
    if let Some(prev) = prev {
        if !price_at_least(pool(now), pool(prev)) {
            let bound = loss_bound(pool(prev), losses);
            if losses.is_empty() || !bound.is_some_and(|b| price_at_least(pool(now), b)) {
                return Err(format!(
                    "price fell from {:?} to {:?}; losses booked in the step {losses:?} allow \
                     {bound:?}",
                    pool(prev),
                    pool(now)
                ));
            }
            // The mirror showed at most the price before the fall, and a
            // push inside the step may show the lowest price the loss
            // explains (the router's price can rise again by a rounding
            // later in the same step, e.g. a storage repayment).
            let cap = mirror_lag.map_or(pool(prev), |(cap, _)| cap);
            let floor = bound.unwrap_or(pool(now));
            *mirror_lag = Some((cap, floor));
        }
    }
    if let Some((_, floor)) = mirror_lag.as_mut() {
        if !price_at_least(pool(now), *floor) {
            *floor = pool(now);
        }
    }
    if let Some(m) = mirror(now) {
        let lagging = mirror_lag.is_some_and(|(cap, _)| price_at_least(cap, m));
        if !price_at_least(pool(now), m) && !lagging {
            return Err(format!(
                "sNEAR's price {m:?} is above the router's {:?} (lag after a loss: \
                 {mirror_lag:?})",
                pool(now)
            ));
        }
    }
    let Some(prev) = prev else { return Ok(()) };
    if let (Some(a), Some(b)) = (mirror(prev), mirror(now)) {
        let caught_up = mirror_lag.is_some_and(|(_, floor)| price_at_least(b, floor));
        if !price_at_least(b, a) && !caught_up {
            return Err(format!("sNEAR's price fell from {a:?} to {b:?}"));
        }
    }
    if let Some(m) = mirror(now) {
        if price_at_least(pool(now), m) {
            *mirror_lag = None;
        }
    }
    let index = |s: &Snapshot| s.snear_pool_state.as_ref().map_or(0, |p| p.reward_index.0);
    if index(now) < index(prev) || now.summary.reward_index.0 < prev.summary.reward_index.0 {
        return Err("a reward index moved back".into());
    }
    Ok(())
}

/// Invariant 4. Every stake move (a pool taking the router's
/// `deposit_and_stake`) went to a validator of the current set and kept
/// both caps as they stood just before the call:
/// - share: the router's stake at the pool + the move ≤
///   `max_validator_share_bps` of the router's `total_staked`;
/// - network: `env::validator_stake` + what the router added there in the
///   epochs the validator set does not show yet + the move ≤
///   `max_network_share_bps` of `env::validator_total_stake`.
pub fn stakes_respect_caps(moves: &[crate::suite::StakeMove]) -> Check {
    for m in moves {
        let Some(r) = &m.before else {
            return Err(format!(
                "a stake of {} on {} was not caused through System::call (no cap reading)",
                m.amount, m.validator
            ));
        };
        let at_pool = r.staked.get(&m.validator).copied().unwrap_or(0);
        let cap = bps_floor(r.total_staked, r.params.max_validator_share_bps);
        if at_pool + m.amount > cap {
            return Err(format!(
                "epoch {}: {} + {} on {} is above the share cap {cap} ({} bps of {})",
                m.epoch,
                at_pool,
                m.amount,
                m.validator,
                r.params.max_validator_share_bps,
                r.total_staked
            ));
        }
        let net = r.network.get(&m.validator).copied().unwrap_or(0);
        if net == 0 {
            // It earns nothing there, and the set does not show what its
            // pool already holds, so the network cap cannot be checked.
            return Err(format!(
                "epoch {}: {} staked on {}, outside the validator set",
                m.epoch, m.amount, m.validator
            ));
        }
        let limit = bps_floor(r.network_total, r.params.max_network_share_bps);
        if net + m.recent_added + m.amount > limit {
            return Err(format!(
                "epoch {}: network stake {net} + recent {} + {} on {} is above the network cap \
                 {limit} ({} bps of {})",
                m.epoch,
                m.recent_added,
                m.amount,
                m.validator,
                r.params.max_network_share_bps,
                r.network_total
            ));
        }
    }
    Ok(())
}

/// Invariant 5. For every lockup the harness created: the three balance
/// views agree (`total = staked + unstaked`) and match the router's record;
/// with shares `s` and `x = staked`, an unstake of exactly `x` spends
/// exactly `s` (so it succeeds and leaves 0) because the price is at least
/// 1; `is_account_unstaked_balance_available` is true only when a
/// withdrawal of the whole balance would succeed; a lockup that exited
/// reads 0 everywhere and keeps a record only for unclaimed META.
pub fn lockups_are_exact(now: &Snapshot, exited: &BTreeSet<AccountId>) -> Check {
    let b = &now.summary.books;
    let price = Price::of(now);
    if b.total_staked < b.total_shares {
        return Err(format!(
            "price below 1 ({} / {}): exact lockup exits need it at least 1",
            b.total_staked, b.total_shares
        ));
    }
    for (id, v) in &now.lockup_views {
        let record = now.account(id);
        if exited.contains(id) {
            let kept = record.is_some_and(|a| {
                a.shares.0 != 0 || a.unstaked_balance.0 != 0 || a.governance_tokens_unclaimed.0 == 0
            });
            if v.total != 0 || kept {
                return Err(format!("{id} exited but reads {v:?}, record {record:?}"));
            }
            continue;
        }
        if v.total != v.staked + v.unstaked {
            return Err(format!(
                "{id}: total {} != staked + unstaked ({v:?})",
                v.total
            ));
        }
        let Some(a) = record else {
            if v.total != 0 {
                return Err(format!("{id} has no record but reads {v:?}"));
            }
            continue;
        };
        if a.staked_balance.0 != v.staked || a.unstaked_balance.0 != v.unstaked {
            return Err(format!("{id}: views {v:?} disagree with the record {a:?}"));
        }
        let s = a.shares.0;
        if value_down(price, s) != Some(v.staked) {
            return Err(format!(
                "{id}: staked {} is not the value of {s} shares",
                v.staked
            ));
        }
        if s > 0 && shares_up(price, v.staked) != Some(s) {
            return Err(format!(
                "{id}: unstaking exactly {} would spend {:?} shares, not its {s}",
                v.staked,
                shares_up(price, v.staked)
            ));
        }
        let can = a.unstaked_available_epoch <= now.epoch && b.reserve >= v.unstaked;
        if v.available != can {
            return Err(format!(
                "{id}: is_account_unstaked_balance_available says {} but epoch {} vs {} and \
                 reserve {} vs {}",
                v.available, now.epoch, a.unstaked_available_epoch, b.reserve, v.unstaked
            ));
        }
    }
    Ok(())
}

/// Invariant 11. What a wallet shows (issue 16): at rest, for every account
/// the harness knows, the router's `get_account_staked_balance` equals the
/// value at the router's price (the harness's own arithmetic, rounded down)
/// of the shares it holds for the account plus the account's sNEAR balance
/// on sNEAR. Accounts whose last sNEAR change made no notice to the router
/// (`Ledger::mirror_stale`) are excused: their view lags until their next
/// change.
pub fn wallet_views_are_right(now: &Snapshot, stale: &BTreeSet<AccountId>) -> Check {
    if !now.at_rest {
        return Ok(());
    }
    let price = Price::of(now);
    for (id, h) in &now.snear_holders {
        if stale.contains(id) {
            continue;
        }
        let held = now.account(id).map_or(0, |a| a.shares.0);
        let want = held
            .checked_add(h.balance)
            .and_then(|s| value_down(price, s));
        if want != Some(h.staked_view) {
            return Err(format!(
                "{id}: get_account_staked_balance {} but {held} router-held shares and {} \
                 sNEAR are worth {want:?}",
                h.staked_view, h.balance
            ));
        }
    }
    Ok(())
}

/// Invariant 6. META minted (the governance supply) = Σ claims the ledger
/// saw minted ≤ Σ emitted; minted plus every holder's unclaimed accrual
/// (sNEAR holders and lockups) ≤ Σ emitted; each holder's newest checkpoint
/// is its balance, Σ balances is the supply, and the supply checkpoint of
/// the previous block is the supply (unless the head block changed it).
pub fn meta_is_backed(now: &Snapshot, ledger: &Ledger) -> Check {
    let emitted = ledger.meta_emitted(now.block);
    if now.meta_supply != ledger.meta_minted {
        return Err(format!(
            "META supply {} != Σ claims minted {}",
            now.meta_supply, ledger.meta_minted
        ));
    }
    let unclaimed: u128 = now
        .snear_holders
        .values()
        .map(|h| h.unclaimed_meta)
        .sum::<u128>()
        + now
            .accounts
            .iter()
            .map(|a| a.governance_tokens_unclaimed.0)
            .sum::<u128>();
    if now.meta_supply + unclaimed > emitted {
        return Err(format!(
            "minted {} + unclaimed {unclaimed} > emitted {emitted}",
            now.meta_supply
        ));
    }
    let mut sum = 0;
    let mut changed_in_head = false;
    for (id, h) in &now.meta_holders {
        sum += h.balance;
        match h.last_checkpoint {
            Some((block, balance)) => {
                if balance != h.balance {
                    return Err(format!(
                        "{id}: newest checkpoint {balance} != balance {}",
                        h.balance
                    ));
                }
                changed_in_head |= block >= now.block;
            }
            None if h.balance > 0 => return Err(format!("{id} holds META with no checkpoint")),
            None => {}
        }
    }
    if sum != now.meta_supply {
        return Err(format!(
            "holders hold {sum} META of a supply of {}",
            now.meta_supply
        ));
    }
    if !changed_in_head && now.meta_supply_prev_block != now.meta_supply {
        return Err(format!(
            "supply checkpoint {} != supply {}",
            now.meta_supply_prev_block, now.meta_supply
        ));
    }
    Ok(())
}

/// Invariant 12: the slots of the DAO cost a threshold of META each, held
/// still while the vote is open. Every open proposal's bond is inside its
/// proposer's lock, and a lock never exceeds the balance behind it, so the
/// META locked across all accounts (each unit counted once) covers every
/// open slot.
pub fn proposal_bonds_are_held(now: &Snapshot) -> Check {
    let mut owed: std::collections::BTreeMap<&AccountId, (u128, Vec<u64>)> = Default::default();
    for p in &now.open_proposals {
        let (bonds, ids) = owed.entry(&p.proposer).or_default();
        *bonds += p.bond;
        ids.push(p.id);
    }
    for (id, h) in &now.meta_holders {
        if h.locked > h.balance {
            return Err(format!(
                "{id} locks {} of a balance of {}",
                h.locked, h.balance
            ));
        }
    }
    for (id, (bonds, proposals)) in owed {
        let locked = now.meta_holders.get(id).map_or(0, |h| h.locked);
        if locked < bonds {
            return Err(format!(
                "{id}'s open proposals {proposals:?} took {bonds} of bonds, it locks only {locked}"
            ));
        }
    }
    Ok(())
}

/// Invariant 7. At rest: no validator locked, no call in flight, no NEAR
/// or shares counted in flight, every user's unstaked balance still backed
/// (`Σ accounts' unstaked = users_unstaked`, `Σ earmarks = earmarked`), and
/// every stake a pool took the router booked as a success and the reverse.
/// (That no yoctoNEAR moved unexplained is invariant 1's ledger of the
/// router's own funds.)
pub fn failures_leave_nothing(now: &Snapshot, mismatches: &[String]) -> Check {
    at_rest(now)?;
    if let Some(m) = mismatches.first() {
        return Err(m.clone());
    }
    let locked: Vec<String> = now
        .validators
        .iter()
        .filter(|v| v.lock.is_some())
        .map(|v| format!("{} ({:?})", v.account_id, v.lock))
        .collect();
    if !locked.is_empty() || now.status.calls_in_flight != 0 {
        return Err(format!("locks left at rest: {locked:?}"));
    }
    let b = &now.summary.books;
    if b.stake_in_flight != 0 || b.unstake_in_flight != 0 {
        return Err(format!(
            "NEAR in flight at rest: stake {}, unstake {}",
            b.stake_in_flight, b.unstake_in_flight
        ));
    }
    let unstaked: u128 = now.accounts.iter().map(|a| a.unstaked_balance.0).sum();
    if unstaked != b.users_unstaked {
        return Err(format!(
            "accounts hold {unstaked} unstaked, the books {}",
            b.users_unstaked
        ));
    }
    let claims = b.reserve + b.earmarked + b.to_unstake + b.unstake_in_flight;
    if claims != b.users_unstaked {
        return Err(format!(
            "claims reserve {} + earmarked {} + to_unstake {} = {claims} != users_unstaked {}",
            b.reserve, b.earmarked, b.to_unstake, b.users_unstaked
        ));
    }
    let earmarks: u128 = now
        .validators
        .iter()
        .map(|v| v.unstaked_for_reserve.0)
        .sum();
    if earmarks != b.earmarked {
        return Err(format!(
            "validators' earmarks {earmarks} != books.earmarked {}",
            b.earmarked
        ));
    }
    Ok(())
}

/// The storage an account record costs, the most a user's call that
/// creates one may lower the router's own funds by (invariant 9): the
/// router's own figure, which a unit test measures.
pub use meta_pool::config::ACCOUNT_RECORD_COST;

/// Invariant 8, the books' side. After a keeper round, `due` are the
/// accounts whose quoted epoch (`unstaked_available_epoch` at their last
/// unstake) has come: each record says its epoch has come, and the reserve
/// holds all of their unstaked balances together, so every one of them can
/// withdraw everything now, one after the other.
pub fn due_claims_are_withdrawable(now: &Snapshot, due: &[AccountId]) -> Check {
    let mut total = 0u128;
    for id in due {
        let Some(a) = now.account(id) else { continue };
        if a.unstaked_available_epoch > now.epoch {
            return Err(format!(
                "{id}: its quoted epoch has come (now {}), yet the router says {}",
                now.epoch, a.unstaked_available_epoch
            ));
        }
        total += a.unstaked_balance.0;
    }
    let reserve = now.summary.books.reserve;
    if reserve < total {
        return Err(format!(
            "claims due now {total} ({} accounts) but the reserve holds {reserve} (earmarked {}, \
             to_unstake {}, in flight {})",
            due.len(),
            now.summary.books.earmarked,
            now.summary.books.to_unstake,
            now.summary.books.unstake_in_flight
        ));
    }
    Ok(())
}

/// Invariant 8, the payment: a withdrawal of `amount` by `account`
/// succeeded and the router sent it exactly `amount` (one transfer, no
/// more, no less).
pub fn withdrawal_paid_exactly(
    out: &ExecutionOutcome,
    router: &AccountId,
    account: &AccountId,
    amount: u128,
) -> Check {
    if !out.is_success() {
        return Err(format!(
            "{account}: withdrawing {amount} failed: {:?}",
            out.failure_message()
        ));
    }
    let paid: Vec<u128> = out
        .receipts
        .iter()
        .filter(|r| &r.predecessor_id == router && &r.receiver_id == account && !r.is_refund)
        .filter_map(|r| match r.actions.first() {
            Some(ActionSummary::Transfer { deposit }) => Some(deposit.as_yoctonear()),
            _ => None,
        })
        .collect();
    if paid != [amount] {
        return Err(format!(
            "{account}: withdrew {amount}, the router paid {paid:?}"
        ));
    }
    Ok(())
}

/// Storage a user-sent epoch operation may add to the router's validator
/// records (optional fields it fills in, e.g. a lock's bookkeeping): the
/// router pays its own storage for validators, so a step with one
/// (`epoch_ops`) may lower the own funds by up to this much per listed
/// validator, in storage only.
pub const VALIDATOR_STORAGE_SLACK: u128 = 64 * 10_000_000_000_000_000_000;

/// Invariant 9. Across one user's call (`prev` before it, `now` after):
/// the router's own funds (its summary's `own_funds`) fall by at most
/// `ACCOUNT_RECORD_COST` per router account record the call created, and
/// only through storage: the router's NEAR outside its storage (`balance -
/// reserve - buffered`) does not fall at all. So a liquid stake (which
/// creates no record; after the router's fix the staker pays sNEAR's
/// registration) may not lower them at all. A step with an epoch
/// operation a user sent (`epoch_ops`) may also grow the validators'
/// storage (`VALIDATOR_STORAGE_SLACK`). Keeper and governance steps are
/// not user calls (the router pays its own storage for validators and
/// proposals). `returned`: record deposits the router sent back to sNEAR
/// holders leaving in this step (`mirror`); they came in with the holders'
/// registrations and may go out.
pub fn own_funds_not_spent_by_users(
    prev: &Snapshot,
    now: &Snapshot,
    epoch_ops: bool,
    returned: u128,
) -> Check {
    let created: Vec<&AccountId> = now
        .accounts
        .iter()
        .map(|a| &a.account_id)
        .filter(|id| prev.account(id).is_none())
        .collect();
    let slack = if epoch_ops {
        VALIDATOR_STORAGE_SLACK * now.validators.len() as u128
    } else {
        0
    };
    let allowed = created.len() as u128 * ACCOUNT_RECORD_COST + slack;
    let owed = |s: &Snapshot| s.summary.books.value_of(s.summary.books.storage_shares);
    let (before, after) = (
        prev.summary.own_funds.0 + owed(prev),
        now.summary.own_funds.0 + owed(now),
    );
    // Storage users paid in staked NEAR (the seed's storage shares, sold back
    // to the buffer by the next epoch operation) counts as the router's.
    let held = |s: &Snapshot| {
        let b = &s.summary.books;
        own_funds_and_storage(s).saturating_add(b.value_of(b.storage_shares))
    };
    // Record deposits the router returned to sNEAR holders that paid them
    // (`mirror`) were the holders' money all along.
    let (held_before, held_after) = (held(prev), held(now).saturating_add(returned));
    if held_after < held_before {
        return Err(format!(
            "a user's call spent {} of the router's own NEAR (balance - reserve - buffered went \
             from {held_before} to {held_after}; own funds from {before} to {after})",
            held_before - held_after
        ));
    }
    if after.saturating_add(allowed).saturating_add(returned) < before {
        return Err(format!(
            "a user's call lowered the router's own funds from {before} to {after} (by {}); \
             it created {} account records ({created:?}){}, which allow {allowed}",
            before - after,
            created.len(),
            if epoch_ops {
                " and ran epoch operations"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_bound_compounds_and_rounds_up() {
        let r = RewardRate::new(1, 100);
        assert_eq!(growth_bound(10_000, r, 0), 0);
        assert_eq!(growth_bound(10_000, r, 1), 100);
        assert_eq!(growth_bound(10_000, r, 2), 201);
        assert_eq!(growth_bound(1, r, 1), 1, "rounded up");
    }

    fn loss(loss: u128, burnt: u128, staked: u128, shares: u128) -> crate::suite::BookedLoss {
        crate::suite::BookedLoss {
            validator: "v0.pool.near".parse().unwrap(),
            epoch: 1,
            loss,
            seed_shares_burnt: burnt,
            total_staked: staked,
            total_shares: shares,
        }
    }

    /// A loss the seed covers allows no fall; one beyond it allows exactly
    /// the fall its figures explain, and no more.
    #[test]
    fn a_booked_loss_allows_the_fall_it_explains_and_no_more() {
        let p = |staked, shares| Price { staked, shares };
        let prev = p(1_100, 1_000);
        // The seed's 10 shares (11 NEAR) pay a loss of 11: the price holds.
        let covered = loss_bound(prev, &[loss(11, 10, 1_089, 990)]).unwrap();
        assert!(price_at_least(covered, prev) && price_at_least(prev, covered));
        // A loss of 111 with the same seed: (989, 990) after, 0.999 a share.
        let after = p(989, 990);
        let beyond = [loss(111, 10, 989, 990)];
        let bound = loss_bound(prev, &beyond).unwrap();
        assert!(price_at_least(after, bound), "{bound:?}");
        assert!(!price_at_least(p(988, 990), bound), "{bound:?}");
    }
}
