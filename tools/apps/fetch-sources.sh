#!/usr/bin/env bash
# Downloads and unpacks Debian source packages (the distribution's own, patched sources) into
# OUT/src/NAME, for `make test-apps` (tools/apps/run.py). Each package is fetched once: a second
# run with OUT/src/NAME/.unpacked present does nothing for it.
#
# The deb-src entries are derived at run time from this machine's own apt sources (as
# bogo/setup.sh does) and used through a private apt configuration under OUT/apt: the
# system's apt setup is not changed, no entry is left behind and no mirror is written into the
# repository. dpkg-source (dpkg-dev) applies Debian's patches when it unpacks.
#
# Usage: tools/apps/fetch-sources.sh OUT PACKAGE...
set -euo pipefail

out=${1:?usage: fetch-sources.sh OUT PACKAGE...}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)

missing=()
for pkg in "$@"; do
    [[ -f $out/src/$pkg/.unpacked ]] || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

export DEBIAN_FRONTEND=noninteractive
if ! command -v dpkg-source >/dev/null; then
    echo "fetch-sources: installing dpkg-dev"
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends dpkg-dev >/dev/null
fi

# A private apt state whose only sources are deb-src twins of the machine's Debian entries.
# shellcheck source=tools/deb-src-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deb-src-apt.sh"
deb_src_apt "$out/apt" fetch-sources

echo "fetch-sources: fetching ${missing[*]}"
apt-get "${apt_opts[@]}" update -q >/dev/null
mkdir -p "$out/download" "$out/src"
for pkg in "${missing[@]}"; do
    dl=$out/download/$pkg
    mkdir -p "$dl"
    if ! ls "$dl"/*.dsc >/dev/null 2>&1; then
        # Newest version first; a mirror or snapshot that lacks one (a security update not yet
        # mirrored) falls back to the next.
        fetched=
        for version in $(apt-cache "${apt_opts[@]}" showsrc "$pkg" | sed -n 's/^Version: //p' | sort -V -r -u); do
            rm -f "$dl"/*
            if (cd "$dl" && apt-get "${apt_opts[@]}" source --download-only -q "$pkg=$version" >/dev/null 2>&1); then
                fetched=$version
                break
            fi
        done
        if [[ -z $fetched ]]; then
            echo "fetch-sources: apt-get source $pkg failed" >&2
            exit 1
        fi
    fi
    dsc=$(ls "$dl"/*.dsc | head -n 1)
    rm -rf "$out/src/$pkg"
    dpkg-source --no-check --no-copy -x "$dsc" "$out/src/$pkg" >/dev/null
    touch "$out/src/$pkg/.unpacked"
done
