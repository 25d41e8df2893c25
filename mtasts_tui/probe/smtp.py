"""STARTTLS probe of one MX address: banner, EHLO, STARTTLS, verified handshake (RFC 8461 §4.2).

Each address of a host is verified on its own (senders pick any); ``probe.inspect`` starts each
probe as soon as its address is known.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
import time
from dataclasses import dataclass, replace

from mtasts_tui.core.facts import MxAddressProbe
from mtasts_tui.probe.cache import RUN_LONG, RunCache
from mtasts_tui.probe.network import Network
from mtasts_tui.probe.tlsinfo import (
    certificate_names,
    classify_verification,
    find_ssl_error,
    find_verification_error,
    is_protocol_version_error,
    presented_chain,
)

MAX_REPLY_LINES = 100
MAX_LINE = 2048


class SmtpError(Exception):
    pass


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, list[str]]:
    """One SMTP reply (possibly multi-line), bounded in lines and line length."""
    lines: list[str] = []
    while len(lines) < MAX_REPLY_LINES:
        try:
            raw = await reader.readline()
        except ValueError as exc:  # a line beyond the stream limit (64 KiB): hostile or broken
            raise SmtpError("the server sent an overlong line") from exc
        if not raw:
            raise SmtpError("the server closed the connection")
        line = raw[:MAX_LINE].decode("utf-8", errors="replace").rstrip("\r\n")
        if len(line) < 3 or not line[:3].isdigit():
            raise SmtpError(f"not an SMTP reply: {line[:80]!r}")
        lines.append(line[4:])
        if len(line) == 3 or line[3] != "-":
            return int(line[:3]), lines
    raise SmtpError("the reply has too many lines")


async def _command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, text: str
) -> tuple[int, list[str]]:
    writer.write(text.encode("ascii") + b"\r\n")
    await writer.drain()
    return await _read_reply(reader)


async def shared_probe(
    net: Network, cache: RunCache, host: str, address: str, timeout: float
) -> MxAddressProbe:
    """One probe of (host, address) for the whole run; each caller waits ``timeout`` at most.

    The shared probe has the full step time of its own, so a domain that joins late with
    little time left cannot cut it short for the others.
    """

    async def run() -> tuple[MxAddressProbe, float]:
        async with cache.slot(address):
            return await probe_address(net, host, address, net.config.timeout), RUN_LONG

    try:
        async with asyncio.timeout(timeout):
            return await cache.smtp.get((host, address), run)
    except TimeoutError:
        return MxAddressProbe(
            address=address,
            error=f"timed out after {round(timeout, 1):g} s waiting for the shared probe",
            timed_out=True,
        )


async def probe_address(net: Network, host: str, address: str, timeout: float) -> MxAddressProbe:
    """One address, bounded by ``timeout`` from TCP connect to QUIT (handshake included)."""
    started = time.monotonic()
    seen = _Seen()
    try:
        async with asyncio.timeout(timeout):
            result = await _probe_address(net, host, address, seen)
    except TimeoutError:
        # Keep what was learned before the stall: the verdict if there was one, else the
        # banner and how far the dialogue got.
        result = seen.verdict or MxAddressProbe(
            address=address,
            reachable=seen.banner is not None,
            banner=seen.banner,
            starttls=True if seen.stage == "the TLS handshake" else None,
            error=f"timed out after {round(timeout, 1):g} s during {seen.stage}",
            timed_out=True,
        )
    except OSError as exc:
        result = MxAddressProbe(
            address=address, error=exc.strerror or str(exc) or "connection failed"
        )
    return replace(result, elapsed=time.monotonic() - started)


@dataclass
class _Seen:
    """How far one probe got, for the report when its time runs out."""

    stage: str = "the TCP connection"
    banner: str | None = None
    verdict: MxAddressProbe | None = None
    """A failed verification, known before the second look at the certificate."""


async def _probe_address(net: Network, host: str, address: str, seen: _Seen) -> MxAddressProbe:
    port = net.config.smtp_port
    reader, writer = await asyncio.open_connection(address, port)
    seen.stage = "the wait for the greeting"
    banner = ""
    finished = False
    try:
        try:
            code, lines = await _read_reply(reader)
        except SmtpError as exc:
            finished = True
            return MxAddressProbe(address=address, error=f"no SMTP greeting: {exc}")
        banner = seen.banner = "\n".join(lines)
        seen.stage = "the SMTP dialogue"
        if code != 220:
            finished = True
            return MxAddressProbe(
                address=address,
                reachable=True,
                banner=banner,
                error=f"the greeting is {code}, not 220",
            )
        code, lines = await _command(reader, writer, f"EHLO {net.config.ehlo_name}")
        if code != 250:
            finished = True
            return MxAddressProbe(
                address=address,
                reachable=True,
                banner=banner,
                starttls=False,
                error=f"EHLO answered {code}",
            )
        offered = any(line.split(" ", 1)[0].upper() == "STARTTLS" for line in lines[1:])
        if not offered:
            await _quit(reader, writer)
            finished = True
            return MxAddressProbe(address=address, reachable=True, banner=banner, starttls=False)
        code, _ = await _command(reader, writer, "STARTTLS")
        if code != 220:
            finished = True
            return MxAddressProbe(
                address=address,
                reachable=True,
                banner=banner,
                starttls=False,
                error=f"STARTTLS is advertised but answered {code}",
            )
        seen.stage = "the TLS handshake"
        try:
            await writer.start_tls(net.ssl_context, server_hostname=host)
        except (ssl.SSLError, OSError) as exc:
            finished = True
            seen.stage = "the second, unverified look at the certificate"
            return await _diagnose(net, host, address, banner, exc, seen)
        seen.stage = "QUIT"
        ssl_object = writer.get_extra_info("ssl_object")
        chain = presented_chain(ssl_object)
        names, not_after = certificate_names(chain[0]) if chain else ((), None)
        cipher = ssl_object.cipher() if ssl_object else None
        probe = MxAddressProbe(
            address=address,
            reachable=True,
            banner=banner,
            starttls=True,
            tls_version=ssl_object.version() if ssl_object else None,
            cipher=cipher[0] if cipher else None,
            cert_valid=True,
            cert_names=names,
            cert_not_after=not_after,
            cert_sha256=_sha256(chain),
            cert_chain_der=chain,
        )
        with contextlib.suppress(SmtpError, OSError):
            await _quit(reader, writer)
        finished = True
        return probe
    except SmtpError as exc:
        finished = True
        return MxAddressProbe(
            address=address, reachable=True, banner=banner or None, error=str(exc)
        )
    finally:
        await _close(writer, graceful=finished)


async def _close(writer: asyncio.StreamWriter, *, graceful: bool) -> None:
    """Close a finished session politely; abort one cut off (a stalled peer never acks)."""
    if not graceful:
        writer.transport.abort()
        return
    writer.close()
    with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
        await asyncio.wait_for(writer.wait_closed(), 0.5)


def _sha256(chain: tuple[bytes, ...]) -> str | None:
    return hashlib.sha256(chain[0]).hexdigest() if chain else None


async def _quit(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.wait_for(_command(reader, writer, "QUIT"), 2.0)
    except (TimeoutError, SmtpError, OSError):
        pass


async def _diagnose(
    net: Network, host: str, address: str, banner: str, exc: BaseException, seen: _Seen
) -> MxAddressProbe:
    """Verification failed: say why, and take a second, unverified look at what is offered.

    The verdict is known before the second look, so it is kept in ``seen``: a server that
    stalls the second connection cannot turn a certificate failure into a timeout.
    """
    verdict = _failure(address, banner, exc)
    seen.verdict = verdict
    look = await _unverified_look(net, host, address)
    if look is None:
        return verdict
    version, chain = look
    names, not_after = certificate_names(chain[0]) if chain else ((), None)
    return replace(
        verdict,
        tls_version=version or verdict.tls_version,
        cert_names=names,
        cert_not_after=not_after,
        cert_sha256=_sha256(chain),
        cert_chain_der=chain,
    )


def _failure(address: str, banner: str, exc: BaseException) -> MxAddressProbe:
    """What a failed verified handshake means, from the error alone."""
    base = MxAddressProbe(address=address, reachable=True, banner=banner, starttls=True)
    verification = find_verification_error(exc)
    if verification is not None:
        problem, words = classify_verification(verification)
        return replace(base, cert_valid=False, cert_problem=problem, error=words)
    ssl_error = find_ssl_error(exc)
    if ssl_error is not None and is_protocol_version_error(ssl_error):
        return replace(
            base,
            tls_version="TLSv1.1 or older",
            error="the server offers no TLS version of 1.2 or newer",
        )
    return replace(base, error=f"TLS handshake failed: {ssl_error.reason if ssl_error else exc}")


async def _unverified_look(
    net: Network, host: str, address: str
) -> tuple[str | None, tuple[bytes, ...]] | None:
    """A fresh connection with a permissive context, only to read version and chain.

    Runs inside the caller's step timeout: a server that stalls here costs no extra time.
    """
    try:
        reader, writer = await asyncio.open_connection(address, net.config.smtp_port)
    except OSError:
        return None
    finished = False
    try:
        await _read_reply(reader)
        await _command(reader, writer, f"EHLO {net.config.ehlo_name}")
        code, _ = await _command(reader, writer, "STARTTLS")
        if code != 220:
            finished = True
            return None
        await writer.start_tls(net.diagnostic_context, server_hostname=host)
        ssl_object = writer.get_extra_info("ssl_object")
        finished = True
        if ssl_object is None:
            return None
        return ssl_object.version(), presented_chain(ssl_object)
    except (OSError, ssl.SSLError, SmtpError):
        finished = True
        return None
    finally:
        await _close(writer, graceful=finished)
