#!/usr/bin/env python3
"""Keeps docs/ARCHITECTURE.md true to the code (run by `make test`).

Fails (exit 1, naming each problem) when:
- a setter the library exports (`SSL_CTX_set*` / `SSL_set*` in abi/libtls.so.0.map) is missing
  from the section "Where each setting takes effect", or that section names one that is not
  exported;
- a handshake state of the code (a type implementing `State` anywhere under src/, with the
  text its `name()` returns) is missing from the section "Handshake states", or a table there
  names a state type that no longer exists;
- an OpenSSL state the C face defines (`pub const TLS_ST_*` under src/ffi/) is missing from
  that section, or the section names one the face does not define.

Usage: tools/check-architecture.py [--root DIR] [--doc FILE]
"""
import argparse
import os
import re
import sys

SETTER = re.compile(r"\bSSL_(?:CTX_)?set[01]?_[A-Za-z0-9_]+\b")
TLS_ST_DEF = re.compile(r"\bpub\s+const\s+(TLS_ST_[A-Z0-9_]+)\s*:")
TLS_ST_USE = re.compile(r"\bTLS_ST_[A-Z0-9_]+\b")
STATE_IMPL = re.compile(r"\bimpl\s+State\s+for\s+([A-Za-z0-9_]+)\s*\{")
NAME_FN = re.compile(r"fn\s+name\s*\(\s*&self\s*\)\s*->\s*&'static\s+str\s*\{\s*\"([^\"]+)\"")


def section(doc, title):
    """The text of the `## title` section, up to the next `## ` heading."""
    m = re.search(r"^## " + re.escape(title) + r"[^\n]*\n", doc, re.M)
    if not m:
        return None
    end = re.search(r"^## ", doc[m.end():], re.M)
    return doc[m.end(): m.end() + end.start()] if end else doc[m.end():]


def rust_files(root):
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".rs"):
                yield os.path.join(dirpath, n)


def matching_brace(text, open_at):
    """Index just past the `}` closing the `{` at `open_at` (string literals and comments are
    rare enough in State impls not to matter for this count)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def code_states(src):
    """{type name: set of name() texts} for every `impl State for T` under src/."""
    states = {}
    for path in rust_files(src):
        text = open(path, encoding="utf-8").read()
        for m in STATE_IMPL.finditer(text):
            body = text[m.end() - 1: matching_brace(text, m.end() - 1)]
            names = states.setdefault(m.group(1), set())
            n = NAME_FN.search(body)
            if n:
                names.add(n.group(1))
    return states


def table_first_cells(text):
    """The first cell of every markdown table row in `text`."""
    cells = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            cells.append(line.strip("|").split("|")[0].strip())
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), os.pardir))
    ap.add_argument("--doc", help="default: ROOT/docs/ARCHITECTURE.md")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    doc_path = args.doc or os.path.join(root, "docs", "ARCHITECTURE.md")
    doc = open(doc_path, encoding="utf-8").read()
    problems = []

    # Setters.
    exported = set(SETTER.findall(open(os.path.join(root, "abi", "libtls.so.0.map")).read()))
    setters = section(doc, "Where each setting takes effect")
    if setters is None:
        problems.append("no section '## Where each setting takes effect'")
        setters = ""
    named = set()
    for cell in table_first_cells(setters):
        named |= set(SETTER.findall(cell))
    for name in sorted(exported - named):
        problems.append(f"{name} is exported (abi/libtls.so.0.map) but missing from the "
                        "setter table")
    for name in sorted(named - exported):
        problems.append(f"the setter table names {name}, which libtls does not export")

    # Handshake states.
    states_doc = section(doc, "Handshake states")
    if states_doc is None:
        problems.append("no section '## Handshake states'")
        states_doc = ""
    states = code_states(os.path.join(root, "src"))
    if not states:
        problems.append("found no `impl State for` under src/: has the State trait moved?")
    for typ, names in sorted(states.items()):
        if f"`{typ}`" not in states_doc:
            problems.append(f"state {typ} (src/) is missing from the handshake state tables")
        for n in sorted(names):
            if f'"{n}"' not in states_doc:
                problems.append(f'the name() "{n}" of state {typ} is missing from the '
                                "handshake state tables")
    for cell in table_first_cells(states_doc):
        m = re.fullmatch(r"`([A-Z][A-Za-z0-9_]*)`", cell)
        if m and not m.group(1).startswith("TLS_ST_") and m.group(1) not in states:
            problems.append(f"the state tables name {m.group(1)}, which is no State in src/")

    # OpenSSL's states.
    defined = set()
    for path in rust_files(os.path.join(root, "src", "ffi")):
        defined |= set(TLS_ST_DEF.findall(open(path, encoding="utf-8").read()))
    if not defined:
        problems.append("found no `pub const TLS_ST_*` under src/ffi/")
    documented = set(TLS_ST_USE.findall(states_doc))
    for name in sorted(defined - documented):
        problems.append(f"{name} (src/ffi) is missing from the handshake state section")
    for name in sorted(documented - defined):
        problems.append(f"the handshake state section names {name}, which src/ffi does not "
                        "define")

    rel = os.path.relpath(doc_path, root)
    if problems:
        for p in problems:
            print(f"check-architecture: {rel}: {p}", file=sys.stderr)
        return 1
    print(f"check-architecture: {rel} covers {len(exported)} setters, {len(states)} handshake "
          f"states and {len(defined)} OpenSSL states")
    return 0


if __name__ == "__main__":
    sys.exit(main())
