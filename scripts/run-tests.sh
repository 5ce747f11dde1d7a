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

run --workspace "$@"
# The test-pool's fault switches only exist with its `test` feature.
if [ -d contracts/test-pool ]; then
    run -p test-pool --features test --lib "$@"
fi

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
