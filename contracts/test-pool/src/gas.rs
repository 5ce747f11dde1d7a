//! Gas the pool attaches to the calls it makes.

use near_sdk::Gas;

/// `on_stake_action`, the callback of every stake action: at most one more
/// stake action. The core pool's figure.
pub const ON_STAKE_ACTION_GAS: Gas = Gas::from_tgas(20);

/// `vote` on a voting contract. The core pool's figure.
pub const VOTE_GAS: Gas = Gas::from_tgas(100);
