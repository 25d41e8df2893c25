"""Inspect one domain: every lookup that can run at once does, and progress is reported live.

Critical path: MX (whose answer often carries the MX hosts' addresses) → STARTTLS on each
address as soon as that address is known, and MX → TLSA of the MX hosts; `_mta-sts`,
`_smtp._tls` (→ its rua destinations) and the policy host (address → HTTPS fetch) run beside it.
Each step is bounded by the step timeout and by what is left of the whole-run deadline, so a
server that never answers cannot stall the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from mtasts_tui.core.caa import CaaLookup
from mtasts_tui.core.dane import TlsaLookup
from mtasts_tui.core.domain import DomainName, normalize_host
from mtasts_tui.core.facts import (
    DomainFacts,
    MxAddressProbe,
    MxLookup,
    MxProbe,
    PolicyFetch,
    ResolverInfo,
    TxtLookup,
    policy_consensus,
)
from mtasts_tui.core.judge import Judgement, judge
from mtasts_tui.core.policy import policy_url
from mtasts_tui.core.rua import RuaProbe
from mtasts_tui.probe.cache import RunCache, caa_of, mx_host_records, mx_of, resolver_of
from mtasts_tui.probe.dns import AddressType, Family, combine_families, lookup_addresses, lookup_txt
from mtasts_tui.probe.https import combine_fetches, fetch_policy
from mtasts_tui.probe.network import Deadline, Network
from mtasts_tui.probe.rua import probe_rua
from mtasts_tui.probe.smtp import probe_address, shared_probe

MAX_MX_PROBES = 32
"""More MX hosts than this are listed and checked for coverage, but not probed."""
MAX_ADDRESSES_PER_HOST = 8
"""Addresses probed per MX host (and fetched per policy host); the rest are reported."""
MAX_ADDRESSES_PER_DOMAIN = 64
"""Addresses probed over all MX hosts of one domain, in MX preference order."""
GRACE = 0.5
"""Seconds past the deadline before unfinished steps are cut off (each step bounds itself)."""

StepState = Literal["running", "ok", "warning", "failed", "skipped"]


@dataclass(frozen=True)
class StepEvent:
    """A step started or finished; the wizard turns these into live check rows."""

    domain: str
    step: str
    """Stable key: dns-mx, dns-sts, dns-tlsrpt, policy, or smtp:<host>."""
    label: str
    state: StepState
    elapsed: float | None = None
    """Seconds the step took, once finished."""
    detail: str = ""


@dataclass(frozen=True)
class Inspection:
    domain: DomainName
    facts: DomainFacts
    judgement: Judgement
    elapsed: float


EventSink = Callable[[StepEvent], None]


class _Steps:
    def __init__(self, domain: str, sink: EventSink | None) -> None:
        self.domain = domain
        self.sink = sink
        self.running: dict[str, tuple[str, float]] = {}

    def start(self, step: str, label: str) -> float:
        started = time.monotonic()
        self.running[step] = (label, started)
        if self.sink:
            self.sink(StepEvent(self.domain, step, label, "running"))
        return started

    def finish(
        self, step: str, label: str, started: float, state: StepState, detail: str = ""
    ) -> None:
        self.running.pop(step, None)
        if self.sink:
            elapsed = time.monotonic() - started
            self.sink(StepEvent(self.domain, step, label, state, elapsed, detail))

    def cut_off(self, why: str) -> None:
        """Close the rows of steps the deadline interrupted, so none spins forever."""
        for step, (label, started) in list(self.running.items()):
            self.finish(step, label, started, "failed", why)


@dataclass
class _Progress:
    """What each step has learned so far: kept when the deadline cuts the rest off."""

    mx: MxLookup | None = None
    sts: TxtLookup | None = None
    tlsrpt: TxtLookup | None = None
    policy: PolicyFetch | None = None
    policy_addresses: list[str] | None = None
    policy_done: list[PolicyFetch] = field(default_factory=list)
    probe_hosts: list[str] = field(default_factory=list)
    """The MX hosts to probe, in preference order."""
    planned: dict[str, tuple[list[str], tuple[str, ...], str | None]] = field(default_factory=dict)
    """MX host -> (addresses to probe, addresses beyond the caps, lookup error); while the
    AAAA answer is awaited, the IPv4 addresses already being probed."""
    done: dict[str, list[MxAddressProbe]] = field(default_factory=dict)
    probes: tuple[MxProbe, ...] | None = None
    rua: tuple[RuaProbe, ...] = ()
    """What each TLS-RPT rua destination answered (empty until, or unless, probed)."""
    resolver: ResolverInfo | None = None
    tlsa: tuple[TlsaLookup, ...] = ()
    mx_cnames: tuple[tuple[str, str], ...] = ()
    caa: CaaLookup | None = None


def allotments(counts: list[int]) -> list[int]:
    """How many addresses each MX host may probe, host by host in preference order, under both
    caps (per host, and per domain over all hosts)."""
    budget = MAX_ADDRESSES_PER_DOMAIN
    taken = []
    for count in counts:
        take = min(MAX_ADDRESSES_PER_HOST, budget, count)
        taken.append(take)
        budget -= take
    return taken


class AddressBudget:
    """:func:`allotments`, decided host by host while the address lookups land in any order.

    A host may start probing as soon as its share is certain, without waiting for the hosts
    before it: the caps fall on the same addresses every run (preference order), yet a slow
    answer for one host delays no other. Only past eight hosts with eight addresses each can
    the domain cap bind, and only then does a host wait for the lookups before its own.
    """

    def __init__(self, hosts: int) -> None:
        self.counts: list[int | None] = [None] * hosts
        """Addresses each host found, once its lookups are done."""
        self._changed = asyncio.Condition()

    def at_least(self, index: int, found: int) -> int:
        """Addresses host ``index`` may surely probe once it has ``found`` (or more)."""
        most_before = sum(
            MAX_ADDRESSES_PER_HOST if n is None else min(MAX_ADDRESSES_PER_HOST, n)
            for n in self.counts[:index]
        )
        return max(0, min(MAX_ADDRESSES_PER_HOST, found, MAX_ADDRESSES_PER_DOMAIN - most_before))

    def _share(self, index: int) -> int | None:
        found = self.counts[index]
        assert found is not None
        sure = self.at_least(index, found)
        if sure == min(MAX_ADDRESSES_PER_HOST, found):
            return sure
        before = self.counts[:index]
        if any(n is None for n in before):
            return None
        return allotments([*before, found])[-1]  # type: ignore[list-item]

    async def claim(self, index: int, found: int) -> int:
        """Host ``index`` found ``found`` addresses: how many it may probe (waits if unsure)."""
        async with self._changed:
            self.counts[index] = found
            self._changed.notify_all()
            await self._changed.wait_for(lambda: self._share(index) is not None)
        share = self._share(index)
        assert share is not None
        return share


async def inspect_domain(
    domain: DomainName, net: Network, on_event: EventSink | None = None
) -> Inspection:
    started = time.monotonic()
    shared = net.cache
    if shared is None:
        # One inspection, one cache: the TLS-RPT destination check joins the MX lookup already
        # in flight, and the addresses an MX answer carried serve both. Live state still: the
        # cache dies with the inspection. The address caps already bound one domain, so the
        # per-address connection cap of a fleet run is not needed here.
        net = replace(net, cache=RunCache(per_address=MAX_ADDRESSES_PER_DOMAIN))
    try:
        return await _inspect(domain, net, shared, on_event, started)
    finally:
        if shared is None and net.cache is not None:
            await net.cache.aclose()


async def _inspect(
    domain: DomainName,
    net: Network,
    shared: RunCache | None,
    on_event: EventSink | None,
    started: float,
) -> Inspection:
    d = domain.ascii
    deadline = Deadline(net.config.timeout)
    steps = _Steps(d, on_event)
    resolver = net.resolver
    cache = net.cache
    assert cache is not None
    seen = _Progress()

    async def txt(step: str, name: str, label: str) -> TxtLookup:
        t = steps.start(step, label)
        result = await lookup_txt(resolver, name, deadline.for_step())
        state: StepState = {"ok": "ok", "error": "failed"}.get(result.status, "warning")  # type: ignore[assignment]
        detail = (
            f"{len(result.records)} record(s)" if result.records else (result.error or "no record")
        )
        steps.finish(step, label, t, state, detail)
        return result

    async def sts() -> None:
        seen.sts = await txt("dns-sts", f"_mta-sts.{d}", f"TXT _mta-sts.{d}")

    async def tlsrpt() -> None:
        seen.tlsrpt = await txt("dns-tlsrpt", f"_smtp._tls.{d}", f"TXT _smtp._tls.{d}")
        # Beside the MX chain, not after it: TXT → rua MX → its addresses is no longer a path.
        if seen.tlsrpt.status != "ok" or not seen.tlsrpt.records:
            return
        t = steps.start("rua", "TLS-RPT destinations")
        seen.rua = await probe_rua(net, seen.tlsrpt, deadline.for_step())
        steps.finish("rua", "TLS-RPT destinations", t, *_rua_row(seen.rua))

    async def policy() -> None:
        label = f"HTTPS policy {policy_url(d)}"
        t = steps.start("policy", label)
        addresses, why = await lookup_addresses(resolver, f"mta-sts.{d}", deadline.for_step())
        if not addresses:
            result = PolicyFetch(url=policy_url(d), error=why)
        else:
            seen.policy_addresses = addresses[:MAX_ADDRESSES_PER_HOST]
            if shared is None:
                await _dns_first()
            result = await fetch_policy(
                net,
                d,
                seen.policy_addresses,
                deadline.for_step(),
                skipped=tuple(addresses[MAX_ADDRESSES_PER_HOST:]),
                on_address=seen.policy_done.append,
            )
        seen.policy = result
        count = _count(result.addresses)
        _, odd = policy_consensus(result.addresses) if result.addresses else (result, ())
        if odd:
            detail = f"addresses disagree: {', '.join(odd[:3])} differ{count}"
            steps.finish("policy", label, t, "failed", detail)
        elif result.status == 200 and not result.truncated:
            detail = f"HTTP 200, {len(result.body or b'')} bytes{count}"
            steps.finish("policy", label, t, "ok", detail)
        else:
            detail = (result.tls_error or result.error or f"HTTP {result.status}") + count
            steps.finish("policy", label, t, "failed", detail)

    async def family(host: str, rdtype: AddressType) -> Family:
        return await cache.host_family(resolver, host, rdtype, deadline.for_step())

    async def probe_one(host: str, address: str) -> MxAddressProbe:
        if shared is None:
            await _dns_first()
            result = await probe_address(net, host, address, deadline.for_step())
        else:  # a fleet run: one probe of (host, address) serves every domain on that host
            result = await shared_probe(net, shared, host, address, deadline.for_step())
        seen.done.setdefault(host, []).append(result)
        return result

    async def probe_host(index: int, host: str, budget: AddressBudget) -> MxProbe:
        """Resolve one MX host and probe each address the moment it is known and allowed."""
        step, label = f"smtp:{host}", f"STARTTLS {host}"
        t = steps.start(step, label)
        probes: dict[str, asyncio.Task[MxAddressProbe]] = {}
        first: list[float] = []
        async with asyncio.TaskGroup() as group:

            def probe(addresses: list[str]) -> None:
                for address in addresses:
                    if address not in probes:
                        first.append(time.monotonic())
                        probes[address] = group.create_task(probe_one(host, address))

            v4 = group.create_task(family(host, "A"))
            v6 = group.create_task(family(host, "AAAA"))
            four = await v4
            # IPv4 addresses come first in a host's list, so those within the caps are certain
            # now: their probes start while the AAAA answer is still on its way.
            early = list(four.addresses[: budget.at_least(index, len(four.addresses))])
            probe(early)
            seen.planned[host] = (early, (), None)
            addresses, why, _ = combine_families(host, four, await v6)
            take = await budget.claim(index, len(addresses))
            chosen, skipped = addresses[:take], tuple(addresses[take:])
            seen.planned[host] = (chosen, skipped, why)
            probe(chosen)
        if not chosen:
            cap = f"not probed: the cap of {MAX_ADDRESSES_PER_DOMAIN} addresses per domain"
            steps.finish(step, label, t, "warning", why or (cap if skipped else "no address"))
            return MxProbe(host=host, error=why, skipped=skipped)
        # Preference order of addresses, not the order the probes happened to finish in.
        result = MxProbe.from_addresses(
            host,
            [probes[a].result() for a in chosen],
            skipped=skipped,
            elapsed=time.monotonic() - min(first),
        )
        count = _count(result.addresses)
        verified = [a for a in result.addresses if a.passes]
        if len(verified) == len(result.addresses) and not result.skipped:
            detail = f"{result.tls_version}, certificate valid{count}"
            steps.finish(step, label, t, "ok", detail)
        elif any(a.reachable and not a.passes and not a.timed_out for a in result.addresses):
            detail = (result.error or "STARTTLS failed") + count
            steps.finish(step, label, t, "failed", detail)
        else:  # nothing failed, but some address could not be checked from here
            unchecked = next((a for a in result.addresses if not a.passes), None)
            why = (unchecked.error if unchecked else None) or "not every address was probed"
            detail = f"{why} ({len(verified)}/{len(result.addresses)} verified)"
            steps.finish(step, label, t, "warning", detail)
        return result

    async def mx_chain() -> None:
        label = f"MX {d}"
        t = steps.start("dns-mx", label)
        mx = seen.mx = await mx_of(net, d, deadline.for_step())
        # Preference order, not answer order: servers rotate answers between queries.
        hosts_seen: list[str] = []
        for record in mx.by_preference():
            host = normalize_host(record.host)
            if host not in hosts_seen:
                hosts_seen.append(host)
        if mx.status == "ok":
            steps.finish("dns-mx", label, t, "ok", ", ".join(hosts_seen))
        else:
            steps.finish("dns-mx", label, t, "failed", mx.error or "no MX records")
        if mx.status != "ok":
            seen.probes = ()
            return
        # TLSA records and aliases of the MX hosts are looked up beside the STARTTLS probes.
        await asyncio.gather(mx_dns(hosts_seen[:MAX_MX_PROBES]), mx_probes(hosts_seen))

    async def mx_dns(hosts: list[str]) -> None:
        label = f"TLSA _25._tcp of {len(hosts)} MX host(s)"
        t = steps.start("dns-tlsa", label)
        seen.tlsa, seen.mx_cnames = await mx_host_records(net, hosts, deadline.for_step())
        steps.finish("dns-tlsa", label, t, *_tlsa_row(seen.tlsa))

    async def mx_probes(hosts_seen: list[str]) -> None:
        if not net.config.smtp:
            seen.probes = ()
            return
        # A hostile or broken zone may list hundreds of MX hosts: probe the most preferred ones.
        hosts = seen.probe_hosts = hosts_seen[:MAX_MX_PROBES]
        budget = AddressBudget(len(hosts))
        probes = await asyncio.gather(*(probe_host(i, h, budget) for i, h in enumerate(hosts)))
        seen.probes = tuple(probes)

    async def dnssec() -> None:
        label = "DNSSEC validation by the resolver"
        t = steps.start("dnssec", label)
        seen.resolver = info = await resolver_of(net, deadline.for_step())
        # The resolver's name is in the DNSSEC block below; the row says only what it found.
        if info.validates is None:
            steps.finish("dnssec", label, t, "warning", "not known: the probe got no answer")
        elif info.validates:
            steps.finish("dnssec", label, t, "ok", "validating")
        else:
            steps.finish("dnssec", label, t, "warning", "not validating")

    async def caa() -> None:
        name = f"mta-sts.{d}"
        label = f"CAA {name}"
        t = steps.start("dns-caa", label)
        seen.caa = found = await caa_of(net, name, deadline.for_step())
        if found.status == "error":
            steps.finish("dns-caa", label, t, "warning", found.error or "lookup failed")
        elif found.status == "none":
            steps.finish("dns-caa", label, t, "ok", "none: any CA may issue")
        else:
            steps.finish(
                "dns-caa", label, t, "ok", f"{len(found.records)} record(s) at {found.owner}"
            )

    try:
        async with asyncio.timeout(deadline.remaining() + GRACE):
            await asyncio.gather(mx_chain(), sts(), tlsrpt(), policy(), dnssec(), caa())
    except TimeoutError:
        # Every step bounds itself, so this is the safety net: keep what arrived in time.
        steps.cut_off(f"cut off by the deadline ({net.config.timeout:g} s)")

    facts = _facts(d, net, seen)
    judgement = judge(facts, now=datetime.now(UTC))
    return Inspection(domain, facts, judgement, time.monotonic() - started)


def _tlsa_row(found: tuple[TlsaLookup, ...]) -> tuple[StepState, str]:
    failed = [t for t in found if t.status == "error"]
    if failed:
        return "warning", f"{len(failed)} lookup(s) failed: {failed[0].error or 'no answer'}"
    hosts = [t.host for t in found if t.records]
    return "ok", f"records for {', '.join(hosts)}" if hosts else "none (no DANE)"


def _rua_row(probes: tuple[RuaProbe, ...]) -> tuple[StepState, str]:
    if not probes:
        return "warning", "no usable destination"
    good = sum(1 for p in probes if p.deliverable)
    detail = f"{good}/{len(probes)} can receive reports"
    if any(p.deliverable is False for p in probes):
        return "failed", detail
    return ("ok" if good == len(probes) else "warning"), detail


HEAD_START = 12
"""Event-loop turns a TLS connection waits before it starts, see :func:`_dns_first`."""


async def _dns_first() -> None:
    """Let the DNS queries that became possible at the same moment go out first.

    The MX answer, the policy host's addresses and the TXT records land together; the MX answer
    leads to TLSA and AAAA queries whose answers end the run (MX → TLSA is the longest chain),
    while a STARTTLS probe or a policy fetch has room to spare. asyncio has no priorities and
    each query takes several turns of the loop to reach the wire, so a TLS handshake (a few ms
    of CPU per step) in every turn would hold the queries back: the connections wait a few
    cheap turns instead. Only for a lone inspection: in a fleet run the turns are shared with
    other domains anyway, and throughput is what counts there.
    """
    for _ in range(HEAD_START):
        await asyncio.sleep(0)


def _count(addresses: tuple[object, ...]) -> str:
    return f" ({len(addresses)} addresses)" if len(addresses) > 1 else ""


def _facts(d: str, net: Network, seen: _Progress) -> DomainFacts:
    """The facts as far as they came in; a step the deadline cut off says so on its own."""
    why = f"cut off by the inspection's deadline ({net.config.timeout:g} s)"
    mx = seen.mx or MxLookup(status="error", error=why)
    sts = seen.sts or TxtLookup(f"_mta-sts.{d}", "error", error=why)
    rpt = seen.tlsrpt or TxtLookup(f"_smtp._tls.{d}", "error", error=why)
    policy = seen.policy
    if policy is None:
        url = policy_url(d)
        if seen.policy_addresses:
            got = {f.address for f in seen.policy_done}
            missing = [
                PolicyFetch(url=url, address=a, error=why)
                for a in seen.policy_addresses
                if a not in got
            ]
            policy = combine_fetches(url, [*seen.policy_done, *missing])
        else:
            policy = PolicyFetch(url=url, error=why)
    probes = seen.probes
    if probes is None:
        rebuilt: list[MxProbe] = []
        for host in seen.probe_hosts:  # preference order, whatever order the lookups landed in
            if host not in seen.planned:
                rebuilt.append(MxProbe(host=host, error=why))
                continue
            addresses, skipped, lookup_error = seen.planned[host]
            done = {p.address: p for p in seen.done.get(host, [])}
            results = [done.get(a) or MxAddressProbe(address=a, error=why) for a in addresses]
            rebuilt.append(
                MxProbe.from_addresses(host, results, skipped=skipped, error=lookup_error or why)
            )
        probes = tuple(rebuilt)
    return DomainFacts(
        domain=d,
        mx=mx,
        sts=sts,
        tlsrpt=rpt,
        policy=policy,
        mx_probes=probes,
        smtp_checked=net.config.smtp,
        rua_probes=seen.rua,
        resolver=seen.resolver,
        tlsa=seen.tlsa,
        mx_cnames=seen.mx_cnames,
        caa=seen.caa,
    )
