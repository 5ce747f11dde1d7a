//! Invariant 10: what each account is owed, checked per account.
//!
//! The other invariants guard the pool's books; a router that under-mints
//! sNEAR, short-pays a withdrawal or moves sNEAR to the wrong holder passes
//! them all. This module holds each account to what its own call promised,
//! with arithmetic written here (plain `u128` and a 256-bit product of its
//! own, not the router's share library), from the price the router showed
//! before the call and the rounding rule the design states: every rounding
//! goes to the pool, by less than one share.
//!
//! For a call by account `A` at price `P = T / S` (`T` staked NEAR, `S`
//! shares, both from the router's books before the call):
//!
//! | call | `A`'s unstaked | `A`'s shares (sNEAR or lockup shares) |
//! |---|---|---|
//! | `deposit(d)` | `+d` (a liquid account's first: less the record fee) | — |
//! | `stake(a)` | `-a` | `+floor(a·S/T)` (a liquid holder sNEAR has not registered yet leaves `ceil(R·S/T)` of them for its registration `R`) |
//! | `deposit_and_stake(d)` | — | as `stake(d)` |
//! | `unstake(a)` | `+floor(b·T/S)` less the record fee | `-b`, `b = ceil(a·S/T)` |
//! | `unstake_all` | `+floor(b·T/S)` less the record fee | `-b`, `b` = all |
//! | `withdraw(a)` | `-a` | — |
//! | `ft_transfer(B, a)` | — | `A: -a`, `B: +a` |
//!
//! (the record fee: a liquid holder without a router record pays the one
//! its unstake creates, `min(value, ACCOUNT_RECORD_COST)`). Every other
//! account's unstaked balance, shares and quoted epoch stay exactly as they
//! were. With invariant 3 (the price never falls) this is the user's
//! guarantee: no account's NEAR value falls except by its own calls, each
//! of which moves exactly what the price says.

use std::collections::{BTreeMap, BTreeSet};

use localnet::{AccountId, ExecutionOutcome, ReceiptStatus};
use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use meta_pool::config::ACCOUNT_RECORD_COST;

use crate::suite::Snapshot;

/// What the router and sNEAR hold for one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holding {
    pub unstaked: u128,
    /// sNEAR for a liquid holder, router shares for a lockup.
    pub shares: u128,
    /// The quoted epoch, meaningful while `unstaked > 0` (0 otherwise).
    pub quote: u64,
    /// The router keeps a record for the account.
    pub record: bool,
    /// sNEAR has registered the account.
    pub registered: bool,
}

/// Every account's holding in a snapshot.
pub fn holdings(snap: &Snapshot) -> BTreeMap<AccountId, Holding> {
    let mut out: BTreeMap<AccountId, Holding> = BTreeMap::new();
    for a in &snap.accounts {
        let h = out.entry(a.account_id.clone()).or_default();
        h.unstaked = a.unstaked_balance.0;
        h.quote = if a.unstaked_balance.0 > 0 {
            a.unstaked_available_epoch
        } else {
            0
        };
        h.record = true;
        if a.is_lockup {
            h.shares = a.shares.0;
        }
    }
    for (id, s) in &snap.snear_holders {
        let h = out.entry(id.clone()).or_default();
        h.shares += s.balance;
        h.registered = s.registered;
    }
    out
}

/// A user's call whose effect on its own holding is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    Deposit(u128),
    Stake(u128),
    DepositAndStake(u128),
    Unstake(u128),
    UnstakeAll,
    Withdraw(u128),
    WithdrawAll,
    Transfer { to: AccountId, amount: u128 },
}

/// `a · b` as a 256-bit number, `(high, low)`.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const HALF: u32 = 64;
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> HALF, a & MASK);
    let (b1, b0) = (b >> HALF, b & MASK);
    let low = a0 * b0;
    let mid1 = a1 * b0;
    let mid2 = a0 * b1;
    let high = a1 * b1;
    // Sum of the middle terms and the carry out of the low half.
    let (mid, mid_carry) = mid1.overflowing_add(mid2);
    let (lo, lo_carry) = low.overflowing_add(mid << HALF);
    let hi = high + (mid >> HALF) + ((mid_carry as u128) << HALF) + lo_carry as u128;
    (hi, lo)
}

/// `floor(n / d)` for a 256-bit `n` whose quotient fits 128 bits, by long
/// division one bit at a time; `None` when it does not fit or `d == 0`.
fn wide_div(n: (u128, u128), d: u128) -> Option<(u128, u128)> {
    if d == 0 || n.0 >= d {
        return None;
    }
    let (mut rem, mut q) = (n.0, 0u128);
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((n.1 >> i) & 1);
        q <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            q |= 1;
        }
    }
    Some((q, rem))
}

/// `floor(a · b / d)`.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Option<u128> {
    wide_div(wide_mul(a, b), d).map(|(q, _)| q)
}

/// `ceil(a · b / d)`.
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> Option<u128> {
    wide_div(wide_mul(a, b), d).and_then(|(q, r)| if r > 0 { q.checked_add(1) } else { Some(q) })
}

/// The price before the call: `(T, S)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Price {
    pub staked: u128,
    pub shares: u128,
}

impl Price {
    pub fn of(snap: &Snapshot) -> Self {
        let b = &snap.summary.books;
        Price {
            staked: b.total_staked,
            shares: b.total_shares,
        }
    }

    fn shares_down(&self, amount: u128) -> Option<u128> {
        mul_div_floor(amount, self.shares, self.staked)
    }

    fn shares_up(&self, amount: u128) -> Option<u128> {
        mul_div_ceil(amount, self.shares, self.staked)
    }

    fn value_down(&self, shares: u128) -> Option<u128> {
        mul_div_floor(shares, self.staked, self.shares)
    }
}

/// `now`'s price `T/S` is at least `prev`'s, compared exactly
/// (`T_now · S_prev ≥ T_prev · S_now`). An empty pool (no shares) has no
/// price and compares as at least any.
pub fn price_at_least(now: Price, prev: Price) -> bool {
    if now.shares == 0 || prev.shares == 0 {
        return true;
    }
    wide_mul(now.staked, prev.shares) >= wide_mul(prev.staked, now.shares)
}

/// `bps` basis points of `amount`, rounded down.
pub fn bps_floor(amount: u128, bps: u16) -> u128 {
    mul_div_floor(amount, u128::from(bps), 10_000).unwrap_or(u128::MAX)
}

/// What `shares` are worth at `price`, rounded down.
pub fn value_down(price: Price, shares: u128) -> Option<u128> {
    price.value_down(shares)
}

/// Shares that `amount` costs at `price`, rounded up.
pub fn shares_up(price: Price, amount: u128) -> Option<u128> {
    price.shares_up(amount)
}

/// The holding `act` should leave `before` with, for a liquid holder
/// (`lockup == false`) or a lockup.
pub fn expected(
    before: &Holding,
    act: &Act,
    price: Price,
    lockup: bool,
) -> Result<Holding, String> {
    let mut h = *before;
    let math = || format!("the price {price:?} cannot value this call");
    let mint = |amount: u128| -> Result<u128, String> {
        let shares = price.shares_down(amount).ok_or_else(math)?;
        if lockup || before.registered {
            return Ok(shares);
        }
        let registration = price
            .shares_up(SNEAR_REGISTRATION_DEPOSIT.as_yoctonear())
            .ok_or_else(math)?;
        shares
            .checked_sub(registration)
            .ok_or_else(|| format!("{amount} cannot pay the sNEAR registration"))
    };
    let burn = |h: &mut Holding, shares: u128| -> Result<(), String> {
        let value = price.value_down(shares).ok_or_else(math)?;
        let fee = if lockup || before.record {
            0
        } else {
            value.min(ACCOUNT_RECORD_COST)
        };
        h.shares = h
            .shares
            .checked_sub(shares)
            .ok_or("burns more shares than the account holds")?;
        h.unstaked += value - fee;
        h.record = true;
        Ok(())
    };
    match act {
        Act::Deposit(d) => {
            // A liquid account's first deposit pays the record it creates.
            let fee = if lockup || before.record {
                0
            } else {
                ACCOUNT_RECORD_COST
            };
            h.unstaked += d.checked_sub(fee).ok_or("a deposit below the record fee")?;
            h.record = true;
        }
        Act::Stake(a) => {
            h.unstaked = h
                .unstaked
                .checked_sub(*a)
                .ok_or("stakes more than unstaked")?;
            h.shares += mint(*a)?;
        }
        Act::DepositAndStake(d) => h.shares += mint(*d)?,
        Act::Unstake(a) => {
            let shares = price.shares_up(*a).ok_or_else(math)?;
            // A liquid holder asking more than it holds: sNEAR refuses the
            // burn and the router credits nothing.
            if lockup || shares <= before.shares {
                burn(&mut h, shares)?
            }
        }
        Act::UnstakeAll => {
            // Dust worth no more than a router record stays sNEAR, for
            // every liquid holder, record or not (the router does not look:
            // its documented rule).
            let value = price.value_down(before.shares).ok_or_else(math)?;
            if lockup || value > ACCOUNT_RECORD_COST {
                burn(&mut h, before.shares)?
            }
        }
        Act::Withdraw(a) => {
            h.unstaked = h
                .unstaked
                .checked_sub(*a)
                .ok_or("withdraws more than unstaked")?
        }
        Act::WithdrawAll => h.unstaked = 0,
        Act::Transfer { amount, .. } => {
            h.shares = h
                .shares
                .checked_sub(*amount)
                .ok_or("sends more than it holds")?
        }
    }
    if lockup || !before.registered {
        h.registered = before.registered || matches!(act, Act::Stake(_) | Act::DepositAndStake(_));
    }
    Ok(h)
}

/// Invariant 10 over the calls `acts` of `actor` that succeeded in one
/// step, in order: `actor`'s holding moved exactly as they say at the
/// price of `prev`, each transfer's recipient gained exactly its amount,
/// and no other account's holding changed at all. Which fields of `actor`
/// are compared: its unstaked balance and shares always; its quote unless
/// one of the calls was an unstake (which restarts the wait, checked by the
/// unstake promise).
pub fn account_moved_as_promised(
    prev: &Snapshot,
    now: &Snapshot,
    actor: &AccountId,
    lockup: bool,
    acts: &[Act],
) -> Result<(), String> {
    let before = holdings(prev);
    let after = holdings(now);
    let get =
        |m: &BTreeMap<AccountId, Holding>, id: &AccountId| m.get(id).copied().unwrap_or_default();
    let price = Price::of(prev);
    let b = get(&before, actor);
    let mut want = b;
    let mut touched = BTreeSet::from([actor.clone()]);
    let mut received: BTreeMap<AccountId, u128> = BTreeMap::new();
    for act in acts {
        want = expected(&want, act, price, lockup).map_err(|e| format!("{actor} {act:?}: {e}"))?;
        if let Act::Transfer { to, amount } = act {
            *received.entry(to.clone()).or_default() += amount;
            touched.insert(to.clone());
        }
    }
    let got = get(&after, actor);
    let moved = |what: &str, from: u128, want: u128, got: u128| -> Result<(), String> {
        if want == got {
            return Ok(());
        }
        Err(format!(
            "{actor} {acts:?} at price {price:?}: {what} went from {from} to {got}, the price \
             says {want} (off by {})",
            got as i128 - want as i128
        ))
    };
    moved("unstaked", b.unstaked, want.unstaked, got.unstaked)?;
    moved("shares", b.shares, want.shares, got.shares)?;
    let unstakes = acts
        .iter()
        .any(|a| matches!(a, Act::Unstake(_) | Act::UnstakeAll));
    if !unstakes && got.unstaked > 0 && b.unstaked > 0 && got.quote != b.quote {
        return Err(format!(
            "{actor} {acts:?}: its quoted epoch moved from {} to {}",
            b.quote, got.quote
        ));
    }
    for (to, amount) in &received {
        let (tb, ta) = (get(&before, to), get(&after, to));
        if ta.shares != tb.shares + amount || ta.unstaked != tb.unstaked {
            return Err(format!(
                "{actor} sent {amount} sNEAR to {to}, whose sNEAR went from {} to {}",
                tb.shares, ta.shares
            ));
        }
    }
    unchanged_except(&before, &after, &touched).map_err(|e| format!("{actor} {acts:?} changed {e}"))
}

/// Every account's holding but `touched`'s is the same in both.
fn unchanged_except(
    before: &BTreeMap<AccountId, Holding>,
    after: &BTreeMap<AccountId, Holding>,
    touched: &BTreeSet<AccountId>,
) -> Result<(), String> {
    let ids: BTreeSet<&AccountId> = before.keys().chain(after.keys()).collect();
    for id in ids {
        if touched.contains(id) {
            continue;
        }
        let x = before.get(id).copied().unwrap_or_default();
        let y = after.get(id).copied().unwrap_or_default();
        if (x.unstaked, x.shares, x.quote) != (y.unstaked, y.shares, y.quote) {
            return Err(format!(
                "{id}'s holding: unstaked {} -> {}, shares {} -> {}, quote {} -> {}",
                x.unstaked, y.unstaked, x.shares, y.shares, x.quote, y.quote
            ));
        }
    }
    Ok(())
}

/// Across any step that started and ended with nothing in flight, only
/// the accounts that acted in it (`moved_by`: the signers of its
/// transactions, the accounts whose receipts called the router, the
/// receivers of its sNEAR transfers, and the treasury, which earns the
/// fee) may see their holdings move. Whatever else the step did (epoch
/// operations, governance, faults, time) moves no one's shares, unstaked
/// balance or quote.
pub fn only_actors_moved(
    prev: &Snapshot,
    now: &Snapshot,
    moved_by: &BTreeSet<AccountId>,
) -> Result<(), String> {
    unchanged_except(&holdings(prev), &holdings(now), moved_by)
        .map_err(|e| format!("a step in which it did not act changed {e}"))
}

/// Across a keeper round that started with nothing in flight, no
/// account's holding moves: the epoch operations move the router's NEAR
/// between pools and the reserve, never a user's shares, unstaked balance
/// or quote. Only the treasury gains (the protocol fee's sNEAR).
pub fn keeper_moved_no_holding(
    prev: &Snapshot,
    now: &Snapshot,
    treasury: &AccountId,
) -> Result<(), String> {
    let touched = BTreeSet::from([treasury.clone()]);
    unchanged_except(&holdings(prev), &holdings(now), &touched)
        .map_err(|e| format!("the keeper's round changed {e}"))
}

/// What a sync booked, from its `rewards_synced` event: the growth read,
/// the protocol fee taken from it, the shares minted for the fee and the
/// totals after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncBooked {
    pub reward: u128,
    pub fee: u128,
    pub fee_shares: u128,
    pub total_staked: u128,
    pub total_shares: u128,
}

/// The protocol fee is its configured share of the reward, rounded down,
/// and buys shares worth at most the fee (less than one share short) at
/// the price once the holders' part is in: so the rest of the reward
/// reaches the holders through the price, and the fee is never paid by
/// them. With `T'`, `S'` the totals after, `m` the fee shares and `f` the
/// fee, the holders' part in is `T' - f` staked over `S' - m` shares, and
/// `m = floor(f · (S' - m) / (T' - f))`.
pub fn fee_is_its_share(b: &SyncBooked, fee_bps: u16) -> Result<(), String> {
    let want_fee = mul_div_floor(b.reward, u128::from(fee_bps), 10_000)
        .ok_or("the fee of this reward does not fit")?;
    if b.fee != want_fee {
        return Err(format!(
            "a reward of {} at {fee_bps} bps took a fee of {}, not {want_fee}",
            b.reward, b.fee
        ));
    }
    let holders_staked = b.total_staked.checked_sub(b.fee);
    let holders_shares = b.total_shares.checked_sub(b.fee_shares);
    let (Some(t), Some(s)) = (holders_staked, holders_shares) else {
        return Err(format!("{b:?}: the fee or its shares exceed the totals"));
    };
    let want_shares = if b.fee == 0 {
        0
    } else {
        mul_div_floor(b.fee, s, t).ok_or("the fee's shares do not fit")?
    };
    if b.fee_shares != want_shares {
        return Err(format!(
            "a fee of {} bought {} shares at {t} staked over {s} shares, not {want_shares}",
            b.fee, b.fee_shares
        ));
    }
    Ok(())
}

/// The quote an account got at its last unstake still holds: the router
/// may pay late (it says so), but never quotes a later epoch for a claim
/// it already quoted.
pub fn quote_kept(account: &AccountId, quoted: u64, now: u64) -> Result<(), String> {
    if now > quoted {
        return Err(format!(
            "{account} was quoted epoch {quoted} at its last unstake; the router now quotes {now}"
        ));
    }
    Ok(())
}

/// What the transaction cost its signer in gas: every burn of the
/// transaction and of the receipts it caused, which localnet charges to
/// the signer at a constant gas price, refunds paid back in full.
pub fn gas_cost(out: &ExecutionOutcome) -> u128 {
    out.transaction.tokens_burnt.as_yoctonear()
        + out
            .receipts
            .iter()
            .filter(|r| !r.is_refund)
            .map(|r| r.tokens_burnt.as_yoctonear())
            .sum::<u128>()
}

/// A withdrawal of `amount` by a plain account (no contract): its balance
/// moved by exactly `amount` less the gas the transaction cost it.
pub fn withdrawal_reached_the_account(
    out: &ExecutionOutcome,
    account: &AccountId,
    before: u128,
    after: u128,
    amount: u128,
) -> Result<(), String> {
    if !matches!(out.transaction.status, ReceiptStatus::SuccessReceiptId(_)) {
        return Err(format!("{account}: the withdrawal was not even sent"));
    }
    let cost = gas_cost(out);
    let want = before + amount - cost;
    if after != want {
        return Err(format!(
            "{account} withdrew {amount} paying {cost} of gas: its balance went from {before} \
             to {after}, not {want} (off by {})",
            after as i128 - want as i128
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wide_product_and_division_are_exact() {
        let big = u128::MAX;
        assert_eq!(wide_mul(big, big), (big - 1, 1));
        assert_eq!(wide_mul(1 << 64, 1 << 64), (1, 0));
        assert_eq!(mul_div_floor(big, big, big), Some(big));
        assert_eq!(mul_div_floor(7, 10, 3), Some(23));
        assert_eq!(mul_div_ceil(7, 10, 3), Some(24));
        assert_eq!(mul_div_ceil(9, 10, 3), Some(30));
        assert_eq!(mul_div_floor(big, 2, 1), None, "quotient above 128 bits");
        assert_eq!(mul_div_floor(1, 1, 0), None);
        // 10^30 · (10^30 + 7) / (10^30 + 3): a quotient just above 10^30.
        let e30 = 10u128.pow(30);
        assert_eq!(mul_div_floor(e30, e30 + 7, e30 + 3), Some(e30 + 3));
        assert_eq!(mul_div_ceil(e30, e30 + 7, e30 + 3), Some(e30 + 4));
    }

    #[test]
    fn prices_compare_exactly_and_caps_round_down() {
        let p = |staked, shares| Price { staked, shares };
        assert!(price_at_least(p(11, 10), p(10, 10)));
        assert!(price_at_least(p(10, 10), p(10, 10)));
        assert!(!price_at_least(p(10, 10), p(11, 10)));
        // 10^30 + 1 over 10^30 against 10^30 + 2 over 10^30 + 1: the
        // first is larger by about 10^-60, which the exact product sees.
        let e30 = 10u128.pow(30);
        assert!(price_at_least(p(e30 + 1, e30), p(e30 + 2, e30 + 1)));
        assert!(!price_at_least(p(e30 + 2, e30 + 1), p(e30 + 1, e30)));
        assert_eq!(bps_floor(9_999, 2_500), 2_499);
        assert_eq!(bps_floor(10_000, 2_500), 2_500);
    }

    #[test]
    fn the_fee_is_its_share_and_buys_shares_rounded_down() {
        // 1,000 staked over 800 shares earn 100 at 10%: the fee is 10, the
        // holders' 1,090 over 800 shares price 10 at 7.3 shares -> 7.
        let good = SyncBooked {
            reward: 100,
            fee: 10,
            fee_shares: 7,
            total_staked: 1_100,
            total_shares: 807,
        };
        fee_is_its_share(&good, 1_000).expect("exact");
        assert!(
            fee_is_its_share(&good, 900).is_err(),
            "a fee at another rate"
        );
        let greedy = SyncBooked {
            fee_shares: 8,
            total_shares: 808,
            ..good
        };
        let e = fee_is_its_share(&greedy, 1_000).unwrap_err();
        assert!(e.contains("not 7"), "{e}");
        let none = SyncBooked {
            reward: 0,
            fee: 0,
            fee_shares: 0,
            ..good
        };
        fee_is_its_share(&none, 1_000).expect("no reward, no fee");
    }

    #[test]
    fn a_stake_mints_shares_rounded_down_and_an_unstake_burns_them_rounded_up() {
        let p = Price {
            staked: 3_000,
            shares: 2_000,
        };
        let h = Holding {
            unstaked: 100,
            registered: true,
            record: true,
            ..Holding::default()
        };
        let s = expected(&h, &Act::Stake(100), p, false).unwrap();
        assert_eq!((s.unstaked, s.shares), (0, 66), "100 · 2/3 = 66.7");
        let u = expected(&s, &Act::Unstake(50), p, false).unwrap();
        // 50 NEAR cost ceil(33.3) = 34 shares worth floor(51) = 51.
        assert_eq!((u.unstaked, u.shares), (51, 32));
        let all = expected(&u, &Act::UnstakeAll, p, true).unwrap();
        assert_eq!((all.unstaked, all.shares), (51 + 48, 0));
        assert!(expected(&h, &Act::Withdraw(101), p, false).is_err());
        // Liquid dust worth no more than a record stays sNEAR, also for a
        // holder that has a record (seed 902 of make fuzz).
        let dust = Holding { shares: 1, ..h };
        let kept = expected(&dust, &Act::UnstakeAll, p, false).unwrap();
        assert_eq!((kept.unstaked, kept.shares), (100, 1));
    }
}
