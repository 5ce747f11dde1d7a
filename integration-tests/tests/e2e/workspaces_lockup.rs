//! A lockup's path through the router: a lockup-like contract
//! (`res/test_lockup.wasm`, which forwards calls with exactly the 40/60
//! Tgas old lockups attach) under a lockup account id
//! (`<40 hex>.lockup.<root>`) deposits, then stakes; the router keeps its
//! shares (no sNEAR), the owner claims the lockup's META, and an
//! exact-amount unstake and a withdrawal of exactly the unstaked balance
//! after the unlock leave a total balance of 0.

use integration_tests::sandbox;
use integration_tests::workspaces::{
    ensure_error, ensure_success, lockup_account_id, router_gas, Suite, GOVERNANCE_MINT_DEPOSIT,
};
use meta_pool::errors::ERR_NOT_LOCKUP_OWNER;
use meta_pool::gas::GAS_LOCKUP_CLAIM;
use near_workspaces::operations::Function;
use near_workspaces::types::{Gas, NearToken};
use near_workspaces::{Account, AccountId};
use serde_json::{json, Value};

/// Gas for an owner's call to the lockup: the 40/60 Tgas it forwards to the
/// router, its callbacks and its own work.
const LOCKUP_OWNER_GAS: Gas = Gas::from_tgas(150);

/// The owner asks the lockup to make one staking call; the lockup resolves
/// to whether the router accepted it.
async fn through_lockup(
    owner: &Account,
    lockup: &AccountId,
    method: &str,
    args: Value,
) -> anyhow::Result<bool> {
    let out = owner
        .call(lockup, method)
        .args_json(args)
        .gas(LOCKUP_OWNER_GAS)
        .transact()
        .await?;
    ensure_success(&out, method)?;
    Ok(out.json()?)
}

#[tokio::test]
async fn a_lockup_deposits_stakes_claims_meta_and_exits_exactly() -> anyhow::Result<()> {
    let suite = Suite::deploy(sandbox!().await?).await?;
    let router = suite.router.id();
    let owner = suite.user("owner", 5).await?;
    // The lockup factory's account, then the owner's lockup under it, at
    // the id the router derives from the owner.
    let factory = suite.user("lockup", 100).await?;
    assert_eq!(
        format!("lockup.{}", suite.root.id()),
        suite.ids.lockup_suffix
    );
    let id = lockup_account_id(owner.id().as_str(), &suite.ids.lockup_suffix);
    assert_eq!(
        suite
            .view(
                router,
                "get_lockup_account_id",
                json!({ "owner_id": owner.id() })
            )
            .await?,
        json!(id)
    );
    let prefix = id.split('.').next().unwrap().to_string();
    let lockup = factory
        .create_subaccount(&prefix)
        .initial_balance(NearToken::from_near(60))
        .transact()
        .await?
        .into_result()?;
    assert_eq!(lockup.id().as_str(), id);
    let out = lockup
        .batch(lockup.id())
        .deploy(&integration_tests::workspaces::wasm("test_lockup")?)
        .call(
            Function::new("new")
                .args_json(json!({
                    "owner_account_id": owner.id(),
                    "staking_pool_account_id": router,
                }))
                .gas(Gas::from_tgas(10)),
        )
        .transact()
        .await?;
    ensure_success(&out, "the lockup's deploy and new")?;
    let lockup = lockup.id().clone();
    let who = json!({ "account_id": lockup });
    let amount = NearToken::from_near(25).as_yoctonear();

    // Old lockups have no deposit_and_stake: deposit, then stake.
    assert!(
        through_lockup(
            &owner,
            &lockup,
            "deposit_to_staking_pool",
            json!({ "amount": amount.to_string() })
        )
        .await?
    );
    assert_eq!(
        suite
            .router_u128("get_account_unstaked_balance", &lockup)
            .await?,
        amount
    );
    assert!(
        through_lockup(
            &owner,
            &lockup,
            "stake",
            json!({ "amount": amount.to_string() })
        )
        .await?
    );
    let staked = suite
        .router_u128("get_account_staked_balance", &lockup)
        .await?;
    let unstaked = suite
        .router_u128("get_account_unstaked_balance", &lockup)
        .await?;
    let total = suite
        .router_u128("get_account_total_balance", &lockup)
        .await?;
    // Never over-reported; any rounding dust stays unstaked.
    assert!(staked <= amount && staked + 10 >= amount, "{staked}");
    assert_eq!(staked + unstaked, total);
    assert!(total <= amount);
    // No sNEAR for a lockup: the router keeps its shares.
    assert_eq!(suite.snear_balance(&lockup).await?, 0);
    let details = suite
        .view(router, "get_account_details", who.clone())
        .await?;
    assert_eq!(details["is_lockup"], true);

    // The keeper delegates; the shares earn META over an epoch, which the
    // owner (and nobody else) claims for the lockup.
    suite.advance_epochs_with_keeper(2).await?;
    // `ping` advances the router's META index to now.
    ensure_success(
        &suite
            .root
            .call(router, "ping")
            .gas(Gas::from_tgas(30))
            .transact()
            .await?,
        "ping",
    )?;
    let accrued = suite
        .view_u128(
            router,
            "get_lockup_governance_tokens",
            json!({ "lockup_account_id": lockup }),
        )
        .await?;
    assert!(accrued > 0, "a lockup's shares earn META");
    let claim = |by: &Account| {
        by.call(router, "claim_lockup_governance_tokens")
            .args_json(json!({ "lockup_account_id": lockup }))
            .deposit(GOVERNANCE_MINT_DEPOSIT)
            .gas(router_gas(GAS_LOCKUP_CLAIM))
            .transact()
    };
    let stranger = suite.user("stranger", 1).await?;
    ensure_error(
        claim(&stranger).await?,
        ERR_NOT_LOCKUP_OWNER,
        "a stranger's claim",
    )?;
    let out = claim(&owner).await?;
    ensure_success(&out, "the owner's claim")?;
    let minted: u128 = out.json::<String>()?.parse()?;
    assert!(minted >= accrued, "{minted} < {accrued}");
    assert_eq!(suite.meta_balance(owner.id()).await?, minted);

    // Unstaking exactly the staked balance works and credits exactly it.
    // Early in an epoch, so the keeper's round of that epoch follows it.
    suite.advance_epochs(1).await?;
    let staked = suite
        .router_u128("get_account_staked_balance", &lockup)
        .await?;
    let unstaked_before = suite
        .router_u128("get_account_unstaked_balance", &lockup)
        .await?;
    assert!(
        through_lockup(
            &owner,
            &lockup,
            "unstake",
            json!({ "amount": staked.to_string() })
        )
        .await?
    );
    assert_eq!(
        suite
            .router_u128("get_account_staked_balance", &lockup)
            .await?,
        0
    );
    let due = suite
        .router_u128("get_account_unstaked_balance", &lockup)
        .await?;
    assert_eq!(due, unstaked_before + staked);

    // Wait for the quoted epoch with the keeper running, then the lockup
    // withdraws exactly its unstaked balance (read from the router's view).
    let quoted = suite
        .view(router, "get_account_unstaked_available_epoch", who.clone())
        .await?
        .as_u64()
        .expect("an epoch");
    suite.keeper_round().await?;
    while suite.epoch().await?.0 < quoted {
        suite.advance_epochs_with_keeper(1).await?;
    }
    let available = suite
        .view(router, "is_account_unstaked_balance_available", who.clone())
        .await?;
    assert_eq!(available, json!(true));
    let before = suite.worker.view_account(&lockup).await?.balance;
    assert!(through_lockup(&owner, &lockup, "withdraw_all_from_staking_pool", json!({})).await?);
    let after = suite.worker.view_account(&lockup).await?.balance;
    // Exactly `due` came back, plus the lockup's share of the gas its own
    // receipts burnt (contract reward), far below a thousandth of a NEAR.
    let reward_bound = NearToken::from_millinear(1).as_yoctonear();
    assert!(
        after.as_yoctonear() >= before.as_yoctonear() + due
            && after.as_yoctonear() < before.as_yoctonear() + due + reward_bound,
        "{before} + {due} vs {after}"
    );
    assert_eq!(
        suite
            .router_u128("get_account_total_balance", &lockup)
            .await?,
        0
    );
    Ok(())
}
