#!/usr/bin/env python3
"""The import graph of src/: loops among core files and imports that run up the layers.

Usage: tools/layers.py [--src DIR] [--check] [--max-upward N] [--verbose] [--tests]

Every `.rs` file under src/ is a node, named by its module path (`src/handshake/mod.rs` is
`handshake`, `src/conn/receive.rs` is `conn::receive`). An edge A -> B is a path in A that names
an item of B: `use crate::...` trees (with `{...}` groups, `self`, `as`), `super::`/`self::`
paths, inline `crate::x::y` paths, and paths through a module imported by name
(`use crate::crypto;` then `crypto::kx::...`) or at a child module
(`server::start` in handshake/mod.rs). A path resolves to the deepest file module it
names (`crate::msgs::handshake::ClientHello` -> `msgs::handshake`).

Test code counts separately: an item under `#[cfg(test)]` (a `mod tests { ... }`, a `use`, a
function) and a file declared `#[cfg(test)] mod x;` (the `*_tests.rs` files, `crypto::rfc8448`)
give test edges, which may go anywhere; `--tests` lists them. Code under `#[cfg(any(test,
fuzzing))]` or `#[cfg(fuzzing)]` is core code (it is built into the fuzz targets).

Core files are all but `ffi::*` (the C face, the top layer, which may import any core file).

The layer order, lowest first (a file may import its own layer and the ones below):

  0 base       codec, error, limits, role, msgs::enums, msgs::alert: the vocabulary everything
               speaks (error carries the alert it maps to, so it sits with the alert enums)
  1 msgs       msgs::* (the wire messages and the record deframer)
  2 crypto     crypto::*, x509::*, suites (cipher suites name their AEAD and hash)
  3 record     record::*, verify::*, certcomp, session::*, events, config (the settings a
               connection is made from: keys, roots, callbacks), exporter
  4 handshake  handshake::*, diagnosis (reads the negotiated facts the handshake records)
  5 conn       conn::*, fuzz_support (deterministic fixtures driving whole connections)
  6 testing    testing::* (the test harness: PKI, connection pairs, wire helpers; built only for
               tests, benches and the `testing` feature)
  7 ffi        ffi::* (the C face; not checked)

`--check` exits 1 when there is a loop (a strongly connected component of more than one file)
among core files that tools/layers-known-loops.txt does not list (the loops still to break,
each a ratchet: a listed loop that is gone must be deleted, a listed one may only shrink) or more than `--max-upward` (default 2) upward imports among core files.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

LAYERS = [
    ("base", ["codec", "error", "limits", "role", "msgs::enums", "msgs::alert"]),
    ("msgs", ["msgs"]),
    ("crypto", ["crypto", "x509", "suites"]),
    ("record", ["record", "verify", "certcomp", "session", "events", "config", "exporter"]),
    ("handshake", ["handshake", "diagnosis"]),
    ("conn", ["conn", "fuzz_support"]),
    ("testing", ["testing"]),
    ("ffi", ["ffi", "lib"]),
]


def layer_of(module):
    """The layer index of a module: the longest matching prefix in LAYERS."""
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + "::")) and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def is_core(module):
    return not (module == "ffi" or module.startswith("ffi::") or module == "lib")


# ---- lexing: strip comments and literals so braces and paths can be trusted ----------------


def strip(src):
    """The source with comments, strings and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
            continue
        m = re.match(r'b?r(#*)"', src[i:i + 300]) if c in "br" else None
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + re.sub(r"[^\n]", "", src[i:j]))
            i = j
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + re.sub(r"[^\n]", "", src[i:j + 1]))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", src[i:i + 16])
            if m:
                out.append("' '")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def match_brace(text, i):
    """The index just past the brace that closes the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


CFG_TEST = re.compile(r"#\[cfg\(\s*test\s*\)\]")


def item_end(text, i):
    """The end of the item starting at text[i]: its `;` or its closing brace, whichever first."""
    j = i
    while j < len(text):
        if text[j] == ";":
            return j + 1
        if text[j] == "{":
            return match_brace(text, j)
        j += 1
    return len(text)


def split_test(text):
    """(core text, test text): items under `#[cfg(test)]` go to the test text."""
    core, test = [], []
    pos = 0
    for m in CFG_TEST.finditer(text):
        if m.start() < pos:
            continue
        core.append(text[pos:m.start()])
        end = item_end(text, m.end())
        test.append(text[m.end():end])
        core.append("\n" * text[m.start():end].count("\n"))
        pos = end
    core.append(text[pos:])
    return "".join(core), "\n".join(test)


# ---- use trees ---------------------------------------------------------------------------


def expand_use(tree):
    """The paths of a use tree: `a::{b, c::{d, e as f}}` -> [(a::b, b), (a::c::d, d), (a::c::e, f)].

    The caller has replaced each ` as ` by a NUL byte."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, t):
        # split top-level commas
        parts, depth, cur = [], 0, ""
        for ch in t:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        for p in parts:
            if not p:
                continue
            b = p.find("{")
            if b >= 0:
                head = p[:b].rstrip(":")
                inner = p[b + 1:p.rfind("}")]
                walk(prefix + ([s for s in head.split("::") if s]), inner)
            else:
                alias, path = None, p
                if "\x00" in p:
                    path, alias = p.split("\x00", 1)
                segs = prefix + [s for s in path.split("::") if s]
                if segs and segs[-1] == "self":
                    segs = segs[:-1]
                out.append((segs, alias or (segs[-1] if segs else None)))

    walk([], tree)
    return out


USE_RE = re.compile(r"\b(?:pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]+);")
MOD_RE = re.compile(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")
PATH_RE = re.compile(r"(?<![A-Za-z0-9_:])((?:crate|super|self)(?:::(?:[A-Za-z_][A-Za-z0-9_]*))+)")


class Tree:
    def __init__(self, src):
        self.src = src
        self.files = {}  # module -> path
        for root, _, names in os.walk(src):
            for name in names:
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, src)[:-3].split(os.sep)
                if rel[-1] == "mod":
                    rel = rel[:-1]
                module = "::".join(rel) if rel != ["lib"] else "lib"
                self.files[module] = path
        self.test_files = set()
        decl = re.compile(
            r"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")
        for module, path in list(self.files.items()):
            text = open(path, encoding="utf-8").read()
            for m in decl.finditer(text):
                attrs, name = m.group(1), m.group(2)
                child = name if module == "lib" else module + "::" + name
                at = re.search(r'#\[path\s*=\s*"([^"]+)"\]', attrs)
                if at:
                    # `#[path = "conn_dos_tests.rs"] mod dos_tests;` is conn::dos_tests
                    target = os.path.normpath(os.path.join(os.path.dirname(path), at.group(1)))
                    for k, v in list(self.files.items()):
                        if os.path.normpath(v) == target:
                            del self.files[k]
                            self.files[child] = v
                if CFG_TEST.search(attrs):
                    self.test_files.add(child)
        # a file under a test file is test code too
        for module in list(self.files):
            for t in list(self.test_files):
                if module.startswith(t + "::"):
                    self.test_files.add(module)

    def resolve(self, segs):
        """The deepest file module named by absolute segments (without `crate`)."""
        best = None
        for k in range(len(segs), 0, -1):
            name = "::".join(segs[:k])
            if name in self.files:
                best = name
                break
        return best

    def edges_of(self, module, text):
        """The modules that `text` (code of `module`, comments stripped) names."""
        base = [] if module == "lib" else module.split("::")
        found = set()
        # inline module nesting: (name, end offset)
        scopes = []
        for m in MOD_RE.finditer(text):
            scopes.append((m.start(), match_brace(text, m.end() - 1), m.group(1)))

        def scope_at(pos):
            return [name for (s, e, name) in scopes if s < pos < e]

        def absolute(segs, pos):
            cur = base + scope_at(pos)
            if not segs:
                return None
            if segs[0] == "crate":
                return segs[1:]
            if segs[0] in ("super", "self"):
                here = list(cur)
                k = 0
                while k < len(segs) and segs[k] in ("super", "self"):
                    if segs[k] == "super":
                        here = here[:-1]
                    k += 1
                return here + segs[k:]
            return None

        aliases = {}
        for m in USE_RE.finditer(text):
            tree = re.sub(r"\s+as\s+", "\x00", m.group(1))
            for segs, alias in expand_use(tree):
                a = absolute(segs, m.start())
                if a is None:
                    continue
                target = self.resolve(a)
                if target:
                    found.add(target)
                    if alias and "::".join(a) in self.files:
                        aliases[alias] = a
        for m in PATH_RE.finditer(text):
            a = absolute(m.group(1).split("::"), m.start())
            if a is not None:
                t = self.resolve(a)
                if t:
                    found.add(t)
        # a path may start at a child module of this file's module (`server::start` in
        # handshake/mod.rs), unless a `use` made the name something else
        prefix = "" if module == "lib" else module + "::"
        for child in self.files:
            if child.startswith(prefix) and "::" not in child[len(prefix):]:
                name = child[len(prefix):]
                if name and name not in aliases:
                    aliases[name] = base + [name]
        for alias, a in aliases.items():
            for m in re.finditer(r"(?<![A-Za-z0-9_:])" + re.escape(alias) + r"((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
                t = self.resolve(a + m.group(1).split("::")[1:])
                if t:
                    found.add(t)
        found.discard(module)
        # naming a parent module's own items is an edge to the parent; naming a child's is too
        return found

    def graph(self):
        core, test = defaultdict(set), defaultdict(set)
        for module, path in sorted(self.files.items()):
            text = strip(open(path, encoding="utf-8").read())
            if module in self.test_files:
                test[module] |= self.edges_of(module, text)
                continue
            core_text, test_text = split_test(text)
            core[module] |= self.edges_of(module, core_text)
            test[module] |= self.edges_of(module, test_text) - core[module]
        return core, test


def sccs(nodes, edges):
    """Tarjan's strongly connected components, larger than one node, sorted."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in nodes:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out, key=lambda c: (-len(c), c))


def read_known_loops(path):
    """The loops listed in `path` (one per line, modules separated by commas; # comments)."""
    if not os.path.exists(path):
        return []
    known = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            known.append({m.strip() for m in line.split(",") if m.strip()})
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--max-upward", type=int, default=2)
    ap.add_argument(
        "--known-loops",
        default=os.path.join(os.path.dirname(__file__), "layers-known-loops.txt"),
        help="loops still to break, one per line (comma-separated modules); --check fails on "
        "any other loop and on a listed loop that is gone (delete its line)",
    )
    ap.add_argument("--verbose", action="store_true", help="print every core edge")
    ap.add_argument("--tests", action="store_true", help="print test edges that run upward")
    args = ap.parse_args()

    tree = Tree(os.path.normpath(args.src))
    core, test = tree.graph()
    core_nodes = {m for m in tree.files if is_core(m) and m not in tree.test_files}
    unplaced = sorted(m for m in core_nodes if layer_of(m) is None)
    for m in unplaced:
        print(f"unplaced: {m} (add it to LAYERS in tools/layers.py)")

    loops = sccs(core_nodes, core)
    upward = []
    for a in sorted(core_nodes):
        for b in sorted(core[a]):
            if b not in core_nodes:
                continue
            la, lb = layer_of(a), layer_of(b)
            if la is not None and lb is not None and lb > la:
                upward.append((a, b))
    lines = {m: sum(1 for _ in open(tree.files[m], encoding="utf-8")) for m in tree.files}

    if args.verbose:
        for a in sorted(core_nodes):
            print(f"{a} [{LAYERS[layer_of(a)][0]}] -> {', '.join(sorted(core[a] & core_nodes))}")
    print(f"core files: {len(core_nodes)}, test files: {len(tree.test_files)}")
    print(f"loops among core files: {len(loops)}")
    for comp in loops:
        print(f"  loop of {len(comp)} files: {', '.join(comp)}")
    print(f"upward imports among core files: {len(upward)}")
    for a, b in upward:
        print(f"  {a} [{LAYERS[layer_of(a)][0]}] -> {b} [{LAYERS[layer_of(b)][0]}]")
    big = sorted((n, m) for m, n in lines.items() if is_core(m) and n > 1200)
    print(f"core files over 1,200 lines: {len(big)}")
    for n, m in reversed(big):
        print(f"  {os.path.relpath(tree.files[m], os.path.dirname(tree.src))}: {n}")
    if args.tests:
        print("test imports running upward (allowed):")
        for a in sorted(test):
            for b in sorted(test[a]):
                la, lb = layer_of(a), layer_of(b)
                if la is not None and lb is not None and lb > la:
                    print(f"  {a} -> {b}")
    if args.check:
        bad = []
        known = read_known_loops(args.known_loops)
        new = [c for c in loops if not any(set(c) <= k for k in known)]
        gone = [k for k in known if not any(set(c) & k for c in loops)]
        for c in new:
            print(f"new loop: {', '.join(c)}", file=sys.stderr)
        for k in gone:
            print(f"known loop gone (delete its line): {', '.join(sorted(k))}", file=sys.stderr)
        if new:
            bad.append(f"{len(new)} loop(s) among core files not in {args.known_loops}")
        if gone:
            bad.append(f"{len(gone)} known loop(s) no longer there")
        if len(upward) > args.max_upward:
            bad.append(f"{len(upward)} upward imports (at most {args.max_upward})")
        if unplaced:
            bad.append(f"{len(unplaced)} core file(s) in no layer")
        if bad:
            print("check-layers: FAILED: " + "; ".join(bad), file=sys.stderr)
            return 1
        print("check-layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
