//! Governance actions, the bootstrap phase and who may do what.

use super::world::*;
use crate::config::MAX_VALIDATORS;
use crate::validators::{EpochOp, Validator, ValidatorState};
use meta_common::actions::{RouterAction, RouterParameter, ValidatorWeight, MAX_META_PER_EPOCH};
use meta_common::pool_state::REWARD_INDEX_SCALE;
use meta_common::shares::mul_div_down;
use near_sdk::json_types::U128;

fn apply(w: &mut World, who: &str, a: RouterAction) -> bool {
    w.exec_bool(who, 0, |c| c.apply_governance_action(a))
}

fn pause(name: &str) -> RouterAction {
    RouterAction::PauseValidator {
        account_id: id(name),
    }
}

#[test]
fn governance_and_the_bootstrapping_owner_may_act() {
    let mut w = World::with_validators(2);
    assert!(apply(&mut w, GOV, pause("v0.pool.near")));
    assert!(apply(&mut w, OWNER, pause("v1.pool.near")));
    assert_eq!(w.validator("v1.pool.near").state, ValidatorState::Paused);
}

#[test]
#[should_panic(expected = "E_NOT_GOVERNANCE")]
fn strangers_may_not_act() {
    let mut w = World::with_validators(1);
    apply(&mut w, "mallory.near", pause("v0.pool.near"));
}

#[test]
fn ending_the_bootstrap_is_final() {
    let mut w = World::with_validators(1);
    w.call(OWNER, 0, |c| c.end_bootstrap());
    assert_eq!(w.events("bootstrap_ended").len(), 1);
    assert!(!w.view().get_config().bootstrap);
    assert!(
        apply(&mut w, GOV, pause("v0.pool.near")),
        "governance still may"
    );
}

#[test]
#[should_panic(expected = "E_NOT_GOVERNANCE")]
fn the_owner_may_not_act_after_the_bootstrap() {
    let mut w = World::with_validators(1);
    w.call(OWNER, 0, |c| c.end_bootstrap());
    apply(&mut w, OWNER, pause("v0.pool.near"));
}

#[test]
#[should_panic(expected = "E_NOT_OWNER")]
fn only_the_owner_ends_the_bootstrap() {
    let mut w = World::new();
    w.call(GOV, 0, |c| c.end_bootstrap());
}

#[test]
#[should_panic(expected = "E_BOOTSTRAP_ENDED")]
fn the_bootstrap_ends_once() {
    let mut w = World::new();
    w.call(OWNER, 0, |c| c.end_bootstrap());
    w.call(OWNER, 0, |c| c.end_bootstrap());
}

#[test]
fn add_validator_checks_the_whitelist() {
    let mut w = World::new();
    w.pools.insert(id("nope.pool.near"), FakePool::new());
    let added = apply(
        &mut w,
        GOV,
        RouterAction::AddValidator {
            account_id: id("nope.pool.near"),
            weight_bps: 10,
        },
    );
    assert!(!added, "refused without panicking");
    assert_eq!(w.view().get_number_of_validators(), 0);
    assert_eq!(
        w.events("validator_rejected")[0]["reason"],
        "not_whitelisted"
    );
    w.add_validator("yes.pool.near", 10);
    let v = w.validator("yes.pool.near");
    assert_eq!((v.state, v.weight_bps), (ValidatorState::Active, 10));
}

#[test]
fn an_unusable_whitelist_answer_refuses() {
    let mut w = World::new();
    w.whitelisted.insert(id("p.pool.near"));
    let add = RouterAction::AddValidator {
        account_id: id("p.pool.near"),
        weight_bps: 10,
    };
    w.fault(WHITELIST, "is_whitelisted", Fault::Fail, false);
    assert!(!apply(&mut w, GOV, add.clone()));
    w.fault(
        WHITELIST,
        "is_whitelisted",
        Fault::Reply(b"\"yes\"".to_vec()),
        false,
    );
    assert!(!apply(&mut w, GOV, add.clone()));
    let reasons: Vec<_> = w
        .all_events("validator_rejected")
        .iter()
        .map(|e| e["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        ["whitelist_check_failed", "whitelist_check_failed"]
    );
    assert!(apply(&mut w, GOV, add), "a good answer adds it");
}

#[test]
fn two_adds_in_flight_add_once() {
    let mut w = World::new();
    w.whitelisted.insert(id("p.pool.near"));
    let add = RouterAction::AddValidator {
        account_id: id("p.pool.near"),
        weight_bps: 10,
    };
    let a2 = add.clone();
    w.call(GOV, 0, |c| {
        let _ = c.apply_governance_action(add);
    });
    let first = w.hold();
    w.call(GOV, 0, |c| {
        let _ = c.apply_governance_action(a2);
    });
    let second = w.hold();
    assert!(decode::<bool>(w.release(first)));
    assert!(!decode::<bool>(w.release(second)));
    assert_eq!(
        w.all_events("validator_rejected")[0]["reason"],
        "already_listed"
    );
    assert_eq!(w.view().get_number_of_validators(), 1);
}

#[test]
#[should_panic(expected = "E_VALIDATOR_EXISTS")]
fn adding_a_listed_validator_fails() {
    let mut w = World::with_validators(1);
    apply(
        &mut w,
        GOV,
        RouterAction::AddValidator {
            account_id: id("v0.pool.near"),
            weight_bps: 10,
        },
    );
}

#[test]
#[should_panic(expected = "E_TOO_MANY_VALIDATORS")]
fn the_list_is_bounded() {
    let mut w = World::new();
    for i in 0..MAX_VALIDATORS {
        w.c.validators
            .get_mut()
            .push(Validator::new(id(&format!("p{i}.pool.near")), 1));
    }
    apply(
        &mut w,
        GOV,
        RouterAction::AddValidator {
            account_id: id("one-more.pool.near"),
            weight_bps: 10,
        },
    );
}

#[test]
#[should_panic(expected = "E_WEIGHT_BOUNDS")]
fn weights_are_validated() {
    let mut w = World::new();
    apply(
        &mut w,
        GOV,
        RouterAction::AddValidator {
            account_id: id("p.pool.near"),
            weight_bps: 0,
        },
    );
}

#[test]
#[should_panic(expected = "E_NOT_ENOUGH_GAS")]
fn add_validator_needs_gas_for_the_check() {
    let mut w = World::new();
    w.prepaid_tgas = 30;
    apply(
        &mut w,
        GOV,
        RouterAction::AddValidator {
            account_id: id("p.pool.near"),
            weight_bps: 10,
        },
    );
}

#[test]
fn state_transitions() {
    let mut w = World::with_validators(1);
    let v = "v0.pool.near";
    assert!(apply(&mut w, GOV, pause(v)));
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::ResumeValidator { account_id: id(v) }
    ));
    assert_eq!(w.validator(v).state, ValidatorState::Active);
    let states: Vec<_> = w
        .all_events("validator_state_changed")
        .iter()
        .map(|e| e["state"].clone())
        .collect();
    assert_eq!(states, ["Paused", "Active"]);
    // An empty validator is removed at once.
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::RemoveValidator { account_id: id(v) }
    ));
    assert_eq!(w.view().get_number_of_validators(), 0);
}

#[test]
#[should_panic(expected = "E_VALIDATOR_STATE")]
fn resume_needs_a_paused_validator() {
    let mut w = World::with_validators(1);
    apply(
        &mut w,
        GOV,
        RouterAction::ResumeValidator {
            account_id: id("v0.pool.near"),
        },
    );
}

#[test]
#[should_panic(expected = "E_VALIDATOR_STATE")]
fn a_draining_validator_cannot_be_paused() {
    let mut w = World::with_validators(2);
    w.deposit_and_stake("alice.near", near(10));
    w.keeper();
    apply(
        &mut w,
        GOV,
        RouterAction::DrainValidator {
            account_id: id("v0.pool.near"),
        },
    );
    apply(&mut w, GOV, pause("v0.pool.near"));
}

#[test]
#[should_panic(expected = "E_UNKNOWN_VALIDATOR")]
fn unknown_validators_are_refused() {
    let mut w = World::new();
    apply(&mut w, GOV, pause("ghost.pool.near"));
}

#[test]
fn a_validator_with_a_call_in_flight_drains_instead_of_vanishing() {
    let mut w = World::with_validators(1);
    w.c.validators.get_mut()[0].lock = Some(EpochOp::Sync);
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::RemoveValidator {
            account_id: id("v0.pool.near")
        }
    ));
    assert_eq!(w.validator("v0.pool.near").state, ValidatorState::Draining);
}

#[test]
fn set_weights() {
    let mut w = World::with_validators(2);
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::SetWeights {
            weights: vec![ValidatorWeight {
                account_id: id("v1.pool.near"),
                weight_bps: 7
            }]
        }
    ));
    assert_eq!(w.validator("v1.pool.near").weight_bps, 7);
    assert_eq!(
        w.validator("v0.pool.near").weight_bps,
        1_000,
        "others keep theirs"
    );
    assert_eq!(w.events("validator_weight_changed")[0]["weight_bps"], 7);
}

#[test]
#[should_panic(expected = "E_UNKNOWN_VALIDATOR")]
fn set_weights_needs_listed_validators() {
    let mut w = World::with_validators(1);
    apply(
        &mut w,
        GOV,
        RouterAction::SetWeights {
            weights: vec![ValidatorWeight {
                account_id: id("ghost.pool.near"),
                weight_bps: 7,
            }],
        },
    );
}

#[test]
#[should_panic(expected = "E_EMPTY_WEIGHTS")]
fn set_weights_needs_weights() {
    let mut w = World::with_validators(1);
    apply(&mut w, GOV, RouterAction::SetWeights { weights: vec![] });
}

#[test]
fn set_parameter_within_bounds() {
    let mut w = World::new();
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::SetParameter {
            parameter: RouterParameter::ProtocolFeeBps(1_000)
        }
    ));
    let f = w.view().get_reward_fee_fraction();
    assert_eq!((f.numerator, f.denominator), (1_000, 10_000));
    let e = &w.events("parameter_changed")[0];
    assert_eq!(e["old_value"], 500);
    assert_eq!(e["parameter"]["ProtocolFeeBps"], 1_000);
}

#[test]
#[should_panic(expected = "E_PARAM_BOUNDS")]
fn set_parameter_beyond_bounds_fails() {
    let mut w = World::new();
    apply(
        &mut w,
        GOV,
        RouterAction::SetParameter {
            parameter: RouterParameter::MaxNetworkShareBps(1_001),
        },
    );
}

#[test]
#[should_panic(expected = "E_EMISSION_BOUNDS")]
fn emission_beyond_the_cap_fails() {
    let mut w = World::new();
    apply(
        &mut w,
        GOV,
        RouterAction::SetEmission {
            meta_per_epoch: U128(MAX_META_PER_EPOCH + 1),
        },
    );
}

#[test]
fn emission_changes_apply_from_now_on() {
    let mut w = World::new();
    let shares = w.c.books.total_shares;
    w.next_epoch(0);
    w.next_epoch(0);
    assert!(apply(
        &mut w,
        GOV,
        RouterAction::SetEmission {
            meta_per_epoch: U128(0)
        }
    ));
    let at_change = w.c.reward_index;
    let old_rate = 1_000 * near(1);
    assert_eq!(
        at_change,
        mul_div_down(2 * old_rate, REWARD_INDEX_SCALE, shares).unwrap(),
        "the two elapsed epochs accrued at the old rate"
    );
    w.next_epoch(0);
    w.call("anyone.near", 0, |c| c.ping());
    assert_eq!(w.c.reward_index, at_change, "nothing at the new rate of 0");
    assert_eq!(w.events("emission_changed").len(), 0);
    assert_eq!(w.all_events("emission_changed")[0]["meta_per_epoch"], "0");
}

#[test]
#[should_panic(expected = "E_DUPLICATE")]
fn set_weights_lists_each_validator_once() {
    let mut w = World::with_validators(1);
    let weight = ValidatorWeight {
        account_id: id("v0.pool.near"),
        weight_bps: 7,
    };
    apply(
        &mut w,
        GOV,
        RouterAction::SetWeights {
            weights: vec![weight.clone(), weight],
        },
    );
}
