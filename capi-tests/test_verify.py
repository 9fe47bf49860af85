"""Runs each case of capi-tests/c/test_verify.c (trust locations, host names, flags and
addresses, verified chains, wrong-EKU and self-signed certificates, certificate output) as a
pytest test, with a hashed CA directory made by `openssl rehash` and SSL_CERT_FILE pointing at
the test root."""

import os
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT, pki, require_tool

C_CASES = [
    "wrong_eku",
    "self_signed_leaf",
    "verified_chain",
    "hashed_ca_dir",
    "empty_trust_fails",
    "default_paths_from_env",
    "in_memory_anchor",
    "host_flags",
    "add1_host",
    "ip_addresses",
    "verify_param_calls",
    "subject_alt_names",
    "pem_write_and_name_print",
    "validity_as_time_t",
]


@pytest.fixture(scope="module")
def test_verify(bin_dir):
    path = bin_dir / "test_verify"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


@pytest.fixture(scope="module")
def verify_env(tmp_path_factory):
    """A hashed CA directory (both test roots, as `openssl rehash` names them), an empty
    SSL_CERT_DIR and SSL_CERT_FILE = the test root."""
    require_tool("openssl")
    ca_dir = tmp_path_factory.mktemp("hashed-ca")
    for name in ("root-ca.pem", "untrusted-root-ca.pem"):
        shutil.copy(pki(name), ca_dir / name)
    subprocess.run(["openssl", "rehash", str(ca_dir)], check=True, capture_output=True)
    hashed = [p.name for p in ca_dir.iterdir() if p.name.endswith(".0")]
    assert len(hashed) == 2, hashed
    empty_dir = tmp_path_factory.mktemp("empty-cert-dir")
    env = dict(os.environ)
    env.update(TEST_CA_DIR=str(ca_dir), SSL_CERT_FILE=pki("root-ca.pem"), SSL_CERT_DIR=str(empty_dir))
    return env


def test_case_list_is_complete(test_verify):
    listed = subprocess.run([test_verify, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_verify(test_verify, verify_env, case):
    result = subprocess.run(
        [test_verify, case], cwd=REPO_ROOT, env=verify_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout


def test_hashed_directory_only_reads_hashed_names(test_verify, verify_env, tmp_path):
    """A directory with `HHHHHHHH.N` names is read by those names alone, as OpenSSL does: a stray
    PEM file next to them is not trusted."""
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    shutil.copy(pki("untrusted-root-ca.pem"), ca_dir / "untrusted.pem")
    subprocess.run(["openssl", "rehash", str(ca_dir)], check=True, capture_output=True)
    shutil.copy(pki("root-ca.pem"), ca_dir / "stray-root.pem")
    env = dict(verify_env, TEST_CA_DIR=str(ca_dir))
    result = subprocess.run(
        [test_verify, "hashed_ca_dir"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "FAIL hashed_ca_dir" in result.stdout, result.stdout
