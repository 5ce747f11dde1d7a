//! Code upgrades: what governance and an upgraded contract agree on.
//!
//! Governance executes an upgrade proposal by calling the target's
//! `upgrade` with the new wasm as the raw argument bytes (no JSON: the code
//! is sent once, as is). The target, which alone may deploy code to
//! itself, answers with one receipt to itself holding both the deploy and a
//! call to the new code's `migrate`; if `migrate` fails the whole receipt
//! fails, so the old code and state stay. Governance upgrades itself the
//! same way without the first hop.
//!
//! The gas figures follow the runtime's fees (nearcore
//! `runtime_configs`, protocol 84 and later): a receipt whose signer is not
//! its receiver pays 47,683,715 gas per byte of a deploy or of arguments to
//! send (protocol 69), and a deploy costs 64,572,944 gas per byte to
//! execute. An upgrade transaction is never signed by the contract it
//! upgrades, so every send is priced at the higher rate.

use near_sdk::{env, require, Gas, NearToken, Promise};

/// The method each upgradable contract exposes to governance.
pub const UPGRADE_METHOD: &str = "upgrade";
/// The migration the upgrade receipt calls on the new code.
pub const MIGRATE_METHOD: &str = "migrate";

/// `migrate`'s budget: the new code's load, one state read and write
/// (measured on localnet: under 3 Tgas for each contract).
pub const GAS_FOR_MIGRATE: Gas = Gas::from_tgas(20);
/// An upgrading method's own work besides the receipts it creates (reading
/// the code, the checks; measured on localnet: under 5 Tgas).
pub const UPGRADE_OWN_WORK: Gas = Gas::from_tgas(10);

const DEPLOY_BASE: u64 = 184_765_750_000;
const DEPLOY_SEND_PER_BYTE: u64 = 47_683_715;
const DEPLOY_EXEC_PER_BYTE: u64 = 64_572_944;
const CALL_BASE: u64 = 2_319_861_500_000;
const ARGS_SEND_PER_BYTE: u64 = 47_683_715;
const ARGS_EXEC_PER_BYTE: u64 = 2_235_934;
const RECEIPT_BASE: u64 = 108_059_500_000;

/// What the batch of deploy and `migrate` costs the receipt creating it,
/// `GAS_FOR_MIGRATE` included: the receipt, the deploy of `code_len` bytes
/// and the call, each sent and executed.
pub const fn deploy_and_migrate_gas(code_len: u64) -> Gas {
    Gas::from_gas(
        2 * RECEIPT_BASE
            + 2 * DEPLOY_BASE
            + code_len * (DEPLOY_SEND_PER_BYTE + DEPLOY_EXEC_PER_BYTE)
            + 2 * CALL_BASE
            + GAS_FOR_MIGRATE.as_gas(),
    )
}

/// What sending `code_len` bytes as a call's arguments costs, send and
/// execution (the call's base fee is in the static gas of the call).
pub const fn code_args_gas(code_len: u64) -> Gas {
    Gas::from_gas(2 * CALL_BASE + code_len * (ARGS_SEND_PER_BYTE + ARGS_EXEC_PER_BYTE))
}

/// The gas the target's `upgrade` must receive for code of `code_len`
/// bytes: its own work and the batch it creates.
pub const fn upgrade_call_gas(code_len: u64) -> Gas {
    Gas::from_gas(UPGRADE_OWN_WORK.as_gas() + deploy_and_migrate_gas(code_len).as_gas())
}

pub const ERR_NO_CODE: &str = "E_NO_CODE: the call's arguments must be the new wasm, as raw bytes";
pub const ERR_UPGRADE_GAS: &str =
    "E_UPGRADE_GAS: not enough gas for the deploy and the migration (upgrade_call_gas)";

/// Deploys the running call's raw input as this account's code and calls
/// the new code's `migrate`, in one receipt whose result becomes the
/// call's: if the migration fails, the deploy is undone with it. Refuses
/// (changing nothing) an empty input (`E_NO_CODE`) and a call whose gas
/// left cannot pay the batch (`E_UPGRADE_GAS`). The caller checks who may
/// upgrade.
///
/// Built on the host functions rather than `Promise`: every byte of code
/// costs each call to the contract gas to load (sNEAR's transfers
/// included), and the builder's generality is several times this size.
pub fn deploy_input_and_migrate() {
    let code = env::input().unwrap_or_default();
    require!(!code.is_empty(), ERR_NO_CODE);
    let left = env::prepaid_gas().saturating_sub(env::used_gas());
    require!(
        left >= deploy_and_migrate_gas(code.len() as u64),
        ERR_UPGRADE_GAS
    );
    let batch = env::promise_batch_create(&env::current_account_id());
    env::promise_batch_action_deploy_contract(batch, &code);
    env::promise_batch_action_function_call(
        batch,
        MIGRATE_METHOD,
        &[],
        NearToken::from_yoctonear(0),
        GAS_FOR_MIGRATE,
    );
    env::promise_return(batch);
}

/// The one receipt to this account that deploys `code` and migrates.
pub fn deploy_and_migrate(code: Vec<u8>) -> Promise {
    Promise::new(env::current_account_id())
        .deploy_contract(code)
        .function_call(
            MIGRATE_METHOD.to_string(),
            vec![],
            NearToken::from_yoctonear(0),
            GAS_FOR_MIGRATE,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_router_sized_upgrade_fits_in_a_transaction() {
        // 410 kB, the router's size today: about 46 Tgas for the deploy.
        let len = 410_000;
        let total = upgrade_call_gas(len).as_gas() + code_args_gas(len).as_gas();
        assert!(total < Gas::from_tgas(150).as_gas(), "{total}");
        assert!(deploy_and_migrate_gas(len).as_gas() > Gas::from_tgas(45).as_gas());
    }
}
