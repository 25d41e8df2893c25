"""A raw HTTPS server on loopback whose every byte a test chooses (for the policy GET).

The lab's policy server always answers well-formed HTTP/1.1 and closes; these servers do what a
broken or hostile web server does: close mid-headers, send a header block without end, trickle,
reset, keep a connection alive for a second request. Each connection's SNI name and the raw
requests it carried are recorded, so a test can tell which name a connection served.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from mtasts_tui.probe.network import Network, ProbeConfig


@dataclass
class Seen:
    """One accepted connection: the SNI name it asked for and every request head it sent."""

    sni: str | None = None
    requests: list[bytes] = field(default_factory=list)
    closed_by_client: bool = False


Handler = Callable[["Session"], Awaitable[None]]


class Session:
    """The server side of one connection, for a handler to script."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.seen = seen

    async def request(self) -> bytes | None:
        """The next request head (through the blank line), or None when the client closed."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            self.seen.closed_by_client = True
            return None
        self.seen.requests.append(head)
        return head

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def wait_closed_by_client(self, limit: float = 5.0) -> bool:
        """Whether the client closes its end (politely or not) within ``limit`` seconds."""
        try:
            async with asyncio.timeout(limit):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except (OSError, ssl.SSLError):
            pass  # reset, or closed without close_notify: closed all the same
        self.seen.closed_by_client = True
        return True

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), as a crashed or hostile server does."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


class PolicyServer:
    """HTTPS on 127.0.0.1 with a test CA; certificates for any name given in ``names``."""

    def __init__(self, directory: Path, names: tuple[str, ...], handler: Handler) -> None:
        self.ca = trustme.CA()
        self.ca_file = directory / "policy-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.handler = handler
        self.connections: list[Seen] = []
        self._contexts = {n: self._context(n) for n in names}
        self._default = self._contexts[names[0]]
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def _context(self, name: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(name).configure_cert(context)
        return context

    def network(self, timeout: float = 2.0) -> Network:
        return Network.from_config(
            ProbeConfig(
                resolvers=(("127.0.0.1", 9),),  # never asked: the tests pass addresses
                ca_file=str(self.ca_file),
                https_port=self.port,
                timeout=timeout,
            )
        )

    async def __aenter__(self) -> PolicyServer:
        def on_sni(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            sslobj.sni_name = name  # type: ignore[attr-defined]
            if name in self._contexts:
                sslobj.context = self._contexts[name]

        self._default.sni_callback = on_sni
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        seen = Seen()
        self.connections.append(seen)
        try:
            try:
                await writer.start_tls(self._default)
            except (OSError, ssl.SSLError):
                return
            ssl_object = writer.get_extra_info("ssl_object")
            seen.sni = getattr(ssl_object, "sni_name", None)
            with contextlib.suppress(OSError, ssl.SSLError, asyncio.IncompleteReadError):
                await self.handler(Session(reader, writer, seen))
        except asyncio.CancelledError:
            # Stopped at the end of a test: end quietly (asyncio reports a cancelled handler).
            return
        finally:
            writer.close()
            self._tasks.discard(task)


@contextlib.asynccontextmanager
async def serving(directory: Path, handler: Handler, *names: str) -> AsyncIterator[PolicyServer]:
    async with PolicyServer(directory, names or ("mta-sts.example.test",), handler) as server:
        yield server
