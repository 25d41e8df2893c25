"""Benchmark: `check` over a fleet of domains in one run (issue 12), against the loopback lab.

The lab runs in a child process (its TLS handshakes do not share our interpreter), on the same
kind of event loop as `check`, with 50 ms added to every DNS answer. Each run is a fresh `check`
run: a fresh run-wide cache.

1. 2,000 domains, 80% of them on 6 provider MX hosts, 20% with an MX of their own
   (target: at least 200 domains/s).
2. 2,000 domains, every MX host distinct (target: at least 60 domains/s).
   In both, every policy host sits on the lab's one HTTPS address, where `check` keeps at most
   4 connections at once (the per-address cap): ``shared-spread`` and ``distinct-spread`` put
   the policy hosts on 32 addresses instead, as a fleet on many web servers.
3. Peak memory (RSS of a fresh process running the check) for 2,000 and 20,000 domains of the
   first kind: it should stay flat, since results are streamed and every cache is bounded.
4. ``profile``: where the time of run 1 goes (cProfile, grouped: TLS handshakes, other socket and
   event-loop work, JSON, the rest).
5. ``policy``: the policy GET alone, 2,000 of them (one per policy host, all on the lab's one
   HTTPS address, 50 at once through the run cache): the checker's CPU per fetch.

The lab's certificates are minted before the clock starts (one per policy host and MX host),
so the figures are the checker's, not the lab's.

Run: .venv/bin/python bench/bench_fleet.py [shared|distinct|memory|profile|policy] ...
(with uvloop installed, ``MTASTS_TUI_LOOP=asyncio`` measures asyncio's own loop, for `check`
and the lab alike)
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import multiprocessing
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from _shared import NullSink, receive_config, send_endpoints

from mtasts_tui.commands.check import _run
from mtasts_tui.commands.fleet import event_loop_factory
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab, Scenario, scenarios
from mtasts_tui.probe.network import ProbeConfig

DELAY = 0.050
PROVIDERS = [f"mx{i}.provider.bench" for i in range(1, 7)]
CONCURRENCY = 200
LOOP: Callable[[], asyncio.AbstractEventLoop] | None = event_loop_factory()
"""The event loop `check` runs on: uvloop's when installed (MTASTS_TUI_LOOP=asyncio: asyncio's)."""
LOOP_NAME = "asyncio loop" if LOOP is None else "uvloop"


def fleet(count: int, shared_share: float) -> list[Scenario]:
    """``count`` healthy domains; the first ``shared_share`` of every ten use a provider MX."""
    out: list[Scenario] = []
    for i in range(count):
        domain = f"d{i:05d}.fleet.bench"
        if (i % 10) < round(shared_share * 10):
            hosts = [PROVIDERS[i % len(PROVIDERS)]]
        else:
            hosts = [f"mx.{domain}"]
        out.append(scenarios.healthy(f"d{i:05d}", "fleet domain", domain=domain, mx_hosts=hosts))
    return out


def _serve_lab(count: int, shared: float, spread: int, conn: Connection) -> None:
    """Child process: the lab, certificates minted up front, answering after DNS_DELAY (on the
    same event loop as the checker: uvloop's when installed)."""
    items = fleet(count, shared)
    with Lab(items, policy_addresses=spread, loop_factory=LOOP) as lab:
        certs = lab._need()[3]  # a benchmark may reach in: mint now, not while timed
        for s in items:
            certs.server_context(s.policy_hostname, "valid")
            for host in s.mx_servers:
                certs.server_context(host, "valid", None)
        lab.set_dns_delay(DELAY)
        send_endpoints(lab, conn)
        ready = time.process_time()
        conn.recv()  # any message: stop
        conn.send(time.process_time() - ready)  # the lab's CPU seconds while it served the run


def _domains(count: int, shared: float) -> Iterator[DomainName]:
    """The names as `check --domains FILE` feeds them: one at a time, never a whole list."""
    for i in range(count):
        parsed = parse_domain(f"d{i:05d}.fleet.bench")
        assert isinstance(parsed, DomainName)
        yield parsed


class LabProcess:
    def __init__(self, count: int, shared: float, spread: int = 1) -> None:
        self.parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(
            target=_serve_lab, args=(count, shared, spread, child), daemon=True
        )
        self.process.start()
        self.config = receive_config(self.parent)

    def stop(self) -> float:
        """Stop the lab; the CPU seconds it spent serving (its share of the two cores)."""
        self.parent.send(None)
        cpu = float(self.parent.recv())
        self.process.join(10)
        return cpu


def throughput(label: str, count: int, shared: float, target: float, spread: int = 1) -> float:
    lab = LabProcess(count, shared, spread)
    try:
        names = _domains(count, shared)
        sink = NullSink()
        cpu = time.process_time()
        started = time.perf_counter()
        with asyncio.Runner(loop_factory=LOOP) as runner:
            runner.run(_run(names, lab.config, CONCURRENCY, True, sink))  # type: ignore[arg-type]
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        lab_cpu = lab.stop()
    rate = count / took
    verdict = "met" if rate >= target else "NOT met"
    print(f"{label}: {count} domains in {took:6.2f} s = {rate:6.1f} domains/s ", end="")
    print(f"(target {target:g}/s: {verdict}; {sink.lines} results)")
    print(
        f"  CPU per domain: checker {1000 * cpu / count:.2f} ms, lab {1000 * lab_cpu / count:.2f}"
        f" ms (checker {cpu:.1f} s, lab {lab_cpu:.1f} s; {LOOP_NAME}; load "
        f"{os.getloadavg()[0]:.2f})"
    )
    return rate


def _peak_child(config: ProbeConfig, count: int, shared: float, conn: Connection) -> None:
    names = _domains(count, shared)
    sink = NullSink()
    with asyncio.Runner(loop_factory=LOOP) as runner:
        runner.run(_run(names, config, CONCURRENCY, True, sink))  # type: ignore[arg-type]
    conn.send((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, sink.lines))


def memory(sizes: tuple[int, ...] = (2000, 20000)) -> None:
    print("peak RSS of the checking process, 80% on 6 provider MX hosts:")
    for count in sizes:
        lab = LabProcess(count, 0.8)
        try:
            spawn = multiprocessing.get_context("spawn")
            parent, child = spawn.Pipe()
            worker = spawn.Process(target=_peak_child, args=(lab.config, count, 0.8, child))
            started = time.perf_counter()
            worker.start()
            peak, lines = parent.recv()
            worker.join(30)
            took = time.perf_counter() - started
        finally:
            lab.stop()
        print(f"  {count:>6} domains: {peak:6.1f} MB peak RSS ({lines} results, {took:.0f} s)")


def profile() -> None:
    count = 2000
    lab = LabProcess(count, 0.8)
    try:
        names = _domains(count, 0.8)
        profiler = cProfile.Profile()
        profiler.enable()
        with asyncio.Runner(loop_factory=LOOP) as runner:
            runner.run(_run(names, lab.config, CONCURRENCY, True, NullSink()))  # type: ignore[arg-type]
        profiler.disable()
    finally:
        lab.stop()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, _), (_, _, tt, _, _) in raw.items())

    def own(*needles: str) -> float:
        return float(
            sum(
                tt
                for (path, _, name), (_, _, tt, _, _) in raw.items()
                if any(n in f"{path}:{name}" for n in needles)
            )
        )

    groups = {
        "TLS handshakes (do_handshake, certificate loading)": own(
            "do_handshake", "load_verify", "_ssl._SSLSocket", "wrap_bio", "getpeercert"
        ),
        "other TLS reads and writes": own("method 'read' of '_ssl", "method 'write' of '_ssl"),
        "event loop and sockets (select, callbacks, transports)": own(
            "selectors.py",
            "base_events.py",
            "events.py",
            "sslproto.py",
            "selector_events.py",
            "poll",
            "tasks.py",
            "futures.py",
            "streams.py",
            "method 'send",
            "method 'recv",
            "connect",
        ),
        "JSON (encoding results)": own("json/encoder.py", "encode", "iterencode"),
        "DNS: the lean reader and writer, the query I/O, dnspython": own(
            "/dns/", "probe/dns.py", "probe/dnswire.py"
        ),
        "HTTP (the policy GET: probe/http1.py, h11; httpx)": own(
            "/probe/http1.py", "/httpx/", "/httpcore/", "/h11/"
        ),
    }
    print(f"where the time of {count} domains (80% shared MX) goes, cProfile own time:")
    counted = 0.0
    for label, seconds in groups.items():
        counted += seconds
        print(f"  {label:<58} {seconds:6.2f} s  {100 * seconds / total:5.1f} %")
    rest = total - counted
    print(
        f"  {'the rest (inspection, judging, our code)':<58} {rest:6.2f} s  "
        f"{100 * rest / total:5.1f} %"
    )
    stats.sort_stats("tottime")
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(15)
    print(top.getvalue())


def policy_fetches(count: int = 2000) -> None:
    from mtasts_tui.probe.cache import RunCache
    from mtasts_tui.probe.dns import lookup_addresses
    from mtasts_tui.probe.https import fetch_policy
    from mtasts_tui.probe.network import Network

    async def fetch_all(config: ProbeConfig) -> tuple[float, float]:
        net = Network.from_config(config)
        net.cache = RunCache()
        names = [f"d{i:05d}.fleet.bench" for i in range(count)]
        addresses, _ = await lookup_addresses(net.resolver, f"mta-sts.{names[0]}", 5.0)
        gate = asyncio.Semaphore(50)

        async def one(name: str) -> None:
            async with gate:
                result = await fetch_policy(net, name, addresses, 10.0)
            assert result.status == 200 and result.body, result

        await one(names[0])  # warm up: imports, the first handshake
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(n) for n in names))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        await net.cache.aclose()
        return cpu, wall

    lab = LabProcess(count, 0.8)
    try:
        with asyncio.Runner(loop_factory=LOOP) as runner:
            cpu, wall = runner.run(fetch_all(lab.config))
    finally:
        lab.stop()
    print(
        f"policy GET alone: {count} fetches in {wall:.2f} s, checker CPU "
        f"{1000 * cpu / count:.2f} ms per fetch ({LOOP_NAME}; load {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    parts = sys.argv[1:] or ["shared", "distinct", "memory"]
    for part in parts:
        if part == "shared":
            throughput("80% on 6 provider MX", 2000, 0.8, 200)
        elif part == "distinct":
            throughput("every MX distinct    ", 2000, 0.0, 60)
        elif part == "shared-spread":
            throughput("80% on 6 provider MX, policy hosts on 32 addresses", 2000, 0.8, 200, 32)
        elif part == "distinct-spread":
            throughput("every MX distinct, policy hosts on 32 addresses", 2000, 0.0, 60, 32)
        elif part == "memory":
            memory()
        elif part == "memory-small":
            memory((500, 2000))
        elif part == "profile":
            profile()
        elif part == "policy":
            policy_fetches()
        else:
            raise SystemExit(f"unknown part {part!r}")
