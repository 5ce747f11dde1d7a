# Entry points. Each target installs what it needs (see scripts/).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

.PHONY: build test lint fmt bench deploy demo

## build: every contract to MVP wasm in res/
build:
	scripts/build-wasm.sh

## test: build the wasm, then run every test of the workspace
test: build
	scripts/run-tests.sh

## fuzz: randomized invariant runs, many more than `make test` runs
##   (integration-tests/tests/invariant_runs.rs): RUNS=<n> seeds (default
##   100) from SEED=<n> (default 1), STEPS=<n> operations each (default
##   400). Goes on past a failure; lists every failing seed at the end with
##   the command that replays it.
.PHONY: fuzz
fuzz: build
	scripts/native-deps.sh
	RUNS=$(or $(RUNS),100) STEPS=$(or $(STEPS),400) SEED=$(or $(SEED),1) \
	    cargo test --locked -p integration-tests --test invariant_runs fuzz -- --ignored --nocapture

## demo: the main job on localnet, no setup: validators where a few hold
## most of the stake, the router with sNEAR, the DAO and META, stakers over
## many epochs, the keeper each epoch, a DAO vote adding a validator. Prints
## every epoch and a summary; writes target/demo/distribution.svg.
##   DEMO_ARGS="--validators 10 --stakers 40 --epochs 30 --seed 1" (defaults)
demo: build
	scripts/native-deps.sh
	cargo run --locked -p integration-tests --bin demo -- $(DEMO_ARGS)

## bench: the protocol's figures (gas per call, storage per holder, lockup
## and validator, wasm sizes, the largest validator list each epoch
## operation handles; deterministic, kept in docs/BENCHMARKS.md), then
## localnet's throughput (calls per second, contract compile cold and
## cached), transactions per second through the JSON-RPC node, and the wall
## time of the near-workspaces suite
bench: build
	scripts/native-deps.sh
	cargo run --locked -q -p integration-tests --example figures
	cargo bench --locked -p localnet
	cargo bench --locked -p localnet --features node --bench node
	cargo test --locked -q -p integration-tests --test 'workspaces_*' --no-run
	start=$$(date +%s%N); \
	cargo test --locked -q -p integration-tests --test 'workspaces_*' >/dev/null; \
	echo "near-workspaces suite: $$(( ($$(date +%s%N) - start) / 1000000 )) ms wall"

## deploy: deploy and initialise the protocol (router, sNEAR, governance;
##   on local also a test whitelist and two test pools, listed on the
##   router), check it with views, then delete every access key of the
##   router, sNEAR and governance (on every network; only once all the
##   rest passed, so a failed run keeps them) and check none is left;
##   print the accounts.
##   NETWORK=local (default: starts a localnet node if none answers) |
##   testnet | mainnet (MASTER=<account>, key from ~/.near-credentials;
##   WHITELIST=<account> on testnet); DRY_RUN=1 prints the transactions
##   without sending; META_PER_EPOCH=<whole META> sets the router's
##   emission; YES=1 is needed to send on mainnet; RPC_URL overrides.
NETWORK ?= local
deploy: build
	scripts/native-deps.sh
	cargo build --locked -p deploy --bin deploy
	target/debug/deploy --network $(NETWORK) \
	    $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) \
	    $(if $(filter 1 yes true,$(YES)),--yes) \
	    $(if $(MASTER),--master $(MASTER)) \
	    $(if $(WHITELIST),--whitelist $(WHITELIST)) \
	    $(if $(META_PER_EPOCH),--meta-per-epoch $(META_PER_EPOCH)) \
	    $(if $(RPC_URL),--rpc-url $(RPC_URL))

## lint: formatting and clippy, warnings are errors
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all
