#!/usr/bin/env bash
# Prints where the contracts' source can be read, for NEP-330's `link`
# (`contract_source_metadata`): $SOURCE_LINK when set, else the git remote
# `origin` as an https URL (`git@host:owner/repo.git` and
# `https://host/owner/repo.git` both become `https://host/owner/repo`).
# Prints nothing when there is neither, or the remote is not a URL (a local
# clone): the contracts then carry no link rather than a wrong one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SOURCE_LINK:-}" ]; then
    printf '%s\n' "$SOURCE_LINK"
    exit 0
fi
url=$(git remote get-url origin 2>/dev/null) || exit 0
case "$url" in
    git@*:*)
        host=${url#git@}
        url="https://${host%%:*}/${host#*:}"
        ;;
    ssh://git@*)
        url="https://${url#ssh://git@}"
        ;;
    https://*) ;;
    *) exit 0 ;;
esac
# Credentials in an https remote are nobody's business.
case "$url" in https://*@*) url="https://${url#https://*@}" ;; esac
printf '%s\n' "${url%.git}"
