//! Lockups on localnet: a lockup-named account calling the router with the
//! gas old lockups attach, and the lockup-like test contract forwarding its
//! owner's calls the way a lockup does. Exact-amount unstake and withdraw,
//! a full exit to exactly 0, and the owner's META claim.

use integration_tests::invariants::withdrawal_paid_exactly;
use integration_tests::suite::{lockup_account_id, Driver, Staker, SystemConfig, ONE_NEAR};
use localnet::{ActionSummary, ExecutionOutcome, Gas, NearToken};
use meta_pool::config::UNSTAKE_WAIT_EPOCHS;
use serde_json::json;

fn driver() -> Driver {
    Driver::new(SystemConfig {
        validators: 2,
        ..SystemConfig::default()
    })
}

/// The router's own receipt of a direct call burnt at most `tgas`.
fn router_burnt(out: &ExecutionOutcome) -> Gas {
    out.receipts[0].gas_burnt
}

/// Advances with the keeper once an epoch until `s` may withdraw.
fn wait_for_quote(d: &mut Driver, s: &Staker) {
    let quote = d.sys.account_details(&s.id).unstaked_available_epoch;
    while d.sys.net.epoch_height() < quote {
        assert!(!d.sys.core_views(&s.id).available);
        d.next_epoch();
    }
    assert!(d.sys.core_views(&s.id).available, "{} at its quote", s.id);
}

#[test]
fn the_harness_derives_the_ids_the_router_derives() {
    let d = driver();
    let owner: localnet::AccountId = "someone.near".parse().unwrap();
    let router_says: String = d
        .sys
        .router_view("get_lockup_account_id", json!({"owner_id": owner}));
    assert_eq!(router_says, lockup_account_id(&owner, "lockup.near"));
}

#[test]
fn a_lockup_account_within_old_lockup_gas_exits_to_exactly_zero() {
    let mut d = driver();
    let l = d
        .sys
        .add_lockup_account("lara", NearToken::from_near(2_000));
    // `Staker` calls of a lockup-named account attach exactly 40 Tgas for
    // `deposit` and 60 for the rest.
    let dep = d.step("deposit 1000 with 40 Tgas", |s| {
        s.deposit(&l, 1_000 * ONE_NEAR)
    });
    dep.assert_success();
    let st = d.step("stake 1000 with 60 Tgas", |s| s.stake(&l, 1_000 * ONE_NEAR));
    st.assert_success();
    assert!(st.receipts.iter().any(|r| r.receiver_id == d.sys.router));
    assert!(
        st.receipts.iter().all(|r| r.receiver_id != d.sys.snear),
        "no cross-contract call on the lockup path"
    );
    for _ in 0..3 {
        d.next_epoch();
    }
    let staked = d.sys.core_views(&l.id).staked;
    assert!(staked > 1_000 * ONE_NEAR, "rewards reached the lockup");
    let un = d.step("unstake exactly the staked balance", |s| {
        s.unstake(&l, staked)
    });
    un.assert_success();
    assert_eq!(
        un.json::<String>().unwrap(),
        staked.to_string(),
        "credited exactly"
    );
    let v = d.sys.core_views(&l.id);
    assert_eq!((v.staked, v.unstaked), (0, staked));
    assert!(
        d.sys.account_details(&l.id).unstaked_available_epoch
            <= d.sys.net.epoch_height() + UNSTAKE_WAIT_EPOCHS
    );
    wait_for_quote(&mut d, &l);
    let wd = d.step("withdraw exactly the unstaked balance", |s| {
        s.withdraw(&l, staked)
    });
    wd.assert_success();
    assert_eq!(d.sys.core_views(&l.id).total, 0);
    // A lockup contract also earns a share of the gas its calls burn: the
    // router's one transfer of exactly the amount is what it is held to.
    withdrawal_paid_exactly(&wd, &d.sys.router, &l.id, staked).unwrap();
    d.checker.mark_exited(&l.id);
    for (what, out) in [
        ("deposit", &dep),
        ("stake", &st),
        ("unstake", &un),
        ("withdraw", &wd),
    ] {
        println!("lockup {what}: {}", router_burnt(out));
        assert!(router_burnt(out) < Gas::from_tgas(15), "{what}");
    }
    // Its owner claims what the shares earned; the record then goes.
    d.step("the owner claims the lockup's META", |s| {
        s.claim_lockup_meta(&l).assert_success().clone()
    });
    assert!(d.sys.meta_balance(l.meta_account()) > 0);
    assert!(d.sys.router_accounts().iter().all(|a| a.account_id != l.id));
}

#[test]
fn only_the_owner_claims_a_lockups_meta() {
    let mut d = driver();
    let l = d
        .sys
        .add_lockup_account("lara", NearToken::from_near(2_000));
    d.step("deposit_and_stake 500", |s| {
        s.deposit_and_stake(&l, 500 * ONE_NEAR)
            .assert_success()
            .clone()
    });
    d.next_epoch();
    let mallory = d.sys.add_liquid_staker("mallory", NearToken::from_near(10));
    d.step("someone else claims", |s| {
        s.call_router(
            &mallory.id,
            "claim_lockup_governance_tokens",
            json!({"lockup_account_id": l.id}),
            meta_common::ext::GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
            Gas::from_tgas(100),
        )
        .assert_failure_contains("E_NOT_LOCKUP_OWNER")
        .clone()
    });
    d.step("the lockup itself cannot claim either", |s| {
        s.call_router(
            &l.id,
            "claim_lockup_governance_tokens",
            json!({"lockup_account_id": l.id}),
            meta_common::ext::GOVERNANCE_MINT_DEPOSIT.as_yoctonear(),
            Gas::from_tgas(100),
        )
        .assert_failure_contains("E_NOT_LOCKUP_OWNER")
        .clone()
    });
    let claimed = d.step("the owner claims", |s| s.claim_lockup_meta(&l));
    claimed.assert_success();
    let minted: String = claimed.json().unwrap();
    assert_eq!(d.sys.meta_balance(l.meta_account()).to_string(), minted);
}

#[test]
fn a_lockup_contract_deposits_stakes_and_exits_exactly() {
    let mut d = driver();
    let l = d
        .sys
        .add_lockup_contract("leo", NearToken::from_near(3_000));
    let out = d.step("deposit then stake 2000 through the lockup", |s| {
        s.deposit_and_stake(&l, 2_000 * ONE_NEAR)
    });
    out.assert_success();
    assert!(
        out.json::<bool>().unwrap(),
        "the lockup's callback saw success"
    );
    // The router's receipts of the forwarded calls burnt well inside the
    // 60 Tgas the lockup attached.
    let router = d.sys.router.clone();
    for r in out.receipts_on(&router) {
        assert!(r.gas_burnt < Gas::from_tgas(15), "{}", r.gas_burnt);
    }
    for _ in 0..2 {
        d.next_epoch();
    }
    let staked = d.sys.core_views(&l.id).staked;
    d.step("unstake exactly the staked balance", |s| {
        let out = s.unstake(&l, staked);
        out.assert_success();
        assert!(out.json::<bool>().unwrap());
    });
    wait_for_quote(&mut d, &l);
    assert_eq!(d.sys.core_views(&l.id).unstaked, staked);
    let out = d.step(
        "withdraw_all: the lockup reads its balance, withdraws exactly it",
        |s| {
            let out = s.withdraw_all(&l);
            out.assert_success();
            assert!(out.json::<bool>().unwrap());
            out
        },
    );
    assert_eq!(d.sys.core_views(&l.id).total, 0);
    withdrawal_paid_exactly(&out, &d.sys.router, &l.id, staked).unwrap();
    d.checker.mark_exited(&l.id);
    let known: String = d.sys.view(&l.id, "get_known_deposited_balance", json!({}));
    let known: u128 = known.parse().unwrap();
    assert!(
        known <= staked,
        "the lockup's own count never exceeds what it staked"
    );
}

#[test]
fn a_lockup_sees_a_refusal_as_a_failure_and_keeps_its_near() {
    let mut d = driver();
    let l = d
        .sys
        .add_lockup_contract("leo", NearToken::from_near(3_000));
    let out = d.step("stake without a deposit", |s| s.stake(&l, 10 * ONE_NEAR));
    assert!(!out.json::<bool>().unwrap(), "the pool call failed");
    let out = d.step("a first deposit below the minimum", |s| {
        s.deposit(&l, ONE_NEAR / 20)
    });
    assert!(!out.json::<bool>().unwrap());
    // The failed router receipt's deposit comes back to the lockup whole,
    // in one refund (its balance also moves by the gas its calls earn, so
    // the refund is what it is held to).
    let refunds: Vec<u128> = out
        .receipts
        .iter()
        .filter(|r| r.is_refund && r.receiver_id == l.id)
        .filter_map(|r| match r.actions.as_slice() {
            [ActionSummary::Transfer { deposit }] if deposit.as_yoctonear() > 0 => {
                Some(deposit.as_yoctonear())
            }
            _ => None,
        })
        .collect();
    assert_eq!(refunds, [ONE_NEAR / 20], "deposit refunded");
    assert_eq!(d.sys.core_views(&l.id).total, 0);
}
