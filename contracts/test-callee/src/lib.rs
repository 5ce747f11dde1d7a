//! Test-only: a callee that answers with whatever raw bytes it was told,
//! padded with zero bytes to a chosen length. It stands in for the router
//! (`apply_governance_action`), the staking-pool whitelist
//! (`is_whitelisted`) or a token receiver (`ft_on_transfer`) where a test
//! needs an answer the real contract never gives: not a bool, empty, or as
//! long as the protocol lets a call return.
//!
//! Anyone may change the answer; never deploy it anywhere that matters.

use near_sdk::serde_json::Value;
use near_sdk::{env, near};

#[near(contract_state)]
#[derive(Default)]
pub struct Callee {
    reply: String,
    /// The answer is padded with zero bytes up to this many bytes.
    len: u64,
    calls: u64,
}

#[near]
impl Callee {
    /// Sets the answer: `reply`'s bytes, padded with zero bytes to `len`
    /// bytes (no padding when `len` is shorter). Zero bytes cost no wasm
    /// work to produce (fresh memory is zeroed), so the answer can be as
    /// long as the protocol allows (4 MiB) within a call's gas.
    pub fn set_reply(&mut self, reply: String, len: Option<u64>) {
        self.reply = reply;
        self.len = len.unwrap_or(0);
    }

    /// How many answered calls it has received.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The router's governance entry point; answers the set reply.
    pub fn apply_governance_action(&mut self, action: Value) {
        drop(action);
        self.answer();
    }

    /// The whitelist's check; answers the set reply.
    pub fn is_whitelisted(&mut self, staking_pool_account_id: Value) {
        drop(staking_pool_account_id);
        self.answer();
    }

    /// NEP-141's receiver hook; answers the set reply.
    pub fn ft_on_transfer(&mut self, sender_id: Value, amount: Value, msg: Value) {
        drop((sender_id, amount, msg));
        self.answer();
    }
}

impl Callee {
    fn answer(&mut self) {
        self.calls += 1;
        env::value_return(padded(&self.reply, self.len));
    }
}

/// `reply`'s bytes followed by zero bytes up to `len` bytes.
pub fn padded(reply: &str, len: u64) -> Vec<u8> {
    let reply = reply.as_bytes();
    let len = usize::try_from(len).unwrap_or(usize::MAX).max(reply.len());
    let mut bytes = vec![0; len];
    bytes[..reply.len()].copy_from_slice(reply);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_is_padded_with_zero_bytes_to_the_length() {
        assert_eq!(padded("true", 0), b"true");
        assert_eq!(padded("true", 6), b"true\0\0");
        assert_eq!(padded("", 2), b"\0\0");
        assert_eq!(padded("false", 3), b"false");
    }

    #[test]
    fn each_answer_is_counted() {
        let mut c = Callee::default();
        c.set_reply("\"applied\"".into(), None);
        c.apply_governance_action(Value::Null);
        c.is_whitelisted(Value::Null);
        assert_eq!(c.calls(), 2);
    }
}
