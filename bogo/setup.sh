#!/usr/bin/env bash
# Builds BoringSSL's TLS test runner (BoGo, ssl/test/runner) from Debian's packages, offline from
# any other source: Go and golang.org/x/crypto from Debian, BoringSSL's source from Debian's
# android-platform-external-boringssl source package (the 2022 revision the shim is written for).
#
# Everything it downloads or builds stays under build/bogo/ (the argument); a second run with the
# runner already built does nothing. The deb-src entry is derived from this machine's own apt
# sources at run time and used through a private apt configuration: the system's apt setup is not
# changed and no mirror is written into the repository.
#
# Usage: bogo/setup.sh BUILD_DIR   (prints nothing but progress; the runner ends up as
#        BUILD_DIR/runner.test and its resource directory as BUILD_DIR/runner-src)
set -euo pipefail

out=${1:?usage: setup.sh BUILD_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
source_package=android-platform-external-boringssl
runner=$out/runner.test
if [[ -x $runner && -d $out/runner-src ]]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
need=()
command -v go >/dev/null || need+=(golang-go)
[[ -d /usr/share/gocode/src/golang.org/x/crypto ]] || need+=(golang-golang-x-crypto-dev)
command -v xz >/dev/null || need+=(xz-utils)
if ((${#need[@]})); then
    echo "bogo-setup: installing ${need[*]}"
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# A private apt state whose only sources are deb-src twins of the machine's Debian entries.
# shellcheck source=tools/deb-src-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/deb-src-apt.sh"
deb_src_apt "$out/apt" bogo-setup

download=$out/download
mkdir -p "$download"
if ! ls "$download"/${source_package}_*.orig.tar.* >/dev/null 2>&1; then
    echo "bogo-setup: fetching the $source_package source package"
    apt-get "${apt_opts[@]}" update -q >/dev/null
    (cd "$download" && apt-get "${apt_opts[@]}" source --download-only -q "$source_package" >/dev/null 2>&1) || {
        echo "bogo-setup: apt-get source failed" >&2
        exit 1
    }
fi
tarball=$(ls "$download"/${source_package}_*.orig.tar.* | head -n 1)

# Only the runner and the one utility package it imports are needed.
src=$out/src
rm -rf "$src"
mkdir -p "$src"
tar -xf "$tarball" -C "$src" --strip-components=2 --wildcards \
    '*/src/ssl/test/runner/*' '*/src/util/testresult/*'

echo "bogo-setup: building the runner ($(go version | cut -d' ' -f3))"
gopath=$out/gopath
mkdir -p "$gopath/src/boringssl.googlesource.com"
ln -sfn "$src" "$gopath/src/boringssl.googlesource.com/boringssl"
(cd "$gopath/src/boringssl.googlesource.com/boringssl/ssl/test/runner" &&
    GO111MODULE=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out/gocache" \
        go test -c -o "$runner.tmp" .)
mv "$runner.tmp" "$runner"
ln -sfn "$src/ssl/test/runner" "$out/runner-src"
echo "bogo-setup: runner ready: $runner"
