"""Benchmark ``mtasts-tui reports``: throughput, and memory that stays flat as reports pile up.

Writes 10,000 synthetic RFC 8460 reports as ``.json.gz`` files into a temporary folder, then
times reading + parsing + summarising them, and measures peak traced memory (tracemalloc) for
1,000 versus 10,000 reports — both for the whole pipeline (folder -> summary) and for the pure
aggregator fed parsed reports one at a time.

    .venv/bin/python bench/bench_reports.py
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.parse import parse_report
from mtasts_tui.reports.sources import iter_reports
from mtasts_tui.reports.summary import ReportSummary
from mtasts_tui.reports.verdict import verdict_for

DOMAINS = [f"domain{i}.example" for i in range(5)]
RESULT_TYPES = ["certificate-expired", "starttls-not-supported", "validation-failure"]
START = date(2026, 10, 1)


def make_report(i: int) -> dict[str, Any]:
    day = START + timedelta(days=i % 30)
    domain = DOMAINS[i % len(DOMAINS)]
    details = [
        {
            "result-type": RESULT_TYPES[(i + k) % len(RESULT_TYPES)],
            "sending-mta-ip": f"192.0.2.{i % 250}",
            "receiving-mx-hostname": f"mx{k}.{domain}",
            "failed-session-count": 1 + (i % 7),
        }
        for k in range(i % 3)
    ]
    return {
        "organization-name": f"Sender {i % 40}",
        "date-range": {
            "start-datetime": f"{day.isoformat()}T00:00:00Z",
            "end-datetime": f"{day.isoformat()}T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": f"report-{i:06d}",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing", f"mx: *.{domain}"],
                    "policy-domain": domain,
                    "mx-host": [f"*.{domain}"],
                },
                "summary": {
                    "total-successful-session-count": 100 + i % 1000,
                    "total-failure-session-count": sum(d["failed-session-count"] for d in details),
                },
                "failure-details": details,
            }
        ],
    }


def write_reports(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f"sender!{DOMAINS[i % len(DOMAINS)]}!{1790000000 + i}!{1790086400 + i}.json.gz"
        (folder / name).write_bytes(gzip.compress(json.dumps(make_report(i)).encode(), 1))


def summarise(items: Iterator[ParsedReport | object]) -> ReportSummary:
    summary = ReportSummary()
    for item in items:
        if isinstance(item, ParsedReport):
            summary.add(item)
    for domain in summary.domains():
        verdict_for(summary.domain(domain))
    return summary


def in_memory(n: int) -> Iterator[ParsedReport]:
    for i in range(n):
        yield parse_report(json.dumps(make_report(i)).encode(), f"mem-{i}")


def peak_mib(fn: Any, *args: Any) -> tuple[float, ReportSummary]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (1024 * 1024), result


def main() -> None:
    shm = Path("/dev/shm")  # a RAM disk where there is one: the benchmark is not about the disk
    scratch = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        small, big = Path(tmp) / "1k", Path(tmp) / "10k"
        t0 = time.perf_counter()
        write_reports(big, 10_000)
        small.mkdir()
        for path in sorted(big.iterdir())[:1_000]:  # the 1k set: hard links to the first 1,000
            os.link(path, small / path.name)
        print(f"generated 10,000 .json.gz reports in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        summary = summarise(iter_reports([big]))
        elapsed = time.perf_counter() - t0
        assert summary.reports_counted == 10_000, summary.reports_counted
        print(
            f"folder -> summary, 10,000 reports: {elapsed:.2f} s "
            f"= {10_000 / elapsed:,.0f} reports/s (read + gunzip + parse + aggregate + verdict)"
        )
        t0 = time.perf_counter()
        summarise(in_memory(10_000))
        elapsed = time.perf_counter() - t0
        print(f"in memory, 10,000 reports: {10_000 / elapsed:,.0f} reports/s (parse + aggregate)")

        print("peak traced memory (tracemalloc):")
        for label, folder, n in (("1,000", small, 1_000), ("10,000", big, 10_000)):
            disk, s1 = peak_mib(summarise, iter_reports([folder]))
            mem, s2 = peak_mib(summarise, in_memory(n))
            assert s1.reports_counted == s2.reports_counted == n
            seen = s2._seen  # the one per-report structure the summary keeps, by design
            dedup = (sys.getsizeof(seen) + sum(sys.getsizeof(d) for d in seen)) / (1024 * 1024)
            print(
                f"  {label:>6} reports: folder pipeline {disk:5.2f} MiB, aggregator {mem:5.2f} MiB"
                f" (of which de-duplication set {dedup:4.2f} MiB)"
            )
        print(
            "(what grows from 1k to 10k is the de-duplication digest set and the folder's sorted "
            "file-name list; the aggregates are bounded by domains x days x result types/MX/orgs)"
        )


if __name__ == "__main__":
    main()
