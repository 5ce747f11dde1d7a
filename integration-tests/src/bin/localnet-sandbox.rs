//! The localnet node under the name near-workspaces tests give to
//! `NEAR_SANDBOX_BIN_PATH` (see `src/workspaces.rs`). A binary of this
//! package, so cargo builds it before the package's tests and tells them
//! where it is (`CARGO_BIN_EXE_localnet-sandbox`).

fn main() {
    std::process::exit(localnet::node::cli::main());
}
