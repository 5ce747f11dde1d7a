# Entry points. Each target installs what it needs (see scripts/).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

.PHONY: build test lint fmt bench deploy demo keeper status

## build: every contract to MVP wasm in res/
build:
	scripts/build-wasm.sh

## test: build the wasm, then run every test of the workspace
test: build
	scripts/run-tests.sh

## fuzz: randomized invariant runs, many more than `make test` runs
##   (integration-tests/tests/e2e/invariant_runs.rs): RUNS=<n> seeds (default
##   100) from SEED=<n> (default 1), STEPS=<n> operations each (default
##   400). Goes on past a failure; lists every failing seed at the end with
##   the command that replays it.
.PHONY: fuzz
fuzz: build
	scripts/native-deps.sh
	RUNS=$(or $(RUNS),100) STEPS=$(or $(STEPS),400) SEED=$(or $(SEED),1) \
	    cargo test --locked -p integration-tests --test e2e invariant_runs::fuzz -- --exact --ignored --nocapture

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
	cargo test --locked -q -p integration-tests --test e2e --no-run
	start=$$(date +%s%N); \
	cargo test --locked -q -p integration-tests --test e2e workspaces_ >/dev/null; \
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
	cargo build --locked -p deploy --bin operator
	target/debug/operator deploy --network $(NETWORK) \
	    $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) \
	    $(if $(filter 1 yes true,$(YES)),--yes) \
	    $(if $(MASTER),--master $(MASTER)) \
	    $(if $(WHITELIST),--whitelist $(WHITELIST)) \
	    $(if $(META_PER_EPOCH),--meta-per-epoch $(META_PER_EPOCH)) \
	    $(if $(RPC_URL),--rpc-url $(RPC_URL))

## keeper: run the router's epoch operations once an epoch, early (each
##   until it returns false), logging every call and a line per round;
##   exits non-zero after MAX_FAILURES failed rounds in a row. Any account
##   can run it, with a function-call key limited to the router's epoch
##   methods (docs/OPERATIONS.md, "Running the keeper").
##   NETWORK=local (default: the node and router `make deploy` made) |
##   testnet | mainnet (ROUTER=<router> ACCOUNT=<keeper account>, key from
##   ~/.near-credentials/<network>/<ACCOUNT>.json, or KEY=<key file>);
##   ONCE=1 one round and exit; RPC_URL, API_KEY for your RPC provider.
keeper:
	scripts/native-deps.sh
	cargo build --locked -q -p deploy --bin operator
	target/debug/operator keeper --network $(NETWORK) \
	    $(if $(filter 1 yes true,$(ONCE)),--once) \
	    $(if $(ROUTER),--router $(ROUTER)) \
	    $(if $(ACCOUNT),--account $(ACCOUNT)) \
	    $(if $(KEY),--key $(KEY)) \
	    $(if $(MAX_FAILURES),--max-failures $(MAX_FAILURES)) \
	    $(if $(RPC_URL),--rpc-url $(RPC_URL)) \
	    $(if $(API_KEY),--api-key $(API_KEY))

## status: the protocol at a glance (total stake and the router's balance,
##   sNEAR price and supply, every validator, the keeper's pending work,
##   the DAO's open proposals); ACCOUNT=<id> shows one account instead;
##   JSON=1 prints JSON. NETWORK, ROUTER, RPC_URL, API_KEY as for keeper.
status:
	scripts/native-deps.sh
	cargo build --locked -q -p deploy --bin operator
	target/debug/operator status --network $(NETWORK) \
	    $(if $(filter 1 yes true,$(JSON)),--json) \
	    $(if $(ROUTER),--router $(ROUTER)) \
	    $(if $(ACCOUNT),--account $(ACCOUNT)) \
	    $(if $(RPC_URL),--rpc-url $(RPC_URL)) \
	    $(if $(API_KEY),--api-key $(API_KEY))

## lint: formatting and clippy, warnings are errors
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all
