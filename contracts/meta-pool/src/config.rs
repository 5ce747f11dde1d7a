//! The router's tunable parameters (inside `meta_common::actions` bounds) and
//! its fixed constants, each with the reason for its value.

use meta_common::actions::{
    RouterParameter, BPS_DENOMINATOR, MAX_NETWORK_SHARE_BPS, MAX_VALIDATOR_SHARE_BPS,
    PROTOCOL_FEE_BPS, REBALANCE_MAX_MOVE_BPS, REBALANCE_THRESHOLD_BPS,
};
use near_sdk::near;

/// One NEAR in yoctoNEAR.
pub const ONE_NEAR: u128 = 10u128.pow(24);

/// The least seed `new` accepts. The seed is staked value whose shares no one
/// owns: it fixes the share price at 1 before any user arrives (a first
/// depositor cannot inflate it: moving the price by 1% would take a donation
/// of 1% of the seed, and every later rounding favours the pool) and it is
/// the guarantee fund that pays rounding dust the router owes (at most a few
/// yoctoNEAR per rollback or validator sync), so one NEAR lasts ~10^23 such
/// events.
pub const MIN_SEED: u128 = ONE_NEAR;

/// Blocks in an epoch on mainnet and testnet: `meta_per_epoch` is emitted
/// over this many blocks, continuously.
pub const EPOCH_BLOCKS: u64 = 43_200;

/// Epochs a staking pool keeps unstaked NEAR locked (the protocol's 3 plus
/// the pool's 1).
pub const NUM_EPOCHS_TO_UNLOCK: u64 = 4;
/// Epochs the router quotes between a user's unstake and the availability of
/// the NEAR: the pools' wait plus one epoch for the keeper, which runs once an
/// epoch and may already have run in the epoch of the unstake.
pub const UNSTAKE_WAIT_EPOCHS: u64 = NUM_EPOCHS_TO_UNLOCK + 1;

/// Most validators in the list. The whole list is one storage value (~200
/// bytes a record) that only epoch operations and governance read, so every
/// epoch operation scans it within its gas whatever the list holds.
pub const MAX_VALIDATORS: usize = 100;

/// Smallest amount an epoch operation stakes or rebalances: a validator call
/// costs the keeper about 0.01 NEAR of gas, so moving less is waste. Smaller
/// leftovers stay buffered and net against the next unstakes. User unstakes
/// have no minimum: owed NEAR is always requested.
pub const MIN_EPOCH_MOVE: u128 = ONE_NEAR;

/// Most a validator's balance for the router may grow per epoch before a
/// sync treats the reading as an anomaly and books nothing. Mainnet rewards
/// are ~1.4 bps an epoch; 100 bps is seventy times that and still stops a
/// broken or hostile pool from inflating the share price.
pub const MAX_REWARD_BPS_PER_EPOCH: u128 = 100;
/// Growth a sync accepts whatever the bound above, for pools' rounding.
pub const SYNC_GROWTH_SLACK: u128 = 1_000_000_000_000;
/// Largest decrease a sync books (paid from the seed, so the price holds):
/// the core pool rounds the router's staked balance down at each call, by a
/// few yoctoNEAR. Anything larger is an anomaly and books nothing.
pub const SYNC_LOSS_TOLERANCE: u128 = 1_000_000_000_000;

/// Unstaked NEAR at a validator small enough to ignore when deciding whether
/// a new unstake there would restart a wait someone is owed.
pub const UNSTAKED_DUST: u128 = 1_000_000;

/// Epochs past the pools' unlock after which earmarks not yet collected
/// (the validator cannot be synced, or its withdrawals fail) are released
/// back to the claims backlog, so another validator serves those claims.
pub const EARMARK_OVERDUE_EPOCHS: u64 = 2;

/// Epochs a stake the router adds takes to show in `env::validator_stake`
/// (proposals of epoch T shape the validator set of T+2); the network cap
/// counts the router's additions over this window on top of what it reads.
pub const NETWORK_STAKE_LAG_EPOCHS: u64 = 3;

/// Least liquid stake. A new holder pays sNEAR's registration (1.54 mNEAR)
/// with shares of its first mint; with a floor of 0.1 NEAR that is at most
/// 1.5% of any liquid stake.
pub const MIN_LIQUID_STAKE: u128 = ONE_NEAR / 10;

/// Least deposit that creates an account record. A liquid account pays the
/// record's storage (`ACCOUNT_RECORD_COST`) out of it; the floor keeps dust
/// records away. Lockups and wallets deposit far more; an account with a
/// record may deposit any positive amount.
pub const MIN_FIRST_DEPOSIT: u128 = ONE_NEAR / 10;

/// Own funds the router must keep free before it lets storage grow or
/// advances a deposit (a lockup's record, a validator, sNEAR's registration
/// deposit, repaid by the holder).
pub const MIN_OWN_FUNDS_FOR_GROWTH: u128 = ONE_NEAR / 100;

/// Bytes one account record takes in the router's trie, for an account id
/// of the maximum 64 characters. The records are an `IterableMap` (prefix 1
/// byte + 1 of its own), so each is two trie entries, each with the 40 bytes
/// the protocol adds: the key list's slot (key: prefix + u32 index; value:
/// the id, 4 + 64) and the value (key: a 32-byte hash of prefix and id;
/// value: the record, 4 × u128 + u64 = 72, and its u32 index). A unit test
/// measures it with `env::storage_usage`.
pub const ACCOUNT_RECORD_BYTES: u128 = (2 + 4) + (4 + 64) + 40 + 32 + (72 + 4) + 40;

/// What a liquid account pays, once, when a call of its own creates its
/// router record (a first `deposit`, or an `unstake` by a holder with no
/// unstaked balance): the record's storage at 10^19 yoctoNEAR a byte
/// (2.62 mNEAR). Taken from the NEAR the call credits, so no account can
/// make the router's own funds pay for its storage (see ARCHITECTURE,
/// "Who pays for the router's storage").
pub const ACCOUNT_RECORD_COST: u128 = ACCOUNT_RECORD_BYTES * 10_000_000_000_000_000_000;

/// Router parameters, each inside the hard bounds of `meta_common::actions`.
#[near(serializers = [borsh, json])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub max_validator_share_bps: u16,
    pub max_network_share_bps: u16,
    pub protocol_fee_bps: u16,
    pub rebalance_threshold_bps: u16,
    pub rebalance_max_move_bps: u16,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            max_validator_share_bps: MAX_VALIDATOR_SHARE_BPS.default,
            max_network_share_bps: MAX_NETWORK_SHARE_BPS.default,
            protocol_fee_bps: PROTOCOL_FEE_BPS.default,
            rebalance_threshold_bps: REBALANCE_THRESHOLD_BPS.default,
            rebalance_max_move_bps: REBALANCE_MAX_MOVE_BPS.default,
        }
    }
}

impl Params {
    /// Sets one parameter; the caller has validated it against its bounds.
    /// Returns the old value.
    pub fn set(&mut self, p: &RouterParameter) -> u16 {
        let slot = match p {
            RouterParameter::MaxValidatorShareBps(_) => &mut self.max_validator_share_bps,
            RouterParameter::MaxNetworkShareBps(_) => &mut self.max_network_share_bps,
            RouterParameter::ProtocolFeeBps(_) => &mut self.protocol_fee_bps,
            RouterParameter::RebalanceThresholdBps(_) => &mut self.rebalance_threshold_bps,
            RouterParameter::RebalanceMaxMoveBps(_) => &mut self.rebalance_max_move_bps,
        };
        std::mem::replace(slot, p.value())
    }
}

/// `amount * bps / 10_000`, rounded down.
pub fn bps_of(amount: u128, bps: u16) -> u128 {
    meta_common::shares::mul_div_down(amount, bps as u128, BPS_DENOMINATOR as u128).unwrap_or(0)
}

/// Epochs after which a validator lock whose callback never ran (its gas
/// misestimated, say) is released by `epoch_sync`, which then reads the
/// pool to settle the lost call. A callback runs within a few blocks of its
/// call when it runs at all; three epochs (at least two whole epochs,
/// ~86,000 blocks) cannot overtake one that is merely slow.
pub const LOCK_RECOVERY_EPOCHS: u64 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_inside_bounds() {
        let p = Params::default();
        for v in [
            RouterParameter::MaxValidatorShareBps(p.max_validator_share_bps),
            RouterParameter::MaxNetworkShareBps(p.max_network_share_bps),
            RouterParameter::ProtocolFeeBps(p.protocol_fee_bps),
            RouterParameter::RebalanceThresholdBps(p.rebalance_threshold_bps),
            RouterParameter::RebalanceMaxMoveBps(p.rebalance_max_move_bps),
        ] {
            assert!(v.validate().is_ok(), "{v:?}");
        }
    }

    #[test]
    fn set_returns_the_old_value_and_touches_one_field() {
        let mut p = Params::default();
        let before = p;
        let old = p.set(&RouterParameter::ProtocolFeeBps(123));
        assert_eq!(old, before.protocol_fee_bps);
        assert_eq!(p.protocol_fee_bps, 123);
        assert_eq!(
            Params {
                protocol_fee_bps: before.protocol_fee_bps,
                ..p
            },
            before
        );
    }

    #[test]
    fn bps_rounds_down() {
        assert_eq!(bps_of(19_999, 1), 1);
        assert_eq!(bps_of(10_000, 2_500), 2_500);
        assert_eq!(bps_of(u128::MAX, 10_000), u128::MAX);
    }
}
