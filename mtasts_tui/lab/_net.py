"""Socket plumbing shared by the lab servers: same-port binding, TCP and UDP services we own.

We accept connections ourselves (``loop.sock_accept`` + ``connect_accepted_socket``) instead of
using ``asyncio.start_server``: every accepted socket is tracked from the first moment, so
``close()`` can always close it. (On Python 3.11, closing an ``asyncio.Server`` while a connection
is between ``accept()`` and its transport leaks that socket.)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
ContextFor = Callable[[str], ssl.SSLContext]
"""The TLS context to serve on one listening address."""
DatagramHandler = Callable[[bytes, tuple[str, int]], None]

BIND_ATTEMPTS = 25
BACKLOG = 512
STREAM_LIMIT = 64 * 1024
UDP_BATCH = 64
"""Datagrams read per wake-up of a :class:`UdpService`."""
UDP_BACKLOG = 4096
"""Replies a :class:`UdpService` holds while its socket's send buffer is full (more are dropped,
as UDP may drop them anyway)."""
MAX_DATAGRAM = 65535


IPV6_LOOPBACK = "::1"


def check_loopback(host: str) -> None:
    """The lab never binds anything but 127.0.0.0/8 and ::1."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the lab binds loopback addresses only, not {host}")


def family_of(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def ipv6_loopback_available() -> bool:
    """Whether ``::1`` can be bound here (IPv6 is often disabled in containers)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind((IPV6_LOOPBACK, 0))
    except OSError:
        return False
    return True


def is_addr_in_use(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE


def bind_same_port(
    hosts: Sequence[str], *, port: int = 0, reserve: Sequence[str] = ()
) -> tuple[int, list[socket.socket], list[socket.socket]]:
    """Listening TCP sockets on every host in ``hosts``, all on one port (retrying on EADDRINUSE).

    ``reserve`` hosts get a socket bound to the same port that never listens: connections there
    are refused, and no other program can take the address meanwhile.
    Returns ``(port, listening, reserved)``.
    """
    for host in [*hosts, *reserve]:
        check_loopback(host)
    last: OSError | None = None
    for _ in range(BIND_ATTEMPTS if port == 0 else 1):
        made: list[socket.socket] = []
        chosen = port
        try:
            for host in [*hosts, *reserve]:
                sock = socket.socket(family_of(host), socket.SOCK_STREAM)
                made.append(sock)
                if host in hosts:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((host, chosen))
                if host in hosts:
                    sock.listen(BACKLOG)
                    sock.setblocking(False)
                if chosen == 0:
                    chosen = sock.getsockname()[1]
            return chosen, made[: len(hosts)], made[len(hosts) :]
        except OSError as exc:
            for sock in made:
                sock.close()
            if not is_addr_in_use(exc):
                raise
            last = exc
    raise OSError(errno.EADDRINUSE, f"no free common port for {len(hosts)} hosts") from last


class TcpService:
    """Serves ``handler`` on listening sockets; ``close()`` ends listeners and connections.

    With ``tls``, every connection starts with a TLS handshake (in the context it gives for the
    listening address) before the handler sees it; a failed handshake just ends the connection.
    """

    def __init__(
        self,
        handler: StreamHandler,
        tls: ContextFor | None = None,
        tls_handshake_timeout: float = 10.0,
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.tls_handshake_timeout = tls_handshake_timeout
        self._listeners: list[socket.socket] = []
        self._reserved: list[socket.socket] = []
        self._accepted: set[socket.socket] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def serve(
        self, listening: Sequence[socket.socket], reserved: Sequence[socket.socket] = ()
    ) -> None:
        """Start accepting on ``listening``; keep ``reserved`` sockets open until ``close()``."""
        loop = asyncio.get_running_loop()
        self._reserved.extend(reserved)
        for sock in listening:
            self._listeners.append(sock)
            loop.add_reader(sock.fileno(), self._accept, sock)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a task that ``close()`` cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _accept(self, listener: socket.socket) -> None:
        """Reader callback: accept what is queued; each socket is tracked the moment it exists."""
        for _ in range(BACKLOG):
            try:
                conn, _ = listener.accept()
            except OSError:  # empty queue (EAGAIN), or EMFILE under a benchmark
                return
            conn.setblocking(False)
            # asyncio sets TCP_NODELAY only on sockets made with proto=IPPROTO_TCP, not on
            # these: without it the reply after a TLS handshake waits out the client's delayed
            # ACK (40 ms on Linux) behind the session tickets, a stall no real network adds.
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._accepted.add(conn)
            if self._closed:
                return
            self.spawn(self._serve(conn))

    async def _serve(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        try:
            reader = asyncio.StreamReader(limit=STREAM_LIMIT)
            made: list[asyncio.StreamWriter] = []

            def connected(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                made.append(w)

            # A client_connected_cb makes the protocol server-side (needed by start_tls).
            protocol = asyncio.StreamReaderProtocol(reader, connected)
            if self.tls is None:
                await loop.connect_accepted_socket(lambda: protocol, conn)
            else:
                # TLS from the first byte: cheaper than start_tls on a plain stream, and no
                # byte of the client's hello can reach the plain stream first.
                await loop.connect_accepted_socket(
                    lambda: protocol,
                    conn,
                    ssl=self.tls(conn.getsockname()[0]),
                    ssl_handshake_timeout=self.tls_handshake_timeout,
                )
            writer = made[0]
            self._writers.add(writer)
            await self.handler(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # a reset, a timeout, a handshake the client gave up (ssl.SSLError)
        finally:
            if writer is not None:
                self._writers.discard(writer)
                writer.close()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(writer.wait_closed(), 1)
            conn.close()
            self._accepted.discard(conn)

    async def close(self) -> None:
        self._closed = True
        for writer in list(self._writers):
            writer.transport.abort()
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        for sock in [*self._listeners, *self._reserved, *self._accepted]:
            sock.close()
        self._listeners.clear()
        self._reserved.clear()
        self._accepted.clear()


class UdpService:
    """A UDP socket read straight from the event loop: ``handler(data, addr)`` per datagram.

    Not an asyncio datagram transport: that reads one datagram per trip through the event loop,
    and a fleet benchmark sends hundreds of queries at once (a trip costs more than a plain
    answer). Sends go out at once, or wait in a bounded queue while the send buffer is full.
    """

    def __init__(self, handler: DatagramHandler) -> None:
        self.handler = handler
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: deque[tuple[bytes, tuple[str, int]]] = deque()

    def bind(self, host: str, port: int = 0) -> int:
        """Bind ``host:port`` (0: any free port); returns the port."""
        check_loopback(host)
        sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
        try:
            # A fleet benchmark sends hundreds of queries at once: hold them, do not drop them.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.setblocking(False)
            sock.bind((host, port))
            bound: int = sock.getsockname()[1]
        except OSError:
            sock.close()
            raise
        self._sock = sock
        return bound

    def serve(self) -> None:
        """Start reading (in the running loop)."""
        if self._sock is None:
            raise RuntimeError("bind() first")
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._sock.fileno(), self._read)

    @property
    def closed(self) -> bool:
        return self._sock is None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(sock.fileno())
            self._loop.remove_writer(sock.fileno())
        self._waiting.clear()
        sock.close()

    def _read(self) -> None:
        for _ in range(UDP_BATCH):
            sock = self._sock
            if sock is None:  # a handler closed the service
                return
            try:
                data, addr = sock.recvfrom(MAX_DATAGRAM)
            except OSError:  # nothing left (EAGAIN), or an error the next read will not repeat
                return
            with contextlib.suppress(Exception):  # one bad datagram never stops the service
                self.handler(data, addr)

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        sock = self._sock
        if sock is None:
            return
        if not self._waiting:
            try:
                sock.sendto(data, addr)
                return
            except (BlockingIOError, InterruptedError):
                assert self._loop is not None
                self._loop.add_writer(sock.fileno(), self._flush)
            except OSError:  # e.g. the client is gone: UDP has nobody to tell
                return
        if len(self._waiting) < UDP_BACKLOG:
            self._waiting.append((data, addr))

    def _flush(self) -> None:
        sock = self._sock
        while sock is not None and self._waiting:
            data, addr = self._waiting[0]
            try:
                sock.sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                pass
            self._waiting.popleft()
        if sock is not None and self._loop is not None:
            self._loop.remove_writer(sock.fileno())
