#!/usr/bin/env python3
"""Fetch a page over HTTPS with libtls (through http.client) and print it.

usage: https_get.py [--cafile FILE] [--insecure] [--tls1_2 | --tls1_3] [--cert FILE --key FILE] URL

The page goes to stdout; one line on stderr says what was negotiated:
    https_get: HTTP 200 version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 group=X25519MLKEM768
Exit status: 0 for a 2xx answer, 1 otherwise (including TLS failures, reported on stderr).

Example against the tree's test server:
    build/bin/tlsserver -www -cert pki/server-ecdsa-p256.chain.pem -key pki/server-ecdsa-p256.key 127.0.0.1:8443
    bindings/python/examples/https_get.py --cafile pki/root-ca.pem https://localhost:8443/
"""

import argparse
import http.client
import sys
import urllib.parse
from pathlib import Path

try:
    import libtls
except ImportError:  # run from the source tree, not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import libtls


def make_context(args):
    if args.insecure:
        context = libtls.ClientContext()
        context.check_hostname = False
        context.verify_mode = libtls.CERT_NONE
    else:
        context = libtls.create_default_context(cafile=args.cafile)
    if args.tls1_2:
        context.minimum_version = context.maximum_version = libtls.TLSVersion.TLSv1_2
    if args.tls1_3:
        context.minimum_version = context.maximum_version = libtls.TLSVersion.TLSv1_3
    if args.cert:
        context.load_cert_chain(args.cert, args.key)
    return context


def main():
    parser = argparse.ArgumentParser(description="Fetch an https:// URL with libtls.")
    parser.add_argument("url")
    parser.add_argument("--cafile", help="trust these CA certificates (default: the system's)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the server")
    versions = parser.add_mutually_exclusive_group()
    versions.add_argument("--tls1_2", action="store_true", help="TLS 1.2 only")
    versions.add_argument("--tls1_3", action="store_true", help="TLS 1.3 only")
    parser.add_argument("--cert", help="client certificate chain (PEM)")
    parser.add_argument("--key", help="client private key (PEM)")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "https" or not url.hostname:
        parser.error("the URL must be https://HOST[:PORT]/...")
    path = url.path or "/"
    if url.query:
        path += "?" + url.query

    try:
        connection = http.client.HTTPSConnection(
            url.hostname, url.port or 443, context=make_context(args), timeout=args.timeout
        )
        connection.request("GET", path, headers={"Connection": "close"})
        tls = connection.sock  # http.client lets go of it once a closing response is read
        details = f"version={tls.version()} cipher={tls.cipher()[0]} group={tls.group()}"
        response = connection.getresponse()
        body = response.read()
        connection.close()
    except libtls.TLSError as exc:
        print(f"https_get: TLS failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"https_get: {exc}", file=sys.stderr)
        return 1
    print(f"https_get: HTTP {response.status} {details}".rstrip(), file=sys.stderr)
    sys.stdout.buffer.write(body)
    return 0 if 200 <= response.status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
