#!/usr/bin/env bash
# Installs what the JavaScript examples the tests run need: Node.js and npm
# (Debian's packages, when missing) and the examples' own packages
# (docs/near-api-js: near-api-js, pinned by its package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || {
        echo "node-deps: Node.js 18 or later and npm are needed" >&2
        exit 1
    }
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "node-deps: installing nodejs npm with apt-get" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >&2
fi
dir=docs/near-api-js
if [ ! -d "$dir/node_modules/near-api-js" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "node-deps: npm ci in $dir" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
fi
