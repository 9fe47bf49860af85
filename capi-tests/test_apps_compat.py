"""Runs each case of capi-tests/c/test_apps.c (what real OpenSSL programs rely on: read-ahead,
OpenSSL 1.0 spellings, SSL_ctrl commands) as a pytest test; the same source builds against
OpenSSL (make test-openssl)."""

import os
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "read_ahead_off_by_default",
    "read_ahead_on",
    "read_ahead_per_ssl",
    "openssl10_spellings_tls12",
    "openssl10_spellings_tls13",
    "ctrl_commands",
    "extra_chain_cert",
    "extra_chain_cert_needed",
    "default_passwd_cb",
    "per_connection_cert_and_ciphers",
    "encrypted_key_ctx",
    "encrypted_key_wrong_password",
    "encrypted_key_ssl",
    "get_certificate_privatekey",
    "store_hash_dir",
    "store_crl",
    "store_filled_after_start",
]


@pytest.fixture(scope="module")
def test_apps(bin_dir):
    path = bin_dir / "test_apps"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_apps):
    listed = subprocess.run([test_apps, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.fixture(scope="module")
def encrypted_keys(tmp_path_factory):
    """Password-protected copies of two test keys, made with the openssl CLI (password
    "sesame"): PKCS#8 (`openssl pkey -aes256`) and OpenSSL's traditional format
    (`openssl rsa -aes256 -traditional`, Proc-Type: 4,ENCRYPTED)."""
    out = tmp_path_factory.mktemp("encrypted-keys")
    pki = REPO_ROOT / "pki"
    for cmd in (["pkey", "-in", pki / "server-ecdsa-p256.key", "-out", out / "ecdsa-p256.pkcs8-aes256.key"],
                ["rsa", "-traditional", "-in", pki / "server-rsa2048.key", "-out",
                 out / "rsa2048.traditional-aes256.key"]):
        subprocess.run(["openssl", *map(str, cmd), "-aes256", "-passout", "pass:sesame"], check=True,
                       capture_output=True, timeout=30)
    assert b"ENCRYPTED PRIVATE KEY" in (out / "ecdsa-p256.pkcs8-aes256.key").read_bytes()
    assert b"Proc-Type: 4,ENCRYPTED" in (out / "rsa2048.traditional-aes256.key").read_bytes()
    # Hashed CA directories (`openssl rehash`): one with the root, one with another CA only.
    for name, ca in (("capath-root", "root-ca.pem"), ("capath-other", "selfsigned-localhost.pem")):
        (out / name).mkdir()
        shutil.copy(pki / ca, out / name / ca)
        subprocess.run(["openssl", "rehash", str(out / name)], check=True, capture_output=True, timeout=30)
    # CRLs from `openssl ca -gencrl`, one for each issuer of the server's path (the root's is
    # empty); the intermediate's lists the server certificate in crls-revoked.pem.
    for revoked in (False, True):
        pem = b""
        for issuer in ("intermediate-ca", "root-ca"):
            d = out / f"ca-{issuer}-{int(revoked)}"
            d.mkdir()
            (d / "index.txt").write_text("")
            (d / "crlnumber").write_text("01\n")
            (d / "ca.cnf").write_text(
                f"[ca]\ndefault_ca = d\n[d]\ndatabase = {d}/index.txt\ncrlnumber = {d}/crlnumber\n"
                "default_md = sha256\ndefault_crl_days = 30\ncrl_extensions = ext\n"
                "[ext]\nauthorityKeyIdentifier = keyid:always\n")
            base = ["openssl", "ca", "-batch", "-config", str(d / "ca.cnf"), "-keyfile", str(pki / f"{issuer}.key"),
                    "-cert", str(pki / f"{issuer}.pem")]
            if revoked and issuer == "intermediate-ca":
                subprocess.run([*base, "-revoke", str(pki / "server-ecdsa-p256.pem")], check=True,
                               capture_output=True, timeout=30)
            subprocess.run([*base, "-gencrl", "-out", str(d / "crl.pem")], check=True, capture_output=True,
                           timeout=30)
            pem += (d / "crl.pem").read_bytes()
        (out / f"crls-{'revoked' if revoked else 'clean'}.pem").write_bytes(pem)
    return out


@pytest.mark.parametrize("case", C_CASES)
def test_c_apps(test_apps, case, encrypted_keys):
    env = dict(os.environ, LIBTLS_TEST_KEY_DIR=str(encrypted_keys))
    result = subprocess.run([test_apps, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
