"""The lab's TCP servers answer at once: no reply waits out a client's delayed ACK (Nagle)."""

from __future__ import annotations

import asyncio
import socket

from mtasts_tui.lab._net import TcpService, bind_same_port


def test_accepted_connections_have_nagle_turned_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets made with proto=IPPROTO_TCP; the lab's
    listeners are not, so it turns Nagle off itself (else the reply after a TLS handshake
    waits 40 ms behind the session tickets for the client's delayed ACK)."""

    async def run() -> int:
        seen: list[int] = []

        async def handler(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            sock = w.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            w.write(b"hello\n")
            await w.drain()

        service = TcpService(handler)
        port, listening, _ = bind_same_port(["127.0.0.1"])
        service.serve(listening)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(reader.readline(), 5) == b"hello\n"
            writer.close()
        finally:
            await service.close()
        [nodelay] = seen
        return nodelay

    assert asyncio.run(run()) != 0
