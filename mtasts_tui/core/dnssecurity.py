"""DNSSEC, DANE, MX aliases and CAA: what the DNS says beyond MTA-STS itself.

DANE-capable senders prefer DANE to MTA-STS for an MX with signed TLSA records, so a user deciding
on enforce needs to see both; CAA decides whether the policy host's certificate can be renewed.
Each rule lives in its own module (``dane``, ``caa``); this one applies them to a domain's facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mtasts_tui.core.caa import caa_findings, caa_records_to_add, issuer_caa_domains
from mtasts_tui.core.dane import (
    DnssecState,
    TlsaLookup,
    TlsaVerdict,
    dane_findings,
    dnssec_state,
    judge_tlsa,
    mx_cname_finding,
)
from mtasts_tui.core.facts import DomainFacts
from mtasts_tui.core.findings import Finding, warning
from mtasts_tui.core.mxpattern import mx_matches
from mtasts_tui.core.text import one_line


@dataclass(frozen=True, slots=True)
class DnsSecurity:
    resolver: str
    """The resolver that answered (``ip:port``), or the configured ones."""
    validates: bool | None
    """Whether that resolver validates DNSSEC; None when it could not be told."""
    mx: DnssecState
    """Of the MX answer."""
    sts: DnssecState
    """Of the ``_mta-sts`` TXT answer."""
    tlsa: tuple[TlsaVerdict, ...] = ()
    """One per MX host whose TLSA records were looked up, in MX order."""
    findings: tuple[Finding, ...] = ()
    blockers: tuple[str, ...] = ()

    def tlsa_for(self, host: str) -> TlsaVerdict | None:
        return next((v for v in self.tlsa if v.host == host), None)

    def to_json(self) -> dict[str, object]:
        return {
            "resolver": self.resolver,
            "validating": self.validates,
            "mx": self.mx,
            "sts_record": self.sts,
        }


def chains_of(facts: DomainFacts, host: str) -> list[tuple[str, Sequence[bytes]]]:
    """(address, chain) for every address of ``host`` where a handshake showed a chain."""
    return [
        (a.address or host, a.cert_chain_der)
        for p in facts.mx_probes
        if p.host == host
        for a in p.address_probes()
        if a.cert_chain_der
    ]


def tlsa_lookup_failed(lookup: TlsaLookup) -> Finding:
    """In a signed zone DANE senders must know whether TLSA exists; a failed lookup stops them."""
    return warning(
        "dns-error",
        f"The TLSA lookup for {lookup.name} failed ({one_line(lookup.error or 'no answer')}). "
        "In a DNSSEC-signed zone DANE senders defer mail to this MX until the lookup works: "
        "make the name servers answer TLSA queries (with NXDOMAIN or NODATA when there are none).",
        subject=lookup.host,
    )


def judge_dns_security(facts: DomainFacts) -> DnsSecurity:
    resolver = facts.resolver.name if facts.resolver else "unknown"
    answers = [facts.mx.authenticated, facts.sts.authenticated]
    answers += [t.authenticated for t in facts.tlsa]
    # A resolver that set AD anywhere validates, even if the signed-name probe got lost.
    validates = True if any(answers) else (facts.resolver.validates if facts.resolver else None)
    findings: list[Finding] = []
    blockers: list[str] = []
    for host, target in facts.mx_cnames:
        findings.append(mx_cname_finding(host, target))
    mx_state = dnssec_state(facts.mx.authenticated, validates)
    verdicts: list[TlsaVerdict] = []
    for lookup in facts.tlsa:
        if lookup.status == "error" and mx_state == "signed":
            findings.append(tlsa_lookup_failed(lookup))
        verdict = judge_tlsa(lookup.host, lookup, chains_of(facts, lookup.host), validates)
        verdicts.append(verdict)
        findings.extend(dane_findings(verdict, resolver))
        if verdict.mismatched:
            blockers.append(f"{lookup.host}'s TLSA records match no certificate it presents")
    policy = facts.policy
    if policy is not None and policy.status is not None and policy.cert_issuer:
        host = f"mta-sts.{facts.domain}"
        wildcard = host not in [n.lower() for n in policy.cert_names] and any(
            mx_matches(n, host) for n in policy.cert_names
        )
        findings.extend(caa_findings(facts.caa, policy.cert_issuer, wildcard))
    return DnsSecurity(
        resolver=resolver,
        validates=validates,
        mx=mx_state,
        sts=dnssec_state(facts.sts.authenticated, validates),
        tlsa=tuple(verdicts),
        findings=tuple(findings),
        blockers=tuple(blockers),
    )


def caa_lines_to_add(facts: DomainFacts) -> tuple[str, ...]:
    """The CAA lines the bundle should show for this domain (``BundleSpec.caa_records_to_add``).

    Empty when no CAA set exists, when it already allows today's CA, or when today's CA is not
    one whose CAA domain is known (the ``caa-issuer-unknown`` finding says so instead).
    """
    caa, policy = facts.caa, facts.policy
    if caa is None or caa.status != "ok" or policy is None:
        return ()
    domains = issuer_caa_domains(policy.cert_issuer)
    if not domains:
        return ()
    return caa_records_to_add(caa.name, caa.records, domains[0])
