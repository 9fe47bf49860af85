#!/usr/bin/env python3
"""Writes debian/libtls0.symbols from the linker version script abi/libtls.so.MAJOR.map, so the
symbols file cannot drift from the export list (dpkg-gensymbols -c4 then fails the build on any
difference between it and the built library).

    debian/gen-symbols.py abi/libtls.so.0.map VERSION [build/lib/libtls.map] > debian/libtls0.symbols

The optional third argument is the version script the library was actually linked with
(`make lib` writes it: abi/libtls.so.0.map plus aws-lc's libcrypto functions exported under
OpenSSL's names, tools/awslc-exports.py); the symbols are then read from it, the soname still
from the first.

Each version node's symbols get the upstream version that introduced the node: LIBTLS_1 is
0.1.0; a later node (LIBTLS_1.1, ...) is new in the version being built, so a package that uses
one of its functions depends on at least that version."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from abi import parse_map  # noqa: E402

FIRST_RELEASES = {"LIBTLS_1": "0.1.0"}


def main(map_path, version, link_map=None):
    path = Path(map_path)
    soname = path.name[: -len(".map")]
    major = soname.rsplit(".", 1)[1]
    lines = [f"{soname} libtls{major} #MINVER#", "* Build-Depends-Package: libtls0-dev"]
    for node, _parent, symbols in parse_map(Path(link_map) if link_map else path):
        since = FIRST_RELEASES.get(node, version)
        lines.append(f" {node}@{node} {since}")
        lines.extend(f" {name}@{node} {since}" for name in sorted(symbols))
    print("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:])
