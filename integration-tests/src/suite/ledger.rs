//! What the harness knows independently of the contracts' books, taken from
//! the outcomes of every transaction it sends: stake moves (with the cap
//! reading before the call that caused them), META minted by claims,
//! registrations users paid, NEAR sent to the router, the emission schedule
//! and the highest reward rate the chain paid.

use std::collections::{BTreeMap, BTreeSet};

use localnet::{AccountId, ActionSummary, ExecutionOutcome, ReceiptStatus, RewardRate};
use meta_pool::config::{Params, EPOCH_BLOCKS, NETWORK_STAKE_LAG_EPOCHS};
use serde_json::Value;

/// The cap inputs at one moment: what the router's stake and the network
/// looked like just before an epoch operation.
#[derive(Clone, Debug)]
pub struct CapReading {
    pub epoch: u64,
    pub block: u64,
    /// The router's `total_staked` (value of all shares).
    pub total_staked: u128,
    pub params: Params,
    /// Per listed validator: the router's staked balance there, as the pool
    /// reports it (the router's record when the pool's views fail).
    pub staked: BTreeMap<AccountId, u128>,
    /// `env::validator_stake` of every validator of the current epoch.
    pub network: BTreeMap<AccountId, u128>,
    /// `env::validator_total_stake`.
    pub network_total: u128,
}

/// NEAR the router staked on a validator: a `deposit_and_stake` receipt
/// from the router that the pool executed.
#[derive(Clone, Debug)]
pub struct StakeMove {
    pub validator: AccountId,
    pub amount: u128,
    pub epoch: u64,
    pub block: u64,
    /// The reading before the call; `None` when the call was not sent
    /// through `System::call` with a reading (a bug in the test).
    pub before: Option<CapReading>,
    /// Stake the router added to the same validator over the epochs the
    /// validator set does not show yet, before this move (the harness's own
    /// tally).
    pub recent_added: u128,
}

#[derive(Clone, Debug)]
pub struct Ledger {
    pub stake_moves: Vec<StakeMove>,
    /// Disagreements between what pools did and what the router's events
    /// say it did (a stake the pool took but the router booked as failed, or
    /// the reverse).
    pub mismatches: Vec<String>,
    /// META minted (governance `ft_mint` events), all of it by claims since
    /// only the router and sNEAR may mint.
    pub meta_minted: u128,
    /// Accounts META was minted to.
    pub meta_holders: BTreeSet<AccountId>,
    /// sNEAR holders registered by their own (or a sender's) storage
    /// deposit, not by the router's mint.
    pub user_registrations: BTreeSet<AccountId>,
    /// NEAR sent to the router as top-ups of its own funds.
    pub router_top_ups: u128,
    /// `(from_block, meta_per_epoch)`, in order: the router emits
    /// `meta_per_epoch` over `EPOCH_BLOCKS` blocks, continuously.
    pub emission: Vec<(u64, u128)>,
    /// The highest validator reward rate the chain has paid.
    pub max_reward_rate: RewardRate,
    /// Every transaction recorded.
    pub transactions: u64,
    /// Syncs the router refused: `(validator, epoch, reason)`.
    pub refused_syncs: Vec<(AccountId, u64, String)>,
    /// Per validator, the last epoch the router booked a fresh reading:
    /// a sync whose `ping` ran (so the pool had paid out that epoch's
    /// rewards before `get_account`). A sync after a failed ping books a
    /// stale reading, so rewards the router has not booked can span more
    /// epochs than its `synced_epoch` says.
    pub fresh_syncs: BTreeMap<AccountId, u64>,
    /// Per validator, how far the router's record may sit below what the
    /// pool holds because the router booked a sync while the pool's views
    /// under-reported (a negative balance delta in force): a reading whose
    /// rewards since the last sync exceeded the delta is net growth, which
    /// the router rightly books. The surplus is the pool's, booked as
    /// reward by a later sync; that sync clears the entry.
    pub under_reported: BTreeMap<AccountId, u128>,
}

impl Ledger {
    pub fn new(init_block: u64, meta_per_epoch: u128, rate: RewardRate) -> Self {
        Self {
            stake_moves: Vec::new(),
            mismatches: Vec::new(),
            meta_minted: 0,
            meta_holders: BTreeSet::new(),
            user_registrations: BTreeSet::new(),
            router_top_ups: 0,
            emission: vec![(init_block, meta_per_epoch)],
            max_reward_rate: rate,
            transactions: 0,
            refused_syncs: Vec::new(),
            fresh_syncs: BTreeMap::new(),
            under_reported: BTreeMap::new(),
        }
    }

    /// META the router has emitted over all shares from its `new` up to
    /// `block`, rounded down.
    pub fn meta_emitted(&self, block: u64) -> u128 {
        let mut total = 0u128;
        for (k, &(from, rate)) in self.emission.iter().enumerate() {
            let to = self
                .emission
                .get(k + 1)
                .map_or(block, |&(next, _)| next.min(block));
            total += rate * u128::from(to.saturating_sub(from));
        }
        total / u128::from(EPOCH_BLOCKS)
    }

    /// Records an emission change applied at `block`.
    pub fn note_emission(&mut self, block: u64, meta_per_epoch: u128) {
        self.emission.push((block, meta_per_epoch));
    }

    pub fn note_reward_rate(&mut self, rate: RewardRate) {
        let m = self.max_reward_rate;
        if rate.numerator * m.denominator > m.numerator * rate.denominator {
            self.max_reward_rate = rate;
        }
    }

    /// Stake the router added to `v` in the epochs before `epoch` that the
    /// validator set does not show yet, and in `epoch` itself.
    pub fn recent_added(&self, v: &AccountId, epoch: u64) -> u128 {
        self.stake_moves
            .iter()
            .filter(|m| &m.validator == v && m.epoch + NETWORK_STAKE_LAG_EPOCHS > epoch)
            .map(|m| m.amount)
            .sum()
    }

    /// Books one transaction's outcome.
    pub fn record_outcome(
        &mut self,
        out: &ExecutionOutcome,
        router: &AccountId,
        governance: &AccountId,
        reading: Option<CapReading>,
        epoch_length: u64,
        hidden: &BTreeMap<AccountId, u128>,
    ) {
        self.transactions += 1;
        // Genesis is height 0 in epoch 1 (localnet's default).
        let epoch_of = |height: u64| height / epoch_length + 1;
        let epoch = epoch_of(out.transaction.block_height);
        let mut router_said: Vec<(AccountId, u128)> = Vec::new();
        let mut synced: Vec<AccountId> = Vec::new();
        for e in out.events() {
            if &e.emitter == governance && e.event == "ft_mint" {
                for m in data_items(&e.data) {
                    self.meta_minted += amount(&m["amount"]);
                    if let Some(id) = m["owner_id"].as_str().and_then(|s| s.parse().ok()) {
                        self.meta_holders.insert(id);
                    }
                }
            }
            if &e.emitter == router && e.standard == "meta-pool" {
                for d in data_items(&e.data) {
                    let op = d["op"].as_str().unwrap_or_default();
                    let id = d["validator_id"].as_str().and_then(|s| s.parse().ok());
                    match (e.event.as_str(), op, id) {
                        ("epoch_success", "stake", Some(id)) => {
                            router_said.push((id, amount(&d["amount"])))
                        }
                        ("epoch_success", "sync", Some(id)) => synced.push(id),
                        ("epoch_failed", "sync", Some(id)) => self.refused_syncs.push((
                            id,
                            epoch,
                            d["reason"].as_str().unwrap_or_default().to_string(),
                        )),
                        _ => {}
                    }
                }
            }
        }
        for v in synced {
            match hidden.get(&v) {
                Some(h) => self.under_reported.insert(v.clone(), *h),
                None => self.under_reported.remove(&v),
            };
            let pinged = out.receipts.iter().any(|r| {
                r.receiver_id == v
                    && &r.predecessor_id == router
                    && matches!(r.status, ReceiptStatus::SuccessValue(_))
                    && matches!(r.actions.first(), Some(ActionSummary::FunctionCall { method, .. }) if method == "ping")
            });
            if pinged {
                self.fresh_syncs.insert(v, epoch);
            }
        }
        for r in &out.receipts {
            if &r.predecessor_id != router || r.is_refund {
                continue;
            }
            let Some(ActionSummary::FunctionCall {
                method, deposit, ..
            }) = r.actions.first()
            else {
                continue;
            };
            // A pool that staked returns no promise; an intercepted call
            // (fault switch) returns one that fails, a panic fails.
            if method != "deposit_and_stake" || !matches!(r.status, ReceiptStatus::SuccessValue(_))
            {
                continue;
            }
            let validator = r.receiver_id.clone();
            let amount = deposit.as_yoctonear();
            match router_said
                .iter()
                .position(|(v, a)| v == &validator && *a == amount)
            {
                Some(k) => {
                    router_said.remove(k);
                }
                None => self.mismatches.push(format!(
                    "{validator} took a stake of {amount} the router did not book as a success"
                )),
            }
            let epoch = epoch_of(r.block_height);
            let recent_added = self.recent_added(&validator, epoch);
            self.stake_moves.push(StakeMove {
                validator,
                amount,
                epoch,
                block: r.block_height,
                before: reading.clone(),
                recent_added,
            });
        }
        for (v, a) in router_said {
            self.mismatches.push(format!(
                "the router booked a stake of {a} on {v} the pool did not take"
            ));
        }
    }
}

/// A `U128` JSON string as a number (0 when absent or malformed).
pub(crate) fn amount(v: &Value) -> u128 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// An event's `data`: near-sdk's events carry an array of one object.
fn data_items(data: &Value) -> Vec<&Value> {
    match data {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}
