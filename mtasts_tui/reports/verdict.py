"""Would these reports' sessions survive ``mode: enforce``? One verdict per policy domain.

Pure. Only failures under an MTA-STS policy (policy-type ``sts``) count against enforcing:
``no-policy-found`` and ``tlsa`` failures are not blocked by MTA-STS. A domain with no sessions,
or with no sessions under an MTA-STS policy, is "not enough data" — never "safe".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, error, info
from mtasts_tui.reports.summary import DomainSummary, ReportSummary

Status = Literal["safe", "sts-failures", "no-sts-data", "no-data"]

# Policy failures: the sender could not get or trust the policy, so it is not applied (mail flows,
# unprotected) — or a previously cached policy is applied.
POLICY_RESULT_TYPES = frozenset(
    {"sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}
)

FIXES: dict[str, str] = {
    "starttls-not-supported": (
        "The MX did not offer STARTTLS. Enable STARTTLS on that MX (it must advertise STARTTLS "
        "in its EHLO reply), or remove the host from the MX records and the policy's mx: lines."
    ),
    "certificate-host-mismatch": (
        "The MX's certificate does not name the MX host, or the host is not matched by the "
        "policy's mx: lines. Install a certificate whose subject alternative names include the "
        "MX hostname, and list every MX (or a matching *.wildcard) in the policy."
    ),
    "certificate-expired": (
        "The MX's certificate has expired. Renew it, automate renewal (e.g. ACME), and reload "
        "the mail server so it serves the new certificate."
    ),
    "certificate-not-trusted": (
        "The MX's certificate is not trusted (self-signed, private CA or missing intermediates). "
        "Use a certificate from a publicly trusted CA and serve the full chain on port 25."
    ),
    "validation-failure": (
        "TLS validation failed for another reason. Read the failure-reason-code in the reports "
        "and check the MX's certificate chain, name and TLS versions."
    ),
    "tlsa-invalid": (
        "No DANE TLSA record matched the MX's certificate. Publish TLSA records for the current "
        "key (and the next one before any certificate roll-over)."
    ),
    "dnssec-invalid": (
        "DNSSEC validation failed for the MX or TLSA lookups. Fix the zone's DS/DNSKEY chain or "
        "expired signatures."
    ),
    "dane-required": (
        "The sender requires DANE for this domain but found no DNSSEC-signed TLSA records. Sign "
        "the zone and publish TLSA records for every MX."
    ),
    "sts-policy-fetch-error": (
        "Senders could not fetch https://mta-sts.<domain>/.well-known/mta-sts.txt. Make sure the "
        "mta-sts host resolves, answers HTTPS on port 443 and returns the policy with status 200 "
        "and no redirect."
    ),
    "sts-policy-invalid": (
        "Senders could not parse the MTA-STS policy. Check it against RFC 8461 §3.2: "
        "version: STSv1, mode, one mx: line per host and max_age, served as text/plain."
    ),
    "sts-webpki-invalid": (
        "The HTTPS certificate of mta-sts.<domain> is not valid for that name or not publicly "
        "trusted. Install a trusted certificate that covers mta-sts.<domain>."
    ),
}
GENERIC_FIX = (
    "Result type not defined by RFC 8460. Read the failure-reason-code and additional-information "
    "in the reports, and ask the sending organisation (contact-info) if it is unclear."
)
UNSPECIFIED = "unspecified"
UNSPECIFIED_FIX = (
    "The reports count failures under the MTA-STS policy without failure-details. Check every "
    "MX with an MTA-STS checker (STARTTLS offered, trusted certificate naming the MX host)."
)


def fix_for(result_type: str, domain: str | None = None) -> str:
    """Plain-English fix for one RFC 8460 result type (generic advice for unknown types)."""
    text = UNSPECIFIED_FIX if result_type == UNSPECIFIED else FIXES.get(result_type, GENERIC_FIX)
    return text.replace("<domain>", domain) if domain else text


@dataclass(frozen=True, slots=True)
class Cause:
    """One result type behind the MTA-STS failures."""

    result_type: str
    """RFC 8460 result type (or ``unspecified`` when the reports gave no details)."""
    mx_hosts: tuple[str, ...]
    """Receiving MX hosts that failed this way, most failures first."""
    count: int
    """Failed sessions with this result type."""
    blocks_mail: bool
    """True when enforce would refuse delivery (negotiation failures and unknown types)."""
    fix: str
    """What to do, in plain English."""

    def to_json(self) -> dict[str, Any]:
        return {
            "result_type": self.result_type,
            "mx_hosts": list(self.mx_hosts),
            "count": self.count,
            "blocks_mail": self.blocks_mail,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a domain can move to ``mode: enforce`` on the evidence of its reports."""

    domain: str
    """The policy domain."""
    status: Status
    """``safe``, ``sts-failures``, ``no-sts-data`` (sessions, none under MTA-STS) or ``no-data``."""
    safe_to_enforce: bool
    """True only with MTA-STS sessions seen and none of them failed."""
    days_covered: int
    """Distinct UTC days with reports for the domain."""
    sessions: int
    """All sessions seen."""
    sts_sessions: int
    """Sessions under an MTA-STS policy."""
    sts_failures: int
    """Sessions that failed under the MTA-STS policy."""
    causes: tuple[Cause, ...]
    """Why they failed, largest first."""
    message: str
    """One-paragraph verdict for people."""

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "status": self.status,
            "safe_to_enforce": self.safe_to_enforce,
            "days_covered": self.days_covered,
            "sessions": self.sessions,
            "sts_sessions": self.sts_sessions,
            "sts_failures": self.sts_failures,
            "causes": [c.to_json() for c in self.causes],
            "message": self.message,
        }


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def verdict_for(summary: DomainSummary) -> Verdict:
    """The enforce verdict for one domain's summary."""
    domain = summary.domain
    causes: list[Cause] = []
    for rtype, by_mx in summary.sts_causes.items():
        count = sum(by_mx.values())
        blocks = rtype not in POLICY_RESULT_TYPES  # unknown types: assume the worst
        causes.append(Cause(rtype, tuple(by_mx), count, blocks, fix_for(rtype, domain)))
    if summary.sts_failed and not causes:
        causes.append(Cause(UNSPECIFIED, (), summary.sts_failed, True, UNSPECIFIED_FIX))
    causes.sort(key=lambda c: (-c.count, c.result_type))

    days = _plural(summary.days_covered, "day")
    status: Status
    if summary.sessions == 0:
        status = "no-data"
        message = (
            f"Not enough data: no sessions reported for {domain}. Publish a TLS-RPT record "
            f"(_smtp._tls.{domain}) and collect a week or more of reports before enforcing."
        )
    elif summary.sts_sessions == 0:
        status = "no-sts-data"
        message = (
            f"Not enough data: {_plural(summary.sessions, 'session')} reported over {days}, but "
            "none under an MTA-STS policy, so senders did not test it. Publish the policy with "
            "mode: testing and collect reports before enforcing."
        )
    elif summary.sts_failed:
        status = "sts-failures"
        blocking = sum(c.count for c in causes if c.blocks_mail)
        if blocking:
            message = (
                f"Not safe to enforce: {_plural(summary.sts_failed, 'session')} failed under the "
                f"MTA-STS policy over {days}. With mode: enforce, senders would refuse to deliver "
                "that mail. Fix the causes below, then wait for clean reports."
            )
        else:
            message = (
                f"Not safe to enforce yet: in {_plural(summary.sts_failed, 'session')} over {days}"
                " senders could not fetch or validate the MTA-STS policy, so it would not protect "
                "that mail. Fix the causes below, then wait for clean reports."
            )
    else:
        status = "safe"
        message = (
            f"Safe to enforce: {_plural(summary.sts_sessions, 'session')} under the MTA-STS policy "
            f"over {days}, none failed."
        )
        if summary.days_covered < 7:
            message += " That is under a week of reports; more days make this surer."
    return Verdict(
        domain=domain,
        status=status,
        safe_to_enforce=status == "safe",
        days_covered=summary.days_covered,
        sessions=summary.sessions,
        sts_sessions=summary.sts_sessions,
        sts_failures=summary.sts_failed,
        causes=tuple(causes),
        message=message,
    )


def window(days: int, *, today: date | None = None) -> tuple[date, date]:
    """The ``days`` UTC days ending with ``today`` (inclusive): ``(since, until)``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    until = today if today is not None else datetime.now(UTC).date()
    return until - timedelta(days=days - 1), until


def no_sts_failures_in_last(
    summary: ReportSummary, domain: str, days: int, *, today: date | None = None
) -> bool | None:
    """For the wizard: did the last ``days`` days of reports show no MTA-STS failure?

    True: sessions under the MTA-STS policy were reported and none failed. False: some failed.
    None: no session under an MTA-STS policy in that window, so the reports cannot tell.
    """
    since, until = window(days, today=today)
    ds = summary.domain(normalize_host(domain), since=since, until=until)
    if ds.sts_sessions == 0:
        return None
    return ds.sts_failed == 0


def combine_with_inspection(
    ready: bool | None, line: str, verdict: Verdict | None
) -> tuple[bool | None, str]:
    """The inspection's enforce verdict, corrected by what the reports saw.

    The live check says whether the servers would pass today; the reports say whether real
    senders' sessions did. Enforce is safe only when both agree, so reports with STS failures
    overrule a clean inspection.
    """
    if verdict is None:
        return ready, line
    if verdict.status == "sts-failures":
        reason = (
            f"the TLS-RPT reports show {_plural(verdict.sts_failures, 'failed session')} under "
            "the MTA-STS policy"
        )
        if ready:
            return False, f"Not safe to enforce: {reason}."
        return False, f"{line.rstrip('.')}; also {reason}."
    if verdict.status == "safe":
        return ready, (
            f"{line.rstrip('.')}. The TLS-RPT reports agree: no MTA-STS failures over "
            f"{_plural(verdict.days_covered, 'day')}."
            if ready
            else line
        )
    return (
        ready,
        f"{line.rstrip('.')}. The TLS-RPT reports loaded cannot tell yet (no MTA-STS sessions).",
    )


def reports_finding(verdict: Verdict) -> Finding:
    """The reports' verdict as a finding beside the live check's (``check --reports``)."""
    if verdict.status == "sts-failures":
        causes = ", ".join(f"{c.result_type} ({c.count})" for c in verdict.causes[:3])
        return error(
            "reports-sts-failures",
            f"TLS-RPT reports show {_plural(verdict.sts_failures, 'failed session')} under the "
            f"MTA-STS policy over {_plural(verdict.days_covered, 'day')}: {causes}. Fix these "
            "before enforcing; 'mtasts-tui reports' lists the fix for each.",
        )
    if verdict.status == "safe":
        return info("reports-clean", verdict.message)
    return info("reports-no-data", verdict.message)
