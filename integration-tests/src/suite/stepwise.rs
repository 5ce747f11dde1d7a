//! An epoch change between a call and its callback.
//!
//! localnet runs a call and its callback two blocks apart and only jumps
//! over empty blocks, so the epoch can change in between only if the call
//! is sent at the right height. The harness finds that height by running
//! the same call on a copy of the chain, block by block, until the
//! callback runs; then, on the real chain, it advances to that many blocks
//! before the next epoch's first block and sends the call there. The
//! callback is the first receipt of the new epoch; everything before it
//! ran in the old one.

use localnet::{AccountId, ActionSummary, ExecutionOutcome, Gas, NearToken};
use serde_json::Value;

use super::System;

/// What `System::call_across_epoch_change` did.
#[derive(Clone, Debug)]
pub struct EpochChange {
    pub outcome: ExecutionOutcome,
    /// Epoch the call (and its callee) ran in.
    pub call_epoch: u64,
    /// Epoch the callback ran in: `call_epoch + 1`.
    pub callback_epoch: u64,
}

/// Most blocks from sending a call to its callback the search looks at.
const MAX_HOPS: u64 = 20;

impl System {
    /// Sends `method` to `receiver` so that the epoch changes just before
    /// `callback` (a method `receiver` calls on itself) runs. Recorded in
    /// the ledger like `call` (with a cap reading for epoch operations).
    ///
    /// # Panics
    /// If the callback does not run within `MAX_HOPS` blocks of the call,
    /// or the chain is not at rest.
    #[allow(clippy::too_many_arguments)]
    pub fn call_across_epoch_change(
        &mut self,
        signer: &AccountId,
        receiver: &AccountId,
        method: &str,
        args: Value,
        deposit: u128,
        gas: Gas,
        callback: &str,
    ) -> EpochChange {
        assert!(self.at_rest(), "the chain must be at rest");
        let hops = self.hops_to_callback(signer, receiver, method, &args, deposit, gas, callback);
        let mut next = self.net.epoch_height() + 1;
        while self.net.chain().epoch_start(next) < self.net.block_height() + hops + 1 {
            next += 1;
        }
        let send_at = self.net.chain().epoch_start(next) - hops;
        self.net.advance_blocks(send_at - self.net.block_height());
        let reading =
            (receiver == &self.router && method.starts_with("epoch_")).then(|| self.cap_reading());
        let call_epoch = self.net.epoch_height();
        let tx = self
            .net
            .call(signer, receiver, method)
            .args_json(args)
            .deposit(NearToken::from_yoctonear(deposit))
            .gas(gas)
            .submit();
        self.net.run_until_idle();
        let outcome = self.net.outcome(&tx).expect("included");
        let cb = callback_receipt(&outcome, receiver, callback).expect("the callback ran");
        let callback_epoch = cb.block_height / self.config.epoch_length + 1;
        assert_eq!(
            callback_epoch,
            call_epoch + 1,
            "the callback ran in the next epoch"
        );
        self.record(&outcome, reading);
        EpochChange {
            outcome,
            call_epoch,
            callback_epoch,
        }
    }

    /// Blocks from the head at sending to the block the callback runs in,
    /// found on a copy of the chain.
    #[allow(clippy::too_many_arguments)]
    fn hops_to_callback(
        &self,
        signer: &AccountId,
        receiver: &AccountId,
        method: &str,
        args: &Value,
        deposit: u128,
        gas: Gas,
        callback: &str,
    ) -> u64 {
        let mut copy = self.net.clone();
        let head = copy.block_height();
        let tx = copy
            .call(signer, receiver, method)
            .args_json(args.clone())
            .deposit(NearToken::from_yoctonear(deposit))
            .gas(gas)
            .submit();
        for _ in 0..MAX_HOPS {
            copy.produce_block();
            if let Some(r) = copy
                .outcome(&tx)
                .as_ref()
                .and_then(|o| callback_receipt(o, receiver, callback))
            {
                return r.block_height - head;
            }
        }
        panic!("{callback} did not run within {MAX_HOPS} blocks of {method}");
    }
}

fn callback_receipt<'a>(
    out: &'a ExecutionOutcome,
    receiver: &AccountId,
    callback: &str,
) -> Option<&'a localnet::ReceiptOutcome> {
    out.receipts.iter().find(|r| {
        &r.receiver_id == receiver
            && &r.predecessor_id == receiver
            && matches!(r.actions.first(), Some(ActionSummary::FunctionCall { method, .. }) if method == callback)
    })
}
