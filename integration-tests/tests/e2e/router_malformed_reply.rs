//! A pool whose `get_account` answers something a careful client must
//! reject (`fault_malformed_reply`): the router books nothing from it,
//! records why, keeps its record and syncs again once the pool answers
//! properly. Every invariant runs after each step.

use integration_tests::suite::Driver;
use serde_json::Value;

/// The reasons of the round's refused syncs at pool `i`.
fn refused_syncs(
    d: &Driver,
    round: &integration_tests::keeper::KeeperReport,
    i: usize,
) -> Vec<String> {
    let id = d.sys.pools[i].id.clone();
    round
        .events("epoch_failed")
        .into_iter()
        .filter(|e: &&Value| e["op"] == "sync" && e["validator_id"] == id.as_str())
        .map(|e| e["reason"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn record(d: &Driver, i: usize) -> (u128, Option<u64>) {
    let v = d.sys.validator(&d.sys.pools[i].id).unwrap();
    (v.staked.0 + v.unstaked.0, v.synced_epoch)
}

#[test]
fn a_malformed_get_account_is_refused_and_booked_once_fixed() {
    for (kind, reason) in [
        ("foreign_account", "wrong_account"),
        ("non_number_balance", "malformed_reply"),
    ] {
        let (mut d, _) = Driver::with_placed_stake(3, 2000);
        let booked = record(&d, 0);
        d.step(&format!("v0 answers {kind}"), |s| {
            s.fault_malformed_reply(0, kind)
        });
        for _ in 0..2 {
            let round = d.next_epoch();
            assert_eq!(
                refused_syncs(&d, &round, 0),
                vec![reason.to_string()],
                "{kind}"
            );
            assert_eq!(record(&d, 0), booked, "{kind}: nothing booked");
        }
        d.step("v0 answers properly again", |s| {
            s.fault_malformed_reply(0, "none")
        });
        let round = d.next_epoch();
        assert!(refused_syncs(&d, &round, 0).is_empty(), "{kind}");
        let (amount, synced) = record(&d, 0);
        assert_eq!(synced, Some(d.sys.net.epoch_height()), "{kind}: synced");
        assert!(amount >= booked.0, "{kind}: the missed rewards are booked");
    }
}
