# Entry points. Each target installs what it needs (see scripts/).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

.PHONY: build test lint fmt bench

## build: every contract to MVP wasm in res/
build:
	scripts/build-wasm.sh

## test: build the wasm, then run every test of the workspace
test: build
	scripts/run-tests.sh

## bench: localnet throughput (calls per second, contract compile cold and cached)
bench:
	scripts/build-wasm.sh localnet-probe
	cargo bench -p localnet

## lint: formatting and clippy, warnings are errors
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all
