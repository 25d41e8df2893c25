"""``mtasts-tui reports serve``: receive TLS-RPT reports by HTTPS POST (RFC 8460 §5.3).

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

import argparse
import heapq
import http.server
import itertools
import signal
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.text import QUOTE_LIMIT, clip
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.render import clean
from mtasts_tui.reports.sources import MAX_REPORT_BYTES, TooLarge, gunzip_capped
from mtasts_tui.reports.store import ReportStore
from mtasts_tui.store.db import StoreError

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


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8443")
    return host.strip("[]") or "0.0.0.0", int(port)


_DEFAULTS = IntakeConfig()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtasts-tui reports serve",
        description="Receive TLS-RPT reports by HTTPS POST (RFC 8460 §5.3) into the store.",
    )
    parser.add_argument("--listen", required=True, metavar="HOST:PORT")
    parser.add_argument("--tls-cert", metavar="PEM", help="certificate chain (with --tls-key)")
    parser.add_argument("--tls-key", metavar="PEM", help="private key")
    parser.add_argument(
        "--path", action="append", default=[], metavar="PATH", help="serve only this path"
    )
    parser.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST", help="serve only this Host"
    )
    parser.add_argument("--db", metavar="FILE", help="the store (default: the history database)")
    parser.add_argument("--max-body", type=int, default=_DEFAULTS.max_body, metavar="BYTES")
    parser.add_argument("--max-report", type=int, default=_DEFAULTS.max_report, metavar="BYTES")
    parser.add_argument(
        "--client-timeout", type=float, default=_DEFAULTS.client_timeout, metavar="SECONDS"
    )
    parser.add_argument("--workers", type=int, default=_DEFAULTS.workers, metavar="N")
    return parser


def main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    args = _parser().parse_args(argv)
    try:
        address = parse_listen(args.listen)
    except ValueError as exc:
        print(f"mtasts-tui reports serve: error: {exc}", file=err)
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        print("mtasts-tui reports serve: error: give --tls-cert and --tls-key together", file=err)
        return 2
    if min(args.max_body, args.max_report, args.workers) < 1 or args.client_timeout <= 0:
        print("mtasts-tui reports serve: error: limits must be positive", file=err)
        return 2
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as exc:
            print(f"mtasts-tui reports serve: error: cannot load the TLS key pair: {exc}", file=err)
            return 2
    config = IntakeConfig(
        max_body=args.max_body,
        max_report=args.max_report,
        client_timeout=args.client_timeout,
        workers=args.workers,
        paths=tuple(args.path),
        hosts=tuple(normalize_host(h) for h in args.allow_host),
    )
    try:
        store = ReportStore.open(Path(args.db) if args.db else None)
    except StoreError as exc:
        print(f"mtasts-tui reports serve: error: {clean(str(exc))}", file=err)
        return 2

    def log(line: str) -> None:
        print(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line, file=err, flush=True)

    try:
        server = IntakeServer(address, store, config=config, ssl_context=context, log=log)
    except OSError as exc:
        store.close()
        print(f"mtasts-tui reports serve: error: cannot listen on {args.listen}: {exc}", file=err)
        return 2
    scheme = "https" if context is not None else "http"
    host = address[0] if ":" not in address[0] else f"[{address[0]}]"
    print(f"Receiving TLS-RPT reports on {scheme}://{host}:{server.port}/", file=out, flush=True)
    if context is None:
        print("(plain HTTP: put a TLS-terminating proxy in front; senders require HTTPS)", file=out)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("Interrupted.", file=err)
        return 130
    finally:
        server.server_close()
        store.close()
    return 0
