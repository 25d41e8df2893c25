"""TLS-RPT reports kept in the shared SQLite store, keyed by (organisation, report-id).

Files, IMAP and HTTPS intake all call :meth:`ReportStore.add`. Each report is stored once: its raw
JSON (compressed) so nothing received is lost, plus one aggregate row per policy and per failure
detail. :meth:`ReportStore.summary` rebuilds the same :class:`ReportSummary` the file reader builds,
from ``GROUP BY`` queries over those rows, so the verdict and output are the file path's own.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mtasts_tui.core.findings import Finding
from mtasts_tui.reports.model import STS, ParsedReport
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.summary import UNKNOWN, ReportSummary, report_day
from mtasts_tui.store.db import StoreError, open_store, transaction

Origin = str
"""``file``, ``imap`` or ``https``: how a report reached the store."""


@dataclass(frozen=True, slots=True)
class StoredSelection:
    """What the store holds for one question (a domain and window, or everything)."""

    summary: ReportSummary
    """Aggregates per domain and day, ready for ``summary.domain(...)`` and ``verdict_for``."""
    reports: int
    """Distinct stored reports that contributed."""
    warning_codes: Counter[str]
    """Non-info parse warnings of those reports: code -> reports."""
    newest: date | None
    """The newest report day among them."""


@dataclass(frozen=True, slots=True)
class ImapCursor:
    """How far one mailbox has been read."""

    uidvalidity: int
    """The folder's UIDVALIDITY when the cursor was written; a change means UIDs were reused."""
    last_uid: int
    """Every message with a UID up to this one has been read."""


def _day_text(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _ts(when: datetime | None) -> int | None:
    return int(when.timestamp()) if when is not None else None


class ReportStore:
    """The report tables of one store connection. Thread-safe: writers take one lock."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True) -> ReportStore:
        """Open the shared store (``MTASTS_TUI_DB`` or the data folder when ``path`` is None)."""
        return cls(open_store(path, create=create))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ReportStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def add(self, report: ParsedReport, raw: bytes, origin: Origin) -> bool:
        """Store one report in its own transaction. False when it was already stored."""
        with self._lock, transaction(self.conn):
            return self.add_in_transaction(report, raw, origin)

    def add_in_transaction(self, report: ParsedReport, raw: bytes, origin: Origin) -> bool:
        """Like :meth:`add`, inside a transaction the caller holds (to commit with a cursor)."""
        day = _day_text(report_day(report))
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO tlsrpt_reports (org_key, report_id, day, start_ts, end_ts, "
            "origin, source, received_at, raw) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                report.organization or "",
                report.report_id,
                day,
                _ts(report.start),
                _ts(report.end),
                origin,
                report.source[:1000],
                int(time.time()),
                zlib.compress(raw, 6),
            ),
        )
        if cur.rowcount == 0:
            return False
        rid = cur.lastrowid
        org = report.organization or UNKNOWN
        policy_rows: list[tuple[object, ...]] = []
        failure_rows: list[tuple[object, ...]] = []
        seen_domains: set[str] = set()
        for policy in report.policies:
            domain = policy.policy_domain or UNKNOWN
            is_sts = int(policy.policy_type == STS)
            first_of_report = int(not policy_rows)
            first_of_domain = int(domain not in seen_domains)
            seen_domains.add(domain)
            policy_rows.append(
                (
                    rid,
                    domain,
                    day,
                    org,
                    is_sts,
                    policy.successful,
                    policy.failed,
                    first_of_report,
                    first_of_domain,
                )
            )
            for d in policy.failure_details:
                mx = d.receiving_mx_hostname or UNKNOWN
                failure_rows.append(
                    (rid, domain, day, is_sts, d.result_type, mx, d.failed_session_count)
                )
        self.conn.executemany(
            "INSERT INTO tlsrpt_policy_days (report, domain, day, org, is_sts, successful, "
            "failed, first_of_report, first_of_domain) VALUES (?,?,?,?,?,?,?,?,?)",
            policy_rows,
        )
        if failure_rows:
            self.conn.executemany(
                "INSERT INTO tlsrpt_failures (report, domain, day, is_sts, result_type, mx, "
                "sessions) VALUES (?,?,?,?,?,?,?)",
                failure_rows,
            )
        codes = sorted({w.code for w in report.warnings if w.severity != "info"})
        if codes:
            self.conn.executemany(
                "INSERT INTO tlsrpt_report_warnings (report, code) VALUES (?,?)",
                [(rid, code) for code in codes],
            )
        return True

    def write_lock(self) -> threading.Lock:
        """The lock :meth:`add` takes; hold it around a caller's own transaction."""
        return self._lock

    # -- reading -------------------------------------------------------------------------------

    def domains(self) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT domain FROM tlsrpt_policy_days ORDER BY domain")
        return [r[0] for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM tlsrpt_reports").fetchone()[0])

    def has_reports(self, domain: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM tlsrpt_policy_days WHERE domain = ? LIMIT 1", (domain,)
        ).fetchone()
        return row is not None

    def _where(
        self, domain: str | None, since: date | None, until: date | None, prefix: str = ""
    ) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if domain is not None:
            clauses.append(f"{prefix}domain = ?")
            params.append(domain)
        if since is not None or until is not None:
            # Like ReportSummary.domain: a window leaves out reports without a usable date.
            clauses.append(f"{prefix}day IS NOT NULL")
            if since is not None:
                clauses.append(f"{prefix}day >= ?")
                params.append(since.isoformat())
            if until is not None:
                clauses.append(f"{prefix}day <= ?")
                params.append(until.isoformat())
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def summary(
        self,
        domain: str | None = None,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> StoredSelection:
        """The aggregates of the stored reports for ``domain`` (None: all) within the window.

        Three GROUP BY queries, each answered from a covering index; Python only sees one row
        per domain, day (and organisation or failure cause), never one per report.
        """
        where, params = self._where(domain, since, until)
        summary = ReportSummary()
        days: dict[tuple[str, str | None], dict[str, Any]] = {}
        reports = 0
        # A report is counted once: for one domain, on its first row for that domain; for all
        # domains, on its first row (a report may cover several policy domains).
        first = "first_of_domain" if domain is not None else "first_of_report"
        for dom, day, n, ok, failed, sts_ok, sts_failed, distinct in self.conn.execute(
            "SELECT domain, day, count(*), sum(successful), sum(failed), "
            "sum(successful * is_sts), sum(failed * is_sts), sum(" + first + ") "
            "FROM tlsrpt_policy_days" + where + " GROUP BY domain, day",
            params,
        ):
            reports += distinct
            days[(dom, day)] = {
                "reports": n,
                "successful": ok,
                "failed": failed,
                "sts_successful": sts_ok,
                "sts_failed": sts_failed,
                "by_result_type": Counter(),
                "by_mx": Counter(),
                "by_organization": Counter(),
                "sts_causes": Counter(),
            }
        org_where = where + (" AND " if where else " WHERE ") + "failed > 0"
        for dom, day, org, failed in self.conn.execute(
            "SELECT domain, day, org, sum(failed) FROM tlsrpt_policy_days"
            + org_where
            + " GROUP BY domain, day, org",
            params,
        ):
            entry = days.get((dom, day))
            if entry is not None:
                entry["by_organization"][org] += failed
        for dom, day, is_sts, rtype, mx, n in self.conn.execute(
            "SELECT domain, day, is_sts, result_type, mx, sum(sessions) FROM tlsrpt_failures"
            + where
            + " GROUP BY domain, day, is_sts, result_type, mx",
            params,
        ):
            entry = days.get((dom, day))
            if entry is None:
                continue
            entry["by_result_type"][rtype] += n
            entry["by_mx"][mx] += n
            if is_sts:
                entry["sts_causes"][(rtype, mx)] += n
        newest: date | None = None
        for (dom, day), entry in days.items():
            parsed_day = date.fromisoformat(day) if day is not None else None
            if parsed_day is not None and (newest is None or parsed_day > newest):
                newest = parsed_day
            summary.add_aggregate(dom, parsed_day, **entry)
        warning_where, _ = self._where(domain, since, until, "p.")
        warning_codes: Counter[str] = Counter()
        for code, n in self.conn.execute(
            "SELECT w.code, count(DISTINCT w.report) FROM tlsrpt_report_warnings w "
            "JOIN tlsrpt_policy_days p ON p.report = w.report" + warning_where + " GROUP BY w.code",
            params,
        ):
            warning_codes[code] = n
        return StoredSelection(summary, reports, warning_codes, newest)

    def newest_day(self, domain: str) -> date | None:
        row = self.conn.execute(
            "SELECT max(day) FROM tlsrpt_policy_days WHERE domain = ?", (domain,)
        ).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def iter_reports(
        self,
        domain: str | None = None,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> Iterator[ParsedReport | Finding]:
        """The stored reports for the selection, parsed again from their raw JSON, oldest first."""
        where, params = self._where(domain, since, until, "p.")
        rows = self.conn.execute(
            "SELECT r.raw, r.source FROM tlsrpt_reports r WHERE r.id IN "
            "(SELECT p.report FROM tlsrpt_policy_days p" + where + ") ORDER BY r.day, r.id",
            params,
        )
        for raw, source in rows:
            try:
                yield parse_report(zlib.decompress(raw), source)
            except (ReportParseError, zlib.error) as exc:
                finding = getattr(exc, "finding", None)
                if isinstance(finding, Finding):
                    yield finding

    # -- IMAP cursors --------------------------------------------------------------------------

    def imap_cursor(self, mailbox: str) -> ImapCursor | None:
        row = self.conn.execute(
            "SELECT uidvalidity, last_uid FROM tlsrpt_imap_cursors WHERE mailbox = ?", (mailbox,)
        ).fetchone()
        return ImapCursor(int(row[0]), int(row[1])) if row else None

    def set_imap_cursor_in_transaction(self, mailbox: str, cursor: ImapCursor) -> None:
        self.conn.execute(
            "INSERT INTO tlsrpt_imap_cursors (mailbox, uidvalidity, last_uid, updated_at) "
            "VALUES (?,?,?,?) ON CONFLICT (mailbox) DO UPDATE SET "
            # Two runs at once (cron overlap) must never move the cursor back.
            "last_uid = CASE WHEN uidvalidity = excluded.uidvalidity "
            "THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END, "
            "uidvalidity = excluded.uidvalidity, updated_at = excluded.updated_at",
            (mailbox, cursor.uidvalidity, cursor.last_uid, int(time.time())),
        )

    # -- alerts --------------------------------------------------------------------------------

    def alerted(self, domain: str, result_type: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM tlsrpt_alerts WHERE domain = ? AND result_type = ?",
            (domain, result_type),
        ).fetchone()
        return row is not None

    def mark_alerted(self, domain: str, result_type: str) -> None:
        with self._lock, transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO tlsrpt_alerts (domain, result_type, first_seen) "
                "VALUES (?,?,?)",
                (domain, result_type, int(datetime.now(UTC).timestamp())),
            )


__all__ = ["ImapCursor", "ReportStore", "StoreError", "StoredSelection"]
