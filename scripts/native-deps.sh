#!/usr/bin/env bash
# Installs the C libraries native builds link against, when missing:
# OpenSSL, which near-workspaces' RPC client (near-jsonrpc-client with its
# default native-tls) builds `openssl-sys` against. Debian's packages, with
# apt-get, as scripts/wasm-toolchain.sh does for the wasm toolchain.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; then
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || {
    echo "native-deps: OpenSSL's development files and pkg-config are needed (Debian: libssl-dev pkg-config)" >&2
    exit 1
}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "native-deps: installing libssl-dev pkg-config with apt-get" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libssl-dev pkg-config >&2
