use super::*;
use crate::config::*;

fn config() -> GovernanceConfig {
    GovernanceConfig::default()
}

#[test]
fn defaults_lie_inside_the_bounds() {
    config().assert_valid();
    let b = ConfigBounds::get();
    assert!(b.voting_period_epochs.min <= b.voting_period_epochs.default);
    assert!(b.guardian_term_epochs.default <= b.guardian_term_epochs.max);
    let t = Chain::new();
    assert_eq!(t.c.get_config().config, config());
    assert_eq!(t.c.get_config().router_account_id, router());
    assert_eq!(t.c.get_config_bounds(), b);
}

#[test]
fn the_timelock_outlasts_the_worst_staker_exit() {
    // An unstake in the epoch a proposal is queued is withdrawable after
    // STAKER_EXIT_EPOCHS; execution must come strictly later.
    let mut short = config();
    short.timelock_epochs = STAKER_EXIT_EPOCHS + 1;
    assert!(std::panic::catch_unwind(|| short.assert_valid()).is_err());
}

#[test]
fn a_config_at_the_bounds_is_accepted() {
    for pick in [|b: RuleBounds<u64>| b.min, |b: RuleBounds<u64>| b.max] {
        let c = GovernanceConfig {
            voting_period_epochs: pick(VOTING_PERIOD_EPOCHS),
            quorum_bps: QUORUM_BPS.max,
            min_quorum: U128(MIN_QUORUM.max),
            proposal_threshold: U128(PROPOSAL_THRESHOLD.min),
            timelock_epochs: pick(TIMELOCK_EPOCHS),
            grace_epochs: pick(GRACE_EPOCHS),
        };
        let t = Chain::with(Some(c.clone()), None);
        assert_eq!(t.c.get_config().config, c);
    }
}

#[test]
#[should_panic(expected = "E_CONFIG_VOTING_PERIOD")]
fn a_voting_period_below_the_bound_is_rejected() {
    let mut c = config();
    c.voting_period_epochs = VOTING_PERIOD_EPOCHS.min - 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_VOTING_PERIOD")]
fn a_voting_period_above_the_bound_is_rejected() {
    let mut c = config();
    c.voting_period_epochs = VOTING_PERIOD_EPOCHS.max + 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_QUORUM")]
fn a_quorum_below_the_bound_is_rejected() {
    let mut c = config();
    c.quorum_bps = QUORUM_BPS.min - 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_QUORUM")]
fn a_quorum_above_the_bound_is_rejected() {
    let mut c = config();
    c.quorum_bps = QUORUM_BPS.max + 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_MIN_QUORUM")]
fn a_quorum_floor_below_the_bound_is_rejected() {
    let mut c = config();
    c.min_quorum = U128(MIN_QUORUM.min - 1);
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_MIN_QUORUM")]
fn a_quorum_floor_above_the_bound_is_rejected() {
    let mut c = config();
    c.min_quorum = U128(MIN_QUORUM.max + 1);
    Chain::with(Some(c), None);
}

#[test]
fn the_quorum_floor_bounds_are_served() {
    let b = ConfigBounds::get().min_quorum;
    assert_eq!(
        (b.min.0, b.max.0, b.default.0),
        (MIN_QUORUM.min, MIN_QUORUM.max, MIN_QUORUM.default)
    );
    assert_eq!(config().min_quorum.0, MIN_QUORUM.default);
}

#[test]
fn a_config_without_the_quorum_floor_is_rejected() {
    let mut v = near_sdk::serde_json::to_value(config()).unwrap();
    v.as_object_mut().unwrap().remove("min_quorum");
    assert!(near_sdk::serde_json::from_value::<GovernanceConfig>(v).is_err());
}

#[test]
#[should_panic(expected = "E_CONFIG_THRESHOLD")]
fn a_threshold_below_the_bound_is_rejected() {
    let mut c = config();
    c.proposal_threshold = U128(PROPOSAL_THRESHOLD.min - 1);
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_THRESHOLD")]
fn a_threshold_above_the_bound_is_rejected() {
    let mut c = config();
    c.proposal_threshold = U128(PROPOSAL_THRESHOLD.max + 1);
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_TIMELOCK")]
fn a_timelock_below_the_bound_is_rejected() {
    let mut c = config();
    c.timelock_epochs = TIMELOCK_EPOCHS.min - 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_TIMELOCK")]
fn a_timelock_above_the_bound_is_rejected() {
    let mut c = config();
    c.timelock_epochs = TIMELOCK_EPOCHS.max + 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_GRACE")]
fn a_grace_below_the_bound_is_rejected() {
    let mut c = config();
    c.grace_epochs = GRACE_EPOCHS.min - 1;
    Chain::with(Some(c), None);
}

#[test]
#[should_panic(expected = "E_CONFIG_GRACE")]
fn a_grace_above_the_bound_is_rejected() {
    let mut c = config();
    c.grace_epochs = GRACE_EPOCHS.max + 1;
    Chain::with(Some(c), None);
}

#[test]
fn unknown_config_fields_are_rejected() {
    let mut v = near_sdk::serde_json::to_value(config()).unwrap();
    v["admin"] = json!("x.near");
    assert!(near_sdk::serde_json::from_value::<GovernanceConfig>(v).is_err());
}
