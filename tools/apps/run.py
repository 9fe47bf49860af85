#!/usr/bin/env python3
"""`make test-apps`: real OpenSSL programs, Debian's own sources, built unchanged against libtls.

Steps (docs/test-apps.md says why each is done this way):

1. tools/apps/fetch-sources.sh downloads Debian bookworm's source packages (cached under
   build/apps/download and build/apps/src).
2. libtls is installed with `make install DESTDIR=build/apps/stage PREFIX=/opt/libtls`, and an
   OpenSSL-shaped prefix is made from that installation (build/apps/openssl-prefix): include/
   holds libtls's compat headers as include/openssl/*.h, lib/libssl.so and lib/libcrypto.so are
   symlinks to libtls.so, lib/pkgconfig/{openssl,libssl,libcrypto}.pc take their Cflags from the
   installed libtls-openssl.pc. Build systems find it the way they find any OpenSSL in a prefix
   (--with-openssl=DIR, OPENSSL_PREFIX=DIR, PKG_CONFIG_PATH, -I/-L); nothing is patched.
3. Each program is built with no source patch and no stub header; a failure is parsed into a
   table of missing headers, missing libssl and libcrypto names and other errors.
4. Programs that build are run against real peers on 127.0.0.1 (runtime checks); the others'
   checks are skipped and counted.
5. The outcome is compared with capi-tests/apps/expected.txt: the run fails only on a
   regression (a program expected to build that does not, a check expected to pass that fails),
   and names improvements so that the file can be updated.

`--reference openssl` builds the same programs against the system OpenSSL instead and runs the
same checks: that validates the checks themselves (they must pass there) and is not part of CI.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import checks  # noqa: E402  (tools/apps/checks.py: the runtime checks)

PROGRAMS = ["hiredis", "redis", "curl", "nginx", "socat", "stunnel", "mosquitto"]
SOURCE_PACKAGE = {
    "hiredis": "redis",
    "redis": "redis",
    "curl": "curl",
    "nginx": "nginx",
    "socat": "socat",
    "stunnel": "stunnel4",
    "mosquitto": "mosquitto",
}
# Bump when a recipe changes so that cached build results are not reused.
RECIPE_VERSION = "1"
BUILD_TIMEOUT = 1800
ENV_C = {"LC_ALL": "C", "LANG": "C"}


def log(msg):
    print(f"test-apps: {msg}", flush=True)


def run(cmd, cwd=None, env=None, timeout=BUILD_TIMEOUT, logfile=None):
    """Runs cmd (a list, or a string for the shell), appends its output to logfile, returns the rc."""
    full_env = dict(os.environ, **ENV_C, **(env or {}))
    with open(logfile, "a") as out:
        out.write(f"\n$ {cmd if isinstance(cmd, str) else ' '.join(map(str, cmd))}\n")
        out.flush()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, shell=isinstance(cmd, str))
            return proc.returncode
        except subprocess.TimeoutExpired:
            out.write(f"\ntest-apps: timed out after {timeout} s\n")
            return 124


# ---- the OpenSSL-shaped prefix --------------------------------------------------------------

class Toolchain:
    """How the programs find "OpenSSL": libtls's prefix, or the system's for --reference."""

    def __init__(self, name, prefix, cflags, ldflags, pkgconfig_dir, ld_library_path):
        self.name = name
        self.prefix = prefix  # a directory with include/openssl and lib/, or None (system)
        self.cflags = cflags
        self.ldflags = ldflags
        self.pkgconfig_dir = pkgconfig_dir
        self.ld_library_path = ld_library_path
        self.stamp = ""

    def env(self):
        env = {}
        if self.pkgconfig_dir:
            env["PKG_CONFIG_PATH"] = str(self.pkgconfig_dir)
        return env


def stage_libtls(out):
    """Installs libtls under out/stage and builds the OpenSSL-shaped prefix out/openssl-prefix."""
    stage = out / "stage"
    inst = stage / "opt" / "libtls"
    logfile = out / "install.log"
    logfile.write_text("")
    shutil.rmtree(stage, ignore_errors=True)
    rc = run(["make", "--no-print-directory", "install", f"DESTDIR={stage}", "PREFIX=/opt/libtls"],
             cwd=REPO, logfile=logfile)
    if rc != 0:
        sys.exit(f"test-apps: make install failed (see {logfile})")
    pc_env = dict(os.environ, PKG_CONFIG_PATH=str(inst / "lib" / "pkgconfig"),
                  PKG_CONFIG_SYSROOT_DIR=str(stage))
    cflags = subprocess.run(["pkg-config", "--cflags", "libtls-openssl"], env=pc_env, check=True,
                            capture_output=True, text=True).stdout.split()

    prefix = out / "openssl-prefix"
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "include" / "openssl").mkdir(parents=True)
    (prefix / "lib" / "pkgconfig").mkdir(parents=True)
    compat = inst / "include" / "libtls" / "openssl"
    for header in sorted(compat.glob("*.h")):
        (prefix / "include" / "openssl" / header.name).symlink_to(header)
    # With the system's OpenSSL headers installed (make test-openssl needs them), a header
    # libtls lacks would be found in /usr/include/openssl instead and drag OpenSSL's own types
    # in. Every OpenSSL header name libtls does not provide is therefore a stub that stops the
    # compilation with an error naming it: the "missing headers" column.
    for sysdir in (Path("/usr/include/openssl"), *Path("/usr/include").glob("*-linux-gnu/openssl")):
        for header in sorted(sysdir.glob("*.h")):
            stub = prefix / "include" / "openssl" / header.name
            if not stub.exists() and not stub.is_symlink():
                stub.write_text(f'#error "{MISSING_HEADER_MARK} <openssl/{header.name}>"\n')
    (prefix / "include" / "libtls.h").symlink_to(inst / "include" / "libtls.h")
    real = inst / "lib" / "libtls.so"
    for name in ("libssl.so", "libcrypto.so", "libtls.so"):
        (prefix / "lib" / name).symlink_to(real)
    soname = os.readlink(real)
    (prefix / "lib" / soname).symlink_to(inst / "lib" / soname)
    libdir = prefix / "lib"
    # -rpath: the built programs find libtls at run time without LD_LIBRARY_PATH.
    rpath = f"-Wl,-rpath,{libdir}"
    # The prefix's include/ first (its openssl/ holds the stubs), then libtls-openssl.pc's.
    cflags = [f"-I{prefix / 'include'}"] + cflags
    for pc, libs in (("openssl", "-lssl -lcrypto"), ("libssl", "-lssl"), ("libcrypto", "-lcrypto")):
        (libdir / "pkgconfig" / f"{pc}.pc").write_text(
            f"prefix={prefix}\nlibdir={libdir}\n\n"
            f"Name: {pc}\nDescription: libtls standing in for OpenSSL's {pc}\n"
            f"Version: 3.0.0\nCflags: {' '.join(cflags)}\nLibs: -L{libdir} {rpath} {libs}\n")
    tc = Toolchain("libtls", prefix, cflags, [f"-L{libdir}", rpath], libdir / "pkgconfig", str(libdir))
    # What a build depends on: the headers and the library's exports.
    digest = hashlib.sha256(RECIPE_VERSION.encode())
    for header in sorted((inst / "include").rglob("*.h")):
        digest.update(header.name.encode() + header.read_bytes())
    exports = subprocess.run(["nm", "-D", "--defined-only", str(real)], check=True,
                             capture_output=True, text=True).stdout
    digest.update(exports.encode())
    tc.stamp = digest.hexdigest()
    return tc


def system_openssl(out):
    tc = Toolchain("openssl", None, [], [], None, None)
    version = subprocess.run(["pkg-config", "--modversion", "openssl"], capture_output=True, text=True).stdout
    tc.stamp = hashlib.sha256((RECIPE_VERSION + version).encode()).hexdigest()
    return tc


# ---- build recipes: each returns (ok, detail) and leaves its log in logfile -------------------

def fresh_copy(src, work):
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work, symlinks=True)


def make_jobs():
    return f"-j{min(os.cpu_count() or 1, 2)}"


def build_hiredis(tc, src, work, logfile):
    fresh_copy(src / "deps" / "hiredis", work)
    args = ["make", make_jobs(), "-k", "USE_SSL=1"]
    if tc.prefix:
        args.append(f"OPENSSL_PREFIX={tc.prefix}")
        args.append(f"LDFLAGS={' '.join(tc.ldflags)}")
    rc = run(args + ["static", "libhiredis_ssl.a", "hiredis-example-ssl"], cwd=work, env=tc.env(),
             logfile=logfile)
    example = work / "examples" / "hiredis-example-ssl"
    return rc == 0 and example.exists(), {"example": str(example)}


def build_redis(tc, src, work, logfile):
    fresh_copy(src, work)
    args = ["make", make_jobs(), "-k", "BUILD_TLS=yes", "MALLOC=libc", "USE_SYSTEMD=no"]
    if tc.prefix:
        args += [f"OPENSSL_PREFIX={tc.prefix}", f"LDFLAGS={' '.join(tc.ldflags)}"]
    rc = run(args, cwd=work, env=tc.env(), logfile=logfile)
    bins = {name: str(work / "src" / name) for name in ("redis-server", "redis-cli", "redis-benchmark")}
    ok = rc == 0 and all(Path(p).exists() for p in bins.values())
    return ok, bins


def configure_ok(rc, logfile, what):
    if rc != 0:
        with open(logfile, "a") as out:
            out.write(f"\ntest-apps: {what} failed\n")
    return rc == 0


def append_file(logfile, path, label):
    """Copies a configure log into the build log, where the error parser reads it."""
    if path.exists():
        with open(logfile, "a") as out:
            out.write(f"\n---- {label} ----\n")
            out.write(path.read_text(errors="replace"))


def build_curl(tc, src, work, logfile):
    fresh_copy(src, work)
    ssl = f"--with-openssl={tc.prefix}" if tc.prefix else "--with-openssl"
    conf = ["./configure", ssl, "--disable-ldap", "--disable-ldaps", "--without-libpsl",
            "--without-libidn2", "--without-brotli", "--without-zstd", "--without-libssh2",
            "--without-librtmp", "--without-gssapi", "--disable-manual", "--disable-shared",
            "--without-ca-bundle", "--without-ca-path"]
    env = dict(tc.env())
    if tc.prefix:
        env["LDFLAGS"] = " ".join(tc.ldflags)
    rc = run(conf, cwd=work, env=env, logfile=logfile)
    if not configure_ok(rc, logfile, "configure"):
        append_file(logfile, work / "config.log", "config.log")
        return False, {}
    rc = run(["make", make_jobs(), "-k"], cwd=work, env=env, logfile=logfile)
    exe = work / "src" / "curl"
    return rc == 0 and exe.exists(), {"curl": str(exe)}


def build_nginx(tc, src, work, logfile):
    fresh_copy(src, work)
    conf = ["./configure", "--with-http_ssl_module", "--with-http_v2_module",
            "--without-http_rewrite_module", "--without-http_gzip_module",
            f"--prefix={work / 'run'}"]
    if tc.prefix:
        conf += [f"--with-cc-opt={' '.join(tc.cflags)}", f"--with-ld-opt={' '.join(tc.ldflags)}"]
    rc = run(conf, cwd=work, env=tc.env(), logfile=logfile)
    if not configure_ok(rc, logfile, "configure"):
        append_file(logfile, work / "objs" / "autoconf.err", "objs/autoconf.err")
        return False, {}
    rc = run(["make", make_jobs(), "-k"], cwd=work, env=tc.env(), logfile=logfile)
    exe = work / "objs" / "nginx"
    return rc == 0 and exe.exists(), {"nginx": str(exe)}


def build_socat(tc, src, work, logfile):
    fresh_copy(src, work)
    env = dict(tc.env())
    if tc.prefix:
        env["CPPFLAGS"] = " ".join(tc.cflags)
        env["LDFLAGS"] = " ".join(tc.ldflags)
    rc = run(["./configure", "--disable-readline"], cwd=work, env=env, logfile=logfile)
    if not configure_ok(rc, logfile, "configure"):
        append_file(logfile, work / "config.log", "config.log")
        return False, {}
    # socat's configure drops OpenSSL silently when its checks fail: that is a failure here.
    config_h = (work / "config.h").read_text(errors="replace")
    if not re.search(r"^#define WITH_OPENSSL 1", config_h, re.M):
        append_file(logfile, work / "config.log", "config.log")
        with open(logfile, "a") as out:
            out.write("\ntest-apps: socat's configure disabled OpenSSL (WITH_OPENSSL undefined)\n")
        return False, {}
    rc = run(["make", make_jobs(), "-k", "socat"], cwd=work, env=env, logfile=logfile)
    exe = work / "socat"
    return rc == 0 and exe.exists(), {"socat": str(exe)}


def build_stunnel(tc, src, work, logfile):
    fresh_copy(src, work)
    ssl = [f"--with-ssl={tc.prefix}"] if tc.prefix else []
    env = dict(tc.env())
    if tc.prefix:
        env["LDFLAGS"] = " ".join(tc.ldflags)
    rc = run(["./configure", *ssl, "--disable-fips", "--disable-systemd", "--disable-libwrap"],
             cwd=work, env=env, logfile=logfile)
    if not configure_ok(rc, logfile, "configure"):
        append_file(logfile, work / "config.log", "config.log")
        return False, {}
    rc = run(["make", make_jobs(), "-k", "-C", "src", "stunnel"], cwd=work, env=env, logfile=logfile)
    exe = work / "src" / "stunnel"
    return rc == 0 and exe.exists(), {"stunnel": str(exe)}


def build_mosquitto(tc, src, work, logfile):
    fresh_copy(src, work)
    args = ["make", make_jobs(), "-k", "WITH_TLS=yes", "WITH_CJSON=no", "WITH_DOCS=no", "WITH_SRV=no",
            "WITH_WEBSOCKETS=no", "WITH_SYSTEMD=no", "WITH_WRAP=no"]
    if tc.prefix:
        args += [f"CPPFLAGS={' '.join(tc.cflags)}", f"LDFLAGS={' '.join(tc.ldflags)}"]
    rc = run(args + ["binary"], cwd=work, env=tc.env(), logfile=logfile)
    bins = {"mosquitto": str(work / "src" / "mosquitto"), "mosquitto_pub": str(work / "client" / "mosquitto_pub"),
            "mosquitto_sub": str(work / "client" / "mosquitto_sub")}
    ok = rc == 0 and all(Path(p).exists() for p in bins.values())
    return ok, bins


RECIPES = {
    "hiredis": build_hiredis,
    "redis": build_redis,
    "curl": build_curl,
    "nginx": build_nginx,
    "socat": build_socat,
    "stunnel": build_stunnel,
    "mosquitto": build_mosquitto,
}


# ---- reading compiler and linker errors -----------------------------------------------------

MISSING_HEADER_MARK = "libtls-test-apps: libtls does not provide"
HEADER_RE = re.compile(r"fatal error: ((?:openssl|libtls)[^:\s]*\.h): No such file|"
                       + re.escape(MISSING_HEADER_MARK) + r" <([^>]+)>")
IMPLICIT_RE = re.compile(r"implicit declaration of function '([A-Za-z_][A-Za-z0-9_]*)'")
UNDECLARED_RE = re.compile(r"error: '([A-Za-z_][A-Za-z0-9_]*)' undeclared")
UNKNOWN_TYPE_RE = re.compile(r"error: unknown type name '([A-Za-z_][A-Za-z0-9_]*)'")
UNDEFINED_RE = re.compile(r"undefined reference to `([A-Za-z_][A-Za-z0-9_]*)'")
ERROR_RE = re.compile(r"(?:error|warning): (.*)$")
# Diagnostics that are about OpenSSL's API rather than the program: what the "other" column lists.
OTHER_HINTS = re.compile(r"incomplete type|incompatible pointer|conflicting types|has no member|"
                         r"storage size|too (?:few|many) arguments|invalid use|not a function|"
                         r"makes (?:pointer|integer) from|redefinition|#error|configure disabled|"
                         r"OpenSSL|openssl")
LIBSSL_RE = re.compile(r"^(SSL|SSLv|TLS|DTLS|sk_SSL|d2i_SSL|i2d_SSL|PEM_\w*SSL_SESSION|OPENSSL_init_ssl)")


def is_libssl(name):
    return bool(LIBSSL_RE.match(name))


def parse_errors(text, toolchain_files=None):
    headers, names, other = set(), set(), set()
    for line in text.splitlines():
        m = HEADER_RE.search(line)
        if m:
            headers.add(m.group(1) or m.group(2))
            continue
        found = False
        for regex in (IMPLICIT_RE, UNDECLARED_RE, UNKNOWN_TYPE_RE, UNDEFINED_RE):
            for m in regex.finditer(line):
                names.add(m.group(1))
                found = True
        if found:
            continue
        m = ERROR_RE.search(line)
        if m and OTHER_HINTS.search(m.group(1)) and ("error" in line or "incompatible pointer" in line):
            msg = re.sub(r"\s+\[-W[^\]]*\]$", "", m.group(1)).strip()
            if len(msg) < 160:
                other.add(msg)
    for line in text.splitlines():
        if "configure disabled OpenSSL" in line or line.startswith("test-apps: configure failed"):
            other.add(line.replace("test-apps: ", ""))
    libssl = sorted(n for n in names if is_libssl(n))
    libcrypto = sorted(n for n in names if not is_libssl(n))
    return {"headers": sorted(headers), "libssl": libssl, "libcrypto": libcrypto, "other": sorted(other)}


# ---- driver ---------------------------------------------------------------------------------

def build_all(tc, out, programs, rebuild):
    results = {}
    src_root = out / "src"
    for prog in programs:
        result_file = out / tc.name / "results" / f"{prog}.json"
        result_file.parent.mkdir(parents=True, exist_ok=True)
        if not rebuild and result_file.exists():
            cached = json.loads(result_file.read_text())
            if cached.get("stamp") == tc.stamp and all(Path(p).exists() for p in cached["artifacts"].values()):
                log(f"{prog}: build cached ({'ok' if cached['ok'] else 'failed'})")
                results[prog] = cached
                continue
        logfile = out / tc.name / "logs" / f"{prog}.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        logfile.write_text(f"test-apps: building {prog} against {tc.name}\n")
        work = out / tc.name / "work" / prog
        started = time.monotonic()
        log(f"{prog}: building against {tc.name} (log: {logfile.relative_to(REPO)})")
        ok, artifacts = RECIPES[prog](tc, src_root / SOURCE_PACKAGE[prog], work, logfile)
        seconds = round(time.monotonic() - started)
        missing = parse_errors(logfile.read_text(errors="replace"))
        result = {"ok": ok, "artifacts": artifacts if ok else {}, "missing": missing, "stamp": tc.stamp,
                  "seconds": seconds, "log": str(logfile)}
        if ok and tc.prefix:
            result["linked"] = linked_libraries(artifacts)
        log(f"{prog}: {'built' if ok else 'FAILED to build'} in {seconds} s")
        result_file.write_text(json.dumps(result, indent=1))
        results[prog] = result
    return results


def linked_libraries(artifacts):
    """The TLS libraries each built program loads: libtls, never the system's libssl."""
    linked = {}
    for name, path in artifacts.items():
        out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        linked[name] = sorted({line.split()[0] for line in out.splitlines()
                               if re.search(r"lib(ssl|crypto|tls)\.so", line)})
    return linked


def table(results, programs):
    rows = ["| program | builds | missing headers | missing libssl names | missing libcrypto names | other |",
            "|---|---|---|---|---|---|"]
    for prog in programs:
        r = results[prog]
        m = r["missing"]
        if r["ok"]:
            rows.append(f"| {prog} | yes | 0 | 0 | 0 | |")
            continue

        def cell(items, limit=40):
            shown = ", ".join(f"`{i}`" for i in items[:limit])
            more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
            return f"{len(items)}" + (f": {shown}{more}" if items else "")

        other = "; ".join(m["other"][:6]) + (f"; ... ({len(m['other']) - 6} more)" if len(m["other"]) > 6 else "")
        if not any(m.values()):
            other = f"see {Path(r['log']).relative_to(REPO)}"
        rows.append(f"| {prog} | no | {cell(m['headers'])} | {cell(m['libssl'])} | {cell(m['libcrypto'])} | {other} |")
    return "\n".join(rows)


def read_expected(path):
    """expected.txt: `PROGRAM build=yes|no checks=pass|skip` a line; # comments."""
    expected = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        prog, *fields = line.split()
        kv = dict(f.split("=", 1) for f in fields)
        expected[prog] = {"build": kv.get("build", "no") == "yes", "checks": kv.get("checks", "skip") == "pass"}
    return expected


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "build" / "apps"))
    ap.add_argument("--reference", choices=["libtls", "openssl"], default="libtls",
                    help="build against libtls (default) or the system OpenSSL (validates the checks)")
    ap.add_argument("--expected", default=str(REPO / "capi-tests" / "apps" / "expected.txt"))
    ap.add_argument("--rebuild", action="store_true", help="ignore cached build results")
    ap.add_argument("--no-checks", action="store_true", help="build and print the table only")
    ap.add_argument("programs", nargs="*", help=f"a subset of {', '.join(PROGRAMS)}")
    args = ap.parse_args()
    programs = args.programs or PROGRAMS
    for prog in programs:
        if prog not in RECIPES:
            sys.exit(f"test-apps: unknown program {prog}")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    packages = sorted({SOURCE_PACKAGE[p] for p in programs})
    subprocess.run([str(REPO / "tools" / "apps" / "fetch-sources.sh"), str(out), *packages], check=True)
    tc = stage_libtls(out) if args.reference == "libtls" else system_openssl(out)
    results = build_all(tc, out, programs, args.rebuild)

    text = table(results, programs)
    summary = out / tc.name / "results.md"
    print("\nBuild results (" + tc.name + "):\n" + text + "\n", flush=True)

    check_results = {}
    skipped = 0
    if not args.no_checks:
        for prog in programs:
            if not results[prog]["ok"]:
                n = len(checks.CHECKS.get(prog, []))
                skipped += n
                continue
            check_results[prog] = checks.run_checks(prog, results, tc, out / tc.name / "run")
    lines = []
    for prog, outcomes in check_results.items():
        for name, (ok, detail) in outcomes.items():
            if ok is None:  # a check that needs another program that does not build
                skipped += 1
                lines.append(f"{prog}: {name}: skipped - {detail}")
            else:
                lines.append(f"{prog}: {name}: {'pass' if ok else 'FAIL'}{'' if ok else ' - ' + detail}")
    if lines:
        print("Runtime checks:\n  " + "\n  ".join(lines), flush=True)
    print(f"Runtime checks skipped (a program they need does not build): {skipped}", flush=True)
    summary.write_text(text + "\n\n" + "\n".join(lines) + f"\n\nskipped: {skipped}\n")

    failures, improvements = [], []
    if args.reference == "libtls":
        expected = read_expected(Path(args.expected))
        for prog in programs:
            exp = expected.get(prog, {"build": False, "checks": False})
            built = results[prog]["ok"]
            passed = built and prog in check_results and all(ok is True for ok, _ in check_results[prog].values())
            if exp["build"] and not built:
                failures.append(f"{prog} no longer builds (expected.txt says build=yes)")
            elif not exp["build"] and built:
                improvements.append(f"{prog} builds now: set build=yes in {args.expected}")
            if exp["checks"] and built and not passed and not args.no_checks:
                failures.append(f"{prog}: runtime checks failed (expected.txt says checks=pass)")
            elif not exp["checks"] and passed:
                improvements.append(f"{prog} passes its runtime checks now: set checks=pass in {args.expected}")
            for name, libs in results[prog].get("linked", {}).items():
                if any(lib.startswith(("libssl.so.", "libcrypto.so.")) for lib in libs):
                    failures.append(f"{prog}: {name} loads the system OpenSSL ({', '.join(libs)})")
    else:
        for prog in programs:
            if not results[prog]["ok"]:
                failures.append(f"{prog} does not build against the system OpenSSL")
            elif prog in check_results and any(ok is False for ok, _ in check_results[prog].values()):
                failures.append(f"{prog}: runtime checks fail against the system OpenSSL")
    for line in improvements:
        log(line)
    log(f"done in {round(time.monotonic() - started)} s; table in {summary.relative_to(REPO)}")
    if failures:
        for line in failures:
            log("REGRESSION: " + line if args.reference == "libtls" else "FAIL: " + line)
        sys.exit(1)


if __name__ == "__main__":
    main()
