use super::*;
use crate::storage::*;

fn min() -> u128 {
    STORAGE_DEPOSIT_MIN.as_yoctonear()
}

#[test]
fn the_minimum_covers_the_longest_account_and_its_allowance() {
    let longest = acc(&"a".repeat(64));
    let bytes =
        account_record_bytes(&longest) + history_record_bytes(&longest, CHECKPOINT_ALLOWANCE);
    assert_eq!(bytes, registration_bytes(&longest));
    assert_eq!(bytes, 670);
    assert!(cost(bytes) <= min());
    assert_eq!(
        CHECKPOINT_ALLOWANCE,
        crate::config::MAX_OPEN_PROPOSALS as u64 + 2,
        "the allowance is what the cap needs, no more"
    );
    let t = Chain::new();
    assert_eq!(t.c.storage_balance_bounds().min.0, min());
    assert_eq!(t.c.storage_balance_bounds().max, None);
}

#[test]
fn registration_and_top_up() {
    let mut t = Chain::new();
    assert_eq!(t.c.storage_balance_of(alice()), None);
    t.at(&bob(), min());
    let b = t.c.storage_deposit(Some(alice()), None);
    assert_eq!(b.total.0, min());
    assert_eq!(b.available.0, min() - cost(registration_bytes(&alice())));
    t.at(&alice(), 5);
    assert_eq!(t.c.storage_deposit(None, None).total.0, min() + 5);
}

#[test]
fn registration_only_refunds_what_is_not_needed() {
    let mut t = Chain::new();
    t.at(&alice(), min() + 9);
    t.c.storage_deposit(None, Some(true));
    assert_eq!(transfers(), vec![(alice(), 9)]);
    t.at(&alice(), 4);
    let b = t.c.storage_deposit(None, Some(true));
    assert_eq!(transfers(), vec![(alice(), 4)]);
    assert_eq!(b.total.0, min());
}

#[test]
#[should_panic(expected = "E_DEPOSIT_BELOW_MIN")]
fn a_registration_below_the_minimum_is_rejected() {
    let mut t = Chain::new();
    t.at(&alice(), min() - 1);
    t.c.storage_deposit(None, None);
}

#[test]
fn the_available_storage_balance_can_be_withdrawn() {
    let mut t = Chain::new();
    t.register(&alice());
    t.at(&alice(), 1);
    let free = t.c.storage_balance_of(alice()).unwrap().available.0;
    let b = t.c.storage_withdraw(Some(U128(10)));
    assert_eq!(b.available.0, free - 10);
    assert_eq!(transfers(), vec![(alice(), 10)]);
    t.at(&alice(), 1);
    let b = t.c.storage_withdraw(None);
    assert_eq!(b.available.0, 0);
    assert_eq!(b.total.0, cost(registration_bytes(&alice())));
    // What is left still pays for any number of transfers.
    t.mint(&alice(), 10 * META);
    t.register(&bob());
    for _ in 0..40 {
        t.transfer(&alice(), &bob(), META / 4);
    }
    assert_eq!(
        t.storage_total(&alice()),
        cost(registration_bytes(&alice()))
    );
}

#[test]
#[should_panic(expected = "E_WITHDRAW_TOO_MUCH")]
fn withdrawing_more_than_available_is_rejected() {
    let mut t = Chain::new();
    t.register(&alice());
    t.at(&alice(), 1);
    t.c.storage_withdraw(Some(U128(min())));
}

#[test]
#[should_panic(expected = "E_ONE_YOCTO")]
fn withdrawing_needs_one_yocto() {
    let mut t = Chain::new();
    t.register(&alice());
    t.at(&alice(), 0);
    t.c.storage_withdraw(None);
}

#[test]
fn an_empty_account_unregisters_and_gets_its_storage_balance_back() {
    let mut t = Chain::new();
    t.register(&alice());
    t.at(&alice(), 1);
    assert!(t.c.storage_unregister(None));
    assert_eq!(transfers(), vec![(alice(), min())]);
    assert_eq!(t.c.storage_balance_of(alice()), None);
    t.at(&alice(), 1);
    assert!(!t.c.storage_unregister(None), "not registered any more");
}

#[test]
#[should_panic(expected = "E_UNREGISTER_BALANCE")]
fn a_holder_cannot_unregister_without_force() {
    let mut t = Chain::new();
    t.mint(&alice(), META);
    t.at(&alice(), 1);
    t.c.storage_unregister(None);
}

/// (Adjusted: the refund used to keep back the burn's two checkpoint
/// records; now it keeps back the history record left behind.)
#[test]
fn force_unregister_burns_and_keeps_the_history() {
    let mut t = Chain::new();
    t.mint(&alice(), 3 * META);
    t.mint(&bob(), META);
    let minted_at = t.block;
    t.next_block();
    let storage = t.storage_total(&alice());
    t.at(&alice(), 1);
    assert!(t.c.storage_unregister(Some(true)));
    assert_eq!(t.c.ft_total_supply().0, META);
    assert_eq!(event_names(), vec!["ft_burn"]);
    let history = t.c.get_history(alice()).unwrap();
    assert_eq!(history.checkpoints.len(), 2);
    let kept = cost(history_record_bytes(&alice(), 2));
    assert_eq!(transfers(), vec![(alice(), storage - kept)]);
    let burned_at = t.block;
    t.next_block();
    t.at(&bob(), 0);
    assert_eq!(t.c.get_voting_power_at(alice(), minted_at).0, 3 * META);
    assert_eq!(t.c.get_voting_power_at(alice(), burned_at).0, 0);
    assert_eq!(t.c.get_total_supply_at(burned_at).0, META);
}

#[test]
fn a_new_registration_takes_over_what_the_history_left_behind() {
    let mut t = Chain::new();
    t.mint(&alice(), 3 * META);
    t.mint(&bob(), META);
    t.next_block();
    t.at(&alice(), 1);
    assert!(t.c.storage_unregister(Some(true)));
    let kept = cost(history_record_bytes(&alice(), 2));
    assert_eq!(transfers(), vec![(alice(), min() - kept)]);
    // Registering again: the minimum, plus what the history kept back.
    t.next_block();
    t.register(&alice());
    assert_eq!(t.storage_total(&alice()), min() + kept);
    assert_eq!(
        t.c.storage_balance_of(alice()).unwrap().available.0,
        min() + kept - cost(registration_bytes(&alice()))
    );
    // And unregistering again keeps back the same, nothing twice.
    t.at(&alice(), 1);
    assert!(t.c.storage_unregister(None));
    assert_eq!(transfers(), vec![(alice(), min())]);
    // A mint re-registers it the same way.
    t.mint(&alice(), META);
    assert_eq!(t.storage_total(&alice()), min() + kept);
}
