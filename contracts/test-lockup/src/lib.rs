//! A lockup-like contract for tests: what the router sees of a lockup.
//!
//! It is deployed under a lockup account id and forwards its owner's staking
//! calls to one staking pool the way the core lockup contract does: each
//! call attaches exactly the gas old lockups attach (40 Tgas for `deposit`,
//! 60 Tgas for everything else, none of the unused gas), and a callback
//! checks the result, so a pool that runs out of gas or fails is seen as the
//! lockup would see it. `withdraw_all_from_staking_pool` reads the unstaked
//! balance from the pool's view and withdraws exactly that, as the core
//! lockup does.
//!
//! Nothing else of a lockup (vesting, transfers, termination, the
//! whitelist) is here. Every forwarding method is owner only and returns,
//! through its callback, whether the pool call succeeded.

use near_sdk::json_types::U128;
use near_sdk::{
    env, ext_contract, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise,
    PromiseError,
};

/// Gas old lockups attach to the pool's `deposit`.
pub const GAS_FOR_DEPOSIT: Gas = Gas::from_tgas(40);
/// Gas old lockups attach to every other pool call.
pub const GAS_FOR_POOL_CALL: Gas = Gas::from_tgas(60);
/// Gas of this contract's own callbacks.
pub const GAS_FOR_CALLBACK: Gas = Gas::from_tgas(10);
/// The unstaked-balance read's callback: its own work, the withdrawal it
/// sends and that withdrawal's callback.
pub const GAS_FOR_UNSTAKED_READ_CALLBACK: Gas =
    Gas::from_tgas(GAS_FOR_POOL_CALL.as_tgas() + 2 * GAS_FOR_CALLBACK.as_tgas());

pub const ERR_NOT_OWNER: &str = "E_NOT_OWNER: only the lockup's owner may do this";
pub const ERR_ZERO_AMOUNT: &str = "E_ZERO_AMOUNT: the amount must be positive";
pub const ERR_BALANCE: &str = "E_BALANCE: the lockup does not hold that much";

/// The staking pool's interface as the lockup uses it.
#[ext_contract(ext_pool)]
pub trait Pool {
    fn deposit(&mut self);
    fn stake(&mut self, amount: U128);
    fn unstake(&mut self, amount: U128);
    fn unstake_all(&mut self);
    fn withdraw(&mut self, amount: U128);
    fn get_account_unstaked_balance(&self, account_id: AccountId) -> U128;
    fn get_account_total_balance(&self, account_id: AccountId) -> U128;
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct TestLockup {
    owner_account_id: AccountId,
    staking_pool_account_id: AccountId,
    /// NEAR sent to the pool less NEAR withdrawn from it, as the core
    /// lockup tracks it; refreshed from the pool's total balance by
    /// `refresh_staking_pool_balance`.
    known_deposited_balance: u128,
}

#[near]
impl TestLockup {
    /// Initialises the lockup. Anyone, once (normally the deploy
    /// transaction). No deposit; a few Tgas; emits nothing.
    #[init]
    pub fn new(owner_account_id: AccountId, staking_pool_account_id: AccountId) -> Self {
        Self {
            owner_account_id,
            staking_pool_account_id,
            known_deposited_balance: 0,
        }
    }

    /// Owner only (`E_NOT_OWNER`). Sends `amount` of the lockup's NEAR to
    /// the pool's `deposit` with exactly 40 Tgas (attach ~60 Tgas in all).
    /// Resolves to whether the pool took it; a refused deposit comes back.
    /// Emits nothing.
    pub fn deposit_to_staking_pool(&mut self, amount: U128) -> Promise {
        self.assert_owner();
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        require!(
            env::account_balance().as_yoctonear() >= amount.0,
            ERR_BALANCE
        );
        self.pool(GAS_FOR_DEPOSIT)
            .with_attached_deposit(NearToken::from_yoctonear(amount.0))
            .deposit()
            .then(self.callback().on_deposit(amount))
    }

    /// Owner only. The pool's `stake(amount)` with exactly 60 Tgas (attach
    /// ~80 Tgas in all); resolves to whether it succeeded. Emits nothing.
    pub fn stake(&mut self, amount: U128) -> Promise {
        self.assert_owner();
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        self.pool(GAS_FOR_POOL_CALL)
            .stake(amount)
            .then(self.callback().on_call("stake".into()))
    }

    /// Owner only. The pool's `unstake(amount)` with exactly 60 Tgas;
    /// resolves to whether it succeeded.
    pub fn unstake(&mut self, amount: U128) -> Promise {
        self.assert_owner();
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        self.pool(GAS_FOR_POOL_CALL)
            .unstake(amount)
            .then(self.callback().on_call("unstake".into()))
    }

    /// Owner only. The pool's `unstake_all()` with exactly 60 Tgas;
    /// resolves to whether it succeeded.
    pub fn unstake_all(&mut self) -> Promise {
        self.assert_owner();
        self.pool(GAS_FOR_POOL_CALL)
            .unstake_all()
            .then(self.callback().on_call("unstake_all".into()))
    }

    /// Owner only. The pool's `withdraw(amount)` with exactly 60 Tgas;
    /// resolves to whether it succeeded.
    pub fn withdraw_from_staking_pool(&mut self, amount: U128) -> Promise {
        self.assert_owner();
        require!(amount.0 > 0, ERR_ZERO_AMOUNT);
        self.withdraw_promise(amount)
    }

    /// Owner only. Reads the pool's `get_account_unstaked_balance` (60
    /// Tgas), then withdraws exactly that amount. Resolves to whether the
    /// withdrawal succeeded (`false` for a zero balance).
    pub fn withdraw_all_from_staking_pool(&mut self) -> Promise {
        self.assert_owner();
        self.pool(GAS_FOR_POOL_CALL)
            .get_account_unstaked_balance(env::current_account_id())
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_UNSTAKED_READ_CALLBACK)
                    .on_unstaked_balance_read(),
            )
    }

    /// Owner only. Reads the pool's `get_account_total_balance` (60 Tgas)
    /// into the known deposited balance. Resolves to whether it could.
    pub fn refresh_staking_pool_balance(&mut self) -> Promise {
        self.assert_owner();
        self.pool(GAS_FOR_POOL_CALL)
            .get_account_total_balance(env::current_account_id())
            .then(self.callback().on_total_balance_read())
    }

    /// The pool's balance as the lockup last knew it. View.
    pub fn get_known_deposited_balance(&self) -> U128 {
        U128(self.known_deposited_balance)
    }

    /// The one staking pool this lockup forwards to. View.
    pub fn get_staking_pool_account_id(&self) -> AccountId {
        self.staking_pool_account_id.clone()
    }

    /// The account allowed to forward calls. View.
    pub fn get_owner_account_id(&self) -> AccountId {
        self.owner_account_id.clone()
    }

    /// Callback of `deposit_to_staking_pool`. Private.
    #[private]
    pub fn on_deposit(
        &mut self,
        amount: U128,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<Raw, PromiseError>,
    ) -> bool {
        if result.is_ok() {
            self.known_deposited_balance += amount.0;
        }
        result.is_ok()
    }

    /// Callback of `stake`, `unstake`, `unstake_all`. Private. Whether the
    /// pool call succeeded (whatever it returned).
    #[private]
    pub fn on_call(
        &mut self,
        method: String,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<Raw, PromiseError>,
    ) -> bool {
        let ok = result.is_ok();
        if !ok {
            near_sdk::log!("{method} failed at the staking pool");
        }
        ok
    }

    /// Callback of a withdrawal. Private.
    #[private]
    pub fn on_withdraw(
        &mut self,
        amount: U128,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<Raw, PromiseError>,
    ) -> bool {
        if result.is_ok() {
            self.known_deposited_balance = self.known_deposited_balance.saturating_sub(amount.0);
        }
        result.is_ok()
    }

    /// Callback of the unstaked-balance read: withdraws it. Private.
    #[private]
    pub fn on_unstaked_balance_read(
        &mut self,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<Raw, PromiseError>,
    ) -> near_sdk::PromiseOrValue<bool> {
        match result.ok().and_then(|r| r.balance()) {
            Some(amount) if amount > 0 => self.withdraw_promise(U128(amount)).into(),
            _ => near_sdk::PromiseOrValue::Value(false),
        }
    }

    /// Callback of the total-balance read. Private.
    #[private]
    pub fn on_total_balance_read(
        &mut self,
        #[callback_result(max_bytes = 64)]
        #[serializer(borsh)]
        result: Result<Raw, PromiseError>,
    ) -> bool {
        match result.ok().and_then(|r| r.balance()) {
            Some(total) => {
                self.known_deposited_balance = total;
                true
            }
            None => false,
        }
    }
}

/// A result's bytes, whatever they are, so no reply can make a callback
/// panic (the router's `stake` and `unstake` return a number for lockups,
/// `deposit` nothing).
pub struct Raw(pub Vec<u8>);

impl Raw {
    /// The bytes as a `U128` JSON balance, if they are one.
    pub fn balance(&self) -> Option<u128> {
        near_sdk::serde_json::from_slice::<U128>(&self.0)
            .ok()
            .map(|b| b.0)
    }
}

impl near_sdk::borsh::BorshDeserialize for Raw {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(Self(bytes))
    }
}

impl TestLockup {
    fn assert_owner(&self) {
        require!(
            env::predecessor_account_id() == self.owner_account_id,
            ERR_NOT_OWNER
        );
    }

    /// A pool call with exactly `gas` (no share of unused gas), as the core
    /// lockup's fixed-gas promises.
    fn pool(&self, gas: Gas) -> ext_pool::PoolExt {
        ext_pool::ext(self.staking_pool_account_id.clone())
            .with_static_gas(gas)
            .with_unused_gas_weight(0)
    }

    fn callback(&self) -> TestLockupExt {
        Self::ext(env::current_account_id()).with_static_gas(GAS_FOR_CALLBACK)
    }

    fn withdraw_promise(&self, amount: U128) -> Promise {
        self.pool(GAS_FOR_POOL_CALL)
            .withdraw(amount)
            .then(self.callback().on_withdraw(amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use near_sdk::test_utils::VMContextBuilder;
    use near_sdk::testing_env;

    fn id(s: &str) -> AccountId {
        s.parse().unwrap()
    }

    fn setup(predecessor: &str) -> TestLockup {
        let ctx = VMContextBuilder::new()
            .current_account_id(id("lockup.near"))
            .predecessor_account_id(id(predecessor))
            .account_balance(NearToken::from_near(10))
            .build();
        testing_env!(ctx);
        TestLockup::new(id("owner.near"), id("pool.near"))
    }

    #[test]
    #[should_panic(expected = "E_NOT_OWNER")]
    fn others_cannot_forward() {
        let _ = setup("mallory.near").stake(U128(1));
    }

    #[test]
    #[should_panic(expected = "E_ZERO_AMOUNT")]
    fn zero_deposit_is_refused() {
        let _ = setup("owner.near").deposit_to_staking_pool(U128(0));
    }

    #[test]
    #[should_panic(expected = "E_BALANCE")]
    fn deposit_above_balance_is_refused() {
        let too_much = U128(NearToken::from_near(11).as_yoctonear());
        let _ = setup("owner.near").deposit_to_staking_pool(too_much);
    }

    #[test]
    fn callbacks_track_the_deposited_balance() {
        let mut l = setup("lockup.near");
        let empty = || Ok(Raw(Vec::new()));
        assert!(l.on_deposit(U128(10), empty()));
        assert!(!l.on_deposit(U128(5), Err(PromiseError::Failed)));
        assert_eq!(l.get_known_deposited_balance(), U128(10));
        assert!(l.on_withdraw(U128(4), empty()));
        assert!(!l.on_withdraw(U128(4), Err(PromiseError::Failed)));
        assert_eq!(l.get_known_deposited_balance(), U128(6));
        assert!(l.on_total_balance_read(Ok(Raw(b"\"7\"".to_vec()))));
        assert_eq!(l.get_known_deposited_balance(), U128(7));
        assert!(!l.on_total_balance_read(Ok(Raw(b"garbage".to_vec()))));
        assert!(!l.on_total_balance_read(Err(PromiseError::Failed)));
        assert_eq!(l.get_known_deposited_balance(), U128(7));
    }

    #[test]
    fn a_zero_or_unreadable_unstaked_balance_withdraws_nothing() {
        let mut l = setup("lockup.near");
        for r in [
            Ok(Raw(b"\"0\"".to_vec())),
            Ok(Raw(b"null".to_vec())),
            Err(PromiseError::Failed),
        ] {
            assert!(matches!(
                l.on_unstaked_balance_read(r),
                near_sdk::PromiseOrValue::Value(false)
            ));
        }
    }
}
