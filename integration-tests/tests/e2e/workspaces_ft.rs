//! sNEAR's `ft_transfer_call` into a receiver contract
//! (`res/test_ft_receiver.wasm`): kept, partly refunded and panicking
//! receivers, and what each leaves in the balances. The sNEAR comes from a
//! stake through the router.

use integration_tests::sandbox;
use integration_tests::workspaces::{wasm, Suite};
use near_workspaces::types::{Gas, NearToken};
use near_workspaces::Contract;
use serde_json::json;

async fn receiver(suite: &Suite) -> anyhow::Result<Contract> {
    let account = suite.user("receiver", 10).await?;
    let contract = account
        .deploy(&wasm("test_ft_receiver")?)
        .await?
        .into_result()?;
    // NEP-145: the receiver needs an sNEAR storage deposit first.
    let bounds = suite
        .worker
        .view(suite.snear.id(), "storage_balance_bounds")
        .await?
        .json::<serde_json::Value>()?;
    let min: u128 = bounds["min"].as_str().unwrap().parse()?;
    let out = contract
        .as_account()
        .call(suite.snear.id(), "storage_deposit")
        .args_json(json!({}))
        .deposit(NearToken::from_yoctonear(min))
        .transact()
        .await?;
    assert!(out.is_success(), "{:?}", out.failures());
    Ok(contract)
}

#[tokio::test]
async fn ft_transfer_call_into_a_receiver_keeps_refunds_and_survives_a_panic() -> anyhow::Result<()>
{
    let suite = Suite::deploy(sandbox!().await?).await?;
    let alice = suite.user("alice", 20).await?;
    let receiver = receiver(&suite).await?;
    let minted = suite.stake(&alice, NearToken::from_near(10)).await?;
    assert!(minted > 130_000, "{minted}");
    let balance = |id: near_workspaces::AccountId| {
        let suite = &suite;
        async move {
            suite
                .view_u128(
                    suite.snear.id(),
                    "ft_balance_of",
                    json!({ "account_id": id }),
                )
                .await
        }
    };
    let send = |amount: u128, msg: &'static str| {
        alice
            .call(suite.snear.id(), "ft_transfer_call")
            .args_json(
                json!({ "receiver_id": receiver.id(), "amount": amount.to_string(), "msg": msg }),
            )
            .deposit(NearToken::from_yoctonear(1))
            .gas(Gas::from_tgas(100))
            .transact()
    };

    // The receiver keeps everything: the call returns the amount used.
    let out = send(100_000, "keep").await?;
    assert!(out.is_success(), "{:?}", out.failures());
    assert!(
        out.logs().iter().any(|l| l.contains("received 100000")),
        "{:?}",
        out.logs()
    );
    assert_eq!(out.json::<String>()?, "100000");
    assert_eq!(balance(receiver.id().clone()).await?, 100_000);

    // Refunds part: only the rest moves.
    let out = send(50_000, "refund:20000").await?;
    assert_eq!(out.json::<String>()?, "30000");
    assert_eq!(balance(receiver.id().clone()).await?, 130_000);

    // A panicking receiver: everything comes back, the call still succeeds.
    let out = send(40_000, "panic").await?;
    assert!(out.is_success());
    assert!(
        !out.receipt_failures().is_empty(),
        "the receiver's failure is in the receipts"
    );
    assert_eq!(out.json::<String>()?, "0");
    assert_eq!(balance(alice.id().clone()).await?, minted - 130_000);
    assert_eq!(
        suite
            .view_u128(suite.snear.id(), "ft_total_supply", json!({}))
            .await?,
        minted
    );

    // Without the one-yocto deposit a transfer is refused.
    let out = alice
        .call(suite.snear.id(), "ft_transfer_call")
        .args_json(json!({ "receiver_id": receiver.id(), "amount": "1", "msg": "" }))
        .gas(Gas::from_tgas(100))
        .transact()
        .await?;
    assert!(out.is_failure());
    Ok(())
}
