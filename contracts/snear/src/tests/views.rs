//! Initialisation, metadata and the read-only views.

use super::*;
use crate::metadata::ICON;
use meta_common::pool_state::ONE_SHARE_TOKEN;
use meta_common::U256;
use near_contract_standards::fungible_token::metadata::FungibleTokenMetadataProvider;

#[test]
fn new_sets_roles_and_default_metadata() {
    deploy();
    assert_eq!(view(|c| c.get_router_account_id()), id(ROUTER));
    assert_eq!(view(|c| c.get_governance_account_id()), id(GOVERNANCE));
    let m = view(|c| c.ft_metadata());
    assert_eq!(
        (m.spec.as_str(), m.symbol.as_str(), m.decimals),
        ("ft-1.0.0", "sNEAR", 24)
    );
    assert_eq!(m.icon.as_deref(), Some(ICON));
    assert_eq!(supply(), 0);
    assert_eq!(view(|c| c.get_pool_state()), None);
}

#[test]
fn price_is_par_before_the_first_push_then_follows_the_router() {
    deploy();
    assert_eq!(view(|c| c.get_snear_price()).0, ONE_SHARE_TOKEN);
    let (staked, shares) = (10 * ONE + 1, 3 * ONE);
    Call::by(ROUTER).ok(|c| {
        c.update_pool_state(PoolState {
            total_staked: U128(staked),
            total_shares: U128(shares),
            reward_index: U128(0),
            epoch_height: 1,
        })
    });
    // floor(10^24 * staked / shares), computed without the library helper.
    let expected =
        (U256::from(ONE_SHARE_TOKEN) * U256::from(staked) / U256::from(shares)).as_u128();
    assert_eq!(view(|c| c.get_snear_price()).0, expected);
    assert!(expected * 3 <= 10 * ONE + 1);
}

#[test]
fn account_value_rounds_down_and_never_panics() {
    deploy();
    assert_eq!(view(|c| c.get_account_near_value(id(ALICE))).0, 0);
    mint(ALICE, 7);
    // At par before any push.
    assert_eq!(view(|c| c.get_account_near_value(id(ALICE))).0, 7);
    Call::by(ROUTER).ok(|c| {
        c.update_pool_state(PoolState {
            total_staked: U128(3),
            total_shares: U128(2),
            reward_index: U128(0),
            epoch_height: 1,
        })
    });
    // 7 shares at 3/2 are worth 10.5: reported as 10.
    assert_eq!(view(|c| c.get_account_near_value(id(ALICE))).0, 7 * 3 / 2);
    assert_eq!(view(|c| c.get_account_near_value(id(BOB))).0, 0);
}

#[test]
fn unclaimed_of_an_unknown_account_is_zero() {
    deploy();
    push_index(REWARD_INDEX_SCALE, 1);
    assert_eq!(unclaimed(BOB), 0);
}
