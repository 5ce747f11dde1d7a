//! A NEP-141 receiver for token tests. What `ft_on_transfer` does is decided
//! by `msg`, so one deployment covers every way a receiver can answer:
//!
//! | msg | answer |
//! | --- | --- |
//! | `keep` (or anything unlisted) | `"0"`: keeps the whole amount |
//! | `refund:N` | `"N"`: N unused (the token caps it at the amount) |
//! | `refund-all` | the amount: keeps nothing |
//! | `garbage` | `"not a number"`: an answer that is not a U128 |
//! | `panic` | fails with `E_RECEIVER_PANIC` |
//!
//! Each call logs `received <amount> from <sender> (<msg>)`.

use near_sdk::json_types::U128;
use near_sdk::serde_json::{json, Value};
use near_sdk::{env, log, near, AccountId};

pub const ERR_RECEIVER_PANIC: &str = "E_RECEIVER_PANIC: told to fail";

#[near(contract_state)]
#[derive(Default)]
pub struct Receiver {}

/// What the receiver answers for `msg` and `amount`.
pub fn answer(msg: &str, amount: U128) -> Value {
    match msg {
        "panic" => env::panic_str(ERR_RECEIVER_PANIC),
        "garbage" => json!("not a number"),
        "refund-all" => json!(amount),
        _ => match msg
            .strip_prefix("refund:")
            .and_then(|n| n.parse::<u128>().ok())
        {
            Some(n) => json!(U128(n)),
            None => json!(U128(0)),
        },
    }
}

#[near]
impl Receiver {
    /// NEP-141 receiver hook. Callable by any token; answers as `msg` says.
    pub fn ft_on_transfer(&mut self, sender_id: AccountId, amount: U128, msg: String) -> Value {
        log!("received {} from {} ({})", amount.0, sender_id, msg);
        answer(&msg, amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_the_message() {
        assert_eq!(answer("keep", U128(9)), json!("0"));
        assert_eq!(answer("whatever", U128(9)), json!("0"));
        assert_eq!(answer("refund:4", U128(9)), json!("4"));
        assert_eq!(answer("refund:x", U128(9)), json!("0"));
        assert_eq!(answer("refund-all", U128(9)), json!("9"));
        assert_eq!(answer("garbage", U128(9)), json!("not a number"));
    }

    #[test]
    #[should_panic(expected = "E_RECEIVER_PANIC")]
    fn panic_fails_the_call() {
        answer("panic", U128(1));
    }
}
