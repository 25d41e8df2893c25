"""Opening the store: where it lives, connection settings, and forward migrations.

One database file holds everything the tool remembers (check history, report intake). Each area
owns its schema module; this module applies their migrations in version order, once, inside a
transaction, so a killed process leaves either the old or the new schema, never half of one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DB_ENV_VAR = "MTASTS_TUI_DB"
DATA_DIR_ENV_VAR = "MTASTS_TUI_DATA_DIR"
DB_FILE_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 10_000
"""Another process holding the write lock is waited for this long before giving up."""
SETUP_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    """Applied in increasing order; PRAGMA user_version records the last one applied."""
    name: str
    sql: str
    """One script (several statements); run inside the migration's transaction."""


class StoreError(Exception):
    """The store cannot be opened or used; the message says why, for people."""


def default_data_dir() -> Path:
    """``MTASTS_TUI_DATA_DIR``, else the user data folder (platformdirs).

    Lives here, not in the wizard, so headless commands (reports, watch) never import ``tui``.
    """
    override = os.environ.get(DATA_DIR_ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("mtasts-tui")


def default_db_path() -> Path:
    """``MTASTS_TUI_DB``, else the data folder (``MTASTS_TUI_DATA_DIR`` or platformdirs)."""
    override = os.environ.get(DB_ENV_VAR)
    if override:
        return Path(override)
    return default_data_dir() / DB_FILE_NAME


def migrations() -> list[Migration]:
    """Every area's migrations, in version order; versions must be unique."""
    from mtasts_tui.store import schema

    found = sorted(schema.all_migrations(), key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"duplicate schema versions: {versions}")
    return found


def open_store(path: Path | None = None, *, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the store.

    WAL lets readers run beside one writer; the busy timeout makes concurrent writers queue
    instead of failing. Autocommit mode: callers open explicit transactions with ``transaction``.
    """
    target = path if path is not None else default_db_path()
    if not create and not target.exists():
        raise StoreError(f"no history database at {target}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open the history database {target}: {exc}") from exc
    for attempt in range(SETUP_ATTEMPTS):
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, migrations())
            return conn
        except sqlite3.OperationalError as exc:
            # Switching a fresh file to WAL needs an exclusive lock, and SQLite answers "locked"
            # at once (no busy handler) while another process does the same: try again shortly.
            if "locked" in str(exc) and attempt + 1 < SETUP_ATTEMPTS:
                time.sleep(0.05 * (attempt + 1))
                continue
            conn.close()
            raise StoreError(f"cannot use the history database {target}: {exc}") from exc
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot use the history database {target}: {exc}") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, steps: Sequence[Migration]) -> None:
    """Apply every migration newer than the database, each in its own IMMEDIATE transaction.

    IMMEDIATE takes the write lock before reading user_version, so two processes opening a fresh
    database at once cannot both apply the same step.
    """
    for step in steps:
        if schema_version(conn) >= step.version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= step.version:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(step.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT the open transaction first; split on complete statements instead.
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise StoreError(f"incomplete SQL statement in migration: {buf.strip()[:80]}")
    return out


class transaction:
    """``with transaction(conn): ...``: one BEGIN IMMEDIATE ... COMMIT, rolled back on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
