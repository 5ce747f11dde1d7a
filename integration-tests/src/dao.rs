//! The DAO on the deployed system.
//!
//! Voters hold META the way real ones do: they stake through the router,
//! the keeper's rounds advance the reward index (and push it to sNEAR), and
//! they claim (`claim_governance_tokens` on sNEAR for liquid holders, the
//! router's `claim_lockup_governance_tokens` for a lockup's owner). No META
//! is minted any other way, so the invariants' META ledger stays exact.
//!
//! Every governance call goes through `System::call` (booked in the
//! ledger); an emission change the DAO applies on the router is noted in
//! the ledger's emission schedule, as `System::governance_action` does for
//! the bootstrap owner.

use governance::{ProposalKind, ProposalState, ProposalView, VoteChoice};
use localnet::{AccountId, ActionSummary, ExecutionOutcome, Gas, NearToken};
use meta_common::actions::{RouterAction, MAX_META_PER_EPOCH};
use near_sdk::json_types::U128;
use serde_json::{json, Value};

use crate::suite::{Driver, Staker, System, SystemConfig, CALL_GAS, ONE_NEAR};

/// What a proposer attaches: more than a proposal's storage (~0.003 NEAR
/// plus the description); the rest is refunded.
pub const PROPOSE_DEPOSIT: NearToken = NearToken::from_millinear(50);
/// What a voter attaches: more than a vote's storage (~0.0013 NEAR).
pub const VOTE_DEPOSIT: NearToken = NearToken::from_millinear(10);
/// Gas for `stage_code`: ~0.12 Tgas a kB of code, up to the 1.5 MB a
/// transaction can carry.
pub const STAGE_GAS: Gas = Gas::from_tgas(300);
/// Gas for calls that need no more than their own work.
pub const DAO_CALL_GAS: Gas = Gas::from_tgas(30);

/// `{"description": .., "kind": ..}` for `propose`.
pub fn proposal_input(kind: &ProposalKind) -> Value {
    json!({"proposal": {"description": "integration test", "kind": kind}})
}

/// A router action as a proposal kind.
pub fn router(action: RouterAction) -> ProposalKind {
    ProposalKind::Router(action)
}

/// The proposal id `propose` returned (`null` when the whitelist refused).
pub fn proposal_id(out: &ExecutionOutcome) -> Option<u64> {
    out.assert_success();
    out.json::<Option<u64>>()
        .expect("propose returns an id or null")
}

/// The DAO's events (`meta-governance`) of a transaction, `(event, data)`.
pub fn dao_events(out: &ExecutionOutcome) -> Vec<(String, Value)> {
    out.events()
        .into_iter()
        .filter(|e| e.standard == "meta-governance")
        .map(|e| (e.event, e.data))
        .collect()
}

impl System {
    fn dao_call(
        &mut self,
        who: &AccountId,
        method: &str,
        args: Value,
        deposit: NearToken,
        gas: Gas,
    ) -> ExecutionOutcome {
        let gov = self.governance.clone();
        self.call(who, &gov, method, args, deposit.as_yoctonear(), gas)
    }

    /// `propose` by `who` with `gas` attached.
    pub fn dao_propose(
        &mut self,
        who: &AccountId,
        kind: &ProposalKind,
        gas: Gas,
    ) -> ExecutionOutcome {
        self.dao_call(who, "propose", proposal_input(kind), PROPOSE_DEPOSIT, gas)
    }

    /// `stage_code` by `who`: `code` as the raw arguments, `deposit` for
    /// its storage (the rest is refunded). Returns the outcome, recorded in
    /// the ledger.
    pub fn dao_stage_code(
        &mut self,
        who: &AccountId,
        code: Vec<u8>,
        deposit: NearToken,
    ) -> ExecutionOutcome {
        let gov = self.governance.clone();
        let out = self
            .net
            .call(who, &gov, "stage_code")
            .args(code)
            .deposit(deposit)
            .gas(STAGE_GAS)
            .transact();
        self.record(&out, None);
        out
    }

    /// `vote` by `who`.
    pub fn dao_vote(&mut self, who: &AccountId, id: u64, choice: VoteChoice) -> ExecutionOutcome {
        let args = json!({"proposal_id": id, "choice": choice});
        self.dao_call(who, "vote", args, VOTE_DEPOSIT, DAO_CALL_GAS)
    }

    /// `queue` by `who` (anyone may).
    pub fn dao_queue(&mut self, who: &AccountId, id: u64) -> ExecutionOutcome {
        let args = json!({"proposal_id": id});
        self.dao_call(
            who,
            "queue",
            args,
            NearToken::from_yoctonear(0),
            DAO_CALL_GAS,
        )
    }

    /// `execute` by `who` (anyone may) with `gas` attached. An emission
    /// change the router applied is noted in the ledger at the block the
    /// router's receipt ran in (where its index moved to the new rate).
    pub fn dao_execute(&mut self, who: &AccountId, id: u64, gas: Gas) -> ExecutionOutcome {
        let args = json!({"proposal_id": id});
        let out = self.dao_call(who, "execute", args, NearToken::from_yoctonear(0), gas);
        for r in out.receipts.iter().filter(|r| r.receiver_id == self.router) {
            for log in &r.logs {
                let Some(event) = log
                    .strip_prefix("EVENT_JSON:")
                    .and_then(|j| serde_json::from_str::<Value>(j).ok())
                else {
                    continue;
                };
                if event["event"] != "emission_changed" {
                    continue;
                }
                let data = &event["data"];
                let rate: U128 =
                    serde_json::from_value(data.get(0).unwrap_or(data)["meta_per_epoch"].clone())
                        .expect("emission_changed carries the new rate");
                self.ledger.note_emission(r.block_height, rate.0);
            }
        }
        out
    }

    /// `cancel` by `who` (the guardian), with its one yoctoNEAR.
    pub fn dao_cancel(&mut self, who: &AccountId, id: u64) -> ExecutionOutcome {
        let args = json!({"proposal_id": id});
        self.dao_call(
            who,
            "cancel",
            args,
            NearToken::from_yoctonear(1),
            DAO_CALL_GAS,
        )
    }

    /// The proposal as the views serve it.
    pub fn dao_proposal(&self, id: u64) -> ProposalView {
        let view: Option<ProposalView> =
            self.view(&self.governance, "get_proposal", json!({"proposal_id": id}));
        view.unwrap_or_else(|| panic!("no proposal {id}"))
    }

    pub fn dao_state(&self, id: u64) -> ProposalState {
        self.dao_proposal(id).state
    }

    pub fn dao_proposal_count(&self) -> u64 {
        self.view(&self.governance, "get_proposal_count", json!({}))
    }

    /// `who`'s META at the end of `block` (its vote's weight for a proposal
    /// with that snapshot).
    pub fn voting_power_at(&self, who: &AccountId, block: u64) -> u128 {
        let v: U128 = self.view(
            &self.governance,
            "get_voting_power_at",
            json!({"account_id": who, "block_height": block}),
        );
        v.0
    }

    /// The governance rules (`get_config().config`).
    pub fn dao_rules(&self) -> governance::GovernanceConfig {
        let v: governance::ContractConfigView =
            self.view(&self.governance, "get_config", json!({}));
        v.config
    }

    /// `who` registers with META (NEP-145, the minimum, from its own
    /// NEAR).
    pub fn meta_register(&mut self, who: &AccountId) -> ExecutionOutcome {
        let gov = self.governance.clone();
        let bounds: governance::StorageBalanceBounds =
            self.view(&gov, "storage_balance_bounds", json!({}));
        self.dao_call(
            who,
            "storage_deposit",
            json!({}),
            NearToken::from_yoctonear(bounds.min.0),
            DAO_CALL_GAS,
        )
    }

    /// The META `who`'s proposal bonds lock now (`get_locked_balance`).
    pub fn meta_locked(&self, who: &AccountId) -> u128 {
        let v: governance::LockedBalanceView = self.view(
            &self.governance,
            "get_locked_balance",
            json!({"account_id": who}),
        );
        v.locked.0
    }

    /// A META transfer between holders (one yoctoNEAR attached).
    pub fn meta_transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: u128,
    ) -> ExecutionOutcome {
        let args = json!({"receiver_id": to, "amount": amount.to_string()});
        self.dao_call(
            from,
            "ft_transfer",
            args,
            NearToken::from_yoctonear(1),
            DAO_CALL_GAS,
        )
    }
}

/// Stakes `stake` yoctoNEAR for each staker, runs `epochs` keeper rounds
/// (each advancing the reward index by the emission), then claims every
/// staker's META: through sNEAR for liquid holders, through the router for
/// a lockup's owner. Returns the META each voter holds, in order of
/// `stakers` (the owner's for a lockup).
pub fn earn_meta(d: &mut Driver, stakers: &[(Staker, u128)], epochs: u64) -> Vec<u128> {
    for (s, stake) in stakers {
        d.step(&format!("{} stakes", s.id), |sys| {
            sys.deposit_and_stake(s, *stake).assert_success();
        });
    }
    for _ in 0..epochs {
        d.next_epoch();
    }
    stakers
        .iter()
        .map(|(s, _)| {
            d.step(&format!("{} claims META", s.meta_account()), |sys| {
                let out = if s.is_lockup() {
                    sys.claim_lockup_meta(s)
                } else {
                    sys.claim_snear_meta(s)
                };
                out.assert_success();
                sys.meta_balance(s.meta_account())
            })
        })
        .collect()
}

/// Runs keeper rounds until the chain is in epoch `epoch` (the keeper
/// once an epoch, as in production).
pub fn wait_until_epoch(d: &mut Driver, epoch: u64) {
    while d.sys.net.epoch_height() < epoch {
        d.next_epoch();
    }
}

/// The voters of the DAO tests: three stakers and a small holder, each
/// holding the META it earned and claimed.
pub struct Voters {
    /// Liquid staker with the largest stake: more META than the quorum
    /// floor alone.
    pub alice: AccountId,
    /// Liquid staker with half of Alice's stake.
    pub bob: AccountId,
    /// The owner of a lockup that staked (claims through the router).
    pub carol: AccountId,
    /// A liquid staker with a token stake and little META.
    pub dave: AccountId,
}

/// The deployment of the DAO tests: two validators listed and two spare
/// whitelisted pools (`pools[2]`, `pools[3]`), the maximum emission so
/// voters earn META quickly, and the router's bootstrap ended, so the DAO
/// is the only way to change it.
pub fn dao_config() -> SystemConfig {
    SystemConfig {
        validators: 2,
        spare_pools: 2,
        pool_faults: false,
        meta_per_epoch: MAX_META_PER_EPOCH,
        ..SystemConfig::default()
    }
}

/// Deploys [`dao_config`], ends the router's bootstrap and gives the
/// [`Voters`] their META by staking and claiming over four epochs.
pub fn deploy_with_voters() -> (Driver, Voters) {
    let mut d = Driver::new(dao_config());
    let owner = d.sys.owner.clone();
    d.step("end the router's bootstrap", |s| {
        s.call_router(&owner, "end_bootstrap", json!({}), 0, DAO_CALL_GAS)
            .assert_success();
    });
    let alice = d
        .sys
        .add_liquid_staker("alice", NearToken::from_near(7_000));
    let bob = d.sys.add_liquid_staker("bob", NearToken::from_near(4_000));
    let carol = d
        .sys
        .add_lockup_account("carol", NearToken::from_near(2_000));
    let dave = d.sys.add_liquid_staker("dave", NearToken::from_near(100));
    let meta = earn_meta(
        &mut d,
        &[
            (alice.clone(), 6_000 * ONE_NEAR),
            (bob.clone(), 3_000 * ONE_NEAR),
            (carol.clone(), 1_000 * ONE_NEAR),
            (dave.clone(), 10 * ONE_NEAR),
        ],
        4,
    );
    let floor = d.sys.dao_rules().min_quorum.0;
    assert!(meta[0] > floor, "alice earned {} META", meta[0]);
    assert!(meta[0] > meta[1] + meta[2], "{meta:?}");
    assert!(meta.iter().all(|m| *m > 0), "{meta:?}");
    // A block between the claims and any proposal, so every claim is in
    // the snapshot of the next one.
    d.sys.net.advance_blocks(1);
    let voters = Voters {
        alice: alice.id,
        bob: bob.id,
        carol: carol.owner.expect("a lockup has an owner"),
        dave: dave.id,
    };
    (d, voters)
}

/// Proposes `kind` as `proposer` (with `CALL_GAS`) and returns the id; the
/// proposal must be created.
pub fn propose(d: &mut Driver, proposer: &AccountId, kind: &ProposalKind) -> u64 {
    d.step("propose", |s| {
        let out = s.dao_propose(proposer, kind, CALL_GAS);
        proposal_id(&out).expect("the proposal was created")
    })
}

/// Votes For with each of `voters`.
pub fn vote_for(d: &mut Driver, id: u64, voters: &[&AccountId]) {
    for v in voters {
        d.step("vote For", |s| {
            s.dao_vote(v, id, VoteChoice::For).assert_success();
        });
    }
}

/// Waits (keeper rounds) until the vote on `id` ends, queues it and returns
/// its eta.
pub fn queue_when_voted(d: &mut Driver, id: u64) -> u64 {
    let ends = d.sys.dao_proposal(id).voting_ends_epoch;
    wait_until_epoch(d, ends);
    let keeper = d.sys.keeper_account.clone();
    d.step("queue", |s| {
        let out = s.dao_queue(&keeper, id);
        out.assert_success();
        out.json::<u64>().expect("queue returns the eta")
    })
}

/// Proposes `kind`, votes For with `voters`, queues, and waits for the eta.
pub fn pass_and_wait_for_eta(
    d: &mut Driver,
    proposer: &AccountId,
    kind: &ProposalKind,
    voters: &[&AccountId],
) -> u64 {
    let id = propose(d, proposer, kind);
    vote_for(d, id, voters);
    let eta = queue_when_voted(d, id);
    wait_until_epoch(d, eta);
    id
}

/// Gas of one DAO transaction: the whole tree, and governance's own
/// receipts.
#[derive(Clone, Debug)]
pub struct DaoGas {
    pub attached: Gas,
    pub total: Gas,
    /// `(method, gas burnt)` of each governance receipt, in order.
    pub governance: Vec<(String, Gas)>,
}

impl DaoGas {
    pub fn of(out: &ExecutionOutcome, governance: &AccountId) -> Self {
        let mut attached = Gas::from_gas(0);
        let mut receipts = vec![];
        for r in &out.receipts {
            if &r.receiver_id != governance || r.is_refund {
                continue;
            }
            if let Some(ActionSummary::FunctionCall { method, gas, .. }) = r.actions.first() {
                if receipts.is_empty() {
                    attached = *gas;
                }
                receipts.push((method.clone(), r.gas_burnt));
            }
        }
        Self {
            attached,
            total: out.total_gas_burnt(),
            governance: receipts,
        }
    }
}

impl std::fmt::Display for DaoGas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tgas = |g: &Gas| g.as_gas() as f64 / 1e12;
        write!(
            f,
            "attached {:.0} Tgas, burnt {:.3} Tgas in all;",
            tgas(&self.attached),
            tgas(&self.total)
        )?;
        for (m, g) in &self.governance {
            write!(f, " {m} {:.3}", tgas(g))?;
        }
        Ok(())
    }
}
