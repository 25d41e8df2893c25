"""Fetching the policy the way RFC 8461 §3.3 tells senders to."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from dataclasses import replace

import h11

from mtasts_tui.core.facts import PolicyFetch, policy_consensus
from mtasts_tui.core.policy import MAX_POLICY_BYTES, policy_url
from mtasts_tui.core.policy import POLICY_URL_PATH as POLICY_PATH
from mtasts_tui.probe.dane import certificate_issuer
from mtasts_tui.probe.http1 import Connection, ServerDisconnected, TlsFailed, Unheard, connect, get
from mtasts_tui.probe.network import Network
from mtasts_tui.probe.tlsinfo import (
    certificate_names,
    classify_verification,
    find_ssl_error,
    find_verification_error,
)


async def fetch_policy(
    net: Network,
    domain: str,
    addresses: list[str],
    timeout: float,
    *,
    skipped: tuple[str, ...] = (),
    on_address: Callable[[PolicyFetch], None] | None = None,
) -> PolicyFetch:
    """GET the policy from every address of the policy host at once.

    Each connection goes to an address our resolver returned, while TLS (SNI and certificate
    check) and the Host header use the policy host name. Redirects are reported, never followed;
    nothing is cached; the body is read as a stream and cut at 64 KiB. The result carries every
    address's fetch; its own fields are those most reachable addresses agree on.
    """
    host = f"mta-sts.{domain}"
    url = policy_url(domain)
    if not addresses:
        return PolicyFetch(url=url, error="the policy host has no address", skipped=skipped)

    async def one(address: str) -> PolicyFetch:
        result = await _fetch_one(net, host, url, address, timeout)
        if on_address is not None:
            on_address(result)
        return result

    results = await asyncio.gather(*(one(a) for a in addresses))
    return combine_fetches(url, results, skipped)


def combine_fetches(
    url: str, results: Sequence[PolicyFetch], skipped: tuple[str, ...] = ()
) -> PolicyFetch:
    """One fetch that stands for the host (the agreeing addresses'), carrying all of them."""
    if not results:
        return PolicyFetch(url=url, error="the policy host has no address", skipped=skipped)
    chosen, _ = policy_consensus(results)
    return replace(chosen, addresses=tuple(results), skipped=skipped)


async def _fetch_one(
    net: Network, host: str, url: str, address: str, timeout: float
) -> PolicyFetch:
    port = net.config.https_port
    # The headers httpx sent, in its order (Connection included: a pooled connection is wanted).
    headers = [
        ("Host", host if port == 443 else f"{host}:{port}"),
        ("Connection", "keep-alive"),
        ("Accept", "text/plain"),
        ("Accept-Encoding", "identity"),
        ("Cache-Control", "no-cache"),
        ("User-Agent", "mtasts-tui (MTA-STS checker)"),
    ]
    try:
        if net.cache is None:
            return await _exchange(net, host, url, address, timeout, headers)
        async with net.cache.slot(address):
            return await _exchange(net, host, url, address, timeout, headers)
    except TimeoutError:
        return PolicyFetch(url=url, address=address, error=f"timed out after {timeout:g} s")
    except TlsFailed as failed:
        return PolicyFetch(url=url, address=address, tls_error=_tls_words(failed.cause))
    except (h11.RemoteProtocolError, ServerDisconnected) as exc:
        if isinstance(exc, Unheard) and exc.cause is not None:
            return PolicyFetch(url=url, address=address, error=_describe(exc.cause))
        return PolicyFetch(
            url=url, address=address, error=f"the server broke the HTTP exchange ({exc})"
        )
    except h11.LocalProtocolError as exc:  # a request h11 will not write: no name parses so
        return PolicyFetch(url=url, address=address, error=f"cannot send the request ({exc})")
    except ssl.SSLError as exc:  # a TLS record broken after the handshake
        return PolicyFetch(url=url, address=address, tls_error=_tls_words(exc))
    except OSError as exc:
        return PolicyFetch(url=url, address=address, error=_describe(exc))


async def _exchange(
    net: Network,
    host: str,
    url: str,
    address: str,
    timeout: float,
    headers: list[tuple[str, str]],
) -> PolicyFetch:
    """The GET on a kept connection for exactly (address, SNI name) when there is one, else on
    a new one; the whole of it (connect, handshake, a trickled body) held to ``timeout``."""
    cache = net.cache
    conn: Connection | None = None
    polite = False
    try:
        async with asyncio.timeout(timeout):
            response = None
            if cache is not None:
                conn = cache.idle_https(address, host)
            if conn is not None:
                try:
                    response = await get(conn, POLICY_PATH, headers, MAX_POLICY_BYTES)
                except Unheard:
                    # Closed while idle, the race no liveness check can win: a GET may be sent
                    # again, once, on a new connection (what a browser does too).
                    conn.abort()
                    conn = None
            if conn is None or response is None:
                conn = await connect(address, net.config.https_port, net.ssl_context, host, timeout)
                response = await get(conn, POLICY_PATH, headers, MAX_POLICY_BYTES)
            tls_version, names, not_after, issuer = _tls_details(conn)
        if response.reusable and cache is not None:
            cache.keep_https(address, host, conn)
            conn = None
        polite = not response.truncated
    finally:
        if conn is not None:
            # A finished answer closes politely; a failed, cut or cancelled one at once.
            conn.close() if polite else conn.abort()
    return PolicyFetch(
        url=url,
        address=address,
        status=response.status,
        content_type=response.header(b"content-type"),
        location=response.header(b"location"),
        body=response.body,
        truncated=response.truncated,
        tls_version=tls_version,
        cert_names=names,
        cert_not_after=not_after,
        cert_issuer=issuer,
    )


def _tls_details(
    conn: Connection,
) -> tuple[str | None, tuple[str, ...], str | None, tuple[tuple[str, str], ...]]:
    """TLS version, certificate names, expiry and issuer of the connection."""
    ssl_object = conn.ssl_object()
    if ssl_object is None:
        return None, (), None, ()
    der = ssl_object.getpeercert(binary_form=True)
    names, not_after = certificate_names(der) if der else ((), None)
    return ssl_object.version(), names, not_after, certificate_issuer(der)


def _tls_words(exc: BaseException) -> str:
    """A failed handshake in words: the certificate's fault, the TLS layer's, or the peer's."""
    verification = find_verification_error(exc)
    if verification is not None:
        return classify_verification(verification)[1]
    ssl_error = find_ssl_error(exc)
    if ssl_error is not None and ssl_error.reason:
        return f"TLS handshake failed: {ssl_error.reason}"
    if isinstance(exc, ConnectionError | ssl.SSLError):  # hung up or reset mid-handshake
        return "TLS handshake failed: the server closed the connection"
    return f"TLS handshake failed: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused on the HTTPS port"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "the server reset the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
