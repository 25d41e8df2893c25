"""The finding-code registry: every code any command reports, with its area, default severity
and meaning.

Codes are a contract (scripts match on them), so they are written down once, here. A test scans
the whole package and fails for a code that is used but not registered, or registered but used
nowhere; the README's finding-code table is generated from this registry
(``scripts/readme_codes.py``) and a test fails when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

AREAS: dict[str, str] = {
    "sts-record": "`_mta-sts` record",
    "policy": "policy file",
    "fetch": "policy fetch",
    "tlsrpt": "TLS-RPT record",
    "rua": "TLS-RPT destinations",
    "mx": "MX and coverage",
    "cert": "certificates",
    "check-reports": "with `--reports`",
    "dane": "DNSSEC and DANE",
    "caa": "CAA of the policy host",
    "drift": "drift (`watch`, `check --baseline`)",
    "history": "history (`watch`, `history`)",
    "reports": "`reports` run",
    "report": "`reports`: one report file",
}
"""Area key → the README's name for it, in the README's order."""


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    """The stable identifier, e.g. ``policy-mx-invalid``."""
    area: str
    """A key of ``AREAS``."""
    severity: Severity
    """The usual severity; ``meaning`` says when it differs."""
    meaning: str
    """One line for the README table."""


def _c(code: str, area: str, severity: Severity, meaning: str) -> Code:
    return Code(code, area, severity, meaning)


CODES: tuple[Code, ...] = (
    # -- _mta-sts record
    _c("sts-record-missing", "sts-record", "error", "no `v=STSv1` TXT record at `_mta-sts`"),
    _c(
        "domain-too-long",
        "sts-record",
        "error",
        "`_mta-sts.<domain>` would exceed 253 characters, so MTA-STS cannot be deployed "
        "(warning when only `_smtp._tls.<domain>` does)",
    ),
    _c("sts-record-multiple", "sts-record", "error", "more than one `v=STSv1` record"),
    _c("sts-record-invalid", "sts-record", "error", "the record breaks RFC 8461 syntax"),
    _c("sts-record-compat", "sts-record", "warning", "valid, but some senders read it otherwise"),
    # -- policy file
    _c("policy-syntax", "policy", "error", "a line is not `key: value`"),
    _c("policy-version-invalid", "policy", "error", "`version` is missing or not `STSv1`"),
    _c("policy-mode-invalid", "policy", "error", "`mode` is missing or unknown"),
    _c("policy-max-age-invalid", "policy", "error", "`max_age` is missing or out of range"),
    _c("policy-mx-missing", "policy", "error", "no `mx` line in testing or enforce"),
    _c("policy-mx-invalid", "policy", "error", "an `mx` value is not a host name pattern"),
    _c("policy-mx-ip", "policy", "error", "an `mx` value is an IP address"),
    _c("policy-compat", "policy", "warning", "valid, but some senders read it otherwise"),
    _c("policy-mode-none", "policy", "warning", "mode none: senders drop a cached policy"),
    _c("policy-mode-testing", "policy", "info", "mode testing: failures are only reported"),
    _c(
        "policy-max-age-short",
        "policy",
        "warning",
        "`max_age` under a day (warning) or under the recommended weeks (info)",
    ),
    _c(
        "policy-duplicate-field",
        "policy",
        "error",
        "a single-valued field appears twice (warning when both agree)",
    ),
    _c("policy-mx-duplicate", "policy", "info", "the same `mx` pattern twice"),
    _c("policy-line-endings", "policy", "info", "lines end in LF, not CRLF"),
    _c("policy-too-large", "policy", "error", "the policy body is over the size senders read"),
    # -- policy fetch
    _c(
        "policy-fetch-failed",
        "fetch",
        "error",
        "the policy could not be fetched (warning when no `_mta-sts` record asks for it)",
    ),
    _c("policy-tls-invalid", "fetch", "error", "the policy host's certificate does not verify"),
    _c("policy-http-status", "fetch", "error", "the policy URL does not answer 200"),
    _c("policy-redirect", "fetch", "error", "the policy URL redirects (senders do not follow)"),
    _c("policy-content-type", "fetch", "error", "the policy is not served as `text/plain`"),
    _c(
        "policy-inconsistent",
        "fetch",
        "error",
        "the policy host's addresses serve different bodies, statuses or TLS; names the odd ones",
    ),
    # -- TLS-RPT record
    _c("tlsrpt-missing", "tlsrpt", "warning", "no `v=TLSRPTv1` record at `_smtp._tls`"),
    _c("tlsrpt-multiple", "tlsrpt", "error", "more than one `v=TLSRPTv1` record"),
    _c(
        "tlsrpt-invalid",
        "tlsrpt",
        "error",
        "the record breaks RFC 8460 syntax (warning when a usable `rua` remains)",
    ),
    _c("tlsrpt-compat", "tlsrpt", "warning", "valid, but some senders read it otherwise"),
    # -- TLS-RPT destinations
    _c(
        "tlsrpt-rua-undeliverable",
        "rua",
        "warning",
        "a `mailto:` domain with a null MX, no MX and no address, or an `https:` endpoint "
        "that does not answer over valid TLS",
    ),
    _c(
        "tlsrpt-rua-same-domain",
        "rua",
        "info",
        "reports go to a mailbox under the policy domain, so reports about its failures "
        "may not arrive",
    ),
    # -- MX and coverage
    _c(
        "dns-error",
        "mx",
        "error",
        "a DNS lookup failed or timed out (warning when optional, e.g. a TLSA lookup in a "
        "signed zone: DANE senders defer)",
    ),
    _c("mx-missing", "mx", "error", "the domain has no MX records"),
    _c(
        "mx-not-covered",
        "mx",
        "error",
        "an MX host matches no policy `mx` pattern (warning in testing, info in none)",
    ),
    _c("policy-mx-unused", "mx", "warning", "a policy `mx` pattern matches no MX host"),
    _c("mx-unreachable", "mx", "warning", "port 25 of an MX host does not answer from here"),
    _c("mx-no-starttls", "mx", "error", "an MX host does not offer STARTTLS"),
    _c("mx-tls-version", "mx", "error", "an MX host negotiates only TLS below 1.2"),
    _c("mx-cert-invalid", "mx", "error", "an MX host's certificate does not verify"),
    _c("mx-cert-name-mismatch", "mx", "error", "an MX host's certificate names another host"),
    _c("mx-not-checked", "mx", "info", "hosts or addresses beyond the cap were not probed"),
    _c(
        "mx-address-failed",
        "mx",
        "error",
        "one address of a host fails STARTTLS, its certificate or its TLS version while "
        "another passes (warning outside enforce)",
    ),
    _c(
        "ipv6-unreachable",
        "mx",
        "warning",
        "inconclusive: IPv6 addresses exist but none answers from here while IPv4 works",
    ),
    # -- certificates
    _c("mx-cert-expiring", "cert", "warning", "an MX certificate expires within 14 days"),
    _c(
        "policy-cert-expiring",
        "cert",
        "warning",
        "the policy host's certificate expires within 14 days",
    ),
    # -- DNSSEC and DANE
    _c("dane-tlsa-mismatch", "dane", "error", "an address's chain matches no TLSA record"),
    _c(
        "dane-unsigned",
        "dane",
        "warning",
        "TLSA records, but the answer was not DNSSEC-validated",
    ),
    _c(
        "dane-present",
        "dane",
        "info",
        "DANE senders apply DANE and ignore MTA-STS for this MX",
    ),
    _c("mx-cname", "dane", "warning", "the MX target is a CNAME (RFC 2181 §10.3)"),
    # -- CAA
    _c(
        "caa-blocks-issuer",
        "caa",
        "warning",
        "the relevant CAA set does not allow today's CA",
    ),
    _c(
        "caa-issuer-unknown",
        "caa",
        "info",
        "a CAA set restricts issuance and the CA cannot be mapped to a CAA domain",
    ),
    # -- check --reports
    _c("reports-sts-failures", "check-reports", "error", "TLS-RPT reports show MTA-STS failures"),
    _c("reports-clean", "check-reports", "info", "TLS-RPT reports show no MTA-STS failure"),
    _c("reports-no-data", "check-reports", "info", "no TLS-RPT report covers the domain"),
    # -- drift
    _c("policy-changed-same-id", "drift", "error", "the policy body changed, the id did not"),
    _c(
        "mx-changed",
        "drift",
        "info",
        "the MX set changed (error in enforce when a new MX is not covered)",
    ),
    _c("mode-downgraded", "drift", "info", "the policy mode went down"),
    _c("mode-upgraded", "drift", "info", "the policy mode went up"),
    _c("max-age-changed", "drift", "info", "`max_age` changed"),
    _c("tlsrpt-removed", "drift", "warning", "the TLS-RPT record is gone"),
    _c("policy-host-lost", "drift", "error", "the policy was served before and is not now"),
    _c(
        "cert-expiring",
        "drift",
        "info",
        "under 30 days info, 14 warning, 7 error; per policy host and MX address",
    ),
    _c("dnssec-lost", "drift", "warning", "the zone was DNSSEC-signed and is not now"),
    _c("dane-changed", "drift", "info", "TLSA records changed (warning when they vanish)"),
    # -- history
    _c("first-check", "history", "info", "the domain's first recorded check"),
    _c("check-failed", "history", "error", "the check itself failed (no result)"),
    _c("verdict-changed", "history", "info", "the readiness verdict changed"),
    _c("finding-new", "history", "error", "a check error or warning appeared (its severity)"),
    _c("finding-resolved", "history", "info", "a check error or warning is gone"),
    # -- reports: the run
    _c("reports-none-read", "reports", "error", "no TLS-RPT report could be read"),
    _c("reports-problems-truncated", "reports", "warning", "more than 1,000 problems in one run"),
    _c(
        "reports-summary-capped",
        "reports",
        "warning",
        "more than 20,000 domain-days or 50,000 hosts, organisations and result types: the "
        "rest are summed under `(more domains)` / `(other)`",
    ),
    # -- reports: one file
    _c("report-unreadable", "report", "warning", "a file, member or attachment was skipped"),
    _c("report-path-missing", "report", "warning", "a named path does not exist"),
    _c("report-problems-truncated", "report", "warning", "more than 20 problems in one file"),
    _c(
        "report-entries-dropped",
        "report",
        "warning",
        "more policies, failure-details or mx-host entries than read; counted",
    ),
    _c("report-count-clamped", "report", "warning", "a session count over 10¹²"),
    _c("report-bom", "report", "info", "the report starts with a byte-order mark"),
    _c("report-organization-missing", "report", "warning", "no `organization-name`"),
    _c("report-contact-missing", "report", "info", "no `contact-info`"),
    _c("report-id-missing", "report", "warning", "no `report-id`: duplicates cannot be told"),
    _c("report-date-range-missing", "report", "warning", "no `date-range` object"),
    _c("report-date-range-reversed", "report", "warning", "`end-datetime` before the start"),
    _c("report-date-missing", "report", "warning", "a date-time is missing"),
    _c("report-date-invalid", "report", "warning", "a date-time is not RFC 3339 or out of range"),
    _c("report-date-epoch", "report", "warning", "a date-time is a Unix time"),
    _c(
        "report-date-no-timezone", "report", "warning", "a date-time has no time zone (UTC assumed)"
    ),
    _c("report-policies-missing", "report", "warning", "no `policies` array"),
    _c("report-policies-not-array", "report", "warning", "`policies` is an object"),
    _c("report-policy-invalid", "report", "warning", "a `policies` entry is not an object"),
    _c("report-policy-missing", "report", "warning", "a `policies` entry has no `policy`"),
    _c("report-policy-type-missing", "report", "warning", "a policy has no `policy-type`"),
    _c("report-policy-type-unknown", "report", "warning", "an unknown `policy-type` (kept)"),
    _c("report-policy-domain-missing", "report", "warning", "a policy has no `policy-domain`"),
    _c("report-summary-missing", "report", "warning", "a policy has no `summary` (counts are 0)"),
    _c("report-failure-details-invalid", "report", "warning", "`failure-details` is not an array"),
    _c(
        "report-failure-detail-invalid",
        "report",
        "warning",
        "a `failure-details` entry is not an object",
    ),
    _c("report-result-type-missing", "report", "warning", "a failure has no `result-type`"),
    _c("report-result-type-unknown", "report", "info", "a `result-type` not in RFC 8460 (kept)"),
    _c("report-field-not-string", "report", "warning", "a text field holds another JSON type"),
    _c("report-count-missing", "report", "warning", "a session count is missing (0 or derived)"),
    _c("report-count-invalid", "report", "warning", "a count is negative, boolean or not a number"),
    _c("report-count-not-integer", "report", "warning", "a count is written as a decimal"),
    _c("report-count-string", "report", "warning", "a count is a JSON string"),
    _c(
        "report-counts-inconsistent",
        "report",
        "warning",
        "the failure total disagrees with details",
    ),
)

REGISTRY: dict[str, Code] = {c.code: c for c in CODES}
"""Code → its entry."""


def codes_in(area: str) -> list[Code]:
    return [c for c in CODES if c.area == area]


README_BEGIN = (
    "<!-- finding-codes:begin (generated by scripts/readme_codes.py from core/codes.py) -->"
)
README_END = "<!-- finding-codes:end -->"


def readme_table() -> str:
    """The README's finding-code table, one row per code, in registry order."""
    rows = ["| area | code | default | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| {AREAS[c.area]} | `{c.code}` | {c.severity} | {c.meaning} |" for c in CODES]
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    """``readme`` with the block between the two markers replaced by ``readme_table()``.

    Raises ValueError when the markers are missing or out of order.
    """
    start = readme.find(README_BEGIN)
    end = readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README.md lacks the finding-code markers")
    head = readme[: start + len(README_BEGIN)]
    return f"{head}\n{readme_table()}\n{readme[end:]}"
