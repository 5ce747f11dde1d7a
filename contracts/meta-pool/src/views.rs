//! Views: anyone, free off chain, no deposit, no events. None panics,
//! whatever the account or index; balances round down and never
//! over-report.
//!
//! The core pool's views report what the router holds for an account:
//! lockup shares, deposited NEAR and unstaked NEAR. A liquid holder's stake
//! is its sNEAR, valued by sNEAR's views (or `get_pool_state`).

use meta_common::actions::BPS_DENOMINATOR;
use meta_common::ext::{HumanReadableAccount, RewardFeeFraction};
use meta_common::pool_state::{accrued_reward, PoolState, ONE_SHARE_TOKEN};
use near_sdk::json_types::U128;
use near_sdk::{env, near, AccountId, PublicKey};

use crate::books::Books;
use crate::caps::validator_cap;
use crate::config::Params;
use crate::epoch::Planner;
use crate::lockup::lockup_account_id_for;
use crate::validators::{position, EpochOp, ValidatorState};
use crate::{MetaPool, MetaPoolExt};

/// Everything the router holds for one account.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDetails {
    pub account_id: AccountId,
    pub is_lockup: bool,
    pub unstaked_balance: U128,
    /// Value of the router-held shares (lockups), rounded down. A liquid
    /// account's stake is its sNEAR: `snear_balance`.
    pub staked_balance: U128,
    pub shares: U128,
    /// The account's sNEAR as the router last heard from sNEAR (`mirror`:
    /// one block behind), in shares.
    pub snear_balance: U128,
    /// First epoch at which the unstaked balance may be withdrawn.
    pub unstaked_available_epoch: u64,
    /// Withdrawable now: the epoch has come and the reserve holds it.
    pub can_withdraw: bool,
    /// META accrued by lockup shares and not yet claimed.
    pub governance_tokens_unclaimed: U128,
}

/// A validator record with its target and room under the caps.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorView {
    pub account_id: AccountId,
    pub weight_bps: u16,
    pub state: ValidatorState,
    pub staked: U128,
    pub unstaked: U128,
    /// Part of `unstaked` owed to the withdrawal reserve.
    pub unstaked_for_reserve: U128,
    pub last_unstake_epoch: Option<u64>,
    pub synced_epoch: Option<u64>,
    pub can_withdraw: bool,
    /// The operation in flight, if any.
    pub lock: Option<EpochOp>,
    pub failed_epoch: Option<u64>,
    pub target: U128,
    /// `max_validator_share_bps` of the router's total stake.
    pub cap: U128,
    /// What it may take now under both caps.
    pub stake_room: U128,
    /// `env::validator_stake` as read at the validator's last sync (this
    /// epoch's figure once it is synced this epoch).
    pub network_stake: U128,
    /// Epoch whose sync read the pool after its `ping` failed: no new stake
    /// goes there that epoch (its reading may miss unbooked rewards).
    pub stale_epoch: Option<u64>,
}

/// The router's totals and books.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSummary {
    pub epoch_height: u64,
    pub books: Books,
    /// yoctoNEAR one sNEAR (10^24 shares) is worth, rounded down.
    pub share_price: U128,
    pub reward_index: U128,
    pub number_of_validators: u32,
    /// Buffered stake (undelegated NEAR backing shares).
    pub unplaced_stake: U128,
    /// Part of it the caps let validators take now.
    pub placeable_stake: U128,
    /// The router's own NEAR (storage reserve), beyond storage and books.
    pub own_funds: U128,
    pub last_pushed_epoch: Option<u64>,
    /// While new stake is paused: the epoch the pause ends in (staking
    /// reopens when it begins, unless the DAO extends it); `null` when
    /// staking is open (see `is_staking_paused`).
    pub staking_paused_until_epoch: Option<u64>,
}

/// Accounts and parameters.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterConfig {
    pub owner_id: AccountId,
    pub snear_account_id: AccountId,
    pub governance_account_id: AccountId,
    pub whitelist_account_id: AccountId,
    pub treasury_account_id: AccountId,
    pub lockup_account_suffix: String,
    pub bootstrap: bool,
    pub params: Params,
    pub meta_per_epoch: U128,
}

/// What a keeper has left to do this epoch.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochStatus {
    pub epoch_height: u64,
    /// Validators not yet synced (nor failed) this epoch.
    pub validators_to_sync: u32,
    /// sNEAR has had no pool-state push this epoch.
    pub pool_state_push_pending: bool,
    pub withdraw_pending: bool,
    pub unstake_pending: bool,
    /// Claims not yet requested from validators, after netting.
    pub unstake_backlog: U128,
    /// A backlog no validator can take now (all hold NEAR owed to the
    /// reserve from an earlier epoch, or are locked, failed or unsynced).
    pub unstake_blocked: bool,
    pub stake_pending: bool,
    pub rebalance_pending: bool,
    /// Buffered stake after netting.
    pub unplaced_stake: U128,
    pub calls_in_flight: u32,
    /// Some operation can act now: call `epoch_sync`, `epoch_withdraw`,
    /// `epoch_unstake`, `epoch_stake`, `epoch_rebalance` until each returns
    /// `false`.
    pub work_pending: bool,
    /// New stake is paused: `epoch_stake` refuses (`E_STAKING_PAUSED`) and
    /// `stake_pending` is false; a keeper skips it. Every other operation
    /// runs as usual.
    pub staking_paused: bool,
}

#[near]
impl MetaPool {
    /// Value of the account's stake at the current price, rounded down: the
    /// shares the router holds for it (a lockup) plus its sNEAR, as sNEAR
    /// last told the router (one block behind sNEAR, `mirror`). So a
    /// wallet's `unstake(get_account_staked_balance)` unstakes everything.
    /// View.
    pub fn get_account_staked_balance(&self, account_id: AccountId) -> U128 {
        U128(self.staked_of(&account_id))
    }

    /// The account's unstaked balance held by the router.
    pub fn get_account_unstaked_balance(&self, account_id: AccountId) -> U128 {
        U128(self.account(&account_id).unstaked)
    }

    /// Staked plus unstaked, as above.
    pub fn get_account_total_balance(&self, account_id: AccountId) -> U128 {
        let unstaked = self.account(&account_id).unstaked;
        U128(unstaked.saturating_add(self.staked_of(&account_id)))
    }

    /// Whether `withdraw(get_account_unstaked_balance)` succeeds now: the
    /// unstake wait is over and the reserve holds the balance.
    pub fn is_account_unstaked_balance_available(&self, account_id: AccountId) -> bool {
        self.can_withdraw(&self.account(&account_id))
    }

    /// Value of all shares (staked, buffered and in transit).
    pub fn get_total_staked_balance(&self) -> U128 {
        U128(self.books.total_staked)
    }

    /// The owner set at `new` (bootstrap powers, `end_bootstrap`).
    pub fn get_owner_id(&self) -> AccountId {
        self.owner_id.clone()
    }

    /// The protocol fee as `{numerator, denominator}` of rewards.
    pub fn get_reward_fee_fraction(&self) -> RewardFeeFraction {
        RewardFeeFraction {
            numerator: self.params.protocol_fee_bps as u32,
            denominator: BPS_DENOMINATOR as u32,
        }
    }

    /// The key fixed at `new`; the router is not a validator.
    pub fn get_staking_key(&self) -> PublicKey {
        self.staking_key.clone()
    }

    /// The core pool's account view; `staked_balance` as
    /// `get_account_staked_balance`.
    pub fn get_account(&self, account_id: AccountId) -> HumanReadableAccount {
        let account = self.account(&account_id);
        HumanReadableAccount {
            staked_balance: U128(self.staked_value(&account_id, account.shares)),
            unstaked_balance: U128(account.unstaked),
            can_withdraw: self.can_withdraw(&account),
            account_id,
        }
    }

    /// Accounts with a router-held balance.
    pub fn get_number_of_accounts(&self) -> u64 {
        self.accounts.len() as u64
    }

    /// A page of `get_account` views of the accounts with a router record,
    /// in storage order (a holder that only ever received sNEAR has none:
    /// `get_account` still answers for it).
    pub fn get_accounts(&self, from_index: u64, limit: u64) -> Vec<HumanReadableAccount> {
        let from = usize::try_from(from_index).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        self.accounts
            .iter()
            .skip(from)
            .take(limit)
            .map(|(id, a)| HumanReadableAccount {
                account_id: id.clone(),
                unstaked_balance: U128(a.unstaked),
                staked_balance: U128(self.staked_value(id, a.shares)),
                can_withdraw: self.can_withdraw(a),
            })
            .collect()
    }

    /// Everything the router holds for the account.
    pub fn get_account_details(&self, account_id: AccountId) -> AccountDetails {
        let a = self.account(&account_id);
        let unclaimed = a.meta_unclaimed.saturating_add(accrued_reward(
            a.shares,
            a.reward_index,
            self.current_reward_index(),
        ));
        AccountDetails {
            is_lockup: self.is_lockup(&account_id),
            unstaked_balance: U128(a.unstaked),
            staked_balance: U128(self.books.value_of(a.shares)),
            shares: U128(a.shares),
            snear_balance: U128(crate::mirror::snear_balance(&account_id)),
            unstaked_available_epoch: a.available_epoch,
            can_withdraw: self.can_withdraw(&a),
            governance_tokens_unclaimed: U128(unclaimed),
            account_id,
        }
    }

    /// The epoch from which the account's unstaked balance may be withdrawn
    /// (at most `UNSTAKE_WAIT_EPOCHS` after its last unstake). 0 for an
    /// account that never unstaked.
    pub fn get_account_unstaked_available_epoch(&self, account_id: AccountId) -> u64 {
        self.account(&account_id).available_epoch
    }

    /// META a lockup's owner can claim now for it.
    pub fn get_lockup_governance_tokens(&self, lockup_account_id: AccountId) -> U128 {
        self.get_account_details(lockup_account_id)
            .governance_tokens_unclaimed
    }

    /// The lockup account id the core lockup factory derives for `owner_id`
    /// (what `claim_lockup_governance_tokens` checks).
    pub fn get_lockup_account_id(&self, owner_id: AccountId) -> String {
        lockup_account_id_for(&owner_id, &self.lockup_account_suffix)
    }

    /// The pool state as the router would push it now.
    pub fn get_pool_state(&self) -> PoolState {
        PoolState {
            reward_index: U128(self.current_reward_index()),
            ..self.pool_state()
        }
    }

    /// The books, the price, the index and the router's own funds.
    pub fn get_pool_summary(&self) -> PoolSummary {
        let placeable = self.plan(|p| p.placeable());
        PoolSummary {
            epoch_height: env::epoch_height(),
            books: self.books.clone(),
            share_price: U128(self.books.value_of(ONE_SHARE_TOKEN)),
            reward_index: U128(self.current_reward_index()),
            number_of_validators: self.validators.get().len() as u32,
            unplaced_stake: U128(self.books.buffered),
            placeable_stake: U128(placeable),
            own_funds: U128(self.own_funds()),
            last_pushed_epoch: self.pushed_epoch,
            staking_paused_until_epoch: self.staking_pause_end(),
        }
    }

    /// Buffered stake: NEAR backing shares that is not delegated, because it
    /// is new, came back from rebalancing or draining, or the caps leave it
    /// nowhere to go.
    pub fn get_unplaced_stake(&self) -> U128 {
        U128(self.books.buffered)
    }

    /// Accounts, bootstrap flag, parameters and emission.
    pub fn get_config(&self) -> RouterConfig {
        RouterConfig {
            owner_id: self.owner_id.clone(),
            snear_account_id: self.snear_account_id.clone(),
            governance_account_id: self.governance_account_id.clone(),
            whitelist_account_id: self.whitelist_account_id.clone(),
            treasury_account_id: self.treasury_account_id.clone(),
            lockup_account_suffix: self.lockup_account_suffix.clone(),
            bootstrap: self.bootstrap,
            params: self.params,
            meta_per_epoch: U128(self.meta_per_epoch),
        }
    }

    /// Validators in the list (any state).
    pub fn get_number_of_validators(&self) -> u64 {
        self.validators.get().len() as u64
    }

    /// A page of validators, in list order.
    pub fn get_validators(&self, from_index: u64, limit: u64) -> Vec<ValidatorView> {
        let list = self.validators.get();
        let from = usize::try_from(from_index).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let books = self.netted_books();
        let net = self.network();
        let p = Planner::new(list, &books, &self.params, &net, env::epoch_height());
        (from.min(list.len())..list.len())
            .take(limit)
            .map(|i| self.validator_view(&p, i))
            .collect()
    }

    /// One validator, or `null` when not listed.
    pub fn get_validator(&self, account_id: AccountId) -> Option<ValidatorView> {
        let list = self.validators.get();
        let books = self.netted_books();
        let net = self.network();
        let p = Planner::new(list, &books, &self.params, &net, env::epoch_height());
        position(list, &account_id).map(|i| self.validator_view(&p, i))
    }

    /// What a keeper has left to do now. While staking is paused no stake
    /// work is reported (`stake_pending` false, `staking_paused` true).
    pub fn get_epoch_status(&self) -> EpochStatus {
        let now = env::epoch_height();
        let list = self.validators.get();
        let to_sync = list
            .iter()
            .filter(|v| v.synced_epoch != Some(now) && v.failed_epoch != Some(now))
            .count() as u32;
        let budget = self.rebalance_budget_left();
        let paused = self.staking_paused();
        let (withdraw, unstake, stake, rebalance, books) = self.plan(|p| {
            (
                p.withdraw().is_some(),
                p.unstake().is_some(),
                !paused && p.stake().is_some(),
                p.rebalance(budget).is_some(),
                p.books.clone(),
            )
        });
        let push = self.push_attempt_epoch != Some(now);
        EpochStatus {
            epoch_height: now,
            validators_to_sync: to_sync,
            pool_state_push_pending: push,
            withdraw_pending: withdraw,
            unstake_pending: unstake,
            unstake_backlog: U128(books.to_unstake),
            unstake_blocked: books.to_unstake > 0 && !unstake,
            stake_pending: stake,
            rebalance_pending: rebalance,
            unplaced_stake: U128(books.buffered),
            calls_in_flight: list.iter().filter(|v| v.lock.is_some()).count() as u32,
            work_pending: to_sync > 0 || push || withdraw || unstake || stake || rebalance,
            staking_paused: paused,
        }
    }

    /// `get_epoch_status().work_pending`.
    pub fn keeper_work_pending(&self) -> bool {
        self.get_epoch_status().work_pending
    }
}

impl MetaPool {
    /// Value of the shares the router holds for the account (a lockup's)
    /// plus its sNEAR as the router last heard (`mirror`), rounded down.
    fn staked_of(&self, account_id: &AccountId) -> u128 {
        self.staked_value(account_id, self.account(account_id).shares)
    }

    fn staked_value(&self, account_id: &AccountId, shares: u128) -> u128 {
        let snear = crate::mirror::snear_balance(account_id);
        self.books.value_of(shares.saturating_add(snear))
    }

    fn can_withdraw(&self, a: &crate::account::Account) -> bool {
        a.available_epoch <= env::epoch_height() && self.books.reserve >= a.unstaked
    }

    fn validator_view(&self, p: &Planner, i: usize) -> ValidatorView {
        let v = &p.list[i];
        ValidatorView {
            account_id: v.account_id.clone(),
            weight_bps: v.weight_bps,
            state: v.state,
            staked: U128(v.staked),
            unstaked: U128(v.unstaked),
            unstaked_for_reserve: U128(v.earmarked),
            last_unstake_epoch: v.last_unstake_epoch,
            synced_epoch: v.synced_epoch,
            can_withdraw: v.can_withdraw,
            lock: v.lock,
            failed_epoch: v.failed_epoch,
            target: U128(p.targets[i]),
            cap: U128(validator_cap(self.books.total_staked, &self.params)),
            stake_room: U128(p.room(i)),
            network_stake: U128(p.net.stake_of(v)),
            stale_epoch: v.stale_epoch,
        }
    }
}
