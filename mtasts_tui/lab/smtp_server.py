"""SMTP servers for the lab's MX hosts: banner, EHLO, STARTTLS, NOOP/RSET/QUIT, nothing else.

Every MX host listens on its own loopback address, all on one port number, so a checker connects
exactly as it would to real MX hosts (it only has to be told the port).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from ._net import TcpService, bind_same_port
from .certs import CertStore
from .model import MxServer

MAX_LINE = 4096
TLS_HANDSHAKE_TIMEOUT = 10.0
STALL_SECONDS = 3600.0
"""How long a ``silent`` or ``stall_tls`` server keeps a connection open without a word."""


@dataclass(frozen=True)
class MxBinding:
    hostname: str
    address: str
    server: MxServer


class SmtpServers:
    def __init__(self, bindings: list[MxBinding], certs: CertStore, idle_timeout: float) -> None:
        self.bindings = bindings
        self.certs = certs
        self.idle_timeout = idle_timeout
        self.port = 0
        self.sessions = 0
        self.sessions_by_address: dict[str, int] = {}
        """SMTP connections accepted per listening address (tests count probes with it)."""
        self.started_by_address: dict[str, deque[float]] = {}
        """``time.monotonic()`` of the latest connections per address (tests order events)."""
        self._by_address = {b.address: b for b in bindings}
        self._service = TcpService(self._serve)

    async def start(self) -> None:
        listening = [b.address for b in self.bindings if b.server.listen]
        silent = [b.address for b in self.bindings if not b.server.listen]
        self.port, sockets, reserved = bind_same_port(listening, reserve=silent)
        self._service.serve(sockets, reserved)

    async def close(self) -> None:
        await self._service.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        local = writer.get_extra_info("sockname")[0]
        binding = self._by_address[local]
        session = _Session(self, binding, reader, writer)
        self.sessions += 1
        self.sessions_by_address[local] = self.sessions_by_address.get(local, 0) + 1
        starts = self.started_by_address.setdefault(local, deque(maxlen=64))
        starts.append(time.monotonic())
        await session.run()


class _Session:
    def __init__(
        self,
        owner: SmtpServers,
        binding: MxBinding,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.owner = owner
        self.host = binding.hostname
        self.mx = binding.server
        self.reader = reader
        self.writer = writer
        self.tls = False

    async def reply(self, code: int, *lines: str) -> None:
        texts = list(lines) or [""]
        out = [f"{code}-{t}" for t in texts[:-1]] + [f"{code} {texts[-1]}"]
        self.writer.write(("\r\n".join(out) + "\r\n").encode("utf-8", "surrogateescape"))
        await self.writer.drain()

    async def run(self) -> None:
        if self.mx.silent:
            await self.swallow()
            return
        banner_lines = self.mx.banner.split("\n")
        await self.reply(220, f"{self.host} {banner_lines[0]}", *banner_lines[1:])
        while True:
            try:
                line = await asyncio.wait_for(self.reader.readline(), self.owner.idle_timeout)
            except TimeoutError:
                await self.reply(421, f"4.4.2 {self.host} idle too long, closing connection")
                return
            except (ValueError, asyncio.LimitOverrunError):
                await self.reply(500, "5.5.6 line too long")
                return
            if not line:
                return
            if len(line) > MAX_LINE:
                await self.reply(500, "5.5.6 line too long")
                return
            command = line.decode("utf-8", "replace").strip()
            verb, _, arg = command.partition(" ")
            if not await self.dispatch(verb.upper(), arg.strip()):
                return

    async def swallow(self) -> None:
        """Read and drop what the client sends, never answering, until it gives up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STALL_SECONDS):
                while await self.reader.read(4096):
                    pass

    async def dispatch(self, verb: str, arg: str) -> bool:
        """Answer one command; ``False`` ends the session."""
        if verb == "EHLO":
            if not arg:
                await self.reply(501, "5.5.4 EHLO requires a domain")
                return True
            keywords = list(self.mx.extensions)
            if self.mx.starttls and not self.tls:
                keywords.append("STARTTLS")
            await self.reply(250, f"{self.host} Hello {arg}", *keywords)
        elif verb == "HELO":
            await self.reply(250, self.host)
        elif verb == "STARTTLS":
            if not self.mx.starttls:
                await self.reply(502, "5.5.1 STARTTLS not supported")
            elif self.tls:
                await self.reply(503, "5.5.1 TLS already active")
            else:
                await self.reply(220, "2.0.0 Ready to start TLS")
                if self.mx.stall_tls:
                    await self.swallow()
                    return False
                ctx = self.owner.certs.server_context(
                    self.host, self.mx.cert, self.mx.max_tls, self.mx.issuer
                )
                try:
                    await self.writer.start_tls(ctx, ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT)
                except Exception:
                    return False  # the client refused our certificate or version
                self.tls = True
        elif verb in ("NOOP", "RSET"):
            await self.reply(250, "2.0.0 OK")
        elif verb == "QUIT":
            await self.reply(221, f"2.0.0 {self.host} closing connection")
            return False
        else:
            await self.reply(502, "5.5.2 command not implemented")
        return True
