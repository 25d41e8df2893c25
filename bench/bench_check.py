"""Benchmark: how fast `check` inspects, against the loopback lab.

1. One domain (the demo shop: three MX hosts, one of them on IPv6 too, TLSA, a policy host),
   100 ms added to every DNS answer, the lab in a child process. Compared with the network lower
   bound: the longest chain of round trips that depend on each other, each DNS answer D = 100 ms,
   plus the time the last step of the chain needs by itself (the fastest of several runs without
   DNS delay; a DNS answer counts D + the lab's own answer time, measured the same way):
   - MX → TLSA of the MX hosts (needs their names): 2 D;
   - MX → STARTTLS on every MX address: D + the STARTTLS stage, when the resolver puts the MX
     hosts' addresses in the MX answer; 2 D + the STARTTLS stage when it does not (MX → A/AAAA);
   - A/AAAA of mta-sts.<domain> → HTTPS policy fetch: D + the fetch;
   - _smtp._tls TXT → the rua domain's MX: the same domain here, so its MX answer is already
     being asked for: D (2 D for a foreign rua domain, still within the MX → TLSA chain);
   - _mta-sts TXT, CAA (every parent at once), the resolver's DNSSEC probe: D each.
   The bound takes the longest chain. Goal (issue 12): measured ≤ 1.1 × bound.
2. 500 lab domains at growing --concurrency: throughput should grow with it. The lab runs in a
   child process, so its TLS handshakes do not compete with the checker for one interpreter.
3. Peak memory for 100 and for 500 domains: results are streamed, so it should stay flat.
4. Every address: a domain whose MX hosts and policy host have two addresses each, against the
   same domain with one address each, 100 ms per DNS answer. The added probes run at once, so
   the two-address domain must take at most 1.2 x the time of the one-address domain.

Run: .venv/bin/python bench/bench_check.py [single|addresses]
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import statistics
import time
import tracemalloc
from multiprocessing.connection import Connection
from typing import Any

from _shared import NullSink, receive_config, send_endpoints

from mtasts_tui.commands.check import _run
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab, MxServer, PolicyHost, scenarios
from mtasts_tui.probe.dns import lookup_addresses, lookup_mx
from mtasts_tui.probe.https import fetch_policy
from mtasts_tui.probe.inspect import inspect_domain
from mtasts_tui.probe.network import Network
from mtasts_tui.probe.smtp import probe_address

DELAY = 0.100
RUNS = 9
GOAL = 1.1


def domain(name: str) -> DomainName:
    parsed = parse_domain(name)
    assert isinstance(parsed, DomainName)
    return parsed


class _RemoteLab:
    """A lab in a child process, so its servers do not share the checker's interpreter."""

    def __init__(self, which: str) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve_lab, args=(which, child), daemon=True)

    def __enter__(self) -> _RemoteLab:
        self.process.start()
        self.config = receive_config(self.conn)
        return self

    def set(self, key: str, value: object) -> None:
        self.conn.send((key, value))
        self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        self.conn.send(None)
        self.process.join(10)


def _serve_lab(which: str, conn: Connection) -> None:
    """Child process: run a lab (``demo`` or ``bulk:<count>``) until told to stop."""
    chosen = scenarios.DEMO if which == "demo" else scenarios.bulk(int(which.split(":")[1]))
    with Lab(chosen) as lab:
        send_endpoints(lab, conn)
        while True:
            message = conn.recv()
            if message is None:
                return
            key, value = message
            if key == "delay":
                lab.set_dns_delay(value)
            elif key == "additional" and hasattr(lab, "set_dns_additional"):
                lab.set_dns_additional(value)
            elif key == "queries":  # for tracing where the time goes
                conn.send([tuple(q) for q in lab.dns_log()][-value:])
                continue
            conn.send("ok")


def _cpu_timed(make: Any) -> tuple[float, float]:
    """Wall and CPU seconds of ``asyncio.run(make())`` (this process only: the lab is apart)."""
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(make())
    return time.perf_counter() - wall, time.process_time() - cpu


async def _stages(net: Network, target: str) -> tuple[float, float, float]:
    """One DNS answer, the STARTTLS stage (every MX address at once) and the policy fetch,
    without DNS delay."""
    hosts = ["mx1", "mx2"]
    names = [f"{h}.{target}" for h in hosts] + ["backup.mailhost-legacy.test"]
    found = await asyncio.gather(*(lookup_addresses(net.resolver, n, 5.0) for n in names))
    pairs = [(n, a) for n, (addresses, _) in zip(names, found, strict=True) for a in addresses]
    policy_addresses, _ = await lookup_addresses(net.resolver, f"mta-sts.{target}", 5.0)
    started = time.perf_counter()
    await lookup_mx(net.resolver, target, 5.0)
    answer = time.perf_counter() - started
    started = time.perf_counter()
    await asyncio.gather(*(probe_address(net, n, a, 10.0) for n, a in pairs))
    smtp = time.perf_counter() - started
    started = time.perf_counter()
    await fetch_policy(net, target, policy_addresses, 10.0)
    return answer, smtp, time.perf_counter() - started


def single_domain() -> None:
    target = domain(scenarios.DEMO_DOMAIN)
    with _RemoteLab("demo") as remote:
        net = Network.from_config(remote.config)
        asyncio.run(inspect_domain(target, net))  # warm up certificates and sockets
        stages = [asyncio.run(_stages(net, target.ascii)) for _ in range(RUNS)]
        # The fastest each stage was seen alone: a lower bound must not be beaten by noise.
        answer = min(a for a, _, _ in stages)
        smtp = min(s for _, s, _ in stages)
        https = min(h for _, _, h in stages)
        remote.set("delay", DELAY)
        runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for _ in range(RUNS):  # interleaved, so drift in machine load hits both alike
            for additional in (True, False):
                remote.set("additional", additional)
                runs[additional].append(_cpu_timed(lambda: inspect_domain(target, net)))
    print(f"single domain, {DELAY * 1000:.0f} ms per DNS answer (median of {RUNS}),", _load())
    print("  fastest of the stages alone, without DNS delay:")
    print(f"    one DNS answer                                     {answer * 1000:6.1f} ms")
    print(f"    STARTTLS stage (4 addresses at once)               {smtp * 1000:6.0f} ms")
    print(f"    policy fetch                                       {https * 1000:6.0f} ms")
    for additional, label in ((True, "with"), (False, "without")):
        wall = statistics.median(w for w, _ in runs[additional])
        cpu = statistics.median(c for _, c in runs[additional])
        trip = DELAY + answer
        chains = {
            "MX → TLSA": 2 * trip,
            "MX → STARTTLS": (1 if additional else 2) * trip + smtp,
            "policy A/AAAA → HTTPS": trip + https,
        }
        chain, bound = max(chains.items(), key=lambda kv: kv[1])
        ratio = wall / bound
        verdict = "goal met" if ratio <= GOAL else "goal missed"
        print(f"  resolver {label} the MX hosts' addresses in the MX answer:")
        print(f"    measured {wall * 1000:4.0f} ms (checker CPU {cpu * 1000:3.0f} ms)")
        print(f"    bound    {bound * 1000:4.0f} ms (longest chain: {chain})")
        print(f"    ratio    {ratio:4.2f} x ({verdict}: <= {GOAL} x)")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f}"


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


def batch() -> None:
    count = 500
    names = [domain(s.domain) for s in scenarios.bulk(count)]
    with _RemoteLab(f"bulk:{count}") as remote:
        cfg = remote.config
        remote.set("delay", 0.050)
        print(f"\n{count} domains, 50 ms per DNS answer (lab in another process):")
        for concurrency in (5, 20, 100):
            started = time.perf_counter()
            asyncio.run(_run(names, cfg, concurrency, True, io.StringIO()))
            took = time.perf_counter() - started
            print(f"  --concurrency {concurrency:>3}: {took:6.2f} s  {count / took:7.1f} domains/s")
        remote.set("delay", 0.0)
        print("\npeak Python memory while checking (concurrency 20):")
        for n in (100, 500):
            sink = NullSink()
            tracemalloc.start()
            asyncio.run(_run(names[:n], cfg, 20, True, sink))  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  {n:>3} domains: {peak / 1e6:6.1f} MB peak ({sink.lines} lines out)")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["addresses"]:  # only the every-address comparison
        two_addresses()
    elif sys.argv[1:] == ["single"]:  # only the one-domain figure against its bound
        single_domain()
    else:
        single_domain()
        two_addresses()
        batch()
