"""TLS-RPT (RFC 8460) report reader and summariser, headless.

``sources`` does the file I/O (json, gzip, zip, e-mail, mbox, Maildir, folders); ``parse``,
``summary``, ``verdict`` and ``render`` are pure and import neither Textual nor Rich;
``command`` is the ``mtasts-tui reports`` CLI entry (``add_arguments`` + ``run``).
Intake: ``store`` (the SQLite report store), ``imap`` (mailbox intake), ``serve`` (HTTPS intake,
RFC 8460 §5.3) and ``intake_cli`` (the store-backed side of the command).
"""

from mtasts_tui.reports.model import FailureDetail, ParsedReport, PolicyResult
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.sources import (
    RawReport,
    iter_report_sources,
    iter_reports,
    summarise_paths,
)
from mtasts_tui.reports.summary import DayTotals, DomainSummary, ReportSummary
from mtasts_tui.reports.verdict import (
    Cause,
    Verdict,
    combine_with_inspection,
    fix_for,
    no_sts_failures_in_last,
    reports_finding,
    verdict_for,
)

__all__ = [
    "Cause",
    "DayTotals",
    "DomainSummary",
    "FailureDetail",
    "ParsedReport",
    "PolicyResult",
    "RawReport",
    "ReportParseError",
    "ReportSummary",
    "Verdict",
    "combine_with_inspection",
    "fix_for",
    "iter_report_sources",
    "iter_reports",
    "no_sts_failures_in_last",
    "parse_report",
    "reports_finding",
    "summarise_paths",
    "verdict_for",
]
