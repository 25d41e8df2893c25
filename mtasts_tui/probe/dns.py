"""DNS lookups that tell "no such record" apart from "the lookup failed"."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.rdatatype
import dns.resolver
import dns.rrset

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
    return (await lookup_mx_ttl(resolver, domain, timeout))[0]


async def lookup_mx_ttl(
    resolver: dns.asyncresolver.Resolver, domain: str, timeout: float
) -> tuple[MxLookup, float]:
    """:func:`lookup_mx`, plus how long it may be kept (0: a failure, not at all)."""
    lookup, ttl, _ = await lookup_mx_response(resolver, domain, timeout)
    return lookup, ttl


async def lookup_mx_response(
    resolver: dns.asyncresolver.Resolver, domain: str, timeout: float
) -> tuple[MxLookup, float, dns.message.Message | None]:
    """:func:`lookup_mx_ttl`, plus the whole response: its additional section may already hold
    the addresses of the MX hosts (``probe.glue``)."""
    status, answer, why = await _resolve(resolver, domain, "MX", timeout)
    if answer is None:
        keep = 0.0 if status == "error" else NEGATIVE_TTL
        return MxLookup(status=status, error=why), keep, None
    ttl = float(answer.rrset.ttl) if answer.rrset is not None else 0.0
    records = tuple(
        MxRecord(host=rdata.exchange.to_text(omit_final_dot=True), preference=rdata.preference)
        for rdata in answer
        if rdata.rdtype == dns.rdatatype.MX
    )
    # A null MX (RFC 7505: "0 .") says the domain accepts no mail.
    real = tuple(r for r in records if r.host not in ("", "."))
    lookup = MxLookup(
        status="ok" if real else "nodata",
        records=real,
        null_mx=len(real) < len(records),
        authenticated=_ad(answer),
    )
    return lookup, ttl, answer.response


def _ad(answer: dns.resolver.Answer) -> bool:
    """The resolver's AD bit: it validated the answer with DNSSEC."""
    return bool(answer.response.flags & dns.flags.AD)


async def lookup_addresses(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[list[str], str | None]:
    """IPv4 then IPv6 addresses of ``host`` (both asked at once), and an error if none came."""
    addresses, why, _ = await lookup_addresses_ttl(resolver, host, timeout)
    return addresses, why


NEGATIVE_TTL = 30.0
"""Seconds to keep "no address" (the SOA minimum is not worth a second lookup here)."""


async def lookup_addresses_ttl(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[list[str], str | None, float]:
    """:func:`lookup_addresses`, plus how long the answer may be kept (0: a failure, not at all)."""
    v4, v6 = await asyncio.gather(
        lookup_family(resolver, host, "A", timeout), lookup_family(resolver, host, "AAAA", timeout)
    )
    return combine_families(host, v4, v6)


AddressType = Literal["A", "AAAA"]


@dataclass(frozen=True)
class Family:
    """What one address lookup (A or AAAA) of a host found."""

    status: LookupStatus
    addresses: tuple[str, ...] = ()
    """Numeric order, not answer order (servers rotate answers): the same run every time, and
    the per-host cap falls on the same addresses."""
    ttl: float = 0.0
    """Seconds it may be kept: the record's TTL, NEGATIVE_TTL for "none", 0 for a failure."""
    error: str | None = None
    owner: str = ""
    """The name owning the records (lower case, no trailing dot; "" when none came): the asked
    name itself, unless that is an alias and the answer followed it."""


def family_from_rrset(rdtype: AddressType, rrset: dns.rrset.RRset | None) -> Family:
    """The addresses in an A or AAAA rrset (of an answer, or an MX answer's additional data)."""
    wanted = dns.rdatatype.A if rdtype == "A" else dns.rdatatype.AAAA
    if rrset is None:
        return Family("nodata", ttl=NEGATIVE_TTL)
    found = {r.to_text() for r in rrset if r.rdtype == wanted}
    addresses = tuple(sorted(found, key=ipaddress.ip_address))
    owner = rrset.name.to_text(omit_final_dot=True).lower()
    return Family("ok" if addresses else "nodata", addresses, float(rrset.ttl), owner=owner)


async def lookup_family(
    resolver: dns.asyncresolver.Resolver, host: str, rdtype: AddressType, timeout: float
) -> Family:
    """The A or the AAAA addresses of ``host``: one half of :func:`lookup_addresses_ttl`, so a
    probe of the IPv4 addresses can start while the IPv6 answer is still on its way."""
    status, answer, why = await _resolve(resolver, host, rdtype, timeout)
    if answer is None:
        return Family(status, ttl=0.0 if status == "error" else NEGATIVE_TTL, error=why)
    return family_from_rrset(rdtype, answer.rrset)


def combine_families(host: str, v4: Family, v6: Family) -> tuple[list[str], str | None, float]:
    """IPv4 then IPv6 addresses, the lookup error if none came, and how long to keep it all."""
    addresses = [*v4.addresses, *v6.addresses]
    statuses = (v4.status, v6.status)
    if "error" in statuses:
        ttl = 0.0  # half an answer is not kept: the next domain asks again
    else:
        ttls = [f.ttl for f in (v4, v6) if f.status == "ok"]
        ttl = min(ttls) if ttls else NEGATIVE_TTL
    if addresses:
        return addresses, None, ttl
    if "error" in statuses:
        return [], f"address lookup failed: {v4.error or v6.error}", 0.0
    if v4.status == "nxdomain":
        return [], f"{host} does not exist in DNS (NXDOMAIN)", ttl
    return [], f"{host} has no A or AAAA record", ttl
