//! A small chain around the pool for unit tests: the pool's liquid and locked
//! balances, the epoch, and the receipts each call creates (stake actions are
//! applied and their callback run, transfers leave the balance). After every
//! call it checks that the share price did not fall and that the pool still
//! holds what it owes.

use meta_common::ext::RewardFeeFraction;
use meta_common::shares::SharePool;
use near_sdk::json_types::U128;
use near_sdk::mock::{MockAction, Receipt};
use near_sdk::test_utils::{get_created_receipts, get_logs, VMContextBuilder};
use near_sdk::{
    testing_env, AccountId, NearToken, PromiseResult, PublicKey, RuntimeFeesConfig, VMContext,
};

use crate::{TestPool, STAKE_SHARE_PRICE_GUARANTEE_FUND};

pub const NEAR: u128 = 10u128.pow(24);
/// What the pool's account holds when it is initialised.
pub const INITIAL_BALANCE: u128 = 30 * NEAR;

pub fn pool_id() -> AccountId {
    "pool.near".parse().unwrap()
}
pub fn owner() -> AccountId {
    "owner.near".parse().unwrap()
}
pub fn alice() -> AccountId {
    "alice.near".parse().unwrap()
}
pub fn bob() -> AccountId {
    "bob.near".parse().unwrap()
}
pub fn carol() -> AccountId {
    "carol.near".parse().unwrap()
}
pub fn staking_key() -> PublicKey {
    "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp"
        .parse()
        .unwrap()
}
pub fn other_key() -> PublicKey {
    "ed25519:DcA2MzgpJbrUATQLLceocVckhhAqrkingax4oJ9kZ847"
        .parse()
        .unwrap()
}

pub fn fee(numerator: u32, denominator: u32) -> RewardFeeFraction {
    RewardFeeFraction {
        numerator,
        denominator,
    }
}

/// A balance view's answer as yocto. In the `test` build views answer a
/// `Reply`, whose true value is read here.
pub fn u(v: impl Yocto) -> u128 {
    v.yocto()
}

pub trait Yocto {
    fn yocto(self) -> u128;
}

impl Yocto for U128 {
    fn yocto(self) -> u128 {
        self.0
    }
}

#[cfg(feature = "test")]
impl Yocto for crate::faults::Reply<U128> {
    fn yocto(self) -> u128 {
        self.honest.0
    }
}

/// A stake action seen in a call's receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeAction {
    pub stake: u128,
    pub public_key: String,
    /// Whether `on_stake_action` is chained after it.
    pub with_callback: bool,
}

pub struct Chain {
    pub pool: TestPool,
    pub epoch: u64,
    /// The pool's liquid balance.
    pub balance: u128,
    /// The pool's locked (staked) balance.
    pub locked: u128,
    /// Shares of the initial stake, owned by no account.
    pub seed_shares: u128,
    /// Logs of the last call (before its receipts ran).
    pub logs: Vec<String>,
    /// Receipts the last call created.
    pub receipts: Vec<Receipt>,
    /// Whether the chain refuses stake actions (as for a stake below the
    /// seat threshold).
    pub reject_stake_actions: bool,
    /// Whether the next call may lower the share price (a principal loss,
    /// `fault_lose_principal`); cleared by that call's checks.
    pub price_may_fall: bool,
    last_price: SharePool,
}

impl Chain {
    pub fn new() -> Self {
        Self::with_fee(fee(0, 1))
    }

    pub fn with_fee(reward_fee: RewardFeeFraction) -> Self {
        // A fresh account: testing_env! carries storage over, and a second
        // pool in the same test must not see the first one's accounts.
        near_sdk::mock::with_mocked_blockchain(|b| drop(b.take_storage()));
        let context = context(&pool_id(), INITIAL_BALANCE, 0, 0, 0);
        testing_env!(context);
        let pool = TestPool::new(owner(), staking_key(), reward_fee);
        let seed_shares = pool.total_stake_shares;
        let mut chain = Self {
            last_price: SharePool::new(pool.total_staked_balance, pool.total_stake_shares),
            pool,
            epoch: 0,
            balance: INITIAL_BALANCE,
            locked: 0,
            seed_shares,
            logs: get_logs(),
            receipts: Vec::new(),
            reject_stake_actions: false,
            price_may_fall: false,
        };
        chain.settle();
        chain
    }

    /// Runs `f` as a call from `who` with `deposit` attached, then its
    /// receipts, then the invariant checks.
    pub fn call<R>(
        &mut self,
        who: &AccountId,
        deposit: u128,
        f: impl FnOnce(&mut TestPool) -> R,
    ) -> R {
        // The runtime adds the attached deposit to the balance the call sees.
        testing_env!(context(who, self.balance, self.locked, self.epoch, deposit));
        let result = f(&mut self.pool);
        self.balance += deposit;
        self.logs = get_logs();
        self.settle();
        self.check_invariants();
        result
    }

    /// Runs a view in the current epoch, as a call (so gas is metered).
    pub fn view<R>(&self, f: impl FnOnce(&TestPool) -> R) -> R {
        testing_env!(context(&carol(), self.balance, self.locked, self.epoch, 0));
        f(&self.pool)
    }

    pub fn deposit(&mut self, who: &AccountId, amount: u128) {
        self.call(who, amount, |p| p.deposit());
    }
    pub fn deposit_and_stake(&mut self, who: &AccountId, amount: u128) {
        self.call(who, amount, |p| p.deposit_and_stake());
    }
    pub fn stake(&mut self, who: &AccountId, amount: u128) {
        self.call(who, 0, |p| p.stake(U128(amount)));
    }
    pub fn unstake(&mut self, who: &AccountId, amount: u128) {
        self.call(who, 0, |p| p.unstake(U128(amount)));
    }
    pub fn withdraw(&mut self, who: &AccountId, amount: u128) {
        self.call(who, 0, |p| p.withdraw(U128(amount)));
    }
    pub fn ping(&mut self) {
        self.call(&carol(), 0, |p| p.ping());
    }

    /// The chain pays `amount` of rewards into the locked balance.
    pub fn pay_reward(&mut self, amount: u128) {
        self.locked += amount;
    }

    pub fn skip_epochs(&mut self, n: u64) {
        self.epoch += n;
    }

    pub fn staked(&self, who: &AccountId) -> u128 {
        self.view(|p| u(p.get_account_staked_balance(who.clone())))
    }
    pub fn unstaked(&self, who: &AccountId) -> u128 {
        self.view(|p| u(p.get_account_unstaked_balance(who.clone())))
    }
    pub fn shares(&self, who: &AccountId) -> u128 {
        self.pool.internal_get_account(who).stake_shares
    }
    /// The pool's totals as the router's share library sees them: the
    /// tests use that library as an independent oracle of the pool's math.
    pub fn price(&self) -> SharePool {
        SharePool::new(self.pool.total_staked_balance, self.pool.total_stake_shares)
    }

    /// Stake actions among the last call's receipts.
    pub fn stake_actions(&self) -> Vec<StakeAction> {
        stake_actions(&self.receipts)
    }

    /// Transfers among the last call's receipts, as (receiver, amount).
    pub fn transfers(&self) -> Vec<(AccountId, u128)> {
        self.receipts
            .iter()
            .flat_map(|r| {
                r.actions.iter().filter_map(|a| match a {
                    MockAction::Transfer { deposit, .. } => {
                        Some((r.receiver_id.clone(), deposit.as_yoctonear()))
                    }
                    _ => None,
                })
            })
            .collect()
    }

    /// Function calls among the last call's receipts, as (receiver, method,
    /// JSON args).
    pub fn function_calls(&self) -> Vec<(AccountId, String, String)> {
        function_calls(&self.receipts)
    }

    /// Applies the receipts of the call just made: transfers leave the
    /// balance, stake actions move NEAR between liquid and locked (the
    /// release of stake is immediate here; the pool's accounting does not
    /// depend on when it happens) and their callback runs.
    fn settle(&mut self) {
        self.receipts = get_created_receipts();
        for (_, amount) in self.transfers() {
            self.balance -= amount;
        }
        for action in self.stake_actions() {
            let total = self.balance + self.locked;
            let accepted = !self.reject_stake_actions && action.stake <= total;
            if accepted {
                self.balance = total - action.stake;
                self.locked = action.stake;
            }
            if action.with_callback {
                self.run_on_stake_action(accepted);
            }
        }
    }

    fn run_on_stake_action(&mut self, succeeded: bool) {
        let result = if succeeded {
            PromiseResult::Successful(Vec::new())
        } else {
            PromiseResult::Failed
        };
        testing_env!(
            context(&pool_id(), self.balance, self.locked, self.epoch, 0),
            near_sdk::test_vm_config(),
            RuntimeFeesConfig::test(),
            Default::default(),
            vec![result],
        );
        self.pool.on_stake_action(if succeeded {
            Ok(())
        } else {
            Err(near_sdk::PromiseError::Failed)
        });
        // After a refused stake the pool stakes nothing, which the chain
        // always accepts.
        for action in stake_actions(&get_created_receipts()) {
            assert!(
                !action.with_callback,
                "the callback's stake has no callback"
            );
            self.balance += self.locked - action.stake;
            self.locked = action.stake;
        }
    }

    /// The share price never falls, the shares add up, and the pool holds
    /// at least what its totals and the accounts' unstaked balances say.
    pub fn check_invariants(&mut self) {
        let now = self.price();
        assert!(
            std::mem::take(&mut self.price_may_fall) || now.price_at_least(&self.last_price),
            "share price fell: {:?} -> {:?}",
            self.last_price,
            now
        );
        self.last_price = now;

        let accounts: Vec<_> = self.pool.accounts.iter().map(|(_, a)| a.clone()).collect();
        let account_shares: u128 = accounts.iter().map(|a| a.stake_shares).sum();
        assert_eq!(
            account_shares + self.seed_shares,
            self.pool.total_stake_shares,
            "shares do not add up"
        );
        let unstaked: u128 = accounts.iter().map(|a| a.unstaked).sum();
        let owed = self.pool.total_staked_balance + unstaked;
        assert!(
            owed <= self.balance + self.locked,
            "pool owes {owed} but holds {}",
            self.balance + self.locked
        );
        assert!(accounts.iter().all(|a| !a.is_empty()), "empty account kept");
    }

    /// Yocto the guarantee fund has left: what the pool holds beyond what it
    /// owes, not counting rewards not yet distributed.
    pub fn fund_left(&self) -> i128 {
        let unstaked: u128 = self.pool.accounts.iter().map(|(_, a)| a.unstaked).sum();
        self.pool.last_total_balance as i128 - (self.pool.total_staked_balance + unstaked) as i128
    }
}

pub fn initial_stake() -> u128 {
    INITIAL_BALANCE - STAKE_SHARE_PRICE_GUARANTEE_FUND
}

pub fn context(
    predecessor: &AccountId,
    balance: u128,
    locked: u128,
    epoch: u64,
    deposit: u128,
) -> VMContext {
    VMContextBuilder::new()
        .current_account_id(pool_id())
        .predecessor_account_id(predecessor.clone())
        .signer_account_id(predecessor.clone())
        .account_balance(NearToken::from_yoctonear(balance))
        .account_locked_balance(NearToken::from_yoctonear(locked))
        .attached_deposit(NearToken::from_yoctonear(deposit))
        .epoch_height(epoch)
        .build()
}

pub fn stake_actions(receipts: &[Receipt]) -> Vec<StakeAction> {
    receipts
        .iter()
        .enumerate()
        .flat_map(|(index, r)| {
            r.actions.iter().filter_map(move |a| match a {
                MockAction::Stake {
                    stake, public_key, ..
                } => Some(StakeAction {
                    stake: stake.as_yoctonear(),
                    public_key: public_key.to_string(),
                    with_callback: receipts.iter().any(|next| {
                        next.receipt_indices.contains(&(index as u64))
                            && function_calls(std::slice::from_ref(next))
                                .iter()
                                .any(|(_, m, _)| m == "on_stake_action")
                    }),
                }),
                _ => None,
            })
        })
        .collect()
}

pub fn function_calls(receipts: &[Receipt]) -> Vec<(AccountId, String, String)> {
    receipts
        .iter()
        .flat_map(|r| {
            r.actions.iter().filter_map(|a| match a {
                MockAction::FunctionCallWeight {
                    method_name, args, ..
                } => Some((
                    r.receiver_id.clone(),
                    String::from_utf8(method_name.clone()).unwrap(),
                    String::from_utf8(args.clone()).unwrap(),
                )),
                _ => None,
            })
        })
        .collect()
}
