"""Inspect one domain: every lookup that can run at once does, and progress is reported live.

Critical path: MX → MX addresses → STARTTLS, while `_mta-sts`, `_smtp._tls` and the policy host
(address → HTTPS fetch) run beside it. Each step is bounded by the step timeout and by what is
left of the whole-run deadline, so a server that never answers cannot stall the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
from mtasts_tui.probe.cache import addresses_of, caa_of, mx_host_records, mx_of, resolver_of
from mtasts_tui.probe.dns import lookup_addresses, lookup_txt
from mtasts_tui.probe.https import combine_fetches, fetch_policy
from mtasts_tui.probe.network import Deadline, Network
from mtasts_tui.probe.rua import probe_rua
from mtasts_tui.probe.smtp import probe_mx

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
    planned: dict[str, tuple[list[str], tuple[str, ...], str | None]] = field(default_factory=dict)
    """MX host -> (addresses to probe, addresses beyond the caps, lookup error)."""
    done: dict[str, list[MxAddressProbe]] = field(default_factory=dict)
    probes: tuple[MxProbe, ...] | None = None
    rua: tuple[RuaProbe, ...] = ()
    """What each TLS-RPT rua destination answered (empty until, or unless, probed)."""
    resolver: ResolverInfo | None = None
    tlsa: tuple[TlsaLookup, ...] = ()
    mx_cnames: tuple[tuple[str, str], ...] = ()
    caa: CaaLookup | None = None


def plan_addresses(
    found: list[tuple[str, list[str]]],
) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """Which addresses to probe, host by host in preference order, under both caps."""
    budget = MAX_ADDRESSES_PER_DOMAIN
    plan: dict[str, tuple[list[str], tuple[str, ...]]] = {}
    for host, addresses in found:
        take = min(MAX_ADDRESSES_PER_HOST, budget, len(addresses))
        plan[host] = (addresses[:take], tuple(addresses[take:]))
        budget -= take
    return plan


async def inspect_domain(
    domain: DomainName, net: Network, on_event: EventSink | None = None
) -> Inspection:
    started = time.monotonic()
    d = domain.ascii
    deadline = Deadline(net.config.timeout)
    steps = _Steps(d, on_event)
    resolver = net.resolver
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
        seen.rua = await probe_rua(net, seen.tlsrpt, deadline.for_step())

    async def policy() -> None:
        label = f"HTTPS policy {policy_url(d)}"
        t = steps.start("policy", label)
        addresses, why = await lookup_addresses(resolver, f"mta-sts.{d}", deadline.for_step())
        if not addresses:
            result = PolicyFetch(url=policy_url(d), error=why)
        else:
            seen.policy_addresses = addresses[:MAX_ADDRESSES_PER_HOST]
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

    async def resolve_mx(host: str) -> tuple[str, list[str], str | None]:
        steps.start(f"smtp:{host}", f"STARTTLS {host}")
        addresses, why = await addresses_of(net, host, deadline.for_step())
        return host, addresses, why

    async def probe_host(host: str, addresses: list[str], skipped: tuple[str, ...]) -> MxProbe:
        step, label = f"smtp:{host}", f"STARTTLS {host}"
        t = steps.running.get(step, (label, time.monotonic()))[1]
        result = await probe_mx(
            net,
            host,
            addresses,
            deadline.for_step(),
            skipped=skipped,
            on_address=seen.done.setdefault(host, []).append,
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
        seen.tlsa, seen.mx_cnames = await mx_host_records(net, hosts, deadline.for_step())

    async def mx_probes(hosts_seen: list[str]) -> None:
        if not net.config.smtp:
            seen.probes = ()
            return
        # A hostile or broken zone may list hundreds of MX hosts: probe the most preferred ones.
        # All addresses are known before any probe starts, so the caps fall the same way on
        # every run (preference order), not in the order DNS answers happened to arrive.
        found = await asyncio.gather(*(resolve_mx(h) for h in hosts_seen[:MAX_MX_PROBES]))
        plan = plan_addresses([(h, a) for h, a, _ in found])
        seen.planned = {h: (*plan[h], why) for h, _, why in found}
        probes = await asyncio.gather(
            *(probe_host(h, *plan[h]) if plan[h][0] else _no_address(h, why) for h, _, why in found)
        )
        seen.probes = tuple(probes)

    async def dnssec() -> None:
        seen.resolver = await resolver_of(net, deadline.for_step())

    async def caa() -> None:
        seen.caa = await caa_of(net, f"mta-sts.{d}", deadline.for_step())

    async def _no_address(host: str, why: str | None) -> MxProbe:
        step, label = f"smtp:{host}", f"STARTTLS {host}"
        t = steps.running.get(step, (label, time.monotonic()))[1]
        steps.finish(step, label, t, "warning", why or "no address")
        return MxProbe(host=host, error=why)

    try:
        async with asyncio.timeout(deadline.remaining() + GRACE):
            await asyncio.gather(mx_chain(), sts(), tlsrpt(), policy(), dnssec(), caa())
    except TimeoutError:
        # Every step bounds itself, so this is the safety net: keep what arrived in time.
        steps.cut_off(f"cut off by the deadline ({net.config.timeout:g} s)")

    facts = _facts(d, net, seen)
    judgement = judge(facts, now=datetime.now(UTC))
    return Inspection(domain, facts, judgement, time.monotonic() - started)


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
        for host, (addresses, skipped, lookup_error) in seen.planned.items():
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
