"""tlslite-ng's server for one connection: handshake at the versions given, read one line, echo
it, close. Prints one JSON line with the version and the record limits tlslite-ng negotiated
(record_size_limit, RFC 8449): the most plaintext it sends per record and the most it accepts.
Runs in the tools virtualenv (test_record_size_limit.py)."""

import argparse
import json
import socket
import sys

from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

VERSIONS = {"TLSv1.2": (3, 3), "TLSv1.3": (3, 4)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cert")
    p.add_argument("key")
    p.add_argument("version", choices=sorted(VERSIONS))
    p.add_argument("--record-size-limit", type=int, default=2**14 + 1)
    a = p.parse_args()

    chain = X509CertChain()
    chain.parsePemList(open(a.cert).read())
    key = parsePEMKey(open(a.key).read(), private=True)
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = VERSIONS[a.version]
    settings.record_size_limit = a.record_size_limit

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(20)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    sock, _ = listener.accept()
    sock.settimeout(20)
    conn = TLSConnection(sock)
    conn.handshakeServer(certChain=chain, privateKey=key, settings=settings)
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.read()
        if not chunk:
            break
        line += chunk
    conn.write(line)
    version = {(3, 3): "TLSv1.2", (3, 4): "TLSv1.3"}.get(tuple(conn.version), str(conn.version))
    result = {
        "version": version,
        "received": len(line),
        "send_limit": conn._send_record_limit,
        "recv_limit": conn._recv_record_limit,
        "peer_limit": conn._peer_record_size_limit,
    }
    # The client half-closes after its line: read its close_notify before closing, or the socket
    # closes with unread bytes and the kernel answers with a reset that can reach the client
    # before it has read the echo.
    try:
        while conn.read():
            pass
    except Exception:
        pass
    conn.close()
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
