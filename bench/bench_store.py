"""Measure the history store's growth: a daily check of many domains for a year, nothing changing.

Run: python bench/bench_store.py [--domains 1000] [--days 365]
Prints the database size and the time per recorded result. The target: under 200 MB for
1,000 domains x 365 days when nothing changes (each repeat adds only a run row).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtasts_tui.store.db import open_store
from mtasts_tui.store.history import record

from tests.monitor.results import T0, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite3"
        conn = open_store(path)
        # A realistic result per domain: two MX, a policy, both TXT records, a few findings.
        results = []
        for n in range(args.domains):
            data = result(f"domain{n:05d}.example")
            data["findings"] = [
                {"severity": "info", "code": "policy-line-endings", "message": "x" * 120},
                {"severity": "warning", "code": "mx-cert-expiring", "message": "y" * 160},
            ]
            results.append(data)
        started = time.perf_counter()
        for day in range(args.days):
            at = T0 + timedelta(days=day)
            for data in results:
                record(conn, {**data, "elapsed": 0.4 + day % 7 / 10}, checked_at=at)
        elapsed = time.perf_counter() - started
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        count = args.domains * args.days
        print(
            f"{args.domains} domains x {args.days} days = {count} results: "
            f"{size / 1e6:.1f} MB ({size / count:.0f} bytes per run), "
            f"{elapsed / count * 1e6:.0f} µs per recorded result"
        )


if __name__ == "__main__":
    main()
