//! A liquid staker's path through the router: `deposit_and_stake` mints
//! sNEAR, the keeper delegates to the validators, `unstake_all` burns the
//! sNEAR, the unlock is waited out with `fast_forward` and the keeper's
//! epoch operations, `withdraw_all` pays the NEAR back.

use integration_tests::sandbox;
use integration_tests::workspaces::{
    ensure_error, router_gas, Suite, GAS_LIQUID_STAKE, GAS_LIQUID_UNSTAKE_ALL,
};
use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use meta_pool::config::{ACCOUNT_RECORD_COST, MIN_FIRST_DEPOSIT, MIN_LIQUID_STAKE};
use meta_pool::errors::{
    ERR_FIRST_DEPOSIT_TOO_SMALL, ERR_LIQUID_STAKE_TOO_SMALL, ERR_NOT_AVAILABLE, ERR_NOT_ENOUGH_GAS,
};
use near_workspaces::types::{Gas, NearToken};
use serde_json::json;

const STAKE: NearToken = NearToken::from_near(10);
/// Gas for `withdraw(_all)`: bookkeeping and a plain transfer, within the
/// 60 Tgas lockups attach.
const WITHDRAW_GAS: Gas = Gas::from_tgas(60);

#[tokio::test]
async fn deposit_and_stake_then_unstake_and_withdraw_after_fast_forward() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let alice = suite.user("alice", 50).await?;
    let router = suite.router.id();

    // The router's terms for a liquid stake: an account's first deposit and
    // a liquid stake of at least 0.1 NEAR each (the holder pays its router
    // record and its sNEAR registration out of them) and 40 Tgas (the mint
    // and its callback). Refused calls leave nothing behind.
    let minimum = MIN_FIRST_DEPOSIT.max(MIN_LIQUID_STAKE);
    let small = alice
        .call(router, "deposit_and_stake")
        .deposit(NearToken::from_yoctonear(minimum - 1))
        .gas(router_gas(GAS_LIQUID_STAKE))
        .transact()
        .await?;
    // The deposit is checked before the stake.
    let expected = if minimum - 1 < MIN_FIRST_DEPOSIT {
        ERR_FIRST_DEPOSIT_TOO_SMALL
    } else {
        ERR_LIQUID_STAKE_TOO_SMALL
    };
    ensure_error(small, expected, "a first stake under the minimum")?;
    let short = alice
        .call(router, "deposit_and_stake")
        .deposit(STAKE)
        .gas(Gas::from_gas(
            GAS_LIQUID_STAKE.as_gas() - Gas::from_tgas(1).as_gas(),
        ))
        .transact()
        .await?;
    ensure_error(short, ERR_NOT_ENOUGH_GAS, "a stake short of gas")?;
    assert_eq!(suite.snear_balance(alice.id()).await?, 0);
    assert_eq!(
        suite
            .router_u128("get_account_total_balance", alice.id())
            .await?,
        0
    );

    // The stake mints sNEAR; at the seeded price of 1 it is worth the stake
    // less the new holder's sNEAR registration, which it pays with shares
    // (rounded down: never more).
    let minted = suite.stake(&alice, STAKE).await?;
    assert_eq!(suite.snear_balance(alice.id()).await?, minted);
    let value = suite
        .view_u128(
            suite.snear.id(),
            "get_account_near_value",
            json!({ "account_id": alice.id() }),
        )
        .await?;
    let worth = STAKE.as_yoctonear() - SNEAR_REGISTRATION_DEPOSIT.as_yoctonear();
    assert!(value <= worth && value + 1 >= worth, "{value} for {worth}");
    // A liquid holder's stake is its sNEAR, and the router's core views
    // (what a wallet reads) show its value (issue 16).
    let total = suite
        .router_u128("get_account_total_balance", alice.id())
        .await?;
    assert!(total <= worth && total + 1 >= worth, "{total} for {worth}");
    assert_eq!(
        suite
            .view_u128(router, "get_total_staked_balance", json!({}))
            .await?,
        deploy::suite::ROUTER_SEED.as_yoctonear() + worth
    );

    // The keeper's next round delegates the new stake to the validators,
    // under the caps.
    suite.advance_epochs_with_keeper(1).await?;
    let mut delegated = 0;
    for pool in &suite.pools {
        delegated += suite
            .view_u128(
                pool.id(),
                "get_account_staked_balance",
                json!({ "account_id": router }),
            )
            .await?;
    }
    let unplaced = suite
        .view_u128(router, "get_unplaced_stake", json!({}))
        .await?;
    assert!(delegated > 0, "the keeper delegated nothing");
    assert!(
        delegated + unplaced <= deploy::suite::ROUTER_SEED.as_yoctonear() + STAKE.as_yoctonear()
    );

    // unstake_all burns the sNEAR and credits its value, available at the
    // epoch the router quotes (E+5 at most). Early in an epoch, so the
    // keeper's round of E follows it in E (the fast test epochs are short).
    suite.advance_epochs(1).await?;
    let out = alice
        .call(router, "unstake_all")
        .gas(router_gas(GAS_LIQUID_UNSTAKE_ALL))
        .transact()
        .await?;
    assert!(out.is_success(), "{:?}", out.failures());
    let credited: u128 = out.json::<String>()?.parse()?;
    let (epoch, _) = suite.epoch().await?;
    // Alice had no unstaked balance: the unstake paid the record it made.
    assert!(
        credited + ACCOUNT_RECORD_COST >= value,
        "the price fell: {credited} < {value}"
    );
    assert_eq!(suite.snear_balance(alice.id()).await?, 0);
    assert_eq!(
        suite
            .router_u128("get_account_unstaked_balance", alice.id())
            .await?,
        credited
    );
    let quoted: u64 = suite
        .view(
            router,
            "get_account_unstaked_available_epoch",
            json!({ "account_id": alice.id() }),
        )
        .await?
        .as_u64()
        .expect("an epoch");
    assert!(
        quoted > epoch && quoted <= epoch + 5,
        "quoted {quoted} at {epoch}"
    );
    let early = alice
        .call(router, "withdraw")
        .args_json(json!({ "amount": credited.to_string() }))
        .gas(WITHDRAW_GAS)
        .transact()
        .await?;
    ensure_error(early, ERR_NOT_AVAILABLE, "a withdrawal before the unlock")?;

    // The keeper's round of this epoch unstakes from a validator (or nets
    // against new stake); each epoch's round then moves what came due to
    // the reserve. Until the quoted epoch the view says "not yet".
    suite.keeper_round().await?;
    loop {
        let (now, _) = suite.epoch().await?;
        let available: bool = suite
            .view(
                router,
                "is_account_unstaked_balance_available",
                json!({ "account_id": alice.id() }),
            )
            .await?
            .as_bool()
            .expect("a bool");
        if now >= quoted {
            assert!(available, "not available at the quoted epoch {quoted}");
            break;
        }
        assert!(!available, "available at {now}, before the quote {quoted}");
        suite.advance_epochs_with_keeper(1).await?;
    }

    let before = alice.view_account().await?.balance;
    let out = alice
        .call(router, "withdraw_all")
        .gas(WITHDRAW_GAS)
        .transact()
        .await?;
    assert!(out.is_success(), "{:?}", out.failures());
    let after = alice.view_account().await?.balance;
    // The call's gas costs well under a thousandth of a NEAR.
    let fee_bound = NearToken::from_millinear(1).as_yoctonear();
    assert!(
        after.as_yoctonear() + fee_bound > before.as_yoctonear() + credited
            && after.as_yoctonear() <= before.as_yoctonear() + credited,
        "{before} + {credited} vs {after}"
    );
    assert_eq!(
        suite
            .router_u128("get_account_total_balance", alice.id())
            .await?,
        0
    );
    Ok(())
}
