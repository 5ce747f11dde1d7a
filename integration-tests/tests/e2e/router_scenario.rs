//! The end-to-end scenario of issue 6 on localnet, every DESIGN §7
//! invariant checked after each step (`Driver::step`):
//!
//! 1. One validator listed: liquid and lockup deposits; the share cap holds
//!    and the rest stays in the router. Four more validators: the stake
//!    spreads, the network cap holds back the pool that is near its share
//!    of the network.
//! 2. Ten epochs of rewards with the keeper once an epoch: stakes, sNEAR
//!    transfers, META claims; unstakes by a liquid holder, a lockup-named
//!    account and a lockup contract, withdrawn at the quoted epoch
//!    (≤ E+5); an epoch change between a call and its callback for a mint,
//!    a burn and a validator unstake.
//! 3. Every fault switch of the test pool (failed calls, failing views,
//!    balance deltas both ways, paused staking, burned gas), then a reward
//!    jump above the router's 1%-an-epoch filter.
//! 4. A validator drained and removed; lockups exit to exactly 0.
//!
//! Prints the wall time and the gas of every epoch operation.

use std::time::Instant;

use integration_tests::keeper::KeeperReport;
use integration_tests::suite::{Driver, Staker, SystemConfig, CALL_GAS, ONE_NEAR};
use localnet::{AccountId, NearToken, RewardRate};
use meta_common::actions::RouterAction;
use meta_pool::config::{bps_of, ACCOUNT_RECORD_COST, MIN_EPOCH_MOVE, UNSTAKE_WAIT_EPOCHS};
use meta_pool::validators::ValidatorState;
use serde_json::json;

fn near(n: u128) -> NearToken {
    NearToken::from_near(n)
}

/// The pool whose own stake puts it near its 5% of the network.
const NEAR_CAP_POOL: usize = 2;

fn config() -> SystemConfig {
    SystemConfig {
        validators: 1,
        spare_pools: 4,
        // 200k outside + 4 x 1k + 9.6k: 5% of 213.6k is 10.68k, so pool 2
        // can take only ~1.08k more.
        pool_own_stake: vec![
            near(1_000),
            near(1_000),
            near(9_600),
            near(1_000),
            near(1_000),
        ],
        external_stake: near(200_000),
        ..SystemConfig::default()
    }
}

fn quote(d: &Driver, s: &Staker) -> u64 {
    d.sys.account_details(&s.id).unstaked_available_epoch
}

/// A validator that holds no NEAR owed to the reserve (a fault there
/// delays no one's withdrawal), other than those in `not`.
fn free_validator(d: &Driver, not: &[usize]) -> usize {
    let vs = d.sys.router_validators();
    (0..d.sys.pools.len())
        .find(|&i| {
            !not.contains(&i)
                && vs.iter().any(|v| {
                    v.account_id == d.sys.pools[i].id
                        && v.unstaked_for_reserve.0 == 0
                        && v.state == ValidatorState::Active
                })
        })
        .expect("a validator with no earmarks")
}

fn failed(round: &KeeperReport, op: &str, pool: &AccountId) -> Vec<String> {
    round
        .events("epoch_failed")
        .into_iter()
        .flat_map(|d| d.as_array().cloned().unwrap_or_else(|| vec![d.clone()]))
        .filter(|d| d["op"] == op && d["validator_id"] == pool.as_str())
        .map(|d| d["reason"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn five_validators_ten_epochs_faults_drain_and_exits() {
    let started = Instant::now();
    let mut d = Driver::new(config());

    // ---- 1. one validator, then five -----------------------------------
    let alice = d.sys.add_liquid_staker("alice", near(10_000));
    let bob = d.sys.add_liquid_staker("bob", near(10_000));
    let carol = d.sys.add_liquid_staker("carol", near(5_000));
    let dave = d.sys.add_liquid_staker("dave", near(100));
    let l1 = d.sys.add_lockup_account("lara", near(6_000));
    let l2 = d.sys.add_lockup_contract("leo", near(4_000));
    d.step("alice deposit_and_stake 6000", |s| {
        s.deposit_and_stake(&alice, 6_000 * ONE_NEAR)
            .assert_success();
    });
    d.step("bob deposit_and_stake 4000", |s| {
        s.deposit_and_stake(&bob, 4_000 * ONE_NEAR).assert_success();
    });
    // Carol's first deposit pays her router record: 2000 stay unstaked.
    d.step("carol deposits 2000 and her record's storage", |s| {
        s.deposit(&carol, 2_000 * ONE_NEAR + ACCOUNT_RECORD_COST)
            .assert_success();
    });
    d.step("lockup account deposits 5000", |s| {
        s.deposit(&l1, 5_000 * ONE_NEAR).assert_success();
    });
    d.step("lockup account stakes 5000", |s| {
        s.stake(&l1, 5_000 * ONE_NEAR).assert_success();
    });
    d.step("lockup contract deposits then stakes 3000", |s| {
        let out = s.deposit_and_stake(&l2, 3_000 * ONE_NEAR);
        out.assert_success();
        assert!(out.json::<bool>().unwrap(), "the lockup saw success");
    });
    let round = d.keeper_round();
    assert!(round.finished(), "{:?}", round.status_after);
    let snap = d.check("one validator");
    let total = snap.summary.books.total_staked;
    let cap = bps_of(total, snap.config.params.max_validator_share_bps);
    assert_eq!(snap.validators.len(), 1);
    assert_eq!(snap.validators[0].staked.0, cap, "filled to the share cap");
    assert_eq!(snap.summary.unplaced_stake.0, total - cap, "the rest stays");
    assert_eq!(snap.status.unplaced_stake.0, total - cap);
    assert!(!snap.status.stake_pending);

    for i in 1..5 {
        d.step(&format!("add validator {i}"), |s| {
            s.add_validator(i, integration_tests::suite::DEFAULT_WEIGHT_BPS)
        });
    }
    let round = d.keeper_round();
    assert!(round.finished(), "{:?}", round.status_after);
    let snap = d.check("five validators");
    assert!(
        snap.summary.books.buffered < MIN_EPOCH_MOVE,
        "everything placed: {}",
        snap.summary.books.buffered
    );
    let capped = &snap.pools[NEAR_CAP_POOL].id;
    let v = snap.validator(capped).unwrap();
    let limit = bps_of(snap.network_total, snap.config.params.max_network_share_bps);
    assert!(
        snap.network[capped] + v.staked.0 <= limit && v.staked.0 < v.target.0 / 2,
        "the pool near its network share took only its room: {v:?}"
    );
    assert!(v.stake_room.0 < MIN_EPOCH_MOVE, "{v:?}");
    let price_start = snap.summary.share_price.0;

    // ---- 2. ten epochs of rewards, quotes kept -------------------------
    d.next_epoch(); // k1
    d.step("carol stakes her 2000", |s| {
        s.stake(&carol, 2_000 * ONE_NEAR).assert_success();
    });
    d.step("alice sends bob 500 sNEAR", |s| {
        s.snear_transfer(&alice, &bob, 500 * ONE_NEAR)
            .assert_success();
    });
    d.step(
        "alice sends dave 100 sNEAR (dave registered by alice)",
        |s| {
            s.snear_transfer(&alice, &dave, 100 * ONE_NEAR)
                .assert_success();
        },
    );
    d.next_epoch(); // k2
    d.step("alice claims META through sNEAR", |s| {
        let out = s.claim_snear_meta(&alice);
        out.assert_success();
        assert!(s.meta_balance(&alice.id) > 0);
    });
    d.step("the lockup account's owner claims its META", |s| {
        let out = s.claim_lockup_meta(&l1);
        out.assert_success();
        assert!(s.meta_balance(l1.meta_account()) > 0);
    });
    let e_unstake = d.sys.net.epoch_height();
    d.step("alice unstakes 1000", |s| {
        s.unstake(&alice, 1_000 * ONE_NEAR).assert_success();
    });
    d.step("the lockup account unstakes 1000", |s| {
        s.unstake(&l1, 1_000 * ONE_NEAR).assert_success();
    });
    d.step("the lockup contract unstakes 500", |s| {
        let out = s.unstake(&l2, 500 * ONE_NEAR);
        out.assert_success();
        assert!(out.json::<bool>().unwrap());
    });
    for s in [&alice, &l1, &l2] {
        let q = quote(&d, s);
        assert!(q <= e_unstake + UNSTAKE_WAIT_EPOCHS, "{}: {q}", s.id);
    }
    d.next_epoch(); // k3

    // An epoch change between a call and its callback: a mint.
    let (bob_id, router) = (bob.id.clone(), d.sys.router.clone());
    let change = d.step("bob deposit_and_stake 100 across an epoch change", |s| {
        s.call_across_epoch_change(
            &bob_id,
            &router,
            "deposit_and_stake",
            json!({}),
            100 * ONE_NEAR,
            CALL_GAS,
            "on_mint",
        )
    });
    change.outcome.assert_success();
    let minted: u128 = change.outcome.json::<String>().unwrap().parse().unwrap();
    assert!(
        minted > 99 * ONE_NEAR && minted < 100 * ONE_NEAR,
        "minted at a price above 1: {minted}"
    );
    d.keeper_round(); // k4 (the mint's callback landed in it)
                      // A burn.
    let dave_id = dave.id.clone();
    let e_dave;
    {
        let change = d.step("dave unstakes 50 across an epoch change", |s| {
            s.call_across_epoch_change(
                &dave_id,
                &router,
                "unstake",
                json!({"amount": (50 * ONE_NEAR).to_string()}),
                0,
                CALL_GAS,
                "on_burn",
            )
        });
        change.outcome.assert_success();
        e_dave = change.callback_epoch;
        assert_eq!(
            quote(&d, &dave),
            e_dave + UNSTAKE_WAIT_EPOCHS,
            "quoted from the epoch the burn landed"
        );
    }
    d.keeper_round(); // k5 (the burn's callback landed in it)
                      // A validator call: bob's claim unstaked across the epoch change.
    let e_bob = d.sys.net.epoch_height();
    d.step("bob unstakes 200", |s| {
        s.unstake(&bob, 200 * ONE_NEAR).assert_success();
    });
    let keeper = d.sys.keeper_account.clone();
    let change = d.step("epoch_unstake across an epoch change", |s| {
        s.call_across_epoch_change(
            &keeper,
            &router,
            "epoch_unstake",
            json!({}),
            0,
            localnet::Gas::from_tgas(300),
            "on_unstake",
        )
    });
    change.outcome.assert_success();
    let unstaked_at = d
        .sys
        .router_validators()
        .into_iter()
        .filter(|v| v.unstaked_for_reserve.0 > 0)
        .map(|v| v.last_unstake_epoch)
        .max()
        .flatten();
    assert_eq!(
        unstaked_at,
        Some(change.call_epoch),
        "the wait counts from the call's epoch, when the pool unstaked"
    );
    d.keeper_round(); // k6
    d.next_epoch(); // k7 = alice's quote
    assert_eq!(d.sys.net.epoch_height(), e_unstake + UNSTAKE_WAIT_EPOCHS);
    for s in [&alice, &l1, &l2] {
        let v = d.sys.core_views(&s.id);
        assert!(v.available, "{} can withdraw at its quote: {v:?}", s.id);
    }
    d.withdraw_exactly(&alice, None, "alice withdraws all at her quote");
    let l1_unstaked = d.sys.core_views(&l1.id).unstaked;
    d.step(
        "the lockup account withdraws exactly its unstaked balance",
        |s| {
            s.withdraw(&l1, l1_unstaked).assert_success();
        },
    );
    d.step(
        "the lockup contract withdraws all (exact amount read)",
        |s| {
            let out = s.withdraw_all(&l2);
            out.assert_success();
            assert!(out.json::<bool>().unwrap());
        },
    );
    for s in [&l1, &l2] {
        assert_eq!(d.sys.core_views(&s.id).unstaked, 0);
    }
    // Dave's burn landed in k5 and bob's claim was taken in k5: both are
    // quoted k10.
    assert_eq!(e_dave, e_bob);
    while d.sys.net.epoch_height() < e_dave + UNSTAKE_WAIT_EPOCHS {
        assert!(
            !d.sys.core_views(&dave.id).available,
            "not before the quote"
        );
        d.next_epoch(); // k8, k9, k10
    }
    d.step("dave withdraws at his quote", |s| {
        s.withdraw_all(&dave).assert_success();
    });
    d.step("bob withdraws at his quote", |s| {
        s.withdraw_all(&bob).assert_success();
    });
    let price_k10 = d.sys.pool_summary().share_price.0;
    assert!(
        price_k10 > price_start,
        "ten epochs of rewards raised the price"
    );

    // ---- 3. every fault switch -----------------------------------------
    let a = free_validator(&d, &[NEAR_CAP_POOL]);
    let b = free_validator(&d, &[NEAR_CAP_POOL, a]);
    let c = free_validator(&d, &[NEAR_CAP_POOL, a, b]);
    d.step("faults: failed ping, failing views, growth above 1%", |s| {
        s.fault_fail_next_calls(a, "ping", 1);
        s.fault_fail_views(b, true);
        let held = s.pool_balance_of_router(c).unwrap();
        s.fault_balance_delta(c, ((held.0 + held.1) / 50) as i128);
        s.advance_epochs(1);
    });
    let round = d.keeper_round(); // k11
    assert!(
        failed(&round, "sync", &d.sys.pools[a].id).is_empty(),
        "a failed ping still reads"
    );
    assert_eq!(failed(&round, "sync", &d.sys.pools[b].id), ["call_failed"]);
    assert_eq!(
        failed(&round, "sync", &d.sys.pools[c].id),
        ["reward_too_large"]
    );
    d.step("faults off", |s| {
        s.fault_fail_views(b, false);
        s.fault_reset(c);
    });
    d.step(
        "faults: a loss, gas burnt by the read, paused staking",
        |s| {
            let held = s.pool_balance_of_router(c).unwrap();
            s.fault_balance_delta(c, -((held.0 / 100) as i128));
            s.fault_burn_gas(a, "get_account", 300);
            s.fault_pause_staking(b, true);
            s.advance_epochs(1);
        },
    );
    let round = d.keeper_round(); // k12
    assert_eq!(
        failed(&round, "sync", &d.sys.pools[c].id),
        ["balance_decreased"]
    );
    assert_eq!(failed(&round, "sync", &d.sys.pools[a].id), ["call_failed"]);
    d.step("faults off, staking resumed", |s| {
        s.fault_reset(a);
        s.fault_reset(c);
        s.fault_pause_staking(b, false);
    });
    // Unstake calls failing: every pool refuses one; the backlog waits, is
    // reported, and is unstaked the next epoch.
    d.next_epoch(); // k13
    d.step(
        "unstake faults armed on every pool; bob unstakes 1000",
        |s| {
            for i in 0..5 {
                s.fault_fail_next_calls(i, "unstake", 1);
            }
            s.unstake(&bob, 1_000 * ONE_NEAR).assert_success();
        },
    );
    let round = d.keeper_round();
    assert!(!round.events("epoch_failed").is_empty(), "{round:?}");
    let status = round.status_after.unwrap();
    assert!(
        status.unstake_backlog.0 > 0 && status.unstake_blocked,
        "{status:?}"
    );
    d.next_epoch(); // k14: unstaked now
    let snap = d.check("unstake retried");
    assert_eq!(snap.summary.books.to_unstake, 0, "the claims were unstaked");
    // Stake calls failing: one pool burns all gas, the others refuse once.
    d.step("stake faults armed on every pool; carol stakes 2000", |s| {
        for i in 0..5 {
            if i == a {
                s.fault_burn_gas(i, "deposit_and_stake", 300);
            } else {
                s.fault_fail_next_calls(i, "deposit_and_stake", 1);
            }
        }
        s.deposit_and_stake(&carol, 2_000 * ONE_NEAR)
            .assert_success();
    });
    // The buffer first buys back any storage shares it owes the router's
    // own funds (users' record fees paid while it was empty).
    let owed = {
        let b = d.sys.pool_summary().books;
        b.value_of(b.storage_shares)
    };
    let round = d.keeper_round();
    assert!(!round.events("epoch_failed").is_empty(), "{round:?}");
    assert!(
        d.sys.pool_summary().books.buffered + owed >= 2_000 * ONE_NEAR,
        "the stake is back in the buffer"
    );
    d.step("stake faults off", |s| s.fault_reset(a));

    // A reward jump above 1% an epoch: refused, then booked within the
    // per-epoch bound over the epochs since the last sync.
    d.step("a 1.5% reward for one epoch", |s| {
        s.set_reward_rate(RewardRate::new(150, 10_000));
        s.advance_epochs(1);
        s.set_reward_rate(RewardRate::new(5, 10_000));
    });
    let before_jump = d.sys.pool_summary();
    let round = d.keeper_round(); // k15
    for p in d.sys.router_validators() {
        assert_eq!(failed(&round, "sync", &p.account_id), ["reward_too_large"]);
    }
    let after_refusal = d.sys.pool_summary();
    assert_eq!(
        after_refusal.books.total_staked,
        before_jump.books.total_staked
    );
    d.next_epoch(); // k16
    let booked = d.sys.pool_summary();
    assert!(
        booked.books.total_staked > before_jump.books.total_staked * 1_014 / 1_000,
        "booked once within 1% an epoch since the last sync"
    );
    assert!(
        booked.books.buffered < 1_000 * ONE_NEAR,
        "the stake that failed was placed: {}",
        booked.books.buffered
    );

    // ---- 4. drain, remove, exits ---------------------------------------
    let drained = d.sys.pools[4].id.clone();
    d.step("drain validator 4", |s| {
        s.governance_action(RouterAction::DrainValidator {
            account_id: drained.clone(),
        })
        .assert_success();
    });
    let e_exit = d.sys.net.epoch_height();
    d.step("the lockup account unstakes all", |s| {
        s.unstake_all(&l1).assert_success();
    });
    let l2_staked = d.sys.core_views(&l2.id).staked;
    d.step(
        "the lockup contract unstakes exactly its staked balance",
        |s| {
            let out = s.unstake(&l2, l2_staked);
            out.assert_success();
            assert!(out.json::<bool>().unwrap());
        },
    );
    for s in [&l1, &l2] {
        assert_eq!(d.sys.core_views(&s.id).staked, 0, "{}", s.id);
    }
    d.keeper_round();
    let mut removed_at = None;
    for _ in 0..6 {
        d.next_epoch();
        if removed_at.is_none() && d.sys.validator(&drained).is_none() {
            removed_at = Some(d.sys.net.epoch_height());
        }
        if d.sys.net.epoch_height() == e_exit + UNSTAKE_WAIT_EPOCHS {
            break;
        }
    }
    assert!(removed_at.is_some(), "the drained validator was removed");
    let held = d.sys.pool_balance_of_router(4).unwrap();
    assert!(
        held.0 + held.1 <= 1_000,
        "nothing left at the removed pool: {held:?}"
    );
    d.step("the lockup account withdraws all", |s| {
        s.withdraw_all(&l1).assert_success();
    });
    d.step("the lockup contract withdraws all", |s| {
        let out = s.withdraw_all(&l2);
        out.assert_success();
        assert!(out.json::<bool>().unwrap());
    });
    for s in [&l1, &l2] {
        assert_eq!(d.sys.core_views(&s.id).total, 0, "{} exited to 0", s.id);
        d.checker.mark_exited(&s.id);
    }
    d.check("exits");
    for s in [&l1, &l2] {
        d.step("the lockup's owner claims the rest of its META", |sys| {
            sys.claim_lockup_meta(s).assert_success();
        });
        let left: serde_json::Value = d
            .sys
            .router_view("get_account_details", json!({"account_id": s.id}));
        assert_eq!(left["governance_tokens_unclaimed"], "0");
        assert!(
            d.sys.router_accounts().iter().all(|a| a.account_id != s.id),
            "record deleted"
        );
    }

    let elapsed = started.elapsed();
    println!(
        "scenario: {} steps, {} transactions, {} stake moves checked, {:.1?} wall time",
        d.steps, d.sys.ledger.transactions, d.checker.observed.stake_moves_checked, elapsed
    );
    println!("observed: {:?}", d.checker.observed);
    println!("gas per keeper call (whole transaction):\n{}", d.gas);
    let _ = (&carol, CALL_GAS);
}
