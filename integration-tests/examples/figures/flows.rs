//! What users and the keeper pay with five validators: one deployment
//! (`SystemConfig::default()` without fault switches, so the pools run the
//! plain `test_pool.wasm`), every call a labelled `Driver` step followed by
//! every DESIGN §7 invariant, so a figure never comes from a broken run.
//!
//! Storage is read, never computed: the `storage_usage` of the router's and
//! sNEAR's accounts before and after the call that creates (or deletes) a
//! record.

use integration_tests::keeper::{GasStats, EPOCH_OPS};
use integration_tests::suite::{
    wasm, Driver, Staker, System, SystemConfig, DEFAULT_WEIGHT_BPS, ONE_NEAR,
};
use localnet::{AccountId, ExecutionOutcome, Gas, NearToken};
use meta_common::actions::{RouterAction, RouterParameter, ValidatorWeight};
use near_sdk::json_types::U128;
use serde_json::{json, Value};

/// One transaction's gas.
pub struct GasRow {
    pub op: String,
    pub how: String,
    /// Every receipt of the transaction, the conversion included.
    pub gas: Gas,
    /// Receipts that ran, protocol refunds excluded.
    pub receipts: usize,
}

/// A storage change measured on the contract accounts.
pub struct StorageRow {
    pub what: String,
    pub account: String,
    pub router: i64,
    pub snear: i64,
}

/// sNEAR's transfers, for the comparison with the standard token.
pub struct FtFigures {
    /// The `ft_transfer` receipt alone.
    pub transfer_receipt: Gas,
    pub transfer_tx: Gas,
    /// The whole `ft_transfer_call` transaction, partial refund.
    pub transfer_call_tx: Gas,
}

pub struct Flows {
    pub gas: Vec<GasRow>,
    pub storage: Vec<StorageRow>,
    pub epoch: GasStats,
    pub ft: FtFigures,
    pub validators: usize,
    /// sNEAR's NEP-145 minimum over the storage byte cost: the bytes it
    /// asks a user-paid registration to cover (a view, not a measurement).
    pub snear_min_bytes: u128,
}

/// `storage_usage` of the router and sNEAR.
struct Usage(u64, u64);

impl Usage {
    fn of(sys: &System) -> Self {
        let get = |id: &AccountId| sys.net.account(id).expect("deployed").storage_usage;
        Self(get(&sys.router), get(&sys.snear))
    }

    fn delta_since(&self, sys: &System) -> (i64, i64) {
        let now = Self::of(sys);
        (now.0 as i64 - self.0 as i64, now.1 as i64 - self.1 as i64)
    }
}

/// The ft receiver's answer: keep 7 of 10, refund 3 (the amounts of the
/// standard token's reference measurement, see `main.rs`).
const TRANSFER_CALL_AMOUNT: u128 = 10 * ONE_NEAR;
const TRANSFER_CALL_REFUND: u128 = 3 * ONE_NEAR;
/// The reference measurement's `ft_transfer` amount.
const TRANSFER_AMOUNT: u128 = 1_000;

struct Run {
    d: Driver,
    gas: Vec<GasRow>,
    storage: Vec<StorageRow>,
}

impl Run {
    /// Runs `f` as a checked step; the transaction must succeed. Its gas is
    /// recorded under `op`/`how`, and the storage it changed under
    /// `storage` when given.
    fn measure(
        &mut self,
        op: &str,
        how: &str,
        storage: Option<(&str, &AccountId)>,
        f: impl FnOnce(&mut System) -> ExecutionOutcome,
    ) -> ExecutionOutcome {
        let before = Usage::of(&self.d.sys);
        let out = self.d.step(&format!("{op} ({how})"), f);
        out.assert_success();
        assert_eq!(out.receipt_failures().count(), 0, "{op} ({how})");
        self.gas.push(GasRow {
            op: op.into(),
            how: how.into(),
            gas: out.total_gas_burnt(),
            receipts: out.receipts.iter().filter(|r| !r.is_refund).count(),
        });
        if let Some((what, account)) = storage {
            let (router, snear) = before.delta_since(&self.d.sys);
            self.storage.push(StorageRow {
                what: what.into(),
                account: account.to_string(),
                router,
                snear,
            });
        }
        out
    }

    fn unstaked(&self, s: &Staker) -> u128 {
        let v: U128 = self
            .d
            .sys
            .router_view("get_account_unstaked_balance", json!({"account_id": s.id}));
        v.0
    }

    fn available(&self, s: &Staker) -> bool {
        self.d.sys.router_view(
            "is_account_unstaked_balance_available",
            json!({"account_id": s.id}),
        )
    }
}

pub fn run() -> Flows {
    let config = SystemConfig {
        spare_pools: 1,
        pool_faults: false,
        ..SystemConfig::default()
    };
    let validators = config.validators;
    let mut r = Run {
        d: Driver::new(config),
        gas: Vec::new(),
        storage: Vec::new(),
    };
    let balance = NearToken::from_near(100_000);
    let alice = r.d.sys.add_liquid_staker("alice", balance);
    let bob = r.d.sys.add_liquid_staker("bob", balance);
    let carol = r.d.sys.add_lockup_account("carol", balance);
    let dave = r.d.sys.add_lockup_contract("dave", balance);

    // Liquid staking: a new holder (sNEAR registers it on the mint, the
    // router paying) and a holder already registered.
    // The very first mint also carries sNEAR's first pool-state push, which
    // grows its state once (`pool_state` goes from `None` to `Some`); the
    // second new holder shows the per-holder cost alone.
    let new_holder = Some((
        "liquid holder: sNEAR's first (pool state pushed once)",
        &alice.id,
    ));
    r.measure(
        "deposit_and_stake",
        "liquid, sNEAR's first holder",
        new_holder,
        |s| s.deposit_and_stake(&alice, 10_000 * ONE_NEAR),
    );
    let new_holder = Some(("liquid holder: first deposit_and_stake", &bob.id));
    r.measure(
        "deposit_and_stake",
        "liquid, new sNEAR holder",
        new_holder,
        |s| s.deposit_and_stake(&bob, 10_000 * ONE_NEAR),
    );
    r.measure("deposit_and_stake", "liquid, existing holder", None, |s| {
        s.deposit_and_stake(&alice, 1_000 * ONE_NEAR)
    });

    // Lockups: the lockup-named account calls the router with the gas old
    // lockups attach; the contract is res/test_lockup.wasm driven by its
    // owner (its own receipts and callbacks included).
    let record = Some(("lockup account: first deposit", &carol.id));
    r.measure(
        "deposit (lockup)",
        "lockup account -> router, 40 Tgas",
        record,
        |s| s.deposit(&carol, 10_000 * ONE_NEAR),
    );
    let record = Some(("lockup account: stake", &carol.id));
    r.measure(
        "stake (lockup)",
        "lockup account -> router, 60 Tgas",
        record,
        |s| s.stake(&carol, 10_000 * ONE_NEAR),
    );
    let via = "owner -> test_lockup.wasm -> router";
    r.measure("deposit (lockup)", via, None, |s| {
        s.deposit(&dave, 10_000 * ONE_NEAR)
    });
    r.measure("stake (lockup)", via, None, |s| {
        s.stake(&dave, 10_000 * ONE_NEAR)
    });

    r.d.next_epoch();
    // Drift, so the rebalance has work: the first validator's weight up
    // fivefold puts the others above target; the lowest threshold.
    let heavy = r.d.sys.pools[0].id.clone();
    r.d.step("set weights, lowest drift threshold", |s| {
        s.governance_action(RouterAction::SetWeights {
            weights: vec![ValidatorWeight {
                account_id: heavy,
                weight_bps: 5 * DEFAULT_WEIGHT_BPS,
            }],
        })
        .assert_success();
        s.governance_action(RouterAction::SetParameter {
            parameter: RouterParameter::RebalanceThresholdBps(50),
        })
        .assert_success();
    });

    let ft = transfers(&mut r, &alice, &bob);

    // Unstakes: a liquid unstake opens the router's record of the pending
    // NEAR; withdrawing it all deletes the record.
    let record = Some(("liquid holder: unstake (pending NEAR)", &alice.id));
    r.measure("unstake", "liquid, burns sNEAR", record, |s| {
        s.unstake(&alice, 2_000 * ONE_NEAR)
    });
    r.measure("unstake_all", "liquid, one burn_all on sNEAR", None, |s| {
        s.unstake_all(&bob)
    });
    r.measure(
        "unstake (lockup)",
        "lockup account -> router, 60 Tgas",
        None,
        |s| s.unstake(&carol, 2_000 * ONE_NEAR),
    );
    r.measure("unstake (lockup)", via, None, |s| {
        s.unstake(&dave, 2_000 * ONE_NEAR)
    });

    let unstakers = [&alice, &bob, &carol, &dave];
    for _ in 0..10 {
        if unstakers.iter().all(|s| r.available(s)) {
            break;
        }
        r.d.next_epoch();
    }
    assert!(
        unstakers.iter().all(|s| r.available(s)),
        "unstaked NEAR not available after 10 epochs"
    );
    let amount = r.unstaked(&alice);
    let record = Some(("liquid holder: withdraw all pending NEAR", &alice.id));
    r.measure("withdraw", "liquid, everything pending", record, |s| {
        s.withdraw(&alice, amount)
    });
    r.measure("withdraw_all", "liquid", None, |s| s.withdraw_all(&bob));
    let amount = r.unstaked(&carol);
    r.measure(
        "withdraw (lockup)",
        "lockup account -> router, 60 Tgas",
        None,
        |s| s.withdraw(&carol, amount),
    );
    let amount = r.unstaked(&dave);
    r.measure("withdraw (lockup)", via, None, |s| {
        s.withdraw(&dave, amount)
    });
    // Rounds until the rebalanced stake came back and was placed again.
    for _ in 0..3 {
        r.d.next_epoch();
    }
    for op in EPOCH_OPS {
        assert!(r.d.gas.per_op.contains_key(op), "{op} never had work");
    }
    let epoch = r.d.gas.clone();

    // A validator listed by the bootstrap owner (the DAO's path is
    // measured in `dao_figures`).
    let pool = r.d.sys.pools[validators].id.clone();
    let record = Some(("validator: listed", &pool));
    r.measure(
        "apply_governance_action",
        "AddValidator, bootstrap owner",
        record,
        |s| {
            s.governance_action(RouterAction::AddValidator {
                account_id: pool.clone(),
                weight_bps: DEFAULT_WEIGHT_BPS,
            })
        },
    );

    let bounds: Value =
        r.d.sys
            .view(&r.d.sys.snear, "storage_balance_bounds", json!({}));
    let min: u128 = bounds["min"]
        .as_str()
        .and_then(|m| m.parse().ok())
        .expect("min");
    let snear_min_bytes = min / r.d.sys.net.storage_byte_cost().as_yoctonear();
    Flows {
        gas: r.gas,
        storage: r.storage,
        epoch,
        ft,
        validators,
        snear_min_bytes,
    }
}

/// `ft_transfer` between two holders, then `ft_transfer_call` to
/// res/test_ft_receiver.wasm, which keeps part and refunds part.
fn transfers(r: &mut Run, alice: &Staker, bob: &Staker) -> FtFigures {
    let out = r.measure("ft_transfer", "sNEAR, holder to holder", None, |s| {
        s.snear_transfer(alice, bob, TRANSFER_AMOUNT)
    });
    let transfer_receipt = out
        .receipts
        .iter()
        .find(|rc| rc.parent.is_none())
        .expect("the transaction's receipt")
        .gas_burnt;
    let transfer_tx = out.total_gas_burnt();

    let receiver = r.d.sys.net.create_and_deploy(
        "receiver.near",
        NearToken::from_near(10),
        &wasm("test_ft_receiver.wasm"),
    );
    let snear = r.d.sys.snear.clone();
    r.d.step("register the receiver on sNEAR", |s| {
        let bounds: Value = s.view(&snear, "storage_balance_bounds", json!({}));
        let min: u128 = bounds["min"]
            .as_str()
            .and_then(|m| m.parse().ok())
            .expect("min");
        s.call(
            &alice.id,
            &snear,
            "storage_deposit",
            json!({"account_id": receiver}),
            min,
            Gas::from_tgas(10),
        )
        .assert_success();
        // A registration a user paid: the invariants follow its sNEAR.
        s.ledger.user_registrations.insert(receiver.clone());
    });
    let args = json!({
        "receiver_id": receiver,
        "amount": TRANSFER_CALL_AMOUNT.to_string(),
        "msg": format!("refund:{TRANSFER_CALL_REFUND}"),
    });
    let out = r.measure(
        "ft_transfer_call",
        "sNEAR, receiver keeps 7, refunds 3",
        None,
        |s| {
            s.call(
                &alice.id,
                &snear,
                "ft_transfer_call",
                args,
                1,
                Gas::from_tgas(100),
            )
        },
    );
    let used: U128 = out
        .json()
        .expect("ft_transfer_call returns the amount used");
    assert_eq!(used.0, TRANSFER_CALL_AMOUNT - TRANSFER_CALL_REFUND);
    FtFigures {
        transfer_receipt,
        transfer_tx,
        transfer_call_tx: out.total_gas_burnt(),
    }
}
