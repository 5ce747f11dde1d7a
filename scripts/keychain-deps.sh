#!/usr/bin/env bash
# Installs what the operator CLI's keychain test runs: a D-Bus session bus
# and gnome-keyring's Secret Service (Debian's packages), when missing.
# The test starts its own private bus and keyring; nothing runs here.
set -euo pipefail
if command -v dbus-daemon >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || {
    echo "keychain-deps: dbus-daemon and gnome-keyring-daemon are needed" >&2
    exit 1
}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "keychain-deps: installing dbus-daemon gnome-keyring with apt-get" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    dbus-daemon gnome-keyring >&2
