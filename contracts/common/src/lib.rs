//! Code shared by the meta-pool contracts: the share math every pool in the
//! system uses, the cross-contract interfaces between router, sNEAR,
//! governance, validator pools and the whitelist, and the typed governance
//! actions the DAO may apply to the router.
//!
//! Only what two or more contracts must agree on lives here; everything else
//! belongs to the contract that owns it.

pub mod actions;
pub mod ext;
pub mod mirror;
pub mod pool_state;
pub mod shares;
pub mod upgrade;
pub mod versioned;

pub use shares::U256;
