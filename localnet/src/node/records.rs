//! nearcore state records (genesis `records`, `sandbox_patch_state`) applied
//! to a localnet chain.
//!
//! Records are written as given, except `storage_usage`: localnet recomputes
//! it from what the account holds (account, keys, data, code), so storage
//! staking stays consistent whatever a record claims.

use crate::chain::Chain;
use crate::state::{self, Account};
use near_account_id::AccountId;
use near_crypto::{PublicKey, PublicKeyHandle};
use near_primitives::account::AccountContract;
use near_primitives::state_record::StateRecord;
use near_token::NearToken;
use near_vm_runner::ContractCode;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Applies `records` in order and recomputes the storage usage of every
/// account they touch.
///
/// # Errors
/// A record kind localnet does not keep (receipts, gas keys, global
/// contracts), or data, keys or code for an account that does not exist.
pub(crate) fn apply(chain: &mut Chain, records: &[StateRecord]) -> Result<(), String> {
    check(chain, records)?;
    let mut touched = BTreeSet::new();
    for record in records {
        touched.insert(apply_one(chain, record)?);
    }
    for id in &touched {
        recompute_storage(chain, id);
    }
    Ok(())
}

/// Refuses the whole batch before anything is written: records of kinds
/// localnet lacks, and records for accounts that neither exist nor come
/// earlier in the batch.
fn check(chain: &Chain, records: &[StateRecord]) -> Result<(), String> {
    let mut created = BTreeSet::new();
    for record in records {
        let owner = match record {
            StateRecord::Account {
                account_id,
                account,
            } => {
                if matches!(
                    account.contract().as_ref(),
                    AccountContract::Global(_) | AccountContract::GlobalByAccount(_)
                ) {
                    return Err(format!(
                        "account {account_id}: localnet does not support global contracts"
                    ));
                }
                created.insert(account_id.clone());
                continue;
            }
            StateRecord::AccessKey {
                account_id,
                public_key: PublicKeyHandle::MlDsa65(_),
                ..
            } => {
                return Err(format!(
                    "account {account_id}: localnet does not support ML-DSA keys"
                ))
            }
            StateRecord::AccessKey { account_id, .. }
            | StateRecord::Data { account_id, .. }
            | StateRecord::Contract { account_id, .. } => account_id,
            other => {
                return Err(format!(
                    "localnet does not support this state record: {}",
                    format!("{other:?}").chars().take(120).collect::<String>()
                ))
            }
        };
        if !created.contains(owner) && chain.account(owner).is_none() {
            return Err(format!(
                "account {owner} does not exist (its Account record must come first)"
            ));
        }
    }
    Ok(())
}

fn apply_one(chain: &mut Chain, record: &StateRecord) -> Result<AccountId, String> {
    let state = chain.state_mut();
    match record {
        StateRecord::Account {
            account_id,
            account,
        } => {
            let entry = state.accounts.entry(account_id.clone()).or_default();
            let code_hash = account.local_contract_hash();
            if matches!(
                account.contract().as_ref(),
                AccountContract::Global(_) | AccountContract::GlobalByAccount(_)
            ) {
                return Err(format!(
                    "account {account_id}: localnet does not support global contracts"
                ));
            }
            entry.account = Some(Account {
                amount: account.amount(),
                locked: account.locked(),
                code_hash,
                storage_usage: account.storage_usage(),
            });
            Ok(account_id.clone())
        }
        StateRecord::AccessKey {
            account_id,
            public_key,
            access_key,
        } => {
            let public_key = match public_key {
                PublicKeyHandle::ED25519(k) => PublicKey::ED25519(k.clone()),
                PublicKeyHandle::SECP256K1(k) => PublicKey::SECP256K1(k.clone()),
                PublicKeyHandle::MlDsa65(_) => {
                    return Err(format!(
                        "account {account_id}: localnet does not support ML-DSA keys"
                    ))
                }
            };
            let entry = existing(state, account_id)?;
            entry.keys.insert(public_key, access_key.clone());
            Ok(account_id.clone())
        }
        StateRecord::Data {
            account_id,
            data_key,
            value,
        } => {
            let entry = existing(state, account_id)?;
            entry.data.insert(data_key.to_vec(), value.to_vec());
            Ok(account_id.clone())
        }
        StateRecord::Contract { account_id, code } => {
            let code = ContractCode::new(code.clone(), None);
            let hash = *code.hash();
            state.codes.entry(hash).or_insert_with(|| Arc::new(code));
            let entry = existing(state, account_id)?;
            entry.account.as_mut().expect("existing").code_hash = Some(hash);
            Ok(account_id.clone())
        }
        other => Err(format!(
            "localnet does not support this state record: {}",
            format!("{other:?}").chars().take(120).collect::<String>()
        )),
    }
}

fn existing<'a>(
    state: &'a mut state::State,
    id: &AccountId,
) -> Result<&'a mut state::AccountRecord, String> {
    state
        .accounts
        .get_mut(id)
        .filter(|r| r.account.is_some())
        .ok_or_else(|| format!("account {id} does not exist (its Account record must come first)"))
}

/// Sets `storage_usage` from what the account holds, as nearcore's genesis
/// storage computation does.
pub(crate) fn recompute_storage(chain: &mut Chain, id: &AccountId) {
    let config = Arc::clone(chain.runtime_config());
    let state = chain.state_mut();
    let code_len = state
        .account(id)
        .and_then(|a| a.code_hash)
        .and_then(|h| state.code(&h))
        .map_or(0, |c| c.code().len() as u64);
    let Some(record) = state.accounts.get_mut(id) else {
        return;
    };
    let mut bytes = state::empty_account_bytes(&config) + code_len;
    for (k, v) in &record.data {
        bytes += state::data_record_bytes(&config, k, v);
    }
    for (pk, key) in &record.keys {
        bytes += state::access_key_bytes(&config, pk, key);
    }
    if let Some(account) = record.account.as_mut() {
        account.storage_usage = bytes;
    }
}

/// Total balance (liquid and locked) over every account.
pub(crate) fn total_supply(chain: &Chain) -> NearToken {
    chain
        .state()
        .accounts
        .values()
        .filter_map(|r| r.account.as_ref())
        .fold(NearToken::ZERO, |acc, a| {
            acc.saturating_add(a.amount).saturating_add(a.locked)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainConfig;
    use near_primitives::account::AccessKey;

    fn account_record(id: &str, near: u128) -> StateRecord {
        StateRecord::Account {
            account_id: id.parse().unwrap(),
            account: near_primitives::account::Account::new(
                NearToken::from_near(near),
                NearToken::ZERO,
                AccountContract::None,
                182,
            ),
        }
    }

    #[test]
    fn records_create_accounts_keys_data_and_code() {
        let mut chain = Chain::new(ChainConfig::default());
        let id: AccountId = "alice.near".parse().unwrap();
        let pk = crate::derive_public_key(&id);
        let wasm = b"\0asm\x01\0\0\0".to_vec();
        apply(
            &mut chain,
            &[
                account_record("alice.near", 10),
                StateRecord::AccessKey {
                    account_id: id.clone(),
                    public_key: pk.clone().into(),
                    access_key: AccessKey::full_access(),
                },
                StateRecord::Data {
                    account_id: id.clone(),
                    data_key: b"k".to_vec().into(),
                    value: b"v".to_vec().into(),
                },
                StateRecord::Contract {
                    account_id: id.clone(),
                    code: wasm.clone(),
                },
            ],
        )
        .unwrap();
        assert!(chain.access_key(&id, &pk).is_some());
        assert_eq!(chain.contract_code(&id).unwrap(), wasm);
        assert_eq!(chain.contract_state(&id)[&b"k".to_vec()], b"v".to_vec());
        let config = chain.runtime_config().clone();
        let expected = state::empty_account_bytes(&config)
            + wasm.len() as u64
            + state::data_record_bytes(&config, b"k", b"v")
            + state::access_key_bytes(&config, &pk, &AccessKey::full_access());
        assert_eq!(chain.account(&id).unwrap().storage_usage, expected);
        assert_eq!(total_supply(&chain), NearToken::from_near(10));
    }

    #[test]
    fn a_batch_with_a_bad_record_changes_nothing() {
        let mut chain = Chain::new(ChainConfig::default());
        let ghost: AccountId = "ghost.near".parse().unwrap();
        let err = apply(
            &mut chain,
            &[
                account_record("fresh.near", 1),
                StateRecord::Data {
                    account_id: ghost,
                    data_key: b"k".to_vec().into(),
                    value: b"v".to_vec().into(),
                },
            ],
        )
        .unwrap_err();
        assert!(err.contains("ghost.near"), "{err}");
        assert!(chain.account(&"fresh.near".parse().unwrap()).is_none());
    }

    #[test]
    fn a_key_for_a_missing_account_is_rejected() {
        let mut chain = Chain::new(ChainConfig::default());
        let id: AccountId = "ghost.near".parse().unwrap();
        let err = apply(
            &mut chain,
            &[StateRecord::AccessKey {
                account_id: id.clone(),
                public_key: crate::derive_public_key(&id).into(),
                access_key: AccessKey::full_access(),
            }],
        )
        .unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
    }
}
