"""DANE for SMTP (RFC 7672): do an MX host's TLSA records match the chain an address presented?

Only what SMTP senders use is matched: usages DANE-TA(2) and DANE-EE(3), selectors Cert(0) and
SPKI(1), matching types Full(0), SHA2-256(1) and SHA2-512(2). PKIX usages 0 and 1 are "unusable"
for SMTP (RFC 7672 §3.1.3), as are unknown selectors and matching types.

Certificates are read with ``cryptography``; the only hashing is hashlib over the DER bytes it
gives back, so no ASN.1 is parsed here by hand. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, error, info, warning
from mtasts_tui.core.mxpattern import mx_matches
from mtasts_tui.core.text import one_line

if TYPE_CHECKING:
    from mtasts_tui.core.facts import LookupStatus

USAGE_DANE_TA = 2
USAGE_DANE_EE = 3
SELECTOR_CERT = 0
SELECTOR_SPKI = 1
MATCH_FULL = 0
MATCH_SHA256 = 1
MATCH_SHA512 = 2

MAX_CHAIN = 16
"""Certificates looked at per chain: a hostile server may send hundreds."""
MAX_RECORDS = 64
"""TLSA records matched per host: a hostile zone may publish thousands."""

DnssecState = Literal["signed", "unsigned", "unknown"]
"""signed: the resolver validated the answer (AD bit); unsigned: a validating resolver did not;
unknown: the resolver does not validate, so nothing can be said."""


@dataclass(frozen=True, slots=True)
class TlsaRecord:
    usage: int
    """Certificate usage: 2 DANE-TA (a trust anchor in the chain), 3 DANE-EE (the server's own)."""
    selector: int
    """0: the whole certificate; 1: its SubjectPublicKeyInfo."""
    mtype: int
    """Matching type: 0 the selected bytes themselves, 1 their SHA-256, 2 their SHA-512."""
    data: bytes
    """The certificate association data."""

    @property
    def usable(self) -> bool:
        """Whether SMTP senders use this record at all (RFC 7672 §3.1.3)."""
        return (
            self.usage in (USAGE_DANE_TA, USAGE_DANE_EE)
            and self.selector in (SELECTOR_CERT, SELECTOR_SPKI)
            and self.mtype in (MATCH_FULL, MATCH_SHA256, MATCH_SHA512)
        )

    def text(self) -> str:
        """Presentation format, as a zone file shows it: ``3 1 1 ab12…``."""
        return f"{self.usage} {self.selector} {self.mtype} {self.data.hex()}"


@dataclass(frozen=True, slots=True)
class TlsaLookup:
    host: str
    """The MX host, lowercase, without trailing dot."""
    status: LookupStatus
    records: tuple[TlsaRecord, ...] = ()
    authenticated: bool | None = None
    """The resolver's AD bit on the answer; None when no answer came."""
    error: str | None = None
    base: str | None = None
    """The TLSA base domain when it is not the MX host: the CNAME target of an MX that is an
    alias, where the records were found (RFC 7672 §2.2.2)."""

    @property
    def name(self) -> str:
        """Where SMTP's TLSA records live (RFC 7672 §2.2): ``_25._tcp.<base or mx host>``."""
        return tlsa_name(self.base or self.host)


def tlsa_name(host: str) -> str:
    return f"_25._tcp.{normalize_host(host)}"


def association_data(cert_der: bytes, selector: int, mtype: int) -> bytes | None:
    """What a TLSA record with this selector and matching type holds for ``cert_der``.

    None when the certificate cannot be read or the parameters are not ones SMTP uses.
    """
    if selector == SELECTOR_CERT:
        selected = cert_der
    elif selector == SELECTOR_SPKI:
        cert = _load(cert_der)
        if cert is None:
            return None
        try:
            key = cert.public_key()
        except (ValueError, UnsupportedAlgorithm):  # a key type this build cannot load
            return None
        selected = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    else:
        return None
    if mtype == MATCH_FULL:
        return selected
    if mtype == MATCH_SHA256:
        return hashlib.sha256(selected).digest()
    if mtype == MATCH_SHA512:
        return hashlib.sha512(selected).digest()
    return None


def _load(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion):  # hostile bytes; InvalidVersion is no ValueError
        return None


def _certifies(cert: bytes, record: TlsaRecord) -> bool:
    return association_data(cert, record.selector, record.mtype) == record.data


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _leaf_names(leaf: x509.Certificate) -> list[str]:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (x509.ExtensionNotFound, ValueError):  # none, or malformed extensions
        return []
    return [str(n) for n in san.value.get_values_for_type(x509.DNSName)]


def _names_match(leaf: x509.Certificate, host: str) -> bool:
    """RFC 7672 §3.2.3: with DANE-TA the server certificate must name the MX host.

    A leading ``*.`` covers exactly one label, the same rule as MTA-STS mx patterns.
    """
    return any(mx_matches(name, host) for name in _leaf_names(leaf))


def record_matches(
    record: TlsaRecord, chain: Sequence[bytes], host: str, also: Sequence[str] = ()
) -> bool:
    """Would a DANE sender accept ``chain`` (leaf first, as sent) for MX ``host`` by ``record``?

    DANE-EE(3) matches the leaf only; names and dates do not matter (RFC 7672 §3.2.1).
    DANE-TA(2) matches a certificate above the leaf, or for a full "2 0 0" record the anchor the
    record itself holds; the leaf must then chain to that anchor by signature and carry the MX
    host name, or one of ``also`` (the TLSA base domain of an aliased MX) (RFC 7671 §5.2.2,
    RFC 7672 §3.2.2-3.2.3).
    """
    if not record.usable or not chain:
        return False
    chain = chain[:MAX_CHAIN]
    if record.usage == USAGE_DANE_EE:
        return _certifies(chain[0], record)
    anchors = [i for i in range(1, len(chain)) if _certifies(chain[i], record)]
    certs = [_load(der) for der in chain]
    if any(c is None for c in certs):
        return False
    loaded: list[x509.Certificate] = [c for c in certs if c is not None]
    leaf = loaded[0]
    if not any(_names_match(leaf, name) for name in (host, *also)):
        return False
    for index in anchors:
        if all(_issued_by(loaded[k], loaded[k + 1]) for k in range(index)):
            return True
    if record.selector == SELECTOR_CERT and record.mtype == MATCH_FULL:
        # The record carries the anchor itself, so the server need not send it.
        anchor = _load(record.data)
        if anchor is not None:
            # Any certificate of the chain may be the one the anchor signed, if the chain
            # below it holds together.
            for top in range(len(loaded)):
                if _issued_by(loaded[top], anchor) and all(
                    _issued_by(loaded[k], loaded[k + 1]) for k in range(top)
                ):
                    return True
    return False


def matching_records(
    records: Sequence[TlsaRecord], chain: Sequence[bytes], host: str, also: Sequence[str] = ()
) -> tuple[int, ...]:
    """Indexes of the records that match ``chain``; empty when none does."""
    return tuple(
        i
        for i, record in enumerate(records[:MAX_RECORDS])
        if record_matches(record, chain, host, also)
    )


def dnssec_state(authenticated: bool | None, resolver_validates: bool | None) -> DnssecState:
    """The DNSSEC state of one answer, from its AD bit and whether the resolver validates.

    A resolver that sets AD on any answer validates. One that never does may simply not validate,
    so a missing AD bit means "unsigned" only when the resolver is known to validate.
    """
    if authenticated:
        return "signed"
    if resolver_validates and authenticated is not None:
        return "unsigned"
    return "unknown"


@dataclass(frozen=True, slots=True)
class TlsaVerdict:
    """What DANE senders make of one MX host: the ``mx_tls[].tlsa`` object of ``check --json``."""

    host: str
    present: bool
    """TLSA records exist at ``_25._tcp.<host>``."""
    dnssec: DnssecState
    """Of the TLSA answer (or of its denial when there are none)."""
    records: tuple[str, ...]
    """The records in presentation format."""
    matches: bool | None
    """True: every address that presented a chain matches a usable record; False: one did not;
    None: no records, or no chain was seen."""
    mismatched: tuple[str, ...] = ()
    """Addresses whose chain no record matches."""
    usable: int = 0
    """How many of the records SMTP senders use (usages 2 and 3, known selector and type)."""
    base: str | None = None
    """The TLSA base domain when it is not the host (an aliased MX's target)."""

    def to_json(self) -> dict[str, object]:
        return {
            "present": self.present,
            "dnssec": self.dnssec,
            "records": list(self.records),
            "matches": self.matches,
        }


def judge_tlsa(
    host: str,
    lookup: TlsaLookup | None,
    chains: Sequence[tuple[str, Sequence[bytes]]],
    resolver_validates: bool | None,
) -> TlsaVerdict:
    """Match the TLSA records of ``host`` against the chain each address presented.

    ``chains`` holds (address, chain) for every address where a TLS handshake showed a chain.
    """
    if lookup is None:
        return TlsaVerdict(host, False, "unknown", (), None)
    records = lookup.records[:MAX_RECORDS]
    dnssec = dnssec_state(lookup.authenticated, resolver_validates)
    if not records:
        return TlsaVerdict(host, False, dnssec, (), None)
    also = (lookup.base,) if lookup.base else ()
    mismatched = tuple(
        address
        for address, chain in chains
        if chain and not matching_records(records, chain, host, also)
    )
    seen = any(chain for _, chain in chains)
    return TlsaVerdict(
        host=host,
        present=True,
        dnssec=dnssec,
        records=tuple(r.text() for r in records),
        matches=(not mismatched) if seen else None,
        mismatched=mismatched,
        usable=sum(1 for r in records if r.usable),
        base=lookup.base,
    )


def dane_findings(verdict: TlsaVerdict, resolver: str) -> list[Finding]:
    """``dane-tlsa-mismatch``, ``dane-unsigned`` and ``dane-present`` for one MX host."""
    if not verdict.present:
        return []
    host = verdict.host
    where = tlsa_name(verdict.base or host)
    out: list[Finding] = []
    if verdict.mismatched:
        addresses = ", ".join(verdict.mismatched[:8])
        why = (
            "none of them is usable by SMTP senders (only usages 2 and 3 with selector 0 or 1 "
            "and matching type 0, 1 or 2 are)"
            if verdict.usable == 0
            else "none of them matches the certificate chain presented"
        )
        impact = (
            "DANE senders defer all mail to it"
            if verdict.dnssec == "signed"
            else "once the zone is signed, DANE senders will defer all mail to it"
        )
        out.append(
            error(
                "dane-tlsa-mismatch",
                f"{where} has {len(verdict.records)} TLSA record(s), but {why} at {addresses}: "
                f'{impact}. Publish a TLSA record for the current certificate or key ("3 1 1" '
                "is the usual choice) before or with each certificate change.",
                subject=host,
            )
        )
    if verdict.dnssec == "signed":
        out.append(
            info(
                "dane-present",
                f"{host} publishes DNSSEC-signed TLSA records at {where}. DANE-capable senders "
                "(Postfix, Exim, mox and large providers) apply DANE to this MX and ignore "
                "MTA-STS for it, and MTA-STS must never override a failing DANE check "
                "(RFC 8461 §2): keep the TLSA records in step with every certificate change.",
                subject=host,
            )
        )
    else:
        reason = (
            f"the resolver used ({one_line(resolver)}) does not validate DNSSEC (or could not "
            "be shown to), so whether the zone is signed is unknown; re-run with --resolver "
            "pointing at a validating resolver (e.g. 1.1.1.1)"
            if verdict.dnssec == "unknown"
            else "the answer is not DNSSEC-validated (the zone is unsigned or its chain of "
            "trust is broken)"
        )
        out.append(
            warning(
                "dane-unsigned",
                f"{where} has TLSA records but {reason}. DANE senders use TLSA records only "
                "from a signed zone, so today they give this MX no protection; sign the zone "
                "or remove the records.",
                subject=host,
            )
        )
    return out


def mx_cname_finding(host: str, target: str) -> Finding:
    """``mx-cname``: an MX target must be a host name with addresses, not an alias."""
    return warning(
        "mx-cname",
        f"The MX target {host} is a CNAME (to {one_line(target)}); RFC 2181 §10.3 forbids "
        "this and some senders refuse or mis-handle it, for DANE and MTA-STS alike. Point the "
        f"MX record at {one_line(target)} (and list that name in the policy) instead.",
        subject=host,
    )
