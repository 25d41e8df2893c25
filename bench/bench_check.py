"""Benchmark: how fast `check` inspects, against the loopback lab.

1. One domain with 100 ms added to every DNS answer. A sequential checker needs at least 7 round
   trips (MX, _mta-sts, _smtp._tls, policy host A and AAAA, then each MX's A and AAAA) before
   the TLS handshakes; ours overlaps them: the critical path is MX → MX address → STARTTLS.
2. 500 lab domains at growing --concurrency: throughput should grow with it. The lab runs in a
   child process, so its TLS handshakes do not compete with the checker for one interpreter.
3. Peak memory for 100 and for 500 domains: results are streamed, so it should stay flat.
4. Every address: a domain whose MX hosts and policy host have two addresses each, against the
   same domain with one address each, 100 ms per DNS answer. The added probes run at once, so
   the two-address domain must take at most 1.2 x the time of the one-address domain.

Run: .venv/bin/python bench/bench_check.py
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import statistics
import time
import tracemalloc
from multiprocessing.connection import Connection

from mtasts_tui.commands.check import _run
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab, MxServer, PolicyHost, scenarios
from mtasts_tui.probe.inspect import inspect_domain
from mtasts_tui.probe.network import Network, ProbeConfig

DELAY = 0.100


def domain(name: str) -> DomainName:
    parsed = parse_domain(name)
    assert isinstance(parsed, DomainName)
    return parsed


def single_domain() -> None:
    with Lab(scenarios.DEMO) as lab:
        net = Network.from_config(lab.probe_config(timeout=10.0))
        target = domain(scenarios.DEMO_DOMAIN)
        asyncio.run(inspect_domain(target, net))  # warm up certificates and sockets
        lab.set_dns_delay(0)
        base = [_timed(inspect_domain(target, net)) for _ in range(5)]
        lab.set_dns_delay(DELAY)
        runs = [_timed(inspect_domain(target, net)) for _ in range(5)]
    handshakes = statistics.median(base)
    print("single domain, 100 ms per DNS answer (median of 5):")
    print(f"  measured                     {statistics.median(runs) * 1000:7.0f} ms")
    print(f"  same run without DNS delay   {handshakes * 1000:7.0f} ms  (TLS handshakes etc.)")
    print(f"  bound: 3 x 100 ms + that     {(3 * DELAY + handshakes) * 1000:7.0f} ms")
    print(f"  sequential tool (7 trips)    {(7 * DELAY + handshakes) * 1000:7.0f} ms or more")


def two_addresses() -> None:
    one = scenarios.healthy("bench-one", "Every host has one address")
    body = scenarios.policy_text("enforce", ["mx1.bench-two.test", "mx2.bench-two.test"])
    two = scenarios.healthy(
        "bench-two",
        "Every host has two addresses",
        mx_server=MxServer(more=(MxServer(),)),
        policy=PolicyHost(body=body, more=(PolicyHost(body=body),)),
    )
    with Lab([one, two]) as lab:
        net = Network.from_config(lab.probe_config(timeout=10.0))
        targets = {s.name: domain(s.domain) for s in (one, two)}
        for target in targets.values():  # warm up certificates and sockets
            asyncio.run(inspect_domain(target, net))
        lab.set_dns_delay(DELAY)
        times: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(7):  # interleaved, so drift in machine load hits both alike
            for name, target in targets.items():
                times[name].append(_timed(inspect_domain(target, net)))
    single, double = (statistics.median(times[n]) for n in ("bench-one", "bench-two"))
    ratio = double / single
    print("\nevery address, 100 ms per DNS answer (median of 7):")
    print(f"  one address per host        {single * 1000:7.0f} ms")
    print(f"  two addresses per host      {double * 1000:7.0f} ms")
    print(f"  ratio                       {ratio:7.2f} x  (bound: 1.2 x)")
    if ratio > 1.2:
        raise SystemExit("two addresses cost more than 1.2 x one address")


def _timed(coro: object) -> float:
    started = time.perf_counter()
    asyncio.run(coro)  # type: ignore[arg-type]
    return time.perf_counter() - started


def _serve_lab(count: int, conn: Connection) -> None:
    """Child process: run the bulk lab so its servers do not share our interpreter's GIL."""
    with Lab(scenarios.bulk(count)) as lab:
        conn.send((lab.dns_address, lab.ca_file, lab.https_port, lab.smtp_port))
        while True:
            message = conn.recv()
            if message is None:
                return
            lab.set_dns_delay(message)
            conn.send("ok")


def batch() -> None:
    count = 500
    names = [domain(s.domain) for s in scenarios.bulk(count)]
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve_lab, args=(count, child), daemon=True)
    server.start()
    try:
        dns_address, ca_file, https_port, smtp_port = parent.recv()
        cfg = ProbeConfig(
            resolvers=(dns_address,),
            ca_file=ca_file,
            https_port=https_port,
            smtp_port=smtp_port,
            timeout=10.0,
        )
        parent.send(0.050)
        parent.recv()
        print(f"\n{count} domains, 50 ms per DNS answer (lab in another process):")
        for concurrency in (5, 20, 100):
            started = time.perf_counter()
            asyncio.run(_run(names, cfg, concurrency, True, io.StringIO()))
            took = time.perf_counter() - started
            print(f"  --concurrency {concurrency:>3}: {took:6.2f} s  {count / took:7.1f} domains/s")
        parent.send(0.0)
        parent.recv()
        print("\npeak Python memory while checking (concurrency 20):")
        for n in (100, 500):
            sink = _NullSink()
            tracemalloc.start()
            asyncio.run(_run(names[:n], cfg, 20, True, sink))  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  {n:>3} domains: {peak / 1e6:6.1f} MB peak ({sink.lines} lines out)")
    finally:
        parent.send(None)
        server.join(10)


class _NullSink:
    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["addresses"]:  # only the every-address comparison
        two_addresses()
    else:
        single_domain()
        two_addresses()
        batch()
