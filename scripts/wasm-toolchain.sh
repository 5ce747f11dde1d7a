#!/usr/bin/env bash
# Finds, or installs, a Rust toolchain that can build MVP wasm, and exports
# WASM_CARGO and WASM_RUSTC for it. Sourced by build-wasm.sh; running it
# directly prints the choice.
#
# MVP wasm needs the standard library rebuilt with `-C target-cpu=mvp`
# (-Zbuild-std): the prebuilt wasm32 std that rustup ships uses bulk-memory,
# sign-extension and reference-types, which older NEAR protocol versions
# reject. So what matters is a toolchain with the library sources, in order:
#   1. the active rustup toolchain, when it has the rust-src component;
#   2. Debian's rustc-web + rust-web-src (installed under /usr/bin);
#   3. the rustup toolchain after `rustup component add rust-src`;
#   4. Debian's packages, installed with apt-get.
# Each step is skipped once an earlier one works, so a machine that is ready
# pays nothing. WASM_TOOLCHAIN=rustup or WASM_TOOLCHAIN=debian forces one
# kind (steps 1+3 or 2+4); WASM_CARGO and WASM_RUSTC together force a
# specific toolchain.

MIN_RUST_MINOR=95 # near-sdk 5.30 needs Rust 1.95
DEBIAN_PACKAGES="rustc-web cargo-web rust-web-src lld-22"

_rust_minor() { "$1" --version 2>/dev/null | sed -n 's/^rustc 1\.\([0-9]*\)\..*/\1/p'; }

_usable() { # rustc cargo
    local minor
    minor=$(_rust_minor "$1")
    [ -n "$minor" ] && [ "$minor" -ge "$MIN_RUST_MINOR" ] && [ -x "$2" ] || return 1
    [ -f "$("$1" --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]
}

_try_rustup() {
    command -v rustup >/dev/null 2>&1 || return 1
    local rustc cargo
    rustc=$(rustup which rustc 2>/dev/null) || return 1
    cargo=$(rustup which cargo 2>/dev/null) || return 1
    _usable "$rustc" "$cargo" || return 1
    WASM_RUSTC=$rustc WASM_CARGO=$cargo
}

_try_debian() {
    _usable /usr/bin/rustc /usr/bin/cargo || return 1
    WASM_RUSTC=/usr/bin/rustc WASM_CARGO=/usr/bin/cargo
}

_install_rustup_src() {
    command -v rustup >/dev/null 2>&1 || return 1
    echo "wasm-toolchain: trying 'rustup component add rust-src'" >&2
    timeout 300 rustup component add rust-src >&2 2>&1 || return 1
}

_install_debian() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "wasm-toolchain: installing $DEBIAN_PACKAGES with apt-get" >&2
    $sudo apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $DEBIAN_PACKAGES >&2 || return 1
}

select_wasm_toolchain() {
    local kind=${WASM_TOOLCHAIN:-any}
    case "$kind" in
        any | rustup | debian) ;;
        *)
            echo "wasm-toolchain: WASM_TOOLCHAIN must be rustup or debian, not '$kind'" >&2
            return 1
            ;;
    esac
    _want() { [ "$kind" = any ] || [ "$kind" = "$1" ]; }
    if [ -n "${WASM_CARGO:-}" ] && [ -n "${WASM_RUSTC:-}" ]; then
        :
    elif { _want rustup && _try_rustup; } || { _want debian && _try_debian; }; then
        :
    elif _want rustup && _install_rustup_src && _try_rustup; then
        :
    elif _want debian && _install_debian && _try_debian; then
        :
    else
        echo "wasm-toolchain: no Rust >= 1.$MIN_RUST_MINOR with library sources found or installable." >&2
        echo "  Install the rust-src component (rustup component add rust-src) or" >&2
        echo "  Debian's $DEBIAN_PACKAGES, then run the build again." >&2
        return 1
    fi
    export WASM_CARGO WASM_RUSTC
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    select_wasm_toolchain
    echo "WASM_CARGO=$WASM_CARGO"
    echo "WASM_RUSTC=$WASM_RUSTC ($("$WASM_RUSTC" --version))"
fi
