"""Runs each case of capi-tests/c/test_export.c (SSL_export_keying_material on both ends of a
TLS 1.2 and a TLS 1.3 connection, its failures, the early exporter without early data) as a
pytest test. The C source states OpenSSL's behaviour, so the same cases pass against both
implementations."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_export --list (checked by test_case_list_is_complete).
C_CASES = [
    "export_tls12",
    "export_tls13",
    "export_before_the_handshake_fails",
    "export_reserved_tls12_label_fails",
    "export_early_without_early_data_fails",
]


@pytest.fixture(scope="module")
def test_export(bin_dir):
    path = bin_dir / "test_export"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_export):
    listed = subprocess.run([test_export, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_export(test_export, case):
    result = subprocess.run([test_export, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
