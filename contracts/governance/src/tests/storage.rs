use super::*;
use crate::storage::*;

fn min() -> u128 {
    STORAGE_DEPOSIT_MIN.as_yoctonear()
}

#[test]
fn the_minimum_covers_the_longest_account_and_its_allowance() {
    let longest = acc(&"a".repeat(64));
    let bytes = account_record_bytes(&longest)
        + history_len_bytes(&longest)
        + CHECKPOINT_ALLOWANCE * checkpoint_bytes(&longest);
    assert!(cost(bytes) <= min());
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
    assert_eq!(b.available.0, min() - cost(account_record_bytes(&alice())));
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
    assert_eq!(b.total.0, cost(account_record_bytes(&alice())));
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
    let burn = cost(checkpoint_bytes(&alice()) + SUPPLY_CHECKPOINT_BYTES);
    assert_eq!(transfers(), vec![(alice(), storage - burn)]);
    let burned_at = t.block;
    t.next_block();
    t.at(&bob(), 0);
    assert_eq!(t.c.get_voting_power_at(alice(), minted_at).0, 3 * META);
    assert_eq!(t.c.get_voting_power_at(alice(), burned_at).0, 0);
    assert_eq!(t.c.get_total_supply_at(burned_at).0, META);
}
