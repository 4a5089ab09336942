"""Every accepted connection gets TCP_NODELAY, also on a listening socket made the way uvicorn makes it
for several web processes (protocol number 0), where asyncio does not set it: without it each kept-alive
request waited ~40 ms for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import socket

from dangan.web.protocol import no_delay


def _accept_one(fix: bool) -> int:
    """TCP_NODELAY of the server side of one connection accepted by asyncio on a protocol-0 socket."""
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if fix:
                no_delay(transport)
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def run() -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # as uvicorn binds it: proto 0
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.read()
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(run())
    return seen[0]


def test_asyncio_leaves_nagle_on_for_such_a_socket_and_the_protocol_turns_it_off() -> None:
    assert _accept_one(fix=False) == 0
    assert _accept_one(fix=True) != 0
