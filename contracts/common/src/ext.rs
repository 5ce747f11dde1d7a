//! Cross-contract interfaces between the contracts of the system, with the
//! gas each callee promises to stay within and the deposits it expects.
//!
//! A caller attaches the budget named next to the method; the callee's tests
//! show the method fits in it. Keeping both sides on one constant is what
//! stops a callee from growing past what its callers attach.

use near_sdk::json_types::U128;
use near_sdk::{ext_contract, near, AccountId, Gas, NearToken};

use crate::actions::RouterAction;
use crate::pool_state::PoolState;

/// `get_account` of the core staking pool: exactly these four fields.
#[near(serializers = [json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HumanReadableAccount {
    pub account_id: AccountId,
    /// The unstaked balance that can be withdrawn or staked.
    pub unstaked_balance: U128,
    /// The amount balance staked at the current "stake" share price.
    pub staked_balance: U128,
    /// Whether the unstaked balance is available for withdrawal now.
    pub can_withdraw: bool,
}

/// `get_reward_fee_fraction` of the core staking pool: plain JSON numbers.
#[near(serializers = [json, borsh])]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardFeeFraction {
    pub numerator: u32,
    pub denominator: u32,
}

/// The core staking-pool interface (near/core-contracts `staking-pool`), as
/// the router calls validators and as wallets and lockups call the router.
#[ext_contract(ext_staking_pool)]
pub trait StakingPool {
    fn deposit(&mut self);
    fn deposit_and_stake(&mut self);
    fn stake(&mut self, amount: U128);
    fn stake_all(&mut self);
    fn unstake(&mut self, amount: U128);
    fn unstake_all(&mut self);
    fn withdraw(&mut self, amount: U128);
    fn withdraw_all(&mut self);
    fn ping(&mut self);
    fn get_account(&self, account_id: AccountId) -> HumanReadableAccount;
    fn get_account_staked_balance(&self, account_id: AccountId) -> U128;
    fn get_account_unstaked_balance(&self, account_id: AccountId) -> U128;
    fn get_account_total_balance(&self, account_id: AccountId) -> U128;
    fn is_account_unstaked_balance_available(&self, account_id: AccountId) -> bool;
}

/// Gas for a staking pool's `deposit_and_stake`, `unstake`, `withdraw` and
/// their `_all` forms: the core pool's own work (~10 Tgas) plus its restake
/// promise and `on_stake_action` callback (20 Tgas reserved by the core pool).
pub const GAS_FOR_POOL_STAKE_CALL: Gas = Gas::from_tgas(50);
/// Gas for a staking pool's balance views called as functions.
pub const GAS_FOR_POOL_VIEW: Gas = Gas::from_tgas(10);

/// The staking-pool whitelist (near/core-contracts `whitelist`).
#[ext_contract(ext_whitelist)]
pub trait Whitelist {
    fn is_whitelisted(&self, staking_pool_account_id: AccountId) -> bool;
}

/// Gas for `is_whitelisted`: one storage read.
pub const GAS_FOR_WHITELIST_CHECK: Gas = Gas::from_tgas(5);

/// What the router may call on sNEAR. Every method panics for any other
/// predecessor.
#[ext_contract(ext_snear)]
pub trait SNearRouterApi {
    /// Mints `amount` shares to `account_id` and returns the shares minted.
    /// Payable: when the account is not registered, the attached deposit
    /// ([`SNEAR_REGISTRATION_DEPOSIT`]) pays for its storage; whatever is not
    /// used is refunded to the router. With positive `registration_shares`,
    /// a new holder pays that deposit back in shares: that many are not
    /// minted (0: the router pays).
    fn mint(&mut self, account_id: AccountId, amount: U128, registration_shares: U128) -> U128;
    /// Burns `amount` of `account_id`'s sNEAR; panics, changing nothing, when
    /// the balance is short.
    fn burn(&mut self, account_id: AccountId, amount: U128);
    /// Burns `account_id`'s whole balance when it is at least `min_amount`
    /// and returns the amount burnt (0: nothing burnt, also for an unknown
    /// account).
    fn burn_all(&mut self, account_id: AccountId, min_amount: U128) -> U128;
    /// Mirrors the router's totals and reward index. The index never moves
    /// back; a push with a lower index or an older epoch is rejected.
    fn update_pool_state(&mut self, state: PoolState);
}

/// Gas for `mint` and `burn`: accrual settlement, a balance write, an event,
/// possibly a refund transfer, and the notice of the new balance to the
/// router (`mirror`, which attaches `GAS_FOR_MIRROR_UPDATE`).
pub const GAS_FOR_SNEAR_MINT_BURN: Gas = Gas::from_tgas(15);
/// Gas for `update_pool_state`: one state write.
pub const GAS_FOR_SNEAR_POOL_STATE: Gas = Gas::from_tgas(5);
/// What the router attaches to `mint`: sNEAR's NEP-145 minimum, the storage of
/// one holder (154 bytes at 10^19 yoctoNEAR a byte: a 64-character account id
/// key plus balance and governance-token accrual, measured by sNEAR's tests)
/// and of the router's copy of its balance
/// ([`crate::mirror::MIRROR_RECORD_BYTES`], 129 bytes).
pub const SNEAR_REGISTRATION_DEPOSIT: NearToken = NearToken::from_micronear(1_540 + 1_290);

/// What the router and sNEAR may call on the governance contract: minting
/// claimed META. Any other predecessor is rejected.
#[ext_contract(ext_governance_token)]
pub trait GovernanceMinter {
    /// Mints claimed META to `account_id`, under the total-supply cap.
    /// Payable: the attached deposit pays for registering `account_id` when
    /// it holds no META yet; the unused part is refunded to `account_id`.
    fn mint(&mut self, account_id: AccountId, amount: U128);
}

/// Gas for the governance `mint`: checkpoint writes and a refund transfer.
pub const GAS_FOR_GOVERNANCE_MINT: Gas = Gas::from_tgas(15);
/// What a minter attaches to the governance `mint` so it never fails for
/// storage: covers the governance contract's NEP-145 minimum (an account
/// record and a bounded checkpoint history of 16 for a 64-character id). It
/// registers a new holder; a registered one's history is already paid for,
/// so the whole deposit is refunded to it. The unused part is refunded to
/// the holder.
pub const GOVERNANCE_MINT_DEPOSIT: NearToken = NearToken::from_millinear(25);

/// What governance may call on the router: one typed action per call.
#[ext_contract(ext_router)]
pub trait RouterGovernanceApi {
    /// Applies the action; resolves to `true` once applied and `false` when
    /// the router refused it (e.g. a validator not on the whitelist). Panics
    /// for any predecessor other than the governance contract (or the owner
    /// during bootstrap).
    fn apply_governance_action(&mut self, action: RouterAction) -> bool;
    /// The guardian's emergency pause of new stake, relayed by governance
    /// (`pause_staking`): pauses for `actions::GUARDIAN_PAUSE_EPOCHS`.
    /// Panics for any predecessor other than the governance contract
    /// (`E_NOT_GOVERNANCE`) and while a pause is in force
    /// (`E_ALREADY_PAUSED`).
    fn guardian_pause_staking(&mut self);
}

/// The most gas one transaction can carry (and so any call tree).
pub const MAX_TRANSACTION_GAS: Gas = Gas::from_tgas(300);

/// Gas governance attaches to `apply_governance_action`: the router's work
/// plus, for an added validator, its whitelist call and callback.
pub const GAS_FOR_ROUTER_ACTION: Gas = Gas::from_tgas(40);
/// Gas governance attaches to `guardian_pause_staking`: bookkeeping only,
/// one state write and an event, no cross-contract call (measured on
/// localnet: 1.8 Tgas burnt, `integration-tests/tests/e2e/router_pause.rs`).
pub const GAS_FOR_ROUTER_PAUSE: Gas = Gas::from_tgas(10);
