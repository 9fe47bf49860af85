#!/usr/bin/env python3
"""libtls's ABI bookkeeping.

The committed export list is `abi/libtls.so.MAJOR.map`, a GNU ld version script that the
Makefile links the shared object with. Each version node lists the functions it added; within
one soname major, nodes and symbols are only ever added, never removed or moved.

  abi.py check --major N [--so FILE]   the header's functions, the map and (when given) the
                                       shared object's dynamic exports agree; exit 1 otherwise
  abi.py update --major N              adds the header's new functions to the newest node;
                                       refuses to drop a symbol (that needs a new major)
  abi.py header-symbols                the functions include/libtls.h declares, one a line
  abi.py exported-symbols              those plus aws-lc's libcrypto functions that libtls.so
                                       re-exports (build/lib/awslc.syms, written at link time
                                       by tools/awslc-exports.py), one a line
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "libtls.h"
AWSLC_SYMS = ROOT / "build" / "lib" / "awslc.syms"


def awslc_symbols(path=AWSLC_SYMS):
    """aws-lc's functions that libtls.so exports (generated next to the shared object)."""
    return set(path.read_text().split()) if path.exists() else set()

NODE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\{")
NODE_END_RE = re.compile(r"^\s*\}\s*([A-Za-z_][A-Za-z0-9_.]*)?\s*;")
SYMBOL_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*;")


def map_path(major):
    return ROOT / "abi" / f"libtls.so.{major}.map"


def header_symbols(header=HEADER):
    """Names of the functions the header declares (not macros, typedefs or function pointers)."""
    text = header.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = text.replace('extern "C" {', " ").replace("}", "};")
    text = re.sub(r"STACK_OF\((\w+)\)", r"struct stack_st_\1", text)
    names = set()
    for statement in text.split(";"):
        statement = " ".join(statement.split())
        if not statement or statement.startswith(("typedef", "}")):
            continue
        # A parameter that is a function pointer (`int (*f)(UI *ui)`) reads as one word.
        statement = re.sub(r"\(\s*\*\s*\w*\s*\)\s*\([^()]*\)", "fnptr", statement)
        # A function returning a function pointer: `int (*NAME(params))(params)`.
        match = re.search(r"\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*\)\s*\([^()]*\)$", statement)
        if match:
            names.add(match.group(1))
            continue
        match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)$", statement)
        if match:
            names.add(match.group(1))
    return names


def parse_map(path):
    """Returns [(node, parent, [symbols])] in file order."""
    nodes = []
    current = None
    in_local = False
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.DOTALL)
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if current is None:
            match = NODE_RE.match(line)
            if not match:
                raise SystemExit(f"{path}: expected a version node, got: {raw!r}")
            current = [match.group(1), None, []]
            in_local = False
            continue
        end = NODE_END_RE.match(line)
        if end:
            current[1] = end.group(1)
            nodes.append(tuple(current))
            current = None
            continue
        if line in ("global:", "local:"):
            in_local = line == "local:"
            continue
        if in_local:
            if line != "*;":
                raise SystemExit(f"{path}: only 'local: *;' is expected, got: {raw!r}")
            continue
        match = SYMBOL_RE.match(line)
        if not match:
            raise SystemExit(f"{path}: cannot read {raw!r}")
        current[2].append(match.group(1))
    if current is not None:
        raise SystemExit(f"{path}: node {current[0]} is not closed")
    return nodes


def shared_object_exports(so_path):
    """{name: version} for the defined dynamic symbols; version is None when unversioned."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(so_path)], check=True,
                         capture_output=True, text=True).stdout
    exports = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 8 or not fields[0].rstrip(":").isdigit():
            continue
        ndx, name = fields[6], fields[7]
        if ndx == "UND" or fields[4] == "LOCAL":
            continue
        if "@@" in name:
            name, version = name.split("@@", 1)
        elif "@" in name:
            name, version = name.split("@", 1)
        else:
            version = None
        exports[name] = version
    return exports


def soname(so_path):
    out = subprocess.run(["readelf", "-d", "-W", str(so_path)], check=True,
                         capture_output=True, text=True).stdout
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return match.group(1) if match else None


def check(major, so_path=None, header=HEADER, path=None):
    problems = []
    path = path or map_path(major)
    if not path.exists():
        existing = sorted(p.name for p in (ROOT / "abi").glob("libtls.so.*.map"))
        return [f"{path.relative_to(ROOT)} is missing (have: {', '.join(existing) or 'none'}). "
                f"A new major starts its own map: copy the old one, drop what the new ABI removes."]
    nodes = parse_map(path)
    mapped = {}
    for node, _parent, symbols in nodes:
        for name in symbols:
            if name in mapped:
                problems.append(f"{name} is listed twice in {path.name} ({mapped[name]} and {node})")
            mapped[name] = node
    declared = header_symbols(header)
    for name in sorted(declared - mapped.keys()):
        problems.append(f"{name} is declared in {header.name} but not in {path.name}: "
                        f"run 'make abi-update' and commit the map")
    for name in sorted(mapped.keys() - declared):
        problems.append(f"{name} is in {path.name} but no longer in {header.name}: removing a "
                        f"function breaks the ABI; it needs a new major version (Cargo.toml) and soname")
    node_names = {node for node, _, _ in nodes}
    if so_path is not None:
        # aws-lc's names join the newest node at link time (tools/awslc-exports.py).
        for sym in sorted(awslc_symbols(Path(so_path).parent / "awslc.syms")):
            if sym in mapped:
                problems.append(f"{sym} is libtls's own ({path.name}) and aws-lc's")
            mapped[sym] = nodes[-1][0]
        exports = shared_object_exports(so_path)
        name = soname(so_path)
        if name != f"libtls.so.{major}":
            problems.append(f"{so_path}: soname is {name}, expected libtls.so.{major}")
        for sym, version in sorted(exports.items()):
            if sym in node_names and version in (None, sym):
                continue  # the version definition itself
            if sym not in mapped:
                problems.append(f"{so_path}: exports {sym}@{version}, which is not in the ABI")
            elif version != mapped[sym]:
                problems.append(f"{so_path}: {sym} has version {version}, expected {mapped[sym]}")
        for sym in sorted(mapped.keys() - exports.keys()):
            problems.append(f"{so_path}: does not export {sym}")
    return problems


def update(major):
    path = map_path(major)
    nodes = parse_map(path)
    mapped = {name for _, _, symbols in nodes for name in symbols}
    declared = header_symbols()
    removed = sorted(mapped - declared)
    if removed:
        raise SystemExit("refusing to drop " + ", ".join(removed) + ": that breaks the ABI. "
                         "Bump the major version in Cargo.toml and start a new map.")
    added = sorted(declared - mapped)
    if not added:
        print(f"abi: {path.name} already lists every function of the header")
        return
    text = path.read_text()
    newest = nodes[-1][0]
    # The newest node's "local: *;" (or its end) is where new names go.
    node_start = text.rindex(newest + " {")
    insert_at = text.find("  local:", node_start)
    if insert_at < 0:
        insert_at = text.index("}", node_start)
    lines = "".join(f"    {name};\n" for name in added)
    path.write_text(text[:insert_at] + lines + text[insert_at:])
    print(f"abi: added to {newest} in {path.name}: {', '.join(added)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    check_p = sub.add_parser("check")
    check_p.add_argument("--major", required=True)
    check_p.add_argument("--so")
    check_p.add_argument("--header", type=Path, default=HEADER, help="(for tests) another header")
    check_p.add_argument("--map", type=Path, help="(for tests) another export list")
    update_p = sub.add_parser("update")
    update_p.add_argument("--major", required=True)
    sub.add_parser("header-symbols")
    sub.add_parser("exported-symbols")
    args = parser.parse_args()
    if args.command == "header-symbols":
        print("\n".join(sorted(header_symbols())))
    elif args.command == "exported-symbols":
        print("\n".join(sorted(header_symbols() | awslc_symbols())))
    elif args.command == "update":
        update(args.major)
    else:
        problems = check(args.major, args.so, args.header, args.map)
        for problem in problems:
            print(f"check-abi: {problem}", file=sys.stderr)
        if problems:
            sys.exit(1)
        what = f"{args.header.name}, {(args.map or map_path(args.major)).name}"
        print(f"check-abi: {what}{' and ' + args.so if args.so else ''} agree")


if __name__ == "__main__":
    main()
