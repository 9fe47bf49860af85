#!/usr/bin/env python3
"""Exports aws-lc's OpenSSL-compatible libcrypto API from libtls.so under OpenSSL's names.

aws-lc-sys builds aws-lc with every symbol prefixed (aws_lc_0_47_0_EVP_Digest, ...), so that two
copies in one program cannot clash. libtls.so re-exports aws-lc's *public* functions under their
plain names: the linker aliases each plain name to its prefixed definition, and the version
script puts them under libtls's version node beside libtls's own functions.

  awslc-exports.py headers --out DIR       copies aws-lc's <openssl/*.h> into DIR/openssl, then
                                           overlays libtls's own (include/libtls/openssl/*.h)
  awslc-exports.py link --archive libtls.a --map abi/libtls.so.N.map --out DIR
                                           writes DIR/awslc.syms (the exported names),
                                           DIR/awslc-alias.ld (NAME = PREFIX_NAME; for ld) and
                                           DIR/libtls.map (the version script: the committed
                                           map plus aws-lc's names in its newest node)

A public function is one that aws-lc's installed headers name and the archive defines with the
prefix. Names libtls defines itself (its #[no_mangle] exports, all listed in the committed map)
stay libtls's and are not aliased. Nothing here is committed: it is derived from the aws-lc-sys
source and the archive at build time.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Headers that only list symbols (the prefixing machinery), not API.
NOT_API = {"boringssl_prefix_symbols_asm.h"}
WORD_RE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def awslc_sys_version():
    text = (ROOT / "Cargo.lock").read_text()
    match = re.search(r'name = "aws-lc-sys"\nversion = "([^"]+)"', text)
    if not match:
        raise SystemExit("awslc-exports: aws-lc-sys is not in Cargo.lock")
    return match.group(1)


def awslc_include_dir():
    """aws-lc's include/ in the cargo registry (the same source aws-lc-sys built), or in vendor/
    when the crates are vendored there (`cargo vendor`, as the Debian source tree has them)."""
    version = awslc_sys_version()
    vendored = ROOT / "vendor" / "aws-lc-sys"
    if (vendored / "aws-lc" / "include").is_dir() and re.search(
        rf'^version = "{re.escape(version)}"$', (vendored / "Cargo.toml").read_text(), re.M
    ):
        return vendored / "aws-lc" / "include"
    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    hits = sorted(glob.glob(f"{cargo_home}/registry/src/*/aws-lc-sys-{version}/aws-lc/include"))
    if not hits:
        raise SystemExit(f"awslc-exports: aws-lc-sys-{version} source not found under {cargo_home}/registry/src "
                         f"(run 'cargo fetch')")
    return Path(hits[-1])


def prefix():
    return "aws_lc_" + awslc_sys_version().replace(".", "_") + "_"


def public_words(include_dir):
    """Every identifier in aws-lc's public headers, after the preprocessor (many declarations
    come from macros: DECLARE_PEM_rw(X509, X509) declares PEM_read_bio_X509)."""
    headers = sorted(h.name for h in (include_dir / "openssl").glob("*.h") if h.name not in NOT_API)
    source = "".join(f"#include <openssl/{name}>\n" for name in headers)
    cc = os.environ.get("CC", "cc")
    text = subprocess.run([cc, "-E", "-P", f"-I{include_dir}", "-x", "c", "-"], input=source, check=True,
                          capture_output=True, text=True).stdout
    return set(WORD_RE.findall(text))


def archive_globals(archive):
    """Names of the global symbols the archive defines (functions and data)."""
    out = subprocess.run(["nm", "-g", "--defined-only", "-P", str(archive)], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1] in "TDRBVWGSiu" and not fields[0].endswith(":"):
            names.add(fields[0])
    return names


def map_symbols(path):
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.DOTALL)
    return set(re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*;", text, flags=re.MULTILINE))


def exported_names(archive, abi_map):
    pre = prefix()
    defined = archive_globals(archive)
    prefixed = {name[len(pre):] for name in defined if name.startswith(pre)}
    own = map_symbols(abi_map) | {name for name in defined if not name.startswith(pre)}
    return sorted((prefixed & public_words(awslc_include_dir())) - own)


def write_if_changed(path, text):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def link(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = exported_names(Path(args.archive), Path(args.map))
    pre = prefix()
    write_if_changed(out / "awslc.syms", "".join(f"{n}\n" for n in names))
    write_if_changed(out / "awslc-alias.ld",
                     "/* Generated by tools/awslc-exports.py: aws-lc's public names. */\n"
                     + "".join(f"{n} = {pre}{n};\n" for n in names))
    text = Path(args.map).read_text()
    node = re.findall(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*\{", text, flags=re.MULTILINE)[-1]
    start = text.rindex(node + " {")
    at = text.find("  local:", start)
    if at < 0:
        at = text.index("}", start)
    block = "    /* aws-lc's libcrypto (tools/awslc-exports.py) */\n" + "".join(f"    {n};\n" for n in names)
    write_if_changed(out / "libtls.map", text[:at] + block + text[at:])
    print(f"awslc-exports: {len(names)} aws-lc functions exported under {node}")


def headers(args):
    src = awslc_include_dir() / "openssl"
    out = Path(args.out) / "openssl"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for header in sorted(src.glob("*.h")):
        if header.name not in NOT_API:
            shutil.copy(header, out / header.name)
    patch_base_h(out / "base.h")
    patch_ex_data_h(out / "ex_data.h")
    patch_stack_h(out / "stack.h")
    patch_des_h(out / "des.h")
    # OpenSSL's OPENSSL_hexstr2buf stores the length in a long (aws-lc: size_t, the same size
    # on every ABI libtls builds for), which is what programs pass (stunnel's PSK keys).
    replace_once(out / "mem.h", "uint8_t *OPENSSL_hexstr2buf(const char *str, size_t *len);",
                 "uint8_t *OPENSSL_hexstr2buf(const char *str, long *len);")
    # libtls's opensslv.h names the version.
    drop_lines(out / "crypto.h", r"#define OPENSSL_VERSION_TEXT ")
    # libtls.h defines SSL3_RT_HEADER (the message callback's pseudo record type) as well.
    drop_lines(out / "ssl3.h", r"#define SSL3_RT_HEADER ")
    for header in sorted(out.glob("*.h")):
        header.write_text(skip_libtls_typedefs(c89_comments(header.read_text())))
    for header in sorted((ROOT / "include" / "libtls" / "openssl").glob("*.h")):
        if header.name in APPENDED and (out / header.name).exists():
            # aws-lc's own settings stay (its headers test them); libtls's follow them.
            text = (out / header.name).read_text() + "\n" + header.read_text()
            (out / header.name).write_text(text)
        else:
            shutil.copy(header, out / header.name)


# libtls headers added to the end of aws-lc's header of the same name instead of replacing it:
# opensslconf.h keeps aws-lc's OPENSSL_NO_* for its libcrypto and adds libtls's for libssl.
APPENDED = {"opensslconf.h"}


# The object types libtls.h also declares (tools/gen-header: TYPES), with the same tags.
LIBTLS_TYPEDEFS = {"SSL", "SSL_CTX", "SSL_SESSION", "SSL_CIPHER", "SSL_METHOD", "X509_STORE_CTX",
                   "X509_VERIFY_PARAM", "CRYPTO_EX_DATA", "X509", "X509_NAME", "EVP_PKEY", "BIO", "EVP_MD", "X509_STORE",
                   "ASN1_TIME", "EVP_CIPHER_CTX", "HMAC_CTX", "CBB", "CRYPTO_BUFFER"}


def c89_comments(text):
    """aws-lc writes // comments, which C89 (-pedantic) rejects; OpenSSL's headers have none.
    Rewrites each as /* */ (outside strings and block comments)."""
    out = []
    in_block = False
    for line in text.split("\n"):
        i, in_string, result = 0, False, None
        while i < len(line):
            two = line[i:i + 2]
            if in_block:
                if two == "*/":
                    in_block = False
                    i += 2
                    continue
            elif in_string:
                if line[i] == "\\":
                    i += 2
                    continue
                if line[i] == '"':
                    in_string = False
            elif line[i] == '"':
                in_string = True
            elif two == "/*":
                in_block = True
                i += 2
                continue
            elif two == "//":
                comment = line[i + 2:].replace("*/", "* /").replace("/*", "/ *")
                continuation = comment.endswith("\\")
                if continuation:
                    comment = comment[:-1]
                result = line[:i] + "/*" + comment.rstrip() + " */" + (" \\" if continuation else "")
                break
            i += 1
        out.append(result if result is not None else line)
    return "\n".join(out)


def skip_libtls_typedefs(text):
    """Wraps the typedefs libtls.h makes too, so that they are skipped when it came first."""
    lines = []
    for line in text.split("\n"):
        match = re.match(r"typedef struct (\w+) (\w+);$", line)
        if match and match.group(2) in LIBTLS_TYPEDEFS:
            lines += ["#if !defined(LIBTLS_OPENSSL_TYPEDEFS)  /* libtls.h declared it */", line, "#endif"]
        else:
            lines.append(line)
    return "\n".join(lines)


def replace_once(path, old, new):
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"awslc-exports: {path.name} no longer has {old!r}")
    path.write_text(text.replace(old, new))


def drop_lines(path, pattern):
    text = path.read_text()
    kept = [line for line in text.split("\n") if not re.match(pattern, line)]
    if len(kept) == text.count("\n") + 1:
        raise SystemExit(f"awslc-exports: {path.name} has no line matching {pattern!r}")
    path.write_text("\n".join(kept))


def patch_ex_data_h(path):
    """aws-lc's ex_data.h types CRYPTO_EX_free and CRYPTO_EX_dup as libtls.h does; skip them when
    libtls.h came first (C89 and C99 allow a typedef only once). CRYPTO_EX_dup takes OpenSSL
    1.1.1's `void *from_d` (the API level the headers announce; aws-lc and OpenSSL 3.0 have
    `void **`), as libtls.h types it: programs pick their callback's prototype by
    OPENSSL_VERSION_NUMBER. Neither library calls it."""
    text = path.read_text()
    dup_3 = "void **from_d, int index"
    if dup_3 not in text:
        raise SystemExit("awslc-exports: ex_data.h no longer types CRYPTO_EX_dup's from_d as void **")
    text = text.replace(dup_3, "void *from_d, int index")
    for name in ("CRYPTO_EX_free", "CRYPTO_EX_dup"):
        match = re.search(r"^typedef \w+ " + name + r"\(.*?\);\n", text, flags=re.MULTILINE | re.DOTALL)
        if not match:
            raise SystemExit(f"awslc-exports: ex_data.h no longer types {name}")
        text = (text[:match.start()] + "#if !defined(LIBTLS_OPENSSL_EX_TYPEDEFS)  /* libtls.h declared it */\n"
                + match.group(0) + "#endif\n" + text[match.end():])
    path.write_text(text)


# OpenSSL 1.1.1's stack functions that aws-lc's DEFINE_STACK_OF lacks, added to every
# sk_TYPE_* family (a C macro body: each line ends with a backslash).
STACK_ADDITIONS = r"""
  /* libtls (tools/awslc-exports.py): OpenSSL's sk_TYPE_new_reserve and sk_TYPE_reserve. The   \
   * stack grows as elements are pushed; the size is only a hint (a negative one is an error \
   * for sk_TYPE_reserve, as in OpenSSL). */                                                   \
  OPENSSL_INLINE STACK_OF(name) *sk_##name##_new_reserve(sk_##name##_cmp_func comp,           \
                                                         int n) {                            \
    (void)n;                                                                                   \
    return (STACK_OF(name) *)OPENSSL_sk_new((OPENSSL_sk_cmp_func)comp);                        \
  }                                                                                            \
                                                                                               \
  OPENSSL_INLINE int sk_##name##_reserve(STACK_OF(name) *sk, int n) {                          \
    return sk != NULL && n >= 0;                                                               \
  }                                                                                            \
                                                                                               \
"""


def patch_stack_h(path):
    """Adds OpenSSL's sk_TYPE_new_reserve and sk_TYPE_reserve to aws-lc's DEFINE_STACK_OF
    (stunnel's DEFINE_STACK_OF(LEAK_ENTRY) uses sk_LEAK_ENTRY_new_reserve)."""
    text = path.read_text()
    anchor = re.search(r"^  OPENSSL_INLINE STACK_OF\(name\) \*sk_##name##_new_null\(void\) \{ *\\\n"
                       r".*?\n  \} *\\\n *\\\n", text, flags=re.MULTILINE | re.DOTALL)
    if not anchor:
        raise SystemExit("awslc-exports: stack.h no longer defines sk_##name##_new_null as expected")
    path.write_text(text[:anchor.end()] + STACK_ADDITIONS.lstrip("\n") + text[anchor.end():])


def patch_des_h(path):
    """OpenSSL types DES_cblock as `unsigned char[8]`; aws-lc as a struct holding one. Same size
    and alignment, so the same ABI for the functions taking `DES_cblock *`; but code written
    for OpenSSL indexes it and passes arrays (stunnel's NTLM: `key[0] = ...`), which only the
    array type compiles. The prototypes take `const_DES_cblock *` where OpenSSL's do."""
    text = path.read_text()
    new_text, n = re.subn(r"typedef struct DES_cblock_st \{\s*uint8_t bytes\[8\];\s*\} DES_cblock;",
                          "typedef unsigned char DES_cblock[8];", text)
    new_text, m = re.subn(r"typedef struct DES_cblock_st const_DES_cblock;",
                          "typedef unsigned char const_DES_cblock[8];", new_text)
    if n != 1 or m != 1:
        raise SystemExit("awslc-exports: des.h no longer types DES_cblock as expected")
    # OpenSSL's prototypes take const_DES_cblock * (an array type cannot be const-qualified
    # through a pointer to it without a pedantic warning before C2x).
    new_text = new_text.replace("const DES_cblock *", "const_DES_cblock *")
    path.write_text(new_text)


def patch_base_h(path):
    """Two edits to aws-lc's base.h: its OPENSSL_VERSION_NUMBER (1.1.1) gives way to libtls's
    opensslv.h (one definition, documented there), and the typedefs libtls.h makes too are
    skipped when libtls.h came first (C89 and C99 allow a typedef only once)."""
    text = path.read_text()
    lines = []
    version_done = False
    for line in text.splitlines():
        if re.match(r"#define (OPENSSL_VERSION_NUMBER|SSLEAY_VERSION_NUMBER)\b", line):
            if not version_done:
                lines.append("#include <openssl/opensslv.h>  /* libtls: the OpenSSL API level */")
                version_done = True
            continue
        if line == "#define OPENSSL_INLINE static inline OPENSSL_UNUSED":
            # C89 has no inline keyword; GCC and Clang take __inline__ in every mode.
            lines += ["#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L",
                      line,
                      "#elif defined(__GNUC__) || defined(__clang__)",
                      "#define OPENSSL_INLINE static __inline__ OPENSSL_UNUSED",
                      "#else",
                      "#define OPENSSL_INLINE static OPENSSL_UNUSED",
                      "#endif"]
            continue
        lines.append(line)
    if not version_done:
        raise SystemExit("awslc-exports: base.h no longer defines OPENSSL_VERSION_NUMBER")
    path.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    link_p = sub.add_parser("link")
    link_p.add_argument("--archive", required=True)
    link_p.add_argument("--map", required=True)
    link_p.add_argument("--out", required=True)
    headers_p = sub.add_parser("headers")
    headers_p.add_argument("--out", required=True)
    sub.add_parser("prefix")
    args = parser.parse_args()
    if args.command == "link":
        link(args)
    elif args.command == "headers":
        headers(args)
    else:
        print(prefix())


if __name__ == "__main__":
    sys.exit(main())
