//! `localnet-node`: localnet's chain behind nearcore's JSON-RPC, started like
//! `neard` (see the "Node" section of `localnet/README.md`).

fn main() {
    std::process::exit(localnet::node::cli::main());
}
