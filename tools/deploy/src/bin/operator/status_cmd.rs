//! `operator status`.

use clap::Args;
use near_primitives::types::AccountId;

use crate::net::{NetOptions, RouterOption};

#[derive(Args, Debug)]
pub(crate) struct StatusOptions {
    #[command(flatten)]
    router: RouterOption,
    /// Show one account as the router, sNEAR and governance see it.
    #[arg(long)]
    account: Option<AccountId>,
    /// JSON for scripts (amounts in yocto, as the contracts serve them).
    #[arg(long)]
    json: bool,
}

pub(crate) async fn status_command(net: &NetOptions, o: StatusOptions) -> anyhow::Result<()> {
    let chain = net.chain()?;
    net.check_chain(&chain).await?;
    let router = net.router(&o.router)?;
    let value = match &o.account {
        Some(id) => deploy::status::account(&chain, &router, id).await?,
        None => deploy::status::protocol(&chain, &router).await?,
    };
    if o.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else if o.account.is_some() {
        print!("{}", deploy::status::render_account(&value));
    } else {
        print!("{}", deploy::status::render_protocol(&value));
    }
    Ok(())
}
