#!/usr/bin/env bash
# `make deb`: the Debian packages libtls0, libtls0-dev, libtls-tools and python3-libtls.
#
#   tools/deb.sh source   build/deb/libtls-VERSION/: the tree (git's files, uncommitted ones
#                         too) with the crates vendored by `cargo vendor` and .cargo/config.toml
#                         pointing cargo at them
#   tools/deb.sh build    dpkg-buildpackage -us -uc -b there, without network when we can
#                         (root: in a network namespace of its own, loopback only)
#   tools/deb.sh lint     lintian on the result: no error and no warning that
#                         debian/*.lintian-overrides does not list with its reason
#   tools/deb.sh check    install with apt (beside LibreSSL's runtime libtls), then: pkg-config,
#                         a C program built and run, the CLIs' demo, `import libtls`, the man
#                         pages; then apt remove, and nothing of the packages may be left
#   tools/deb.sh all      the four in order
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
out=build/deb
src=$out/libtls-$version
packages=(libtls0 libtls0-dev libtls-tools python3-libtls)
arch=$(dpkg --print-architecture)
debs() { for p in "${packages[@]}"; do ls "$out/${p}_${version}_"*.deb; done; }

source_tree() {
    local changelog
    changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
    if [[ $changelog != "$version" ]]; then
        echo "deb: debian/changelog is at $changelog but Cargo.toml at $version; add a changelog entry" >&2
        exit 1
    fi
    rm -rf "$out"
    mkdir -p "$src"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -xf - -C "$src"
    mkdir -p "$src/.cargo"
    (cd "$src" && cargo vendor --locked vendor >.cargo/config.toml 2>/dev/null)
    echo "deb: source tree $src with $(ls "$src/vendor" | wc -l) vendored crates"
}

build() {
    local cmd=(dpkg-buildpackage -us -uc -b)
    if [[ $(id -u) == 0 ]] && unshare -n true 2>/dev/null; then
        echo "deb: building in a network namespace with loopback only (no network)"
        unshare -n sh -c 'ip link set lo up && cd "$1" && shift && exec "$@"' sh "$src" "${cmd[@]}"
    else
        (cd "$src" && CARGO_NET_OFFLINE=true "${cmd[@]}")
    fi
    ls -l $(debs)
}

lint() {
    # Errors and warnings fail; the accepted ones are overridden in debian/, each with its reason.
    lintian --fail-on error,warning --show-overrides --tag-display-limit 0 \
        "$out/libtls_${version}_${arch}.changes"
    echo "deb: lintian: no errors, no warnings beyond the overrides listed above (O: lines)"
}

check() {
    if [[ $(id -u) != 0 ]]; then
        echo "deb: the install check installs packages; run: sudo tools/deb.sh check" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    local work files
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    # No package of ours may share its name with one in the archive: apt would take them for
    # versions of one package (Debian 12's LibreSSL development package is named libtls-dev).
    local p clash=()
    for p in "${packages[@]}"; do
        [[ -z $(apt-cache madison "$p" 2>/dev/null) ]] || clash+=("$p")
    done
    if ((${#clash[@]})); then
        echo "deb: the archive has packages named like ours: ${clash[*]}" >&2
        exit 1
    fi
    # The development files clash with LibreSSL's (libtls.so, libtls.pc): both of its names.
    local conflicts
    conflicts=$(dpkg-deb -f "$(ls "$out"/libtls0-dev_"${version}"_*.deb)" Conflicts)
    for p in libtls-dev libretls-dev; do
        [[ ", $conflicts," == *", $p,"* ]] || { echo "deb: libtls0-dev does not conflict with $p" >&2; exit 1; }
    done
    # LibreSSL's libtls runtime (libtls.so.26: libtls26 in Debian 12; libtls.so.28 in Debian 13,
    # probed under the names it may have) must stay installed beside ours.
    local libressl=""
    for candidate in libtls28t64 libtls28 libretls28 libtls26; do
        if apt-cache show "$candidate" >/dev/null 2>&1; then libressl=$candidate; break; fi
    done
    local had_libressl=yes
    if [[ -n $libressl ]] && ! dpkg -s "$libressl" >/dev/null 2>&1; then
        had_libressl=no
        apt-get install -y -q --no-install-recommends "$libressl" >/dev/null
    fi
    for deb in $(debs); do dpkg -c "$deb" | awk '{print substr($6, 2)}'; done | sort -u >"$work/files"
    apt-get install -y -q --no-install-recommends $(for deb in $(debs); do echo "./$deb"; done)
    if [[ -n $libressl ]]; then
        dpkg -s "$libressl" | grep -q '^Status: install ok installed' ||
            { echo "deb: installing libtls removed $libressl" >&2; exit 1; }
        echo "deb: co-installed with $libressl: $(dpkg -L "$libressl" | grep 'libtls\.so\.' | tr '\n' ' ')"
    fi

    # The checks run in a subshell so that the packages are removed whatever they find.
    local verdict=0
    "$0" installed-checks "$work" || verdict=$?

    apt-get remove -y -q "${packages[@]}"
    [[ $had_libressl == no ]] && apt-get remove -y -q "$libressl" >/dev/null
    local left=()
    while read -r f; do
        [[ -z $f || $f == */ ]] && continue
        [[ -e /$f || -L /$f ]] && left+=("/$f")
    done <"$work/files"
    [[ -e /usr/lib/python3/dist-packages/libtls ]] && left+=(/usr/lib/python3/dist-packages/libtls)
    for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ -z $status || $status == not-installed ]] || left+=("$p: dpkg status $status")
    done
    if ((${#left[@]})); then
        echo "deb: apt remove left: ${left[*]}" >&2
        exit 1
    fi
    if ((verdict)); then
        echo "deb: install check FAILED (the packages were removed again)" >&2
        exit 1
    fi
    echo "deb: install check passed; apt remove left nothing behind"
}

installed_checks() {
    local work=$1
    local libs
    libs=$(pkg-config --libs libtls | xargs)
    echo "deb: pkg-config --libs libtls: $libs"
    [[ $libs == "-ltls" ]]
    cat >"$work/app.c" <<'EOF'
#include <libtls.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || libtls_version_num() != LIBTLS_VERSION_NUMBER)
        return 1;
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
        return 1;
    SSL_CTX_free(ctx);
    printf("app: linked against %s, header %s\n", libtls_version(), LIBTLS_VERSION_TEXT);
    return 0;
}
EOF
    # shellcheck disable=SC2046
    cc -Wall -Werror -o "$work/app" "$work/app.c" $(pkg-config --cflags --libs libtls)
    "$work/app"
    ldd "$work/app" | grep -Eq "libtls.so.0 => /(usr/)?lib/" || { echo "deb: app does not load the installed libtls.so.0" >&2; exit 1; }
    cat >"$work/app-openssl.c" <<'EOF'
#include <openssl/ssl.h>
int main(void) { SSL_CTX *ctx = SSL_CTX_new(TLS_server_method()); SSL_CTX_free(ctx); return ctx == NULL; }
EOF
    cc -Wall -Werror -o "$work/app-openssl" "$work/app-openssl.c" $(pkg-config --cflags --libs libtls-openssl)
    "$work/app-openssl"
    capi-tests/demo.sh /usr/bin
    (cd "$work" && /usr/bin/python3 -c 'import libtls; lib = libtls.lib(); print("python3: import libtls:", lib.path, lib.version); assert lib.path in ("libtls.so.0",) or lib.path.startswith("/usr/lib/")')
    for page in tlsclient.1 tlsserver.1 libtls.3; do
        man -w "${page%.*}" >/dev/null 2>&1 || [[ -f /usr/share/man/man${page##*.}/$page.gz ]] ||
            { echo "deb: man page $page is not installed" >&2; exit 1; }
    done

}

case ${1:-all} in
source) source_tree ;;
build) build ;;
lint) lint ;;
check) check ;;
installed-checks) installed_checks "$2" ;; # run by check, in a process of its own
all) source_tree; build; lint; check ;;
*) echo "usage: $0 source|build|lint|check|all" >&2; exit 2 ;;
esac
