"""The asyncio helpers: echo through libtls on both ends, and against asyncio's own ssl."""

import asyncio

import pytest
from conftest import client_context, python_client_context, python_server_context, server_context

import libtls
from libtls import aio


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


async def upper_echo(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data.upper())
        await writer.drain()
    writer.close()
    await writer.wait_closed()


def test_echo_between_libtls_client_and_server():
    async def main():
        server = await aio.start_server(upper_echo, "127.0.0.1", 0, context=server_context())
        port = server.sockets[0].getsockname()[1]
        reader, writer = await aio.open_connection("127.0.0.1", port, context=client_context(), server_hostname="localhost")
        assert writer.get_extra_info("tls_version") == "TLSv1.3"
        assert writer.get_extra_info("peercert")["subject"] == ((("commonName", "localhost"),),)
        for line in (b"one\n", b"two\n"):
            writer.write(line)
            await writer.drain()
            assert await reader.readline() == line.upper()
        bulk = bytes(range(256)) * 2000  # several records
        writer.write(bulk)
        await writer.drain()
        assert await reader.readexactly(len(bulk)) == bulk.upper()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run(main())


def test_libtls_client_against_asyncio_ssl_server():
    async def main():
        server = await asyncio.start_server(upper_echo, "127.0.0.1", 0, ssl=python_server_context())
        port = server.sockets[0].getsockname()[1]
        context = client_context()
        context.maximum_version = libtls.TLSVersion.TLSv1_2
        reader, writer = await aio.open_connection("localhost", port, context=context)
        assert writer.get_extra_info("tls_version") == "TLSv1.2"
        writer.write(b"asyncio ssl\n")
        assert await reader.readline() == b"ASYNCIO SSL\n"
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run(main())


def test_asyncio_ssl_client_against_libtls_server():
    async def main():
        server = await aio.start_server(upper_echo, "127.0.0.1", 0, context=server_context())
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=python_client_context(), server_hostname="localhost")
        writer.write(b"from ssl\n")
        assert await reader.readline() == b"FROM SSL\n"
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run(main())


def test_failed_handshake_raises_from_open_connection_and_reaches_the_server_handler():
    async def main():
        loop = asyncio.get_running_loop()
        reported = loop.create_future()
        loop.set_exception_handler(lambda loop, ctx: reported.done() or reported.set_result(ctx["exception"]))
        server = await aio.start_server(upper_echo, "127.0.0.1", 0, context=server_context("wrong-name"))
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(libtls.CertificateError) as info:
            await aio.open_connection("127.0.0.1", port, context=client_context(), server_hostname="localhost")
        assert info.value.verify_code == 62
        assert isinstance(await reported, libtls.AlertReceived)
        server.close()
        await server.wait_closed()

    run(main())


def test_many_concurrent_connections():
    async def main():
        server = await aio.start_server(upper_echo, "127.0.0.1", 0, context=server_context())
        port = server.sockets[0].getsockname()[1]
        context = client_context()

        async def one(i):
            reader, writer = await aio.open_connection("127.0.0.1", port, context=context, server_hostname="localhost")
            writer.write(b"client %d\n" % i)
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
            return line

        lines = await asyncio.gather(*(one(i) for i in range(20)))
        assert lines == [b"CLIENT %d\n" % i for i in range(20)]
        server.close()
        await server.wait_closed()

    run(main())
