//! One sNEAR holder: balance and governance-token accrual in a single record,
//! so a balance change costs one storage read and one write per account (the
//! same as a plain NEP-141 token) and settlement can never be skipped by a
//! path that touches the balance without the accrual.
//!
//! Records live under their own keys, `b"h"` followed by the account id,
//! read and written directly: every access is explicit and costs exactly one
//! host call, with no collection cache in between.

use meta_common::pool_state::{accrued_reward, REWARD_INDEX_SCALE};
use near_sdk::{borsh, env, near, AccountId};

/// First byte of every holder key. The contract state's key is `STATE`, so
/// the two never collide.
const HOLDER_KEY_PREFIX: u8 = b'h';

/// Bytes one holder occupies in the trie, for an account id of the maximum
/// 64 characters: the key (1-byte prefix and the id), the 49-byte record and
/// the 40 bytes the protocol adds to every entry. A unit test measures it
/// with `env::storage_usage`.
pub const HOLDER_STORAGE_BYTES: u64 = 1 + 64 + 49 + 40;

#[near(serializers = [borsh])]
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
}

impl Holder {
    /// A new holder starts at the current index: it earns nothing for the
    /// time before it held sNEAR.
    pub fn new(reward_index: u128) -> Self {
        Self {
            balance: 0,
            reward_index,
            unclaimed: 0,
            claiming: false,
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
        .map(|bytes| borsh::from_slice(&bytes).unwrap_or_else(|_| env::abort()))
}

pub fn save(account_id: &AccountId, holder: &Holder) {
    let bytes = borsh::to_vec(holder).unwrap_or_else(|_| env::abort());
    env::storage_write(&key(account_id), &bytes);
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

    #[test]
    fn record_size_matches_the_storage_constant() {
        let bytes = borsh::to_vec(&Holder::new(0)).unwrap();
        assert_eq!(HOLDER_STORAGE_BYTES, 1 + 64 + bytes.len() as u64 + 40);
    }

    #[test]
    fn records_round_trip_and_are_removed() {
        let alice: AccountId = "alice.near".parse().unwrap();
        assert_eq!(load(&alice), None);
        let mut h = Holder::new(3);
        h.balance = 9;
        h.claiming = true;
        save(&alice, &h);
        assert_eq!(load(&alice), Some(h));
        remove(&alice);
        assert_eq!(load(&alice), None);
    }
}
