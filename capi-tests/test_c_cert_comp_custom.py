"""Runs each case of capi-tests/c/test_cert_comp_custom.c (custom certificate compression
algorithms through BoringSSL's SSL_CTX_add_cert_compression_alg, in-memory handshakes) as a
pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "round_trip_both_roles",
    "duplicate_id_refused",
    "wrong_length_is_bad_certificate",
    "bomb_bound_before_callback",
    "failing_compress_sends_plain",
    "custom_ahead_of_builtin",
]


@pytest.fixture(scope="module")
def test_cert_comp_custom(bin_dir, impl):
    if impl != "libtls":
        pytest.skip("SSL_CTX_add_cert_compression_alg is BoringSSL's and aws-lc's, not OpenSSL's")
    path = bin_dir / "test_cert_comp_custom"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_cert_comp_custom):
    listed = subprocess.run(
        [test_cert_comp_custom, "--list"], capture_output=True, text=True, timeout=10, check=True
    )
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_cert_comp_custom(test_cert_comp_custom, case):
    result = subprocess.run(
        [test_cert_comp_custom, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
