//! Governance: the only way the validator list and the parameters change.
//!
//! The governance contract applies typed `RouterAction`s. Before governance
//! exists on a deployment, the owner may apply them during the bootstrap
//! phase, which the owner ends for good with `end_bootstrap`.
//!
//! Bad input (bounds, unknown or duplicate validator, a transition that does
//! not apply) panics with an `E_` error and changes nothing; a validator the
//! whitelist does not know resolves to `false` ("refused") without panicking,
//! since that answer only exists after the asynchronous check.

use meta_common::actions::RouterAction;
use meta_common::ext::{ext_whitelist, GAS_FOR_WHITELIST_CHECK};
use near_sdk::{env, near, require, AccountId, PromiseError, PromiseOrValue};

use crate::config::MAX_VALIDATORS;
use crate::epoch::RawResult;
use crate::errors::*;
use crate::events::Event;
use crate::gas::{GAS_ADD_VALIDATOR, GAS_ON_WHITELIST};
use crate::validators::{position, Validator, ValidatorState};
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Applies one governance action.
    ///
    /// Callable by the governance contract, or by the owner while the
    /// bootstrap phase lasts (`E_NOT_GOVERNANCE` otherwise). Gas: within the
    /// 40 Tgas governance attaches (`AddValidator` needs 35 for its whitelist
    /// check). Returns `true` once applied; `AddValidator` resolves to
    /// `false` when the whitelist does not list the pool (or its answer is
    /// unusable). Actions:
    /// - `AddValidator`: whitelisted, not listed yet, list not full; added
    ///   Active. Emits `validator_added` or `validator_rejected`.
    /// - `PauseValidator` (Active → Paused), `ResumeValidator` (Paused →
    ///   Active), `DrainValidator` (Active/Paused → Draining; removed at once
    ///   if it holds nothing), `RemoveValidator` (removed at once if it holds
    ///   nothing and has no call in flight, else Draining, removed once
    ///   emptied). Emit `validator_state_changed` / `validator_removed`.
    /// - `SetWeights`: every listed validator must exist. Emits
    ///   `validator_weight_changed`.
    /// - `SetParameter` (inside its hard bounds): emits `parameter_changed`.
    /// - `SetEmission` (≤ the hard cap; epochs already elapsed accrue at the
    ///   old rate): emits `emission_changed`.
    /// - `PauseStaking { epochs }` (1..=`MAX_STAKING_PAUSE_EPOCHS`, else
    ///   `E_PAUSE_EPOCHS_BOUNDS`): new stake paused until `epochs` epochs
    ///   from now, replacing the end of any pause in force (extends or
    ///   shortens a guardian's or an earlier one). Emits `staking_paused`
    ///   (`by`: `dao`, or `owner` during the bootstrap). See `pause`.
    /// - `ResumeStaking`: ends a pause in force now; applied (`true`, no
    ///   event) when none is. Emits `staking_resumed`.
    pub fn apply_governance_action(&mut self, action: RouterAction) -> PromiseOrValue<bool> {
        self.assert_governance();
        self.advance_index();
        if let Err(e) = action.validate() {
            env::panic_str(e);
        }
        match action {
            RouterAction::AddValidator {
                account_id,
                weight_bps,
            } => return self.start_add_validator(account_id, weight_bps),
            RouterAction::PauseValidator { account_id } => self.transition(
                &account_id,
                &[ValidatorState::Active],
                ValidatorState::Paused,
            ),
            RouterAction::ResumeValidator { account_id } => self.transition(
                &account_id,
                &[ValidatorState::Paused],
                ValidatorState::Active,
            ),
            RouterAction::DrainValidator { account_id } => self.transition(
                &account_id,
                &[ValidatorState::Active, ValidatorState::Paused],
                ValidatorState::Draining,
            ),
            RouterAction::RemoveValidator { account_id } => self.transition(
                &account_id,
                &[
                    ValidatorState::Active,
                    ValidatorState::Paused,
                    ValidatorState::Draining,
                ],
                ValidatorState::Draining,
            ),
            RouterAction::SetWeights { weights } => {
                let list = self.validators.get_mut();
                let found: Vec<usize> = weights
                    .iter()
                    .map(|w| {
                        position(list, &w.account_id)
                            .unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_VALIDATOR))
                    })
                    .collect();
                for (w, i) in weights.iter().zip(found) {
                    list[i].weight_bps = w.weight_bps;
                    Event::ValidatorWeightChanged {
                        account_id: &w.account_id,
                        weight_bps: w.weight_bps,
                    }
                    .emit();
                }
            }
            RouterAction::SetParameter { parameter } => {
                let old_value = self.params.set(&parameter);
                Event::ParameterChanged {
                    parameter: &parameter,
                    old_value,
                }
                .emit();
            }
            RouterAction::SetEmission { meta_per_epoch } => {
                self.meta_per_epoch = meta_per_epoch.0;
                Event::EmissionChanged { meta_per_epoch }.emit();
            }
            RouterAction::PauseStaking { epochs } => {
                let by = self.governance_actor();
                self.dao_pause_staking(epochs, by);
            }
            RouterAction::ResumeStaking => {
                let by = self.governance_actor();
                self.dao_resume_staking(by);
            }
        }
        PromiseOrValue::Value(true)
    }

    /// Callback of `AddValidator`'s whitelist check. Private; never panics.
    /// Adds the validator (Active) only on a `true` answer, if it is still
    /// absent and the list not full; returns whether it was added.
    #[private]
    pub fn on_whitelist_checked(
        &mut self,
        account_id: AccountId,
        weight_bps: u16,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> bool {
        let whitelisted = result
            .ok()
            .and_then(|raw| near_sdk::serde_json::from_slice::<bool>(&raw.0).ok());
        let list = self.validators.get_mut();
        let reason = match whitelisted {
            Some(true) if position(list, &account_id).is_some() => "already_listed",
            Some(true) if list.len() >= MAX_VALIDATORS => "list_full",
            Some(true) => {
                list.push(Validator::new(account_id.clone(), weight_bps));
                Event::ValidatorAdded {
                    account_id: &account_id,
                    weight_bps,
                }
                .emit();
                return true;
            }
            Some(false) => "not_whitelisted",
            None => "whitelist_check_failed",
        };
        Event::ValidatorRejected {
            account_id: &account_id,
            reason,
        }
        .emit();
        false
    }

    /// Ends the bootstrap phase: from now on only the governance contract
    /// applies actions. Irreversible.
    ///
    /// Owner only (`E_NOT_OWNER`); `E_BOOTSTRAP_ENDED` if already ended.
    /// Bookkeeping only. Emits `bootstrap_ended`.
    pub fn end_bootstrap(&mut self) {
        require!(
            env::predecessor_account_id() == self.owner_id,
            ERR_NOT_OWNER
        );
        require!(self.bootstrap, ERR_BOOTSTRAP_ENDED);
        self.bootstrap = false;
        Event::BootstrapEnded {
            owner_id: &self.owner_id,
        }
        .emit();
    }
}

impl MetaPool {
    fn assert_governance(&self) {
        let caller = env::predecessor_account_id();
        require!(
            caller == self.governance_account_id || (self.bootstrap && caller == self.owner_id),
            ERR_NOT_GOVERNANCE
        );
    }

    /// Who applies the action, for events: `dao` (the governance
    /// contract) or `owner` (during the bootstrap).
    fn governance_actor(&self) -> &'static str {
        if env::predecessor_account_id() == self.governance_account_id {
            "dao"
        } else {
            "owner"
        }
    }

    fn start_add_validator(
        &mut self,
        account_id: AccountId,
        weight_bps: u16,
    ) -> PromiseOrValue<bool> {
        let list = self.validators.get();
        require!(position(list, &account_id).is_none(), ERR_VALIDATOR_EXISTS);
        require!(list.len() < MAX_VALIDATORS, ERR_TOO_MANY_VALIDATORS);
        Self::require_gas(GAS_ADD_VALIDATOR);
        self.require_own_funds(0);
        ext_whitelist::ext(self.whitelist_account_id.clone())
            .with_static_gas(GAS_FOR_WHITELIST_CHECK)
            .is_whitelisted(account_id.clone())
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_ON_WHITELIST)
                    .on_whitelist_checked(account_id, weight_bps),
            )
            .into()
    }

    /// Moves a validator from one of `from` to `to`; a validator going to
    /// Draining that holds nothing is removed at once.
    fn transition(&mut self, id: &AccountId, from: &[ValidatorState], to: ValidatorState) {
        let list = self.validators.get_mut();
        let i = position(list, id).unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_VALIDATOR));
        require!(from.contains(&list[i].state), ERR_VALIDATOR_STATE);
        if list[i].state != to {
            list[i].state = to;
            Event::ValidatorStateChanged {
                account_id: id,
                state: to,
            }
            .emit();
        }
        if to == ValidatorState::Draining {
            self.remove_if_drained(i);
        }
    }
}
