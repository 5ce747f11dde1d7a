//! The typed actions the DAO may apply to the router, and the hard bounds no
//! vote can move a parameter past.
//!
//! Both the governance contract (when a proposal is created and when it
//! executes) and the router (when it applies an action) validate against the
//! same bounds, so a proposal that could not execute is refused up front.

use near_sdk::json_types::U128;
use near_sdk::{near, AccountId};

/// Basis points in one whole.
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Inclusive bounds of a router parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub min: u16,
    pub max: u16,
    pub default: u16,
}

/// One validator's share of the router's stake. Above a third of a router
/// spreading stake is no longer spreading it.
pub const MAX_VALIDATOR_SHARE_BPS: Bounds = Bounds {
    min: 100,
    max: 3_000,
    default: 2_500,
};
/// A validator's share of the whole network's stake past which the router
/// adds none. 10% keeps any single pool far from the 1/3 that can halt
/// finality.
pub const MAX_NETWORK_SHARE_BPS: Bounds = Bounds {
    min: 10,
    max: 1_000,
    default: 500,
};
/// The protocol's cut of rewards, minted as sNEAR to the treasury.
pub const PROTOCOL_FEE_BPS: Bounds = Bounds {
    min: 0,
    max: 1_000,
    default: 500,
};
/// How far (of the router's total stake) a validator may drift from its
/// target before rebalancing moves stake.
pub const REBALANCE_THRESHOLD_BPS: Bounds = Bounds {
    min: 50,
    max: 5_000,
    default: 1_000,
};
/// The most of the router's total stake rebalancing may move in one epoch.
pub const REBALANCE_MAX_MOVE_BPS: Bounds = Bounds {
    min: 0,
    max: 1_000,
    default: 200,
};
/// A validator's weight; targets are weights normalised over active
/// validators.
pub const WEIGHT_BPS: Bounds = Bounds {
    min: 1,
    max: BPS_DENOMINATOR,
    default: 1_000,
};

/// META has 24 decimals, as NEAR and sNEAR do.
pub const META_DECIMALS: u8 = 24;
/// One META in its smallest unit.
pub const ONE_META: u128 = 10u128.pow(META_DECIMALS as u32);
/// Hard cap on META ever minted: one billion.
pub const META_TOTAL_SUPPLY_CAP: u128 = 1_000_000_000 * ONE_META;
/// Hard cap on the emission a vote may set, per epoch.
pub const MAX_META_PER_EPOCH: u128 = 500_000 * ONE_META;

/// Errors of action validation, shared by governance and router.
pub const ERR_PARAMETER_OUT_OF_BOUNDS: &str = "E_PARAM_BOUNDS: parameter outside its hard bounds";
pub const ERR_WEIGHT_OUT_OF_BOUNDS: &str = "E_WEIGHT_BOUNDS: weight must be 1..=10000 bps";
pub const ERR_EMISSION_TOO_HIGH: &str = "E_EMISSION_BOUNDS: emission above the hard cap";
pub const ERR_EMPTY_WEIGHTS: &str = "E_EMPTY_WEIGHTS: no weights given";
pub const ERR_DUPLICATE_VALIDATOR: &str = "E_DUPLICATE: validator listed twice";
pub const ERR_PAUSE_EPOCHS_OUT_OF_BOUNDS: &str =
    "E_PAUSE_EPOCHS_BOUNDS: a staking pause must last 1..=MAX_STAKING_PAUSE_EPOCHS (56) epochs";

/// Epochs a guardian's staking pause lasts (`guardian_pause_staking`); it
/// ends by itself then unless the DAO extended it. Long enough for the DAO
/// to decide on it under the default rules: a `PauseStaking` proposal made
/// when the guardian pauses (6-epoch vote, one epoch to queue, 10-epoch
/// time-lock: 17) executes before the pause lapses, with three epochs to
/// spare; about ten days at mainnet's 12-hour epochs. The guardian cannot
/// extend its own pause (`E_ALREADY_PAUSED` while one is in force).
pub const GUARDIAN_PAUSE_EPOCHS: u64 = 20;

/// The longest staking pause one DAO decision sets (`PauseStaking`): 56
/// epochs, about four weeks, the longest single period the DAO's hard
/// bounds allow (voting, time-lock and grace are each at most 56). A
/// renewal under the default rules (16 epochs from proposal to execution)
/// lands well before it lapses, and a pause nobody renews ends within a
/// month, so no single vote closes the router to new stake for good.
pub const MAX_STAKING_PAUSE_EPOCHS: u64 = 56;
// The DAO can always set a pause at least as long as the guardian's. (That
// the guardian's outlasts the fastest DAO decision is asserted where the
// DAO's bounds live, in the governance crate.)
const _: () =
    assert!(GUARDIAN_PAUSE_EPOCHS >= 1 && GUARDIAN_PAUSE_EPOCHS <= MAX_STAKING_PAUSE_EPOCHS);

/// A router parameter with its new value.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouterParameter {
    MaxValidatorShareBps(u16),
    MaxNetworkShareBps(u16),
    ProtocolFeeBps(u16),
    RebalanceThresholdBps(u16),
    RebalanceMaxMoveBps(u16),
}

impl RouterParameter {
    pub fn bounds(&self) -> Bounds {
        match self {
            RouterParameter::MaxValidatorShareBps(_) => MAX_VALIDATOR_SHARE_BPS,
            RouterParameter::MaxNetworkShareBps(_) => MAX_NETWORK_SHARE_BPS,
            RouterParameter::ProtocolFeeBps(_) => PROTOCOL_FEE_BPS,
            RouterParameter::RebalanceThresholdBps(_) => REBALANCE_THRESHOLD_BPS,
            RouterParameter::RebalanceMaxMoveBps(_) => REBALANCE_MAX_MOVE_BPS,
        }
    }

    pub fn value(&self) -> u16 {
        match *self {
            RouterParameter::MaxValidatorShareBps(v)
            | RouterParameter::MaxNetworkShareBps(v)
            | RouterParameter::ProtocolFeeBps(v)
            | RouterParameter::RebalanceThresholdBps(v)
            | RouterParameter::RebalanceMaxMoveBps(v) => v,
        }
    }

    pub fn validate(&self) -> Result<(), &'static str> {
        let b = self.bounds();
        if (b.min..=b.max).contains(&self.value()) {
            Ok(())
        } else {
            Err(ERR_PARAMETER_OUT_OF_BOUNDS)
        }
    }
}

/// A validator and its weight.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorWeight {
    pub account_id: AccountId,
    pub weight_bps: u16,
}

/// What the DAO may do to the router. Nothing else: no arbitrary calls, no
/// treasury, no minting.
#[near(serializers = [json, borsh])]
#[serde(deny_unknown_fields)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouterAction {
    /// Adds a whitelisted validator, Active, with the weight.
    AddValidator {
        account_id: AccountId,
        weight_bps: u16,
    },
    /// No new stake goes to the validator; its stake stays.
    PauseValidator { account_id: AccountId },
    /// A paused validator takes new stake again.
    ResumeValidator { account_id: AccountId },
    /// Unstakes everything from the validator, then removes it.
    DrainValidator { account_id: AccountId },
    /// Removes the validator now if it holds nothing, else drains it first.
    RemoveValidator { account_id: AccountId },
    /// Sets the weights of the listed validators; others keep theirs.
    SetWeights { weights: Vec<ValidatorWeight> },
    /// Sets one parameter inside its hard bounds.
    SetParameter { parameter: RouterParameter },
    /// Sets the META emitted per epoch over all shares.
    SetEmission { meta_per_epoch: U128 },
    /// Pauses new stake until `epochs` epochs from now (1..=
    /// [`MAX_STAKING_PAUSE_EPOCHS`]), replacing the end of any pause in
    /// force: extends it or shortens it. Exits are never paused.
    PauseStaking { epochs: u64 },
    /// Ends any staking pause now; succeeds (changing nothing) when none is
    /// in force, so a retried execution does not fail.
    ResumeStaking,
}

impl RouterAction {
    /// Checks everything that can be checked without state: bounds, weights,
    /// duplicates. The router checks the rest (membership, whitelist).
    pub fn validate(&self) -> Result<(), &'static str> {
        match self {
            RouterAction::AddValidator { weight_bps, .. } => validate_weight(*weight_bps),
            RouterAction::SetWeights { weights } => {
                if weights.is_empty() {
                    return Err(ERR_EMPTY_WEIGHTS);
                }
                for (i, w) in weights.iter().enumerate() {
                    validate_weight(w.weight_bps)?;
                    if weights[..i].iter().any(|o| o.account_id == w.account_id) {
                        return Err(ERR_DUPLICATE_VALIDATOR);
                    }
                }
                Ok(())
            }
            RouterAction::SetParameter { parameter } => parameter.validate(),
            RouterAction::SetEmission { meta_per_epoch } => {
                if meta_per_epoch.0 <= MAX_META_PER_EPOCH {
                    Ok(())
                } else {
                    Err(ERR_EMISSION_TOO_HIGH)
                }
            }
            RouterAction::PauseStaking { epochs } => {
                if (1..=MAX_STAKING_PAUSE_EPOCHS).contains(epochs) {
                    Ok(())
                } else {
                    Err(ERR_PAUSE_EPOCHS_OUT_OF_BOUNDS)
                }
            }
            RouterAction::PauseValidator { .. }
            | RouterAction::ResumeValidator { .. }
            | RouterAction::DrainValidator { .. }
            | RouterAction::RemoveValidator { .. }
            | RouterAction::ResumeStaking => Ok(()),
        }
    }
}

fn validate_weight(w: u16) -> Result<(), &'static str> {
    if (WEIGHT_BPS.min..=WEIGHT_BPS.max).contains(&w) {
        Ok(())
    } else {
        Err(ERR_WEIGHT_OUT_OF_BOUNDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use near_sdk::serde_json::{from_str, json, to_value};

    fn pool() -> AccountId {
        "a.pool.near".parse().unwrap()
    }

    #[test]
    fn defaults_lie_inside_bounds() {
        for b in [
            MAX_VALIDATOR_SHARE_BPS,
            MAX_NETWORK_SHARE_BPS,
            PROTOCOL_FEE_BPS,
            REBALANCE_THRESHOLD_BPS,
            REBALANCE_MAX_MOVE_BPS,
            WEIGHT_BPS,
        ] {
            assert!(b.min <= b.default && b.default <= b.max, "{b:?}");
        }
    }

    #[test]
    fn parameters_outside_bounds_are_rejected() {
        assert!(RouterParameter::ProtocolFeeBps(1_000).validate().is_ok());
        assert_eq!(
            RouterParameter::ProtocolFeeBps(1_001).validate(),
            Err(ERR_PARAMETER_OUT_OF_BOUNDS)
        );
        assert_eq!(
            RouterParameter::MaxValidatorShareBps(99).validate(),
            Err(ERR_PARAMETER_OUT_OF_BOUNDS)
        );
        assert!(RouterParameter::MaxNetworkShareBps(1_000)
            .validate()
            .is_ok());
        assert!(RouterParameter::MaxNetworkShareBps(1_001)
            .validate()
            .is_err());
    }

    #[test]
    fn weights_are_checked() {
        let add = |w| RouterAction::AddValidator {
            account_id: pool(),
            weight_bps: w,
        };
        assert!(add(1).validate().is_ok());
        assert_eq!(add(0).validate(), Err(ERR_WEIGHT_OUT_OF_BOUNDS));
        assert_eq!(add(10_001).validate(), Err(ERR_WEIGHT_OUT_OF_BOUNDS));
        let w = ValidatorWeight {
            account_id: pool(),
            weight_bps: 10,
        };
        assert_eq!(
            RouterAction::SetWeights {
                weights: vec![w.clone(), w]
            }
            .validate(),
            Err(ERR_DUPLICATE_VALIDATOR)
        );
        assert_eq!(
            RouterAction::SetWeights { weights: vec![] }.validate(),
            Err(ERR_EMPTY_WEIGHTS)
        );
    }

    #[test]
    fn emission_is_capped() {
        let set = |v| RouterAction::SetEmission {
            meta_per_epoch: U128(v),
        };
        assert!(set(MAX_META_PER_EPOCH).validate().is_ok());
        assert_eq!(
            set(MAX_META_PER_EPOCH + 1).validate(),
            Err(ERR_EMISSION_TOO_HIGH)
        );
    }

    #[test]
    fn staking_pause_epochs_are_bounded() {
        let pause = |epochs| RouterAction::PauseStaking { epochs };
        assert!(pause(1).validate().is_ok());
        assert!(pause(MAX_STAKING_PAUSE_EPOCHS).validate().is_ok());
        assert_eq!(pause(0).validate(), Err(ERR_PAUSE_EPOCHS_OUT_OF_BOUNDS));
        assert_eq!(
            pause(MAX_STAKING_PAUSE_EPOCHS + 1).validate(),
            Err(ERR_PAUSE_EPOCHS_OUT_OF_BOUNDS)
        );
        assert!(RouterAction::ResumeStaking.validate().is_ok());
    }

    #[test]
    fn staking_pause_json_shape_is_stable() {
        assert_eq!(
            to_value(RouterAction::PauseStaking { epochs: 20 }).unwrap(),
            json!({"PauseStaking": {"epochs": 20}})
        );
        assert_eq!(
            to_value(RouterAction::ResumeStaking).unwrap(),
            json!("ResumeStaking")
        );
        assert_eq!(
            from_str::<RouterAction>(r#""ResumeStaking""#).unwrap(),
            RouterAction::ResumeStaking
        );
        // Borsh tags are append-only: the new variants follow the old ones.
        let tag = |a: &RouterAction| near_sdk::borsh::to_vec(a).unwrap()[0];
        assert_eq!(
            tag(&RouterAction::SetEmission {
                meta_per_epoch: U128(0)
            }),
            7
        );
        assert_eq!(tag(&RouterAction::PauseStaking { epochs: 1 }), 8);
        assert_eq!(tag(&RouterAction::ResumeStaking), 9);
    }

    #[test]
    fn json_shape_is_stable() {
        let a = RouterAction::AddValidator {
            account_id: pool(),
            weight_bps: 500,
        };
        assert_eq!(
            to_value(&a).unwrap(),
            json!({"AddValidator": {"account_id": "a.pool.near", "weight_bps": 500}})
        );
        let p = RouterAction::SetParameter {
            parameter: RouterParameter::ProtocolFeeBps(300),
        };
        assert_eq!(
            to_value(&p).unwrap(),
            json!({"SetParameter": {"parameter": {"ProtocolFeeBps": 300}}})
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let extra = r#"{"AddValidator": {"account_id": "a.pool.near", "weight_bps": 5, "method_name": "x"}}"#;
        assert!(from_str::<RouterAction>(extra).is_err());
        let unknown_variant = r#"{"FunctionCall": {"receiver_id": "a.near"}}"#;
        assert!(from_str::<RouterAction>(unknown_variant).is_err());
    }
}
