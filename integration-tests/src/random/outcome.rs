//! What a call did, as a random run judges it: it succeeded, it was
//! refused cleanly (a contract's `E_…` error, nothing changed — the
//! invariants check the "nothing"), or it failed some other way (out of
//! gas, a trap, a failure with no error code), which is never acceptable.

use localnet::{ExecutionOutcome, ReceiptStatus};
use serde_json::Value;

/// A call's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Res {
    /// Succeeded with this JSON value (`Null` for none).
    Ok(Value),
    /// Refused with this error code (`E_…`) and message.
    Refused(String, String),
    /// Failed without an error code.
    Unclean(String),
}

impl Res {
    pub fn is_ok(&self) -> bool {
        matches!(self, Res::Ok(_))
    }

    /// A `U128` result as a number (0 when absent).
    pub fn amount(&self) -> u128 {
        match self {
            Res::Ok(v) => v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
            _ => 0,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Res::Refused(c, _) => Some(c),
            _ => None,
        }
    }

    /// A short form for traces and statistics: `ok`, the code, `UNCLEAN`.
    pub fn short(&self) -> String {
        match self {
            Res::Ok(Value::Null) => "ok".into(),
            Res::Ok(v) => format!("ok {v}"),
            Res::Refused(c, _) => c.clone(),
            Res::Unclean(_) => "UNCLEAN".into(),
        }
    }
}

/// The first `E_…` code in a message.
pub fn error_code(msg: &str) -> Option<String> {
    let start = msg.find("E_")?;
    let code: String = msg[start..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    (code.len() > 2).then_some(code)
}

fn refused_or_unclean(msg: String) -> Res {
    match error_code(&msg) {
        Some(c) => Res::Refused(c, msg),
        // near-sdk's refusal of an outside call to a `#[private]` method.
        None if msg.contains("is private") => Res::Refused("PRIVATE".into(), msg),
        None => Res::Unclean(msg),
    }
}

/// A transaction's result.
pub fn classify(out: &ExecutionOutcome) -> Res {
    if out.is_success() {
        return Res::Ok(out.json::<Value>().unwrap_or(Value::Null));
    }
    refused_or_unclean(
        out.failure_message()
            .unwrap_or_else(|| "still pending".into()),
    )
}

/// The result of a call a lockup contract forwarded: the lockup resolves
/// to `true` or `false`; on `false` the reason is the router receipt that
/// failed (or, when the lockup declined without calling, `E_LOCKUP_DECLINED`).
pub fn classify_lockup(out: &ExecutionOutcome, router: &localnet::AccountId) -> Res {
    match classify(out) {
        Res::Ok(Value::Bool(true)) => Res::Ok(Value::Null),
        Res::Ok(Value::Bool(false)) => {
            let failure = out.receipts.iter().find_map(|r| match &r.status {
                ReceiptStatus::Failure(e) if &r.receiver_id == router => Some(e.to_string()),
                _ => None,
            });
            match failure {
                Some(m) => refused_or_unclean(m),
                None => Res::Refused("E_LOCKUP_DECLINED".into(), "no pool call".into()),
            }
        }
        Res::Ok(v) => Res::Unclean(format!("the lockup answered {v}")),
        other => other,
    }
}

/// What an operation expects of its call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Ok,
    /// Refused with one of these codes.
    Refused(Vec<&'static str>),
    /// Success, or refused with one of these codes (any code when empty).
    Either(Vec<&'static str>),
}

impl Expect {
    pub fn refused(code: &'static str) -> Expect {
        Expect::Refused(vec![code])
    }

    /// `Ok` becomes "ok or `code`", a refusal also accepts `code`: for
    /// refusals the run cannot predict exactly (the router's own funds).
    pub fn or(self, code: &'static str) -> Expect {
        match self {
            Expect::Ok => Expect::Either(vec![code]),
            Expect::Refused(mut v) => {
                v.push(code);
                Expect::Refused(v)
            }
            Expect::Either(v) if v.is_empty() => Expect::Either(v),
            Expect::Either(mut v) => {
                v.push(code);
                Expect::Either(v)
            }
        }
    }

    /// `Err` with a description when `res` is not what was expected.
    pub fn check(&self, res: &Res) -> Result<(), String> {
        let fits = |codes: &[&str], c: &str| codes.is_empty() || codes.contains(&c);
        match (self, res) {
            (_, Res::Unclean(m)) => Err(format!("failed without an error code: {m}")),
            (Expect::Ok, Res::Ok(_)) | (Expect::Either(_), Res::Ok(_)) => Ok(()),
            (Expect::Refused(codes), Res::Refused(c, _)) if fits(codes, c) => Ok(()),
            (Expect::Either(codes), Res::Refused(c, _)) if fits(codes, c) => Ok(()),
            (e, r) => Err(format!("expected {e:?}, got {r:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_from_panic_messages() {
        assert_eq!(
            error_code("Smart contract panicked: E_NOT_AVAILABLE: the unstaked balance").as_deref(),
            Some("E_NOT_AVAILABLE")
        );
        assert_eq!(error_code("Exceeded the prepaid gas."), None);
        assert_eq!(error_code("E_"), None);
    }

    #[test]
    fn expectations_accept_and_reject() {
        let ok = Res::Ok(Value::Null);
        let refused = Res::Refused("E_X".into(), "E_X: no".into());
        let unclean = Res::Unclean("trap".into());
        assert!(Expect::Ok.check(&ok).is_ok());
        assert!(Expect::Ok.check(&refused).is_err());
        assert!(Expect::refused("E_X").check(&refused).is_ok());
        assert!(Expect::refused("E_Y").check(&refused).is_err());
        assert!(Expect::refused("E_X").check(&ok).is_err());
        assert!(Expect::Either(vec![]).check(&refused).is_ok());
        assert!(Expect::Either(vec!["E_Y"]).check(&refused).is_err());
        assert!(Expect::Ok.or("E_X").check(&refused).is_ok());
        for e in [Expect::Ok, Expect::Either(vec![]), Expect::refused("E_X")] {
            assert!(
                e.check(&unclean).is_err(),
                "{e:?} accepts an unclean failure"
            );
        }
    }
}
