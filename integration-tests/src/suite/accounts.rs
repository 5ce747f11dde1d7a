//! Stakers: the accounts that use the router.
//!
//! - `Liquid`: an ordinary account; stakes mint sNEAR to it.
//! - `LockupAccount`: a plain account whose id is a lockup id,
//!   `hex(sha256(owner))[0..40].<suffix>`, calling the router itself with
//!   the gas old lockups attach (40 Tgas for `deposit`, 60 for the rest).
//!   The router tells lockups apart by the id alone and its lockup path
//!   makes no cross-contract call, so the id, the caller and the attached
//!   gas are all a lockup contract could change about a call: a plain
//!   account is enough to test the router's side.
//! - `LockupContract`: `res/test_lockup.wasm` deployed under the lockup id,
//!   forwarding its owner's calls with the lockup's gas limits and
//!   callbacks, for the calling pattern itself (deposit then stake, exact
//!   withdrawals read back from the pool's views).

use localnet::{AccountId, NearToken};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{wasm, System};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StakerKind {
    Liquid,
    LockupAccount,
    LockupContract,
}

/// An account that stakes through the router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staker {
    /// The account the router sees.
    pub id: AccountId,
    pub kind: StakerKind,
    /// A lockup's owner (the account its id derives from, which claims its
    /// META); `None` for liquid stakers.
    pub owner: Option<AccountId>,
}

impl Staker {
    pub fn is_lockup(&self) -> bool {
        self.kind != StakerKind::Liquid
    }

    /// Who receives the staker's META: the owner for a lockup.
    pub fn meta_account(&self) -> &AccountId {
        self.owner.as_ref().unwrap_or(&self.id)
    }
}

/// The lockup id the core lockup factory gives `owner`'s lockup: the first
/// 40 hex digits of `sha256(owner)`, a dot, the lockup master account.
pub fn lockup_account_id(owner: &AccountId, suffix: &str) -> String {
    let hash = Sha256::digest(owner.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}.{}", &hex[..40], suffix)
}

/// What a lockup's owner keeps for claim deposits and gas.
const LOCKUP_OWNER_BALANCE: NearToken = NearToken::from_near(10);

impl System {
    /// A liquid staker `<name>.near` holding `balance`.
    pub fn add_liquid_staker(&mut self, name: &str, balance: NearToken) -> Staker {
        let id = self.net.create_account(&format!("{name}.near"), balance);
        self.push_staker(Staker {
            id,
            kind: StakerKind::Liquid,
            owner: None,
        })
    }

    /// A plain account named like the lockup of `<owner_name>.near`,
    /// holding `balance`; the owner account is created too.
    pub fn add_lockup_account(&mut self, owner_name: &str, balance: NearToken) -> Staker {
        let (owner, lockup_id) = self.lockup_owner(owner_name);
        let id = self.net.create_account(&lockup_id, balance);
        self.push_staker(Staker {
            id,
            kind: StakerKind::LockupAccount,
            owner: Some(owner),
        })
    }

    /// `res/test_lockup.wasm` deployed under the lockup id of
    /// `<owner_name>.near`, with `balance`, its staking pool set to the
    /// router.
    pub fn add_lockup_contract(&mut self, owner_name: &str, balance: NearToken) -> Staker {
        let (owner, lockup_id) = self.lockup_owner(owner_name);
        let code = wasm(super::wasm::LOCKUP_WASM);
        let id = self.net.create_and_deploy(&lockup_id, balance, &code);
        let router = self.router.clone();
        self.net
            .call(&owner, &id, "new")
            .args_json(json!({"owner_account_id": owner, "staking_pool_account_id": router}))
            .transact()
            .assert_success();
        self.push_staker(Staker {
            id,
            kind: StakerKind::LockupContract,
            owner: Some(owner),
        })
    }

    fn lockup_owner(&mut self, owner_name: &str) -> (AccountId, String) {
        let owner = self
            .net
            .create_account(&format!("{owner_name}.near"), LOCKUP_OWNER_BALANCE);
        let lockup_id = lockup_account_id(&owner, &self.config.lockup_suffix);
        (owner, lockup_id)
    }

    fn push_staker(&mut self, s: Staker) -> Staker {
        self.stakers.push(s.clone());
        s
    }
}
