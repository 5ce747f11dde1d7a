//! One sNEAR holder: balance and governance-token accrual in a single record,
//! so a balance change costs one storage read and one write per account (the
//! same as a plain NEP-141 token) and settlement can never be skipped by a
//! path that touches the balance without the accrual.
//!
//! Records live under their own keys, `b"h"` followed by the account id,
//! read and written directly: every access is explicit and costs exactly one
//! host call, with no collection cache in between.
//!
//! A record is 49 bytes: balance, reward index and unclaimed META as
//! little-endian u128 (borsh's layout for them), then one flag byte holding
//! both flags. It is encoded by hand rather than by borsh: a fixed layout
//! packs the two flags into the byte the first flag already took (recording
//! who paid costs no storage), and skips borsh's per-field reader calls on
//! the transfer path, which reads and writes two records.

use meta_common::pool_state::{accrued_reward, REWARD_INDEX_SCALE};
use near_sdk::{env, AccountId};

/// First byte of every holder key. The contract state's key is `STATE`, so
/// the two never collide.
const HOLDER_KEY_PREFIX: u8 = b'h';

/// Bytes of one record.
const RECORD_BYTES: usize = 16 + 16 + 16 + 1;

/// Flag-byte bit of `claiming`.
const CLAIMING: u8 = 1;
/// Flag-byte bit of `router_paid`.
const ROUTER_PAID: u8 = 2;

/// Bytes one holder occupies in the trie, for an account id of the maximum
/// 64 characters: the key (1-byte prefix and the id), the 49-byte record and
/// the 40 bytes the protocol adds to every entry. A unit test measures it
/// with `env::storage_usage`.
pub const HOLDER_STORAGE_BYTES: u64 = 1 + 64 + RECORD_BYTES as u64 + 40;

/// In memory the flags are two `bool`s, not the flag byte: their spare bit
/// patterns let `Option<Holder>` go without a tag of its own, which keeps
/// every record copy on the transfer path small (a `u8` cost ~0.9 Ggas per
/// transfer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// sNEAR, in shares (yocto-sNEAR).
    pub balance: u128,
    /// The reward index up to which `unclaimed` includes this balance's
    /// accrual.
    pub reward_index: u128,
    /// META accrued and not yet claimed, in its smallest unit.
    pub unclaimed: u128,
    /// A claim's governance mint is in flight; its amount is out of
    /// `unclaimed` until the callback settles it.
    pub claiming: bool,
    /// The router paid this record's storage (its `mint` registered the
    /// account), so unregistering returns the deposit to the router, not to
    /// the holder. Set only at registration.
    pub router_paid: bool,
}

impl Holder {
    /// A holder whose storage the account itself (or whoever called
    /// `storage_deposit` for it) paid. It starts at the current index: it
    /// earns nothing for the time before it held sNEAR.
    pub fn new(reward_index: u128) -> Self {
        Self {
            balance: 0,
            reward_index,
            unclaimed: 0,
            claiming: false,
            router_paid: false,
        }
    }

    /// A holder registered by the router's `mint`, with the router's deposit.
    pub fn paid_by_router(reward_index: u128) -> Self {
        Self {
            router_paid: true,
            ..Self::new(reward_index)
        }
    }

    /// Credits the accrual of the current balance up to `index`. Called
    /// before every balance change, so each balance earns exactly for the
    /// index movement it was held over.
    pub fn settle(&mut self, index: u128) {
        if index > self.reward_index {
            self.unclaimed = self.unclaimed_at(index);
            self.reward_index = index;
        }
    }

    /// What `unclaimed` would be after settling at `index`.
    ///
    /// Saturates rather than panics: emission is capped far below u128, and
    /// a panic here would freeze the holder's sNEAR, while an overstated
    /// accrual is refused by the governance contract's supply cap.
    pub fn unclaimed_at(&self, index: u128) -> u128 {
        self.unclaimed
            .saturating_add(earned(self.balance, self.reward_index, index))
    }

    fn to_bytes(&self) -> [u8; RECORD_BYTES] {
        let mut bytes = [0; RECORD_BYTES];
        bytes[..16].copy_from_slice(&self.balance.to_le_bytes());
        bytes[16..32].copy_from_slice(&self.reward_index.to_le_bytes());
        bytes[32..48].copy_from_slice(&self.unclaimed.to_le_bytes());
        bytes[48] = if self.claiming { CLAIMING } else { 0 }
            | if self.router_paid { ROUTER_PAID } else { 0 };
        bytes
    }

    /// `None` for bytes that are not a record (never written by `save`).
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; RECORD_BYTES] = bytes.try_into().ok()?;
        let word = |at: usize| {
            let mut word = [0; 16];
            word.copy_from_slice(&bytes[at..at + 16]);
            u128::from_le_bytes(word)
        };
        let flags = bytes[48];
        if flags & !(CLAIMING | ROUTER_PAID) != 0 {
            return None;
        }
        Some(Self {
            balance: word(0),
            reward_index: word(16),
            unclaimed: word(32),
            claiming: flags & CLAIMING != 0,
            router_paid: flags & ROUTER_PAID != 0,
        })
    }
}

/// `accrued_reward`, with a u128 fast path for the common case where the
/// product fits: the result is the same, and a transfer that settles two
/// holders skips two 256-bit divisions.
fn earned(balance: u128, index_then: u128, index_now: u128) -> u128 {
    match index_now
        .checked_sub(index_then)
        .and_then(|delta| balance.checked_mul(delta))
    {
        Some(product) => product / REWARD_INDEX_SCALE,
        None => accrued_reward(balance, index_then, index_now),
    }
}

fn key(account_id: &AccountId) -> Vec<u8> {
    let id = account_id.as_bytes();
    let mut key = Vec::with_capacity(1 + id.len());
    key.push(HOLDER_KEY_PREFIX);
    key.extend_from_slice(id);
    key
}

/// The account's record, `None` for an account that is not registered.
pub fn load(account_id: &AccountId) -> Option<Holder> {
    env::storage_read(&key(account_id))
        .map(|bytes| Holder::from_bytes(&bytes).unwrap_or_else(|| env::abort()))
}

pub fn save(account_id: &AccountId, holder: &Holder) {
    env::storage_write(&key(account_id), &holder.to_bytes());
}

pub fn remove(account_id: &AccountId) {
    env::storage_remove(&key(account_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_credits_balance_times_index_delta() {
        let mut h = Holder::new(7);
        h.balance = 3 * REWARD_INDEX_SCALE;
        h.settle(7 + 5);
        assert_eq!(h.unclaimed, 3 * 5);
        assert_eq!(h.reward_index, 12);
        // Settling twice at one index adds nothing.
        h.settle(12);
        assert_eq!(h.unclaimed, 15);
    }

    #[test]
    fn settle_never_moves_the_snapshot_back() {
        let mut h = Holder::new(10);
        h.balance = REWARD_INDEX_SCALE;
        h.settle(4);
        assert_eq!(h.reward_index, 10);
        assert_eq!(h.unclaimed, 0);
    }

    #[test]
    fn fast_path_equals_the_256_bit_formula() {
        let s = REWARD_INDEX_SCALE;
        let cases = [
            (0, 0, 5),
            (7, 3, 3),
            (7, 5, 3),
            (3, 0, s / 2),
            (u128::MAX / s, 0, s),
            (u128::MAX / s + 1, 0, s),
            (u128::MAX, 1, 2),
            (u128::MAX / 3, 10, 10 + 3),
            (u128::MAX / 3, 10, 10 + 4),
            (10u128.pow(33), 0, s / 7),
        ];
        for (balance, then, now) in cases {
            assert_eq!(
                earned(balance, then, now),
                accrued_reward(balance, then, now),
                "{balance} {then} {now}"
            );
        }
    }

    #[test]
    fn unclaimed_at_saturates_instead_of_panicking() {
        let mut h = Holder::new(0);
        h.balance = u128::MAX;
        h.unclaimed = u128::MAX - 1;
        assert_eq!(h.unclaimed_at(REWARD_INDEX_SCALE), u128::MAX);
    }

    /// Every combination of the two flags, with every byte of the numbers
    /// distinct so a misplaced field cannot go unnoticed.
    fn samples() -> Vec<Holder> {
        let mut out = vec![];
        for (claiming, router_paid) in [(false, false), (true, false), (false, true), (true, true)]
        {
            out.push(Holder {
                balance: u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 1)),
                reward_index: u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 17)),
                unclaimed: u128::MAX - 1,
                claiming,
                router_paid,
            });
        }
        out
    }

    #[test]
    fn record_layout_is_borsh_with_both_flags_in_one_byte() {
        for h in samples() {
            let flags = u8::from(h.claiming) | u8::from(h.router_paid) << 1;
            let borsh =
                near_sdk::borsh::to_vec(&(h.balance, h.reward_index, h.unclaimed, flags)).unwrap();
            assert_eq!(h.to_bytes().to_vec(), borsh);
            assert_eq!(Holder::from_bytes(&borsh), Some(h));
        }
        assert_eq!(HOLDER_STORAGE_BYTES, 1 + 64 + 3 * 16 + 1 + 40);
    }

    #[test]
    fn bytes_that_are_not_a_record_are_refused() {
        let bytes = samples()[3].to_bytes();
        assert_eq!(Holder::from_bytes(&bytes[..RECORD_BYTES - 1]), None);
        assert_eq!(Holder::from_bytes(&[&bytes[..], &[0]].concat()), None);
        for unknown in [4, 8, 0x80, 0xff] {
            let mut bad = bytes;
            bad[48] = unknown;
            assert_eq!(Holder::from_bytes(&bad), None, "flag byte {unknown}");
        }
    }

    #[test]
    fn registration_sets_who_paid_and_nothing_else() {
        let own = Holder::new(7);
        let routed = Holder::paid_by_router(7);
        assert!(!own.router_paid && routed.router_paid);
        assert_eq!(
            Holder {
                router_paid: false,
                ..routed
            },
            own
        );
        assert!(!own.claiming && own.balance == 0 && own.unclaimed == 0);
    }

    #[test]
    fn records_round_trip_and_are_removed() {
        let alice: AccountId = "alice.near".parse().unwrap();
        assert_eq!(load(&alice), None);
        let mut h = Holder::paid_by_router(3);
        h.balance = 9;
        h.claiming = true;
        save(&alice, &h);
        assert_eq!(load(&alice), Some(h));
        remove(&alice);
        assert_eq!(load(&alice), None);
    }
}
