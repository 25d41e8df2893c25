"""The lab's data model: a scenario is plain data the servers interpret.

Nothing here opens a socket. Addresses are not part of a scenario: the :class:`~.Lab` hands them
out when it starts and publishes them as A records, so one scenario can run in many labs at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CertKind = Literal["valid", "wrong-name", "untrusted", "expired"]
"""``valid``: for the right name, signed by the lab CA (in ``ca_file``); ``wrong-name``: a valid
chain for another name; ``untrusted``: right name, signed by a second CA that is not in ``ca_file``;
``expired``: right name, lab CA, validity ended in the past."""

TlsVersion = Literal["1.0", "1.1", "1.2", "1.3"]

DnsFaultKind = Literal["servfail", "refused", "drop", "delay", "truncate", "junk-additional"]

TxtValue = str | tuple[str, ...] | list[str]
"""A TXT record: one string, or several strings of one record (``("v=STSv1; ", "id=abc")``)."""

Record = tuple[str, str, "str | TxtValue"]
"""``(name, type, value)``: ``("good.test", "MX", "10 mx1.good.test.")``. Names may omit the
trailing dot; TXT values are given unquoted (a string, or a list of strings for one record)."""


@dataclass(frozen=True)
class PolicyHost:
    """What ``https://mta-sts.<domain>/.well-known/mta-sts.txt`` does."""

    body: bytes = b""
    """The response body (sent as is, so it may be hostile or huge)."""
    status: int = 200
    """HTTP status code."""
    content_type: str | None = "text/plain"
    """The Content-Type header; ``None`` sends none."""
    location: str | None = None
    """A Location header (set it with a 3xx ``status`` for a redirect)."""
    cert: CertKind = "valid"
    """The certificate presented for ``mta-sts.<domain>``."""
    hang: bool = False
    """Accept TCP on a dedicated address and never answer (not even the TLS handshake)."""
    refuse: bool = False
    """Publish a dedicated address where nothing listens: connections are refused."""
    delay: float = 0.0
    """Seconds to wait after reading the request before answering (a slow server)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra response headers."""
    issuer: str | None = None
    """Sign the certificate through an intermediate CA of this organisation (e.g. "Let's
    Encrypt") under the lab CA, sent after the leaf; ``None``: the lab CA signs it directly."""
    more: tuple[PolicyHost, ...] = ()
    """Further IPv4 addresses of the same host name, each behaving as given (its own ``more``
    is ignored): e.g. a second node serving another body."""
    ipv6: bool = False
    """Also serve this host on ``::1`` (published as AAAA where the platform can bind ``::1``;
    every such host shares that address, told apart by SNI and Host; ignored with ``hang`` or
    ``refuse``)."""


@dataclass(frozen=True)
class MxServer:
    """An SMTP server for one MX host name (the lab gives it its own loopback address)."""

    banner: str = "ESMTP lab ready"
    """Text after ``220 <host>`` in the greeting; may contain hostile text."""
    starttls: bool = True
    """Advertise and accept STARTTLS."""
    cert: CertKind = "valid"
    """The certificate presented after STARTTLS."""
    max_tls: TlsVersion | None = None
    """Highest TLS version offered (``"1.1"`` for an outdated server); ``None``: the default."""
    listen: bool = True
    """``False``: the host resolves to a loopback address where nothing listens (unreachable)."""
    extensions: tuple[str, ...] = ("PIPELINING", "SIZE 36700160", "8BITMIME")
    """EHLO keywords besides STARTTLS."""
    issuer: str | None = None
    """As for :class:`PolicyHost`: an intermediate CA, sent in the chain (for DANE-TA)."""
    silent: bool = False
    """Accept TCP and never send a greeting (a stalled server)."""
    stall_tls: bool = False
    """Answer ``220`` to STARTTLS, then never start the TLS handshake."""
    more: tuple[MxServer, ...] = ()
    """Further IPv4 addresses of the same host name, each behaving as given (their own
    ``more`` and ``ipv6`` are ignored): e.g. a second node with a broken certificate."""
    ipv6: MxServer | None = None
    """An IPv6 address on ``::1`` behaving as given, published as AAAA when the platform can
    bind ``::1``. A lab holds at most one such address (``::1`` is the only IPv6 loopback)."""


@dataclass(frozen=True)
class TlsaSpec:
    """A TLSA record at ``_25._tcp.<host>``, computed when the lab has minted its certificates."""

    host: str
    """An MX host of the scenario (its SMTP server's chain is what the record describes)."""
    usage: int = 3
    """3 DANE-EE (the leaf), 2 DANE-TA (the intermediate, or the lab CA without one)."""
    selector: int = 1
    """0 the whole certificate, 1 its public key."""
    mtype: int = 1
    """0 full, 1 SHA-256, 2 SHA-512."""
    matches: bool = True
    """``False``: describe a certificate the server does not present (the untrusted CA's)."""
    owner: str | None = None
    """Publish at ``_25._tcp.<owner>`` instead of at the host (e.g. the target of an MX alias)."""


@dataclass(frozen=True)
class DnsFault:
    """Make the DNS server misbehave for one name (and optionally one type)."""

    name: str
    """The owner name the fault applies to (case-insensitive)."""
    kind: DnsFaultKind
    """``servfail``/``refused``: answer with that rcode; ``drop``: never answer; ``delay``: answer
    after ``delay`` seconds; ``truncate``: an empty answer with TC set, over UDP and TCP alike;
    ``junk-additional``: a true answer whose additional section holds, instead of the MX hosts'
    addresses, records a checker must not take: an A record of class HS and a TXT record for
    each MX host, :data:`JUNK_ADDITIONAL` address records for other names, and ``records``."""
    rdtype: str | None = None
    """Only queries for this type (``"TXT"``); ``None``: every type."""
    delay: float = 0.0
    """Seconds, for ``kind="delay"``."""
    records: tuple[Record, ...] = ()
    """For ``kind="junk-additional"``: more records for the additional section (e.g. an address
    for another domain's MX host)."""


JUNK_ADDITIONAL = 1500
"""Address records for unrelated names in a ``junk-additional`` answer (only TCP carries it)."""
JUNK_ADDRESS = "127.66.0.1"
"""Where every junk record points: nothing listens there."""


@dataclass(frozen=True)
class Scenario:
    """One domain set up to exercise one behaviour of a checker."""

    name: str
    """Short key, e.g. ``"redirect"``."""
    domain: str
    """The mail domain in A-label form, e.g. ``"redirect.test"``."""
    description: str
    """One line for people."""
    records: tuple[Record, ...] = ()
    """DNS records. The lab adds A records for ``mta-sts.<domain>`` (when ``policy_host`` is set),
    for every host in ``mx_servers`` and in ``extra_https`` unless the scenario already has an
    A record for that name."""
    policy_host: PolicyHost | None = None
    """Behaviour of ``mta-sts.<domain>``; ``None``: no HTTPS host (and no automatic A record)."""
    mx_servers: dict[str, MxServer] = field(default_factory=dict)
    """SMTP servers by host name (lower case, no trailing dot)."""
    extra_https: dict[str, PolicyHost] = field(default_factory=dict)
    """More HTTPS hosts served like a policy host (e.g. the target of a redirect)."""
    dns_faults: tuple[DnsFault, ...] = ()
    """Misbehaviour of the DNS server for names of this scenario."""
    expect: frozenset[str] = frozenset()
    """Finding codes a correct checker must report for ``domain`` (others may appear too)."""
    tlsa: tuple[TlsaSpec, ...] = ()
    """TLSA records for the scenario's MX hosts."""
    signed: bool = False
    """The lab's resolver treats every name under ``domain`` (and the TLSA names) as
    DNSSEC-validated: it sets AD on their answers when the query asks (DO or AD bit)."""

    @property
    def policy_hostname(self) -> str:
        return f"mta-sts.{self.domain}"
