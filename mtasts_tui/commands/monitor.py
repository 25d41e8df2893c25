"""What `check` and `watch` share about memory: the store options, baselines, and drift.

A :class:`Monitor` takes each domain's `check --json` dict as it lands, finds the baseline
(the last stored result, a date, or a line of a `check --json` file), computes the drift findings,
and records the result, one transaction per domain. Store I/O runs on one worker thread so the
probes' event loop never waits on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import stat
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from mtasts_tui.commands.options import FORMATS, add_store_arguments, output_format
from mtasts_tui.core.drift import (
    DriftFinding,
    TimelineEntry,
    check_failed,
    drift_findings,
    finding_changes,
    got_worse,
    parse_stamp,
    stamp,
)
from mtasts_tui.store.db import StoreError, default_db_path, open_store
from mtasts_tui.store.history import StoredRun, latest, record, runs

BASELINE_FILE_LIMIT = 256 * 1024 * 1024
"""A baseline file larger than this is refused (it is read into memory)."""
BASELINE_LINE_LIMIT = 2 * 1024 * 1024


class MonitorError(Exception):
    """Bad store or baseline options; the message is for people."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One domain's result with what changed since its baseline."""

    domain: str
    data: dict[str, Any]
    """The `check --json` object, with ``checked_at`` (and ``drift`` when compared)."""
    checked_at: datetime
    drift: tuple[DriftFinding, ...]
    baseline_at: datetime | None
    """When the baseline was checked; None when there was none."""
    worse: bool
    """Something got worse (see ``core.drift.got_worse``)."""
    first: bool
    """No baseline existed: this is the first result seen for the domain."""
    changes: tuple[TimelineEntry, ...] = ()
    """The check's own findings and verdict compared with the baseline's."""

    @property
    def failed(self) -> str | None:
        """Why the check itself failed, or None."""
        findings = self.data.get("findings")
        for f in findings if isinstance(findings, list) else []:
            if isinstance(f, dict) and f.get("code") == "check-failed":
                return str(f.get("message", ""))
        return None


@dataclass(frozen=True, slots=True)
class Baseline:
    kind: str
    """``latest``, ``date`` or ``file``; ``none`` compares with nothing."""
    until: datetime | None = None
    results: dict[str, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)


def parse_date(text: str) -> datetime | None:
    """``YYYY-MM-DD`` (the end of that day, UTC) or an ISO date and time."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return parse_stamp(text) if "T" in text or " " in text else None
    return datetime.combine(day.date(), time(23, 59, 59), UTC)


def parse_baseline(value: str | None) -> Baseline:
    if not value:
        return Baseline("none")
    if value == "latest":
        return Baseline("latest")
    moment = parse_date(value)
    if moment is not None:
        return Baseline("date", until=moment)
    return Baseline("file", results=read_baseline_file(Path(value)))


def read_baseline_file(path: Path) -> dict[str, tuple[datetime, dict[str, Any]]]:
    """A `check --json` file: one object per line; a line's ``checked_at`` (else the file's
    modification time) dates it. The last line for a domain wins."""
    try:
        info = path.stat()
    except OSError as exc:
        raise MonitorError(
            f"--baseline {path}: not a date, 'latest' or a readable file ({exc.strerror})"
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise MonitorError(f"--baseline {path}: not a regular file")
    if info.st_size > BASELINE_FILE_LIMIT:
        raise MonitorError(f"--baseline {path}: larger than {BASELINE_FILE_LIMIT} bytes")
    default_at = datetime.fromtimestamp(info.st_mtime, UTC).replace(microsecond=0)
    out: dict[str, tuple[datetime, dict[str, Any]]] = {}
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if len(line) > BASELINE_LINE_LIMIT:
                raise MonitorError(f"--baseline {path}: line {number} is too long")
            try:
                obj = json.loads(line)
            except (ValueError, UnicodeDecodeError) as exc:
                raise MonitorError(
                    f"--baseline {path}: line {number} is not JSON from `check --json` ({exc})"
                ) from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("domain"), str):
                raise MonitorError(f"--baseline {path}: line {number} has no domain")
            at = parse_stamp(str(obj.get("checked_at", ""))) or default_at
            out[obj["domain"].lower()] = (at, obj)
    return out


class Monitor:
    """Baseline, drift and recording for a run of checks."""

    def __init__(
        self, *, db: Path | None, record_history: bool, baseline: Baseline, clock: Any = None
    ) -> None:
        self.db_path = db if db is not None else default_db_path()
        self.record_history = record_history
        self.baseline = baseline
        self._clock = clock or (lambda: datetime.now(UTC))
        self._conn: sqlite3.Connection | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtasts-store")

    @property
    def uses_store(self) -> bool:
        return self.record_history or self.baseline.kind in ("latest", "date")

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None:
            if not self.record_history and not self.db_path.exists():
                return None  # reading only, and nothing recorded yet
            self._conn = open_store(self.db_path)
        return self._conn

    def open(self) -> None:
        """Open (and create) the store now, so a bad --db fails before any check runs."""
        if self.uses_store:
            self._connection()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def observe(self, data: Mapping[str, Any]) -> Outcome:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._observe, data)

    def _observe(self, data: Mapping[str, Any]) -> Outcome:
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        domain = str(data.get("domain", "")).lower()
        data = {**data, "checked_at": stamp(now)}
        base, base_at, between = self._baseline_for(domain)
        drift: list[DriftFinding] = []
        if base is not None and base_at is not None:
            drift = drift_findings(base, data, baseline_at=base_at, now=now, between=between)
        changes: list[TimelineEntry] = []
        if base is not None and not check_failed(data):
            changes = finding_changes(base, data, stamp(now))
        if self.baseline.kind != "none":
            data["drift"] = [d.to_json() for d in drift]
        if self.record_history:
            conn = self._connection()
            assert conn is not None
            record(conn, data, checked_at=now)
        return Outcome(
            domain,
            data,
            now,
            tuple(drift),
            base_at,
            got_worse(drift, base, data) if base is not None else check_failed(data),
            base is None,
            tuple(changes),
        )

    def _baseline_for(
        self, domain: str
    ) -> tuple[dict[str, Any] | None, datetime | None, list[tuple[datetime, dict[str, Any]]]]:
        kind = self.baseline.kind
        if kind == "file":
            found = self.baseline.results.get(domain)
            return (found[1], found[0], []) if found else (None, None, [])
        if kind not in ("latest", "date"):
            return None, None, []
        conn = self._connection()
        if conn is None:
            return None, None, []
        run: StoredRun | None = latest(conn, domain, until=self.baseline.until)
        if run is None:
            return None, None, []
        between: list[tuple[datetime, dict[str, Any]]] = []
        if kind == "date":
            later = runs(conn, domain, since=run.at + timedelta(seconds=1))
            between = [(r.at, r.result) for r in later]
        return run.result, run.at, between


def monitor_from_args(args: argparse.Namespace) -> Monitor:
    """Raises MonitorError (bad baseline) or StoreError (store cannot be opened)."""
    db = Path(args.db) if getattr(args, "db", None) else None
    if db is not None and db.exists() and not db.is_file():
        raise MonitorError(f"--db {db}: not a regular file")
    monitor = Monitor(
        db=db,
        record_history=not getattr(args, "no_history", False),
        baseline=parse_baseline(getattr(args, "baseline", None)),
    )
    monitor.open()
    return monitor


__all__ = [
    "FORMATS",
    "Baseline",
    "Monitor",
    "MonitorError",
    "Outcome",
    "StoreError",
    "add_store_arguments",
    "monitor_from_args",
    "output_format",
    "parse_baseline",
]
