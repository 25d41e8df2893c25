"""What the probes observed, as plain data: the input of the judge.

The probe layer fills these in from the network; the core judges them into findings. Keeping them
here (no I/O, no network types) lets tests and the wizard build facts by hand.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mtasts_tui.core.caa import CaaLookup
from mtasts_tui.core.dane import TlsaLookup
from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.rua import RuaProbe

LookupStatus = Literal["ok", "nxdomain", "nodata", "error"]
"""ok: records found; nxdomain/nodata: the record does not exist; error: the lookup failed."""

AddressFamily = Literal["ipv4", "ipv6"]

MODERN_TLS_VERSIONS = frozenset({"TLSv1.2", "TLSv1.3"})
"""What careful senders accept (RFC 8996 deprecates older versions)."""


def address_family(address: str) -> AddressFamily:
    """``ipv6`` for an IPv6 literal (IPv4-mapped ones included), else ``ipv4``."""
    try:
        return "ipv6" if ipaddress.ip_address(address).version == 6 else "ipv4"
    except ValueError:
        return "ipv6" if ":" in address else "ipv4"


@dataclass(frozen=True, slots=True)
class TxtLookup:
    name: str
    """The queried name, e.g. ``_mta-sts.example.com``."""
    status: LookupStatus
    records: tuple[tuple[str, ...], ...] = ()
    """One tuple of character-strings per TXT record, exactly as served."""
    error: str | None = None
    """Why the lookup failed (SERVFAIL, timeout, ...), when status is error."""
    authenticated: bool | None = None
    """The resolver's AD bit on the answer (DNSSEC-validated); None when no answer came."""


@dataclass(frozen=True, slots=True)
class MxRecord:
    host: str
    """The exchange as served (may carry uppercase); no trailing dot."""
    preference: int


@dataclass(frozen=True, slots=True)
class MxLookup:
    status: LookupStatus
    records: tuple[MxRecord, ...] = ()
    error: str | None = None
    null_mx: bool = False
    """The domain publishes a null MX (RFC 7505 "0 ."): it accepts no mail at all."""
    authenticated: bool | None = None
    """The resolver's AD bit on the answer (DNSSEC-validated); None when no answer came."""

    def by_preference(self) -> list[MxRecord]:
        """Records in the order senders try them (name order within a preference)."""
        return sorted(self.records, key=lambda r: (r.preference, r.host.lower()))


@dataclass(frozen=True, slots=True)
class PolicyFetch:
    url: str
    address: str | None = None
    """The IP address connected to, if any."""
    status: int | None = None
    """The HTTP status code, when a response arrived."""
    content_type: str | None = None
    location: str | None = None
    """The Location header of a 3xx answer (never followed)."""
    body: bytes | None = None
    """The body, at most the size limit; None when none was read."""
    truncated: bool = False
    """The body was longer than the limit and was cut."""
    tls_error: str | None = None
    """Certificate or handshake problem, in words."""
    error: str | None = None
    """Resolution, connection or timeout problem, in words."""
    tls_version: str | None = None
    cert_names: tuple[str, ...] = ()
    """DNS names of the policy host's certificate, when the handshake succeeded."""
    cert_not_after: str | None = None
    """Its expiry as ISO 8601 UTC."""
    cert_issuer: tuple[tuple[str, str], ...] = ()
    """The certificate's issuer name as (attribute, value) pairs, e.g. ("O", "Let's Encrypt")."""
    addresses: tuple[PolicyFetch, ...] = ()
    """One fetch per address of the policy host (each with empty ``addresses``). The fields above
    are those of the addresses that agree (see ``policy_consensus``); empty for a fetch made by
    hand or when the host had no address."""
    skipped: tuple[str, ...] = ()
    """Addresses beyond the per-host cap, not fetched."""

    @property
    def family(self) -> AddressFamily | None:
        return address_family(self.address) if self.address else None

    @property
    def reachable(self) -> bool:
        """An HTTP answer or a TLS verdict came back: the address is there."""
        return self.status is not None or self.tls_error is not None

    def outcome(self) -> tuple[object, ...]:
        """What a sender sees from this address; two addresses agree when these are equal."""
        if self.tls_error is not None:
            return ("tls", self.tls_error)
        if self.status is None:
            return ("error", self.error)
        return ("http", self.status, self.body, self.truncated, self.content_type)


def policy_consensus(fetches: Sequence[PolicyFetch]) -> tuple[PolicyFetch, tuple[str, ...]]:
    """The fetch most reachable addresses agree on, and the reachable addresses that differ.

    Unreachable addresses (no answer at all) neither vote nor count as different: whether they
    are reachable is a separate question. Ties go to the address that came first.
    """
    reached = [f for f in fetches if f.reachable]
    if not reached:
        return fetches[0], ()
    groups: dict[tuple[object, ...], list[PolicyFetch]] = {}
    for fetch in reached:
        groups.setdefault(fetch.outcome(), []).append(fetch)
    winner = max(groups.values(), key=len)
    odd = tuple(f.address or "?" for f in reached if f.outcome() != winner[0].outcome())
    return winner[0], odd


CertProblem = Literal["name-mismatch", "untrusted", "expired", "other"]


@dataclass(frozen=True, slots=True)
class MxAddressProbe:
    """The STARTTLS probe of one address of an MX host."""

    address: str
    """The IP address connected to (IPv4 dotted quad or IPv6 text)."""
    reachable: bool = False
    """A TCP connection to the SMTP port was made and a banner read."""
    banner: str | None = None
    starttls: bool | None = None
    """STARTTLS advertised and accepted; None when not known (unreachable)."""
    tls_version: str | None = None
    """e.g. TLSv1.3; set also when the handshake failed verification but a version was seen."""
    cipher: str | None = None
    cert_valid: bool | None = None
    """Chain trusted, not expired and valid for the host name; None when no handshake."""
    cert_problem: CertProblem | None = None
    cert_names: tuple[str, ...] = ()
    """DNS names of the leaf certificate (SAN, else CN)."""
    cert_not_after: str | None = None
    """Expiry of the leaf as ISO 8601 UTC."""
    cert_sha256: str | None = None
    """SHA-256 of the leaf certificate's DER, lowercase hex."""
    cert_chain_der: tuple[bytes, ...] = ()
    """The chain the server presented, DER, leaf first (also after a failed verification, from
    the second, unverified look), for DANE matching. Not part of the JSON output."""
    error: str | None = None
    elapsed: float = 0.0
    timed_out: bool = False
    """The step's time ran out before the check finished (a stalled server): inconclusive.
    The fields above keep what was seen until then."""

    @property
    def family(self) -> AddressFamily:
        return address_family(self.address)

    @property
    def passes(self) -> bool:
        """Reached, STARTTLS, TLS 1.2 or newer, certificate verified: what enforce needs."""
        return bool(
            self.reachable
            and not self.timed_out
            and self.starttls
            and self.cert_valid
            and self.tls_version in MODERN_TLS_VERSIONS
        )


_TLS_RANK = {"TLSv1.3": 5, "TLSv1.2": 4, "TLSv1.1": 3, "TLSv1": 2, "SSLv3": 1}


@dataclass(frozen=True, slots=True)
class MxProbe:
    host: str
    """The MX host name, lowercase, without trailing dot."""
    address: str | None = None
    reachable: bool = False
    """A TCP connection to the SMTP port was made and a banner read."""
    banner: str | None = None
    starttls: bool | None = None
    """STARTTLS advertised and accepted; None when not known (unreachable)."""
    tls_version: str | None = None
    """e.g. TLSv1.3; set also when the handshake failed verification but a version was seen."""
    cipher: str | None = None
    cert_valid: bool | None = None
    """Chain trusted, not expired and valid for the host name; None when no handshake."""
    cert_problem: CertProblem | None = None
    cert_names: tuple[str, ...] = ()
    """DNS names of the certificate (SAN, else CN)."""
    cert_not_after: str | None = None
    """Expiry as ISO 8601 UTC."""
    error: str | None = None
    elapsed: float = 0.0
    addresses: tuple[MxAddressProbe, ...] = ()
    """Every probed address. The fields above summarise them (``from_addresses``); a probe built
    by hand with no addresses stands for one address."""
    skipped: tuple[str, ...] = ()
    """Addresses beyond the per-host or per-domain cap: published, not probed."""

    @classmethod
    def from_addresses(
        cls,
        host: str,
        addresses: Sequence[MxAddressProbe],
        *,
        skipped: Sequence[str] = (),
        error: str | None = None,
        elapsed: float = 0.0,
    ) -> MxProbe:
        """The host-level view: a field is true only when every reachable address agrees.

        Strings are taken from the weakest reachable address (the first one that does not pass,
        else the first reached), so the host line never looks better than its worst node.
        ``error`` is used when there is no address at all (the lookup failed).
        """
        name = normalize_host(host)
        if not addresses:
            return cls(host=name, error=error, elapsed=elapsed, skipped=tuple(skipped))
        reached = [a for a in addresses if a.reachable]
        if not reached:
            first = addresses[0]
            return cls(
                host=name,
                address=first.address,
                error=first.error,
                elapsed=elapsed,
                addresses=tuple(addresses),
                skipped=tuple(skipped),
            )
        weakest = next((a for a in reached if not a.passes and not a.timed_out), reached[0])
        versions = [a.tls_version for a in reached if a.tls_version]
        expiries = [a.cert_not_after for a in reached if a.cert_not_after]
        return cls(
            host=name,
            address=weakest.address,
            reachable=True,
            banner=weakest.banner,
            starttls=_all_true(a.starttls for a in reached),
            tls_version=min(versions, key=lambda v: _TLS_RANK.get(v, 0)) if versions else None,
            cipher=weakest.cipher,
            cert_valid=_all_true(a.cert_valid for a in reached),
            cert_problem=next((a.cert_problem for a in reached if a.cert_problem), None),
            cert_names=weakest.cert_names,
            cert_not_after=min(expiries) if expiries else None,
            error=next((a.error for a in reached if a.error), None),
            elapsed=elapsed,
            addresses=tuple(addresses),
            skipped=tuple(skipped),
        )

    def address_probes(self) -> tuple[MxAddressProbe, ...]:
        """The per-address results; a hand-built probe without them counts as one address."""
        if self.addresses:
            return self.addresses
        return (
            MxAddressProbe(
                address=self.address or "",
                reachable=self.reachable,
                banner=self.banner,
                starttls=self.starttls,
                tls_version=self.tls_version,
                cipher=self.cipher,
                cert_valid=self.cert_valid,
                cert_problem=self.cert_problem,
                cert_names=self.cert_names,
                cert_not_after=self.cert_not_after,
                error=self.error,
                elapsed=self.elapsed,
            ),
        )


def _all_true(values: Iterable[bool | None]) -> bool | None:
    """False if any is False, else None if any is unknown, else True."""
    seen = list(values)
    if any(v is False for v in seen):
        return False
    if any(v is None for v in seen):
        return None
    return True


@dataclass(frozen=True, slots=True)
class DomainFacts:
    domain: str
    """A-label form."""
    mx: MxLookup
    sts: TxtLookup
    tlsrpt: TxtLookup
    policy: PolicyFetch | None
    mx_probes: tuple[MxProbe, ...] = field(default=())
    smtp_checked: bool = True
    """False when the STARTTLS probes were skipped (--no-smtp)."""
    rua_probes: tuple[RuaProbe, ...] = field(default=())
    """What the probe saw at each TLS-RPT rua destination (empty when not looked at)."""
    resolver: ResolverInfo | None = None
    """Which resolver answered, and whether it validates DNSSEC."""
    tlsa: tuple[TlsaLookup, ...] = ()
    """TLSA lookups at ``_25._tcp.<mx>``, one per probed MX host."""
    mx_cnames: tuple[tuple[str, str], ...] = ()
    """(MX host, CNAME target) for every MX host name that is an alias."""
    caa: CaaLookup | None = None
    """The CAA set relevant to ``mta-sts.<domain>`` (RFC 8659), when looked up."""


@dataclass(frozen=True, slots=True)
class ResolverInfo:
    name: str
    """The resolver that answered, as ``ip:port``, or the configured ones when none did."""
    validates: bool | None
    """True: it set AD on a known-signed name or on any answer; False: it did not on the signed
    probe; None: the probe failed, so it is not known."""
