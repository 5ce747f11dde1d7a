//! The network the demo runs on, and how concentrated its stake is.
//!
//! Outside the router: a few large validators holding most of the stake
//! and a tail of small ones, seeded on localnet as validators since genesis
//! (`Localnet::seed_validator`: real locked stake that earns the chain's
//! rewards). The router's validators are the harness's test pools.
//!
//! The Nakamoto coefficient is the smallest number of validators that
//! together hold more than a third of the stake: enough to halt finality.

use localnet::AccountId;
use meta_common::shares::mul_div_down;

/// One validator's live stake and the router's part of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetStake {
    pub id: AccountId,
    /// Total stake (yoctoNEAR): a pool's `get_total_staked_balance`, an
    /// outside validator's locked balance.
    pub stake: u128,
    /// What the router delegated there (its `get_account_staked_balance`
    /// at the pool); 0 outside the router's list.
    pub router: u128,
    /// Outside the router's list (a large or small outside validator, or a
    /// whitelisted pool the router has not listed).
    pub outside: bool,
}

/// The Nakamoto coefficient of the network as it is, and in two
/// counterfactuals without the router.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coefficients {
    /// The network as it is.
    pub with: usize,
    /// The router's delegations moved to the outside validators in
    /// proportion to their stake: the stakers delegate directly, choosing
    /// the way delegators usually do, by size.
    pub redirected: usize,
    /// The router's delegations removed (the stakers would not have staked).
    pub removed: usize,
}

/// Smallest number of validators holding more than a third of the total;
/// 0 for an empty network.
pub fn nakamoto(stakes: &[u128]) -> usize {
    let total: u128 = stakes.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut sorted = stakes.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut held = 0u128;
    for (k, s) in sorted.iter().enumerate() {
        held += s;
        // held > total / 3, without rounding.
        if held * 3 > total {
            return k + 1;
        }
    }
    sorted.len()
}

/// Stakes with the router's delegations given to the outside validators in
/// proportion to their stake (rounded down; the remainder to the largest).
pub fn redirect_router_stake(net: &[NetStake]) -> Vec<u128> {
    let routed: u128 = net.iter().map(|v| v.router).sum();
    let outside: u128 = net.iter().filter(|v| v.outside).map(|v| v.stake).sum();
    let mut out: Vec<u128> = net
        .iter()
        .map(|v| v.stake - v.router.min(v.stake))
        .collect();
    if outside == 0 {
        return out;
    }
    let mut given = 0u128;
    let mut largest: Option<usize> = None;
    for (i, v) in net.iter().enumerate().filter(|(_, v)| v.outside) {
        // stake * routed / outside <= routed: the quotient fits.
        let share = mul_div_down(v.stake, routed, outside).unwrap_or(0);
        out[i] += share;
        given += share;
        if largest.is_none_or(|j| net[j].stake < v.stake) {
            largest = Some(i);
        }
    }
    if let Some(j) = largest {
        out[j] += routed - given;
    }
    out
}

/// The three coefficients of `net`.
pub fn coefficients(net: &[NetStake]) -> Coefficients {
    let with: Vec<u128> = net.iter().map(|v| v.stake).collect();
    let removed: Vec<u128> = net
        .iter()
        .map(|v| v.stake - v.router.min(v.stake))
        .collect();
    Coefficients {
        with: nakamoto(&with),
        redirected: nakamoto(&redirect_router_stake(net)),
        removed: nakamoto(&removed),
    }
}

/// The outside validators: `(account name, share of the outside stake in
/// bps)`, five large ones holding ~77% and ten small ones the rest.
pub fn outside_layout() -> Vec<(String, u32)> {
    let large = [2_200, 1_800, 1_500, 1_200, 1_000];
    let mut out: Vec<(String, u32)> = large
        .iter()
        .enumerate()
        .map(|(i, bps)| (format!("big{}.poolv1.near", i + 1), *bps))
        .collect();
    let rest = 10_000 - large.iter().sum::<u32>();
    let small = 10;
    for i in 0..small {
        // The last one takes the rounding, so the shares sum to 10,000.
        let bps = if i + 1 == small {
            rest - (rest / small) * (small - 1)
        } else {
            rest / small
        };
        out.push((format!("small{:02}.poolv1.near", i + 1), bps));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str, stake: u128, router: u128, outside: bool) -> NetStake {
        NetStake {
            id: format!("{name}.near").parse().unwrap(),
            stake,
            router,
            outside,
        }
    }

    #[test]
    fn nakamoto_counts_validators_past_a_third() {
        assert_eq!(nakamoto(&[]), 0);
        assert_eq!(nakamoto(&[0, 0]), 0);
        assert_eq!(nakamoto(&[5]), 1);
        // 34 of 100 is more than a third: one validator.
        assert_eq!(nakamoto(&[34, 33, 33]), 1);
        // Exactly a third is not more than a third.
        assert_eq!(nakamoto(&[1, 1, 1]), 2);
        assert_eq!(nakamoto(&[10; 10]), 4);
        // Order does not matter.
        assert_eq!(nakamoto(&[1, 50, 2, 47]), 1);
    }

    #[test]
    fn redirecting_moves_exactly_the_router_stake_by_size() {
        let net = [
            v("a", 600, 0, true),
            v("b", 300, 0, true),
            v("p0", 150, 100, false),
            v("p1", 150, 100, false),
        ];
        let out = redirect_router_stake(&net);
        assert_eq!(out.iter().sum::<u128>(), 1_200);
        // 200 routed over 900 outside: a gets 133 + the remainder 1, b 66.
        assert_eq!(out, vec![734, 366, 50, 50]);
        // Mainnet-sized amounts (10^30 yoctoNEAR and more) do not overflow.
        let big = 10u128.pow(24) * 300_000_000;
        let net = [v("a", big, 0, true), v("p", big / 10, big / 20, false)];
        let out = redirect_router_stake(&net);
        assert_eq!(out, vec![big + big / 20, big / 20]);
    }

    #[test]
    fn spreading_stake_over_small_validators_raises_the_coefficient() {
        // Two large validators alone exceed a third once the router's
        // stake goes to them, or without it; spread over ten pools, it
        // takes three.
        let mut net = vec![
            v("a", 150, 0, true),
            v("b", 130, 0, true),
            v("c", 110, 0, true),
            v("d", 90, 0, true),
        ];
        for i in 0..10 {
            net.push(v(&format!("p{i}"), 50, 45, false));
        }
        let c = coefficients(&net);
        assert_eq!(c.with, 3);
        assert_eq!(c.redirected, 2);
        assert_eq!(c.removed, 2);
        assert!(c.with >= c.redirected);
    }

    #[test]
    fn the_outside_layout_sums_to_the_whole() {
        let l = outside_layout();
        assert_eq!(l.iter().map(|(_, b)| *b).sum::<u32>(), 10_000);
        assert_eq!(l.len(), 15);
        let names: std::collections::BTreeSet<_> = l.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names.len(), l.len());
        for (n, _) in &l {
            assert!(n.parse::<AccountId>().is_ok(), "{n}");
        }
    }
}
