//! Code upgrades under the DAO, end to end on the in-process chain (issue
//! 14): the real router, sNEAR and governance with stakers who hold sNEAR,
//! a lockup's shares, unstaked NEAR waiting for its epoch and unclaimed
//! META; every invariant checked after each step.
//!
//! - The router, sNEAR and governance itself are each upgraded to a second
//!   build (`res/*_next.wasm`: one more state field and one more view) by
//!   staged code, proposal, vote, time-lock and execution; every account's
//!   balances, quotes and accrual are the same after as before, and the
//!   system runs on (withdrawals, claims, a proposal created before the
//!   upgrade executed after it).
//! - Refused and changing nothing: a hash nobody staged, an `upgrade` call
//!   from anyone but governance, an execution before the time-lock, a
//!   migration that fails (the router's code proposed for sNEAR).

use governance::{ProposalKind, ProposalState, StagedCode};
use integration_tests::dao::{
    dao_events, deploy_with_voters, propose, queue_when_voted, vote_for, wait_until_epoch, DaoGas,
    Voters,
};
use integration_tests::suite::{
    wasm, CoreViews, Driver, Staker, System, CALL_GAS, ONE_META, ONE_NEAR,
};
use localnet::{AccountId, ExecutionOutcome, Gas, NearToken};
use meta_common::pool_state::REWARD_INDEX_SCALE;
use meta_common::U256;
use meta_pool::views::{AccountDetails, PoolSummary};
use near_sdk::json_types::{Base58CryptoHash, U128};
use serde_json::{json, Value};

// A staker who unstakes when an upgrade is queued withdraws before it runs:
// governance's least upgrade time-lock is longer than the router's wait.
const _: () = assert!(
    governance::config::UPGRADE_TIMELOCK_MIN_EPOCHS > meta_pool::config::UNSTAKE_WAIT_EPOCHS
);

/// What `execute` of an upgrade gets: the most a transaction may attach.
const EXECUTE_GAS: Gas = Gas::from_tgas(300);
/// More than the storage of any staged wasm here (~0.45 MB at 10^19
/// yoctoNEAR a byte); the rest is refunded.
const STAGE_DEPOSIT: NearToken = NearToken::from_near(6);

/// Stages `res/<file>` on governance as `who`; returns its hash.
fn stage(d: &mut Driver, who: &AccountId, file: &str) -> Base58CryptoHash {
    let code = wasm(file);
    d.step(&format!("stage {file}"), |s| {
        let out = s.dao_stage_code(who, code.clone(), STAGE_DEPOSIT);
        out.assert_success();
        let hash: Base58CryptoHash = out.json().expect("stage_code returns the hash");
        let staged = staged_code(s, &hash).expect("the code is staged");
        assert_eq!(staged.stager, *who);
        assert_eq!(staged.length, code.len() as u64);
        assert_eq!(Vec::<u8>::from(hash), sha256(&code));
        hash
    })
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).to_vec()
}

fn staged_code(s: &System, hash: &Base58CryptoHash) -> Option<StagedCode> {
    s.view(&s.governance, "get_staged_code", json!({"code_hash": hash}))
}

fn execute(d: &mut Driver, id: u64) -> ExecutionOutcome {
    let keeper = d.sys.keeper_account.clone();
    let out = d.step("execute", |s| s.dao_execute(&keeper, id, EXECUTE_GAS));
    let kind = format!("{:?}", d.sys.dao_proposal(id).kind);
    let kind = kind
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    println!("execute {kind}: {}", DaoGas::of(&out, &d.sys.governance));
    out
}

/// Everything a staker holds, as the views show it, but the lockup accrual
/// that grows every block (compared apart, `accrual_carried_over`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Holdings {
    core: CoreViews,
    /// The router's record, its accrual zeroed.
    record: Option<AccountDetails>,
    snear: u128,
    snear_unclaimed_meta: u128,
    meta: u128,
}

#[derive(Clone, Debug)]
struct Books {
    holdings: Vec<(AccountId, Holdings)>,
    accrual: Vec<(AccountId, u128, u128)>,
    summary: PoolSummary,
    snear_supply: U128,
    meta_supply: U128,
    proposals: Vec<Value>,
}

fn books(s: &System) -> Books {
    let records = s.router_accounts();
    let mut holdings = vec![];
    let mut accrual = vec![];
    for st in &s.stakers {
        let mut record = records.iter().find(|r| r.account_id == st.id).cloned();
        if let Some(r) = record.as_mut() {
            accrual.push((st.id.clone(), r.shares.0, r.governance_tokens_unclaimed.0));
            r.governance_tokens_unclaimed = U128(0);
        }
        holdings.push((
            st.id.clone(),
            Holdings {
                core: s.core_views(&st.id),
                record,
                snear: s.snear_balance(&st.id),
                snear_unclaimed_meta: s.snear_unclaimed_meta(&st.id),
                meta: s.meta_balance(st.meta_account()),
            },
        ));
    }
    let count: u64 = s.dao_proposal_count();
    Books {
        holdings,
        accrual,
        summary: s.pool_summary(),
        snear_supply: s.view(&s.snear, "ft_total_supply", json!({})),
        meta_supply: s.view(&s.governance, "ft_total_supply", json!({})),
        proposals: (0..count)
            .map(|id| s.view(&s.governance, "get_proposal", json!({"proposal_id": id})))
            .collect(),
    }
}

/// Balances, quotes, records and supplies are equal; a lockup's accrual
/// grew by exactly what the reward index moved over its shares (rounded
/// down, within one unit).
fn assert_carried_over(before: &Books, after: &Books, upgraded: &str) {
    assert_eq!(
        before.holdings, after.holdings,
        "{upgraded}: holdings changed"
    );
    assert_eq!(before.snear_supply, after.snear_supply, "{upgraded}");
    assert_eq!(before.meta_supply, after.meta_supply, "{upgraded}");
    let (b, a) = (&before.summary, &after.summary);
    assert_eq!(b.books, a.books, "{upgraded}: the router's books changed");
    assert_eq!(b.share_price, a.share_price, "{upgraded}");
    assert_eq!(b.epoch_height, a.epoch_height, "{upgraded}");
    let moved = a.reward_index.0 - b.reward_index.0;
    for ((id, shares, was), (_, _, is)) in before.accrual.iter().zip(&after.accrual) {
        let grown = is.checked_sub(*was).expect("accrual never shrinks");
        let due =
            (U256::from(*shares) * U256::from(moved) / U256::from(REWARD_INDEX_SCALE)).as_u128();
        assert!(
            grown.abs_diff(due) <= 1,
            "{upgraded}: {id} accrued {grown}, due {due}"
        );
    }
}

/// A deployment with stakers in every state an upgrade must carry over:
/// liquid holders (one with unclaimed META), a lockup with shares and
/// unclaimed META, a liquid and a lockup unstake waiting for their epoch.
fn deploy_with_stakers() -> (Driver, Voters, Staker, Staker, Staker) {
    let (mut d, v) = deploy_with_voters();
    let find = |d: &Driver, id: &AccountId| {
        d.sys
            .stakers
            .iter()
            .find(|s| &s.id == id || s.owner.as_ref() == Some(id))
            .cloned()
            .expect("a staker")
    };
    let bob = find(&d, &v.bob);
    let carol = find(&d, &v.carol);
    let erin = d.sys.add_liquid_staker("erin", NearToken::from_near(600));
    d.step("erin stakes", |s| {
        s.deposit_and_stake(&erin, 500 * ONE_NEAR).assert_success();
    });
    d.step("bob unstakes part", |s| {
        s.unstake(&bob, 700 * ONE_NEAR).assert_success();
    });
    d.step("carol's lockup unstakes part", |s| {
        s.unstake(&carol, 200 * ONE_NEAR).assert_success();
    });
    d.next_epoch();
    let b = books(&d.sys);
    let held = |id: &AccountId| &b.holdings.iter().find(|(i, _)| i == id).unwrap().1;
    assert!(held(&bob.id).core.unstaked > 0 && !held(&bob.id).core.available);
    assert!(held(&carol.id).core.unstaked > 0 && !held(&carol.id).core.available);
    assert!(
        held(&erin.id).snear_unclaimed_meta > 0,
        "erin has META to claim"
    );
    assert!(b.accrual.iter().any(|(id, _, m)| id == &carol.id && *m > 0));
    (d, v, bob, carol, erin)
}

/// The router, sNEAR and governance upgraded by one round of proposals; a
/// fourth, which proposes the router's code for sNEAR, fails its migration
/// and changes nothing. Every step checks every invariant.
#[test]
fn upgrades_of_router_snear_and_governance_by_proposal_keep_every_account() {
    let (mut d, v, bob, carol, erin) = deploy_with_stakers();
    let (router, snear, gov) = (
        d.sys.router.clone(),
        d.sys.snear.clone(),
        d.sys.governance.clone(),
    );
    let router_next = stage(&mut d, &v.dave, "meta_pool_next.wasm");
    let snear_next = stage(&mut d, &v.dave, "snear_next.wasm");
    let gov_next = stage(&mut d, &v.dave, "governance_next.wasm");
    let router_v1 = stage(&mut d, &v.bob, "meta_pool.wasm");
    let dave_before = d.sys.net.balance(&v.dave).as_yoctonear();

    let kinds = [
        ProposalKind::UpgradeSnear {
            code_hash: router_v1,
        },
        ProposalKind::UpgradeRouter {
            code_hash: router_next,
        },
        ProposalKind::UpgradeSnear {
            code_hash: snear_next,
        },
        ProposalKind::UpgradeGovernance {
            code_hash: gov_next,
        },
        // An ordinary proposal that executes after governance's upgrade.
        ProposalKind::Router(meta_common::actions::RouterAction::SetEmission {
            meta_per_epoch: U128(1_000 * ONE_META),
        }),
    ];
    let ids: Vec<u64> = kinds.iter().map(|k| propose(&mut d, &v.alice, k)).collect();
    for id in &ids {
        vote_for(&mut d, *id, &[&v.alice, &v.bob, &v.carol]);
    }
    let eta = ids
        .iter()
        .map(|id| queue_when_voted(&mut d, *id))
        .max()
        .unwrap();
    let queued_at = d.sys.net.epoch_height();
    assert!(eta >= queued_at + governance::config::UPGRADE_TIMELOCK_MIN_EPOCHS);

    // Before the time-lock: refused, nothing deployed.
    let code = |d: &Driver, id: &AccountId| d.sys.net.chain().contract_code(id).unwrap();
    let router_code = code(&d, &router);
    let out = execute(&mut d, ids[1]);
    assert!(
        out.failure_message()
            .unwrap_or_default()
            .contains("E_TIMELOCK"),
        "{out:?}"
    );
    assert_eq!(code(&d, &router), router_code);
    wait_until_epoch(&mut d, eta);

    // A migration that fails: the router's code cannot read sNEAR's state.
    // The receipt fails whole: sNEAR's code and state stay, the proposal is
    // Queued again.
    let snear_code = code(&d, &snear);
    let snear_state = d.sys.net.view_state(&snear);
    let out = execute(&mut d, ids[0]);
    assert_eq!(out.json::<bool>().ok(), Some(false), "{out:?}");
    assert!(dao_events(&out)
        .iter()
        .any(|(e, _)| e == "proposal_execution_failed"));
    let migrate_failed = out
        .receipts
        .iter()
        .any(|r| r.receiver_id == snear && format!("{:?}", r.status).contains("E_STATE_CORRUPT"));
    assert!(migrate_failed, "the migration itself failed: {out:?}");
    assert_eq!(code(&d, &snear), snear_code);
    assert_eq!(d.sys.net.view_state(&snear), snear_state);
    assert_eq!(d.sys.dao_state(ids[0]), ProposalState::Queued);
    assert!(
        staged_code(&d.sys, &router_v1).is_some(),
        "kept for a retry"
    );

    // The router, to its second build.
    let before = books(&d.sys);
    let out = execute(&mut d, ids[1]);
    assert_eq!(out.json::<bool>().ok(), Some(true), "{out:?}");
    assert_eq!(code(&d, &router), wasm("meta_pool_next.wasm"));
    let version: u8 = d.sys.view(&router, "get_state_version", json!({}));
    assert_eq!(version, 2);
    let at: u64 = d.sys.view(&router, "get_upgraded_at_epoch", json!({}));
    assert_eq!(at, d.sys.net.epoch_height());
    assert_carried_over(&before, &books(&d.sys), "router");
    assert!(staged_code(&d.sys, &router_next).is_none(), "released");

    // sNEAR, to its second build.
    let before = books(&d.sys);
    let out = execute(&mut d, ids[2]);
    assert_eq!(out.json::<bool>().ok(), Some(true), "{out:?}");
    assert_eq!(code(&d, &snear), wasm("snear_next.wasm"));
    let at: u64 = d.sys.view(&snear, "get_upgraded_at_epoch", json!({}));
    assert_eq!(at, d.sys.net.epoch_height());
    assert_carried_over(&before, &books(&d.sys), "sNEAR");

    // Governance upgrades itself; its callback runs on the new code.
    let before = books(&d.sys);
    let out = execute(&mut d, ids[3]);
    assert_eq!(out.json::<bool>().ok(), Some(true), "{out:?}");
    assert_eq!(code(&d, &gov), wasm("governance_next.wasm"));
    let version: u8 = d.sys.view(&gov, "get_state_version", json!({}));
    assert_eq!(version, 2);
    let _: u64 = d.sys.view(&gov, "get_upgraded_at_epoch", json!({}));
    let mut after = books(&d.sys);
    assert_eq!(d.sys.dao_state(ids[3]), ProposalState::Executed);
    // Only the executed proposal's state moved.
    after.proposals[ids[3] as usize] = before.proposals[ids[3] as usize].clone();
    assert_eq!(before.proposals, after.proposals);
    assert_carried_over(&before, &after, "governance");

    // Each staged code that was executed went back to its stager: three
    // storage deposits refunded to dave.
    for hash in [router_next, snear_next, gov_next] {
        assert!(staged_code(&d.sys, &hash).is_none());
    }
    assert!(d.sys.net.balance(&v.dave).as_yoctonear() > dave_before + 3 * ONE_NEAR);

    // The upgraded system runs on: the proposal created before governance's
    // upgrade executes after it; the keeper pays both unstakes at their
    // quote; erin claims her META through the upgraded sNEAR.
    let out = d.step("execute the emission change", |s| {
        let keeper = s.keeper_account.clone();
        s.dao_execute(&keeper, ids[4], CALL_GAS)
    });
    assert_eq!(out.json::<bool>().ok(), Some(true), "{out:?}");
    let quote = before
        .holdings
        .iter()
        .filter(|(id, _)| id == &bob.id || id == &carol.id)
        .map(|(_, h)| h.record.as_ref().unwrap().unstaked_available_epoch)
        .max()
        .unwrap();
    wait_until_epoch(&mut d, quote);
    for s in [&bob, &carol] {
        d.step("withdraw at the quote", |sys| {
            sys.withdraw_all(s).assert_success();
            assert_eq!(sys.core_views(&s.id).unstaked, 0);
        });
    }
    d.step("erin claims", |s| {
        s.claim_snear_meta(&erin).assert_success();
        assert!(s.meta_balance(&erin.id) > 0);
    });

    // The failed proposal expires; anyone releases its code and bob, who
    // staged it, gets the deposit back.
    let expires = d.sys.dao_proposal(ids[0]).expires_at_epoch.unwrap();
    wait_until_epoch(&mut d, expires);
    let bob_before = d.sys.net.balance(&v.bob).as_yoctonear();
    d.step("release the expired proposal's code", |s| {
        let keeper = s.keeper_account.clone();
        let gov = s.governance.clone();
        s.call(
            &keeper,
            &gov,
            "release_proposal_code",
            json!({"proposal_id": ids[0]}),
            0,
            CALL_GAS,
        )
        .assert_success();
    });
    assert!(staged_code(&d.sys, &router_v1).is_none());
    assert!(d.sys.net.balance(&v.bob).as_yoctonear() > bob_before + 4 * ONE_NEAR);
}

/// Refused before any vote, changing nothing: an upgrade naming code
/// nobody staged or code too large to execute, the migrations and the
/// upgrade callback called by a stranger, and `upgrade` called on the router or sNEAR by anyone but
/// governance, the router's former bootstrap owner included.
#[test]
fn upgrade_refuses_a_wrong_hash_and_any_caller_but_governance() {
    let (mut d, v) = deploy_with_voters();
    let count = d.sys.dao_proposal_count();
    let unknown: Base58CryptoHash = [7u8; 32].into();
    d.step("propose unstaged code", |s| {
        let out = s.dao_propose(
            &v.alice,
            &ProposalKind::UpgradeRouter { code_hash: unknown },
            CALL_GAS,
        );
        assert!(
            out.failure_message()
                .unwrap_or_default()
                .contains("E_CODE_NOT_STAGED"),
            "{out:?}"
        );
    });
    assert_eq!(d.sys.dao_proposal_count(), count);

    // Code too large for its execution to fit in a transaction's gas (1.4
    // MB, under the transaction size limit): staged, but no proposal may
    // name it, since it could never execute.
    let mut huge = wasm("meta_pool_next.wasm");
    huge.resize(1_400_000, 0);
    let gov = d.sys.governance.clone();
    let hash: Base58CryptoHash = d.step("stage huge code", |s| {
        let out = s.dao_stage_code(&v.dave, huge, NearToken::from_near(15));
        out.json().expect("staged")
    });
    d.step("propose the huge code", |s| {
        let out = s.dao_propose(
            &v.alice,
            &ProposalKind::UpgradeRouter { code_hash: hash },
            CALL_GAS,
        );
        assert!(
            out.failure_message()
                .unwrap_or_default()
                .contains("E_CODE_TOO_LARGE"),
            "{out:?}"
        );
    });
    assert_eq!(d.sys.dao_proposal_count(), count);
    // Its stager takes it back, deposit refunded.
    let before = d.sys.net.balance(&v.dave).as_yoctonear();
    d.step("unstage", |s| {
        s.call(
            &v.dave,
            &gov,
            "unstage_code",
            json!({"code_hash": hash}),
            0,
            CALL_GAS,
        )
        .assert_success();
    });
    assert!(staged_code(&d.sys, &hash).is_none());
    assert!(d.sys.net.balance(&v.dave).as_yoctonear() > before + 13 * ONE_NEAR);

    // The migrations and governance's upgrade callback are private: a
    // stranger's call fails and changes nothing.
    let (router, snear) = (d.sys.router.clone(), d.sys.snear.clone());
    for (target, method, args) in [
        (&router, "migrate", json!({})),
        (&snear, "migrate", json!({})),
        (&gov, "migrate", json!({})),
        (&gov, "on_upgrade_result", json!({"proposal_id": 0})),
    ] {
        let state = d.sys.net.view_state(target);
        let out = d.step("a private method called by a stranger", |s| {
            s.call(&v.alice, target, method, args, 0, CALL_GAS)
        });
        assert!(
            out.failure_message()
                .unwrap_or_default()
                .contains("is private"),
            "{target} {method}: {out:?}"
        );
        assert_eq!(d.sys.net.view_state(target), state, "{target} {method}");
    }

    let next = wasm("meta_pool_next.wasm");
    let owner = d.sys.owner.clone();
    for target in [d.sys.router.clone(), d.sys.snear.clone()] {
        let code = d.sys.net.chain().contract_code(&target).unwrap();
        let state = d.sys.net.view_state(&target);
        for caller in [v.alice.clone(), owner.clone()] {
            let out = d.step("upgrade by a stranger", |s| {
                let out = s
                    .net
                    .call(&caller, &target, "upgrade")
                    .args(next.clone())
                    .gas(EXECUTE_GAS)
                    .transact();
                s.record(&out, None);
                out
            });
            assert!(
                out.failure_message()
                    .unwrap_or_default()
                    .contains("E_NOT_GOVERNANCE"),
                "{caller} upgrading {target}: {out:?}"
            );
            assert_eq!(d.sys.net.chain().contract_code(&target).unwrap(), code);
            assert_eq!(d.sys.net.view_state(&target), state);
        }
    }
}

/// What another account can do between the router's call and its callback:
/// an upgrade may land there. Each epoch operation is sent in the same
/// block as an `upgrade` of the router (signed here by the governance
/// account, as its execution of a passed proposal would send it), over
/// enough epochs for stakes, unstakes and withdrawals; callbacks that run
/// on the new code book exactly what the old code would have, and every
/// invariant holds after each operation. The stakers withdraw in full at
/// their quote.
#[test]
fn upgrade_between_epoch_calls_and_their_callbacks_keeps_the_books() {
    use integration_tests::keeper::{EPOCH_OPS, KEEPER_GAS};
    let (mut d, _v, bob, carol, _erin) = deploy_with_stakers();
    let (gov, router, keeper) = (
        d.sys.governance.clone(),
        d.sys.router.clone(),
        d.sys.keeper_account.clone(),
    );
    let code = wasm("meta_pool_next.wasm");
    let quote = [&bob, &carol]
        .iter()
        .map(|s| d.sys.account_details(&s.id).unstaked_available_epoch)
        .max()
        .unwrap();
    let mut landed_before_callback = 0;
    while d.sys.net.epoch_height() <= quote {
        d.step("next epoch", |s| s.advance_epochs(1));
        for op in EPOCH_OPS {
            for _ in 0..20 {
                let more = d.step(op, |s| {
                    let call = s
                        .net
                        .call(&keeper, &router, op)
                        .args_json(json!({}))
                        .gas(KEEPER_GAS)
                        .submit();
                    let upgrade = s
                        .net
                        .call(&gov, &router, "upgrade")
                        .args(code.clone())
                        .gas(EXECUTE_GAS)
                        .submit();
                    s.net.run_until_idle();
                    let call = s.net.outcome(&call).expect("included");
                    let upgrade = s.net.outcome(&upgrade).expect("included");
                    s.record(&call, None);
                    s.record(&upgrade, None);
                    upgrade.assert_success();
                    call.assert_success();
                    let migrated = upgrade
                        .receipts
                        .iter()
                        .find(|r| r.logs.iter().any(|l| l.contains("state_migrated")))
                        .map(|r| r.block_height)
                        .expect("migrated");
                    let callbacks = call
                        .receipts
                        .iter()
                        .filter(|r| r.receiver_id == router && r.predecessor_id == router)
                        .map(|r| r.block_height);
                    if callbacks.clone().any(|b| b > migrated) {
                        landed_before_callback += 1;
                    }
                    call.json::<bool>().unwrap_or(false)
                });
                if !more {
                    break;
                }
            }
        }
    }
    assert!(
        landed_before_callback > 0,
        "some upgrade landed between a call and its callback"
    );
    for s in [&bob, &carol] {
        d.step("withdraw at the quote", |sys| {
            sys.withdraw_all(s).assert_success();
            assert_eq!(sys.core_views(&s.id).unstaked, 0);
        });
    }
}
