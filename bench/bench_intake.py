"""Benchmark ``mtasts-tui reports serve`` under 200 concurrent posting clients over TLS.

Starts the real command in a subprocess (TLS from a throwaway trustme CA, a fresh store), then
200 clients, each on its own TLS connection per request as real senders do, post 10 gzip reports
apiece at once (2,000 posts, 1,800 distinct report-ids and 200 duplicates). Reports the
throughput and latency, checks every answer (201 new, 200 duplicate, nothing else) and that the
store holds exactly the distinct reports.

    .venv/bin/python bench/bench_intake.py [CLIENTS] [POSTS_EACH]
"""

from __future__ import annotations

import asyncio
import gzip
import json
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import trustme

from mtasts_tui.reports.store import ReportStore


def make_report(i: int) -> bytes:
    body: dict[str, Any] = {
        "organization-name": f"Sender {i % 40}",
        "date-range": {
            "start-datetime": "2026-11-01T00:00:00Z",
            "end-datetime": "2026-11-01T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": f"bench-{i:06d}",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing", "mx: *.example.net"],
                    "policy-domain": "example.net",
                    "mx-host": ["*.example.net"],
                },
                "summary": {
                    "total-successful-session-count": 100,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }
    return gzip.compress(json.dumps(body).encode())


async def client(
    url: str, context: ssl.SSLContext, ids: list[int], latencies: list[float], codes: Counter[int]
) -> None:
    for i in ids:
        # One connection per report, as a sending MTA posting after its daily run does.
        async with httpx.AsyncClient(verify=context, timeout=60) as http:
            started = time.perf_counter()
            try:
                reply = await http.post(
                    url,
                    content=make_report(i),
                    headers={"Content-Type": "application/tlsrpt+gzip"},
                )
                codes[reply.status_code] += 1
            except httpx.HTTPError as exc:
                codes[-1] += 1
                print(f"  error: {type(exc).__name__}: {exc}", file=sys.stderr)
            latencies.append(time.perf_counter() - started)


async def run(url: str, context: ssl.SSLContext, clients: int, each: int) -> tuple[float, Any]:
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    # Client c posts reports c*each-c ... : the last one of each client repeats an earlier id.
    plans = []
    for c in range(clients):
        ids = [c * (each - 1) + k for k in range(each - 1)]
        plans.append([*ids, ids[0]])
    started = time.perf_counter()
    await asyncio.gather(*(client(url, context, ids, latencies, codes) for ids in plans))
    return time.perf_counter() - started, (latencies, codes)


def main() -> int:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        leaf = ca.issue_cert("localhost")
        leaf.cert_chain_pems[0].write_to_path(f"{tmp}/cert.pem")
        leaf.private_key_pem.write_to_path(f"{tmp}/key.pem")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        db = Path(tmp) / "store.sqlite3"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mtasts_tui",
                "reports",
                "serve",
                "--listen",
                f"127.0.0.1:{port}",
                "--tls-cert",
                f"{tmp}/cert.pem",
                "--tls-key",
                f"{tmp}/key.pem",
                "--db",
                str(db),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            server.stdout.readline()
            context = ssl.create_default_context()
            ca.configure_trust(context)
            elapsed, (latencies, codes) = asyncio.run(
                run(f"https://localhost:{port}/", context, clients, each)
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        with ReportStore.open(db) as store:
            stored = store.count()
    posts = clients * each
    distinct = clients * (each - 1)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"{clients} concurrent clients x {each} posts = {posts:,} posts over TLS")
    print(f"  {posts / elapsed:,.0f} posts/s; latency p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"  answers: {dict(sorted(codes.items()))}; stored {stored:,} of {distinct:,} distinct")
    ok = codes == Counter({201: distinct, 200: posts - distinct}) and stored == distinct
    print("  every answer correct, nothing lost or stored twice:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
