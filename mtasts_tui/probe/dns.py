"""DNS lookups that tell "no such record" apart from "the lookup failed"."""

from __future__ import annotations

import asyncio
import ipaddress

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.rdatatype
import dns.resolver

from mtasts_tui.core.facts import LookupStatus, MxLookup, MxRecord, TxtLookup
from mtasts_tui.core.zone import txt_strings_from_rdata


async def _resolve(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, timeout: float
) -> tuple[LookupStatus, dns.resolver.Answer | None, str | None]:
    try:
        answer = await asyncio.wait_for(
            resolver.resolve(name, rdtype, lifetime=timeout, search=False), timeout + 0.5
        )
    except dns.resolver.NXDOMAIN:
        return "nxdomain", None, None
    except dns.resolver.NoAnswer as exc:
        if _truncated(exc.kwargs.get("response")):
            return "error", None, TRUNCATED
        return "nodata", None, None
    except dns.resolver.NoNameservers as exc:
        return "error", None, _no_nameservers_reason(exc)
    except (dns.exception.Timeout, TimeoutError):
        return "error", None, f"timed out after {timeout:g} s"
    except dns.exception.DNSException as exc:
        return "error", None, f"{type(exc).__name__}: {exc}"
    if _truncated(answer.response):
        # Cut even over TCP: what is missing may be the record we look for.
        return "error", None, TRUNCATED
    return "ok", answer, None


TRUNCATED = "the answer was truncated (TC) even over TCP"


def _truncated(response: object) -> bool:
    return isinstance(response, dns.message.Message) and bool(response.flags & dns.flags.TC)


def _no_nameservers_reason(exc: dns.resolver.NoNameservers) -> str:
    text = str(exc)
    if "Truncated" in text or "truncat" in text.lower():
        return TRUNCATED
    if "SERVFAIL" in text:
        return "SERVFAIL from every name server"
    if "REFUSED" in text:
        return "REFUSED by every name server"
    return "no name server answered"


async def lookup_txt(resolver: dns.asyncresolver.Resolver, name: str, timeout: float) -> TxtLookup:
    status, answer, why = await _resolve(resolver, name, "TXT", timeout)
    if answer is None:
        return TxtLookup(name=name, status=status, error=why)
    records = tuple(
        tuple(txt_strings_from_rdata(rdata.strings))
        for rdata in answer
        if rdata.rdtype == dns.rdatatype.TXT
    )
    return TxtLookup(
        name=name,
        status="ok" if records else "nodata",
        records=records,
        authenticated=_ad(answer),
    )


async def lookup_mx(resolver: dns.asyncresolver.Resolver, domain: str, timeout: float) -> MxLookup:
    status, answer, why = await _resolve(resolver, domain, "MX", timeout)
    if answer is None:
        return MxLookup(status=status, error=why)
    records = tuple(
        MxRecord(host=rdata.exchange.to_text(omit_final_dot=True), preference=rdata.preference)
        for rdata in answer
        if rdata.rdtype == dns.rdatatype.MX
    )
    # A null MX (RFC 7505: "0 .") says the domain accepts no mail.
    real = tuple(r for r in records if r.host not in ("", "."))
    return MxLookup(
        status="ok" if real else "nodata",
        records=real,
        null_mx=len(real) < len(records),
        authenticated=_ad(answer),
    )


def _ad(answer: dns.resolver.Answer) -> bool:
    """The resolver's AD bit: it validated the answer with DNSSEC."""
    return bool(answer.response.flags & dns.flags.AD)


async def lookup_addresses(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[list[str], str | None]:
    """IPv4 then IPv6 addresses of ``host`` (both asked at once), and an error if none came."""
    (s4, a4, e4), (s6, a6, e6) = await asyncio.gather(
        _resolve(resolver, host, "A", timeout), _resolve(resolver, host, "AAAA", timeout)
    )
    # Numeric order, not answer order (servers rotate answers): the same run every time, and
    # the per-host cap falls on the same addresses.
    v4 = {r.to_text() for r in a4 or () if r.rdtype == dns.rdatatype.A}
    v6 = {r.to_text() for r in a6 or () if r.rdtype == dns.rdatatype.AAAA}
    addresses = sorted(v4, key=ipaddress.ip_address) + sorted(v6, key=ipaddress.ip_address)
    if addresses:
        return addresses, None
    if "error" in (s4, s6):
        return [], f"address lookup failed: {e4 or e6}"
    if s4 == "nxdomain":
        return [], f"{host} does not exist in DNS (NXDOMAIN)"
    return [], f"{host} has no A or AAAA record"
