#!/usr/bin/env python3
"""Man pages generated from the docs that already exist, so they cannot drift from them:

  tlsclient.1, tlsserver.1  the program's own -help text (options), README.md's
                            "Command-line tools" and "Environment" sections
  libtls.3                  README.md's C API, pkg-config, static linking, thread safety,
                            environment and ABI sections, and the function list of docs/api.md

    tools/gen-man.py --version V --bin-dir build/bin OUT_DIR

Markdown is turned into man(7) roff by the small converter below (headings, paragraphs, lists,
tables, fenced code, inline code and links: what the README uses)."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def escape(text):
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    return text


def inline(text):
    """Markdown inline markup to roff: `code` bold, **strong** bold, [text](link) as text."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    out = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if i % 2:
            out.append("\\fB" + escape(part[1:-1]) + "\\fR")
        else:
            part = escape(part)
            part = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", part)
            out.append(part)
    return "".join(out)


def guard(line):
    """A roff text line must not start with a control character."""
    return "\\&" + line if line.startswith((".", "'")) else line


def markdown_to_roff(text, shift=0):
    """shift: how many levels to take off headings (## -> .SH when shift is 1)."""
    lines = text.splitlines()
    out = []
    i = 0
    paragraph = []

    def flush():
        if paragraph:
            out.append(".PP")
            out.append(guard(inline(" ".join(paragraph))))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            out.extend([".PP", ".RS 4", ".nf"])
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append(guard(escape(lines[i])))
                i += 1
            out.extend([".fi", ".RE"])
        elif stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#")) - shift
            title = inline(stripped.lstrip("#").strip())
            out.append((".SH " if level <= 1 else ".SS ") + '"' + (title.upper() if level <= 1 else title) + '"')
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            for cells in rows[1:]:  # the first row is the header
                out.append(".TP")
                out.append(guard(inline(cells[0])))
                out.append(guard(inline(" ".join(cells[1:]))))
            continue
        elif re.match(r"^\s*[-*] ", line):
            flush()
            item = [re.sub(r"^\s*[-*] ", "", line).strip()]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() and not re.match(
                r"^\s*[-*] ", lines[i]
            ):
                item.append(lines[i].strip())
                i += 1
            out.extend([".IP \\(bu 2", guard(inline(" ".join(item)))])
            continue
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
        i += 1
    flush()
    return out


def sections(markdown):
    """{title: body} of the ## sections of a markdown file."""
    found = {}
    current = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            found[current] = []
        elif current is not None:
            found[current].append(line)
    return {k: "\n".join(v).strip() + "\n" for k, v in found.items()}


def header(name, section, version, title):
    return [
        f'.TH {name.upper()} {section} "" "libtls {version}" "{title}"',
        ".SH NAME",
        f"{name} \\- {escape(TAGLINES[name])}",
    ]


TAGLINES = {
    "tlsclient": "TLS client over libtls, in the manner of openssl s_client",
    "tlsserver": "TLS server over libtls, in the manner of openssl s_server",
    "libtls": "TLS 1.2 and TLS 1.3 library written in Rust with an OpenSSL-style C API",
}


def help_text(binary):
    """The program's -help output (it prints usage on stderr and exits 2)."""
    result = subprocess.run([str(binary), "-help"], capture_output=True, text=True, timeout=30)
    text = result.stderr or result.stdout
    if not text.startswith("usage:"):
        sys.exit(f"gen-man: {binary} -help printed no usage text")
    return text


def options_to_roff(text):
    """'usage: prog ...' then '  -opt ARG   description' lines with indented continuations."""
    lines = text.rstrip("\n").splitlines()
    usage = lines[0][len("usage:"):].strip()
    synopsis = re.split(r"\s{2,}", usage)[0]
    prog, _, args = synopsis.partition(" ")
    out = [".SH SYNOPSIS", f"\\fB{prog}\\fR {escape(args)}"]  # then OPTIONS, returned apart
    note = usage[len(synopsis):].strip()
    if note:
        out.append(".PP")
        out.append(guard(escape(note.strip("()"))))
    # The descriptions start in one column: where the continuation lines start.
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.startswith("   ") and l.strip()]
    column = min(indents) if indents else None
    options = []
    for line in lines[1:]:
        if line.startswith("  -"):
            if column is not None and len(line) > column and line[column - 1] == " ":
                name, description = line[:column].strip(), line[column:].strip()
            else:
                name, _, description = line.strip().partition("  ")
            options.append(".TP")
            options.append("\\fB" + escape(name.strip()) + "\\fR")
            options.append(guard(escape(description.strip())))
        elif line.strip() and options:
            options.append(guard(escape(line.strip())))
    return out, [".SH OPTIONS", *options]


def cli_page(name, version, bin_dir, readme):
    parts = sections(readme)
    out = header(name, 1, version, "libtls manual")
    synopsis, options = options_to_roff(help_text(bin_dir / name))
    out += synopsis
    out.append(".SH DESCRIPTION")
    out += markdown_to_roff(parts["Command-line tools"], shift=1)
    out += options
    if "Environment" in parts:
        out += markdown_to_roff("## Environment\n" + parts["Environment"], shift=1)
    other = "tlsserver" if name == "tlsclient" else "tlsclient"
    out += [".SH SEE ALSO", f"\\fB{other}\\fR(1), \\fBlibtls\\fR(3), \\fBs_client\\fR(1ssl), \\fBs_server\\fR(1ssl)"]
    return out


def api_functions(api_md):
    """[(category, [function, ...])] from docs/api.md's ## / ### headings."""
    groups = []
    for line in api_md.splitlines():
        if line.startswith("## ") and line[3:].strip() != "Contents":
            groups.append((line[3:].strip(), []))
        elif line.startswith("### ") and groups:
            groups[-1][1].append(line[4:].strip().strip("`"))
    return [(title, names) for title, names in groups if names]


def library_page(version, readme, api_md):
    parts = sections(readme)
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1]
    out = header("libtls", 3, version, "libtls manual")
    out += [".SH SYNOPSIS", ".nf", "\\fB#include <libtls.h>\\fR", ".PP",
            "\\fBcc\\fR app.c $(pkg\\-config \\-\\-cflags \\-\\-libs libtls)", ".fi"]
    out.append(".SH DESCRIPTION")
    out += markdown_to_roff(intro, shift=1)
    for title in ("Using the C API", "Building against libtls with pkg-config", "Linking statically",
                  "Thread safety", "Environment", "ABI policy"):
        if title in parts:
            out += markdown_to_roff(f"## {title}\n" + parts[title], shift=1)
    out.append(".SH FUNCTIONS")
    out.append(".PP")
    out.append("Each function follows OpenSSL 3.0's manual page of the same name unless the API "
               "reference (docs/api.md) or docs/differences\\-from\\-openssl.md says otherwise; the "
               "Debian package libtls\\-dev installs both under /usr/share/doc/libtls\\-dev.")
    for title, names in api_functions(api_md):
        out.append(f'.SS "{escape(title)}"')
        out.append(".PP")
        out.append(guard(escape(", ".join(names))))
    out += [".SH SEE ALSO", "\\fBtlsclient\\fR(1), \\fBtlsserver\\fR(1), \\fBssl\\fR(7ssl), \\fBpkg\\-config\\fR(1)"]
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True)
    parser.add_argument("--bin-dir", required=True, type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    readme = (ROOT / "README.md").read_text()
    api_md = (ROOT / "docs" / "api.md").read_text()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {
        "tlsclient.1": cli_page("tlsclient", args.version, args.bin_dir, readme),
        "tlsserver.1": cli_page("tlsserver", args.version, args.bin_dir, readme),
        "libtls.3": library_page(args.version, readme, api_md),
    }
    for name, lines in pages.items():
        text = "\n".join(lines) + "\n"
        (args.out / name).write_text(text)


if __name__ == "__main__":
    main()
