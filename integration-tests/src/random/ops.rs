//! The operations a run is made of and how often each comes up.
//!
//! A run is a list of `Op`s drawn from the seed before anything runs: a
//! kind and a seed of its own. Each operation reads the chain when it runs
//! to choose its actor, amount and expected outcome from that seed, so the
//! list stays meaningful when operations are removed from it (replaying a
//! subset with `OPS`, or shrinking a failure to the operations it needs).

use crate::rng::Rng;

/// What one operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    // Stakers.
    Deposit,
    DepositAndStake,
    Stake,
    StakeAll,
    Unstake,
    UnstakeAll,
    Withdraw,
    WithdrawAll,
    SnearTransfer,
    ClaimMeta,
    SnearUnregister,
    NewStaker,
    // Time and the keeper.
    NextEpoch,
    SkipEpochs,
    PartialKeeper,
    ExtraKeeperRound,
    AdvanceBlocks,
    // An epoch change between a call and its callback; calls in flight
    // while users act.
    AcrossEpoch,
    Interleave,
    // Validator rewards.
    RewardRate,
    RewardJump,
    // Test-pool fault switches.
    FaultOn,
    FaultOff,
    // Governance by the bootstrap owner, refusals, the whitelist, top-ups.
    OwnerAction,
    Unauthorized,
    WhitelistToggle,
    TopUp,
    // Governance by the DAO.
    Propose,
    Vote,
    Queue,
    Execute,
    // sNEAR's test build refuses one kind of the router's calls for one
    // operation. Last, so that with weight 0 it changes no draw.
    SnearFault,
    // What an attacker does (appended so that earlier seeds' draws change
    // as little as possible): one transaction mixing a user's call and an
    // epoch operation, in either order; a restake while the claim is in
    // the backlog, in flight, earmarked or in the reserve; donations to a
    // pool and to the router; a burst of throwaway accounts at the least
    // liquid stake; an sNEAR transfer while the router's burn callback is
    // held.
    BatchAttack,
    RestakeClaim,
    DonatePool,
    DonateRouter,
    ThrowawayBurst,
    TransferMidBurn,
    // An upgrade of the router or sNEAR landing between an epoch
    // operation's call and its callback (issue 14).
    UpgradeMidFlight,
    // Validators like a real network's (issue 17): a rate of one
    // validator's own; the seat threshold kicking pools out and letting
    // them back; a pool's code replaced by a foreign contract for a while.
    ValidatorRate,
    SeatThreshold,
    PoolRedeploy,
    // Pools that live like real ones (issue 17, `pool_life`): the owner
    // changes the fee, other delegators come and go, a real loss of
    // principal, a pause of many epochs.
    PoolFee,
    Delegator,
    PoolLoss,
    LongPause,
    // The DAO's slots filled by one threshold of META passed along
    // throwaway accounts (`gov::op_proposal_swarm`).
    ProposalSwarm,
}

impl OpKind {
    pub const ALL: [OpKind; 47] = [
        OpKind::Deposit,
        OpKind::DepositAndStake,
        OpKind::Stake,
        OpKind::StakeAll,
        OpKind::Unstake,
        OpKind::UnstakeAll,
        OpKind::Withdraw,
        OpKind::WithdrawAll,
        OpKind::SnearTransfer,
        OpKind::ClaimMeta,
        OpKind::SnearUnregister,
        OpKind::NewStaker,
        OpKind::NextEpoch,
        OpKind::SkipEpochs,
        OpKind::PartialKeeper,
        OpKind::ExtraKeeperRound,
        OpKind::AdvanceBlocks,
        OpKind::AcrossEpoch,
        OpKind::Interleave,
        OpKind::RewardRate,
        OpKind::RewardJump,
        OpKind::FaultOn,
        OpKind::FaultOff,
        OpKind::OwnerAction,
        OpKind::Unauthorized,
        OpKind::WhitelistToggle,
        OpKind::TopUp,
        OpKind::Propose,
        OpKind::Vote,
        OpKind::Queue,
        OpKind::Execute,
        OpKind::SnearFault,
        OpKind::BatchAttack,
        OpKind::RestakeClaim,
        OpKind::DonatePool,
        OpKind::DonateRouter,
        OpKind::ThrowawayBurst,
        OpKind::TransferMidBurn,
        OpKind::UpgradeMidFlight,
        OpKind::ValidatorRate,
        OpKind::SeatThreshold,
        OpKind::PoolRedeploy,
        OpKind::PoolFee,
        OpKind::Delegator,
        OpKind::PoolLoss,
        OpKind::LongPause,
        OpKind::ProposalSwarm,
    ];

    /// Operations by a user (not the keeper, governance, the chain or a
    /// fault switch): their steps are held to invariant 9.
    pub fn is_user_call(self) -> bool {
        use OpKind::*;
        matches!(
            self,
            Deposit
                | DepositAndStake
                | Stake
                | StakeAll
                | Unstake
                | UnstakeAll
                | Withdraw
                | WithdrawAll
                | SnearTransfer
                | ClaimMeta
                | SnearUnregister
                | NewStaker
                | BatchAttack
                | RestakeClaim
                | DonatePool
                | DonateRouter
                | ThrowawayBurst
                | TransferMidBurn
        )
    }
}

/// One operation of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    /// Everything the operation draws comes from this seed.
    pub seed: u64,
}

/// The flavours of mixes: every kind of operation appears in each, the
/// flavour shifts the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixFlavor {
    Balanced,
    /// Fault switches flipped often.
    Faulty,
    /// Many governance actions.
    Governed,
    /// The keeper often skips epochs or stops early.
    LazyKeeper,
    /// Many unstakes and withdrawals.
    Exits,
}

/// Weights of the operation kinds.
#[derive(Clone, Debug)]
pub struct Mix {
    pub flavor: MixFlavor,
    pub weights: Vec<(OpKind, u32)>,
}

impl Mix {
    pub fn new(flavor: MixFlavor, dao: bool, low_funds: bool, snear_faults: bool) -> Mix {
        use OpKind::*;
        let mut w: Vec<(OpKind, u32)> = vec![
            (Deposit, 5),
            (DepositAndStake, 10),
            (Stake, 6),
            (StakeAll, 2),
            (Unstake, 8),
            (UnstakeAll, 3),
            (Withdraw, 8),
            (WithdrawAll, 3),
            (SnearTransfer, 5),
            (ClaimMeta, 3),
            (SnearUnregister, 1),
            (NewStaker, 1),
            (NextEpoch, 14),
            (SkipEpochs, 1),
            (PartialKeeper, 1),
            (ExtraKeeperRound, 2),
            (AdvanceBlocks, 2),
            (AcrossEpoch, 3),
            (Interleave, 3),
            (RewardRate, 2),
            (RewardJump, 1),
            (FaultOn, 3),
            (FaultOff, 1),
            (OwnerAction, if dao { 0 } else { 5 }),
            (Unauthorized, 1),
            (WhitelistToggle, 1),
            (TopUp, if low_funds { 3 } else { 0 }),
            (Propose, if dao { 4 } else { 0 }),
            (Vote, if dao { 12 } else { 0 }),
            (Queue, if dao { 6 } else { 0 }),
            (Execute, if dao { 6 } else { 0 }),
            (SnearFault, if snear_faults { 1 } else { 0 }),
            (BatchAttack, 4),
            (RestakeClaim, 3),
            (DonatePool, 1),
            (DonateRouter, 1),
            (ThrowawayBurst, 1),
            (TransferMidBurn, 2),
            (UpgradeMidFlight, 1),
            (ValidatorRate, 2),
            (SeatThreshold, 1),
            (PoolRedeploy, 1),
            (PoolFee, 1),
            (Delegator, 3),
            (PoolLoss, 1),
            (LongPause, 1),
            (ProposalSwarm, if dao { 2 } else { 0 }),
        ];
        let boost = |w: &mut Vec<(OpKind, u32)>, kinds: &[OpKind], factor: u32| {
            for (k, x) in w.iter_mut() {
                if kinds.contains(k) {
                    *x *= factor;
                }
            }
        };
        match flavor {
            MixFlavor::Balanced => {}
            MixFlavor::Faulty => boost(
                &mut w,
                &[
                    FaultOn,
                    FaultOff,
                    AcrossEpoch,
                    Interleave,
                    SnearFault,
                    TransferMidBurn,
                    PoolLoss,
                    LongPause,
                ],
                3,
            ),
            MixFlavor::Governed => boost(
                &mut w,
                &[OwnerAction, WhitelistToggle, Propose, Vote, Queue, Execute],
                3,
            ),
            MixFlavor::LazyKeeper => boost(&mut w, &[SkipEpochs, PartialKeeper, BatchAttack], 5),
            MixFlavor::Exits => boost(
                &mut w,
                &[
                    Unstake,
                    UnstakeAll,
                    Withdraw,
                    WithdrawAll,
                    RestakeClaim,
                    BatchAttack,
                ],
                2,
            ),
        }
        if dao {
            // A proposal lives ~17 epochs: give time more weight; claims
            // put META in voters' hands.
            boost(&mut w, &[NextEpoch, ClaimMeta], 2);
        }
        Mix { flavor, weights: w }
    }

    /// `steps` operations drawn from `seed`.
    pub fn generate(&self, seed: u64, steps: usize) -> Vec<Op> {
        let mut r = Rng::new(seed ^ 0x0B5E_55ED_0F0B_5000);
        (0..steps)
            .map(|_| Op {
                kind: r.weighted(&self.weights),
                seed: r.next_u64(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_independent_of_length() {
        let mix = Mix::new(MixFlavor::Balanced, false, false, false);
        let a = mix.generate(9, 300);
        assert_eq!(a, mix.generate(9, 300));
        assert_eq!(
            &a[..100],
            &mix.generate(9, 100)[..],
            "a prefix of a longer run"
        );
        assert_ne!(a, mix.generate(10, 300));
    }

    #[test]
    fn every_kind_is_reachable_in_some_mix() {
        let mut seen = std::collections::BTreeSet::new();
        for (dao, low, snear) in [
            (false, false, true),
            (true, false, false),
            (false, true, false),
        ] {
            let mix = Mix::new(MixFlavor::Governed, dao, low, snear);
            seen.extend(mix.generate(1, 3_000).into_iter().map(|o| o.kind));
        }
        for k in OpKind::ALL {
            assert!(seen.contains(&k), "{k:?} never generated");
        }
    }

    #[test]
    fn the_dao_replaces_the_owner() {
        let owner = Mix::new(MixFlavor::Balanced, false, false, false);
        let dao = Mix::new(MixFlavor::Balanced, true, false, false);
        let w = |m: &Mix, k| m.weights.iter().find(|(x, _)| *x == k).unwrap().1;
        assert!(w(&owner, OpKind::OwnerAction) > 0 && w(&owner, OpKind::Propose) == 0);
        assert!(w(&dao, OpKind::OwnerAction) == 0 && w(&dao, OpKind::Propose) > 0);
    }
}
