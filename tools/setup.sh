#!/usr/bin/env bash
# What `make test` (and `make deb`, `make wheel-test`) need besides the Rust toolchain and a C
# compiler: the one list of system packages, used by `make setup` and so by .ci/run.
#
#   tools/setup.sh test   the tools the test suite runs (openssl, gnutls, pkg-config, ...)
#   tools/setup.sh deb    what building and checking the Debian packages takes (make deb)
#   tools/setup.sh fleet  what make test-fleet adds: redis-server and libhiredis-dev
#
# A missing tool is installed with apt-get when we are root on Debian/Ubuntu; otherwise the
# script stops with one line naming the exact command to run, before any test has started.
# The Python tools (pytest, sslyze, tlslite-ng) are not here: they go into the project's own
# virtualenv (tools/requirements-test.txt, `make venv`).
set -euo pipefail

what=${1:-test}

# "command-or-check package": the command that must exist (or a check of the form test:EXPR)
# and the Debian package that provides it. One list; each group adds to the ones before.
base_tools=(
    "cc build-essential"
    "c++ build-essential"
    "make make"
    "readelf binutils"
    "objdump binutils"
    "nm binutils"
    "pkg-config pkg-config"
    "openssl openssl"
    "gnutls-cli gnutls-bin"
    "gnutls-serv gnutls-bin"
    "test:-f/usr/include/openssl/ssl.h libssl-dev"
    "python3 python3"
    "test:python3-venv python3-venv"
    # make test-apps: curl built with HTTP/2 (nghttp2's headers), checked against nghttpd.
    "test:-f/usr/include/nghttp2/nghttp2.h libnghttp2-dev"
    "nghttpd nghttp2-server"
)
# make test-fleet (examples/fleet/, docs/fleet.md): a real Redis and the hiredis client library.
fleet_tools=(
    "redis-server redis-server"
    "test:-f/usr/include/hiredis/hiredis.h libhiredis-dev"
)
deb_tools=(
    "git git"
    "dpkg-buildpackage dpkg-dev"
    "dh debhelper"
    "dh_python3 dh-python"
    "lintian lintian"
    "fakeroot fakeroot"
    "pkg-config pkg-config"
)

has() { # has CHECK: is the tool there?
    case $1 in
    test:python3-venv)
        # Debian splits ensurepip out of python3; a venv made without it has no pip.
        command -v python3 >/dev/null && python3 -c 'import ensurepip, venv' 2>/dev/null ;;
    test:-f*) [[ -f ${1#test:-f} ]] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

tools=("${base_tools[@]}")
case $what in
test) ;;
deb) tools+=("${deb_tools[@]}") ;; # the test tools too: the package build runs the demo
fleet) tools+=("${fleet_tools[@]}") ;; # and the compilers, libssl-dev, python3 of the test tools
*) echo "usage: $0 test|deb|fleet" >&2; exit 2 ;;
esac

missing=()
for entry in "${tools[@]}"; do
    check=${entry% *} package=${entry##* }
    if ! has "$check"; then
        [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
    fi
done

if ((${#missing[@]})); then
    if [[ $(id -u) == 0 && -f /etc/debian_version ]] && command -v apt-get >/dev/null; then
        echo "setup: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    elif [[ -f /etc/debian_version ]]; then
        echo "setup: missing ${missing[*]}; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    else
        echo "setup: missing ${missing[*]} (Debian package names); install them with the system's package manager" >&2
        exit 1
    fi
fi

# make check-tsan rebuilds Rust's standard library under ThreadSanitizer from rust-src.
if [[ $what == test ]]; then
    sysroot=$(rustc --print sysroot)
    if [[ ! -d $sysroot/lib/rustlib/src/rust/library ]]; then
        if command -v rustup >/dev/null; then
            echo "setup: installing the rust-src component"
            rustup component add rust-src
        else
            echo "setup: missing Rust's source (rust-src) for make check-tsan; run: rustup component add rust-src" >&2
            exit 1
        fi
    fi
fi
echo "setup: the $what tools are installed"
