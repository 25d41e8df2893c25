"""Turning what the probes saw into findings and the one question that matters: safe to enforce?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from mtasts_tui.core.dnssecurity import DnsSecurity, judge_dns_security
from mtasts_tui.core.facts import DomainFacts, MxProbe, PolicyFetch, TxtLookup
from mtasts_tui.core.findings import Finding, Severity, error, info, sort_findings, warning
from mtasts_tui.core.mxpattern import coverage, coverage_findings, is_valid_mx_pattern
from mtasts_tui.core.policy import PolicyCheck, parse_policy, policy_too_large
from mtasts_tui.core.stsrecord import StsRecordCheck, check_sts_records
from mtasts_tui.core.text import one_line
from mtasts_tui.core.tlsrpt import TlsRptCheck, check_tlsrpt_records

MODERN_TLS_VERSIONS = frozenset({"TLSv1.2", "TLSv1.3"})
CERT_EXPIRY_WARNING_DAYS = 14
"""A valid MX certificate closer than this to expiry gets a warning."""


@dataclass(frozen=True, slots=True)
class Judgement:
    sts: StsRecordCheck | None
    """None when the lookup failed (see the dns-error finding)."""
    tlsrpt: TlsRptCheck | None
    policy: PolicyCheck | None
    """None when no policy body was fetched."""
    policy_valid: bool
    """The policy parses and is served so that senders accept it (200, text/plain, small)."""
    coverage: tuple[tuple[str, tuple[str, ...]], ...]
    """(MX host, patterns covering it) in MX preference order."""
    findings: tuple[Finding, ...]
    enforce_ready: bool
    verdict: str
    """One line for people: safe to enforce, or the main reason why not."""
    blockers: tuple[str, ...] = field(default=())
    """Every reason enforce_ready is false, in words."""
    dns_security: DnsSecurity | None = None
    """DNSSEC state, TLSA matching per MX, MX aliases and CAA."""

    def covered_by(self, host: str) -> tuple[str, ...]:
        return next((patterns for h, patterns in self.coverage if h == host), ())


def judge(facts: DomainFacts, now: datetime | None = None) -> Judgement:
    """Judge what the probes saw. ``now`` enables the certificate-expiry warning."""
    findings: list[Finding] = []
    blockers: list[str] = []

    hosts: list[str] = []
    if facts.mx.status == "error":
        findings.append(_dns_error("MX", facts.domain, facts.mx.error, "error"))
        blockers.append("the MX lookup failed")
    elif facts.mx.null_mx and not facts.mx.records:
        findings.append(
            error(
                "mx-missing",
                f"{facts.domain} publishes a null MX (RFC 7505): it accepts no mail, so there is "
                "nothing for MTA-STS to protect. Publish real MX records if it should get mail.",
            )
        )
        blockers.append("the domain accepts no mail (null MX)")
    elif facts.mx.status in ("nxdomain", "nodata") or not facts.mx.records:
        findings.append(
            error(
                "mx-missing",
                f"{facts.domain} has no MX records, so there is no mail server for a policy to "
                "protect. Publish MX records first (MTA-STS does not cover the implicit MX).",
            )
        )
        blockers.append("the domain has no MX records")
    else:
        ordered = facts.mx.by_preference()
        hosts = [r.host.rstrip(".").lower() for r in ordered]

    sts = _judge_txt(facts.sts, "_mta-sts", findings, blockers)
    sts_check = check_sts_records(sts) if sts is not None else None
    if sts_check is not None:
        findings.extend(sts_check.findings)
        if not sts_check.valid:
            blockers.append("the _mta-sts record is missing or invalid")

    rpt = _judge_txt(facts.tlsrpt, "_smtp._tls", findings, None)
    rpt_check = check_tlsrpt_records(rpt) if rpt is not None else None
    if rpt_check is not None:
        findings.extend(rpt_check.findings)

    sts_present = sts_check is not None and sts_check.record is not None
    policy_check = None
    if facts.policy is not None:
        body_ok = _judge_fetch(facts.policy, sts_present, findings)
        if facts.policy.status is not None:  # the TLS handshake succeeded
            findings.extend(
                _expiring(
                    "policy-cert-expiring",
                    f"mta-sts.{facts.domain}",
                    facts.policy.cert_not_after,
                    now,
                    "senders cannot fetch the policy and stop applying it when their copy expires",
                )
            )
        if body_ok and facts.policy.body is not None:
            policy_check = parse_policy(facts.policy.body)
            findings.extend(policy_check.findings)
    policy_valid = policy_check is not None and policy_check.policy is not None
    if not policy_valid:
        blockers.append("no valid policy is served")
    elif any(f.code == "policy-content-type" for f in findings):
        policy_valid = False
        blockers.append("the policy is not served as text/plain")

    policy = policy_check.policy if policy_check else None
    # Show coverage even for an invalid policy, from its well-formed patterns.
    shown_patterns = [p for p in policy_check.mx if is_valid_mx_pattern(p)] if policy_check else []
    cover = coverage(shown_patterns, hosts)
    if policy is not None and hosts and policy.mode == "none" and not policy.mx:
        blockers.append("the policy (mode none) lists no mx patterns")
    elif policy is not None and hosts:
        findings.extend(coverage_findings(policy.mx, hosts, policy.mode))
        uncovered = [h for h, patterns in cover.items() if not patterns]
        if uncovered:
            blockers.append(f"{', '.join(uncovered)} not covered by the policy")

    mode = policy.mode if policy else None
    if facts.smtp_checked:
        for probe in facts.mx_probes:
            _judge_mx(probe, mode, findings, blockers, now)
        probed = {p.host for p in facts.mx_probes}
        unprobed = [h for h in hosts if h not in probed]
        if unprobed:
            shown = ", ".join(unprobed[:5]) + (" …" if len(unprobed) > 5 else "")
            findings.append(
                info(
                    "mx-not-checked",
                    f"{len(unprobed)} MX host(s) were not probed for STARTTLS ({shown}); only "
                    "the most preferred ones are. Check them separately before enforcing.",
                )
            )
            blockers.append(f"{len(unprobed)} MX host(s) were not probed")
    elif hosts:
        findings.append(
            info("mx-not-checked", "The MX hosts' STARTTLS was not checked (--no-smtp).")
        )
        blockers.append("the MX hosts' STARTTLS was not checked (--no-smtp)")

    security = judge_dns_security(facts)
    findings.extend(security.findings)
    blockers.extend(security.blockers)

    enforce_ready = not blockers
    verdict = _verdict(enforce_ready, blockers, mode, facts)
    return Judgement(
        sts=sts_check,
        tlsrpt=rpt_check,
        policy=policy_check,
        policy_valid=policy_valid,
        coverage=tuple((h, tuple(p)) for h, p in cover.items()),
        findings=tuple(sort_findings(findings)),
        enforce_ready=enforce_ready,
        verdict=verdict,
        blockers=tuple(blockers),
        dns_security=security,
    )


def _dns_error(what: str, name: str, why: str | None, severity: Severity) -> Finding:
    return Finding(
        severity,
        "dns-error",
        f"The {what} lookup for {name} failed ({one_line(why or 'no answer')}). Senders that see "
        "the same failure skip MTA-STS or defer mail; check the zone's name servers, then re-run.",
        subject=name,
    )


def _judge_txt(
    lookup: TxtLookup, label: str, findings: list[Finding], blockers: list[str] | None
) -> list[tuple[str, ...]] | None:
    if lookup.status == "error":
        severity: Severity = "error" if blockers is not None else "warning"
        findings.append(_dns_error(f"{label} TXT", lookup.name, lookup.error, severity))
        if blockers is not None:
            blockers.append(f"the {label} lookup failed")
        return None
    return list(lookup.records)


def _judge_fetch(fetch: PolicyFetch, sts_present: bool, findings: list[Finding]) -> bool:
    """Findings about the HTTPS fetch; True when the body may be parsed as a policy."""
    url = fetch.url
    if fetch.tls_error:
        findings.append(
            error(
                "policy-tls-invalid",
                f"The policy host's certificate is not valid: {one_line(fetch.tls_error)}. "
                f"Senders refuse the policy; serve {url} with a certificate for the mta-sts "
                "host name from a public CA.",
                subject=url,
            )
        )
        return False
    if fetch.error:
        if sts_present:
            findings.append(
                error(
                    "policy-fetch-failed",
                    f"Could not fetch {url}: {one_line(fetch.error)}. With a _mta-sts record "
                    "published, senders that cannot fetch the policy report failures and ignore "
                    "MTA-STS; make the policy host reachable over HTTPS.",
                    subject=url,
                )
            )
        return False
    if fetch.status is not None and 300 <= fetch.status < 400:
        where = f" to {one_line(fetch.location)}" if fetch.location else ""
        findings.append(
            error(
                "policy-redirect",
                f"{url} answers {fetch.status}, a redirect{where}. Senders never follow "
                "redirects (RFC 8461 §3.3); serve the file directly with status 200.",
                subject=url,
            )
        )
        return False
    if fetch.status != 200:
        findings.append(
            error(
                "policy-http-status",
                f"{url} answers HTTP {fetch.status}; only 200 counts. Upload the policy file "
                "to /.well-known/mta-sts.txt on the mta-sts host.",
                subject=url,
            )
        )
        return False
    media = (fetch.content_type or "").split(";", 1)[0].strip().lower()
    if media != "text/plain":
        shown = one_line(fetch.content_type) if fetch.content_type else "no Content-Type"
        findings.append(
            error(
                "policy-content-type",
                f"{url} is served as {shown}. RFC 8461 §3.2 says senders SHOULD check for "
                "text/plain and major senders do: configure the web server to send "
                "Content-Type: text/plain.",
                subject=url,
            )
        )
    if fetch.truncated:
        findings.append(policy_too_large(url))
        return False
    return True


def _expiring(
    code: str, host: str, not_after: str | None, now: datetime | None, consequence: str
) -> list[Finding]:
    """A warning when a certificate that verifies today expires within the warning window."""
    if not_after is None or now is None:
        return []
    try:
        moment = datetime.strptime(not_after, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return []
    left = (moment - now).days
    if left >= CERT_EXPIRY_WARNING_DAYS:
        return []
    return [
        warning(
            code,
            f"{host}'s certificate expires in {left} day(s) ({not_after}). Once it expires, "
            f"{consequence}: renew it now and automate renewal.",
            subject=host,
        )
    ]


def _judge_mx(
    probe: MxProbe,
    mode: str | None,
    findings: list[Finding],
    blockers: list[str],
    now: datetime | None,
) -> None:
    host = probe.host
    enforcing = mode == "enforce"
    severity: Severity = "error" if enforcing else "warning"
    consequence = (
        "senders enforcing your policy refuse to deliver to it"
        if enforcing
        else "enforce mode would refuse it"
    )
    if not probe.reachable:
        findings.append(
            warning(
                "mx-unreachable",
                f"Could not reach {host} on the SMTP port ({one_line(probe.error or 'no answer')})."
                " Outgoing port 25 is blocked on many home and cloud networks, so this is "
                "inconclusive, not a broken server; re-run from a host that can send mail.",
                subject=host,
            )
        )
        return
    if probe.starttls is False:
        findings.append(
            Finding(
                severity,
                "mx-no-starttls",
                f"{host} does not offer STARTTLS: {consequence}. Enable STARTTLS with a "
                "certificate for this host name.",
                subject=host,
            )
        )
        blockers.append(f"{host} has no STARTTLS")
        return
    if probe.tls_version is not None and probe.tls_version not in MODERN_TLS_VERSIONS:
        findings.append(
            Finding(
                severity,
                "mx-tls-version",
                f"{host} negotiates only {probe.tls_version}, below TLS 1.2; modern senders "
                f"refuse it, so {consequence}. Enable TLS 1.2 and 1.3.",
                subject=host,
            )
        )
        blockers.append(f"{host} offers only {probe.tls_version}")
        return
    if probe.cert_valid is False:
        names = ", ".join(probe.cert_names[:4]) or "no DNS names"
        if probe.cert_problem == "name-mismatch":
            findings.append(
                Finding(
                    severity,
                    "mx-cert-name-mismatch",
                    f"{host}'s certificate is for {one_line(names)}, not {host}: {consequence}. "
                    "Install a certificate whose subjectAltName includes the MX host name.",
                    subject=host,
                )
            )
            blockers.append(f"{host}'s certificate does not match its name")
        else:
            why = one_line(probe.error or probe.cert_problem or "verification failed")
            findings.append(
                Finding(
                    severity,
                    "mx-cert-invalid",
                    f"{host}'s certificate is not valid ({why}): {consequence}. Use a "
                    "certificate from a public CA that is not expired, with the full chain.",
                    subject=host,
                )
            )
            blockers.append(f"{host}'s certificate is not valid")
    elif probe.cert_valid is None and probe.starttls:
        findings.append(
            warning(
                "mx-cert-invalid",
                f"The TLS handshake with {host} failed ({one_line(probe.error or 'unknown')}).",
                subject=host,
            )
        )
        blockers.append(f"the TLS handshake with {host} failed")
    elif probe.cert_valid:
        findings.extend(
            _expiring(
                "mx-cert-expiring",
                host,
                probe.cert_not_after,
                now,
                "senders enforcing MTA-STS refuse this MX",
            )
        )


def _verdict(ready: bool, blockers: list[str], mode: str | None, facts: DomainFacts) -> str:
    if ready:
        reached = [p for p in facts.mx_probes if p.reachable]
        if facts.mx_probes and not reached:
            return (
                "Safe to enforce as far as can be seen, but no MX was reachable on port 25 from "
                "here: re-run from a host that can send mail."
            )
        if mode == "enforce":
            return "Enforcing, and every MX passes: senders deliver over verified TLS."
        return "Safe to enforce: every MX is covered and offers valid STARTTLS."
    more = f" (+{len(blockers) - 1} more)" if len(blockers) > 1 else ""
    return f"Not safe to enforce: {blockers[0]}{more}."
