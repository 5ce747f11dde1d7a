#!/usr/bin/env bash
# Runs every test of the workspace, then the feature variants that a plain
# workspace run does not build, and ends with one summary line over all test
# binaries, so CI logs show the outcome at a glance.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
log=target/test-output.log
: >"$log"
status=0
run() {
    echo "+ cargo test $*" | tee -a "$log"
    cargo test --locked "$@" 2>&1 | tee -a "$log" || status=1
}

# The free disk, so a run that fills it says so in the log.
disk() { echo "disk ($1): $(df -h . | awk 'NR == 2 {print $4 " free of " $2}')" | tee -a "$log"; }
disk start

scripts/native-deps.sh
scripts/node-deps.sh
scripts/browser-deps.sh
scripts/keychain-deps.sh
run --workspace --no-fail-fast "$@"
# The test-pool's fault switches only exist with its `test` feature. Built
# with the whole workspace selected, so every dependency resolves to the same
# features as the run above and only test-pool recompiles (`-p test-pool`
# alone would build a second copy of wasmtime and the rest); then only its
# unit tests run.
if [ -d contracts/test-pool ]; then
    echo "+ cargo test --workspace --features test-pool/test --lib (test-pool only)" | tee -a "$log"
    exe=$(cargo test --locked --workspace --features test-pool/test --lib --no-run \
            --message-format=json 2>>"$log" \
        | grep '"name":"test_pool"' | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | head -n1) || true
    if [ -n "$exe" ]; then
        "$exe" 2>&1 | tee -a "$log" || status=1
    else
        echo "could not build test-pool's fault tests" | tee -a "$log"
        status=1
    fi
fi

disk end
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed/) p += $i
            if ($(i+1) ~ /^failed/) f += $i
            if ($(i+1) ~ /^ignored/) g += $i
        }
        n++
     }
     END { printf "\nSUMMARY: %d passed, %d failed, %d ignored in %d test binaries\n", p, f, g, n }' "$log"
exit "$status"
