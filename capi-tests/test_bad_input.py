"""Malformed input: raw sockets against tlsserver, and a tiny fake server against tlsclient.

For the server we assert the fatal alert it sends back (a plaintext record 15 03 0x 00 02 02 XX)
where the protocol leaves one choice, a small set where reasonable implementations differ, and
in every case that nothing hangs and the server still serves the next connection."""

import os
import re
import socket
import struct

import pytest

import tlswire
from conftest import cert_args, connected_fields, pki

ROOT = pki("root-ca.pem")

DECODE_ERROR = 50
ILLEGAL_PARAMETER = 47
RECORD_OVERFLOW = 22
UNEXPECTED_MESSAGE = 10
PROTOCOL_VERSION = 70


def record(content_type, body, version=b"\x03\x01"):
    return bytes([content_type]) + version + struct.pack(">H", len(body)) + body


def handshake(msg_type, body, declared_length=None):
    length = len(body) if declared_length is None else declared_length
    return bytes([msg_type]) + length.to_bytes(3, "big") + body


def extension(ext_type, data):
    return struct.pack(">HH", ext_type, len(data)) + data


def client_hello_body():
    """A well-formed TLS 1.3 ClientHello offering X25519 (with a random, unused key share)."""
    suites = struct.pack(">HHH", 0x1301, 0x1302, 0x1303)
    sigalgs = struct.pack(">HHHHH", 0x0403, 0x0804, 0x0805, 0x0401, 0x0807)
    key_share = struct.pack(">HH", 0x001D, 32) + os.urandom(32)
    host = b"localhost"
    extensions = b"".join(
        [
            extension(0, struct.pack(">HBH", len(host) + 3, 0, len(host)) + host),  # server_name
            extension(10, struct.pack(">HHH", 4, 0x001D, 0x0017)),  # supported_groups
            extension(13, struct.pack(">H", len(sigalgs)) + sigalgs),  # signature_algorithms
            extension(43, b"\x02\x03\x04"),  # supported_versions: TLS 1.3
            extension(51, struct.pack(">H", len(key_share)) + key_share),  # key_share
        ]
    )
    return (
        b"\x03\x03"
        + os.urandom(32)
        + b"\x20"
        + os.urandom(32)
        + struct.pack(">H", len(suites))
        + suites
        + b"\x01\x00"
        + struct.pack(">H", len(extensions))
        + extensions
    )


def exchange(port, payload, half_close=True, timeout=8.0):
    """Sends payload, optionally half-closes, returns every byte the server sends until it
    closes. Raises if the server neither answers nor closes within the timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendall(payload)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while True:
                data = sock.recv(4096)
                if not data:
                    break
                received += data
        except ConnectionResetError:
            pass
        except socket.timeout:
            raise AssertionError(f"server neither answered nor closed within {timeout}s (got {received.hex()})")
        return received


def alert_of(data, impl):
    """The description byte of the fatal alert record that data starts with. OpenSSL sometimes
    labels early alerts 03 01; libtls always uses 03 03 (RFC 8446 5.1)."""
    assert len(data) >= 7, f"expected a 7-byte alert record, got {data.hex() or 'nothing'}"
    record_versions = (0x03,) if impl == "libtls" else (0x01, 0x03)
    assert data[0] == 0x15 and data[1] == 0x03 and data[2] in record_versions, data.hex()
    assert data[3:6] == b"\x00\x02\x02", f"not a fatal alert: {data.hex()}"
    return data[6]


class Case:
    def __init__(self, payload, alerts, silent_close_ok=False, half_close=True, libtls_alerts=None):
        self.payload = payload
        self.alerts = alerts  # accepted alert descriptions
        self.silent_close_ok = silent_close_ok  # a close without alert is also fine
        self.half_close = half_close
        self.libtls_alerts = libtls_alerts  # stricter expectation for libtls only


def server_cases():
    hello = client_hello_body()
    full = record(22, handshake(1, hello))
    # Cut inside the extensions; the handshake and record lengths agree with what is sent.
    cut = hello[:-20]
    return {
        # The record header promises more than ever arrives before EOF: nothing to answer.
        "truncated_record": Case(full[:-30], alerts={DECODE_ERROR}, silent_close_ok=True),
        # Message and record lengths consistent, but the body ends inside the extensions.
        "truncated_client_hello": Case(record(22, handshake(1, cut)), alerts={DECODE_ERROR}),
        # Handshake header claims far more than any ClientHello may be.
        "forged_inner_length": Case(
            record(22, handshake(1, hello, declared_length=0xFFFFF0)),
            alerts={DECODE_ERROR, ILLEGAL_PARAMETER},
            libtls_alerts={DECODE_ERROR, ILLEGAL_PARAMETER},
        ),
        # Inner length shorter than the body: the ClientHello's own vectors overrun it.
        "forged_short_inner_length": Case(
            record(22, handshake(1, hello, declared_length=len(hello) - 40)), alerts={DECODE_ERROR}
        ),
        "oversized_record": Case(record(22, b"\x00" * (2**14 + 257)), alerts={RECORD_OVERFLOW}),
        "garbage": Case(bytes(range(0x80, 0xC0)) * 2, alerts={UNEXPECTED_MESSAGE, PROTOCOL_VERSION, DECODE_ERROR},
                        silent_close_ok=True),
        "finished_first": Case(record(22, handshake(20, b"\x00" * 32)), alerts={UNEXPECTED_MESSAGE}),
        "application_data_first": Case(record(23, b"hello"), alerts={UNEXPECTED_MESSAGE}),
        "http_request": Case(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                             alerts={UNEXPECTED_MESSAGE, PROTOCOL_VERSION, DECODE_ERROR}, silent_close_ok=True),
    }


SERVER_CASES = server_cases()


@pytest.mark.parametrize("name", sorted(SERVER_CASES))
def test_server_rejects(harness, impl, name):
    case = SERVER_CASES[name]
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), naccept=2)
    received = exchange(port, case.payload, half_close=case.half_close)
    if received or not case.silent_close_ok:
        allowed = case.libtls_alerts if (impl == "libtls" and case.libtls_alerts) else case.alerts
        assert alert_of(received, impl) in allowed, f"{name}: got {received.hex()}"
    server.wait_for_stderr(r"^tlsserver: handshake failed: ")
    # Still alive and serving.
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "after\n", f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert connected_fields(client)["verify"] == "ok"


def test_server_times_out_silent_client(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-timeout", "1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(record(22, handshake(1, client_hello_body()))[:20])
        sock.settimeout(10)
        try:
            # The server gives up after its 1 s timeout and closes (with or without an alert).
            while sock.recv(100):
                pass
        except ConnectionResetError:
            pass
    server.wait(timeout=10)
    assert "tlsserver: handshake failed:" in server.stderr


# ---- the client against a fake server --------------------------------------------------------------


def server_hello_body():
    return (
        b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32) + b"\x13\x01\x00"
        + struct.pack(">H", 46)
        + extension(43, b"\x03\x04")
        + extension(51, struct.pack(">HH", 0x001D, 32) + os.urandom(32))
    )


class FakeServer(tlswire.OneConnectionServer):
    """Accepts one connection, reads the ClientHello, answers with canned bytes, then reads
    whatever the client sends (its alert) until it closes."""

    def __init__(self, reply, close_after=True):
        self.reply = reply
        self.close_after = close_after
        self.from_client = b""
        super().__init__(timeout=10, conn_timeout=8)

    def serve(self, conn):
        conn.recv(65536)  # the ClientHello (enough for this purpose)
        if self.reply is None:
            conn.recv(65536)  # stay silent until the client gives up
            return
        conn.sendall(self.reply)
        if self.close_after:
            conn.shutdown(socket.SHUT_WR)
        while True:
            data = conn.recv(4096)
            if not data:
                break
            self.from_client += data


CLIENT_CASES = {
    "garbage": (bytes(range(0x80, 0xC0)) * 2, r"wrong version number|unexpected|bad record type|packet|decode"),
    "http_response": (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
                      r"wrong version number|unexpected|bad record type|packet|decode"),
    "truncated_server_hello": (record(22, handshake(2, server_hello_body()), b"\x03\x03")[:40],
                               r"unexpected eof|errno=|SSL_ERROR_SYSCALL"),
    "oversized_record": (record(22, b"\x00" * (2**14 + 257), b"\x03\x03"),
                         r"record overflow|packet length too long|encrypted length too long|data length too long"),
    "finished_first": (record(22, handshake(20, b"\x00" * 32), b"\x03\x03"), r"unexpected message"),
    "forged_inner_length": (record(22, handshake(2, server_hello_body(), declared_length=0xFFFFF0), b"\x03\x03"),
                            r"excessive message size|length|decode|bad"),
    "alert_from_server": (record(21, b"\x02\x28", b"\x03\x03"), r"alert handshake failure"),
}


@pytest.mark.parametrize("name", sorted(CLIENT_CASES))
def test_client_rejects(harness, impl, name):
    reply, reason = CLIENT_CASES[name]
    fake = FakeServer(reply)
    try:
        client = harness.tlsclient("-CAfile", ROOT, "-msg", "x", f"localhost:{fake.port}")
    finally:
        fake.close()
    assert client.returncode == 1, client.stderr
    failure = re.search(r"^tlsclient: handshake failed: (.*)$", client.stderr, re.MULTILINE)
    assert failure, client.stderr
    assert re.search(reason, failure.group(1), re.IGNORECASE), failure.group(1)
    if name == "oversized_record":
        assert alert_of(fake.from_client, impl) == RECORD_OVERFLOW
    if name == "finished_first":
        assert alert_of(fake.from_client, impl) == UNEXPECTED_MESSAGE


def test_client_times_out_silent_server(harness):
    fake = FakeServer(None)
    try:
        client = harness.tlsclient("-CAfile", ROOT, "-timeout", "1", "-msg", "x", f"localhost:{fake.port}", timeout=10)
    finally:
        fake.close()
    assert client.returncode == 1
    assert "timeout" in client.stderr
