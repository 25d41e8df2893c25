"""The store opens, migrates forward once, and survives concurrent openers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from mtasts_tui.store.db import Migration, StoreError, migrate, open_store, schema_version


def test_a_fresh_database_is_created_in_wal_mode(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "sub" / "h.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_migrations_apply_once_in_version_order(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    steps = [
        Migration(1000, "a", "CREATE TABLE t1 (x INTEGER);"),
        Migration(1001, "b", "ALTER TABLE t1 ADD COLUMN y TEXT;\nCREATE INDEX i1 ON t1 (y);"),
    ]
    migrate(conn, steps)
    migrate(conn, steps)  # a second run applies nothing and does not fail
    assert schema_version(conn) == 1001
    cols = [r[1] for r in conn.execute("PRAGMA table_info(t1)")]
    assert cols == ["x", "y"]


def test_a_failing_migration_leaves_the_old_schema(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    before = schema_version(conn)
    bad = [Migration(2000, "bad", "CREATE TABLE ok (x);\nCREATE TABLE broken (;")]
    with pytest.raises(sqlite3.Error):
        migrate(conn, bad)
    assert schema_version(conn) == before
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='ok'").fetchone() is None


def test_opening_a_missing_database_without_create_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no history database"):
        open_store(tmp_path / "absent.sqlite3", create=False)


def _open_and_close(path: str) -> int:
    conn = open_store(Path(path))
    version = schema_version(conn)
    conn.close()
    return version


def test_concurrent_first_opens_agree_on_the_schema(tmp_path: Path) -> None:
    path = str(tmp_path / "h.sqlite3")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        versions = pool.map(_open_and_close, [path] * 8)
    assert len(set(versions)) == 1
