//! NEP-297 events (standard `meta-pool`, version 1.0.0) for everything that
//! changes balances, shares, validators or parameters, and the core staking
//! pool's log lines, printed verbatim because explorers parse them.

use meta_common::actions::RouterParameter;
use meta_common::pool_state::PoolState;
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId};

use crate::validators::{EpochOp, ValidatorState};

#[near(event_json(standard = "meta-pool"))]
pub enum Event<'a> {
    /// `new` seeded the pool.
    #[event_version("1.0.0")]
    Initialized { owner_id: &'a AccountId, seed: U128 },
    /// NEAR credited to an unstaked balance held by the router.
    #[event_version("1.0.0")]
    Deposit {
        account_id: &'a AccountId,
        amount: U128,
        unstaked_balance: U128,
    },
    /// NEAR paid out of an unstaked balance.
    #[event_version("1.0.0")]
    Withdraw {
        account_id: &'a AccountId,
        amount: U128,
        unstaked_balance: U128,
    },
    /// A stake that is final: a lockup's at once, a liquid one when its mint
    /// landed.
    #[event_version("1.0.0")]
    Stake {
        account_id: &'a AccountId,
        amount: U128,
        shares: U128,
        lockup: bool,
    },
    /// An unstake that is final: a lockup's at once, a liquid one when its
    /// burn landed.
    #[event_version("1.0.0")]
    Unstake {
        account_id: &'a AccountId,
        amount: U128,
        shares: U128,
        unstaked_available_epoch: u64,
        lockup: bool,
    },
    /// A liquid stake counted in the totals, its sNEAR mint sent.
    #[event_version("1.0.0")]
    MintAttempt {
        account_id: &'a AccountId,
        amount: U128,
        shares: U128,
    },
    /// The mint failed: stake and shares removed, NEAR back in the unstaked
    /// balance; `seed_dust` is what the seed paid for the rounding;
    /// `wait_restarted` when other calls moved the claims while the mint was
    /// in flight and part of the NEAR must be unstaked again (the account's
    /// available epoch moved; `funding::restore_claim`).
    #[event_version("1.1.0")]
    MintFailed {
        account_id: &'a AccountId,
        amount: U128,
        shares: U128,
        seed_dust: U128,
        wait_restarted: bool,
    },
    /// A liquid account paid for storage it made the protocol hold: its
    /// router record (`amount` NEAR, out of a first deposit or an unstake's
    /// credit) or, with `shares`, its sNEAR registration (shares of its
    /// first mint not minted, worth `amount`).
    #[event_version("1.0.0")]
    StoragePaid {
        account_id: &'a AccountId,
        amount: U128,
        shares: U128,
        storage: &'a str,
    },
    /// A liquid unstake's sNEAR burn sent.
    #[event_version("1.0.0")]
    BurnAttempt {
        account_id: &'a AccountId,
        shares: U128,
    },
    /// A liquid `unstake_all`'s sNEAR `burn_all` sent: it burns the whole
    /// balance if at least `min_shares` (below, dust that could not pay for
    /// the router record an unstake creates, it burns nothing).
    #[event_version("1.0.0")]
    BurnAllAttempt {
        account_id: &'a AccountId,
        min_shares: U128,
    },
    /// The burn failed; nothing changed (`shares` 0 for a `burn_all`).
    #[event_version("1.0.0")]
    BurnFailed {
        account_id: &'a AccountId,
        shares: U128,
    },
    /// An epoch operation locked the validator and called it.
    #[event_version("1.0.0")]
    EpochAttempt {
        op: EpochOp,
        validator_id: &'a AccountId,
        amount: U128,
    },
    /// The call succeeded and was booked.
    #[event_version("1.0.0")]
    EpochSuccess {
        op: EpochOp,
        validator_id: &'a AccountId,
        amount: U128,
    },
    /// The call failed or returned something unusable; its effects were
    /// rolled back and the validator is skipped for the rest of the epoch.
    #[event_version("1.0.0")]
    EpochFailed {
        op: EpochOp,
        validator_id: &'a AccountId,
        amount: U128,
        reason: &'a str,
    },
    /// A validator's balance for the router was read and booked.
    #[event_version("1.0.0")]
    RewardsSynced {
        validator_id: &'a AccountId,
        reward: U128,
        fee: U128,
        fee_shares: U128,
        loss: U128,
        total_staked: U128,
        total_shares: U128,
    },
    /// The seed paid dust the pool owed, burning seed shares.
    #[event_version("1.0.0")]
    SeedPaid {
        amount: U128,
        seed_shares_burnt: U128,
        reason: &'a str,
    },
    /// Earmarks overdue at a validator went back to the claims backlog.
    #[event_version("1.0.0")]
    EarmarksReleased {
        validator_id: &'a AccountId,
        amount: U128,
    },
    /// The protocol fee's sNEAR landed at the treasury.
    #[event_version("1.0.0")]
    FeeMinted {
        treasury_id: &'a AccountId,
        shares: U128,
    },
    /// The fee's mint failed: its shares were removed and its NEAR stays
    /// with all holders.
    #[event_version("1.0.0")]
    FeeMintFailed {
        treasury_id: &'a AccountId,
        shares: U128,
    },
    /// sNEAR accepted a pool-state push.
    #[event_version("1.0.0")]
    PoolStatePushed { state: &'a PoolState },
    /// sNEAR refused or failed a pool-state push.
    #[event_version("1.0.0")]
    PoolStatePushFailed { epoch_height: u64 },
    /// Buffered stake netted against claims still staked.
    #[event_version("1.0.0")]
    Netted { amount: U128 },
    /// The reward index moved forward.
    #[event_version("1.0.0")]
    RewardIndexAdvanced {
        reward_index: U128,
        epoch_height: u64,
        blocks: u64,
    },
    #[event_version("1.0.0")]
    ValidatorAdded {
        account_id: &'a AccountId,
        weight_bps: u16,
    },
    /// An `AddValidator` refused after the whitelist check.
    #[event_version("1.0.0")]
    ValidatorRejected {
        account_id: &'a AccountId,
        reason: &'a str,
    },
    #[event_version("1.0.0")]
    ValidatorStateChanged {
        account_id: &'a AccountId,
        state: ValidatorState,
    },
    #[event_version("1.0.0")]
    ValidatorWeightChanged {
        account_id: &'a AccountId,
        weight_bps: u16,
    },
    #[event_version("1.0.0")]
    ValidatorRemoved { account_id: &'a AccountId },
    #[event_version("1.0.0")]
    ParameterChanged {
        parameter: &'a RouterParameter,
        old_value: u16,
    },
    #[event_version("1.0.0")]
    EmissionChanged { meta_per_epoch: U128 },
    /// The owner gave up its governance powers for good.
    #[event_version("1.0.0")]
    BootstrapEnded { owner_id: &'a AccountId },
    /// A lockup owner's claim sent to the governance token.
    #[event_version("1.0.0")]
    LockupClaimAttempt {
        lockup_account_id: &'a AccountId,
        owner_id: &'a AccountId,
        amount: U128,
    },
    #[event_version("1.0.0")]
    LockupClaimed {
        lockup_account_id: &'a AccountId,
        owner_id: &'a AccountId,
        amount: U128,
    },
    /// The mint failed: the accrual is restored and the deposit refunded.
    #[event_version("1.0.0")]
    LockupClaimFailed {
        lockup_account_id: &'a AccountId,
        owner_id: &'a AccountId,
        amount: U128,
    },
    /// A validator lock older than `LOCK_RECOVERY_EPOCHS` (its callback
    /// never ran) was released by `epoch_sync`; the sync's reading settles
    /// the call (`lost_call_settled`).
    #[event_version("1.0.0")]
    LockRecovered {
        validator_id: &'a AccountId,
        op: EpochOp,
        locked_epoch: u64,
        amount: U128,
        earmark: U128,
    },
    /// A released call settled by a fresh reading of the pool: booked as
    /// its callback would have (`landed`) or rolled back.
    #[event_version("1.0.0")]
    LostCallSettled {
        validator_id: &'a AccountId,
        op: EpochOp,
        amount: U128,
        landed: bool,
    },
    /// A callback arrived for a lock that is gone or newer (released by
    /// recovery): ignored, so nothing is booked twice.
    #[event_version("1.0.0")]
    StaleCallbackIgnored {
        validator_id: &'a AccountId,
        op: EpochOp,
        epoch: u64,
    },
    /// New code was deployed by a governance upgrade and its `migrate`
    /// turned the stored state of `from_version` into `to_version`.
    #[event_version("1.0.0")]
    StateMigrated { from_version: u8, to_version: u8 },
    /// New stake is paused until epoch `until_epoch` begins (staking
    /// reopens then unless the DAO extends the pause). `by`: `guardian`
    /// (through governance's `pause_staking`), `dao` (a `PauseStaking`
    /// proposal) or `owner` (the same action during the bootstrap).
    #[event_version("1.0.0")]
    StakingPaused { until_epoch: u64, by: &'a str },
    /// A pause in force was ended early by `ResumeStaking` (`by`: `dao` or
    /// `owner`). A pause that runs out emits nothing.
    #[event_version("1.0.0")]
    StakingResumed { by: &'a str },
}

/// The core pool's deposit line.
pub fn log_deposit(account_id: &AccountId, amount: u128, unstaked: u128) {
    env::log_str(&format!(
        "@{account_id} deposited {amount}. New unstaked balance is {unstaked}"
    ));
}

/// The core pool's withdrawal line.
pub fn log_withdraw(account_id: &AccountId, amount: u128, unstaked: u128) {
    env::log_str(&format!(
        "@{account_id} withdrawing {amount}. New unstaked balance is {unstaked}"
    ));
}

/// What the core pool's stake and unstake lines report.
pub struct ShareLine<'a> {
    pub account_id: &'a AccountId,
    pub amount: u128,
    pub shares: u128,
    /// The account's unstaked balance after the change.
    pub unstaked: u128,
    /// The account's router-held shares after the change (0 for liquid
    /// accounts, whose shares are their sNEAR).
    pub account_shares: u128,
    pub total_staked: u128,
    pub total_shares: u128,
}

/// The core pool's two stake lines.
pub fn log_stake(l: &ShareLine) {
    env::log_str(&format!(
        "@{} staking {}. Received {} new staking shares. Total {} unstaked balance and {} staking shares",
        l.account_id, l.amount, l.shares, l.unstaked, l.account_shares
    ));
    log_totals(l);
}

/// The core pool's two unstake lines.
pub fn log_unstake(l: &ShareLine) {
    env::log_str(&format!(
        "@{} unstaking {}. Spent {} staking shares. Total {} unstaked balance and {} staking shares",
        l.account_id, l.amount, l.shares, l.unstaked, l.account_shares
    ));
    log_totals(l);
}

fn log_totals(l: &ShareLine) {
    env::log_str(&format!(
        "Contract total staked balance is {}. Total number of shares {}",
        l.total_staked, l.total_shares
    ));
}
