"""tlslite-ng as the foreign peer of certificate compression (RFC 8879), TLS 1.3 only.

client HOST PORT: handshake offering --receive ALGS (comma separated, or "none"), optionally
with a client certificate (--cert/--key) compressed with one of --send ALGS; send a line, read
the echo. server PORT: accept one connection, requesting a client certificate with --request,
offering --receive ALGS and compressing ours with one of --send ALGS; echo one line.
Each prints one JSON line: which algorithm compressed the server's and the client's
certificate (null when none), and the echo. Runs in the tools virtualenv (test_cert_comp.py).
"""

import argparse
import json
import socket
import sys

from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

MESSAGE = b"hello from tlslite-ng\n"


def algs(text):
    return [] if text == "none" else text.split(",")


def settings_for(a):
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = (3, 4)
    s.certificate_compression_receive = algs(a.receive)
    s.certificate_compression_send = algs(a.send)
    return s


def load(cert, key):
    chain = X509CertChain()
    with open(cert) as f:
        chain.parsePemList(f.read())
    with open(key) as f:
        return chain, parsePEMKey(f.read(), private=True)


def report(conn, echo):
    print(json.dumps({
        "server": conn.server_cert_compression_algo,
        "client": conn.client_cert_compression_algo,
        "echo": echo.decode(errors="replace"),
    }))


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.read(max=1024)
        if not chunk:
            break
        data += chunk
    return data


def client(a):
    sock = socket.create_connection((a.host, a.port), timeout=10)
    conn = TLSConnection(sock)
    chain, key = load(a.cert, a.key) if a.cert else (None, None)
    conn.handshakeClientCert(chain, key, settings=settings_for(a), serverName="localhost")
    conn.write(MESSAGE)
    echo = b""
    while len(echo) < len(MESSAGE):
        chunk = conn.read(max=len(MESSAGE) - len(echo))
        if not chunk:
            break
        echo += chunk
    report(conn, echo)
    conn.close()


def server(a):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", a.port))
    listener.listen(1)
    listener.settimeout(20)
    print(f"listening {listener.getsockname()[1]}", flush=True)
    sock, _ = listener.accept()
    sock.settimeout(10)
    conn = TLSConnection(sock)
    chain, key = load(a.cert, a.key)
    conn.handshakeServer(certChain=chain, privateKey=key, reqCert=a.request,
                         settings=settings_for(a))
    line = read_line(conn)
    report(conn, line)
    try:
        conn.write(line)
        conn.close()
    except Exception:  # the client may have closed already: what counts is reported
        pass
    listener.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("client")
    c.add_argument("host")
    c.add_argument("port", type=int)
    s = sub.add_parser("server")
    s.add_argument("port", type=int)
    s.add_argument("--request", action="store_true")
    for q in (c, s):
        q.add_argument("--receive", default="zlib,brotli,zstd")
        q.add_argument("--send", default="zlib,brotli,zstd")
        q.add_argument("--cert")
        q.add_argument("--key")
    a = p.parse_args()
    (client if a.mode == "client" else server)(a)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
