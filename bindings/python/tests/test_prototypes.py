"""The ctypes prototypes must match include/libtls.h, and the library must export them."""

import ctypes
import re

import pytest
from conftest import REPO_ROOT

from libtls import _lib

HEADER = REPO_ROOT / "include" / "libtls.h"


@pytest.fixture(scope="module")
def header():
    if not HEADER.exists():
        pytest.skip("include/libtls.h is not in this tree")
    return _lib.parse_declarations(HEADER.read_text())


def test_the_header_parses_completely(header):
    # Every function of the ABI's export list is understood by the parser the check relies on.
    abi_map = REPO_ROOT / "abi" / "libtls.so.0.map"
    exported = set(re.findall(r"^\s+(\w+);", abi_map.read_text(), re.M))
    assert exported - set(header) == set()


@pytest.mark.parametrize("name", sorted(_lib.parse_declarations(_lib.REQUIRED_DECLARATIONS)))
def test_required_declaration_matches_header(header, name):
    ours = _lib.parse_declarations(_lib.REQUIRED_DECLARATIONS)[name]
    assert name in header, f"{name} is not declared in include/libtls.h"
    assert ours == header[name]


def test_optional_declarations_match_header_when_present(header):
    for name, ours in _lib.parse_declarations(_lib.OPTIONAL_DECLARATIONS).items():
        if name in header:
            assert ours == header[name], name


def test_libcrypto_functions_come_from_aws_lc(header):
    # OpenSSL's libcrypto functions the package calls are not libtls.h's but aws-lc's, which
    # the library exports beside its own; they are bound at load.
    lib = _lib.lib()
    for name in _lib.parse_declarations(_lib.LIBCRYPTO_DECLARATIONS):
        assert name not in header, name
        assert lib.has(name) or hasattr(lib, name), name


def test_optional_functions_in_the_header_are_bound(header):
    # The library built from this tree exports everything its header declares.
    lib = _lib.lib()
    for name in _lib.parse_declarations(_lib.OPTIONAL_DECLARATIONS):
        if name in header:
            assert lib.has(name), name


def test_bound_functions_carry_the_header_types(header):
    lib = _lib.lib()
    declared = _lib.parse_declarations(_lib.REQUIRED_DECLARATIONS + _lib.OPTIONAL_DECLARATIONS)
    for name in (n for n in declared if n in header and hasattr(lib, n)):
        ret, params = header[name]
        func = getattr(lib, name)
        assert func.argtypes == [_lib.ctypes_type(p) for p in params], name
        expected_ret = ctypes.c_char_p if ret.replace(" ", "") == "constchar*" else _lib.ctypes_type(ret, returned=True)
        assert func.restype == expected_ret, name


def test_every_header_type_has_a_ctypes_mapping(header):
    # Binding any function later must not hit an unmapped type (function-pointer typedefs for
    # BIO methods and ex_data are passed as pointers).
    unmapped = set()
    for name, (ret, params) in header.items():
        for c_type in [ret] + params:
            try:
                _lib.ctypes_type(c_type)
            except TypeError:
                unmapped.add(c_type)
    assert unmapped <= {"BioWriteFn", "BioReadFn", "BioCtrlFn", "BioCreateFn", "BioDestroyFn",
                        "CRYPTO_EX_new", "CRYPTO_EX_dup", "CRYPTO_EX_free",
                        "ssl_cert_compression_func_t", "ssl_cert_decompression_func_t"}


def test_parser_reads_parameter_names_and_pointers():
    decls = _lib.parse_declarations(
        "int f(const struct SSL *ssl, unsigned int n, uintptr_t *out, void (*cb)(struct X509*));\n"
        "unsigned long g(void);\nconst char *h(long n);"
    )
    assert decls["f"] == ("int", ["const struct SSL *", "unsigned int", "uintptr_t *", "function pointer"])
    assert decls["g"] == ("unsigned long", [])
    assert decls["h"] == ("const char *", ["long"])


def test_library_version_matches_header():
    text = HEADER.read_text()
    header_version = re.search(r'#define LIBTLS_VERSION_TEXT "([^"]+)"', text).group(1)
    assert _lib.lib().version == header_version
