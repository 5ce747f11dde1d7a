use super::*;
use crate::storage::*;
use near_sdk::env;

/// One observation per block: (block, alice, bob, carol, supply) at its end.
type Row = (u64, [u128; 3], u128);

fn record(t: &Chain, rows: &mut Vec<Row>) {
    let row = (
        t.block,
        [t.balance(&alice()), t.balance(&bob()), t.balance(&carol())],
        t.c.ft_total_supply().0,
    );
    match rows.last_mut() {
        Some(last) if last.0 == t.block => *last = row,
        _ => rows.push(row),
    }
}

/// What the rows say about the end of block `h`.
fn expected(rows: &[Row], h: u64) -> ([u128; 3], u128) {
    rows.iter()
        .rev()
        .find(|r| r.0 <= h)
        .map_or(([0; 3], 0), |r| (r.1, r.2))
}

/// The lookup of `who` (or of the supply) at `h`: `Some` when answered,
/// `None` when refused as compacted; any other panic fails the test.
pub(crate) fn lookup(t: &Chain, who: Option<&AccountId>, h: u64) -> Option<u128> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match who {
        Some(who) => t.c.get_voting_power_at(who.clone(), h).0,
        None => t.c.get_total_supply_at(h).0,
    }));
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = panic_message(e);
            assert!(msg.contains("E_HISTORY_COMPACTED"), "{msg}");
            None
        }
    }
}

/// Without open proposals histories keep their newest two checkpoints:
/// every past block from each history's `exact_from_block` on is answered
/// exactly, every earlier one is refused (`E_HISTORY_COMPACTED`), never
/// answered wrongly. (Adjusted: it used to read every past block, when
/// checkpoints were never deleted.)
#[test]
fn lookups_at_every_past_block_match_the_history_or_are_refused() {
    let mut t = Chain::new();
    let first_block = t.block;
    let holders = [alice(), bob(), carol()];
    for h in &holders {
        t.register(h);
    }
    let mut rows = vec![];
    // A deterministic walk of mints and transfers: some blocks skipped, some
    // with several changes.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut last_change = [0u64; 3];
    for _ in 0..120 {
        let r = next();
        t.block += r % 3; // 0, 1 or 2 blocks on
        let from = (r / 3 % 3) as usize;
        let to = (r / 9 % 3) as usize;
        let amount = (r % 1_000 + 1) as u128 * META;
        if r / 27 % 4 == 0 || t.balance(&holders[from]) < amount || from == to {
            t.at(&router(), 0);
            t.c.mint(holders[to].clone(), U128(amount));
        } else {
            t.transfer_same_block(&holders[from], &holders[to], amount);
            last_change[from] = t.block;
        }
        last_change[to] = t.block;
        record(&t, &mut rows);
    }
    t.next_block();
    t.at(&alice(), 0);
    let mut refused = 0;
    for h in first_block - 1..t.block {
        let (balances, supply) = expected(&rows, h);
        for (i, who) in holders.iter().enumerate() {
            let history = t.c.get_history(who.clone()).unwrap();
            assert!(history.checkpoints.len() <= 2, "no snapshot is pinned");
            assert!(history.exact_from_block < last_change[i].max(1));
            match lookup(&t, Some(who), h) {
                Some(v) => assert_eq!(v, balances[i], "{who} at {h}"),
                None => {
                    assert!(h < history.exact_from_block, "{who} at {h}");
                    refused += 1;
                }
            }
        }
        if let Some(v) = lookup(&t, None, h) {
            assert_eq!(v, supply, "supply at {h}");
            assert_eq!(balances.iter().sum::<u128>(), supply);
        } else {
            assert!(h < t.c.get_supply_history().exact_from_block);
        }
    }
    assert!(refused > 0, "compaction dropped history");
    // One checkpoint per block at most.
    for who in &holders {
        let points = t.c.get_checkpoints(who.clone(), 0, 100);
        assert!(points.windows(2).all(|w| w[0].block < w[1].block));
    }
}

#[test]
fn a_second_change_in_the_same_block_overwrites_its_checkpoint() {
    let mut t = Chain::new();
    t.register(&bob());
    t.mint(&alice(), 100 * META);
    let before = t.c.get_checkpoints(alice(), 0, 100).len();
    t.transfer(&alice(), &bob(), 10 * META);
    t.transfer_same_block(&alice(), &bob(), 20 * META);
    t.transfer_same_block(&bob(), &alice(), 5 * META);
    let points = t.c.get_checkpoints(alice(), 0, 100);
    assert_eq!(points.len(), before + 1);
    assert_eq!(points.last().unwrap().block, t.block);
    assert_eq!(points.last().unwrap().balance.0, 75 * META);
    let b = t.block;
    t.next_block();
    t.at(&alice(), 0);
    assert_eq!(t.c.get_voting_power_at(alice(), b).0, 75 * META);
    assert_eq!(t.c.get_voting_power_at(bob(), b).0, 25 * META);
    assert_eq!(t.c.get_voting_power_at(alice(), b - 1).0, 100 * META);
}

#[test]
fn an_account_with_no_history_has_no_power() {
    let mut t = Chain::new();
    t.mint(&alice(), META);
    t.next_block();
    t.at(&alice(), 0);
    assert_eq!(t.c.get_voting_power_at(bob(), t.block - 1).0, 0);
    assert_eq!(t.c.get_voting_power_at(alice(), 0).0, 0);
    assert_eq!(t.c.get_total_supply_at(0).0, 0);
}

#[test]
#[should_panic(expected = "E_LOOKUP_NOT_PAST")]
fn a_lookup_of_the_current_block_is_rejected() {
    let mut t = Chain::new();
    t.mint(&alice(), META);
    t.c.get_voting_power_at(alice(), t.block);
}

#[test]
#[should_panic(expected = "E_LOOKUP_NOT_PAST")]
fn a_lookup_of_a_future_block_is_rejected() {
    let t = Chain::new();
    t.at(&alice(), 0);
    t.c.get_voting_power_at(alice(), t.block + 10);
}

#[test]
#[should_panic(expected = "E_LOOKUP_NOT_PAST")]
fn a_supply_lookup_of_the_current_block_is_rejected() {
    let t = Chain::new();
    t.at(&alice(), 0);
    t.c.get_total_supply_at(t.block);
}

/// The byte formulas are what the runtime records, and balance changes
/// charge nobody. (Adjusted: transfers used to charge the sender for both
/// sides' new checkpoint records.)
#[test]
fn history_bytes_equal_the_storage_the_runtime_counts() {
    let mut t = Chain::new();
    t.next_block();
    t.at(&bob(), STORAGE_DEPOSIT_MIN.as_yoctonear());
    let u0 = env::storage_usage();
    t.c.storage_deposit(None, None);
    t.c.accounts.flush();
    assert_eq!(env::storage_usage() - u0, account_record_bytes(&bob()));

    // A first mint: alice's account and her history of one checkpoint (the
    // supply's history is in the contract's own state).
    t.next_block();
    t.at(&router(), STORAGE_DEPOSIT_MIN.as_yoctonear());
    let u0 = env::storage_usage();
    t.c.mint(alice(), U128(50 * META));
    flush(&mut t.c);
    assert_eq!(
        env::storage_usage() - u0,
        account_record_bytes(&alice()) + history_record_bytes(&alice(), 1)
    );
    assert_eq!(
        t.storage_total(&alice()),
        STORAGE_DEPOSIT_MIN.as_yoctonear()
    );

    // A transfer to bob, who never held META: bob's history of one, one
    // more checkpoint in alice's; nobody pays.
    t.next_block();
    t.at(&alice(), 1);
    let u0 = env::storage_usage();
    t.c.ft_transfer(bob(), U128(META), None);
    flush(&mut t.c);
    assert_eq!(
        env::storage_usage() - u0,
        history_record_bytes(&bob(), 1) + history_record_bytes(&alice(), 2)
            - history_record_bytes(&alice(), 1)
    );
    for who in [alice(), bob()] {
        assert_eq!(t.storage_total(&who), STORAGE_DEPOSIT_MIN.as_yoctonear());
    }

    // Bob's second checkpoint; from then on, with nothing pinned, each
    // history stays at two checkpoints.
    t.next_block();
    t.at(&alice(), 1);
    let u0 = env::storage_usage();
    t.c.ft_transfer(bob(), U128(META), None);
    flush(&mut t.c);
    assert_eq!(
        env::storage_usage() - u0,
        history_record_bytes(&bob(), 2) - history_record_bytes(&bob(), 1)
    );
    for i in 0..6 {
        let (from, to) = if i % 2 == 0 {
            (alice(), bob())
        } else {
            (bob(), alice())
        };
        t.next_block();
        // Each context starts its own count of the storage used.
        t.at(&from, 1);
        let u0 = env::storage_usage();
        t.c.ft_transfer(to, U128(1), None);
        flush(&mut t.c);
        assert_eq!(env::storage_usage(), u0);
    }

    // In the same block, nothing new is stored.
    t.at(&alice(), 1);
    let u0 = env::storage_usage();
    t.c.ft_transfer(bob(), U128(META), None);
    flush(&mut t.c);
    assert_eq!(env::storage_usage(), u0);
    // The history's record is what history_record_bytes prices.
    let key = [
        near_sdk::borsh::to_vec(&crate::StorageKey::Histories).unwrap(),
        near_sdk::borsh::to_vec(&alice()).unwrap(),
    ]
    .concat();
    let value = env::storage_read(&key).unwrap();
    assert_eq!(
        (key.len() + value.len()) as u64 + 40,
        history_record_bytes(&alice(), 2)
    );
}

pub(crate) fn flush(c: &mut Governance) {
    c.accounts.flush();
    c.histories.flush();
    c.proposals.flush();
    c.votes.flush();
}
