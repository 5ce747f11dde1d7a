//! An upgrade landing while the router's calls are in flight (issue 14).
//!
//! `UpgradeMidFlight`: the keeper sends an epoch operation; once the
//! router has run it (its validator or sNEAR call sent, the callback not
//! yet), the governance account sends `upgrade` to the router or to sNEAR
//! with the code deployed there now, as executing a passed upgrade
//! proposal would. The deploy and its migration run before the callback,
//! which lands on the new code. The migration is the same version to
//! itself, so nothing may change: every invariant holds after the step,
//! both calls succeed, and the run goes on against the upgraded contract.

use localnet::Gas;
use serde_json::json;

use super::chain::wait_until_router_ran;
use super::outcome::{classify, Expect};
use super::world::{Done, World};
use crate::keeper::{EPOCH_OPS, KEEPER_GAS};
use crate::rng::Rng;

/// What the governance account attaches to `upgrade`: the deploy of a
/// ~0.45 MB wasm and the migration.
const UPGRADE_GAS: Gas = Gas::from_tgas(150);

impl World {
    pub(super) fn op_upgrade_mid_flight(&mut self, r: &mut Rng) -> Done {
        let op = *r.pick(&EPOCH_OPS).expect("five operations");
        let target = if r.chance(70) {
            self.d.sys.router.clone()
        } else {
            self.d.sys.snear.clone()
        };
        let code = self
            .d
            .sys
            .net
            .chain()
            .contract_code(&target)
            .expect("deployed");
        let gov = self.d.sys.governance.clone();
        let keeper = self.d.sys.keeper_account.clone();
        let router = self.d.sys.router.clone();
        self.promise.dirty(self.epoch());
        let label = format!("{op} in flight while {target} is upgraded");
        let (keeper_out, upgrade_out) = self.step(label, |sys| {
            let reading = sys.cap_reading();
            let tx = sys
                .net
                .call(&keeper, &router, op)
                .args_json(json!({}))
                .gas(KEEPER_GAS)
                .submit();
            wait_until_router_ran(sys, &tx);
            let upgrade = sys
                .net
                .call(&gov, &target, "upgrade")
                .args(code)
                .gas(UPGRADE_GAS)
                .submit();
            sys.net.run_until_idle();
            let keeper_out = sys.net.outcome(&tx).expect("included");
            sys.record(&keeper_out, Some(reading));
            let upgrade_out = sys.net.outcome(&upgrade).expect("included");
            sys.record(&upgrade_out, None);
            (keeper_out, upgrade_out)
        })?;
        self.expect(
            &format!("{op} (upgrade in flight)"),
            &Expect::Ok,
            &classify(&keeper_out),
        )?;
        self.expect("upgrade (mid-flight)", &Expect::Ok, &classify(&upgrade_out))
    }
}
