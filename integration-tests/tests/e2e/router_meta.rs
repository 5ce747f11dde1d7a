//! META on localnet: emission, accrual through sNEAR and the router's
//! lockup records, claims minted on governance with their checkpoints
//! (invariant 6 after every step).

use integration_tests::suite::{Driver, SystemConfig, ONE_META, ONE_NEAR};
use localnet::NearToken;
use meta_common::actions::RouterAction;
use meta_pool::config::EPOCH_BLOCKS;
use near_sdk::json_types::U128;

fn driver() -> Driver {
    Driver::new(SystemConfig {
        validators: 2,
        ..SystemConfig::default()
    })
}

/// A stake that is the first call of an epoch reaches sNEAR together with
/// the index the router just advanced, so the new holder accrues nothing
/// for the time before it held (the router counted its emission over the
/// shares that existed then).
#[test]
fn a_new_holder_earns_nothing_for_the_time_before_its_mint() {
    let mut d = driver();
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(10_000));
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(10_000));
    d.step("alice stakes 1000", |s| {
        s.deposit_and_stake(&alice, 1_000 * ONE_NEAR)
            .assert_success();
    });
    d.keeper_round();
    d.step("three epochs pass, no call", |s| s.advance_epochs(3));
    let out = d.step("bob stakes 5000 as the epoch's first call", |s| {
        s.deposit_and_stake(&bob, 5_000 * ONE_NEAR)
    });
    out.assert_success();
    let minted_at = out.receipts.iter().map(|r| r.block_height).max().unwrap();
    d.keeper_round();
    let snap = d.check("after the push");
    let blocks = snap.block - minted_at + 1;
    let per_block = snap.config.meta_per_epoch.0 / u128::from(EPOCH_BLOCKS);
    let bob_meta = snap.snear_holders[&bob.id].unclaimed_meta;
    assert!(
        bob_meta <= per_block * u128::from(blocks),
        "bob accrued {bob_meta} over {blocks} blocks"
    );
    let alice_meta = snap.snear_holders[&alice.id].unclaimed_meta;
    assert!(
        alice_meta > 2 * snap.config.meta_per_epoch.0,
        "alice earned her epochs"
    );
}

#[test]
fn claims_mint_what_was_emitted_and_checkpoints_follow() {
    let mut d = driver();
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(10_000));
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(10_000));
    let lara = d
        .sys
        .add_lockup_account("lara", NearToken::from_near(10_000));
    let first = d.step("alice stakes 2000", |sys| {
        sys.deposit_and_stake(&alice, 2_000 * ONE_NEAR)
    });
    first.assert_success();
    let first_block = first.receipts[0].block_height;
    for s in [&bob, &lara] {
        d.step("stake 2000", |sys| {
            sys.deposit_and_stake(s, 2_000 * ONE_NEAR).assert_success();
        });
    }
    d.keeper_round();
    for epoch in 0..4 {
        d.next_epoch();
        if epoch == 1 {
            d.step("alice sends bob 500 sNEAR", |s| {
                s.snear_transfer(&alice, &bob, 500 * ONE_NEAR)
                    .assert_success();
            });
            d.step("emission halves", |s| {
                s.governance_action(RouterAction::SetEmission {
                    meta_per_epoch: U128(500 * ONE_META),
                })
                .assert_success();
            });
        }
        for s in [&alice, &bob] {
            d.step("a holder claims through sNEAR", |sys| {
                sys.claim_snear_meta(s).assert_success();
            });
        }
        d.step("lara's owner claims", |sys| {
            sys.claim_lockup_meta(&lara).assert_success();
        });
    }
    let snap = d.check("end");
    let minted = d.sys.ledger.meta_minted;
    assert_eq!(snap.meta_supply, minted);
    let l = &d.sys.ledger;
    let emitted = l.meta_emitted(snap.block) - l.meta_emitted(first_block);
    // What was emitted while holders held went to them, claimed or still
    // accruing, but the seed's part and rounding: at least 99% of it.
    let unclaimed: u128 = snap
        .snear_holders
        .values()
        .map(|h| h.unclaimed_meta)
        .sum::<u128>()
        + snap
            .accounts
            .iter()
            .map(|a| a.governance_tokens_unclaimed.0)
            .sum::<u128>();
    assert!(
        (minted + unclaimed) * 100 >= emitted * 99,
        "{minted} + {unclaimed} of {emitted}"
    );
    for s in [&alice, &bob] {
        assert_eq!(
            snap.meta_holders[&s.id].last_checkpoint.unwrap().1,
            d.sys.meta_balance(&s.id)
        );
    }
}
