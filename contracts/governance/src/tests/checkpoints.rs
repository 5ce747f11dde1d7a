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

#[test]
fn lookups_at_every_past_block_match_the_history() {
    let mut t = Chain::new();
    let first_block = t.block;
    let holders = [alice(), bob(), carol()];
    // Enough storage balance for the walk's hundreds of checkpoints.
    for h in &holders {
        t.at(h, NearToken::from_near(1).as_yoctonear());
        t.c.storage_deposit(None, None);
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
    for _ in 0..120 {
        let r = next();
        t.block += r % 3; // 0, 1 or 2 blocks on
        let from = &holders[(r / 3 % 3) as usize];
        let to = &holders[(r / 9 % 3) as usize];
        let amount = (r % 1_000 + 1) as u128 * META;
        if r / 27 % 4 == 0 || t.balance(from) < amount || from == to {
            t.at(&router(), 0);
            t.c.mint(to.clone(), U128(amount));
        } else {
            t.transfer_same_block(from, to, amount);
        }
        record(&t, &mut rows);
    }
    t.next_block();
    t.at(&alice(), 0);
    for h in first_block - 1..t.block {
        let (balances, supply) = expected(&rows, h);
        for (i, who) in holders.iter().enumerate() {
            assert_eq!(
                t.c.get_voting_power_at(who.clone(), h).0,
                balances[i],
                "{who} at {h}"
            );
        }
        assert_eq!(t.c.get_total_supply_at(h).0, supply, "supply at {h}");
        assert_eq!(
            balances.iter().sum::<u128>(),
            supply,
            "checkpointed supply equals the sum of checkpointed balances at {h}"
        );
    }
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

/// The byte counts the contract charges are what the runtime records.
#[test]
fn charged_bytes_equal_the_storage_the_runtime_counts() {
    let mut t = Chain::new();
    t.next_block();
    t.at(&bob(), STORAGE_DEPOSIT_MIN.as_yoctonear());
    let u0 = env::storage_usage();
    t.c.storage_deposit(None, None);
    t.c.accounts.flush();
    assert_eq!(env::storage_usage() - u0, account_record_bytes(&bob()));

    // A first mint: alice's account, history and checkpoint, and a supply
    // checkpoint.
    t.next_block();
    t.at(&router(), STORAGE_DEPOSIT_MIN.as_yoctonear());
    let u0 = env::storage_usage();
    t.c.mint(alice(), U128(50 * META));
    flush(&mut t.c);
    assert_eq!(
        env::storage_usage() - u0,
        account_record_bytes(&alice())
            + history_len_bytes(&alice())
            + checkpoint_bytes(&alice())
            + SUPPLY_CHECKPOINT_BYTES
    );

    // A transfer to bob, who never held META: two checkpoints and bob's
    // history record, paid exactly from alice's storage balance.
    t.next_block();
    let storage_before = t.storage_total(&alice());
    t.at(&alice(), 1);
    let u0 = env::storage_usage();
    t.c.ft_transfer(bob(), U128(META), None);
    flush(&mut t.c);
    let bytes = checkpoint_bytes(&alice()) + checkpoint_bytes(&bob()) + history_len_bytes(&bob());
    assert_eq!(env::storage_usage() - u0, bytes);
    assert_eq!(storage_before - t.storage_total(&alice()), cost(bytes));

    // In the same block, nothing new is stored and nothing is charged.
    let storage_before = t.storage_total(&alice());
    t.at(&alice(), 1);
    let u0 = env::storage_usage();
    t.c.ft_transfer(bob(), U128(META), None);
    flush(&mut t.c);
    assert_eq!(env::storage_usage(), u0);
    assert_eq!(t.storage_total(&alice()), storage_before);
}

pub(crate) fn flush(c: &mut Governance) {
    c.accounts.flush();
    c.history_len.flush();
    c.checkpoints.flush();
    c.supply_checkpoints.flush();
    c.proposals.flush();
    c.votes.flush();
}
