//! Send and execution fees of actions, from the runtime fee configuration.
//!
//! These mirror what nearcore charges when it converts a transaction into a
//! receipt (send fees, burnt at once) and when the receipt is applied
//! (execution fees, prepaid by the signer and burnt on arrival). Receipts that
//! contracts create are charged by the VM itself with the same parameters.

use near_parameters::{ActionCosts, RuntimeFeesConfig};
use near_primitives::account::AccessKeyPermission;
use near_primitives::action::Action;
use near_primitives_core::types::Gas;

/// Bytes of a function-call access key's method names, as priced: each name
/// plus one separator byte.
fn method_names_bytes(permission: &AccessKeyPermission) -> u64 {
    match permission {
        AccessKeyPermission::FunctionCall(p) => p
            .method_names
            .iter()
            .map(|name| name.len() as u64 + 1)
            .sum(),
        _ => 0,
    }
}

/// The (send, exec) fee of one action; `sir` is "sender is receiver".
/// Actions localnet does not run cost nothing here: they fail when applied.
pub fn action_fees(fees: &RuntimeFeesConfig, action: &Action, sir: bool) -> (Gas, Gas) {
    let one = |cost: ActionCosts| {
        let fee = fees.fee(cost);
        (fee.send_fee(sir).gas, fee.exec_fee().gas)
    };
    let per_byte = |base: ActionCosts, byte: ActionCosts, bytes: u64| {
        let (bs, be) = one(base);
        let b = fees.fee(byte);
        (
            bs.checked_add(
                b.send_fee(sir)
                    .gas
                    .checked_mul(bytes)
                    .expect("fee overflow"),
            )
            .expect("fee overflow"),
            be.checked_add(b.exec_fee().gas.checked_mul(bytes).expect("fee overflow"))
                .expect("fee overflow"),
        )
    };
    match action {
        Action::CreateAccount(_) => one(ActionCosts::create_account),
        Action::DeployContract(a) => per_byte(
            ActionCosts::deploy_contract_base,
            ActionCosts::deploy_contract_byte,
            a.code.len() as u64,
        ),
        Action::FunctionCall(a) => per_byte(
            ActionCosts::function_call_base,
            ActionCosts::function_call_byte,
            (a.method_name.len() + a.args.len()) as u64,
        ),
        Action::Transfer(_) => one(ActionCosts::transfer),
        Action::Stake(_) => one(ActionCosts::stake),
        Action::AddKey(a) => match &a.access_key.permission {
            AccessKeyPermission::FullAccess => one(ActionCosts::add_full_access_key),
            permission => per_byte(
                ActionCosts::add_function_call_key_base,
                ActionCosts::add_function_call_key_byte,
                method_names_bytes(permission),
            ),
        },
        Action::DeleteKey(_) => one(ActionCosts::delete_key),
        Action::DeleteAccount(_) => one(ActionCosts::delete_account),
        _ => (Gas::ZERO, Gas::ZERO),
    }
}

/// Sum of the send fees of `actions` plus the receipt creation send fee.
pub fn total_send_fees(fees: &RuntimeFeesConfig, actions: &[Action], sir: bool) -> Gas {
    actions.iter().fold(
        fees.fee(ActionCosts::new_action_receipt).send_fee(sir).gas,
        |acc, a| {
            acc.checked_add(action_fees(fees, a, sir).0)
                .expect("fee overflow")
        },
    )
}

/// Sum of the execution fees of `actions` plus the receipt creation execution fee.
pub fn total_exec_fees(fees: &RuntimeFeesConfig, actions: &[Action]) -> Gas {
    actions.iter().fold(
        fees.fee(ActionCosts::new_action_receipt).exec_fee().gas,
        |acc, a| {
            acc.checked_add(action_fees(fees, a, false).1)
                .expect("fee overflow")
        },
    )
}

/// Gas attached to the function calls of `actions`.
pub fn total_prepaid_gas(actions: &[Action]) -> Gas {
    actions.iter().fold(Gas::ZERO, |acc, a| match a {
        Action::FunctionCall(fc) => acc.checked_add(fc.gas).expect("gas overflow"),
        _ => acc,
    })
}

/// Tokens attached to `actions` (function call deposits and transfers).
pub fn total_deposit(actions: &[Action]) -> near_token::NearToken {
    actions.iter().fold(near_token::NearToken::ZERO, |acc, a| {
        let d = match a {
            Action::FunctionCall(fc) => fc.deposit,
            Action::Transfer(t) => t.deposit,
            _ => near_token::NearToken::ZERO,
        };
        acc.checked_add(d).expect("deposit overflow")
    })
}
