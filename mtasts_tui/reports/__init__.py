"""TLS-RPT (RFC 8460) report reader and summariser, headless: the library behind ``reports``.

``sources`` does the file I/O (json, gzip, zip, e-mail, mbox, Maildir, folders); ``parse``,
``summary``, ``verdict`` and ``render`` are pure and import neither Textual nor Rich.
Intake: ``store`` (the SQLite report store), ``imap`` (mailbox intake) and ``serve`` (HTTPS
intake, RFC 8460 §5.3). The ``mtasts-tui reports`` command itself (options, output, exit codes)
lives in ``mtasts_tui.commands.reports``, ``reports_intake`` and ``reports_serve``.
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
