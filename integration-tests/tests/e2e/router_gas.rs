//! Gas with a full validator list: `MAX_VALIDATORS` validators, every epoch
//! operation called with exactly the gas the router requires of it, and no
//! callback may fail (a callback out of gas would leave its validator
//! locked and its bookkeeping undone). Also the views keepers and wallets
//! read stay far inside the RPC view limit.

use integration_tests::keeper::{Keeper, EPOCH_OPS};
use integration_tests::suite::{Driver, SystemConfig, ONE_NEAR};
use localnet::{Gas, NearToken};
use meta_pool::config::MAX_VALIDATORS;
use serde_json::json;

#[test]
fn every_operation_fits_its_minimum_gas_with_a_full_list() {
    let mut d = Driver::new(SystemConfig {
        validators: MAX_VALIDATORS,
        pool_faults: false,
        external_stake: NearToken::from_near(10_000_000),
        ..SystemConfig::default()
    });
    d.keeper = Keeper {
        max_calls_per_op: 2 * MAX_VALIDATORS + 4,
        gas: None,
    };
    let stakers = d.add_staked_liquid_stakers(4, 20_000);
    for epoch in 0..6 {
        if epoch == 2 {
            // Drift: ten validators' weight up fivefold, so the rest are
            // above target and rebalancing moves stake.
            d.step("set weights, lowest drift threshold", |s| {
                s.skew_weights(10)
            });
        }
        if epoch == 1 {
            for s in &stakers[..2] {
                d.step("unstake 5000", |sys| {
                    sys.unstake(s, 5_000 * ONE_NEAR).assert_success();
                });
            }
        }
        let round = d.keeper_round();
        assert!(round.finished(), "{:?}", round.status_after);
        for c in &round.calls {
            assert_eq!(c.receipt_failures, 0, "{} failed at minimum gas", c.op);
        }
        d.step("next epoch", |s| s.advance_epochs(1));
    }
    println!("with {MAX_VALIDATORS} validators, minimum gas:\n{}", d.gas);
    for op in EPOCH_OPS {
        assert!(d.gas.per_op.contains_key(op), "{op} never worked");
    }
    // Views over the whole list, run as calls to measure their gas: far
    // inside the 300 Tgas RPC nodes allow a view.
    let keeper = d.sys.keeper_account.clone();
    for view in ["get_epoch_status", "get_pool_summary", "get_validators"] {
        let args = if view == "get_validators" {
            json!({"from_index": 0, "limit": MAX_VALIDATORS})
        } else {
            json!({})
        };
        let out = d
            .sys
            .call_router(&keeper, view, args, 0, Gas::from_tgas(300));
        out.assert_success();
        let burnt = out.receipts[0].gas_burnt;
        println!("{view}: {burnt}");
        assert!(burnt < Gas::from_tgas(100), "{view} burnt {burnt}");
    }
}
