"""Distribution tests (issue 9): headers in every language mode, versions, the shared object's
exports and soname, the ABI checker, install into a DESTDIR with pkg-config, static linking,
and libtls living beside OpenSSL's libssl/libcrypto in one process.

They test the build tree's build/lib/libtls.so.* (what `make install` ships) and run once, in
the plain libtls run of `make test-c`."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT, pki, require_tool

DIST = REPO_ROOT / "capi-tests" / "dist"
INCLUDE = REPO_ROOT / "include"
# The OpenSSL-named headers as the build generates them (aws-lc's libcrypto headers with
# libtls's ssl.h, tls1.h, err.h and opensslv.h over them); `make install` installs this tree.
COMPAT_INCLUDE = REPO_ROOT / "build" / "include" / "libtls"
LIB_BUILD = REPO_ROOT / "build" / "lib"
STRICT = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
CA = pki("root-ca.pem")


def cargo_version():
    text = (REPO_ROOT / "Cargo.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.MULTILINE).group(1)


VERSION = cargo_version()
MAJOR = VERSION.split(".")[0]
SHLIB = LIB_BUILD / f"libtls.so.{VERSION}"


@pytest.fixture(autouse=True)
def libtls_build_only(impl, bin_dir):
    if impl != "libtls" or "asan" in Path(bin_dir).parts:
        pytest.skip("distribution tests run once, in the plain libtls build (make test-c)")
    if not SHLIB.exists():
        pytest.fail(f"{SHLIB} is missing: run 'make' first")


def run(args, **kwargs):
    kwargs.setdefault("timeout", 120)
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    return result


def ok(args, **kwargs):
    result = run(args, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def compile_c(out, sources, flags, compiler="cc"):
    ok([compiler, "-o", out, *sources, *flags])
    return out


# -- headers ------------------------------------------------------------------------------------

LANGUAGES = [("cc", "c89"), ("cc", "c99"), ("cc", "c11"), ("c++", "c++98"), ("c++", "c++11"), ("c++", "c++17")]


@pytest.mark.parametrize("openssl_names", [False, True], ids=["libtls.h", "openssl-names"])
@pytest.mark.parametrize("compiler,std", LANGUAGES, ids=[std for _, std in LANGUAGES])
def test_headers_compile_cleanly(tmp_path, compiler, std, openssl_names):
    require_tool(compiler)
    source = tmp_path / ("headers.cc" if compiler == "c++" else "headers.c")
    shutil.copy(DIST / "headers.c", source)
    flags = [f"-std={std}", *STRICT, f"-I{INCLUDE}"]
    if openssl_names:
        flags = [f"-I{COMPAT_INCLUDE}", *flags, "-DWITH_OPENSSL_NAMES"]
    exe = compile_c(tmp_path / "headers", [source], [*flags, f"-L{LIB_BUILD}", f"-Wl,-rpath,{LIB_BUILD}", "-ltls"],
                    compiler)
    ok([exe])


def test_compat_headers_shadow_openssl(tmp_path):
    """With the compat directory first, <openssl/ssl.h> is libtls's even where libssl-dev is
    installed."""
    source = tmp_path / "which.c"
    source.write_text("#include <openssl/ssl.h>\n#ifndef LIBTLS_OPENSSL_COMPAT\n#error not libtls\n#endif\n"
                      "int main(void) { return SSL_library_init() == 1 ? 0 : 1; }\n")
    out = run(["cc", "-E", "-H", f"-I{COMPAT_INCLUDE}", f"-I{INCLUDE}", source])
    assert out.returncode == 0, out.stderr
    included = [line.split()[-1] for line in out.stderr.splitlines() if line.startswith(".")]
    assert not any(path.startswith("/usr/include/openssl") for path in included), included


# -- version --------------------------------------------------------------------------------------

def test_header_and_library_versions_agree(tmp_path):
    exe = compile_c(tmp_path / "version", [DIST / "version.c"],
                    [*STRICT, f"-I{INCLUDE}", f"-L{LIB_BUILD}", f"-Wl,-rpath,{LIB_BUILD}", "-ltls"])
    result = ok([exe])
    assert f"libtls {VERSION}" in result.stdout


# -- the shared object -----------------------------------------------------------------------------

def test_soname_and_links():
    dynamic = ok(["readelf", "-d", SHLIB]).stdout
    assert f"Library soname: [libtls.so.{MAJOR}]" in dynamic
    assert os.readlink(LIB_BUILD / f"libtls.so.{MAJOR}") == SHLIB.name
    assert os.readlink(LIB_BUILD / "libtls.so") == f"libtls.so.{MAJOR}"


def header_functions():
    return set(ok(["python3", REPO_ROOT / "tools" / "abi.py", "header-symbols"]).stdout.split())


def exported_functions():
    """libtls's own functions (libtls.h) and aws-lc's libcrypto, which libtls.so re-exports."""
    return set(ok(["python3", REPO_ROOT / "tools" / "abi.py", "exported-symbols"]).stdout.split())


def test_every_export_is_versioned_and_declared():
    lines = ok(["objdump", "-T", SHLIB]).stdout.splitlines()
    exported = {}
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or "*UND*" in fields or not re.fullmatch(r"[0-9a-f]{16}", fields[0]):
            continue
        exported[fields[-1]] = fields[-2]
    exported.pop("LIBTLS_1", None)  # the version definition itself
    assert exported, lines[:20]
    unversioned = {name: ver for name, ver in exported.items() if ver != "LIBTLS_1"}
    assert not unversioned, f"exports without libtls's version node: {unversioned}"
    assert set(exported) == exported_functions()
    # OpenSSL's libcrypto, from aws-lc, is among them.
    assert {"EVP_Digest", "RAND_bytes", "HMAC", "PEM_read_bio_X509", "X509_STORE_new"} <= set(exported)


def test_no_rust_or_aws_lc_internals_exported():
    names = ok(["nm", "-D", "--defined-only", SHLIB]).stdout.split()
    public = {f"{name}@@LIBTLS_1" for name in exported_functions()}
    leaked = [n for n in names if n.startswith(("_ZN", "_R", "rust_", "__rust", "aws_lc", "OPENSSL_", "BN_", "EVP_"))
              and n not in public]
    assert not leaked, leaked[:20]


def test_abi_check_passes_on_the_build():
    ok(["python3", REPO_ROOT / "tools" / "abi.py", "check", "--major", MAJOR, "--so", SHLIB])


def test_abi_check_catches_a_removed_function(tmp_path):
    header = tmp_path / "libtls.h"
    text = (INCLUDE / "libtls.h").read_text()
    header.write_text(text.replace("int SSL_pending(const struct ssl_st *ssl);", ""))
    result = run(["python3", REPO_ROOT / "tools" / "abi.py", "check", "--major", MAJOR, "--header", header])
    assert result.returncode == 1
    assert "SSL_pending" in result.stderr and "breaks the ABI" in result.stderr


def test_abi_check_catches_an_unlisted_function(tmp_path):
    header = tmp_path / "libtls.h"
    text = (INCLUDE / "libtls.h").read_text()
    header.write_text(text.replace("int SSL_pending(const struct ssl_st *ssl);",
                                   "int SSL_pending(const struct ssl_st *ssl);\n\nint SSL_new_thing(void);"))
    result = run(["python3", REPO_ROOT / "tools" / "abi.py", "check", "--major", MAJOR, "--header", header])
    assert result.returncode == 1
    assert "SSL_new_thing" in result.stderr and "make abi-update" in result.stderr


def test_abi_check_catches_a_library_that_exports_too_much(tmp_path):
    """Cargo's own cdylib has no version node: exactly what the checker must reject."""
    cdylib = REPO_ROOT / "target" / "release" / "libtls.so"
    if not cdylib.exists():
        pytest.skip("no cargo cdylib")
    result = run(["python3", REPO_ROOT / "tools" / "abi.py", "check", "--major", MAJOR, "--so", cdylib])
    assert result.returncode == 1
    assert "has version None, expected LIBTLS_1" in result.stderr


# -- install, pkg-config, static linking ------------------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    destdir = tmp_path_factory.mktemp("destdir")
    ok(["make", "-s", "--no-print-directory", "-C", REPO_ROOT, "install", f"DESTDIR={destdir}", "PREFIX=/usr",
        "LIBDIR=/usr/lib/x86_64-test-gnu"], timeout=300)
    return destdir


def installed_pkg_config(destdir, *args):
    require_tool("pkg-config")
    env = dict(os.environ, PKG_CONFIG_SYSROOT_DIR=str(destdir),
               PKG_CONFIG_LIBDIR=str(destdir / "usr/lib/x86_64-test-gnu/pkgconfig"))
    env.pop("PKG_CONFIG_PATH", None)
    return ok(["pkg-config", *args], env=env).stdout.split()


def test_install_layout(installed):
    libdir = installed / "usr/lib/x86_64-test-gnu"
    assert (libdir / f"libtls.so.{VERSION}").is_file()
    assert os.readlink(libdir / f"libtls.so.{MAJOR}") == f"libtls.so.{VERSION}"
    assert os.readlink(libdir / "libtls.so") == f"libtls.so.{MAJOR}"
    assert (libdir / "libtls.a").is_file()
    assert (installed / "usr/include/libtls.h").is_file()
    assert (installed / "usr/include/libtls/openssl/ssl.h").is_file()
    pc = (libdir / "pkgconfig/libtls.pc").read_text()
    assert "libdir=/usr/lib/x86_64-test-gnu" in pc and f"Version: {VERSION}" in pc
    assert "Libs.private:" in pc
    assert f"Library soname: [libtls.so.{MAJOR}]" in ok(["readelf", "-d", libdir / f"libtls.so.{VERSION}"]).stdout
    for page in ("man1/tlsclient.1", "man1/tlsserver.1", "man3/libtls.3"):
        assert (installed / "usr/share/man" / page).read_text().startswith(".TH ")
    for program in ("tlsclient", "tlsserver"):
        dynamic = ok(["readelf", "-d", installed / "usr/bin" / program]).stdout
        assert "libtls.so.0" in dynamic and "RPATH" not in dynamic and "RUNPATH" not in dynamic


def test_program_built_with_pkg_config_only(installed, harness, tmp_path):
    flags = installed_pkg_config(installed, "--cflags", "--libs", "libtls")
    exe = compile_c(tmp_path / "fetch", [DIST / "fetch.c"], flags)
    needed = ok(["readelf", "-d", exe]).stdout
    assert f"Shared library: [libtls.so.{MAJOR}]" in needed
    _, port = harness.tlsserver("-cert", pki("server-ecdsa-p256.chain.pem"), "-key", pki("server-ecdsa-p256.key"))
    libdir = installed / "usr/lib/x86_64-test-gnu"
    result = ok([exe, port, CA], env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)), timeout=30)
    assert result.stdout.startswith("fetch: TLSv1.3 ") and "reply=ping" in result.stdout
    ldd = ok(["ldd", exe], env=dict(os.environ, LD_LIBRARY_PATH=str(libdir))).stdout
    assert str(libdir / f"libtls.so.{MAJOR}") in ldd


def test_openssl_named_program_built_with_pkg_config_only(installed, harness, tmp_path):
    flags = installed_pkg_config(installed, "--cflags", "--libs", "libtls-openssl")
    exe = compile_c(tmp_path / "client", [REPO_ROOT / "capi-tests/source-compat/client.c"], flags)
    _, port = harness.tlsserver("-cert", pki("server-ecdsa-p256.chain.pem"), "-key", pki("server-ecdsa-p256.key"))
    libdir = installed / "usr/lib/x86_64-test-gnu"
    result = ok([exe, port, CA, "-send", "hi"], env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)), timeout=30)
    assert "handshake: ok" in result.stdout and "reply: hi" in result.stdout


def test_static_linking(installed, harness, tmp_path):
    """libtls.a plus Libs.private: no libtls.so needed at run time."""
    cflags = installed_pkg_config(installed, "--cflags", "libtls")
    private = [f for f in installed_pkg_config(installed, "--static", "--libs-only-l", "libtls") if f != "-ltls"]
    libdir = installed / "usr/lib/x86_64-test-gnu"
    exe = compile_c(tmp_path / "fetch-static", [DIST / "fetch.c"], [*cflags, libdir / "libtls.a", *private])
    assert "libtls" not in ok(["readelf", "-d", exe]).stdout
    _, port = harness.tlsserver("-cert", pki("server-ecdsa-p256.chain.pem"), "-key", pki("server-ecdsa-p256.key"))
    result = ok([exe, port, CA], timeout=30)
    assert "reply=ping" in result.stdout


def test_uninstall_removes_everything(tmp_path):
    destdir = tmp_path / "root"
    common = ["make", "-s", "--no-print-directory", "-C", REPO_ROOT, f"DESTDIR={destdir}", "PREFIX=/opt/tls"]
    ok([*common, "install"], timeout=300)
    assert (destdir / "opt/tls/lib/libtls.so").is_symlink()
    ok([*common, "uninstall"])
    left = [p for p in destdir.rglob("*") if not p.is_dir()]
    assert not left, left


# -- beside OpenSSL in one process ----------------------------------------------------------------

def libtls_flags():
    return [f"-I{INCLUDE}", f"-L{LIB_BUILD}", f"-Wl,-rpath,{LIB_BUILD}", "-ltls"]


def start_echo_server(harness):
    _, port = harness.tlsserver("-cert", pki("server-ecdsa-p256.chain.pem"), "-key", pki("server-ecdsa-p256.key"))
    return port


def test_libtls_and_libcrypto_in_one_program(harness, tmp_path):
    exe = compile_c(tmp_path / "with_libcrypto", [DIST / "with_libcrypto.c"], [*libtls_flags(), "-lcrypto"])
    # What the program's references were bound to at link time: libtls's node for every name
    # libtls exports, libcrypto's too (libtls is first on the line and exports aws-lc's
    # libcrypto), so the program's crypto calls cannot mix two libraries' objects.
    dynsyms = ok(["objdump", "-T", exe]).stdout
    assert re.search(r"\(LIBTLS_1\)\s+SSL_connect$", dynsyms, re.MULTILINE), dynsyms
    assert re.search(r"\(LIBTLS_1\)\s+ERR_clear_error$", dynsyms, re.MULTILINE), dynsyms
    assert re.search(r"\(LIBTLS_1\)\s+SHA256$", dynsyms, re.MULTILINE), dynsyms
    assert re.search(r"\(LIBTLS_1\)\s+EVP_sha256$", dynsyms, re.MULTILINE), dynsyms
    assert re.search(r"\(LIBTLS_1\)\s+EVP_Digest$", dynsyms, re.MULTILINE), dynsyms
    result = ok([exe, start_echo_server(harness), CA], timeout=30)
    assert "sha256: ok" in result.stdout
    assert "evp_digest: ok" in result.stdout
    assert "alert86: inappropriate fallback" in result.stdout  # libtls answered, not libssl
    assert "tls: TLSv1.3 reply=ping" in result.stdout


@pytest.fixture
def plugin_and_host(tmp_path):
    plugin = compile_c(tmp_path / "plugin.so", [DIST / "plugin.c"], ["-shared", "-fPIC", "-lssl", "-lcrypto"])
    host = compile_c(tmp_path / "host", [DIST / "host.c"], [*libtls_flags(), "-ldl"])
    return plugin, host


def test_plugin_using_libssl_beside_libtls(harness, plugin_and_host):
    """The realistic case: a libtls program loads a plugin linked against libssl. The plugin's
    references are versioned OPENSSL_3.0.0, libtls's definitions LIBTLS_1: although libtls comes
    first in the lookup scope, the plugin binds to libssl and each library does its own TLS."""
    plugin, host = plugin_and_host
    result = ok([host, plugin, start_echo_server(harness), start_echo_server(harness), CA], timeout=30)
    out = result.stdout
    assert "host alert86: inappropriate fallback" in out
    assert "host tls: TLSv1.3 reply=ping" in out
    assert "plugin alert86: unknown" in out  # OpenSSL 3.0's text: libssl answered
    assert "plugin library: OpenSSL" in out
    assert "plugin tls: ok TLSv1.3" in out
    assert "host alert86 after: inappropriate fallback" in out


def test_libtls_plugin_in_an_openssl_program(harness, tmp_path):
    """The reverse: a program linked against OpenSSL (libssl.so.3, libcrypto.so.3) dlopen()s,
    RTLD_LOCAL, a plugin linked against libtls alone (its OpenSSL-named headers, -ltls). Each
    binds to its own library and does its own TLS in the one process."""
    shim = tmp_path / "shim"
    shim.mkdir()
    # host.c (through fetch.c) includes <libtls.h>; built against OpenSSL, that is OpenSSL's.
    (shim / "libtls.h").write_text("#include <openssl/ssl.h>\n#include <openssl/err.h>\n")
    host = compile_c(tmp_path / "host-openssl", [DIST / "host.c"], [f"-I{shim}", "-lssl", "-lcrypto", "-ldl"])
    plugin = compile_c(tmp_path / "plugin-libtls.so", [DIST / "plugin.c"],
                       ["-shared", "-fPIC", f"-I{COMPAT_INCLUDE}", *libtls_flags()])
    assert "libssl" not in ok(["readelf", "-d", plugin]).stdout
    result = ok([host, plugin, start_echo_server(harness), start_echo_server(harness), CA], timeout=30)
    out = result.stdout
    assert "host alert86: unknown" in out  # OpenSSL 3.0's text: libssl answers the host
    assert "host tls: TLSv1.3 reply=ping" in out
    assert "plugin alert86: inappropriate fallback" in out  # libtls answers the plugin
    assert "plugin tls: ok TLSv1.3" in out
    assert "host alert86 after: unknown" in out


def test_unversioned_library_would_hijack_the_plugin(plugin_and_host, tmp_path):
    """The control: with an unversioned libtls (cargo's own cdylib) in the global scope, glibc
    lets the plugin's OPENSSL_3.0.0 references bind to libtls's plain definitions. This is what
    the version script prevents; the test shows the hazard is real on this system."""
    cdylib = REPO_ROOT / "target" / "release" / "libtls.so"
    if not cdylib.exists():
        pytest.skip("no cargo cdylib")
    plugin, _ = plugin_and_host
    unversioned_dir = tmp_path / "unversioned"
    unversioned_dir.mkdir()
    shutil.copy(cdylib, unversioned_dir / "libtls.so")
    host = compile_c(tmp_path / "host-unversioned", [DIST / "host.c"],
                     [f"-I{INCLUDE}", f"-L{unversioned_dir}", f"-Wl,-rpath,{unversioned_dir}", "-ltls", "-ldl"])
    result = ok([host, plugin, "0", "0", CA, "nohandshake"], timeout=30)
    assert "plugin alert86: inappropriate fallback" in result.stdout, result.stdout


# -- OpenSSL's libcrypto API from libtls.so (issue 19) ----------------------------------------------

def test_libcrypto_api_matches_openssl(tmp_path):
    """The same OpenSSL-only source built against OpenSSL and against libtls alone (its
    OpenSSL-named headers, -ltls) prints the same: digests, HMAC, random bytes, PEM objects
    handed to the TLS half, the peer certificate back as the same X509 type, and a PEM error
    on the one error queue."""
    source = DIST / "libcrypto.c"
    args = [pki("server-ecdsa-p256.pem"), pki("server-ecdsa-p256.key")]
    with_openssl = compile_c(tmp_path / "libcrypto-openssl", [source], ["-std=c99", *STRICT, "-lssl", "-lcrypto"])
    with_libtls = compile_c(tmp_path / "libcrypto-libtls", [source],
                            ["-std=c99", *STRICT, f"-I{COMPAT_INCLUDE}", *libtls_flags()])
    needed = ok(["readelf", "-d", with_libtls]).stdout
    assert f"Shared library: [libtls.so.{MAJOR}]" in needed
    assert "libcrypto" not in needed and "libssl" not in needed, needed
    expected = ok([with_openssl, *args]).stdout
    got = ok([with_libtls, *args]).stdout
    assert got == expected
    for line in ("sha256(abc): ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                 "use_certificate: 1", "use_PrivateKey: 1", "handshake: ok", "peer is the certificate read: yes",
                 "error: lib PEM, reason NO_START_LINE", "after clear: 0"):
        assert line in got.splitlines(), got
