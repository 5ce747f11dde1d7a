//! The router's copy of every sNEAR holder's balance, so that the
//! staking-pool views wallets read on the router (`get_account_staked_balance`
//! and the rest) show a liquid staker's stake.
//!
//! After every change to holders' balances sNEAR sends the router one
//! `on_snear_balances` call carrying the new balances and the block of the
//! change. The call is detached: nothing waits for it, so it can neither fail
//! nor delay the transfer, mint or burn that sent it. The router keeps, per
//! holder, the balance of the newest block it has heard of; the call lands
//! one block after the change, so the router's views lag sNEAR by one block
//! (two at most when a block boundary falls between a receipt and its
//! outgoing call's delivery).
//!
//! Storage is paid by the holder side: sNEAR's registration minimum includes
//! [`MIRROR_RECORD_BYTES`], and the notice of a registration attaches
//! [`MIRROR_RECORD_DEPOSIT`] for the router's record; the notice of an
//! unregistration has the router return that deposit to whoever paid the
//! registration.

use near_sdk::{ext_contract, near, AccountId, Gas, NearToken};

/// One holder's change.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HolderChange {
    /// A new holder, balance 0; its notice attaches [`MIRROR_RECORD_DEPOSIT`]
    /// for it.
    Registered,
    /// The holder's balance after the change, in shares.
    Balance(u128),
    /// The holder unregistered: the router drops its record and sends the
    /// record's deposit to `refund_to` (who paid the registration).
    Removed { refund_to: AccountId },
}

/// What sNEAR tells the router after a call that changed balances.
#[near(serializers = [borsh])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorUpdate {
    /// The block in which sNEAR made these changes; the router ignores a
    /// change older than the one it holds.
    pub block: u64,
    /// In the order they happened.
    pub changes: Vec<(AccountId, HolderChange)>,
}

/// The router's side.
#[ext_contract(ext_router_mirror)]
pub trait RouterMirror {
    /// sNEAR only; [`GAS_FOR_MIRROR_UPDATE`]; borsh arguments; payable
    /// (deposits for `Registered` changes).
    fn on_snear_balances(&mut self, #[serializer(borsh)] update: MirrorUpdate);
}

/// Bytes of one router record for a 64-character account id: the key (one
/// prefix byte and the id), balance (u128) and block (u64), and the 40 bytes
/// the protocol adds to every entry. The router's tests measure it.
pub const MIRROR_RECORD_BYTES: u64 = 1 + 64 + 16 + 8 + 40;

/// [`MIRROR_RECORD_BYTES`] at 10^19 yoctoNEAR a byte.
pub const MIRROR_RECORD_DEPOSIT: NearToken =
    NearToken::from_yoctonear(MIRROR_RECORD_BYTES as u128 * 10_000_000_000_000_000_000);

/// Gas sNEAR attaches to `on_snear_balances`: the router reads its sNEAR id
/// and reads and writes up to two records without loading its state
/// (measured ~0.4 Tgas of execution, `make bench`), with room for a refund
/// transfer on removal.
pub const GAS_FOR_MIRROR_UPDATE: Gas = Gas::from_ggas(1_500);
