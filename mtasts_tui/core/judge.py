"""Turning what the probes saw into findings and the one question that matters: safe to enforce?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256

from mtasts_tui.core.dnssecurity import DnsSecurity, judge_dns_security
from mtasts_tui.core.domain import (
    MTA_STS_PREFIXES,
    NAME_LIMIT,
    TLSRPT_PREFIX,
    normalize_host,
    prefixes_too_long,
)
from mtasts_tui.core.facts import (
    MODERN_TLS_VERSIONS,
    DomainFacts,
    MxAddressProbe,
    MxProbe,
    PolicyFetch,
    TxtLookup,
    policy_consensus,
)
from mtasts_tui.core.findings import Finding, Severity, error, info, sort_findings, warning
from mtasts_tui.core.mxpattern import coverage, coverage_findings, is_valid_mx_pattern
from mtasts_tui.core.policy import Mode, PolicyCheck, parse_policy, policy_too_large
from mtasts_tui.core.rua import rua_findings
from mtasts_tui.core.stsrecord import StsRecordCheck, check_sts_records
from mtasts_tui.core.text import one_line
from mtasts_tui.core.tlsrpt import TlsRptCheck, check_tlsrpt_records

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
    enforce_ready: bool | None
    """True: every MX address senders may use was reached and verified. False: a blocker was
    found. None: nothing blocks, but something could not be verified ("cannot tell")."""
    verdict: str
    """One line for people: safe to enforce, not safe and the main reason, or cannot tell why."""
    blockers: tuple[str, ...] = field(default=())
    """Every reason enforce_ready is false, in words."""
    unverified: tuple[str, ...] = field(default=())
    """Every reason it cannot tell (only decisive when there is no blocker), in words."""
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
        hosts = [normalize_host(r.host) for r in ordered]

    long_names = _names_too_long(facts.domain)
    if long_names is not None:
        findings.append(long_names)
        if long_names.severity == "error":
            blockers.append("the domain is too long for the _mta-sts record's name")

    sts, sts_lookup = _judge_txt(facts.sts, "_mta-sts", required=True)
    findings.extend(sts_lookup.findings)
    blockers.extend(sts_lookup.blockers)
    sts_check = check_sts_records(sts) if sts is not None else None
    if sts_check is not None:
        findings.extend(sts_check.findings)
        if not sts_check.valid:
            blockers.append("the _mta-sts record is missing or invalid")

    rpt, rpt_lookup = _judge_txt(facts.tlsrpt, "_smtp._tls", required=False)
    findings.extend(rpt_lookup.findings)
    rpt_check = check_tlsrpt_records(rpt) if rpt is not None else None
    if rpt_check is not None:
        findings.extend(rpt_check.findings)
    findings.extend(rua_findings(facts.domain, facts.rua_probes))

    sts_present = sts_check is not None and sts_check.record is not None
    policy_check = None
    if facts.policy is not None:
        body_ok, fetch_findings = _judge_fetch(facts.policy, sts_present)
        findings.extend(fetch_findings)
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
    unverified: list[str] = []
    if facts.policy is not None and facts.policy.addresses:
        spread = judge_policy_addresses(facts.policy)
        findings.extend(spread.findings)
        blockers.extend(spread.blockers)
        unverified.extend(spread.unverified)
    if facts.smtp_checked:
        checked = judge_mx_probes(facts.mx_probes, mode, now)
        findings.extend(checked.findings)
        blockers.extend(checked.blockers)
        unverified.extend(checked.unverified)
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
            unverified.append(f"{len(unprobed)} MX host(s) were not probed")
    elif hosts:
        findings.append(
            info("mx-not-checked", "The MX hosts' STARTTLS was not checked (--no-smtp).")
        )
        unverified.append("the MX hosts' STARTTLS was not checked (--no-smtp)")

    security = judge_dns_security(facts)
    findings.extend(security.findings)
    blockers.extend(security.blockers)

    enforce_ready: bool | None = False if blockers else (None if unverified else True)
    verdict = _verdict(enforce_ready, blockers, unverified, mode)
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
        unverified=tuple(unverified),
    )


def _dns_error(what: str, name: str, why: str | None, severity: Severity) -> Finding:
    return Finding(
        severity,
        "dns-error",
        f"The {what} lookup for {name} failed ({one_line(why or 'no answer')}). Senders that see "
        "the same failure skip MTA-STS or defer mail; check the zone's name servers, then re-run.",
        subject=name,
    )


def _names_too_long(domain: str) -> Finding | None:
    prefixes = prefixes_too_long(domain, (*MTA_STS_PREFIXES, TLSRPT_PREFIX))
    if not prefixes:
        return None
    listed = ", ".join(f"{p}<domain> ({len(p) + len(domain)})" for p in prefixes)
    text = (
        f"The domain is {len(domain)} characters, so {listed} would be longer than the "
        f"{NAME_LIMIT} characters a DNS name may have: "
    )
    if prefixes == (TLSRPT_PREFIX,):  # the longest prefix, so the first to be too long
        return warning(
            "domain-too-long", text + "no TLS-RPT record can be published for this domain."
        )
    return error(
        "domain-too-long",
        text + "MTA-STS cannot be deployed for this domain; no sender can find its policy.",
    )


def _judge_txt(
    lookup: TxtLookup, label: str, *, required: bool
) -> tuple[list[tuple[str, ...]] | None, Assessment]:
    """The TXT records, or None when the lookup failed (a ``dns-error``: an error and a blocker
    when the record is ``required``, else a warning)."""
    if lookup.status == "error":
        severity: Severity = "error" if required else "warning"
        failed = _dns_error(f"{label} TXT", lookup.name, lookup.error, severity)
        blockers = (f"the {label} lookup failed",) if required else ()
        return None, Assessment((failed,), blockers)
    return list(lookup.records), Assessment()


def _judge_fetch(fetch: PolicyFetch, sts_present: bool) -> tuple[bool, tuple[Finding, ...]]:
    """Findings about the HTTPS fetch, and whether the body may be parsed as a policy."""
    url = fetch.url
    findings: list[Finding] = []
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
        return False, tuple(findings)
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
        return False, tuple(findings)
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
        return False, tuple(findings)
    if fetch.status != 200:
        findings.append(
            error(
                "policy-http-status",
                f"{url} answers HTTP {fetch.status}; only 200 counts. Upload the policy file "
                "to /.well-known/mta-sts.txt on the mta-sts host.",
                subject=url,
            )
        )
        return False, tuple(findings)
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
        return False, tuple(findings)
    return True, tuple(findings)


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


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one group of rules concluded: findings, and reasons it blocks or cannot tell."""

    findings: tuple[Finding, ...] = ()
    blockers: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Problem:
    """Why one reached address would fail a sender that enforces."""

    code: str
    words: str
    """What the address does, e.g. "does not offer STARTTLS"; follows the address or host."""
    fix: str
    blocker: str
    """For the blockers list; follows the address or host."""
    soft: bool = False
    """A warning even in enforce mode: the cause is not known to be the server's."""


def address_problem(probe: MxAddressProbe) -> _Problem | None:
    """The first rule a reached address breaks, or None if it passes or it cannot be told.

    One rule, one place: host-level findings and ``mx-address-failed`` both come from here.
    """
    if probe.starttls is False:
        return _Problem(
            "mx-no-starttls",
            "does not offer STARTTLS",
            "Enable STARTTLS with a certificate for this host name.",
            "has no STARTTLS",
        )
    if probe.tls_version is not None and probe.tls_version not in MODERN_TLS_VERSIONS:
        return _Problem(
            "mx-tls-version",
            f"negotiates only {probe.tls_version}, below TLS 1.2 (modern senders refuse it)",
            "Enable TLS 1.2 and 1.3.",
            f"offers only {probe.tls_version}",
        )
    if probe.cert_valid is False:
        if probe.cert_problem == "name-mismatch":
            names = ", ".join(probe.cert_names[:4]) or "no DNS names"
            return _Problem(
                "mx-cert-name-mismatch",
                f"presents a certificate for {one_line(names)}",
                "Install a certificate whose subjectAltName includes the MX host name.",
                "has a certificate that does not match its name",
            )
        why = one_line(probe.error or probe.cert_problem or "verification failed")
        return _Problem(
            "mx-cert-invalid",
            f"presents a certificate that is not valid ({why})",
            "Use a certificate from a public CA that is not expired, with the full chain.",
            "has a certificate that is not valid",
        )
    if probe.cert_valid is None and probe.starttls:
        return _Problem(
            "mx-cert-invalid",
            f"fails the TLS handshake ({one_line(probe.error or 'unknown')})",
            "Check the server's TLS configuration.",
            "fails the TLS handshake",
            soft=True,
        )
    return None


def _unreachable_words(probe: MxAddressProbe) -> str:
    return one_line(probe.error or "no answer")


def judge_mx_probes(
    probes: tuple[MxProbe, ...], mode: Mode | None, now: datetime | None
) -> Assessment:
    """Every address of every probed MX host; a host passes only if all its addresses do."""
    findings: list[Finding] = []
    blockers: list[str] = []
    unverified: list[str] = []
    every = [a for p in probes for a in p.address_probes()]
    v6 = [a for a in every if a.address and a.family == "ipv6"]
    v6_route_missing = bool(
        v6
        and not any(a.reachable for a in v6)
        and any(a.reachable and not a.timed_out for a in every if a.family == "ipv4")
    )
    if v6_route_missing:
        shown = ", ".join(a.address for a in v6[:6]) + (" …" if len(v6) > 6 else "")
        findings.append(
            warning(
                "ipv6-unreachable",
                f"The MX hosts publish IPv6 addresses ({shown}) but none could be reached from "
                "here, while IPv4 works. Many networks have no IPv6 route, so this is "
                "inconclusive, not a broken server; re-run from a host with IPv6 to verify "
                "them, since IPv6-capable senders use them.",
            )
        )
        unverified.append("the MX hosts' IPv6 addresses could not be reached from here")
    for probe in probes:
        result = _judge_host(probe, mode, now, skip_v6=v6_route_missing)
        findings.extend(result.findings)
        blockers.extend(result.blockers)
        unverified.extend(result.unverified)
    return Assessment(tuple(findings), tuple(blockers), tuple(unverified))


def _judge_host(
    probe: MxProbe, mode: Mode | None, now: datetime | None, *, skip_v6: bool
) -> Assessment:
    host = probe.host
    enforcing = mode == "enforce"
    severity: Severity = "error" if enforcing else "warning"
    consequence = (
        "senders enforcing your policy refuse to deliver to it"
        if enforcing
        else "enforce mode would refuse it"
    )
    findings: list[Finding] = []
    blockers: list[str] = []
    unverified: list[str] = []
    addresses = probe.address_probes()
    many = len(addresses) > 1
    # A probe cut off by its time limit is inconclusive, however far it got.
    reached = [a for a in addresses if a.reachable and not a.timed_out]
    unreached = [a for a in addresses if a not in reached and not (skip_v6 and a.family == "ipv6")]
    if probe.skipped:
        shown = ", ".join(probe.skipped[:6]) + (" …" if len(probe.skipped) > 6 else "")
        findings.append(
            info(
                "mx-not-checked",
                f"{host} has {len(probe.skipped)} more address(es) than are probed ({shown}). "
                "Senders may use them: check them separately before enforcing.",
                subject=host,
            )
        )
        unverified.append(f"{len(probe.skipped)} address(es) of {host} were not probed")
        if not probe.addresses:  # the cap left none of its addresses: not checked, not unreachable
            return Assessment(tuple(findings), tuple(blockers), tuple(unverified))
    if not reached:
        if unreached or not addresses[0].address:
            why = "; ".join(dict.fromkeys(_unreachable_words(a) for a in unreached)) or "no answer"
            if any(a.reachable for a in unreached):  # it greeted us, then stalled
                message = (
                    f"{host} answered on the SMTP port but the check did not finish "
                    f"({one_line(why)}). A server that stalls mid-dialogue is inconclusive from "
                    "here; re-run later, and if it persists, check its TLS set-up."
                )
            else:
                message = (
                    f"Could not reach {host} on the SMTP port ({one_line(why)}). Outgoing port "
                    "25 is blocked on many home and cloud networks, so this is inconclusive, "
                    "not a broken server; re-run from a host that can send mail."
                )
            findings.append(warning("mx-unreachable", message, subject=host))
            stalled = any(a.reachable for a in unreached)
            unverified.append(
                f"{host} stalled before its check finished"
                if stalled
                else f"{host} could not be reached on port 25 from here"
            )
        return Assessment(tuple(findings), tuple(blockers), tuple(unverified))
    for a in unreached:
        findings.append(
            warning(
                "mx-unreachable",
                f"Could not reach {a.address} of {host} on the SMTP port "
                f"({_unreachable_words(a)}), although another address answered. Senders may "
                "pick this address: check that node, or re-run if it was a passing fault.",
                subject=host,
            )
        )
        unverified.append(f"{a.address} of {host} could not be checked ({_unreachable_words(a)})")
    judged = [(a, address_problem(a)) for a in reached]
    passing = [a for a, problem in judged if problem is None and a.passes]
    for a, problem in judged:
        if problem is None and not a.passes:
            findings.append(
                warning(
                    "mx-unreachable",
                    f"{a.address if many else host} answered on the SMTP port but the TLS check "
                    f"did not get through ({one_line(a.error or 'no STARTTLS answer')}). This "
                    "is inconclusive: re-run later or from another network.",
                    subject=host,
                )
            )
            unverified.append(f"{host} could not be checked")
    failing = [(a, problem) for a, problem in judged if problem is not None]
    if failing and passing:
        good = ", ".join(a.address for a in passing[:3])
        for a, problem in failing:
            findings.append(
                Finding(
                    severity,
                    "mx-address-failed",
                    f"{a.address} of {host} {problem.words}, while {good} passes: senders "
                    f"that pick this address fail, and {consequence}. {problem.fix}",
                    subject=host,
                )
            )
            blockers.append(f"{a.address} of {host} {problem.blocker}")
    else:
        by_code: dict[str, list[tuple[MxAddressProbe, _Problem]]] = {}
        for a, problem in failing:
            by_code.setdefault(problem.code, []).append((a, problem))
        for code, group in by_code.items():
            problem = group[0][1]
            where = f" (at {', '.join(a.address for a, _ in group)})" if many else ""
            findings.append(
                Finding(
                    "warning" if problem.soft else severity,
                    code,
                    f"{host} {problem.words}{where}: {consequence}. {problem.fix}",
                    subject=host,
                )
            )
            blockers.append(f"{host} {problem.blocker}")
    expiries = sorted({a.cert_not_after for a in passing if a.cert_not_after})
    if expiries:
        findings.extend(
            _expiring(
                "mx-cert-expiring",
                host,
                expiries[0],
                now,
                "senders enforcing MTA-STS refuse this MX",
            )
        )
    return Assessment(tuple(findings), tuple(blockers), tuple(unverified))


def judge_policy_addresses(fetch: PolicyFetch) -> Assessment:
    """Every address of the policy host must serve the same answer (senders pick any one)."""
    findings: list[Finding] = []
    unverified: list[str] = []
    fetches = fetch.addresses
    _, odd = policy_consensus(fetches)
    url = fetch.url
    if odd:
        others = [f for f in fetches if f.reachable and (f.address or "?") not in odd]
        agree = ", ".join(f.address or "?" for f in others[:3]) or "the others"
        details = "; ".join(f"{f.address} serves {_served(f)}" for f in fetches if f.address in odd)
        findings.append(
            error(
                "policy-inconsistent",
                f"The policy host's addresses answer {url} differently: {one_line(details)}, "
                f"while {agree} {'serves' if len(others) == 1 else 'serve'} {_served(fetch)}. "
                "Senders pick any address, so they see different policies; deploy the same "
                "file to every node behind the name.",
                subject=url,
            )
        )
    reached = [f for f in fetches if f.reachable]
    silent = [f for f in fetches if not f.reachable]
    if reached and silent:
        v6_only = all(f.family == "ipv6" for f in silent) and not any(
            f.family == "ipv6" for f in reached
        )
        if v6_only:
            shown = ", ".join(f.address or "?" for f in silent[:6])
            findings.append(
                warning(
                    "ipv6-unreachable",
                    f"The policy host publishes IPv6 addresses ({shown}) but none could be "
                    "reached from here, while IPv4 works. Many networks have no IPv6 route, so "
                    "this is inconclusive; re-run from a host with IPv6.",
                    subject=url,
                )
            )
            unverified.append("the policy host's IPv6 addresses could not be reached from here")
        else:
            for f in silent:
                findings.append(
                    warning(
                        "policy-fetch-failed",
                        f"Could not fetch {url} from {f.address} ({one_line(f.error or '?')}), "
                        "although another address served it. Senders that pick this address "
                        "cannot fetch the policy; check that node.",
                        subject=url,
                    )
                )
                unverified.append(f"the policy could not be fetched from {f.address}")
    if fetch.skipped:
        unverified.append(f"{len(fetch.skipped)} address(es) of the policy host were not fetched")
    blockers = ("the policy host's addresses serve different answers",) if odd else ()
    return Assessment(tuple(findings), blockers, tuple(unverified))


def _served(fetch: PolicyFetch) -> str:
    if fetch.tls_error:
        return f"a TLS failure ({fetch.tls_error})"
    if fetch.status is None:
        return f"no answer ({fetch.error})"
    body = fetch.body or b""
    kind = one_line(fetch.content_type or "no Content-Type")
    return (
        f"HTTP {fetch.status}, {kind}, {len(body)} bytes, SHA-256 {sha256(body).hexdigest()[:12]}"
    )


def _verdict(
    ready: bool | None, blockers: list[str], unverified: list[str], mode: Mode | None
) -> str:
    if ready:
        if mode == "enforce":
            return "Enforcing, and every MX address passes: senders deliver over verified TLS."
        return "Safe to enforce: every MX is covered and every address offers valid STARTTLS."
    if ready is None:
        more = f" (+{len(unverified) - 1} more)" if len(unverified) > 1 else ""
        hint = (
            " Re-run from a host that can send mail."
            if any("port 25" in u for u in unverified)
            else ""
        )
        return f"Cannot tell: nothing blocks, but {unverified[0]}{more}.{hint}"
    more = f" (+{len(blockers) - 1} more)" if len(blockers) > 1 else ""
    return f"Not safe to enforce: {blockers[0]}{more}."
