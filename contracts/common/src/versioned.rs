//! Versioned contract state, shared by the router, sNEAR and governance.
//!
//! The value under `STATE` is one version byte followed by the borsh bytes
//! of that version's layout: the same bytes a borsh enum of the versions
//! would hold (near-sdk's `examples/versioned`), without making every method
//! match on the enum. Code reads only the version it was built for and
//! refuses any other (`E_STATE_VERSION`), so a build can never misread a
//! layout it does not know; its `migrate` (`#[init(ignore_state)]`, run in
//! the same receipt as the code's deploy) turns each older version it knows
//! into its own.
//!
//! Layouts change only by appending: a new version adds fields at the end
//! of the struct (and variants at the end of enums, keys at the end of
//! `StorageKey`), so an older body is a prefix of the new one and its
//! migration appends the new fields' first values ([`decode_appended`]). A
//! change that is not an append needs the old struct kept under its own
//! name to decode it.

use near_sdk::borsh::{self, BorshDeserialize, BorshSerialize};
use near_sdk::env;

/// The state key near-sdk uses.
pub const STATE_KEY: &[u8] = b"STATE";

pub const ERR_STATE_VERSION: &str =
    "E_STATE_VERSION: the stored state has a version this code cannot read";
pub const ERR_NO_STATE: &str = "E_NO_STATE: the contract is not initialised";
pub const ERR_STATE_CORRUPT: &str = "E_STATE_CORRUPT: the stored state does not decode";

/// The stored state as `(version, body)`, undecoded.
pub fn read_raw() -> Option<(u8, Vec<u8>)> {
    let mut bytes = env::storage_read(STATE_KEY)?;
    if bytes.is_empty() {
        env::panic_str(ERR_STATE_CORRUPT);
    }
    let version = bytes.remove(0);
    Some((version, bytes))
}

/// Decodes a body of the running code's layout; panics `E_STATE_CORRUPT`.
pub fn decode<T: BorshDeserialize>(body: &[u8]) -> T {
    borsh::from_slice(body).unwrap_or_else(|_| env::panic_str(ERR_STATE_CORRUPT))
}

/// Decodes an older body whose layout is a prefix of `T`'s, the appended
/// fields taking the values whose borsh bytes `appended` are.
pub fn decode_appended<T: BorshDeserialize>(mut body: Vec<u8>, appended: &[u8]) -> T {
    body.extend_from_slice(appended);
    decode(&body)
}

/// What a `migrate` (`#[init(ignore_state)]`) starts from: the stored
/// state turned into `version`'s layout, and the version it was. The same
/// version decodes as is (new code, same layout); an older one decodes
/// when `appended_since(older)` gives the borsh bytes of the fields
/// appended since; any other panics `E_STATE_VERSION` (and
/// `E_NO_STATE` before `new`), which fails the upgrade receipt whole.
pub fn migrate<T: BorshDeserialize>(
    version: u8,
    appended_since: impl Fn(u8) -> Option<Vec<u8>>,
) -> (u8, T) {
    let (from, body) = read_raw().unwrap_or_else(|| env::panic_str(ERR_NO_STATE));
    if from == version {
        return (from, decode(&body));
    }
    match appended_since(from) {
        Some(appended) => (from, decode_appended(body, &appended)),
        None => env::panic_str(ERR_STATE_VERSION),
    }
}

/// `appended_since` of a contract whose layout is its first version.
pub fn first_layout(_older: u8) -> Option<Vec<u8>> {
    None
}

/// `appended_since` of the contracts' test-only second version (their
/// `next-version` builds): version 1 plus one `u64` field, first set to the
/// epoch the migration runs in.
pub fn next_version_test_field(older: u8) -> Option<Vec<u8>> {
    (older == 1).then(|| borsh::to_vec(&env::epoch_height()).unwrap_or_default())
}

/// `STATE` as stored: `version`, then `state`'s borsh bytes.
pub fn encode<T: BorshSerialize>(version: u8, state: &T) -> Vec<u8> {
    // borsh::to_vec's starting capacity: growing from one byte would copy
    // the state several times on every call that writes it.
    let mut bytes = Vec::with_capacity(1024);
    bytes.push(version);
    borsh::to_writer(&mut bytes, state)
        .unwrap_or_else(|_| env::panic_str("Cannot serialize the contract state."));
    bytes
}

/// Splits stored bytes into the body of `version`; panics
/// `E_STATE_VERSION` when they hold another version.
pub fn body_of(version: u8, bytes: &[u8]) -> &[u8] {
    match bytes.split_first() {
        Some((v, body)) if *v == version => body,
        Some(_) => env::panic_str(ERR_STATE_VERSION),
        None => env::panic_str(ERR_STATE_CORRUPT),
    }
}

/// The state of `version`, or `None` before `new`; panics
/// `E_STATE_VERSION` for any other stored version.
pub fn read<T: BorshDeserialize>(version: u8) -> Option<T> {
    env::storage_read(STATE_KEY).map(|bytes| decode(body_of(version, &bytes)))
}

/// Writes `state` as `version`. Returns whether a value was replaced.
pub fn write<T: BorshSerialize>(version: u8, state: &T) -> bool {
    env::storage_write(STATE_KEY, &encode(version, state))
}

/// Declares `STATE_VERSION` (1; 2 in the calling crate's test-only
/// `next-version` build) and `appended_since`, the fields each version
/// appended, for `migrate`.
#[macro_export]
macro_rules! versioned_state_version {
    () => {
        /// The layout of the contract state this code reads and writes.
        #[cfg(not(feature = "next-version"))]
        pub const STATE_VERSION: u8 = 1;
        /// The test-only second version: one more field, appended.
        #[cfg(feature = "next-version")]
        pub const STATE_VERSION: u8 = 2;
        #[cfg(not(feature = "next-version"))]
        pub(crate) use $crate::versioned::first_layout as appended_since;
        #[cfg(feature = "next-version")]
        pub(crate) use $crate::versioned::next_version_test_field as appended_since;
    };
}

/// [`versioned_state_version`], and `$contract` stored versioned: the
/// contract struct derives borsh and `#[near_bindgen]` instead of
/// `#[near(contract_state)]`, and this is its `ContractState`.
#[macro_export]
macro_rules! versioned_contract_state {
    ($contract:ty) => {
        $crate::versioned_state_version!();

        impl near_sdk::state::ContractState for $contract {
            fn state_read() -> Option<Self> {
                $crate::versioned::read(STATE_VERSION)
            }

            fn state_write(&self) -> bool {
                $crate::versioned::write(STATE_VERSION, self)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use near_sdk::borsh::{BorshDeserialize, BorshSerialize};

    #[derive(BorshSerialize, BorshDeserialize, Debug, PartialEq)]
    #[borsh(crate = "near_sdk::borsh")]
    struct V1 {
        a: u64,
        b: String,
    }

    #[derive(BorshSerialize, BorshDeserialize, Debug, PartialEq)]
    #[borsh(crate = "near_sdk::borsh")]
    struct V2 {
        a: u64,
        b: String,
        c: u32,
    }

    #[test]
    fn state_round_trips_with_its_version() {
        let v1 = V1 {
            a: 7,
            b: "x".into(),
        };
        assert!(!write(1, &v1));
        assert_eq!(read::<V1>(1), Some(v1));
        let (version, body) = read_raw().unwrap();
        assert_eq!(version, 1);
        assert_eq!(
            body,
            borsh::to_vec(&V1 {
                a: 7,
                b: "x".into()
            })
            .unwrap()
        );
    }

    #[test]
    #[should_panic(expected = "E_STATE_VERSION")]
    fn another_version_is_refused() {
        write(1, &V1 { a: 1, b: "".into() });
        read::<V2>(2);
    }

    #[test]
    fn an_appended_field_migrates_from_the_prefix() {
        write(
            1,
            &V1 {
                a: 3,
                b: "yz".into(),
            },
        );
        let (_, body) = read_raw().unwrap();
        let v2: V2 = decode_appended(body, &borsh::to_vec(&9u32).unwrap());
        assert_eq!(
            v2,
            V2 {
                a: 3,
                b: "yz".into(),
                c: 9
            }
        );
    }

    #[test]
    fn migrate_keeps_the_same_version_and_appends_to_an_older_one() {
        write(
            2,
            &V2 {
                a: 1,
                b: "b".into(),
                c: 3,
            },
        );
        let (from, v2) = migrate::<V2>(2, |_| None);
        assert_eq!((from, v2.c), (2, 3));
        write(
            1,
            &V1 {
                a: 1,
                b: "b".into(),
            },
        );
        let (from, v2) = migrate::<V2>(2, |v| (v == 1).then(|| borsh::to_vec(&4u32).unwrap()));
        assert_eq!(
            (from, v2),
            (
                1,
                V2 {
                    a: 1,
                    b: "b".into(),
                    c: 4
                }
            )
        );
    }

    #[test]
    #[should_panic(expected = "E_STATE_VERSION")]
    fn migrate_refuses_a_version_it_does_not_know() {
        write(3, &V1 { a: 1, b: "".into() });
        migrate::<V2>(2, |v| (v == 1).then(Vec::new));
    }

    #[test]
    fn no_state_reads_as_none() {
        assert!(read::<V1>(1).is_none());
        assert!(read_raw().is_none());
    }
}
