"""One HTTP/1.1 GET over TLS, straight on the event loop's transports (the policy fetch).

A fleet `check` makes one policy GET per domain; through httpx each one paid for a client, a
pool, anyio's TLS stream and httpcore's glue around a few hundred bytes of HTTP. Here the loop's
own TLS transport carries the bytes and h11 (the parser httpcore uses) reads the response, so
what a server may send, and how a broken answer is worded, is what httpx made of it.

Bounds: the header block is capped (``MAX_HEADER_BYTES``, as httpcore caps it), reading pauses
while ``READ_HIGH`` bytes wait unread, the body is cut at the caller's cap, and the caller holds
the whole exchange to its time limit.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import cast

import h11

MAX_HEADER_BYTES = 100 * 1024
"""The largest response head (status line and headers) accepted: httpcore's limit."""
READ_HIGH = 64 * 1024
"""Received bytes left unread before the transport stops reading from the socket."""
KEEPALIVE = 5.0
"""Seconds an idle connection may wait for its next request (httpcore's default expiry)."""

DISCONNECTED = "Server disconnected without sending a response."
"""httpcore's words for a server that closed before the response head was complete."""


class ServerDisconnected(Exception):
    """The server closed the connection before a whole response head arrived."""


class Connection(asyncio.Protocol):
    """A TLS connection to one (address, SNI name) that reads only when asked to."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
        self.idle_since = 0.0
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._paused = False
        self._eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    # --- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop may report the TCP transport late, after ``connect`` set it and even after
        # TLS replaced it: only the first word counts. (uvloop's transports are not
        # subclasses of asyncio's, only alike.)
        if self.transport is None:
            self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > READ_HIGH and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        self._eof = True
        self._wake()
        return None  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        if exc is not None and self._error is None:
            self._error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- for the fetch -------------------------------------------------------------------

    async def start_tls(
        self, context: ssl.SSLContext, server_hostname: str, timeout: float
    ) -> None:
        """Upgrade the connected socket to TLS; the handshake checks ``server_hostname``."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        raw = self.transport
        try:
            tls = await loop.start_tls(
                raw,
                self,
                context,
                server_hostname=server_hostname,
                # The caller's bound on the whole fetch fires first and words it.
                ssl_handshake_timeout=timeout + 1.0,
                ssl_shutdown_timeout=timeout,
            )
        except BaseException:
            raw.abort()
            raise
        if tls is None:  # the loop lost the transport while shaking hands
            raise ConnectionResetError("the connection closed during the TLS handshake")
        self.transport = tls
        # Plaintext a server sent before TLS (read while the handshake was being set up) is
        # no part of the answer.
        self._chunks.clear()
        self._buffered = 0
        self._paused = False

    def ssl_object(self) -> ssl.SSLObject | None:
        found = self.transport.get_extra_info("ssl_object") if self.transport else None
        return found if isinstance(found, ssl.SSLObject) else None

    def usable(self, now: float) -> bool:
        """Whether an idle connection can carry another request: the server has neither
        closed it nor sent anything unasked, and it has not waited past ``KEEPALIVE``."""
        transport = self.transport
        return (
            transport is not None
            and not transport.is_closing()
            and not self._eof
            and not self._chunks
            and now - self.idle_since < KEEPALIVE
        )

    async def read(self) -> bytes:
        """What arrived since the last read (waiting for some); b"" once the server closed."""
        while not self._chunks:
            if self._eof:
                if self._error is not None:
                    raise self._error
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    def close(self) -> None:
        """Close politely (TLS close_notify, bounded by the shutdown timeout)."""
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once: a failed, cut or cancelled exchange."""
        if self.transport is not None:
            self.transport.abort()


async def connect(
    address: str, port: int, context: ssl.SSLContext, server_hostname: str, timeout: float
) -> Connection:
    """A TCP connection to ``address`` (raises OSError), then TLS for ``server_hostname``
    (raises ``TlsFailed`` around whatever the handshake raised)."""
    loop = asyncio.get_running_loop()
    transport, conn = await loop.create_connection(Connection, address, port)
    # uvloop may call connection_made only after returning: the transport is known here.
    conn.transport = transport
    try:
        await conn.start_tls(context, server_hostname, timeout)
    except (OSError, ssl.SSLError) as exc:
        conn.abort()
        raise TlsFailed(exc) from exc
    except BaseException:
        conn.abort()
        raise
    return conn


class TlsFailed(Exception):
    """The TLS handshake failed (after TCP connected); ``cause`` is what the loop raised."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    """Header names in lower case, values as sent (h11 strips and unfolds them)."""
    body: bytes
    truncated: bool
    reusable: bool
    """The exchange ended cleanly and both sides allow another request on the connection."""

    def header(self, name: bytes) -> str | None:
        """One header's values joined by ", ", decoded as httpx decodes a response's headers:
        ASCII, else UTF-8 if every header is, else Latin-1."""
        values = [v for k, v in self.headers if k == name]
        if not values:
            return None
        joined = b", ".join(values)
        return joined.decode(_encoding(self.headers))


def _encoding(headers: tuple[tuple[bytes, bytes], ...]) -> str:
    raw = b"".join(k + v for k, v in headers)
    for encoding in ("ascii", "utf-8"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "iso-8859-1"


async def get(conn: Connection, target: str, headers: list[tuple[str, str]], cap: int) -> Response:
    """Send one GET and read its response, the body cut at ``cap`` bytes.

    Raises ``Unheard`` when the server closed or reset before a single byte of its answer (a
    reused connection that the server had given up on: safe to retry on a new one),
    ``ServerDisconnected`` or ``h11.RemoteProtocolError`` for a broken answer, OSError for a
    broken connection.
    """
    machine = conn.h11
    assert conn.transport is not None
    request = machine.send(h11.Request(method="GET", target=target, headers=headers))
    request += machine.send(h11.EndOfMessage()) or b""
    conn.transport.write(request)
    heard = False
    while True:  # the head; 1xx answers before it are skipped, as httpcore does
        event = machine.next_event()
        if event is h11.NEED_DATA:
            try:
                data = await conn.read()
            except ConnectionError as exc:  # a TLS error is not the server giving up: it counts
                if heard:
                    raise
                raise Unheard(exc) from exc
            if not data and machine.their_state is h11.SEND_RESPONSE:
                raise ServerDisconnected(DISCONNECTED) if heard else Unheard(None)
            heard = True
            machine.receive_data(data)
        elif isinstance(event, h11.Response):
            break
        elif not isinstance(event, h11.InformationalResponse):  # pragma: no cover - h11's rule
            raise h11.RemoteProtocolError(f"unexpected {type(event).__name__}")
    chunks: list[bytes] = []
    size = 0
    while True:
        body_event = machine.next_event()
        if body_event is h11.NEED_DATA:
            machine.receive_data(await conn.read())
        elif isinstance(body_event, h11.Data):
            chunks.append(bytes(body_event.data))
            size += len(body_event.data)
            if size > cap:
                return _response(event, b"".join(chunks)[:cap], truncated=True, reusable=False)
        else:  # EndOfMessage (h11 raises for a body cut short instead)
            break
    reusable = machine.our_state is h11.DONE and machine.their_state is h11.DONE
    if reusable:
        machine.start_next_cycle()
    return _response(event, b"".join(chunks), truncated=False, reusable=reusable)


class Unheard(ServerDisconnected):
    """The server closed (``cause`` None) or reset (``cause`` the OSError) the connection
    before sending a single byte of its answer."""

    def __init__(self, cause: ConnectionError | None) -> None:
        super().__init__(DISCONNECTED)
        self.cause = cause


def _response(event: h11.Response, body: bytes, *, truncated: bool, reusable: bool) -> Response:
    return Response(
        status=event.status_code,
        headers=tuple((bytes(k), bytes(v)) for k, v in event.headers),
        body=body,
        truncated=truncated,
        reusable=reusable,
    )
