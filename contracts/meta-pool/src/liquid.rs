//! Liquid accounts: stakes mint sNEAR, unstakes burn it.
//!
//! Mint: the stake and its shares are in the totals before `snear.mint` is
//! sent (so they share any reward synced before the callback) and counted as
//! `mint_in_flight_shares`; the callback commits them to `snear_supply`, or
//! removes exactly the staked NEAR with the shares (the seed pays rounding
//! dust) and returns the NEAR to the account's unstaked balance.
//!
//! Burn: the shares stay in the totals (counted as `burn_in_flight_shares`)
//! until the burn landed; only then does the callback remove them and credit
//! their value at the price of that moment. A failed burn changes nothing.
//!
//! `unstake_all` is one `burn_all` on sNEAR, which burns whatever the holder
//! holds when it runs and replies with the amount: no transfer can come
//! between reading the balance and burning it, and it costs what `unstake`
//! costs.

use meta_common::ext::SNEAR_REGISTRATION_DEPOSIT;
use near_sdk::json_types::U128;
use near_sdk::{env, near, require, AccountId, Promise, PromiseError};

use crate::config::{ACCOUNT_RECORD_COST, MIN_LIQUID_STAKE};
use crate::epoch::{landed, RawResult};
use crate::errors::*;
use crate::events::{log_stake, log_unstake, Event, ShareLine};
use crate::funding::Draws;
use crate::gas::{GAS_ON_BURN, GAS_ON_MINT};
use crate::{MetaPool, MetaPoolExt};

#[near]
impl MetaPool {
    /// Callback of a liquid stake's mint. Private; never panics. Returns the
    /// sNEAR minted, or 0 after rolling back.
    ///
    /// When sNEAR registered the holder, it minted `registration_shares`
    /// fewer shares (the new holder pays its registration with them, see
    /// `liquid_mint`): their NEAR leaves the stake for the router's own
    /// funds, which advanced the deposit (`take_registration`).
    #[private]
    pub fn on_mint(
        &mut self,
        account_id: AccountId,
        amount: U128,
        shares: U128,
        draws: Option<Draws>,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> U128 {
        self.advance_index();
        let b = &mut self.books;
        b.mint_in_flight_shares = b.mint_in_flight_shares.saturating_sub(shares.0);
        let mut account = self.account(&account_id);
        if landed(&result) {
            // A reply that is not the amount minted (only a broken sNEAR
            // could send one) counts as the whole mint.
            let minted = result
                .ok()
                .and_then(|raw| near_sdk::serde_json::from_slice::<U128>(&raw.0).ok())
                .map_or(shares.0, |m| m.0.min(shares.0));
            let registration = shares.0 - minted;
            self.books.snear_supply = self.books.snear_supply.saturating_add(minted);
            let paid = self.take_registration(registration);
            if registration > 0 {
                Event::StoragePaid {
                    account_id: &account_id,
                    amount: U128(paid),
                    shares: U128(registration),
                    storage: "snear_registration",
                }
                .emit();
            }
            let amount = U128(amount.0.saturating_sub(paid));
            let shares = U128(minted);
            log_stake(&ShareLine {
                account_id: &account_id,
                amount: amount.0,
                shares: shares.0,
                unstaked: account.unstaked,
                account_shares: 0,
                total_staked: self.books.total_staked,
                total_shares: self.books.total_shares,
            });
            Event::Stake {
                account_id: &account_id,
                amount,
                shares,
                lockup: false,
            }
            .emit();
            return shares;
        }
        let (dust, burnt) = self.books.undo_stake(amount.0, shares.0);
        let wait_restarted = self.restore_claim(&mut account, amount.0, draws.as_ref());
        self.save_account_unchecked(&account_id, account);
        if dust > 0 {
            Event::SeedPaid {
                amount: U128(dust),
                seed_shares_burnt: U128(burnt),
                reason: "mint_rollback",
            }
            .emit();
        }
        Event::MintFailed {
            account_id: &account_id,
            amount,
            shares,
            seed_dust: U128(dust),
            wait_restarted,
        }
        .emit();
        U128(0)
    }

    /// Callback of a liquid `unstake_all`'s `burn_all`: books the shares
    /// sNEAR reports burnt as `on_burn` does. Private; never panics. Returns
    /// the NEAR credited, 0 when nothing was burnt or the burn failed.
    #[private]
    pub fn on_burn_all(
        &mut self,
        account_id: AccountId,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> U128 {
        self.advance_index();
        if !landed(&result) {
            Event::BurnFailed {
                account_id: &account_id,
                shares: U128(0),
            }
            .emit();
            return U128(0);
        }
        // Only a broken sNEAR could reply with something that is not an
        // amount, or more than the supply the router minted: book nothing.
        let burnt = result
            .ok()
            .and_then(|raw| near_sdk::serde_json::from_slice::<U128>(&raw.0).ok())
            .map_or(0, |b| b.0);
        if burnt == 0 || burnt > self.books.snear_supply {
            return U128(0);
        }
        self.book_burn(account_id, burnt)
    }

    /// Callback of a liquid unstake's burn. Private; never panics. Returns
    /// the NEAR credited, or 0 when the burn failed.
    #[private]
    pub fn on_burn(
        &mut self,
        account_id: AccountId,
        shares: U128,
        #[callback_result(max_bytes = 256)]
        #[serializer(borsh)]
        result: Result<RawResult, PromiseError>,
    ) -> U128 {
        self.advance_index();
        let b = &mut self.books;
        b.burn_in_flight_shares = b.burn_in_flight_shares.saturating_sub(shares.0);
        if !landed(&result) {
            Event::BurnFailed {
                account_id: &account_id,
                shares,
            }
            .emit();
            return U128(0);
        }
        self.book_burn(account_id, shares.0)
    }
}

impl MetaPool {
    /// Sends the mint for a liquid stake already in the totals. The router's
    /// own funds advance sNEAR's registration deposit (refunded when the
    /// holder is registered); a new holder pays it back with the shares
    /// worth it (rounded up), which sNEAR then does not mint (`on_mint`).
    pub(crate) fn liquid_mint(
        &mut self,
        account_id: AccountId,
        amount: u128,
        shares: u128,
        draws: Draws,
    ) -> Promise {
        require!(amount >= MIN_LIQUID_STAKE, ERR_LIQUID_STAKE_TOO_SMALL);
        self.require_own_funds(SNEAR_REGISTRATION_DEPOSIT.as_yoctonear());
        let registration = self
            .books
            .shares_for_unstake(SNEAR_REGISTRATION_DEPOSIT.as_yoctonear())
            .filter(|&r| r < shares)
            .unwrap_or_else(|| env::panic_str(ERR_LIQUID_STAKE_TOO_SMALL));
        self.books.mint_in_flight_shares += shares;
        Event::MintAttempt {
            account_id: &account_id,
            amount: U128(amount),
            shares: U128(shares),
        }
        .emit();
        self.snear_mint(
            &account_id,
            shares,
            SNEAR_REGISTRATION_DEPOSIT,
            registration,
        )
        .then(
            Self::ext(env::current_account_id())
                .with_static_gas(GAS_ON_MINT)
                .on_mint(account_id, U128(amount), U128(shares), Some(draws)),
        )
    }

    /// Starts a liquid unstake of `amount`: burns the shares it costs. A
    /// holder without a record must unstake more than the record costs
    /// (`on_burn` takes it from the credit).
    pub(crate) fn liquid_unstake(&mut self, account_id: AccountId, amount: u128) -> Promise {
        require!(amount > 0, ERR_ZERO_AMOUNT);
        require!(
            amount > ACCOUNT_RECORD_COST || self.accounts.contains_key(&account_id),
            ERR_UNSTAKE_BELOW_RECORD_COST
        );
        let shares = self
            .books
            .shares_for_unstake(amount)
            .unwrap_or_else(|| env::panic_str(ERR_NOT_ENOUGH_STAKED));
        require!(
            shares > 0 && shares <= self.books.snear_supply,
            ERR_NOT_ENOUGH_STAKED
        );
        self.start_burn(account_id, shares)
    }

    /// Starts a liquid `unstake_all`: one `burn_all` on sNEAR, which burns
    /// the whole balance it holds at that moment when it is worth more than
    /// a router record (`ACCOUNT_RECORD_COST`, paid from the credit by
    /// `book_burn` for a holder without one); smaller dust stays sNEAR,
    /// which can still be sent, sold, or unstaked by amount once the
    /// account has a record. The floor is the same for every holder: asking
    /// whether the account has a record would cost a storage read, and
    /// `unstake_all` is to cost no more than `unstake` (which skips it for
    /// any amount above the record cost).
    pub(crate) fn liquid_unstake_all(&mut self, account_id: AccountId) -> Promise {
        // The fewest shares worth more than the record; none in an empty
        // pool, where nobody holds sNEAR.
        let min_shares = self
            .books
            .shares_for_unstake(ACCOUNT_RECORD_COST + 1)
            .unwrap_or(u128::MAX);
        Event::BurnAllAttempt {
            account_id: &account_id,
            min_shares: U128(min_shares),
        }
        .emit();
        self.snear_burn_all(&account_id, min_shares).then(
            Self::ext(env::current_account_id())
                .with_static_gas(GAS_ON_BURN)
                .on_burn_all(account_id),
        )
    }

    /// Books `shares` sNEAR burnt for `account_id`: removes them at the
    /// price of the moment and credits their value as a claim, less the
    /// router record a holder without one pays for. Returns the credit.
    fn book_burn(&mut self, account_id: AccountId, shares: u128) -> U128 {
        self.books.snear_supply = self.books.snear_supply.saturating_sub(shares);
        let value = self.books.remove_shares(shares);
        // A holder without a record pays for the one this unstake creates.
        let record_fee = if self.accounts.contains_key(&account_id) {
            0
        } else {
            self.take_record_fee(value)
        };
        if record_fee > 0 {
            Event::StoragePaid {
                account_id: &account_id,
                amount: U128(record_fee),
                shares: U128(0),
                storage: "router_record",
            }
            .emit();
        }
        let credit = value - record_fee;
        let mut account = self.account(&account_id);
        if credit > 0 {
            self.credit_claim(&mut account, credit);
        }
        let available_epoch = account.available_epoch;
        log_unstake(&ShareLine {
            account_id: &account_id,
            amount: credit,
            shares,
            unstaked: account.unstaked,
            account_shares: 0,
            total_staked: self.books.total_staked,
            total_shares: self.books.total_shares,
        });
        self.save_account_unchecked(&account_id, account);
        Event::Unstake {
            account_id: &account_id,
            amount: U128(credit),
            shares: U128(shares),
            unstaked_available_epoch: available_epoch,
            lockup: false,
        }
        .emit();
        U128(credit)
    }

    /// Takes the NEAR of `shares` a new holder left unminted for its sNEAR
    /// registration out of the stake, for the router's own funds that
    /// advanced the deposit (see `Books::owe_storage`); returns what they
    /// were worth.
    fn take_registration(&mut self, shares: u128) -> u128 {
        if shares == 0 {
            return 0;
        }
        let value = self.books.value_of(shares);
        self.books.owe_storage(shares);
        self.books.repay_storage();
        value
    }

    /// Takes the storage of the record an unstake creates, at most
    /// `ACCOUNT_RECORD_COST`, out of the unstaked `value` (already out of
    /// the stake, still staked NEAR): it buys shares for the router's own
    /// funds that hold the record (see `Books::owe_storage`). Returns the
    /// fee.
    fn take_record_fee(&mut self, value: u128) -> u128 {
        let fee = value.min(ACCOUNT_RECORD_COST);
        // Shares rounded down at the price of the moment; a fee too small
        // for one share stays with every holder.
        match self.books.add_stake(fee) {
            Ok(shares) => {
                self.books.owe_storage(shares);
                self.books.repay_storage();
            }
            Err(_) => self.books.total_staked = self.books.total_staked.saturating_add(fee),
        }
        fee
    }

    fn start_burn(&mut self, account_id: AccountId, shares: u128) -> Promise {
        self.books.burn_in_flight_shares = self.books.burn_in_flight_shares.saturating_add(shares);
        Event::BurnAttempt {
            account_id: &account_id,
            shares: U128(shares),
        }
        .emit();
        self.snear_burn(&account_id, shares).then(
            Self::ext(env::current_account_id())
                .with_static_gas(GAS_ON_BURN)
                .on_burn(account_id, U128(shares)),
        )
    }
}
