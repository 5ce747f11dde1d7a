//! Fault switches for the randomized runs (`integration-tests`), compiled
//! only with the `test` feature (`res/snear_faults.wasm`); the production
//! wasm has none of this and no admin method at all.
//!
//! `fault_fail(method_name, enabled)` makes every call of `mint`, `burn` or
//! `update_pool_state` panic with `E_FAULT_INJECTED: <method>` until it is
//! switched off, exactly as a real refusal does: the receipt keeps none of
//! its changes (a push and a mint batched in one receipt fail together) and
//! attached deposits go back to the router. A switch, not a count: a panic
//! cannot record that it happened. Anyone may flip it: the test build
//! holds no real value. Switches live under their own storage keys, so the
//! contract state has the same layout in both builds.

#[cfg(feature = "test")]
mod switches {
    use near_sdk::{env, near, require};

    use crate::{SNear, SNearExt};

    /// The methods a switch can fail.
    const SWITCHABLE: [&str; 3] = ["mint", "burn", "update_pool_state"];

    fn key(method: &str) -> Vec<u8> {
        [b"fault:".as_slice(), method.as_bytes()].concat()
    }

    #[near]
    impl SNear {
        /// Test build only. Anyone. Switches the failure of `method_name`
        /// (`mint`, `burn` or `update_pool_state`) on or off. Gas: a few
        /// Tgas; the switch's storage is paid by the contract. Emits nothing.
        pub fn fault_fail(&mut self, method_name: String, enabled: bool) {
            require!(
                SWITCHABLE.contains(&method_name.as_str()),
                "E_UNKNOWN_METHOD: mint, burn or update_pool_state"
            );
            if enabled {
                env::storage_write(&key(&method_name), &[1]);
            } else {
                env::storage_remove(&key(&method_name));
            }
        }

        /// Test build only. View: the switched-on methods.
        pub fn fault_switches(&self) -> Vec<String> {
            SWITCHABLE
                .iter()
                .filter(|m| env::storage_has_key(&key(m)))
                .map(|m| m.to_string())
                .collect()
        }
    }

    pub fn check(method: &str) {
        if env::storage_has_key(&key(method)) {
            env::panic_str(&format!("E_FAULT_INJECTED: {method}"));
        }
    }
}

/// Panics when the test build's switch for `method` is on; nothing in the
/// production build.
#[inline]
pub(crate) fn check(_method: &str) {
    #[cfg(feature = "test")]
    switches::check(_method);
}
