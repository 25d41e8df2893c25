"""STARTTLS probe of one MX host: banner, EHLO, STARTTLS, verified handshake (RFC 8461 §4.2)."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import replace

from mtasts_tui.core.facts import MxProbe
from mtasts_tui.probe.dane import peer_chain_der
from mtasts_tui.probe.network import Network
from mtasts_tui.probe.tlsinfo import (
    certificate_names,
    classify_verification,
    find_ssl_error,
    find_verification_error,
    is_protocol_version_error,
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


async def probe_mx(net: Network, host: str, addresses: list[str], timeout: float) -> MxProbe:
    """Probe ``host`` at its first reachable address; an unreachable port 25 is inconclusive."""
    started = time.monotonic()
    name = host.rstrip(".").lower()
    if not addresses:
        return MxProbe(host=name, error="the MX host has no address", elapsed=0.0)
    result: MxProbe | None = None
    for address in addresses:
        try:
            async with asyncio.timeout(timeout):
                result = await _probe_address(net, name, address)
        except TimeoutError:
            result = MxProbe(host=name, address=address, error=f"timed out after {timeout:g} s")
        except OSError as exc:
            result = MxProbe(
                host=name, address=address, error=exc.strerror or str(exc) or "connection failed"
            )
        if result.reachable:
            break
    assert result is not None
    return replace(result, elapsed=time.monotonic() - started)


async def _probe_address(net: Network, host: str, address: str) -> MxProbe:
    port = net.config.smtp_port
    reader, writer = await asyncio.open_connection(address, port)
    banner = ""
    try:
        try:
            code, lines = await _read_reply(reader)
        except SmtpError as exc:
            return MxProbe(host=host, address=address, error=f"no SMTP greeting: {exc}")
        banner = "\n".join(lines)
        if code != 220:
            return MxProbe(
                host=host,
                address=address,
                reachable=True,
                banner=banner,
                error=f"the greeting is {code}, not 220",
            )
        code, lines = await _command(reader, writer, f"EHLO {net.config.ehlo_name}")
        if code != 250:
            return MxProbe(
                host=host,
                address=address,
                reachable=True,
                banner=banner,
                starttls=False,
                error=f"EHLO answered {code}",
            )
        offered = any(line.split(" ", 1)[0].upper() == "STARTTLS" for line in lines[1:])
        if not offered:
            await _quit(reader, writer)
            return MxProbe(
                host=host, address=address, reachable=True, banner=banner, starttls=False
            )
        code, _ = await _command(reader, writer, "STARTTLS")
        if code != 220:
            return MxProbe(
                host=host,
                address=address,
                reachable=True,
                banner=banner,
                starttls=False,
                error=f"STARTTLS is advertised but answered {code}",
            )
        try:
            await writer.start_tls(net.ssl_context, server_hostname=host)
        except (ssl.SSLError, OSError) as exc:
            return await _diagnose(net, host, address, banner, exc)
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        names, not_after = certificate_names(der) if der else ((), None)
        cipher = ssl_object.cipher() if ssl_object else None
        probe = MxProbe(
            host=host,
            address=address,
            reachable=True,
            banner=banner,
            starttls=True,
            tls_version=ssl_object.version() if ssl_object else None,
            cipher=cipher[0] if cipher else None,
            cert_valid=True,
            cert_names=names,
            cert_not_after=not_after,
            cert_chain_der=peer_chain_der(ssl_object) if ssl_object else (),
        )
        try:
            await _quit(reader, writer)
        except (SmtpError, OSError):
            pass
        return probe
    except SmtpError as exc:
        return MxProbe(
            host=host, address=address, reachable=True, banner=banner or None, error=str(exc)
        )
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        except (OSError, TimeoutError, ssl.SSLError):
            pass


async def _quit(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.wait_for(_command(reader, writer, "QUIT"), 2.0)
    except (TimeoutError, SmtpError, OSError):
        pass


async def _diagnose(
    net: Network, host: str, address: str, banner: str, exc: BaseException
) -> MxProbe:
    """Verification failed: say why, and take a second, unverified look at what is offered."""
    verification = find_verification_error(exc)
    ssl_error = find_ssl_error(exc)
    seen = await _unverified_look(net, host, address)
    version, names, not_after, chain = seen if seen else (None, (), None, ())
    if verification is not None:
        problem, words = classify_verification(verification)
        return MxProbe(
            host=host,
            address=address,
            reachable=True,
            banner=banner,
            starttls=True,
            tls_version=version,
            cert_valid=False,
            cert_problem=problem,
            cert_names=names,
            cert_not_after=not_after,
            error=words,
            cert_chain_der=chain,
        )
    if ssl_error is not None and is_protocol_version_error(ssl_error):
        return MxProbe(
            host=host,
            address=address,
            reachable=True,
            banner=banner,
            starttls=True,
            tls_version=version or "TLSv1.1 or older",
            cert_names=names,
            cert_not_after=not_after,
            error="the server offers no TLS version of 1.2 or newer",
        )
    return MxProbe(
        host=host,
        address=address,
        reachable=True,
        banner=banner,
        starttls=True,
        tls_version=version,
        cert_names=names,
        cert_not_after=not_after,
        error=f"TLS handshake failed: {ssl_error.reason if ssl_error else exc}",
    )


async def _unverified_look(
    net: Network, host: str, address: str
) -> tuple[str | None, tuple[str, ...], str | None, tuple[bytes, ...]] | None:
    """A fresh connection with a permissive context, only to read version and certificates."""
    try:
        async with asyncio.timeout(min(5.0, net.config.timeout)):
            reader, writer = await asyncio.open_connection(address, net.config.smtp_port)
            try:
                await _read_reply(reader)
                await _command(reader, writer, f"EHLO {net.config.ehlo_name}")
                code, _ = await _command(reader, writer, "STARTTLS")
                if code != 220:
                    return None
                await writer.start_tls(net.diagnostic_context, server_hostname=host)
                ssl_object = writer.get_extra_info("ssl_object")
                if ssl_object is None:
                    return None
                der = ssl_object.getpeercert(binary_form=True)
                names, not_after = certificate_names(der) if der else ((), None)
                return ssl_object.version(), names, not_after, peer_chain_der(ssl_object)
            finally:
                writer.close()
    except (TimeoutError, OSError, ssl.SSLError, SmtpError):
        return None
