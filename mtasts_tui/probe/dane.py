"""DNSSEC, DANE and CAA lookups, and the certificate details they need from a TLS connection.

The core decides (``core.dane``, ``core.caa``); this module only asks the resolver and reads
what the TLS layer saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from typing import Any

import dns.asyncresolver
from cryptography import x509
from cryptography.x509.oid import NameOID

from mtasts_tui.core.caa import CaaLookup, CaaRecord, caa_search_names
from mtasts_tui.core.dane import MAX_RECORDS, TlsaLookup, TlsaRecord, tlsa_name
from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.facts import LookupStatus, ResolverInfo
from mtasts_tui.probe import dnswire
from mtasts_tui.probe.dns import (
    Found,
    _resolve,
    _resolve_full,
    kept_for,
)

MAX_PARALLEL_CAA = 6
"""CAA queries in flight at once while climbing the tree."""

SIGNED_PROBE = "."
"""A name known to be signed: the root. A validating resolver sets AD on its answer."""

_ISSUER_ATTRIBUTES = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COMMON_NAME: "CN",
}


def authenticated(answer: Found | None) -> bool | None:
    """The AD bit of the response behind ``answer``; None when there was no answer."""
    return None if answer is None else answer.authenticated


def configured_resolvers(resolver: dns.asyncresolver.Resolver) -> str:
    """The configured name servers as ``ip:port`` (the system's when none were given)."""
    shown = []
    for ns in resolver.nameservers:
        if isinstance(ns, str):
            shown.append(_endpoint(ns, resolver.port))
        else:
            address = getattr(ns, "address", None)
            port = getattr(ns, "port", resolver.port)
            shown.append(_endpoint(str(address), int(port)) if address else str(ns))
    return ", ".join(shown) or "none"


def _endpoint(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{host}:{port}"


async def probe_resolver(resolver: dns.asyncresolver.Resolver, timeout: float) -> ResolverInfo:
    """Which resolver answers, and whether it validates DNSSEC.

    Asks for the root's SOA with the DO bit: the root is signed, so a validating resolver sets
    AD on the answer and one that does not validate never does. A failed probe leaves it unknown.
    """
    configured = configured_resolvers(resolver)
    status, answer, _ = await _resolve(resolver, SIGNED_PROBE, "SOA", timeout)
    if status != "ok" or answer is None:
        return ResolverInfo(name=configured, validates=None)
    name = _endpoint(*answer.server) if answer.server else configured
    return ResolverInfo(name=name, validates=bool(authenticated(answer)))


async def lookup_tlsa(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> TlsaLookup:
    """The TLSA records at ``_25._tcp.<host>`` (RFC 7672 §2.2), with the answer's AD bit."""
    return (await _tlsa_kept(resolver, host, timeout))[0]


async def _tlsa_kept(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[TlsaLookup, float]:
    """:func:`lookup_tlsa`, and how long its answer may be kept (0: a failure, not at all)."""
    name = normalize_host(host)
    status, answer, why, denial = await _resolve_full(resolver, tlsa_name(name), "TLSA", timeout)
    keep = kept_for(status, answer, denial)
    if status == "error":
        return TlsaLookup(host=name, status="error", error=why), keep
    if answer is None:
        # A validated denial matters too: "signed, no TLSA" tells DANE senders to skip DANE.
        ad = None if denial is None else denial.authenticated
        return TlsaLookup(host=name, status=status, authenticated=ad), keep
    records = tuple(
        TlsaRecord(r.value.usage, r.value.selector, r.value.mtype, r.value.cert)
        for r in answer.records
        if isinstance(r.value, dnswire.Tlsa)
    )[:MAX_RECORDS]
    found = TlsaLookup(
        host=name,
        status="ok" if records else "nodata",
        records=records,
        authenticated=authenticated(answer),
    )
    return found, keep


async def lookup_cname(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> str | None:
    """The CNAME target when ``host`` is an alias; None when it is not (or the lookup failed)."""
    return (await _cname_kept(resolver, host, timeout))[0]


async def _cname_kept(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[str | None, float]:
    status, answer, _, denial = await _resolve_full(resolver, host.rstrip("."), "CNAME", timeout)
    targets = [
        r.value
        for r in (answer.records if answer is not None else ())
        if r.rtype == dnswire.CNAME and isinstance(r.value, str)
    ]
    return (targets[0] if targets else None), kept_for(status, answer, denial)


async def _alias(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float, plain: bool
) -> tuple[str | None, float]:
    # A host that owns address records is no alias: nothing asked, nothing to expire.
    return (None, float("inf")) if plain else await _cname_kept(resolver, host, timeout)


CaaAnswer = tuple[LookupStatus, tuple[CaaRecord, ...], str | None]
"""What one owner name answered for CAA: status, its CAA records, and the error if it failed."""


async def caa_at(
    resolver: dns.asyncresolver.Resolver, owner: str, timeout: float
) -> tuple[CaaAnswer, float]:
    """The CAA records at exactly ``owner``, and how long the answer may be kept (0: not at all).

    A negative answer is kept as RFC 2308 §5 says: the lesser of the SOA's TTL and its minimum.
    """
    status, answer, why, denial = await _resolve_full(resolver, owner, "CAA", timeout)
    records = tuple(
        CaaRecord(r.value.flags, _text(r.value.tag), _text(r.value.value))
        for r in (answer.records if answer is not None else ())
        if isinstance(r.value, dnswire.Caa)
    )
    return (status, records, why), kept_for(status, answer, denial)


async def lookup_caa(
    resolver: dns.asyncresolver.Resolver,
    name: str,
    timeout: float,
    *,
    ask: Callable[[str], Awaitable[CaaAnswer]] | None = None,
) -> CaaLookup:
    """The relevant CAA set of ``name`` (RFC 8659 §3): the first non-empty one up the tree.

    Every name up the tree is asked at once (a handful of queries), then the nearest non-empty
    answer wins; a failed lookup below it makes the result unknown, as it would stop a CA.
    ``ask`` answers for the names above ``name`` (a run shares the parents its domains have in
    common); by default each is asked here.
    """
    names = caa_search_names(name)
    # A long name has many parents: ask them together, but never more than a few at a time.
    gate = asyncio.Semaphore(MAX_PARALLEL_CAA)

    async def here(owner: str) -> CaaAnswer:
        return (await caa_at(resolver, owner, timeout))[0]

    async def one(owner: str, shared: bool) -> CaaAnswer:
        async with gate:
            return await (ask if shared and ask is not None else here)(owner)

    results = await asyncio.gather(*(one(n, i > 0) for i, n in enumerate(names)))
    target = normalize_host(name)
    for owner, (status, records, why) in zip(names, results, strict=True):
        if status == "error":
            return CaaLookup(name=target, status="error", error=f"CAA lookup for {owner}: {why}")
        if records:
            return CaaLookup(name=target, status="ok", owner=owner, records=records)
    return CaaLookup(name=target, status="none")


def _text(value: Any) -> str:
    raw = value if isinstance(value, bytes) else str(value).encode()
    return raw.decode("utf-8", errors="replace")


def certificate_issuer(der: bytes | None) -> tuple[tuple[str, str], ...]:
    """The issuer name of a DER certificate as (attribute, value) pairs: C, O, OU, CN."""
    if not der:
        return ()
    try:
        cert = x509.load_der_x509_certificate(der)
        attributes = list(cert.issuer)
    except (ValueError, x509.InvalidVersion):  # hostile or broken certificate bytes
        return ()
    out = []
    for attribute in attributes:
        short = _ISSUER_ATTRIBUTES.get(attribute.oid)
        if short is not None:
            value = attribute.value
            out.append(
                (short, value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
            )
    return tuple(out)


async def lookup_mx_hosts(
    resolver: dns.asyncresolver.Resolver,
    hosts: list[str],
    timeout: float,
    *,
    plain: Collection[str] = (),
) -> tuple[tuple[TlsaLookup, ...], tuple[tuple[str, str], ...]]:
    """TLSA records and CNAME status of every MX host, all asked at once.

    Returns the TLSA lookups (one per host) and (host, target) for each host that is an alias.
    Hosts in ``plain`` are known to be no alias (they own address records), so their CNAME
    query is not sent.
    """
    tlsa, cnames, _ = await mx_hosts_kept(resolver, hosts, timeout, plain=plain)
    return tlsa, cnames


async def mx_hosts_kept(
    resolver: dns.asyncresolver.Resolver,
    hosts: list[str],
    timeout: float,
    *,
    plain: Collection[str] = (),
) -> tuple[tuple[TlsaLookup, ...], tuple[tuple[str, str], ...], float]:
    """:func:`lookup_mx_hosts`, and how long the whole answer may be kept: the shortest TTL of
    the answers it was built from (negative ones as their SOA says; 0 after a failure)."""
    tlsa, aliases = await asyncio.gather(
        asyncio.gather(*(_tlsa_kept(resolver, h, timeout) for h in hosts)),
        asyncio.gather(*(_alias(resolver, h, timeout, h in plain) for h in hosts)),
    )
    cnames = tuple((h, t) for h, (t, _) in zip(hosts, aliases, strict=True) if t is not None)
    # RFC 7672 §2.2.2: for an MX that is an alias, DANE senders look for TLSA records at the
    # alias's target first, and at the MX name only when the target has none.
    at_target = await asyncio.gather(*(_tlsa_kept(resolver, t, timeout) for _, t in cnames))
    found = {
        h: replace(t, host=h, base=t.host) for (h, _), (t, _) in zip(cnames, at_target, strict=True)
    }
    chosen = [found[t.host] if t.host in found and found[t.host].records else t for t, _ in tlsa]
    keep = min((k for _, k in (*tlsa, *aliases, *at_target)), default=0.0)
    return tuple(chosen), cnames, keep
