"""The policy web server: minimal HTTP/1.1 over TLS, certificate chosen by SNI.

One listener on ``127.0.0.1:port`` serves every ordinary host, picking the certificate from the
SNI name and the behaviour from the Host header. Hosts whose behaviour starts before TLS get their
own loopback address on the same port: ``hang`` accepts and never speaks, ``refuse`` has a bound
socket that never listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http
import ssl
from dataclasses import dataclass, field

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.policy import POLICY_URL_PATH as POLICY_PATH

from ._net import IPV6_LOOPBACK, TcpService, bind_same_port
from .certs import CertStore
from .model import PolicyHost

MAX_LINE = 8192
MAX_HEADERS = 100
REQUEST_TIMEOUT = 10.0
HANG_SECONDS = 3600.0
TLS_HANDSHAKE_TIMEOUT = 10.0


@dataclass
class HttpsSite:
    """Where each host lives: ordinary hosts on ``main_host``, pre-TLS behaviours elsewhere."""

    hosts: dict[str, PolicyHost] = field(default_factory=dict)
    """Host name (lower case) -> behaviour."""
    addresses: dict[str, str] = field(default_factory=dict)
    """Host name -> the loopback address its A record points to."""
    nodes: dict[tuple[str, str], PolicyHost] = field(default_factory=dict)
    """(address, host name) -> behaviour of a further address of that host (``PolicyHost.more``)."""

    def behaviour(self, address: str, name: str) -> PolicyHost | None:
        """What ``name`` does when reached at ``address`` (None: it is not served there)."""
        node = self.nodes.get((address, name))
        if node is not None:
            return node
        if address == IPV6_LOOPBACK:  # only hosts that asked for IPv6 answer on ::1
            return None
        return self.hosts.get(name)


class HttpsServer:
    def __init__(self, site: HttpsSite, certs: CertStore, main_host: str = "127.0.0.1") -> None:
        self.site = site
        self.certs = certs
        self.main_host = main_host
        self.port = 0
        self.requests = 0
        self._service = TcpService(self._serve, self._context_for, TLS_HANDSHAKE_TIMEOUT)
        self._hang_service = TcpService(self._hang)
        self._tls: ssl.SSLContext | None = None
        self._node_contexts: dict[str, ssl.SSLContext] = {}

    async def start(self) -> None:
        ctx = self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.certs.ca.issue_cert("localhost", self.main_host).configure_cert(ctx)
        ctx.sni_callback = self._on_sni
        every = [*((a, self.site.hosts[h]) for h, a in self.site.addresses.items())]
        every += [(a, node) for (a, _), node in self.site.nodes.items()]
        hang = sorted({a for a, b in every if b.hang})
        refuse = sorted({a for a, b in every if b.refuse})
        served = sorted({a for a, b in every if not (b.hang or b.refuse)} - {self.main_host})
        # Bind the TLS listeners first (they choose the port), then the hanging ones on that
        # port. TLS starts once accepted (TcpService), so every connection is tracked from accept().
        self.port, listening, reserved = bind_same_port([self.main_host, *served], reserve=refuse)
        self._service.serve(listening, reserved)
        if hang:
            try:
                _, hanging, _ = bind_same_port(hang, port=self.port)
            except OSError:
                await self._service.close()
                raise
            self._hang_service.serve(hanging)

    async def close(self) -> None:
        await self._hang_service.close()
        await self._service.close()

    def _on_sni(self, sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        if server_name is None:
            return  # no SNI: keep the default certificate (for "localhost")
        name = normalize_host(server_name)
        host = self.site.hosts.get(name)
        if host is not None:
            sslobj.context = self.certs.server_context(name, host.cert, issuer=host.issuer)

    def _context_for(self, address: str) -> ssl.SSLContext:
        """The TLS context of one listening address: a further node may use another cert."""
        assert self._tls is not None
        if not any(a == address for a, _ in self.site.nodes):
            return self._tls
        context = self._node_contexts.get(address)
        if context is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.certs.ca.issue_cert("localhost", self.main_host).configure_cert(context)

            def on_sni(sslobj: ssl.SSLObject, server_name: str | None, _c: object) -> None:
                name = normalize_host(server_name or "")
                host = self.site.behaviour(address, name)
                if server_name is not None and host is not None:
                    sslobj.context = self.certs.server_context(name, host.cert)

            context.sni_callback = on_sni
            self._node_contexts[address] = context
        return context

    async def _hang(self, reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        """Accept and never answer; swallow what the client sends until it gives up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HANG_SECONDS):
                while await reader.read(4096):
                    pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # TLS is up already (the service's handshake, in the context of _context_for).
        local = writer.get_extra_info("sockname")[0]
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                request = await _read_request(reader)
        except (TimeoutError, ValueError, asyncio.LimitOverrunError):
            await _respond(writer, 400, b"bad request\n", "text/plain")
            return
        if request is None:
            return
        self.requests += 1
        method, target, headers = request
        host = headers.get("host", "").lower().rsplit(":", 1)[0].rstrip(".")
        behaviour = self.site.behaviour(local, host)
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            await _respond(writer, 405, b"method not allowed\n", "text/plain", head=False)
        elif behaviour is None:
            await _respond(writer, 421, b"misdirected request\n", "text/plain")
        elif path != POLICY_PATH:
            await _respond(writer, 404, b"not found\n", "text/plain", head=method == "HEAD")
        else:
            if behaviour.delay:
                await asyncio.sleep(behaviour.delay)
            extra = list(behaviour.headers)
            if behaviour.location is not None:
                extra.append(("Location", behaviour.location))
            await _respond(
                writer,
                behaviour.status,
                behaviour.body,
                behaviour.content_type,
                extra=extra,
                head=method == "HEAD",
            )


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str]] | None:
    line = await reader.readline()
    if not line:
        return None
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise ValueError("request line too long")
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError("malformed request line")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            return parts[0], parts[1], headers
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep:
            raise ValueError("malformed header")
        headers[name.strip().lower()] = value.strip()
    raise ValueError("too many headers")


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes,
    content_type: str | None,
    *,
    extra: list[tuple[str, str]] | None = None,
    head: bool = False,
) -> None:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Server: mtasts-lab",
    ]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines += [
        f"Content-Length: {len(body)}",
        "Cache-Control: max-age=300",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in extra or []]
    header = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    # One write: asyncio's TLS layer makes a record (and a send) of every write.
    writer.write(header if head else header + body)
    await writer.drain()
