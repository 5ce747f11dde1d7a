//! How the contract state is read and written: versioned (the layout's
//! version byte first, `meta_common::versioned`), and written back only
//! when its bytes changed.
//!
//! near-sdk rewrites the whole state after every `&mut self` call. A
//! transfer changes no field of `SNear` (balances live under their own
//! keys), so that rewrite would be pure cost on the hottest path, about a
//! tenth of a transfer's gas. Comparing bytes rather than tracking a dirty
//! flag means no code path can forget to mark a change.

use meta_common::versioned::{self, STATE_KEY};
use near_sdk::env;
use near_sdk::state::ContractState;

use crate::SNear;

// sNEAR writes its state itself (below), so only the version is shared.
meta_common::versioned_state_version!();

impl ContractState for SNear {
    fn state_key() -> &'static [u8] {
        STATE_KEY
    }

    fn state_read() -> Option<Self> {
        env::storage_read(STATE_KEY).map(|stored| {
            let mut state: SNear = versioned::decode(versioned::body_of(STATE_VERSION, &stored));
            state.stored = stored;
            state
        })
    }

    /// Returns whether the state was written.
    fn state_write(&self) -> bool {
        let bytes = versioned::encode(STATE_VERSION, self);
        if bytes == self.stored {
            return false;
        }
        env::storage_write(STATE_KEY, &bytes);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use near_sdk::AccountId;

    fn id(s: &str) -> AccountId {
        s.parse().unwrap()
    }

    #[test]
    fn unchanged_state_is_not_rewritten() {
        SNear::new(id("router.near"), id("meta.near")).state_write();
        let mut state = SNear::state_read().unwrap();
        let before = env::storage_usage();
        assert!(!state.state_write());
        // A changed field is written.
        state.total_supply = 5;
        assert!(state.state_write());
        let reread = SNear::state_read().unwrap();
        assert_eq!(reread.total_supply, 5);
        assert_eq!(env::storage_usage(), before);
    }

    #[test]
    fn a_new_state_is_written() {
        assert!(!SNear::state_exists());
        assert!(SNear::new(id("router.near"), id("meta.near")).state_write());
        assert!(SNear::state_exists());
    }
}
