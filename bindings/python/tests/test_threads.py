"""Threads sharing one client and one server context."""

import socket
import threading

from conftest import TIMEOUT, client_context, server_context

THREADS = 8
ROUNDS = 10


def test_threads_share_contexts():
    client_ctx = client_context()
    server_ctx = server_context()
    failures = []

    def serve(sock):
        with server_ctx.wrap_socket(sock, server_side=True) as tls:
            tls.sendall(tls.recv(100)[::-1])

    def worker(index):
        try:
            for round_ in range(ROUNDS):
                left, right = socket.socketpair()
                left.settimeout(TIMEOUT)
                right.settimeout(TIMEOUT)
                server = threading.Thread(target=serve, args=(right,))
                server.start()
                with client_ctx.wrap_socket(left, server_hostname="localhost") as tls:
                    message = f"thread {index} round {round_}".encode()
                    tls.sendall(message)
                    assert tls.recv(100) == message[::-1]
                    assert tls.version() == "TLSv1.3"
                server.join(TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append((index, exc))

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(TIMEOUT * 4)
    assert not failures, failures
    assert not any(t.is_alive() for t in workers)
