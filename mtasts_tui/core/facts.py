"""What the probes observed, as plain data: the input of the judge.

The probe layer fills these in from the network; the core judges them into findings. Keeping them
here (no I/O, no network types) lets tests and the wizard build facts by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mtasts_tui.core.caa import CaaLookup
from mtasts_tui.core.dane import TlsaLookup

LookupStatus = Literal["ok", "nxdomain", "nodata", "error"]
"""ok: records found; nxdomain/nodata: the record does not exist; error: the lookup failed."""


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


CertProblem = Literal["name-mismatch", "untrusted", "expired", "other"]


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
    cert_chain_der: tuple[bytes, ...] = ()
    """The certificates the server sent, leaf first, in DER (for DANE matching)."""


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
