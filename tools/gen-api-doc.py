#!/usr/bin/env python3
"""Writes docs/api.md, the C API reference, from include/libtls.h's declarations and doc comments.

usage: gen-api-doc.py HEADER OUT

The header is itself generated from src/ffi (tools/gen-header), so the reference follows the
code: `make api-doc` regenerates it and `make check-api-doc` (part of `make test`) fails when it
is stale. Functions are grouped by name prefix.
"""

import re
import sys
from pathlib import Path

GROUPS = [
    ("Version", ("libtls_",)),
    ("Methods and contexts (SSL_CTX)", ("TLS_", "SSL_CTX_")),
    ("Connections (SSL)", ("SSL_",)),
    ("Ciphers (SSL_CIPHER)", ("SSL_CIPHER_",)),
    ("Alerts", ("SSL_alert_",)),
    ("Error queue (ERR)", ("ERR_",)),
    ("Certificates (X509)", ("X509_", "i2d_X509", "OPENSSL_")),
]


def group_of(name):
    best = None
    for title, prefixes in GROUPS:
        for prefix in prefixes:
            if name.startswith(prefix) and (best is None or len(prefix) > best[1]):
                best = (title, len(prefix))
    return best[0] if best else "Other"


def declarations(text):
    """(name, declaration, doc) for each function, in header order."""
    body = text.split('extern "C" {', 1)[1].split('}  /* extern "C" */', 1)[0]
    found = []
    doc = ""
    pending = ""
    for chunk in re.split(r"(/\*.*?\*/)", body, flags=re.DOTALL):
        if chunk.startswith("/*"):
            doc = " ".join(line.strip() for line in chunk[2:-2].strip().splitlines())
            continue
        for line in chunk.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pending = f"{pending} {line}".strip()
            if pending.endswith(";"):
                match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", pending)
                if match:
                    found.append((match.group(1), pending, doc))
                pending = ""
                doc = ""
    return found


def constants(text):
    return re.findall(r"^#define ((?:SSL_ERROR|SSL_VERIFY|SSL_FILETYPE|TLS1|LIBTLS_VERSION)\w*) (.+)$", text,
                      re.MULTILINE)


def render(text):
    out = ["# libtls C API reference", "",
           "Generated from `include/libtls.h` by `tools/gen-api-doc.py` (`make api-doc`); do not edit.",
           "Each function follows OpenSSL's contract for the same name unless its note says otherwise;",
           "see [differences-from-openssl.md](differences-from-openssl.md). Return values: 1 for success,",
           "0 or -1 for failure with the reason on the thread's error queue (`ERR_get_error`).", ""]
    grouped = {}
    for name, decl, doc in declarations(text):
        grouped.setdefault(group_of(name), []).append((name, decl, doc))
    order = [title for title, _ in GROUPS] + ["Other"]
    out.append("## Contents")
    out.append("")
    for title in order:
        if title in grouped:
            anchor = re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")
            out.append(f"- [{title}](#{anchor}) ({len(grouped[title])})")
    for title in order:
        if title not in grouped:
            continue
        out += ["", f"## {title}", ""]
        for name, decl, doc in grouped[title]:
            out.append(f"### `{name}`")
            out.append("")
            out.append("```c")
            out.append(decl)
            out.append("```")
            out.append("")
            out.append(doc if doc else "As OpenSSL.")
            out.append("")
    out += ["## Constants", "", "Besides `SSL_R_*`, `SSL_AD_*` and `X509_V_*` (OpenSSL's values, see the header):", ""]
    out += [f"- `{name}` = `{value}`" for name, value in constants(text)]
    return "\n".join(out).rstrip() + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Path(sys.argv[2]).write_text(render(Path(sys.argv[1]).read_text()))


if __name__ == "__main__":
    main()
