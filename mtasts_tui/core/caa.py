"""CAA (RFC 8659) for the policy host: may the CA that issued today's certificate renew it?

Renewals fail silently when a CAA set, often published years ago at the parent domain, does not
name the CA the policy host now uses; the policy then expires in senders' caches. Pure: the probe
layer does the lookups, this module decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, info, warning
from mtasts_tui.core.text import one_line
from mtasts_tui.core.zone import zone_line

CAA_TTL = 3600
CRITICAL = 0x80
"""The issuer-critical flag: a CA that does not understand the tag must not issue (§4.1)."""
MAX_CAA_RECORDS = 64
"""Records looked at in one set: a hostile zone may publish thousands."""

ISSUER_CAA_DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("let's encrypt", ("letsencrypt.org",)),
    ("google trust services", ("pki.goog",)),
    ("digicert", ("digicert.com",)),
    ("sectigo", ("sectigo.com",)),
    ("amazon", ("amazon.com", "amazontrust.com", "awstrust.com", "amazonaws.com")),
    ("globalsign", ("globalsign.com",)),
    ("entrust", ("entrust.net",)),
    ("buypass", ("buypass.com",)),
    ("ssl corporation", ("ssl.com",)),
    ("godaddy", ("godaddy.com",)),
)
"""Issuer organisation (lowercase prefix of the certificate's issuer O) → the CAA issuer domains
the CA documents, the one to publish first. A CA that is not listed is reported as unknown rather
than guessed at."""


@dataclass(frozen=True, slots=True)
class CaaRecord:
    flags: int
    tag: str
    """``issue``, ``issuewild``, ``iodef`` or another property tag."""
    value: str

    def text(self) -> str:
        return f'{self.flags} {self.tag} "{self.value}"'


@dataclass(frozen=True, slots=True)
class CaaLookup:
    name: str
    """The name certificates are issued for: ``mta-sts.<domain>``."""
    status: Literal["ok", "none", "error"]
    """ok: a relevant set was found; none: no name up the tree has CAA; error: a lookup failed."""
    owner: str | None = None
    """Where the relevant set lives (the name itself or a parent)."""
    records: tuple[CaaRecord, ...] = ()
    error: str | None = None


def caa_search_names(name: str) -> list[str]:
    """The names RFC 8659 §3 asks, in order: ``name``, then each parent, never the root."""
    labels = [label for label in normalize_host(name).split(".") if label]
    return [".".join(labels[i:]) for i in range(len(labels))]


def issuer_caa_domains(issuer: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The CAA issuer domains of the CA named by a certificate's issuer; empty when unknown."""
    organisations = [value.strip().lower() for attr, value in issuer if attr == "O"]
    for prefix, domains in ISSUER_CAA_DOMAINS:
        if any(org.startswith(prefix) for org in organisations):
            return domains
    return ()


def issuer_label(issuer: Sequence[tuple[str, str]]) -> str:
    """The issuer in a few words: its organisation and common name."""
    parts = [value for attr, value in issuer if attr in ("O", "CN")]
    return one_line(", ".join(parts) or "an unnamed issuer")


def _issuer_domain(value: str) -> str:
    """The issuer-domain-name of an issue value (``letsencrypt.org; accounturi=…``)."""
    return normalize_host(value.split(";", 1)[0])


def restricts(records: Sequence[CaaRecord], wildcard: bool = False) -> bool:
    """Does the set limit which CAs may issue (an issue/issuewild tag, or a critical unknown)?"""
    return bool(_issue_values(records, wildcard)) or bool(_critical_unknown(records))


def _issue_values(records: Sequence[CaaRecord], wildcard: bool) -> list[str]:
    limited = list(records[:MAX_CAA_RECORDS])
    issue = [r.value for r in limited if r.tag.lower() == "issue"]
    if wildcard:
        # §4.3: issuewild, where present, replaces issue for wildcard certificates.
        wild = [r.value for r in limited if r.tag.lower() == "issuewild"]
        if wild:
            return wild
    return issue


def _critical_unknown(records: Sequence[CaaRecord]) -> list[CaaRecord]:
    known = {"issue", "issuewild", "iodef", "contactemail", "contactphone", "issuemail"}
    return [
        r for r in records[:MAX_CAA_RECORDS] if r.flags & CRITICAL and r.tag.lower() not in known
    ]


def caa_allows(
    records: Sequence[CaaRecord], issuer_domains: Sequence[str], wildcard: bool = False
) -> bool:
    """Whether a CA known by ``issuer_domains`` may issue under this relevant set (RFC 8659 §4)."""
    if not records:
        return True
    if _critical_unknown(records):
        return False
    values = _issue_values(records, wildcard)
    if not values:
        return True  # only iodef or other non-restricting properties
    wanted = {normalize_host(d) for d in issuer_domains}
    return any(_issuer_domain(v) in wanted for v in values)


def caa_records_to_add(
    host: str, relevant: Sequence[CaaRecord], issuer_domain: str
) -> tuple[str, ...]:
    """Zone-file lines that let ``issuer_domain`` issue for ``host``; empty when none are needed.

    Nothing is needed without a CAA set (any CA may issue) or when the set already allows the
    issuer. The line goes on the policy host itself, not on the parent: a set there becomes the
    relevant one for that name only, so no other name of the domain gains an allowed CA.
    """
    if not relevant or caa_allows(relevant, (issuer_domain,)):
        return ()
    owner = normalize_host(host) + "."
    return (zone_line(owner, CAA_TTL, "CAA", f'0 issue "{issuer_domain.lower()}"'),)


def caa_findings(
    caa: CaaLookup | None,
    issuer: Sequence[tuple[str, str]],
    wildcard: bool = False,
) -> list[Finding]:
    """``caa-blocks-issuer`` when the relevant set forbids today's issuer, ``caa-issuer-unknown``
    when a restricting set exists but the issuer is not one we can map to a CAA domain."""
    if caa is None or caa.status != "ok" or not caa.records or not issuer:
        return []
    if not restricts(caa.records, wildcard):
        return []
    where = caa.owner or caa.name
    shown = "; ".join(one_line(r.text()) for r in caa.records[:6])
    label = issuer_label(issuer)
    domains = issuer_caa_domains(issuer)
    if not domains:
        return [
            info(
                "caa-issuer-unknown",
                f"CAA records at {where} ({shown}) limit which CAs may issue for {caa.name}, "
                f"and its certificate comes from {label}, a CA this tool cannot map to a CAA "
                "domain. Check that one issue record names that CA, or renewal will fail.",
                subject=caa.name,
            )
        ]
    if caa_allows(caa.records, domains, wildcard):
        return []
    lines = caa_records_to_add(caa.name, caa.records, domains[0])
    add = f' Add: {lines[0].split(None, 1)[0]} CAA 0 issue "{domains[0]}".' if lines else ""
    return [
        warning(
            "caa-blocks-issuer",
            f"CAA records at {where} ({shown}) do not allow {domains[0]}, the CA of the "
            f"certificate {caa.name} serves today ({label}): its next renewal will fail and "
            f"senders will stop fetching the policy once the certificate expires.{add}",
            subject=caa.name,
        )
    ]
