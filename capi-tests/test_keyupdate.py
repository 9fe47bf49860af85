"""TLS 1.3 KeyUpdate against OpenSSL: `openssl s_client`'s `K` command (update, and ask us to
update too) against our server, and `openssl s_server`'s `K` against our client. Data must keep
flowing both ways afterwards, so both sides really switched keys."""

import subprocess
import time

import pytest

from conftest import cert_args, connected_fields, free_port, pki, require_tool
from test_interop import harness_wait_text, s_server_cert_args

ROOT = pki("root-ca.pem")


def wait_text(proc, text, stream="stdout", timeout=5.0):
    """Waits for `text` in the process's output (openssl prints commands' echoes on stderr)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in proc.stdout or text in proc.stderr:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in {stream} of {proc.args[0]}:\n{proc.stdout}\n{proc.stderr}")


def received_key_update(msg_output):
    """Whether openssl's -msg trace shows a KeyUpdate received from the peer."""
    return any(line.startswith("<<<") and "KeyUpdate" in line for line in msg_output.splitlines())


def test_openssl_client_key_update_against_our_server(harness):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.spawn(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-CAfile", ROOT,
         "-servername", "localhost", "-msg"],
        "s_client-K",
        stdin=subprocess.PIPE,
    )
    stdin = client.popen.stdin
    stdin.write(b"before the update\n")
    stdin.flush()
    harness_wait_text(server, "before the update")
    wait_text(client, "before the update")  # our echo, under the old keys
    stdin.write(b"K\n")  # KeyUpdate with update_requested: we must answer with ours
    stdin.flush()
    wait_text(client, "KEYUPDATE")
    stdin.write(b"after the update\n")
    stdin.flush()
    harness_wait_text(server, "after the update")
    # Our echo arrives under our new keys: s_client decrypts it only if we updated too.
    wait_text(client, "after the update")
    stdin.close()
    client.wait()
    server.wait()
    assert "handshake failed" not in server.stderr
    # -msg shows our answering KeyUpdate arriving ("<<<" is what s_client received).
    assert received_key_update(client.stdout), client.stdout


def test_our_client_answers_openssl_server_key_update(harness):
    require_tool("openssl")
    port = free_port()
    s_server = harness.spawn(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1", "-tls1_3", "-msg",
         *s_server_cert_args("ecdsa-p256")],
        "s_server-K",
        stdin=subprocess.PIPE,
    )
    wait_text(s_server, "ACCEPT")
    client = harness.spawn(
        [harness.bin_dir / "tlsclient", "-timeout", "5", "-CAfile", ROOT, "-servername", "localhost",
         f"127.0.0.1:{port}"],
        "tlsclient-K",
        stdin=subprocess.PIPE,
    )
    wait_text(client, "tlsclient: connected:", stream="stderr")
    connected_fields(client)
    s_server.popen.stdin.write(b"K\n")  # update and request ours
    s_server.popen.stdin.flush()
    # -msg shows s_server's KeyUpdate going out (its own printf report may sit in a buffer).
    wait_text(s_server, "], KeyUpdate")
    s_server.popen.stdin.write(b"from the server after K\n")
    s_server.popen.stdin.flush()
    wait_text(client, "from the server after K")
    client.popen.stdin.write(b"from our client after K\n")
    client.popen.stdin.flush()
    # s_server decrypts this only if our client switched to its new sending keys.
    wait_text(s_server, "from our client after K")
    assert received_key_update(s_server.stdout), s_server.stdout
    client.popen.stdin.close()
    client.wait()
