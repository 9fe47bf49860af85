"""The epoll example (examples/epoll_echo.c): hundreds of concurrent non-blocking connections
in one thread on each side, every SSL call resumed after WANT_READ / WANT_WRITE."""

import re

from conftest import pki


def test_epoll_echo_handles_hundreds_of_connections(harness):
    server = harness.spawn(
        [harness.bin_dir / "epoll_echo", "server", pki("server-ecdsa-p256.chain.pem"), pki("server-ecdsa-p256.key")],
        "epoll-server",
    )
    port = int(server.wait_for_stderr(r"listening on 127\.0\.0\.1:(\d+)").group(1))
    client = harness.run(
        [harness.bin_dir / "epoll_echo", "client", pki("root-ca.pem"), str(port), "300", "3"],
        "epoll-client",
        timeout=90,
    )
    assert client.returncode == 0, client.stdout + client.stderr
    assert re.search(r"300 connections, 300 ok, 0 failed, 0 unfinished", client.stdout), client.stdout
