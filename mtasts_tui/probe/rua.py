"""Look at each TLS-RPT ``rua`` destination: can it receive reports?

``mailto:``: the mail domain has MX records whose hosts resolve, or, without MX, an address
(RFC 5321 §5.1 implicit MX); a null MX (RFC 7505) accepts no mail. ``https:``: the endpoint
answers an OPTIONS request over TLS that our trust store accepts. Nothing is ever POSTed: a
checker must not file a report nobody asked for. Every step is bounded by the step timeout.
"""

from __future__ import annotations

import asyncio
import ssl

import httpx

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.facts import TxtLookup
from mtasts_tui.core.rua import RuaProbe, RuaTarget, rua_target
from mtasts_tui.core.tlsrpt import check_tlsrpt_records
from mtasts_tui.probe.cache import addresses_of, mx_of
from mtasts_tui.probe.dns import lookup_addresses
from mtasts_tui.probe.network import Network
from mtasts_tui.probe.tlsinfo import classify_verification, find_ssl_error, find_verification_error

MAX_DESTINATIONS = 8
"""More destinations than this are not probed (a hostile record could list hundreds)."""
MAX_MX_CHECKED = 4


def destinations(lookup: TxtLookup) -> list[RuaTarget]:
    """The usable destinations of the ``_smtp._tls`` lookup, as reporters would read them."""
    if lookup.status != "ok":
        return []
    check = check_tlsrpt_records(list(lookup.records))
    targets = [t for t in (rua_target(uri) for uri in check.rua) if t is not None]
    return targets[:MAX_DESTINATIONS]


async def probe_rua(net: Network, lookup: TxtLookup, timeout: float) -> tuple[RuaProbe, ...]:
    """Probe every destination of the record at once; each within ``timeout`` seconds."""
    targets = destinations(lookup)
    if not targets:
        return ()
    results = await asyncio.gather(*(_probe_one(net, t, timeout) for t in targets))
    return tuple(results)


async def _probe_one(net: Network, target: RuaTarget, timeout: float) -> RuaProbe:
    try:
        async with asyncio.timeout(timeout + 1.0):
            if target.scheme == "mailto":
                return await _probe_mailto(net, target, timeout)
            return await _probe_https(net, target, timeout)
    except TimeoutError:
        return RuaProbe(target, None, f"no answer within {timeout:g} s")


async def _probe_mailto(net: Network, target: RuaTarget, timeout: float) -> RuaProbe:
    domain = target.host
    mx = await mx_of(net, domain, timeout)
    if mx.status == "error":
        return RuaProbe(target, None, f"the MX lookup for {domain} failed ({mx.error})")
    if mx.null_mx and not mx.records:
        return RuaProbe(target, False, f"{domain} publishes a null MX (RFC 7505): it takes no mail")
    if mx.records:
        hosts = [normalize_host(r.host) for r in mx.by_preference()][:MAX_MX_CHECKED]
        found = await asyncio.gather(*(addresses_of(net, h, timeout) for h in hosts))
        if any(addresses for addresses, _why in found):
            return RuaProbe(target, True, f"MX {', '.join(hosts)}")
        if any(why and "failed" in why for _a, why in found):
            return RuaProbe(target, None, f"the MX hosts of {domain} could not be resolved")
        return RuaProbe(target, False, f"none of the MX hosts of {domain} has an address")
    if mx.status == "nxdomain":
        return RuaProbe(target, False, f"{domain} does not exist in DNS")
    addresses, why = await lookup_addresses(net.resolver, domain, timeout)
    if addresses:
        return RuaProbe(target, True, f"no MX; mail goes to {domain}'s address (RFC 5321)")
    if why and "failed" in why:
        return RuaProbe(target, None, why)
    return RuaProbe(target, False, f"{domain} has no MX and no address record")


async def _probe_https(net: Network, target: RuaTarget, timeout: float) -> RuaProbe:
    host = target.host
    addresses, why = await lookup_addresses(net.resolver, host, timeout)
    if not addresses:
        deliverable = None if why and "failed" in why else False
        return RuaProbe(target, deliverable, why or f"{host} has no address")
    port = target.port or net.config.https_port
    literal = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
    split = target.uri.split("/", 3)
    path = "/" + split[3] if len(split) > 3 else "/"
    headers = {
        "Host": host if port == 443 else f"{host}:{port}",
        "User-Agent": "mtasts-tui (TLS-RPT destination check)",
    }
    try:
        async with httpx.AsyncClient(
            verify=net.ssl_context,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            request = client.build_request(
                "OPTIONS",
                f"https://{literal}:{port}{path}",
                headers=headers,
                extensions={"sni_hostname": host},
            )
            response = await client.send(request)
    except (TimeoutError, httpx.TimeoutException):
        return RuaProbe(target, None, f"{host} did not answer within {timeout:g} s")
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        verification = find_verification_error(exc)
        if verification is not None:
            _, words = classify_verification(verification)
            return RuaProbe(target, False, f"its TLS certificate is not valid ({words})")
        ssl_error = find_ssl_error(exc)
        if ssl_error is not None:
            return RuaProbe(target, False, f"the TLS handshake failed ({ssl_error.reason})")
        text = str(exc) or type(exc).__name__
        return RuaProbe(target, False, f"{host} does not answer HTTPS ({text[:120]})")
    return RuaProbe(target, True, f"HTTP {response.status_code} over valid TLS")
