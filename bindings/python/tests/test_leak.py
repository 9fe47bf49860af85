"""Memory stays bounded over 10,000 full connections (handshake, data, close) in one process."""

import gc
import os

from conftest import MemoryPair, client_context, server_context

CONNECTIONS = 10_000
WARMUP = 1_000
# Generous against allocator noise, far below what one leaked SSL or context per connection
# (several kilobytes each) would add up to over 9,000 connections.
MAX_GROWTH_BYTES = 12 * 1024 * 1024


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_connection(client_ctx, server_ctx):
    pair = MemoryPair(client_ctx, server_ctx)
    assert pair.handshake() == (None, None)
    pair.client.write(b"ping")
    pair.pump()
    assert pair.server.read() == b"ping"
    assert pair.client.getpeercert()["subject"]
    pair.close()


def test_no_leak_over_ten_thousand_connections():
    client_ctx = client_context()
    server_ctx = server_context()
    # X25519 alone keeps the test quick; the leak question is the same for every group.
    client_ctx.set_groups(["X25519"])
    for _ in range(WARMUP):
        one_connection(client_ctx, server_ctx)
    gc.collect()
    baseline = rss_bytes()
    for _ in range(CONNECTIONS - WARMUP):
        one_connection(client_ctx, server_ctx)
    gc.collect()
    growth = rss_bytes() - baseline
    assert growth < MAX_GROWTH_BYTES, f"RSS grew by {growth / 1e6:.1f} MB over {CONNECTIONS - WARMUP} connections"
