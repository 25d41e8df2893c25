"""The history store: whole results back, unchanged results deduplicated, safe under two
writers and under kill -9 (with real processes)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtasts_tui.store.db import open_store
from mtasts_tui.store.history import latest, recent_domains, record, runs

from tests.monitor.results import T0, edit, result


def test_a_result_comes_back_whole_without_elapsed(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    original = result()
    stored = record(conn, original, checked_at=T0)
    (back,) = runs(conn, "ex.test")
    expected = {k: v for k, v in original.items() if k != "elapsed"}
    assert back.result == expected and stored.result == expected
    assert back.at == T0 and original["elapsed"] == 0.5  # the caller's dict is untouched


def test_keys_from_newer_checks_are_kept_and_per_address_rows_written(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    newer = result(dnssec={"sts": True})
    newer["mx_tls"][0]["addresses"] = [
        {"address": "192.0.2.1", "family": "ipv4", "cert_sha256": "AB" * 32, "cert_names": ["x"]},
        {"address": "2001:db8::1", "family": "ipv6", "cert_sha256": "AB" * 32, "cert_names": ["x"]},
    ]
    record(conn, newer, checked_at=T0)
    assert runs(conn, "ex.test")[0].result["dnssec"] == {"sts": True}
    rows = conn.execute("SELECT host, address, family, cert_sha256 FROM addresses ORDER BY 1, 2")
    assert [r[:3] for r in rows] == [
        ("mx1.ex.test", "192.0.2.1", "ipv4"),
        ("mx1.ex.test", "2001:db8::1", "ipv6"),
        ("mx2.ex.test", "192.0.2.2", None),
    ]
    # One certificate row per fingerprint, however many addresses present it.
    assert (
        conn.execute("SELECT COUNT(*) FROM certificates WHERE sha256 = ?", ("ab" * 32,)).fetchone()[
            0
        ]
        == 1
    )


def test_an_unchanged_result_adds_only_a_run_row_and_bodies_are_stored_once(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    for day in range(5):
        record(conn, result(elapsed=day / 10), checked_at=T0 + timedelta(days=day))
    changed = edit(result(), "mx_tls.0.banner", "mx1 ESMTP new banner")
    record(conn, changed, checked_at=T0 + timedelta(days=5))

    def count(table: str) -> int:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    assert count("runs") == 6 and count("results") == 2
    assert conn.execute("SELECT COUNT(*) FROM blobs WHERE kind = 'policy'").fetchone()[0] == 1
    history = runs(conn, "ex.test")
    assert len({r.result_id for r in history}) == 2


def test_latest_skips_failed_checks_and_honours_until(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    record(conn, result(), checked_at=T0)
    record(conn, edit(result(), "policy.mode", "testing"), checked_at=T0 + timedelta(days=1))
    failed = {
        "domain": "ex.test",
        "findings": [{"severity": "error", "code": "check-failed", "message": "x"}],
    }
    record(conn, failed, checked_at=T0 + timedelta(days=2))
    last = latest(conn, "ex.test")
    assert last is not None and last.result["policy"]["mode"] == "testing"
    first = latest(conn, "ex.test", until=T0 + timedelta(hours=1))
    assert first is not None and first.result["policy"]["mode"] == "enforce"
    (summary,) = recent_domains(conn)
    assert summary.domain == "ex.test" and summary.failed


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
sys.path.insert(0, {root!r})
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtasts_tui.store.db import open_store
from mtasts_tui.store.history import record
from tests.monitor.results import result, edit
conn = open_store(Path(sys.argv[1]))
tag, count = sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
for n in range(count):
    # Every record is different (a new banner), so each one writes blobs, a result and a run.
    record(conn, edit(result(f"{{tag}}.test"), "mx_tls.0.banner", f"{{tag}} {{n}}"))
    record(conn, edit(result("shared.test"), "mx_tls.1.banner", f"{{tag}} {{n}}"))
print("done", flush=True)
"""


def _writer(tmp_path: Path, db: Path, tag: str, count: int) -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(Path(__file__).resolve().parents[2])))
    return subprocess.Popen(
        [sys.executable, str(script), str(db), tag, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    procs = [_writer(tmp_path, db, tag, 60) for tag in ("a", "b")]
    try:
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], outputs
    conn = open_store(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(runs(conn, "a.test")) == 60 and len(runs(conn, "b.test")) == 60
    shared = runs(conn, "shared.test")
    assert len(shared) == 120
    banners = {r.result["mx_tls"][1]["banner"] for r in shared}
    assert banners == {f"{t} {n}" for t in "ab" for n in range(60)}


def test_kill_9_during_writes_leaves_a_readable_database(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    proc = _writer(tmp_path, db, "k", 100_000)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 20
        conn = open_store(db)
        # Kill it once it is well into writing, at whatever statement it is on.
        while time.monotonic() < deadline:
            if conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 40:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    conn = open_store(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    written = runs(conn, "k.test")
    assert len(written) >= 20
    # Every run that made it points to a whole result, and the store still takes writes.
    assert all(r.result["mx_tls"][0]["banner"].startswith("k ") for r in written)
    record(conn, result("after.test"))
    assert len(runs(conn, "after.test")) == 1
    raw = sqlite3.connect(db)
    assert (
        raw.execute(
            "SELECT COUNT(*) FROM runs r LEFT JOIN results s ON s.id = r.result_id "
            "WHERE s.id IS NULL"
        ).fetchone()[0]
        == 0
    )
    json.dumps(written[-1].result)  # decodes to plain JSON


def test_recent_domains_are_ordered_by_check_time_not_by_insertion(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "h.sqlite3")
    record(conn, result("new.test"), checked_at=T0 + timedelta(days=2))
    record(conn, result("old.test"), checked_at=T0)
    record(
        conn, edit(result("new.test"), "enforce_ready", False), checked_at=T0 + timedelta(days=1)
    )
    summaries = recent_domains(conn)
    assert [(s.domain, s.enforce_ready) for s in summaries] == [
        ("new.test", True),
        ("old.test", True),
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.dictionaries(
        st.sampled_from(
            ["policy", "sts_record", "tlsrpt", "mx_tls", "findings", "dnssec", "extra"]
        ),
        json_values,
        max_size=5,
    )
)
def test_any_json_result_comes_back_exactly(tmp_path: Path, parts: dict[str, object]) -> None:
    conn = open_store(tmp_path / "prop.sqlite3")
    data = {**result(), **parts}
    stored = record(conn, data)
    back = next(r for r in runs(conn, "ex.test") if r.run_id == stored.run_id)
    assert back.result == {k: v for k, v in data.items() if k != "elapsed"}
    conn.close()
