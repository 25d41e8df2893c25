"""The wizard's use of the history store; callers run these in thread workers.

Each inspection is recorded like a `check`, and compared with the last stored result so the
inspection screen can say what changed since then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from mtasts_tui.core.text import one_line
from mtasts_tui.store.db import DB_ENV_VAR, DB_FILE_NAME, open_store

if TYPE_CHECKING:
    from mtasts_tui.core.drift import DriftFinding
    from mtasts_tui.store.history import DomainSummary

# The drift rules and the history tables load with the first use, in a worker: the wizard
# imports this module before its first frame (issue 12).


@dataclass(slots=True)
class Settings:
    """Set once by the wizard's command line (``--db``, ``--no-history``, ``--demo``)."""

    db: Path | None = None
    record: bool = True


SETTINGS = Settings()


def db_path(data_dir: Path) -> Path:
    """``--db``, else ``MTASTS_TUI_DB``, else the wizard's data folder."""
    if SETTINGS.db is not None:
        return SETTINGS.db
    override = os.environ.get(DB_ENV_VAR)
    return Path(override) if override else data_dir / DB_FILE_NAME


@dataclass(frozen=True, slots=True)
class SinceLast:
    last_at: str | None
    """When the domain was last checked before this one; None on the first check."""
    drift: tuple[DriftFinding, ...]


def remember(path: Path, data: Mapping[str, Any], now: datetime) -> SinceLast:
    """Compare with the last stored result, then record this one (one transaction)."""
    from mtasts_tui.core.drift import drift_findings, stamp
    from mtasts_tui.store.history import latest, record

    if not SETTINGS.record and not path.exists():
        return SinceLast(None, ())
    conn = open_store(path)
    try:
        before = latest(conn, str(data.get("domain", "")))
        drift: list[DriftFinding] = []
        if before is not None:
            drift = drift_findings(before.result, data, baseline_at=before.at, now=now)
        if SETTINGS.record:
            record(conn, {**data, "checked_at": stamp(now)}, checked_at=now)
    finally:
        conn.close()
    return SinceLast(stamp(before.at) if before else None, tuple(drift))


def since_last_line(data_dir: Path, result: Any, now: datetime) -> Text:
    """The inspection screen's line: the last check's date and what changed since (or why not)."""
    from mtasts_tui.commands.check import inspection_to_json

    try:
        since = remember(db_path(data_dir), inspection_to_json(result), now)
    except Exception as exc:  # the history is a convenience: never fail the inspection for it
        return Text(f"History not recorded: {one_line(str(exc))}", style="dim")
    if since.last_at is None:
        recorded = "recorded" if SETTINGS.record else "not recorded: --no-history"
        return Text(f"First check of this domain ({recorded}; h: history)", style="dim")
    if not since.drift:
        return Text(f"Unchanged since the last check ({since.last_at}; h: history)", style="dim")
    text = Text(f"Changed since the last check ({since.last_at}): ", style="bold yellow")
    text.append(", ".join(f"▲ {d.code}" for d in since.drift), style="yellow")
    return text


@dataclass(frozen=True, slots=True)
class DomainHistory:
    points: list[tuple[str, str | None]]
    """Each distinct policy body with when it was first seen."""
    entries: list[Any]
    """The timeline (``core.drift.TimelineEntry``), one per change."""
    runs: int


def load_history(path: Path, domain: str) -> DomainHistory:
    if not path.exists():
        return DomainHistory([], [], 0)
    from mtasts_tui.commands.history import policy_versions
    from mtasts_tui.core.drift import timeline
    from mtasts_tui.store.history import runs

    conn = open_store(path)
    try:
        stored = runs(conn, domain)
    finally:
        conn.close()
    return DomainHistory(
        policy_versions(stored), timeline([(r.at, r.result) for r in stored]), len(stored)
    )


def recent(path: Path, limit: int = 20) -> dict[str, DomainSummary]:
    from mtasts_tui.store.history import recent_domains

    if not path.exists():
        return {}
    conn = open_store(path)
    try:
        return {s.domain: s for s in recent_domains(conn, limit)}
    finally:
        conn.close()


def recent_checked(path: Path, limit: int = 20) -> dict[str, str]:
    """Recently checked domains, newest first, each with its last verdict and date, in words."""
    from mtasts_tui.core.drift import stamp

    try:
        found = recent(path, limit)
    except Exception:  # an unreadable history only loses the list's annotations
        return {}
    out: dict[str, str] = {}
    for name, s in found.items():
        verdict = "check failed" if s.failed else (s.verdict or "")
        mark = "✓" if s.enforce_ready else "✗"
        out[name] = f"{mark} {verdict[:60]}  ({stamp(s.last_at)[:10]})"
    return out
