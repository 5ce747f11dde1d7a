//! View calls: a function call with the runtime's view restrictions and no
//! state change.

use crate::chain::Chain;
use crate::ext::Overlay;
use crate::runtime::{self, BlockContext, CallInput};
use crate::Error;
use near_account_id::AccountId;
use near_primitives_core::hash::CryptoHash;
use std::collections::BTreeMap;

/// What a view call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewResult {
    pub result: Vec<u8>,
    pub logs: Vec<String>,
}

/// Runs `method` of `contract` in view mode on the head block.
///
/// Like nearcore's `call_function` query, the contract runs as its own signer
/// and predecessor with no deposit, the view gas limit, and every host
/// function that would change state or create a promise aborting with
/// "... is not allowed in view calls".
pub(crate) fn view(
    chain: &Chain,
    contract: &AccountId,
    method: &str,
    args: &[u8],
) -> Result<ViewResult, Error> {
    let state = chain.state();
    let record = state
        .record(contract)
        .ok_or_else(|| Error::AccountNotFound(contract.clone()))?;
    let head = chain.head();
    let (stakes, total_stake) = chain.validators();
    let waiting = BTreeMap::new();
    let named = BTreeMap::new();
    let block = BlockContext {
        config: chain.runtime_config(),
        height: head.height,
        timestamp_ns: head.timestamp_ns,
        epoch_height: head.epoch_height,
        block_hash: head.hash,
        gas_price: chain.config().gas_price,
        chain_id: &chain.config().chain_id,
        minimum_stake: chain.config().minimum_stake,
        epoch: &stakes,
        total_stake,
        yields_waiting: &waiting,
        yields_named: &named,
    };
    let mut overlay = Overlay::new(Some(record));
    let wasm_limit = chain
        .runtime_config()
        .wasm_config
        .limit_config
        .max_gas_burnt;
    let (outcome, _) = runtime::run_function_call(
        &block,
        state,
        &mut overlay,
        &BTreeMap::new(),
        CallInput {
            account_id: contract,
            signer_id: contract,
            signer_public_key: borsh::to_vec(&near_crypto::PublicKey::empty(
                near_crypto::KeyType::ED25519,
            ))
            .expect("borsh of a public key"),
            predecessor_id: contract,
            refund_to: contract,
            method,
            args,
            deposit: near_token::NearToken::ZERO,
            prepaid_gas: wasm_limit,
            promise_results: Vec::new().into(),
            action_hash: CryptoHash::default(),
            output_data_receivers: Vec::new(),
            view: true,
        },
    );
    if let Some(error) = outcome.aborted {
        return Err(Error::View {
            message: error.to_string(),
            logs: outcome.logs,
        });
    }
    let result = match outcome.return_data {
        near_vm_runner::logic::ReturnData::Value(v) => v,
        _ => Vec::new(),
    };
    Ok(ViewResult {
        result,
        logs: outcome.logs,
    })
}
