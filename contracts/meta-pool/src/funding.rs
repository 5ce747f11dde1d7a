//! Funding a stake out of an unstaked balance, and putting it back when the
//! stake's sNEAR mint fails.

use near_sdk::json_types::{U128, U64};
use near_sdk::{env, near, AccountId};

use crate::account::Account;
use crate::config::UNSTAKE_WAIT_EPOCHS;
use crate::MetaPool;

/// Where a stake's NEAR came from, carried by the mint's callback so that a
/// failed mint can put every part back where it was.
#[near(serializers = [json])]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draws {
    /// Taken from claims not yet requested.
    pub to_unstake: U128,
    /// Taken from claims in validator unstake calls still in flight.
    pub in_flight: U128,
    /// Moved from the reserve to the buffer.
    pub reserve: U128,
    /// Released from validators' earmarks.
    pub earmarks: Vec<(AccountId, U128)>,
    /// `claims_mark` right after these draws.
    pub mark: U64,
}

impl Draws {
    fn total(&self) -> Option<u128> {
        self.earmarks
            .iter()
            .try_fold(self.to_unstake.0, |t, (_, e)| t.checked_add(e.0))?
            .checked_add(self.in_flight.0)?
            .checked_add(self.reserve.0)
    }
}

impl MetaPool {
    /// Takes `amount` out of the claims backing an unstaked balance that is
    /// being staked again, and puts it behind the shares it now buys.
    /// Returns where it came from.
    ///
    /// The router does not know which claim bucket holds this account's
    /// NEAR, so it draws the NEAR that reaches the reserve *latest* first:
    /// claims not yet requested (`to_unstake`), then claims in unstake
    /// calls still in flight, then earmarks (latest-unlocking validator
    /// first), the reserve last. Whatever this account's claim was, every
    /// other claim is then backed by NEAR that arrives no later than
    /// before, so no one's quoted epoch slips. (Proof sketch: let D(t) be
    /// the claims due by epoch t and M(t) the NEAR in the reserve by t, with
    /// D(t) ≤ M(t) for all t. Removing this account's `amount`, due at t₀,
    /// lowers D(t) for t ≥ t₀; drawing latest-first lowers M(t) for t < t₀
    /// only once everything arriving after t is drawn, leaving
    /// M(t) = M(∞) − amount = D(∞) − amount ≥ D(t).) An account whose
    /// epoch has come (t₀ ≤ now) may draw the reserve before the earmarks:
    /// for it the same argument holds with nothing earlier than t₀ left.
    ///
    /// Before in-flight claims could be drawn, a waiting account could
    /// unstake, send its claims out with `epoch_unstake` and restake in the
    /// same transaction, paying its stake with the reserve that backs other
    /// accounts' available balances (tests `restake_mid_flight_*`).
    pub(crate) fn fund_stake_from_claims(&mut self, amount: u128, available: bool) -> Draws {
        // Every bucket is drawable, so the claims identity covers `amount`
        // (it is part of the account's unstaked balance).
        let mut draws = Draws::default();
        let mut left = self.draw_to_unstake(amount);
        draws.to_unstake = U128(amount - left);
        let before = left;
        left = self.books.restake_in_flight(left);
        draws.in_flight = U128(before - left);
        let mut reserve = 0;
        if available {
            reserve += self.draw_reserve(&mut left);
        }
        draws.earmarks = self.draw_earmarks(&mut left);
        reserve += self.draw_reserve(&mut left);
        draws.reserve = U128(reserve);
        debug_assert_eq!(left, 0);
        self.books.users_unstaked -= amount;
        draws.mark = U64(self.claims_mark());
        draws
    }

    fn draw_reserve(&mut self, left: &mut u128) -> u128 {
        let t = (*left).min(self.books.reserve);
        self.books.reserve -= t;
        self.books.buffered += t;
        *left -= t;
        t
    }

    fn draw_to_unstake(&mut self, left: u128) -> u128 {
        let t = left.min(self.books.to_unstake);
        self.books.to_unstake -= t;
        left - t
    }

    /// Releases earmarks, latest-unlocking validator first (its NEAR is the
    /// furthest from the reserve anyway).
    fn draw_earmarks(&mut self, left: &mut u128) -> Vec<(AccountId, U128)> {
        let mut drawn = Vec::new();
        if *left == 0 || self.books.earmarked == 0 {
            return drawn;
        }
        let list = self.validators.get_mut();
        let mut order: Vec<usize> = (0..list.len()).filter(|&i| list[i].earmarked > 0).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(list[i].last_unstake_epoch));
        for i in order {
            let t = (*left).min(list[i].earmarked);
            list[i].earmarked -= t;
            self.books.earmarked -= t;
            *left -= t;
            drawn.push((list[i].account_id.clone(), U128(t)));
            if *left == 0 {
                break;
            }
        }
        drawn
    }

    /// A digest of everything that decides when claims reach the reserve:
    /// the claims' buckets, the buffer, and each validator's unstaked NEAR,
    /// earmarks and last unstake. Equal marks mean no other call changed
    /// any of it in between.
    pub(crate) fn claims_mark(&self) -> u64 {
        let b = &self.books;
        let mut bytes = Vec::with_capacity(7 * 16 + self.validators.get().len() * 80);
        for v in [
            b.buffered,
            b.reserve,
            b.to_unstake,
            b.unstake_in_flight,
            b.restaked_in_flight,
            b.earmarked,
            b.users_unstaked,
        ] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        for v in self.validators.get() {
            bytes.extend_from_slice(v.account_id.as_bytes());
            bytes.extend_from_slice(&v.unstaked.to_le_bytes());
            bytes.extend_from_slice(&v.earmarked.to_le_bytes());
            bytes.extend_from_slice(&v.last_unstake_epoch.map_or(u64::MAX, |e| e).to_le_bytes());
        }
        let h = env::sha256_array(&bytes);
        u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
    }

    /// Puts `amount` back into an account's unstaked balance after a failed
    /// mint. Returns whether the account's wait restarted.
    ///
    /// When no other call changed the claims since the stake (the usual
    /// case: the callback lands two blocks later), every draw goes back
    /// where it came from: the state is the one before the stake, so the
    /// account keeps its quote and every other quote holds. Otherwise (a
    /// keeper round or another account moved the claims in between) the
    /// buffer returns what it still holds to the reserve, any part the keeper
    /// has staked meanwhile becomes a claim to unstake, and the account's
    /// wait restarts so the quote stays true. `draws` is `None` for a mint
    /// sent before the router carried them (an upgrade in between).
    pub(crate) fn restore_claim(
        &mut self,
        account: &mut Account,
        amount: u128,
        draws: Option<&Draws>,
    ) -> bool {
        let exact = draws.filter(|d| d.total() == Some(amount) && d.mark.0 == self.claims_mark());
        self.books.users_unstaked += amount;
        account.unstaked += amount;
        if let Some(d) = exact {
            self.undo_draws(d);
            return false;
        }
        let from_buffer = amount.min(self.books.buffered);
        self.books.buffered -= from_buffer;
        self.books.reserve += from_buffer;
        let rest = amount - from_buffer;
        self.books.to_unstake += rest;
        if rest == 0 {
            return false;
        }
        let restart = env::epoch_height() + UNSTAKE_WAIT_EPOCHS;
        let moved = account.available_epoch < restart;
        account.available_epoch = account.available_epoch.max(restart);
        moved
    }

    fn undo_draws(&mut self, d: &Draws) {
        let b = &mut self.books;
        b.to_unstake += d.to_unstake.0;
        b.restaked_in_flight -= d.in_flight.0;
        b.unstake_in_flight += d.in_flight.0;
        b.buffered -= d.reserve.0;
        b.reserve += d.reserve.0;
        let list = self.validators.get_mut();
        for (id, e) in &d.earmarks {
            if let Some(v) = list.iter_mut().find(|v| &v.account_id == id) {
                v.earmarked += e.0;
                b.earmarked += e.0;
            }
        }
    }
}
