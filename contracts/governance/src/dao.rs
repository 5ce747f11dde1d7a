//! The proposal lifecycle: propose, vote, queue, execute, and the callbacks
//! of the whitelist and router calls.
//!
//! A proposal's action is stored at creation and never changes; the vote,
//! the time-lock and the execution all refer to that stored action.
//!
//! At most `MAX_OPEN_PROPOSALS` proposals are open for voting at once. Each
//! pins its snapshot block (`SnapshotPin`) from `propose` until its vote
//! ends: META histories keep the checkpoint that answers for it (`ledger`),
//! so every vote weighs exactly the balance at the snapshot. Once the
//! voting period is over nothing reads that snapshot any more (queueing,
//! executing and cancelling read the stored tally), so it pins nothing.

use meta_common::actions::RouterAction;
use meta_common::ext::{ext_router, ext_whitelist, GAS_FOR_ROUTER_ACTION, GAS_FOR_WHITELIST_CHECK};
use near_sdk::json_types::U128;
use near_sdk::serde_json::{self, Value};
use near_sdk::{borsh, env, near, require, NearToken, Promise, PromiseOrValue};

use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::gas::*;
use crate::proposal::*;
use crate::reply::{bool_reply, Reply};
use crate::staged::CODE_REF_BYTES;
use crate::storage::{self, Payment};
use crate::{Governance, GovernanceExt, VoteChoiceRecord};

fn panic_in_state(err: &str, state: ProposalState) -> ! {
    env::panic_str(&format!("{err} (state {state:?})"))
}

impl Governance {
    pub(crate) fn proposal(&self, id: u64) -> &Proposal {
        self.proposals
            .get(&id)
            .unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_PROPOSAL))
    }

    /// The snapshot blocks pinned now, which every history write keeps
    /// (`ledger`).
    pub(crate) fn pinned_snapshots(&self) -> Vec<u64> {
        let epoch = env::epoch_height();
        self.snapshot_pins
            .iter()
            .filter(|p| p.holds(epoch))
            .map(|p| p.snapshot_block)
            .collect()
    }

    /// The slot of a pin of `snapshot_block` awaiting the whitelist.
    fn pending_pin(&self, snapshot_block: u64) -> Option<usize> {
        let epoch = env::epoch_height();
        self.snapshot_pins
            .iter()
            .position(|p| p.holds(epoch) && p.pending && p.snapshot_block == snapshot_block)
    }

    /// Creates the proposal whose snapshot `pin` (a pending pin) holds; the
    /// pin then lasts until its vote ends.
    fn create_proposal(&mut self, mut proposal: Proposal, pin: usize) -> u64 {
        let id = self.proposal_count;
        self.proposal_count = id.checked_add(1).unwrap_or_else(|| env::abort());
        let epoch = env::epoch_height();
        proposal.start_epoch = epoch;
        proposal.voting_ends_epoch = epoch
            .checked_add(proposal.rules.voting_period_epochs)
            .unwrap_or_else(|| env::abort());
        self.extend_bond(&proposal.proposer, proposal.voting_ends_epoch);
        if let Some(p) = self.snapshot_pins.get_mut(pin) {
            p.until_epoch = proposal.voting_ends_epoch;
            p.proposal_id = id;
            p.pending = false;
        }
        if let Some((_, hash)) = proposal.kind.upgrade() {
            self.reference_code(id, hash);
        }
        GovernanceEvent::ProposalCreated {
            proposal_id: id,
            proposer: proposal.proposer.clone(),
            kind: proposal.kind.clone(),
            snapshot_block: proposal.snapshot_block,
            voting_ends_epoch: proposal.voting_ends_epoch,
        }
        .emit();
        self.proposals.insert(id, proposal);
        id
    }

    fn call_router(&self, proposal_id: u64, action: RouterAction) -> Promise {
        ext_router::ext(self.router_account_id.clone())
            .with_static_gas(GAS_FOR_ROUTER_ACTION)
            .apply_governance_action(action)
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_ON_EXECUTE_RESULT)
                    .with_unused_gas_weight(0)
                    .on_execute_result(proposal_id),
            )
    }

    /// Puts an Executing proposal back to Queued, so it can be retried
    /// until it expires.
    pub(crate) fn restore_queued(&mut self, proposal_id: u64, reason: &str) {
        if let Some(p) = self.proposals.get_mut(&proposal_id) {
            if p.status == ProposalStatus::Executing {
                p.status = ProposalStatus::Queued;
            }
        }
        GovernanceEvent::ProposalExecutionFailed {
            proposal_id,
            reason: reason.into(),
        }
        .emit();
    }

    /// Whether the proposal waits for its execution's callback.
    pub(crate) fn is_executing(&self, proposal_id: u64) -> bool {
        self.proposals
            .get(&proposal_id)
            .is_some_and(|p| p.status == ProposalStatus::Executing)
    }

    pub(crate) fn mark_executed(&mut self, proposal_id: u64) {
        if let Some(p) = self.proposals.get_mut(&proposal_id) {
            p.status = ProposalStatus::Executed;
        }
        GovernanceEvent::ProposalExecuted { proposal_id }.emit();
    }
}

#[near]
impl Governance {
    /// Creates a proposal. Caller: anyone whose META balance at the end of
    /// the previous block (the snapshot) reaches the proposal threshold
    /// (`E_BELOW_THRESHOLD`), while the supply at the snapshot reaches the
    /// quorum floor (`E_QUORUM_UNREACHABLE`: below it no vote could pass),
    /// and while fewer than `MAX_OPEN_PROPOSALS` (14) proposals are open
    /// for voting (`E_TOO_MANY_OPEN_PROPOSALS`; nothing changes). Locks the
    /// proposal threshold of the proposer's META until the vote ends (the
    /// bond, `bond`): its unlocked META now must reach the threshold
    /// (`E_PROPOSAL_BOND`); a refused whitelist check gives it back. The
    /// proposal's snapshot is pinned (every META history keeps its
    /// checkpoint) until its vote ends, or until the whitelist refuses it.
    ///
    /// `proposal` is `{"description": "...", "kind": <ProposalKind>}`;
    /// unknown fields, unknown kinds and actions outside their hard bounds
    /// are rejected (`E_PROPOSAL_INPUT`, `E_PARAM_BOUNDS`, ...). The rules in
    /// force and the quorum are frozen into the proposal. An upgrade names
    /// code staged with `stage_code` by its sha256 (`E_CODE_NOT_STAGED`
    /// otherwise) and holds it until the proposal ends.
    ///
    /// Deposit: the proposal's storage (about 0.003 NEAR plus the
    /// description at 0.00001 NEAR a byte), from the attached deposit, then
    /// the proposer's storage balance; the unused deposit is refunded.
    ///
    /// An added validator must be on the whitelist: the proposal is created
    /// in a callback once the whitelist answers exactly `true` (attach at
    /// least `GAS_FOR_PROPOSE_WITH_WHITELIST`, 35 Tgas, `E_GAS` otherwise);
    /// on any other answer `proposal_rejected` is emitted, the storage paid
    /// is given back, and the call returns `null`. Returns the new
    /// proposal's id; emits `proposal_created`. Gas: ~5 Tgas without the
    /// whitelist.
    #[payable]
    pub fn propose(&mut self, proposal: Value) -> PromiseOrValue<Option<u64>> {
        let input: ProposalInput = serde_json::from_value(proposal)
            .unwrap_or_else(|e| env::panic_str(&format!("{ERR_PROPOSAL_INPUT}: {e}")));
        require!(
            input.description.len() <= MAX_DESCRIPTION_LEN,
            ERR_DESCRIPTION_TOO_LONG
        );
        if let Err(e) = input.kind.validate() {
            env::panic_str(e);
        }
        let whitelist_check = match &input.kind {
            ProposalKind::Router(RouterAction::AddValidator { account_id, .. }) => {
                require!(
                    env::prepaid_gas() >= GAS_FOR_PROPOSE_WITH_WHITELIST,
                    ERR_GAS
                );
                Some(account_id.clone())
            }
            _ => None,
        };
        if let Some((target, hash)) = input.kind.upgrade() {
            let code = self
                .staged_code(&hash)
                .unwrap_or_else(|| env::panic_str(ERR_CODE_NOT_STAGED));
            // Code whose execution needs more gas than a transaction can
            // carry could never execute: refuse it before anyone votes.
            require!(
                execute_upgrade_gas(target, code.length) <= MAX_TRANSACTION_GAS,
                ERR_CODE_TOO_LARGE
            );
        }
        // Each open proposal pins a checkpoint in every history (`ledger`):
        // a free slot, or no proposal.
        let epoch = env::epoch_height();
        let pin = self
            .snapshot_pins
            .iter()
            .position(|p| !p.holds(epoch))
            .unwrap_or_else(|| env::panic_str(ERR_TOO_MANY_OPEN_PROPOSALS));
        let proposer = env::predecessor_account_id();
        let snapshot_block = env::block_height()
            .checked_sub(1)
            .unwrap_or_else(|| env::panic_str(ERR_NO_SNAPSHOT));
        let power = self.balance_at(&proposer, snapshot_block);
        require!(
            power >= self.config.proposal_threshold.0,
            ERR_BELOW_THRESHOLD
        );
        let supply = self.total_supply_at(snapshot_block);
        let quorum = quorum_votes(supply, self.config.quorum_bps, self.config.min_quorum.0);
        // Votes weigh snapshot balances, so For votes never exceed `supply`.
        require!(supply >= quorum, ERR_QUORUM_UNREACHABLE);
        // The slot's price (`bond`): the threshold, locked until the vote
        // ends.
        let until_epoch = epoch
            .checked_add(self.config.voting_period_epochs)
            .unwrap_or_else(|| env::abort());
        self.lock_bond(&proposer, self.config.proposal_threshold.0, until_epoch);
        let proposal = Proposal {
            proposer: proposer.clone(),
            description: input.description,
            kind: input.kind,
            rules: self.config.clone(),
            snapshot_block,
            snapshot_total_supply: U128(supply),
            quorum_votes: U128(quorum),
            start_epoch: 0,
            voting_ends_epoch: 0,
            tally: Tally::default(),
            status: ProposalStatus::Voting,
            eta_epoch: 0,
        };
        let len = borsh::to_vec(&proposal)
            .unwrap_or_else(|_| env::abort())
            .len();
        let attached = env::attached_deposit().as_yoctonear();
        let mut payment = Payment::new(proposer, attached);
        let code_ref = if proposal.kind.upgrade().is_some() {
            CODE_REF_BYTES
        } else {
            0
        };
        self.charge(&mut payment, storage::proposal_bytes(len as u64) + code_ref);
        let paid_from_deposit = attached - payment.deposit_left;
        let paid_from_storage = payment.from_storage;
        payment.refund_rest();
        // From now on every history keeps the snapshot's checkpoint, also
        // while the whitelist is asked; until the vote ends if the proposal
        // is created.
        self.snapshot_pins[pin] = SnapshotPin {
            snapshot_block,
            until_epoch,
            proposal_id: 0,
            pending: true,
        };
        match whitelist_check {
            None => PromiseOrValue::Value(Some(self.create_proposal(proposal, pin))),
            Some(validator) => ext_whitelist::ext(self.whitelist_account_id.clone())
                .with_static_gas(GAS_FOR_WHITELIST_CHECK)
                .is_whitelisted(validator)
                .then(
                    Self::ext(env::current_account_id())
                        .with_static_gas(GAS_FOR_ON_PROPOSAL_WHITELISTED)
                        .with_unused_gas_weight(0)
                        .on_proposal_whitelisted(
                            proposal,
                            U128(paid_from_deposit),
                            U128(paid_from_storage),
                        ),
                )
                .into(),
        }
    }

    /// Callback of `propose` for an added validator: creates the proposal
    /// if the whitelist answered exactly `true` (its snapshot stays pinned
    /// until its vote ends); on any other answer (a failed call, `false`,
    /// anything unparsable), or if the snapshot's pin lapsed meanwhile (an
    /// answer a whole voting period late), emits `proposal_rejected`, frees
    /// the pin's slot, returns the storage payment (deposit part as NEAR,
    /// storage-balance part to the storage balance) and returns `null`.
    /// Private; never panics, whatever the whitelist replied (`reply`).
    #[private]
    pub fn on_proposal_whitelisted(
        &mut self,
        proposal: Proposal,
        paid_from_deposit: U128,
        paid_from_storage: U128,
    ) -> Option<u64> {
        let pin = self.pending_pin(proposal.snapshot_block);
        let reason = match (bool_reply(), pin) {
            (Reply::True, Some(pin)) => return Some(self.create_proposal(proposal, pin)),
            // Only if the answer came a whole voting period late: histories
            // may have dropped the snapshot's checkpoints since.
            (Reply::True, None) => "the snapshot's pin lapsed before the whitelist answered",
            (Reply::False, _) => "validator is not on the whitelist",
            (Reply::Failed, _) => "whitelist call failed",
            (Reply::Unusable, _) => "whitelist answer unusable",
        };
        if let Some(pin) = pin {
            self.snapshot_pins[pin] = SnapshotPin::default();
            self.release_bond(&proposal.proposer, proposal.rules.proposal_threshold.0);
        }
        GovernanceEvent::ProposalRejected {
            proposer: proposal.proposer.clone(),
            kind: proposal.kind,
            reason: reason.into(),
        }
        .emit();
        self.credit_storage(&proposal.proposer, paid_from_storage.0);
        if paid_from_deposit.0 > 0 {
            Promise::new(proposal.proposer)
                .transfer(NearToken::from_yoctonear(paid_from_deposit.0))
                .detach();
        }
        None
    }

    /// Casts the caller's vote. Open while the proposal is Active
    /// (`E_VOTING_CLOSED`), once per account (`E_ALREADY_VOTED`); the weight
    /// is the caller's balance at the snapshot, which must be positive
    /// (`E_NO_VOTING_POWER`: META received after the snapshot does not
    /// count; the snapshot is pinned while the vote is open, so the weight
    /// is exact however often the caller's balance changed since). Anyone
    /// who held META at the snapshot, registered or not. Deposit: the vote
    /// record's storage (~0.0013 NEAR), from the attached deposit, then
    /// the storage balance; the rest is refunded. Returns the weight. Gas:
    /// ~5 Tgas. Emits `vote_cast`.
    #[payable]
    pub fn vote(&mut self, proposal_id: u64, choice: VoteChoice) -> U128 {
        let voter = env::predecessor_account_id();
        let proposal = self.proposal(proposal_id);
        let state = proposal.state(env::epoch_height());
        if state != ProposalState::Active {
            panic_in_state(ERR_VOTING_CLOSED, state);
        }
        let snapshot_block = proposal.snapshot_block;
        let key = (proposal_id, voter.clone());
        require!(!self.votes.contains_key(&key), ERR_ALREADY_VOTED);
        let weight = self.balance_at(&voter, snapshot_block);
        require!(weight > 0, ERR_NO_VOTING_POWER);
        let tally = &mut self
            .proposals
            .get_mut(&proposal_id)
            .unwrap_or_else(|| env::abort())
            .tally;
        let slot = match choice {
            VoteChoice::For => &mut tally.for_votes,
            VoteChoice::Against => &mut tally.against_votes,
            VoteChoice::Abstain => &mut tally.abstain_votes,
        };
        // The sum of snapshot balances never exceeds the snapshot supply.
        slot.0 += weight;
        self.votes.insert(key, VoteChoiceRecord { choice, weight });
        let mut payment = Payment::new(voter.clone(), env::attached_deposit().as_yoctonear());
        self.charge(&mut payment, storage::vote_bytes(&voter));
        payment.refund_rest();
        GovernanceEvent::VoteCast {
            proposal_id,
            voter,
            choice,
            weight: U128(weight),
        }
        .emit();
        U128(weight)
    }

    /// Starts the time-lock of a Succeeded proposal (`E_NOT_SUCCEEDED`
    /// otherwise): it becomes executable at `eta_epoch = now +
    /// timelock_epochs` (for an upgrade at least
    /// `UPGRADE_TIMELOCK_MIN_EPOCHS`). Anyone may call it; no deposit; ~3 Tgas. Returns the
    /// eta; emits `proposal_queued`.
    pub fn queue(&mut self, proposal_id: u64) -> u64 {
        let epoch = env::epoch_height();
        let proposal = self
            .proposals
            .get_mut(&proposal_id)
            .unwrap_or_else(|| env::panic_str(ERR_UNKNOWN_PROPOSAL));
        let state = proposal.state(epoch);
        if state != ProposalState::Succeeded {
            panic_in_state(ERR_NOT_SUCCEEDED, state);
        }
        proposal.status = ProposalStatus::Queued;
        proposal.eta_epoch = epoch + proposal.kind.timelock_epochs(&proposal.rules);
        let eta_epoch = proposal.eta_epoch;
        GovernanceEvent::ProposalQueued {
            proposal_id,
            eta_epoch,
        }
        .emit();
        eta_epoch
    }

    /// Executes a Queued proposal whose eta has come and whose grace has not
    /// passed (`E_TIMELOCK`, `E_EXPIRED`, `E_EXECUTING`,
    /// `E_ALREADY_EXECUTED`, `E_NOT_QUEUED`). Anyone may call it; no deposit.
    ///
    /// A guardian change applies at once (emits `guardian_set`,
    /// `proposal_executed`; returns `true`). An upgrade marks the proposal
    /// Executing and sends its staged code to the target (`upgrade`); its
    /// callback `on_upgrade_result` marks it Executed (releasing the code)
    /// when the deploy and migration succeeded, else Queued again; gas at
    /// least `gas::execute_upgrade_gas` (about 150 Tgas for 410 kB of code;
    /// attach 300). A router action marks the
    /// proposal Executing (`proposal_executing`), re-checks the whitelist
    /// for an added validator, and calls the router's
    /// `apply_governance_action`; the callback marks it Executed only when
    /// the router returns exactly `true`, and otherwise puts it back to
    /// Queued (`proposal_execution_failed`) so it can be retried until it
    /// expires. Gas: at least `GAS_FOR_EXECUTE`, 65 Tgas
    /// (`GAS_FOR_EXECUTE_WITH_WHITELIST`, 85 Tgas, for an added
    /// validator), `E_GAS` otherwise. Resolves to whether the action was
    /// applied.
    pub fn execute(&mut self, proposal_id: u64) -> PromiseOrValue<bool> {
        let epoch = env::epoch_height();
        let proposal = self.proposal(proposal_id);
        match proposal.state(epoch) {
            ProposalState::Queued if epoch < proposal.eta_epoch => env::panic_str(ERR_TIMELOCK),
            ProposalState::Queued => {}
            ProposalState::Expired => env::panic_str(ERR_EXPIRED),
            ProposalState::Executing => env::panic_str(ERR_EXECUTING),
            ProposalState::Executed => env::panic_str(ERR_ALREADY_EXECUTED),
            state => panic_in_state(ERR_NOT_QUEUED, state),
        }
        let action = match proposal.kind.clone() {
            ProposalKind::SetGuardian {
                account_id,
                term_epochs,
            } => {
                self.set_guardian(account_id, term_epochs);
                self.mark_executed(proposal_id);
                return PromiseOrValue::Value(true);
            }
            ProposalKind::Router(action) => action,
            kind @ (ProposalKind::UpgradeRouter { .. }
            | ProposalKind::UpgradeSnear { .. }
            | ProposalKind::UpgradeGovernance { .. }) => {
                let (target, hash) = kind.upgrade().unwrap_or_else(|| env::abort());
                return PromiseOrValue::Promise(self.execute_upgrade(proposal_id, target, hash));
            }
        };
        if let Err(e) = action.validate() {
            env::panic_str(e);
        }
        let validator = match &action {
            RouterAction::AddValidator { account_id, .. } => Some(account_id.clone()),
            _ => None,
        };
        let gas = if validator.is_some() {
            GAS_FOR_EXECUTE_WITH_WHITELIST
        } else {
            GAS_FOR_EXECUTE
        };
        require!(env::prepaid_gas() >= gas, ERR_GAS);
        if let Some(p) = self.proposals.get_mut(&proposal_id) {
            p.status = ProposalStatus::Executing;
        }
        GovernanceEvent::ProposalExecuting { proposal_id }.emit();
        let call = match validator {
            None => self.call_router(proposal_id, action),
            Some(validator) => ext_whitelist::ext(self.whitelist_account_id.clone())
                .with_static_gas(GAS_FOR_WHITELIST_CHECK)
                .is_whitelisted(validator)
                .then(
                    Self::ext(env::current_account_id())
                        .with_static_gas(GAS_FOR_ON_EXECUTE_WHITELISTED)
                        .with_unused_gas_weight(0)
                        .on_execute_whitelisted(proposal_id),
                ),
        };
        PromiseOrValue::Promise(call)
    }

    /// Callback of the whitelist re-check in `execute`: calls the router if
    /// the whitelist answered exactly `true`, else (a failed call, `false`,
    /// anything unparsable) restores the proposal to Queued. Private; never
    /// panics, whatever the whitelist replied (`reply`).
    #[private]
    pub fn on_execute_whitelisted(&mut self, proposal_id: u64) -> PromiseOrValue<bool> {
        let action = match self.proposals.get(&proposal_id) {
            Some(Proposal {
                status: ProposalStatus::Executing,
                kind: ProposalKind::Router(action),
                ..
            }) => action.clone(),
            _ => return PromiseOrValue::Value(false),
        };
        let reason = match bool_reply() {
            Reply::True => return PromiseOrValue::Promise(self.call_router(proposal_id, action)),
            Reply::False => "validator is no longer on the whitelist",
            Reply::Failed => "whitelist call failed",
            Reply::Unusable => "whitelist answer unusable",
        };
        self.restore_queued(proposal_id, reason);
        PromiseOrValue::Value(false)
    }

    /// Callback of the router call: Executed when the router answered
    /// exactly `true`, else (a failed call, `false`, anything unparsable)
    /// back to Queued, retryable until it expires. Private; never panics,
    /// whatever the router replied (`reply`).
    ///
    /// Restoring after an answer that is not `true` is safe even if the
    /// router did apply the action: applying it again either sets the same
    /// weights, parameter or emission, or is refused by the router's own
    /// checks (a validator already listed, already paused or removed).
    #[private]
    pub fn on_execute_result(&mut self, proposal_id: u64) -> bool {
        if !self.is_executing(proposal_id) {
            return false;
        }
        let reason = match bool_reply() {
            Reply::True => {
                self.mark_executed(proposal_id);
                return true;
            }
            Reply::False => "router refused the action",
            Reply::Failed => "router call failed",
            Reply::Unusable => "router answer unusable",
        };
        self.restore_queued(proposal_id, reason);
        false
    }
}
