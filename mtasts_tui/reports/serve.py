"""The HTTPS intake server behind ``reports serve``: TLS-RPT reports by POST (RFC 8460 §5.3).

The standard library's ``http.server`` behind a bounded thread pool: ``--workers`` requests are
handled at once and at most ``--queue`` more wait; past that a connection is closed at once, so
memory and threads stay bounded whatever arrives. Every connection has one deadline
(``--client-timeout``) for the TLS handshake, the headers and the body together: a reaper thread
shuts the socket of a client that is still talking when it passes, so slow-drip (slowloris)
clients cannot hold a worker. Bodies are capped before they are read (``Content-Length``) and
gzip is decompressed with a cap (no gzip bombs). Accepted reports go into the shared store.

Answers: 201 stored, 200 already stored (same organisation and report-id), 400 not a report,
404 path not served, 405 not POST, 411 no Content-Length, 413 too large, 415 other media types,
421 host not served, 408 too slow.
"""

from __future__ import annotations

import heapq
import http.server
import itertools
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mtasts_tui.core.text import QUOTE_LIMIT, clip
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.render import clean
from mtasts_tui.reports.sources import MAX_REPORT_BYTES, TooLarge, gunzip_capped
from mtasts_tui.reports.store import ReportStore

GZIP_TYPE = "application/tlsrpt+gzip"
JSON_TYPE = "application/tlsrpt+json"
READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class IntakeConfig:
    """Limits and filters of the intake server."""

    max_body: int = 5 * 1024 * 1024
    """Largest request body accepted, as sent (compressed or not)."""
    max_report: int = MAX_REPORT_BYTES
    """Largest report after decompression."""
    client_timeout: float = 10.0
    """Seconds one connection may take in all: handshake, headers and body."""
    workers: int = 32
    """Requests handled at once."""
    queue: int = 256
    """Connections that may wait for a worker; more are closed at once."""
    paths: tuple[str, ...] = ()
    """Only these request paths are served (empty: any path)."""
    hosts: tuple[str, ...] = ()
    """Only these Host header names are served (empty: any host)."""


class _Reaper:
    """Shuts down sockets whose deadline has passed (one thread for all connections)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._heap: list[tuple[float, int]] = []
        self._live: dict[int, socket.socket] = {}
        self._ids = itertools.count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="intake-reaper", daemon=True)
        self._thread.start()

    def watch(self, sock: socket.socket, seconds: float) -> int:
        token = next(self._ids)
        with self._lock:
            self._live[token] = sock
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
        return token

    def forget(self, token: int) -> None:
        with self._lock:
            self._live.pop(token, None)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            now = time.monotonic()
            overdue: list[socket.socket] = []
            with self._lock:
                while self._heap and self._heap[0][0] <= now:
                    _, token = heapq.heappop(self._heap)
                    sock = self._live.pop(token, None)
                    if sock is not None:
                        overdue.append(sock)
            for sock in overdue:
                try:
                    # The plain socket's shutdown: the worker's blocked read returns at once.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: IntakeServer
    protocol_version = "HTTP/1.1"
    server_version = "mtasts-tui-intake"
    sys_version = ""

    def _reply(self, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        body = b"" if status == 204 else (text + "\n").encode("utf-8", "replace")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _allowed(self) -> bool:
        config = self.server.config
        path = urlsplit(self.path).path
        if config.paths and path not in config.paths:
            self._reply(404, "not found")
            return False
        if config.hosts:
            host = (self.headers.get("Host") or "").strip().lower()
            if host.startswith("["):
                host = host[1 : host.find("]")]
            else:
                host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            if host.rstrip(".") not in config.hosts:
                self._reply(421, "this server does not take reports for that host")
                return False
        return True

    def do_OPTIONS(self) -> None:
        # What a careful checker (check's rua probe) asks: does this endpoint take POSTs?
        if self._allowed():
            self._reply(204, "", {"Allow": "POST, OPTIONS"})

    def do_GET(self) -> None:
        if self._allowed():
            self._reply(405, "POST TLS-RPT reports here (RFC 8460)", {"Allow": "POST, OPTIONS"})

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._allowed():
            return
        config = self.server.config
        ctype = self.headers.get_content_type()
        if ctype not in (GZIP_TYPE, JSON_TYPE):
            self._reply(415, f"send {GZIP_TYPE} or {JSON_TYPE}")
            return
        if self.headers.get("Transfer-Encoding") is not None:
            self._reply(411, "send a Content-Length (chunked bodies are not accepted)")
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.strip().isdigit():
            self._reply(411, "Content-Length required")
            return
        length = int(length_text)
        if length > config.max_body:
            self._reply(413, f"body larger than {config.max_body} bytes")
            return
        body = bytearray()
        while len(body) < length:
            chunk = self.rfile.read(min(READ_CHUNK, length - len(body)))
            if not chunk:
                self.server.log_line(self, 408, "client went away or was too slow")
                self.close_connection = True
                return
            body += chunk
        data = bytes(body)
        try:
            if ctype == GZIP_TYPE:
                data = gunzip_capped(data, config.max_report)
            elif len(data) > config.max_report:
                raise TooLarge("too large")
        except TooLarge:
            self._reply(413, f"report larger than {config.max_report} bytes once decompressed")
            return
        except (ValueError, zlib.error, EOFError):
            self._reply(400, "not valid gzip data")
            return
        source = f"https {self.client_address[0]} {urlsplit(self.path).path}"
        try:
            report = parse_report(data, source)
        except ReportParseError as exc:
            self._reply(400, exc.finding.message)
            return
        try:
            new = self.server.store.add(report, data, "https")
        except Exception:  # the store is full or locked: the sender retries later
            self._reply(503, "cannot store the report now; try again later")
            return
        if new:
            self._reply(201, "stored")
        else:
            self._reply(200, "already stored")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.log_line(self, code, "")

    def log_error(self, format: str, *args: Any) -> None:
        self.server.log_line(self, "-", format % args)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class IntakeServer(http.server.HTTPServer):
    """The intake server; ``serve_forever`` in one thread, requests in the worker pool."""

    request_queue_size = 512

    def __init__(
        self,
        address: tuple[str, int],
        store: ReportStore,
        *,
        config: IntakeConfig | None = None,
        ssl_context: ssl.SSLContext | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or IntakeConfig()
        self.store = store
        self.ssl_context = ssl_context
        self.log = log
        self.refused = 0
        """Connections closed at once because every worker and queue slot was taken."""
        self.in_flight = 0
        """Connections being handled or waiting for a worker."""
        self._count_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.config.workers + self.config.queue)
        self._pool = ThreadPoolExecutor(self.config.workers, thread_name_prefix="intake")
        self._reaper = _Reaper()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for our own name (getfqdn), which can hang: skip it.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def log_line(self, handler: _Handler, code: int | str, note: str) -> None:
        if self.log is None:
            return
        line = f"{handler.client_address[0]} {getattr(handler, 'command', '-')} "
        line += f"{clip(clean(getattr(handler, 'path', '-')), QUOTE_LIMIT)} {code}"
        if note:
            line += " " + clip(clean(note), QUOTE_LIMIT)
        self.log(line)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            self.shutdown_request(request)
            return
        with self._count_lock:
            self.in_flight += 1
        self._pool.submit(self._work, request, client_address)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        conn = request
        if self.ssl_context is not None:
            # wrap_socket takes the descriptor over; the handshake runs below, under the deadline.
            conn = self.ssl_context.wrap_socket(
                request, server_side=True, do_handshake_on_connect=False
            )
        token = self._reaper.watch(conn, self.config.client_timeout)
        try:
            conn.settimeout(self.config.client_timeout)
            if isinstance(conn, ssl.SSLSocket):
                conn.do_handshake()
            self.finish_request(conn, client_address)
        except (OSError, ssl.SSLError, ValueError):
            pass  # handshake failed, client vanished, or the reaper cut it: nothing to answer
        except Exception as exc:  # never let one request take the pool down
            if self.log is not None:
                self.log(f"{client_address[0]} internal error: {type(exc).__name__}")
        finally:
            self._reaper.forget(token)
            self.shutdown_request(conn)
            with self._count_lock:
                self.in_flight -= 1
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._reaper.stop()
