use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;

/// A router whose operations each have `work[op]` calls of work, and a
/// clock of epochs the test moves.
struct Fake {
    epoch: u64,
    work: BTreeMap<&'static str, u32>,
    fail_next: u32,
    sent: Vec<&'static str>,
}

impl EpochChain for Fake {
    fn router_view(&mut self, method: &str, _: Value) -> Result<Value, ChainError> {
        match method {
            "is_staking_paused" => Ok(json!(false)),
            "get_epoch_status" => Ok(json!({
                "epoch_height": self.epoch, "validators_to_sync": 0,
                "pool_state_push_pending": false, "withdraw_pending": false,
                "unstake_pending": false, "unstake_backlog": "0", "unstake_blocked": false,
                "stake_pending": false, "rebalance_pending": false, "unplaced_stake": "0",
                "calls_in_flight": 0, "work_pending": false, "staking_paused": false
            })),
            other => Err(ChainError(format!("no view {other}"))),
        }
    }

    fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
        assert_eq!(gas, minimum_gas(op));
        self.sent.push(op);
        if self.fail_next > 0 {
            self.fail_next -= 1;
            return OpOutcome {
                failure: Some("rate limited".into()),
                ..Default::default()
            };
        }
        let left = self.work.entry(op).or_default();
        let more = *left > 0;
        *left = left.saturating_sub(1);
        OpOutcome {
            more: Some(more),
            tx_hash: Some("h".into()),
            ..Default::default()
        }
    }

    fn epoch_height(&mut self) -> Result<u64, ChainError> {
        Ok(self.epoch)
    }
}

fn fake() -> Fake {
    Fake {
        epoch: 7,
        work: BTreeMap::from([("epoch_sync", 2), ("epoch_stake", 1)]),
        fail_next: 0,
        sent: Vec::new(),
    }
}

#[test]
fn a_round_calls_each_operation_until_false_in_order() {
    let mut chain = fake();
    let keeper = Keeper {
        gas: None,
        ..Keeper::default()
    };
    let report = keeper.run_round(&mut chain).unwrap();
    assert_eq!(
        chain.sent,
        [
            "epoch_sync",
            "epoch_sync",
            "epoch_sync",
            "epoch_withdraw",
            "epoch_unstake",
            "epoch_stake",
            "epoch_stake",
            "epoch_rebalance"
        ]
    );
    assert!(report.finished());
    assert!(report
        .summary()
        .contains("8 calls (sync 3, withdraw 1, unstake 1, stake 2, rebalance 1)"));
}

#[test]
fn the_service_waits_for_the_next_epoch_and_gives_up_after_failures_in_a_row() {
    let keeper = Keeper {
        gas: None,
        ..Keeper::default()
    };
    let options = RunOptions {
        rounds: Some(2),
        poll: Duration::from_millis(1),
        ..RunOptions::default()
    };
    // Two rounds: one in epoch 7, then polls until the epoch moves.
    let mut chain = fake();
    // The epoch moves on the fourth poll.
    let mut sleep = |_| {};
    let mut events = Vec::new();
    let mut epochs = [7u64, 7, 7, 8].into_iter();
    struct Moving<'a> {
        inner: &'a mut Fake,
        epochs: &'a mut dyn Iterator<Item = u64>,
    }
    impl EpochChain for Moving<'_> {
        fn router_view(&mut self, m: &str, a: Value) -> Result<Value, ChainError> {
            self.inner.router_view(m, a)
        }
        fn call_epoch_op(&mut self, op: &'static str, gas: Gas) -> OpOutcome {
            self.inner.call_epoch_op(op, gas)
        }
        fn epoch_height(&mut self) -> Result<u64, ChainError> {
            if let Some(e) = self.epochs.next() {
                self.inner.epoch = e;
            }
            Ok(self.inner.epoch)
        }
    }
    let mut moving = Moving {
        inner: &mut chain,
        epochs: &mut epochs,
    };
    let summary = keeper
        .run(&mut moving, &options, &mut sleep, &mut |e| {
            events.push(format!("{e:?}").chars().take(12).collect::<String>())
        })
        .unwrap();
    assert_eq!(summary.rounds, 2);
    assert_eq!(summary.failures, 0);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.starts_with("RoundStart"))
            .count(),
        2
    );

    // Failing every time: stops after `max_failures` rounds in a row.
    let mut chain = fake();
    chain.fail_next = u32::MAX;
    let err = keeper
        .run(&mut chain, &options, &mut |_| {}, &mut |_| {})
        .unwrap_err();
    assert_eq!(err.op, "epoch_sync");
    assert_eq!(chain.sent.len(), options.max_failures as usize);

    // One failure, then the retry succeeds.
    let mut chain = fake();
    chain.fail_next = 1;
    let once = RunOptions {
        rounds: Some(1),
        ..options
    };
    let summary = keeper
        .run(&mut chain, &once, &mut |_| {}, &mut |_| {})
        .unwrap();
    assert_eq!((summary.rounds, summary.failures), (1, 1));
}
