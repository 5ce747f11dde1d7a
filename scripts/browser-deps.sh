#!/usr/bin/env bash
# Installs the browser the dashboard's test loads the page in: Debian's
# `chromium` (headless), when no Chromium is on PATH. Prints nothing on
# stdout; the test finds the binary itself (`chromium` or $CHROMIUM).
set -euo pipefail
if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then
    exit 0
fi
for bin in chromium chromium-browser; do
    command -v "$bin" >/dev/null 2>&1 && exit 0
done
command -v apt-get >/dev/null 2>&1 || {
    echo "browser-deps: Chromium is needed (set CHROMIUM to its binary)" >&2
    exit 1
}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "browser-deps: installing chromium with apt-get" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >&2
