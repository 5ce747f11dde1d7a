//! The router's copy of every sNEAR holder's balance (`meta_common::mirror`),
//! so that the core staking-pool views wallets read here
//! (`get_account_staked_balance`, `get_account_total_balance`,
//! `get_account`, `get_accounts`) show a liquid staker's stake: the value of
//! its sNEAR at the current price, one block behind sNEAR.
//!
//! Records live under their own keys (`b'm'` and the account id: 16 bytes of
//! balance and 8 of block), written by `on_snear_balances` without loading
//! the router's state, so a notice costs sNEAR's callers as little as
//! possible. The router pays nothing for them: each record's deposit comes
//! with the notice of its holder's registration and goes back to whoever
//! paid the registration when the holder unregisters.

use meta_common::mirror::{HolderChange, MirrorUpdate, MIRROR_RECORD_DEPOSIT};
use near_sdk::{env, require, AccountId, Promise};

use crate::errors::ERR_NOT_SNEAR;

/// Prefix of every record's key; no collection of the router uses it.
const PREFIX: u8 = b'm';
/// Where `new` writes sNEAR's account id, so a notice checks its caller
/// without reading the whole state.
const SNEAR_ID_KEY: &[u8] = b"snear_id";

fn key(account_id: &AccountId) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + account_id.len());
    k.push(PREFIX);
    k.extend_from_slice(account_id.as_bytes());
    k
}

/// A record: (balance, block of the change it reflects).
fn read(key: &[u8]) -> Option<(u128, u64)> {
    let b = env::storage_read(key)?;
    let balance = u128::from_le_bytes(b.get(..16)?.try_into().ok()?);
    let block = u64::from_le_bytes(b.get(16..24)?.try_into().ok()?);
    Some((balance, block))
}

fn write(key: &[u8], balance: u128, block: u64) {
    let mut v = [0u8; 24];
    v[..16].copy_from_slice(&balance.to_le_bytes());
    v[16..].copy_from_slice(&block.to_le_bytes());
    env::storage_write(key, &v);
}

/// The sNEAR balance the router last heard of for `account_id` (0 when it
/// holds no record).
pub(crate) fn snear_balance(account_id: &AccountId) -> u128 {
    read(&key(account_id)).map_or(0, |(b, _)| b)
}

/// Records which account is sNEAR (at `new`).
pub(crate) fn set_snear_id(snear: &AccountId) {
    env::storage_write(SNEAR_ID_KEY, snear.as_bytes());
}

/// sNEAR tells the router holders' new balances (`meta_common::mirror`).
/// A change older than the record's is ignored (notices can only lag,
/// never go back); a balance for a holder without a record is ignored (its
/// registration's notice creates the record). `Registered` needs
/// `MIRROR_RECORD_DEPOSIT` attached per new record; `Removed` sends the
/// record's deposit to `refund_to`.
///
/// sNEAR only (`E_NOT_SNEAR`). Borsh arguments (`MirrorUpdate`); payable.
/// Gas: within `GAS_FOR_MIRROR_UPDATE`. Exported by hand (below) rather than
/// through `#[near]`, which would read and rewrite the router's whole state
/// on every transfer's notice: this reads one key and the records it
/// changes. Emits nothing (sNEAR emits the NEP-141 events of the change).
pub fn on_snear_balances(update: MirrorUpdate) {
    let caller = env::predecessor_account_id();
    require!(
        env::storage_read(SNEAR_ID_KEY).as_deref() == Some(caller.as_bytes()),
        ERR_NOT_SNEAR
    );
    let mut deposit = env::attached_deposit().as_yoctonear();
    let per_record = MIRROR_RECORD_DEPOSIT.as_yoctonear();
    for (account_id, change) in update.changes {
        let k = key(&account_id);
        let held = read(&k);
        let newer = held.is_some_and(|(_, block)| block <= update.block);
        match change {
            HolderChange::Registered => {
                if held.is_none() {
                    if deposit < per_record {
                        continue;
                    }
                    deposit -= per_record;
                }
                write(&k, 0, update.block);
            }
            HolderChange::Balance(balance) if newer => write(&k, balance, update.block),
            HolderChange::Removed { refund_to } if newer => {
                env::storage_remove(&k);
                if refund_to != env::current_account_id() {
                    Promise::new(refund_to)
                        .transfer(MIRROR_RECORD_DEPOSIT)
                        .detach();
                }
            }
            _ => {}
        }
    }
}

/// The wasm export of [`on_snear_balances`]: borsh arguments in, nothing
/// out.
#[cfg(target_arch = "wasm32")]
#[export_name = "on_snear_balances"]
pub extern "C" fn export_on_snear_balances() {
    use crate::errors::ERR_BAD_NOTICE;
    env::setup_panic_hook();
    let input = env::input().unwrap_or_default();
    let update = near_sdk::borsh::from_slice::<MirrorUpdate>(&input)
        .unwrap_or_else(|_| env::panic_str(ERR_BAD_NOTICE));
    on_snear_balances(update);
}
