//! `operator keeper`.

use anyhow::Context;
use clap::Args;
use deploy::keeper_rpc::RpcChain;
use keeper::{Keeper, RunEvent, RunOptions};
use near_primitives::types::AccountId;
use std::path::PathBuf;
use std::time::Duration;

use crate::net::{NetOptions, RouterOption};

#[derive(Args, Debug)]
pub(crate) struct KeeperOptions {
    #[command(flatten)]
    router: RouterOption,
    /// The account that signs (pays the gas); local default: the node's
    /// validator.
    #[arg(long)]
    account: Option<AccountId>,
    /// A key file (near-cli format) to sign with instead of the
    /// credentials directory's; a function-call key for the router's
    /// epoch methods is enough.
    #[arg(long)]
    key: Option<PathBuf>,
    /// One round now, then exit (cron-style).
    #[arg(long)]
    once: bool,
    /// Exit after this many rounds (default: run until stopped).
    #[arg(long)]
    rounds: Option<u64>,
    /// Seconds between reads of the epoch height while waiting.
    #[arg(long, default_value_t = 30.0)]
    poll: f64,
    /// Failed rounds in a row before exiting non-zero.
    #[arg(long, default_value_t = 5)]
    max_failures: u32,
    /// Tgas attached to every call (default: what the router documents
    /// for each operation plus the 5 Tgas it burns before checking).
    #[arg(long)]
    gas: Option<u64>,
}

pub(crate) fn keeper_command(net: &NetOptions, o: KeeperOptions) -> anyhow::Result<()> {
    let router = net.router(&o.router)?;
    // The key may be in the keychain, found through the chain's key list:
    // a short-lived runtime, as the RPC chain below owns its own.
    let key =
        crate::runtime()?.block_on(net.key(&net.chain()?, o.account.as_ref(), o.key.as_ref()))?;
    let mut chain = RpcChain::new(net.chain()?, key.clone(), router.clone())?;
    let chain_id = chain.block_on(net.check_chain(chain.chain()))?;
    println!(
        "keeper for {router} on {} (chain {chain_id}, {}) as {} ({})",
        net.network.name(),
        chain.chain().url,
        key.account_id,
        key.public_key
    );
    let keeper = Keeper {
        gas: o.gas.map(keeper::Gas::from_tgas),
        ..Keeper::default()
    };
    let options = RunOptions {
        once: o.once,
        rounds: o.rounds,
        poll: Duration::from_secs_f64(o.poll.max(0.05)),
        max_failures: o.max_failures.max(1),
    };
    let summary = keeper
        .run(
            &mut chain,
            &options,
            &mut std::thread::sleep,
            &mut |event| {
                match event {
                    RunEvent::RoundStart { epoch } => println!("epoch {epoch}: round starts"),
                    RunEvent::Call(c) => println!("  {c}"),
                    RunEvent::Round(r) => println!("{}", r.summary()),
                    RunEvent::Failure { error, in_a_row } => eprintln!(
                        "round failed ({in_a_row} in a row, at most {}): {error}",
                        options.max_failures
                    ),
                }
                // A supervisor reading a pipe sees each line as it happens.
                use std::io::Write;
                let _ = std::io::stdout().flush();
            },
        )
        .with_context(|| {
            if options.once {
                "the keeper's round failed".to_string()
            } else {
                format!(
                    "the keeper stopped after {} failed rounds in a row",
                    options.max_failures
                )
            }
        })?;
    println!(
        "keeper done: {} rounds, {} calls, {} failed rounds retried",
        summary.rounds, summary.calls, summary.failures
    );
    Ok(())
}
