"""tlslite-ng's client against a TLS server: handshake at one version, send a line, read the
echo, close; with --resume, connect again offering the first session. Prints one JSON line
(version, cipher, echo, resumed). With --no-ems it offers no extended master secret (RFC 7627).
Runs in the tools virtualenv (test_scanner.py, test_ems.py)."""

import argparse
import json
import socket

from tlslite.api import HandshakeSettings, TLSConnection

VERSIONS = {"TLSv1.2": (3, 3), "TLSv1.3": (3, 4)}
MESSAGE = b"hello from tlslite-ng\n"


def connect(host, port, version, session=None, ems=True):
    sock = socket.create_connection((host, port), timeout=10)
    conn = TLSConnection(sock)
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = VERSIONS[version]
    settings.useExtendedMasterSecret = ems
    settings.requireExtendedMasterSecret = False
    conn.handshakeClientCert(settings=settings, session=session, serverName="localhost")
    return conn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("version", choices=sorted(VERSIONS))
    p.add_argument("--resume", action="store_true")
    p.add_argument("--no-ems", action="store_true")
    a = p.parse_args()

    conn = connect(a.host, a.port, a.version, ems=not a.no_ems)
    version = {(3, 3): "TLSv1.2", (3, 4): "TLSv1.3"}.get(tuple(conn.version), str(conn.version))
    conn.write(MESSAGE)
    echo = b""
    while len(echo) < len(MESSAGE):
        chunk = conn.read(max=len(MESSAGE) - len(echo))
        if not chunk:
            break
        echo += chunk
    cipher = conn.getCipherName()
    session = conn.session
    conn.close()
    resumed = False
    if a.resume:
        again = connect(a.host, a.port, a.version, session=session, ems=not a.no_ems)
        resumed = bool(again.resumed)
        again.close()
    print(json.dumps({"version": version, "cipher": cipher, "echo": echo.decode(errors="replace"),
                      "resumed": resumed, "ems": bool(getattr(session, "extendedMasterSecret", False))}))


if __name__ == "__main__":
    main()
