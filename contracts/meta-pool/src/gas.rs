//! Gas the router attaches to its own callbacks, and what a caller must
//! attach for a method that makes a cross-contract call.
//!
//! Budgets for the callees (validator pools, sNEAR, governance, whitelist)
//! live in `meta_common::ext`, next to the interfaces they belong to. A
//! callback's static gas is spent even when the callee fails, so each budget
//! below covers the callback's worst case: it must never run out, because a
//! callback that fails leaves its lock set and its bookkeeping undone.

use near_sdk::Gas;

use meta_common::ext::{
    GAS_FOR_GOVERNANCE_MINT, GAS_FOR_POOL_STAKE_CALL, GAS_FOR_POOL_VIEW, GAS_FOR_SNEAR_MINT_BURN,
    GAS_FOR_SNEAR_POOL_STATE, GAS_FOR_WHITELIST_CHECK,
};

/// Margin for the calling method's own work after its checks: reading and
/// writing the router's state, one account, logs and events, and creating
/// the promises (about 5 Tgas measured as fees for two promises).
pub const GAS_FOR_OWN_WORK: Gas = Gas::from_tgas(15);

/// `on_mint`: one account read and write (only on rollback), totals, the
/// core pool's two log lines and an event. Far below its budget; the margin
/// covers the account map growing.
pub const GAS_ON_MINT: Gas = Gas::from_tgas(10);
/// `on_burn`: as `on_mint`, always writing the account.
pub const GAS_ON_BURN: Gas = Gas::from_tgas(10);
/// A mint or burn on sNEAR: the pool-state push batched before it (see
/// `snear_calls`) and the mint or burn itself.
pub const GAS_FOR_SNEAR_BATCH: Gas =
    Gas::from_tgas(GAS_FOR_SNEAR_POOL_STATE.as_tgas() + GAS_FOR_SNEAR_MINT_BURN.as_tgas());

/// `on_whitelist_checked`: reads and rewrites the validator list (at most
/// `MAX_VALIDATORS` records, ~20 KB) and emits an event.
pub const GAS_ON_WHITELIST: Gas = Gas::from_tgas(15);

/// `on_lockup_claim`: one account read and write, an event, and on failure a
/// refund transfer of the claimer's deposit.
pub const GAS_ON_LOCKUP_CLAIM: Gas = Gas::from_tgas(10);

/// Callbacks of validator stake, unstake and withdraw calls: one read and one
/// write of the validator list (~20 KB at the maximum size, ~2 Tgas with
/// deserialisation), totals, events. 20 Tgas leaves a wide margin.
pub const GAS_ON_VALIDATOR_CALL: Gas = Gas::from_tgas(20);
/// What a callback keeps for planning whether more work is pending
/// (targets over up to `MAX_VALIDATORS`, no host calls); short of it the
/// callback answers `true` without planning.
pub const GAS_FOR_PLANNING: Gas = Gas::from_tgas(8);

/// `on_fee_mint`: totals and an event.
pub const GAS_ON_FEE_MINT: Gas = Gas::from_tgas(5);
/// `on_pool_state_pushed`: one field and an event.
pub const GAS_ON_POOL_STATE_PUSH: Gas = Gas::from_tgas(5);
/// `on_sync`: the validator-call budget for its own bookkeeping, plus the
/// treasury fee mint (batched after a push) and its callback, plus the
/// pool-state push and its callback, which it starts.
pub const GAS_ON_SYNC: Gas = Gas::from_tgas(
    GAS_ON_VALIDATOR_CALL.as_tgas()
        + GAS_FOR_SNEAR_BATCH.as_tgas()
        + GAS_ON_FEE_MINT.as_tgas()
        + GAS_FOR_SNEAR_POOL_STATE.as_tgas()
        + GAS_ON_POOL_STATE_PUSH.as_tgas(),
);

/// `on_ping`: notes whether the pool's `ping` succeeded and starts the
/// `get_account` read with `on_sync` after it, passing both their budgets on.
pub const GAS_ON_PING: Gas =
    Gas::from_tgas(GAS_FOR_POOL_VIEW.as_tgas() + GAS_ON_SYNC.as_tgas() + GAS_ON_PING_OWN.as_tgas());
/// `on_ping`'s own work: a result check and two promises.
pub const GAS_ON_PING_OWN: Gas = Gas::from_tgas(5);

/// Prepaid gas a liquid `stake`/`deposit_and_stake` needs: the mint (with
/// its pool-state push), its callback and the router's own work. 45 Tgas.
pub const GAS_LIQUID_STAKE: Gas = Gas::from_tgas(
    GAS_FOR_SNEAR_BATCH.as_tgas() + GAS_ON_MINT.as_tgas() + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas a liquid `unstake` needs: the burn (with its pool-state
/// push), its callback and the router's own work. 45 Tgas.
pub const GAS_LIQUID_UNSTAKE: Gas = Gas::from_tgas(
    GAS_FOR_SNEAR_BATCH.as_tgas() + GAS_ON_BURN.as_tgas() + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas a liquid `unstake_all` needs: as `unstake`, since sNEAR's
/// `burn_all` reads and burns the balance in the one call. 45 Tgas.
pub const GAS_LIQUID_UNSTAKE_ALL: Gas = GAS_LIQUID_UNSTAKE;
/// Prepaid gas `claim_lockup_governance_tokens` needs. 40 Tgas.
pub const GAS_LOCKUP_CLAIM: Gas = Gas::from_tgas(
    GAS_FOR_GOVERNANCE_MINT.as_tgas() + GAS_ON_LOCKUP_CLAIM.as_tgas() + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas `apply_governance_action` needs for `AddValidator`. 35 Tgas,
/// inside the 40 Tgas governance attaches (`GAS_FOR_ROUTER_ACTION`).
pub const GAS_ADD_VALIDATOR: Gas = Gas::from_tgas(
    GAS_FOR_WHITELIST_CHECK.as_tgas() + GAS_ON_WHITELIST.as_tgas() + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas `epoch_sync` needs: the pool's `ping` (a mutating call with
/// its restake, the stake-call budget), `on_ping` (which carries
/// `get_account` and `on_sync`) and the router's own work. 130 Tgas.
pub const GAS_EPOCH_SYNC: Gas = Gas::from_tgas(
    GAS_FOR_POOL_STAKE_CALL.as_tgas() + GAS_ON_PING.as_tgas() + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas `epoch_stake`, `epoch_unstake`, `epoch_withdraw` and
/// `epoch_rebalance` need. 85 Tgas; keepers attach 100 Tgas or more.
pub const GAS_EPOCH_VALIDATOR_CALL: Gas = Gas::from_tgas(
    GAS_FOR_POOL_STAKE_CALL.as_tgas()
        + GAS_ON_VALIDATOR_CALL.as_tgas()
        + GAS_FOR_OWN_WORK.as_tgas(),
);
/// Prepaid gas for the pool-state push `epoch_sync` makes when no validator
/// is left to sync.
pub const GAS_EPOCH_PUSH: Gas = Gas::from_tgas(
    GAS_FOR_SNEAR_POOL_STATE.as_tgas()
        + GAS_ON_POOL_STATE_PUSH.as_tgas()
        + GAS_FOR_OWN_WORK.as_tgas(),
);

#[cfg(test)]
mod tests {
    use super::*;
    use meta_common::ext::GAS_FOR_ROUTER_ACTION;

    #[test]
    fn add_validator_fits_what_governance_attaches() {
        assert!(GAS_ADD_VALIDATOR.as_gas() <= GAS_FOR_ROUTER_ACTION.as_gas());
    }

    #[test]
    fn every_entry_point_fits_one_transaction() {
        let max = meta_common::ext::MAX_TRANSACTION_GAS.as_gas();
        for g in [
            GAS_LIQUID_STAKE,
            GAS_LIQUID_UNSTAKE,
            GAS_LIQUID_UNSTAKE_ALL,
            GAS_LOCKUP_CLAIM,
            GAS_EPOCH_SYNC,
            GAS_EPOCH_VALIDATOR_CALL,
            GAS_EPOCH_PUSH,
        ] {
            assert!(g.as_gas() < max / 2, "{g:?}");
        }
    }
}
