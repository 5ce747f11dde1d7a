//! Staged code: the wasm an upgrade proposal names by its sha256.
//!
//! Code is staged before anyone proposes it, by a call whose raw arguments
//! are the wasm. The bytes are stored under their own hash, so what a
//! proposal names can never change: nobody can swap the bytes after the
//! vote starts. The stager pays the exact storage and gets it back when the
//! last proposal naming the code ends (executed or cancelled at once,
//! defeated or expired by anyone's `release_proposal_code`), or by
//! `unstage_code` while no proposal names it.
//!
//! Each proposal that names code holds one reference (`code_refs`, keyed by
//! proposal id, written with the proposal and paid by its proposer); the
//! code is deleted when its last reference is released.

use near_sdk::json_types::{Base58CryptoHash, U128};
use near_sdk::{borsh, env, near, require, AccountId, CryptoHash, NearToken, Promise};

use crate::errors::*;
use crate::events::GovernanceEvent;
use crate::proposal::ProposalState;
use crate::{Governance, GovernanceExt, StorageKey};

/// The first bytes of every wasm module.
const WASM_MAGIC: &[u8] = b"\0asm";

/// Bytes a proposal's code reference adds: prefix, proposal id, hash.
pub const CODE_REF_BYTES: u64 = 1 + 8 + 32 + 40;

/// What is known of staged code besides its bytes.
#[near(serializers = [borsh, json])]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedCode {
    pub stager: AccountId,
    pub length: u64,
    /// What the stager paid and gets back: the storage of the bytes and of
    /// this record.
    pub storage_deposit: U128,
    /// Proposals naming the code that have not released it.
    pub references: u32,
}

/// The storage key of staged bytes: raw (no borsh length prefix), so
/// reading them for a deploy copies them once.
fn code_key(hash: &CryptoHash) -> Vec<u8> {
    let mut key = borsh::to_vec(&StorageKey::StagedCodeBytes).unwrap_or_else(|_| env::abort());
    key.extend_from_slice(hash);
    key
}

impl Governance {
    pub(crate) fn staged_code(&self, hash: &CryptoHash) -> Option<&StagedCode> {
        self.staged_code.get(hash)
    }

    /// The staged bytes of `hash`; panics `E_CODE_NOT_STAGED`.
    pub(crate) fn staged_code_bytes(&self, hash: &CryptoHash) -> Vec<u8> {
        env::storage_read(&code_key(hash)).unwrap_or_else(|| env::panic_str(ERR_CODE_NOT_STAGED))
    }

    /// Records that proposal `id` names `hash`, which must be staged.
    pub(crate) fn reference_code(&mut self, id: u64, hash: CryptoHash) {
        let code = self
            .staged_code
            .get_mut(&hash)
            .unwrap_or_else(|| env::panic_str(ERR_CODE_NOT_STAGED));
        code.references += 1;
        self.code_refs.insert(id, hash);
    }

    /// Drops proposal `id`'s reference, if it holds one; the last reference
    /// deletes the code and refunds its stager. Returns whether a reference
    /// was dropped.
    pub(crate) fn release_code(&mut self, id: u64) -> bool {
        let Some(hash) = self.code_refs.remove(&id) else {
            return false;
        };
        let last = match self.staged_code.get_mut(&hash) {
            Some(code) => {
                code.references = code.references.saturating_sub(1);
                code.references == 0
            }
            None => false,
        };
        if last {
            self.delete_code(&hash);
        }
        true
    }

    fn delete_code(&mut self, hash: &CryptoHash) {
        let Some(code) = self.staged_code.remove(hash) else {
            return;
        };
        env::storage_remove(&code_key(hash));
        GovernanceEvent::CodeUnstaged {
            code_hash: (*hash).into(),
            stager: code.stager.clone(),
            refund: code.storage_deposit,
        }
        .emit();
        Promise::new(code.stager)
            .transfer(NearToken::from_yoctonear(code.storage_deposit.0))
            .detach();
    }
}

#[near]
impl Governance {
    /// Stores the call's raw argument bytes (a wasm module, not JSON) as
    /// code an upgrade proposal may name; returns its sha256 (base58),
    /// which proposals use as `code_hash`.
    ///
    /// Anyone. Deposit: the exact storage of the bytes and their record
    /// (about 10^19 yoctoNEAR a byte: 4.1 NEAR for 410 kB; `E_STAGE_DEPOSIT`
    /// below it), the rest refunded; the whole deposit is refunded when the
    /// same code is staged already. Refused: anything not starting with the
    /// wasm magic (`E_NOT_WASM`). The transaction size limit (1.5 MB)
    /// bounds the code. Gas: about 10 Tgas plus 0.1 Tgas a kB. Emits
    /// `code_staged`.
    #[payable]
    pub fn stage_code(&mut self) -> Base58CryptoHash {
        let code = env::input().unwrap_or_default();
        require!(code.starts_with(WASM_MAGIC), ERR_NOT_WASM);
        let hash = env::sha256_array(&code);
        let stager = env::predecessor_account_id();
        let attached = env::attached_deposit().as_yoctonear();
        if self.staged_code.contains_key(&hash) {
            if attached > 0 {
                Promise::new(stager)
                    .transfer(NearToken::from_yoctonear(attached))
                    .detach();
            }
            return hash.into();
        }
        let before = env::storage_usage();
        env::storage_write(&code_key(&hash), &code);
        let record = StagedCode {
            stager: stager.clone(),
            length: code.len() as u64,
            storage_deposit: U128(0),
            references: 0,
        };
        self.staged_code.insert(hash, record);
        self.staged_code.flush();
        let cost =
            u128::from(env::storage_usage() - before) * env::storage_byte_cost().as_yoctonear();
        require!(attached >= cost, ERR_STAGE_DEPOSIT);
        if let Some(record) = self.staged_code.get_mut(&hash) {
            record.storage_deposit = U128(cost);
        }
        if attached > cost {
            Promise::new(stager.clone())
                .transfer(NearToken::from_yoctonear(attached - cost))
                .detach();
        }
        GovernanceEvent::CodeStaged {
            code_hash: hash.into(),
            stager,
            length: code.len() as u64,
            storage_deposit: U128(cost),
        }
        .emit();
        hash.into()
    }

    /// Releases the code reference of a proposal that can no longer execute
    /// (Defeated or Expired; Executed and Cancelled proposals release theirs
    /// at once). The last reference deletes the code and refunds its
    /// stager (`code_unstaged`). Anyone; no deposit; ~5 Tgas plus 0.012
    /// Tgas a kB of code deleted. Refused: a proposal that may still
    /// execute (`E_PROPOSAL_LIVE`), one holding no reference
    /// (`E_NO_CODE_REF`).
    pub fn release_proposal_code(&mut self, proposal_id: u64) {
        let state = self.proposal(proposal_id).state(env::epoch_height());
        require!(
            matches!(
                state,
                ProposalState::Defeated
                    | ProposalState::Expired
                    | ProposalState::Executed
                    | ProposalState::Cancelled
            ),
            ERR_PROPOSAL_LIVE
        );
        require!(self.release_code(proposal_id), ERR_NO_CODE_REF);
    }

    /// Deletes staged code no proposal names and refunds its storage
    /// deposit. Caller: its stager (`E_NOT_STAGER`); refused while a
    /// proposal names it (`E_CODE_IN_USE`). No deposit. Emits
    /// `code_unstaged`.
    pub fn unstage_code(&mut self, code_hash: Base58CryptoHash) {
        let hash: CryptoHash = code_hash.into();
        let code = self
            .staged_code
            .get(&hash)
            .unwrap_or_else(|| env::panic_str(ERR_CODE_NOT_STAGED));
        require!(code.stager == env::predecessor_account_id(), ERR_NOT_STAGER);
        require!(code.references == 0, ERR_CODE_IN_USE);
        self.delete_code(&hash);
    }

    /// The staged code of this hash: stager, length, deposit, references;
    /// `null` if none.
    pub fn get_staged_code(&self, code_hash: Base58CryptoHash) -> Option<StagedCode> {
        self.staged_code(&code_hash.into()).cloned()
    }
}
