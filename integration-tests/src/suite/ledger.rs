//! What the harness knows independently of the contracts' books, taken from
//! the outcomes of every transaction it sends: stake moves (with the cap
//! reading before the call that caused them), META minted by claims,
//! registrations users paid, NEAR sent to the router, the emission schedule
//! and the highest reward rate the chain paid.

use std::collections::{BTreeMap, BTreeSet};

use localnet::{AccountId, ActionSummary, ExecutionOutcome, ReceiptStatus, RewardRate};
use meta_pool::config::{Params, EPOCH_BLOCKS, NETWORK_STAKE_LAG_EPOCHS, SYNC_LOSS_TOLERANCE};
use serde_json::Value;

use crate::owed::{fee_is_its_share, SyncBooked};

use super::rates::ValidatorRates;

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

/// A validator's loss the router booked at a sync (`rewards_synced` with a
/// `loss`), with the seed's payment of it (`seed_paid`). A loss above
/// `SYNC_LOSS_TOLERANCE` is booked only on a draining validator (reason
/// `drained_validator_loss`); beyond what the seed holds it lowers the
/// price, which invariant 3 allows by exactly what the event's figures
/// explain (`invariants::loss_bound`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedLoss {
    pub validator: AccountId,
    pub epoch: u64,
    /// NEAR the validator's record fell by.
    pub loss: u128,
    /// Seed shares the router burnt to pay it.
    pub seed_shares_burnt: u128,
    /// The router's totals right after the booking.
    pub total_staked: u128,
    pub total_shares: u128,
}

#[derive(Clone, Debug)]
pub struct Ledger {
    /// The router's protocol fee in force, from its deployment and its
    /// `parameter_changed` events.
    pub protocol_fee_bps: u16,
    /// Syncs whose reward, fee and fee shares were checked
    /// (`owed::fee_is_its_share`).
    pub fees_checked: u64,
    /// Accounts that acted, in order of the transactions recorded: each
    /// transaction's signer, every account whose receipt called the router
    /// or sNEAR (a lockup contract), and every receiver of an sNEAR
    /// transfer. Invariant 10 (`owed::only_actors_moved`) allows a step to
    /// move only their holdings.
    pub actors: Vec<AccountId>,
    /// Per account, the liquid stakes whose mint failed and whose rollback
    /// restarted the wait (`mint_failed` with `wait_restarted`: other calls
    /// moved the claims while the mint was in flight): the one case in which
    /// the router moves an account's quoted epoch later without an unstake
    /// of its own. A rollback with nothing in between keeps the quote.
    pub mint_rollbacks: BTreeMap<AccountId, u64>,
    /// sNEAR holders whose last balance change reached the router's copy
    /// by no notice (`mirror`: the sNEAR receipt made no successful
    /// `on_snear_balances` call, e.g. it was short of gas): the router's
    /// views may show their old stake until their next change
    /// (invariant 11 excuses them).
    pub mirror_stale: BTreeSet<AccountId>,
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
    /// NEAR the router returned for its copies of sNEAR holders (`mirror`:
    /// a holder that paid its own registration unregistered); the deposits
    /// that came with registrations count in `router_top_ups`.
    pub mirror_refunds: u128,
    /// `(from_block, meta_per_epoch)`, in order: the router emits
    /// `meta_per_epoch` over `EPOCH_BLOCKS` blocks, continuously.
    pub emission: Vec<(u64, u128)>,
    /// The highest chain-wide reward rate the chain has paid (the bound of
    /// validators that never had a rate of their own).
    pub max_reward_rate: RewardRate,
    /// Rates of validators given one of their own, and the highest each
    /// was paid (`max_reward_rate_of`).
    pub validator_rates: ValidatorRates,
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
    /// Per pool, NEAR donated to it (the epoch of the last donation, the
    /// sum): the pool books it as reward at its first ping of an epoch,
    /// which may be the next epoch's when it was pinged before the donation,
    /// and the router refuses a reading that grew that much
    /// (`reward_too_large`) until its per-epoch bound covers it. So the
    /// pool may hold up to that much more than the record until a sync
    /// booked in a later epoch than the donation.
    pub donations: BTreeMap<AccountId, (u64, u128)>,
    /// Per validator, how far the pool's balance for the router may sit
    /// below the router's record because the pool lost principal for real
    /// (`fault_lose_principal`): the router's part of the loss, measured at
    /// the pool. The router books a loss up to `SYNC_LOSS_TOLERANCE` (the
    /// seed pays it) and refuses a larger one, so the gap lasts until a
    /// sync books a reading; that sync clears the entry.
    pub known_loss: BTreeMap<AccountId, u128>,
    /// Every loss the router booked at a sync, in order (the checker reads
    /// the ones new in each step).
    pub booked_losses: Vec<BookedLoss>,
}

impl Ledger {
    pub fn new(init_block: u64, meta_per_epoch: u128, rate: RewardRate) -> Self {
        Self {
            protocol_fee_bps: 0,
            fees_checked: 0,
            actors: Vec::new(),
            mint_rollbacks: BTreeMap::new(),
            mirror_stale: BTreeSet::new(),
            stake_moves: Vec::new(),
            mismatches: Vec::new(),
            meta_minted: 0,
            meta_holders: BTreeSet::new(),
            user_registrations: BTreeSet::new(),
            router_top_ups: 0,
            mirror_refunds: 0,
            emission: vec![(init_block, meta_per_epoch)],
            max_reward_rate: rate,
            validator_rates: ValidatorRates::new(rate),
            transactions: 0,
            refused_syncs: Vec::new(),
            fresh_syncs: BTreeMap::new(),
            under_reported: BTreeMap::new(),
            donations: BTreeMap::new(),
            known_loss: BTreeMap::new(),
            booked_losses: Vec::new(),
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
        self.validator_rates.chain_rate_set(rate);
    }

    /// `v` earns `rate` of its own from the next boundary (`None`: the
    /// chain-wide rate again).
    pub fn note_validator_reward_rate(&mut self, v: &AccountId, rate: Option<RewardRate>) {
        self.validator_rates.set(v, rate, self.max_reward_rate);
    }

    /// The highest rate validator `v` may have been paid: what bounds its
    /// rewards not booked yet (invariant 1).
    pub fn max_reward_rate_of(&self, v: &AccountId) -> RewardRate {
        self.validator_rates.max_of(v, self.max_reward_rate)
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
        self.actors.push(out.transaction.signer_id.clone());
        for r in out.receipts.iter().filter(|r| !r.is_refund) {
            for a in &r.actions {
                let ActionSummary::FunctionCall { method, args, .. } = a else {
                    continue;
                };
                if &r.receiver_id == router {
                    self.actors.push(r.predecessor_id.clone());
                }
                if method == "ft_transfer" || method == "ft_transfer_call" {
                    let to = serde_json::from_slice::<Value>(args)
                        .ok()
                        .and_then(|v| v["receiver_id"].as_str().and_then(|s| s.parse().ok()));
                    self.actors.push(r.predecessor_id.clone());
                    self.actors.extend(to);
                }
            }
        }
        self.note_mirror(out, router, governance);
        self.note_mirror_money(out, router);
        // Genesis is height 0 in epoch 1 (localnet's default).
        let epoch_of = |height: u64| height / epoch_length + 1;
        let epoch = epoch_of(out.transaction.block_height);
        let mut router_said: Vec<(AccountId, u128)> = Vec::new();
        let mut synced: Vec<AccountId> = Vec::new();
        // The router emits a loss's `seed_paid` just before its
        // `rewards_synced`, in the same receipt.
        let mut seed_paid: Option<(u128, u128, String)> = None;
        for e in out.events() {
            if &e.emitter == governance && e.event == "ft_transfer" {
                for m in data_items(&e.data) {
                    if let Some(id) = m["new_owner_id"].as_str().and_then(|s| s.parse().ok()) {
                        self.meta_holders.insert(id);
                    }
                }
            }
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
                        ("mint_failed", _, _) if d["wait_restarted"] == true => {
                            if let Some(a) = d["account_id"].as_str().and_then(|s| s.parse().ok()) {
                                *self.mint_rollbacks.entry(a).or_default() += 1;
                            }
                        }
                        ("seed_paid", _, _) => {
                            seed_paid = Some((
                                amount(&d["amount"]),
                                amount(&d["seed_shares_burnt"]),
                                d["reason"].as_str().unwrap_or_default().to_string(),
                            ))
                        }
                        ("rewards_synced", _, Some(id)) => {
                            let loss = amount(&d["loss"]);
                            let paid = seed_paid.take();
                            if loss > 0 {
                                let want = if loss > SYNC_LOSS_TOLERANCE {
                                    "drained_validator_loss"
                                } else {
                                    "validator_rounding"
                                };
                                match paid {
                                    Some((a, burnt, reason)) if a == loss && reason == want => {
                                        self.booked_losses.push(BookedLoss {
                                            validator: id.clone(),
                                            epoch,
                                            loss,
                                            seed_shares_burnt: burnt,
                                            total_staked: amount(&d["total_staked"]),
                                            total_shares: amount(&d["total_shares"]),
                                        })
                                    }
                                    other => self.mismatches.push(format!(
                                        "sync of {id} booked a loss of {loss} but the seed's \
                                         payment before it was {other:?} (expected reason {want})"
                                    )),
                                }
                            }
                            self.fees_checked += 1;
                            let booked = SyncBooked {
                                reward: amount(&d["reward"]),
                                fee: amount(&d["fee"]),
                                fee_shares: amount(&d["fee_shares"]),
                                total_staked: amount(&d["total_staked"]),
                                total_shares: amount(&d["total_shares"]),
                            };
                            if let Err(e) = fee_is_its_share(&booked, self.protocol_fee_bps) {
                                self.mismatches.push(format!("sync of {id}: {e}"));
                            }
                        }
                        ("parameter_changed", _, _) => {
                            if let Some(bps) = d["parameter"]["ProtocolFeeBps"].as_u64() {
                                self.protocol_fee_bps = bps as u16;
                            }
                        }
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
            // A booked reading is the pool's balance: no loss left unbooked.
            self.known_loss.remove(&v);
            if self.donations.get(&v).is_some_and(|d| d.0 < epoch) {
                self.donations.remove(&v);
            }
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

impl Ledger {
    /// For every sNEAR receipt that moved balances (NEP-141 events not from
    /// the governance token): its holders' copies at the router are fresh
    /// when the receipt made a successful `on_snear_balances` call to the
    /// router, stale otherwise.
    fn note_mirror(&mut self, out: &ExecutionOutcome, router: &AccountId, governance: &AccountId) {
        for r in out.receipts.iter().filter(|r| !r.is_refund) {
            if &r.receiver_id == governance || &r.receiver_id == router {
                continue;
            }
            let mut moved: Vec<AccountId> = Vec::new();
            for log in &r.logs {
                let Some(e) = log
                    .strip_prefix("EVENT_JSON:")
                    .and_then(|j| serde_json::from_str::<Value>(j).ok())
                else {
                    continue;
                };
                if e["standard"] != "nep141" {
                    continue;
                }
                for d in data_items(&e["data"]) {
                    for k in ["old_owner_id", "new_owner_id", "owner_id"] {
                        if let Some(id) = d[k].as_str().and_then(|s| s.parse().ok()) {
                            moved.push(id);
                        }
                    }
                }
            }
            if moved.is_empty() {
                continue;
            }
            let told = out
                .receipts
                .iter()
                .any(|c| c.parent == Some(r.receipt_id) && is_mirror_notice(c, router));
            for id in moved {
                if told {
                    self.mirror_stale.remove(&id);
                } else {
                    self.mirror_stale.insert(id);
                }
            }
        }
    }

    /// The NEAR that moves with the router's copies of sNEAR holders: the
    /// record deposit a registration's notice attaches (into the router's
    /// own funds) and the deposit the router sends back when a holder that
    /// paid its own registration leaves.
    fn note_mirror_money(&mut self, out: &ExecutionOutcome, router: &AccountId) {
        let is_notice = |r: &localnet::ReceiptOutcome| is_mirror_notice(r, router);
        for r in out.receipts.iter().filter(|r| !r.is_refund) {
            if is_notice(r) {
                for a in &r.actions {
                    if let ActionSummary::FunctionCall { deposit, .. } = a {
                        self.router_top_ups += deposit.as_yoctonear();
                    }
                }
            }
            let from_notice = &r.predecessor_id == router
                && out
                    .receipts
                    .iter()
                    .any(|p| Some(p.receipt_id) == r.parent && is_notice(p));
            if from_notice {
                for a in &r.actions {
                    if let ActionSummary::Transfer { deposit } = a {
                        self.mirror_refunds += deposit.as_yoctonear();
                    }
                }
            }
        }
    }
}

/// A successful `on_snear_balances` receipt at the router: sNEAR's notice
/// of holders' new balances (`mirror`).
fn is_mirror_notice(r: &localnet::ReceiptOutcome, router: &AccountId) -> bool {
    &r.receiver_id == router
        && !matches!(r.status, ReceiptStatus::Failure(_))
        && r.actions.iter().any(
            |a| matches!(a, ActionSummary::FunctionCall { method, .. } if method == "on_snear_balances"),
        )
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
