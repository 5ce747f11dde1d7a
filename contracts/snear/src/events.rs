//! sNEAR's own NEP-297 events. Balance and supply changes use the NEP-141
//! events of near-contract-standards (`ft_mint`, `ft_burn`, `ft_transfer`)
//! so indexers read them as for any token.

use near_sdk::json_types::U128;
use near_sdk::{near, AccountId};

/// Events of standard `snear`.
#[near(event_json(standard = "snear"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SNearEvent {
    /// The router pushed new totals and a new reward index.
    #[event_version("1.0.0")]
    PoolStateUpdated {
        total_staked: U128,
        total_shares: U128,
        reward_index: U128,
        epoch_height: u64,
        /// yoctoNEAR per sNEAR at the new totals, rounded down.
        price: U128,
    },
    /// The governance contract minted a holder's claimed META.
    #[event_version("1.0.0")]
    GovernanceTokensClaimed { account_id: AccountId, amount: U128 },
    /// The governance mint failed; the amount is claimable again and the
    /// deposit went back to the holder.
    #[event_version("1.0.0")]
    GovernanceClaimFailed {
        account_id: AccountId,
        amount: U128,
        refunded_deposit: U128,
    },
    /// A call short of gas did not tell the router these holders' new
    /// balances (`mirror`): the router's staking-pool views show their old
    /// stake until their next change.
    #[event_version("1.0.0")]
    MirrorSkipped { accounts: Vec<AccountId> },
    /// New code was deployed by a governance upgrade and its `migrate`
    /// turned the stored state of `from_version` into `to_version`.
    #[event_version("1.0.0")]
    StateMigrated { from_version: u8, to_version: u8 },
}
