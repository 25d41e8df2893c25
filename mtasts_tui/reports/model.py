"""The parsed shape of one RFC 8460 TLS-RPT report (section 4.4), as frozen dataclasses.

Pure data: nothing here reads files or prints. Every string in these objects came from a remote
sender and is untrusted; renderers must escape it before showing it on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mtasts_tui.core.findings import Finding

STS = "sts"
TLSA = "tlsa"
NO_POLICY_FOUND = "no-policy-found"
KNOWN_POLICY_TYPES = frozenset({STS, TLSA, NO_POLICY_FOUND})


@dataclass(frozen=True, slots=True)
class FailureDetail:
    """One entry of a policy's ``failure-details`` array."""

    result_type: str
    """RFC 8460 §4.3 result type, lower-cased; unknown types are kept as sent."""
    sending_mta_ip: str | None
    """The sender's outbound IP (often missing in real reports)."""
    receiving_mx_hostname: str | None
    """The MX host the sender tried, lower-cased and without a trailing dot."""
    receiving_ip: str | None
    """The receiving IP the sender connected to."""
    failed_session_count: int
    """Sessions that failed with this result type (0 when missing or unreadable)."""
    additional_information: str | None = None
    """Optional URI the sender offers for more detail."""
    failure_reason_code: str | None = None
    """Optional free-text TLS error code, e.g. ``X509_V_ERR_CERT_HAS_EXPIRED``."""
    receiving_mx_helo: str | None = None
    """Optional HELO/EHLO name the receiving MX announced."""


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """One entry of the report's ``policies`` array: the applied policy and its counts."""

    policy_type: str
    """``sts``, ``tlsa``, ``no-policy-found`` or whatever the sender wrote (lower-cased)."""
    policy_domain: str | None
    """The Policy Domain (lower-cased, no trailing dot); None when it could not be determined."""
    policy_strings: tuple[str, ...]
    """The applied policy as the sender saw it (MTA-STS lines or TLSA RDATA)."""
    mx_hosts: tuple[str, ...]
    """The ``mx-host`` patterns of the applied policy (some senders send a string, not a list)."""
    successful: int
    """``total-successful-session-count``."""
    failed: int
    """``total-failure-session-count``."""
    failure_details: tuple[FailureDetail, ...] = ()
    """Per result type / MX breakdown of the failures."""


@dataclass(frozen=True, slots=True)
class ParsedReport:
    """One TLS-RPT report, tolerant of what real senders send."""

    source: str
    """Where it came from: a path, or ``path [member]`` for archive members and attachments."""
    organization: str | None
    """``organization-name`` of the sender."""
    contact: str | None
    """``contact-info`` (None when null or missing)."""
    report_id: str | None
    """``report-id``; with the organisation it identifies duplicates."""
    start: datetime | None
    """Start of the report range, timezone-aware UTC (None when missing or unreadable)."""
    end: datetime | None
    """End of the report range, timezone-aware UTC (None when missing or unreadable)."""
    policies: tuple[PolicyResult, ...]
    """The applied policies and their counts."""
    warnings: tuple[Finding, ...] = field(default=())
    """Where the report bent the RFC; the report was still read."""

    @property
    def dedup_key(self) -> tuple[str, str] | None:
        """``(organization, report_id)``, or None when the report cannot be de-duplicated."""
        if self.report_id is None:
            return None
        return (self.organization or "", self.report_id)
