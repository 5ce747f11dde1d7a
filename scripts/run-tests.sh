#!/usr/bin/env bash
# Runs every test of the workspace and ends with one summary line over all
# test binaries, so CI logs show the outcome at a glance.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
log=target/test-output.log
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
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
