"""Fetching the policy the way RFC 8461 §3.3 tells senders to."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx

from mtasts_tui.core.facts import PolicyFetch, policy_consensus
from mtasts_tui.core.policy import MAX_POLICY_BYTES, policy_url
from mtasts_tui.core.policy import POLICY_URL_PATH as POLICY_PATH
from mtasts_tui.probe.dane import certificate_issuer
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
    literal = f"[{address}]" if ":" in address else address
    target = f"https://{literal}:{port}{POLICY_PATH}"
    headers = {
        "Host": host if port == 443 else f"{host}:{port}",
        "Accept": "text/plain",
        "Accept-Encoding": "identity",
        "Cache-Control": "no-cache",
        "User-Agent": "mtasts-tui (MTA-STS checker)",
    }
    try:
        # httpx's timeouts are per operation; the outer bound holds the whole fetch (connect,
        # handshake, a trickled body) to the step time.
        async with contextlib.AsyncExitStack() as stack:
            if net.cache is None:
                client = await stack.enter_async_context(_client(net, timeout, keepalive=0))
            else:
                # Pooled per (address, SNI name) only: one name's connection never serves another.
                await stack.enter_async_context(net.cache.slot(address))
                client = await stack.enter_async_context(
                    net.cache.https_client(
                        address, host, lambda: _client(net, timeout, keepalive=1)
                    )
                )
            async with asyncio.timeout(timeout):
                request = client.build_request(
                    "GET",
                    target,
                    headers=headers,
                    extensions={"sni_hostname": host},
                    timeout=httpx.Timeout(timeout),
                )
                response = await client.send(request, stream=True)
                try:
                    tls_version, names, not_after, issuer = _tls_details(response)
                    body, truncated = await _read_capped(response)
                finally:
                    await response.aclose()
    except (TimeoutError, httpx.TimeoutException):
        return PolicyFetch(url=url, address=address, error=f"timed out after {timeout:g} s")
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        verification = find_verification_error(exc)
        if verification is not None:
            _, words = classify_verification(verification)
            return PolicyFetch(url=url, address=address, tls_error=words)
        ssl_error = find_ssl_error(exc)
        if ssl_error is not None:
            return PolicyFetch(
                url=url, address=address, tls_error=f"TLS handshake failed: {ssl_error.reason}"
            )
        return PolicyFetch(url=url, address=address, error=_describe(exc))
    return PolicyFetch(
        url=url,
        address=address,
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        location=response.headers.get("location"),
        body=body,
        truncated=truncated,
        tls_version=tls_version,
        cert_names=names,
        cert_not_after=not_after,
        cert_issuer=issuer,
    )


def _client(net: Network, timeout: float, *, keepalive: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=net.ssl_context,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_keepalive_connections=keepalive),
    )


async def _read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_POLICY_BYTES:
            return b"".join(chunks)[:MAX_POLICY_BYTES], True
    return b"".join(chunks), False


def _tls_details(
    response: httpx.Response,
) -> tuple[str | None, tuple[str, ...], str | None, tuple[tuple[str, str], ...]]:
    """TLS version, certificate names, expiry and issuer of the connection behind ``response``."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None, (), None, ()
    der = ssl_object.getpeercert(binary_form=True)
    names, not_after = certificate_names(der) if der else ((), None)
    return ssl_object.version(), names, not_after, certificate_issuer(der)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "refused" in text.lower():
        return "connection refused on the HTTPS port"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP exchange ({text})"
    return text
