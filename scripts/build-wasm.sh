#!/usr/bin/env bash
# Builds every contract to MVP wasm and writes it to res/.
#
# Usage: scripts/build-wasm.sh [PACKAGE...]   (default: every contract)
# A file in res/ is replaced only when its bytes change, so an unchanged tree
# leaves res/ untouched (and `make` dependants stay fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-toolchain.sh
select_wasm_toolchain

# One line per wasm: <package> <output name> [<cargo features>].
# Variants with features build in a target directory of their features, so
# switching between them never invalidates the default build, and variants
# with the same features share their dependencies' build. The
# `next-version` builds are the test-only second versions the upgrade tests
# deploy (one more state field and view).
CONTRACTS=(
    "test-whitelist test_whitelist"
    "governance governance"
    "meta-pool meta_pool"
    "localnet-probe localnet_probe"
    "snear snear"
    "test-ft-receiver test_ft_receiver"
    "test-pool test_pool"
    "test-lockup test_lockup"
    "test-pool test_pool_faults test"
    "snear snear_faults test"
    "test-callee test_callee"
    "meta-pool meta_pool_next next-version"
    "snear snear_next next-version"
    "governance governance_next next-version"
)

TARGET=wasm32-unknown-unknown
export RUSTC="$WASM_RUSTC"
# The toolchain is a stable release; build-std is a nightly flag.
export RUSTC_BOOTSTRAP=1
# target-cpu=mvp keeps LLVM to the wasm MVP; -s strips names and debug info,
# which NEAR charges storage for and never reads. `--cfg near` is what
# cargo-near passes: without it near-sdk's env uses pure-Rust fallbacks, so
# `env::panic_str`/`require!` trap as `unreachable` and the panic message is lost.
export CARGO_ENCODED_RUSTFLAGS=$'-C\x1ftarget-cpu=mvp\x1f-C\x1flink-arg=-s\x1f--cfg\x1fnear'
unset RUSTFLAGS

# NEP-330's `link` (`contract_source_metadata`), read by near-sdk's macro
# from NEP330_LINK at compile time. Cargo does not track that variable, so
# the contracts that embed it are rebuilt when it changes (a stamp per
# target directory).
link=$(scripts/source-link.sh)
if [ -n "$link" ]; then export NEP330_LINK="$link"; else unset NEP330_LINK; fi
relink() { # target-dir
    local stamp="$1/.source-link"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$link" ] && return 0
    if [ -d "$1" ]; then
        "$WASM_CARGO" clean --quiet --release --target "$TARGET" --target-dir "$1" \
            -p meta-pool -p snear -p governance 2>/dev/null || true
    fi
    mkdir -p "$1"
    printf '%s' "$link" >"$stamp"
}

mkdir -p res
built=()
build() { # target-dir features packages...
    local dir=$1 features=$2
    shift 2
    local args=()
    for p in "$@"; do args+=(-p "$p"); done
    [ -z "$features" ] || args+=(--features "$features")
    relink "$dir"
    "$WASM_CARGO" build --locked --release --target "$TARGET" \
        -Zbuild-std=std,panic_abort --target-dir "$dir" "${args[@]}"
}

# Keep only the requested packages, when some are named.
if [ $# -gt 0 ]; then
    wanted=" $* "
    selected=()
    for line in "${CONTRACTS[@]}"; do
        read -r pkg _ <<<"$line"
        case "$wanted" in *" $pkg "*) selected+=("$line") ;; esac
    done
    [ ${#selected[@]} -gt 0 ] || { echo "build-wasm: no contract named $*" >&2; exit 2; }
    CONTRACTS=("${selected[@]}")
fi

default_pkgs=()
for line in "${CONTRACTS[@]}"; do
    read -r pkg out features <<<"$line"
    if [ -z "${features:-}" ]; then default_pkgs+=("$pkg"); fi
done
[ ${#default_pkgs[@]} -eq 0 ] || build target/wasm "" "${default_pkgs[@]}"

for line in "${CONTRACTS[@]}"; do
    read -r pkg out features <<<"$line"
    if [ -z "${features:-}" ]; then
        src="target/wasm/$TARGET/release/${pkg//-/_}.wasm"
    else
        dir="target/wasm-${features//,/-}"
        build "$dir" "$features" "$pkg"
        src="$dir/$TARGET/release/${pkg//-/_}.wasm"
    fi
    dst="res/$out.wasm"
    cmp -s "$src" "$dst" || cp "$src" "$dst"
    built+=("$dst")
done

# The checker is a native tool; it builds with the ordinary toolchain.
unset RUSTC RUSTC_BOOTSTRAP CARGO_ENCODED_RUSTFLAGS
cargo run --locked --quiet -p wasm-check -- "${built[@]}"
