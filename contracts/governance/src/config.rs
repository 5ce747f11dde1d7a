//! The DAO's rules and the hard bounds no deployment can set them past.
//!
//! Durations are whole epochs: the time-lock exists so a staker can leave
//! before a change lands, and the router measures that exit in epochs
//! (`env::epoch_height`), so the rules use the same clock. A period of `n`
//! epochs that starts in epoch `e` ends when epoch `e + n` begins.

use meta_common::actions::{META_TOTAL_SUPPLY_CAP, ONE_META};
use near_sdk::json_types::U128;
use near_sdk::{near, require};

use crate::errors::*;

/// Inclusive bounds of a rule and the value `new` uses when none is given.
#[near(serializers = [json])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleBounds<T> {
    pub min: T,
    pub max: T,
    pub default: T,
}

impl<T: PartialOrd + Copy> RuleBounds<T> {
    fn contains(&self, v: T) -> bool {
        self.min <= v && v <= self.max
    }
}

/// Epochs within which the router promises a staker's withdrawal after an
/// unstake (DESIGN §5: by E+5 for an unstake in epoch E).
pub const STAKER_EXIT_EPOCHS: u64 = 5;
/// Epochs a staker has to notice a queued proposal and unstake.
pub const EXIT_REACTION_EPOCHS: u64 = 2;

/// Voting lasts at least two whole epochs (a day at mainnet's ~12 h epochs)
/// so a vote cannot be slipped through overnight, and at most four weeks.
pub const VOTING_PERIOD_EPOCHS: RuleBounds<u64> = RuleBounds {
    min: 3,
    max: 56,
    default: 6,
};
/// Quorum of For votes, in bps of the total supply at the snapshot. At least
/// 1% so a handful of holders cannot act in a quiet week; at most half, so a
/// reachable quorum exists.
pub const QUORUM_BPS: RuleBounds<u16> = RuleBounds {
    min: 100,
    max: 5_000,
    default: 400,
};
/// The least For votes any proposal needs, in META, whatever the snapshot
/// supply: the quorum is the larger of this and `quorum_bps` of the
/// snapshot supply. META exists only once claimed, so early on (or
/// whenever most stakers leave their META unclaimed) the supply is a small
/// part of what stakers earned and a bps quorum of it is within one early
/// holder's reach. The floor makes acting take at least this much META;
/// a proposal whose snapshot supply is below it could never pass and is
/// refused at creation. At least ten times the default proposal threshold,
/// at most 5% of the supply cap, so it stays reachable.
pub const MIN_QUORUM: RuleBounds<u128> = RuleBounds {
    min: 10_000 * ONE_META,
    max: 50_000_000 * ONE_META,
    default: 1_000_000 * ONE_META,
};
/// META a proposer must hold at the snapshot. At least one META, so voting
/// power is needed to propose; at most 1% of the cap.
pub const PROPOSAL_THRESHOLD: RuleBounds<u128> = RuleBounds {
    min: ONE_META,
    max: 10_000_000 * ONE_META,
    default: 1_000 * ONE_META,
};
// Reachable: at most 5% of the supply cap; a floor: more than it takes to
// propose.
const _: () = assert!(
    MIN_QUORUM.max <= META_TOTAL_SUPPLY_CAP / 20 && MIN_QUORUM.min > PROPOSAL_THRESHOLD.default
);
/// The time-lock. Queued in epoch Q, a proposal executes in Q + timelock at
/// the earliest. What protects a staker is that its unstake request lands
/// before execution: from then its claim is fixed in NEAR and no DAO action
/// touches it. The router quotes the withdrawal at E + 5 for an unstake in
/// E (later in a mass exit), so the lock is longer than that quote, plus
/// one epoch so the quoted withdrawal lands strictly before execution,
/// plus two epochs for stakers to notice and react.
pub const TIMELOCK_EPOCHS: RuleBounds<u64> = RuleBounds {
    min: STAKER_EXIT_EPOCHS + 1 + EXIT_REACTION_EPOCHS,
    max: 56,
    default: 10,
};
// Execution always comes after the worst-case exit of a staker who
// unstakes in the epoch the proposal is queued.
const _: () = assert!(TIMELOCK_EPOCHS.min > STAKER_EXIT_EPOCHS + 1);

/// The least time-lock of an upgrade proposal. New code can change
/// anything the router does with stake, so a staker who disagrees must be
/// able to leave at the quote before it runs: the router's unstake wait
/// ([`STAKER_EXIT_EPOCHS`], its `UNSTAKE_WAIT_EPOCHS`) plus one epoch,
/// and never shorter than any proposal's least time-lock.
pub const UPGRADE_TIMELOCK_MIN_EPOCHS: u64 = {
    let exit = STAKER_EXIT_EPOCHS + 1;
    if exit > TIMELOCK_EPOCHS.min {
        exit
    } else {
        TIMELOCK_EPOCHS.min
    }
};

/// After its eta (or after the vote, if never queued) a proposal stays
/// executable this long, then expires.
pub const GRACE_EPOCHS: RuleBounds<u64> = RuleBounds {
    min: 2,
    max: 56,
    default: 6,
};
/// The guardian's mandate when a passed proposal sets or renews it: about a
/// year at most.
pub const GUARDIAN_TERM_EPOCHS: RuleBounds<u64> = RuleBounds {
    min: 1,
    max: 730,
    default: 360,
};

/// The most proposals open for voting at once: Active ones, and those
/// awaiting the whitelist's answer. One more is refused
/// (`E_TOO_MANY_OPEN_PROPOSALS`, nothing changes) until a vote ends; a
/// proposal whose voting period is over no longer counts, whatever its
/// state.
///
/// Why a cap: a vote weighs the voter's balance at its proposal's
/// snapshot, so while a proposal is open every holder keeps the checkpoint
/// that answers for its snapshot, besides its newest two (`ledger`). Only
/// a bound on those snapshots bounds a holder's history, and so lets the
/// registration minimum pre-pay it once and for all: a wallet that
/// registered at the minimum (and cannot top up) then sends and receives
/// any number of transfers.
///
/// Why 14: the minimum pre-pays `storage::CHECKPOINT_ALLOWANCE` (16)
/// checkpoints, and 16 less the newest two leaves 14 snapshots. That is
/// several times what this DAO needs, whose powers are a handful of typed
/// router actions, the guardian and upgrades, each voted on for 3 to 56
/// epochs (6 by default). The price of the cap is a slot's bond (`bond`):
/// each open proposal locks its proposer's threshold of META until its
/// vote ends, so filling every slot takes `MAX_OPEN_PROPOSALS` thresholds
/// held still, not one passed along throwaway accounts.
pub const MAX_OPEN_PROPOSALS: usize = 14;

/// The rules of the DAO. Fixed at `new`; each proposal keeps a copy of the
/// rules it was created under.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GovernanceConfig {
    pub voting_period_epochs: u64,
    pub quorum_bps: u16,
    /// The quorum floor, in META ([`MIN_QUORUM`]).
    pub min_quorum: U128,
    pub proposal_threshold: U128,
    pub timelock_epochs: u64,
    pub grace_epochs: u64,
}

impl Default for GovernanceConfig {
    fn default() -> Self {
        Self {
            voting_period_epochs: VOTING_PERIOD_EPOCHS.default,
            quorum_bps: QUORUM_BPS.default,
            min_quorum: U128(MIN_QUORUM.default),
            proposal_threshold: U128(PROPOSAL_THRESHOLD.default),
            timelock_epochs: TIMELOCK_EPOCHS.default,
            grace_epochs: GRACE_EPOCHS.default,
        }
    }
}

impl GovernanceConfig {
    /// Panics with the rule's error when a value lies outside its bounds.
    pub fn assert_valid(&self) {
        require!(
            VOTING_PERIOD_EPOCHS.contains(self.voting_period_epochs),
            ERR_CONFIG_VOTING_PERIOD
        );
        require!(QUORUM_BPS.contains(self.quorum_bps), ERR_CONFIG_QUORUM);
        require!(
            MIN_QUORUM.contains(self.min_quorum.0),
            ERR_CONFIG_MIN_QUORUM
        );
        require!(
            PROPOSAL_THRESHOLD.contains(self.proposal_threshold.0),
            ERR_CONFIG_THRESHOLD
        );
        require!(
            TIMELOCK_EPOCHS.contains(self.timelock_epochs),
            ERR_CONFIG_TIMELOCK
        );
        require!(GRACE_EPOCHS.contains(self.grace_epochs), ERR_CONFIG_GRACE);
    }
}

/// Every bound, as the `get_config_bounds` view returns them.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigBounds {
    pub voting_period_epochs: RuleBounds<u64>,
    pub quorum_bps: RuleBounds<u16>,
    pub min_quorum: RuleBounds<U128>,
    pub proposal_threshold: RuleBounds<U128>,
    pub timelock_epochs: RuleBounds<u64>,
    pub grace_epochs: RuleBounds<u64>,
    pub guardian_term_epochs: RuleBounds<u64>,
}

impl ConfigBounds {
    pub fn get() -> Self {
        let json = |b: RuleBounds<u128>| RuleBounds {
            min: U128(b.min),
            max: U128(b.max),
            default: U128(b.default),
        };
        Self {
            voting_period_epochs: VOTING_PERIOD_EPOCHS,
            quorum_bps: QUORUM_BPS,
            min_quorum: json(MIN_QUORUM),
            proposal_threshold: json(PROPOSAL_THRESHOLD),
            timelock_epochs: TIMELOCK_EPOCHS,
            grace_epochs: GRACE_EPOCHS,
            guardian_term_epochs: GUARDIAN_TERM_EPOCHS,
        }
    }
}
