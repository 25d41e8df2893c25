"""Streaming aggregation of TLS-RPT reports per policy domain and per UTC day.

Pure: feed parsed reports one at a time with :meth:`ReportSummary.add`. Memory holds only the
aggregates (per domain, per day: counts and small counters) and one 16-byte digest per report for
de-duplication; the reports themselves are never kept.

The aggregates are bounded too, because reports choose their keys: at most :data:`MAX_CELLS`
(domain, day) cells and :data:`MAX_KEYS` distinct hosts, organisations and result types. Past
those, sessions still count, under :data:`MORE_DOMAINS` or :data:`OTHER`, and
:attr:`ReportSummary.capped` says so.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from mtasts_tui.core.findings import Finding, warning
from mtasts_tui.reports.model import STS, ParsedReport

UNKNOWN = "(unknown)"
"""Key used for a missing policy domain, MX host or organisation."""
MORE_DOMAINS = "(more domains)"
"""Where sessions of domains and days past :data:`MAX_CELLS` are summed."""
OTHER = "(other)"
"""Where breakdown entries past :data:`MAX_KEYS` are summed."""
MAX_CELLS = 20_000
"""Most (policy domain, day) aggregates kept."""
MAX_KEYS = 50_000
"""Most distinct keys (MX hosts, organisations, result types) across all breakdowns."""
MAX_KEY_CHARS = 255
"""Breakdown keys are cut to this length (a DNS name is at most 253 characters)."""


@dataclass(slots=True)
class _DayStats:
    successful: int = 0
    failed: int = 0
    sts_successful: int = 0
    sts_failed: int = 0
    reports: int = 0
    by_result_type: Counter[str] = field(default_factory=Counter)
    by_mx: Counter[str] = field(default_factory=Counter)
    by_organization: Counter[str] = field(default_factory=Counter)
    sts_causes: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(result type, receiving MX) -> failed sessions, for STS policies only."""


@dataclass(frozen=True, slots=True)
class DayTotals:
    """One domain's sessions on one UTC day."""

    day: date
    """The UTC date the reports' ranges start on."""
    successful: int
    """Successful sessions (all policy types)."""
    failed: int
    """Failed sessions (all policy types)."""
    sts_failed: int
    """Failed sessions under an MTA-STS policy (these would be blocked under enforce)."""


@dataclass(frozen=True, slots=True)
class DomainSummary:
    """Everything the reports say about one policy domain, over one window."""

    domain: str
    """The policy domain (``(unknown)`` when reports did not say)."""
    reports: int
    """Reports (policies entries, duplicates excluded) that contributed."""
    successful: int
    """Successful sessions, all policy types."""
    failed: int
    """Failed sessions, all policy types."""
    sts_successful: int
    """Successful sessions under an MTA-STS (``sts``) policy."""
    sts_failed: int
    """Failed sessions under an MTA-STS policy."""
    days: tuple[DayTotals, ...]
    """Per UTC day, oldest first (reports without a usable date are in the totals only)."""
    failures_by_result_type: dict[str, int]
    """Failed sessions per result type, largest first."""
    failures_by_mx: dict[str, int]
    """Failed sessions per receiving MX host, largest first."""
    failures_by_organization: dict[str, int]
    """Failed sessions per sending organisation, largest first."""
    sts_causes: dict[str, dict[str, int]]
    """STS failures: result type -> receiving MX -> sessions."""

    @property
    def sessions(self) -> int:
        return self.successful + self.failed

    @property
    def sts_sessions(self) -> int:
        return self.sts_successful + self.sts_failed

    @property
    def success_ratio(self) -> float | None:
        """Successful / all sessions; None when no session was seen."""
        return self.successful / self.sessions if self.sessions else None

    @property
    def days_covered(self) -> int:
        return len(self.days)


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return {k: v for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if v}


def report_day(report: ParsedReport) -> date | None:
    """The UTC day a report is filed under: its start date (else its end date)."""
    when = report.start or report.end
    return when.date() if when is not None else None


def capped_finding() -> Finding:
    """Said once when :attr:`ReportSummary.capped` is set."""
    return warning(
        "reports-summary-capped",
        f"The reports name more than {MAX_CELLS:,} domain-days or {MAX_KEYS:,} hosts, "
        f"organisations and result types; the sessions of the rest are summed under "
        f"'{MORE_DOMAINS}' and '{OTHER}'.",
    )


class ReportSummary:
    """Aggregates reports as they stream past; see the module docstring for what it keeps."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._domains: dict[str, dict[date | None, _DayStats]] = {}
        self.reports_added = 0
        """Reports offered to :meth:`add`, duplicates included."""
        self.duplicates = 0
        """Reports ignored because the same organisation already sent that report-id."""
        self.capped = False
        """True once a cap folded some domains, days or breakdown keys together."""
        self._cells = 0
        self._keys = 0

    def _cell(self, domain: str, day: date | None) -> _DayStats:
        per_day = self._domains.get(domain)
        stats = per_day.get(day) if per_day is not None else None
        if stats is not None:
            return stats
        if self._cells >= MAX_CELLS:
            self.capped = True
            domain, day = MORE_DOMAINS, None
            per_day = self._domains.setdefault(domain, {})
            stats = per_day.get(day)
            if stats is None:
                stats = per_day[day] = _DayStats()
            return stats
        self._cells += 1
        stats = self._domains.setdefault(domain, {})[day] = _DayStats()
        return stats

    def _key(self, counter: Counter[str], key: str) -> str:
        key = key[:MAX_KEY_CHARS]
        if key not in counter:
            if self._keys >= MAX_KEYS:
                self.capped = True
                return OTHER
            self._keys += 1
        return key

    def _cause(self, counter: Counter[tuple[str, str]], key: tuple[str, str]) -> tuple[str, str]:
        key = (key[0][:MAX_KEY_CHARS], key[1][:MAX_KEY_CHARS])
        if key not in counter:
            if self._keys >= MAX_KEYS:
                self.capped = True
                return (OTHER, OTHER)
            self._keys += 1
        return key

    @staticmethod
    def _digest(key: tuple[str, str]) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        h.update(key[0].encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(key[1].encode("utf-8", "surrogatepass"))
        return h.digest()

    def add(self, report: ParsedReport) -> bool:
        """Count a report. Returns False (and counts nothing) for a duplicate."""
        self.reports_added += 1
        key = report.dedup_key
        if key is not None:
            digest = self._digest(key)
            if digest in self._seen:
                self.duplicates += 1
                return False
            self._seen.add(digest)
        day = report_day(report)
        org = report.organization or UNKNOWN
        for policy in report.policies:
            stats = self._cell(policy.policy_domain or UNKNOWN, day)
            stats.reports += 1
            stats.successful += policy.successful
            stats.failed += policy.failed
            is_sts = policy.policy_type == STS
            if is_sts:
                stats.sts_successful += policy.successful
                stats.sts_failed += policy.failed
            if policy.failed:
                stats.by_organization[self._key(stats.by_organization, org)] += policy.failed
            for detail in policy.failure_details:
                n = detail.failed_session_count
                mx = detail.receiving_mx_hostname or UNKNOWN
                stats.by_result_type[self._key(stats.by_result_type, detail.result_type)] += n
                stats.by_mx[self._key(stats.by_mx, mx)] += n
                if is_sts:
                    cause = self._cause(stats.sts_causes, (detail.result_type, mx))
                    stats.sts_causes[cause] += n
        return True

    def add_aggregate(
        self,
        domain: str,
        day: date | None,
        *,
        reports: int,
        successful: int,
        failed: int,
        sts_successful: int,
        sts_failed: int,
        by_result_type: Counter[str],
        by_mx: Counter[str],
        by_organization: Counter[str],
        sts_causes: Counter[tuple[str, str]],
    ) -> None:
        """Fold in totals already aggregated elsewhere (the report store's GROUP BY rows).

        The store de-duplicates on insert, so nothing here is checked for duplicates.
        """
        stats = self._domains.setdefault(domain, {}).get(day)
        if stats is None:
            stats = self._domains[domain][day] = _DayStats()
        stats.reports += reports
        stats.successful += successful
        stats.failed += failed
        stats.sts_successful += sts_successful
        stats.sts_failed += sts_failed
        stats.by_result_type.update(by_result_type)
        stats.by_mx.update(by_mx)
        stats.by_organization.update(by_organization)
        stats.sts_causes.update(sts_causes)

    @property
    def reports_counted(self) -> int:
        return self.reports_added - self.duplicates

    def domains(self) -> list[str]:
        """Every policy domain seen, sorted."""
        return sorted(self._domains)

    def domain(
        self, domain: str, *, since: date | None = None, until: date | None = None
    ) -> DomainSummary:
        """The aggregates for one domain; with ``since``/``until`` (inclusive) only those days.

        Reports without a usable date count only when no window is given. An unseen domain gives
        an all-zero summary.
        """
        windowed = since is not None or until is not None
        total = _DayStats()
        days: list[DayTotals] = []
        per_day = self._domains.get(domain, {})
        for day in sorted(per_day, key=lambda d: (d is not None, d or date.min)):
            if day is None:
                if windowed:
                    continue
            elif (since is not None and day < since) or (until is not None and day > until):
                continue
            s = per_day[day]
            total.reports += s.reports
            total.successful += s.successful
            total.failed += s.failed
            total.sts_successful += s.sts_successful
            total.sts_failed += s.sts_failed
            total.by_result_type.update(s.by_result_type)
            total.by_mx.update(s.by_mx)
            total.by_organization.update(s.by_organization)
            total.sts_causes.update(s.sts_causes)
            if day is not None:
                days.append(DayTotals(day, s.successful, s.failed, s.sts_failed))
        causes: dict[str, dict[str, int]] = {}
        for (rtype, mx), n in sorted(total.sts_causes.items(), key=lambda kv: (-kv[1], kv[0])):
            if n:
                causes.setdefault(rtype, {})[mx] = n
        return DomainSummary(
            domain=domain,
            reports=total.reports,
            successful=total.successful,
            failed=total.failed,
            sts_successful=total.sts_successful,
            sts_failed=total.sts_failed,
            days=tuple(days),
            failures_by_result_type=_ranked(total.by_result_type),
            failures_by_mx=_ranked(total.by_mx),
            failures_by_organization=_ranked(total.by_organization),
            sts_causes=causes,
        )
