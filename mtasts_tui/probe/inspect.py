"""Inspect one domain: every lookup that can run at once does, and progress is reported live.

Critical path: MX → MX addresses → STARTTLS, while `_mta-sts`, `_smtp._tls` and the policy host
(address → HTTPS fetch) run beside it. Each step is bounded by the step timeout and by what is
left of the whole-run deadline, so a server that never answers cannot stall the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.facts import DomainFacts, MxLookup, MxProbe, PolicyFetch, TxtLookup
from mtasts_tui.core.judge import Judgement, judge
from mtasts_tui.probe.dane import lookup_caa, lookup_mx_hosts, probe_resolver
from mtasts_tui.probe.dns import lookup_addresses, lookup_mx, lookup_txt
from mtasts_tui.probe.https import fetch_policy, policy_url
from mtasts_tui.probe.network import Deadline, Network
from mtasts_tui.probe.smtp import probe_mx

MAX_MX_PROBES = 32
"""More MX hosts than this are listed and checked for coverage, but not probed."""

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

    def start(self, step: str, label: str) -> float:
        if self.sink:
            self.sink(StepEvent(self.domain, step, label, "running"))
        return time.monotonic()

    def finish(
        self, step: str, label: str, started: float, state: StepState, detail: str = ""
    ) -> None:
        if self.sink:
            elapsed = time.monotonic() - started
            self.sink(StepEvent(self.domain, step, label, state, elapsed, detail))


async def inspect_domain(
    domain: DomainName, net: Network, on_event: EventSink | None = None
) -> Inspection:
    started = time.monotonic()
    d = domain.ascii
    deadline = Deadline(net.config.timeout)
    steps = _Steps(d, on_event)
    resolver = net.resolver

    async def txt(step: str, name: str, label: str) -> TxtLookup:
        t = steps.start(step, label)
        result = await lookup_txt(resolver, name, deadline.for_step())
        state: StepState = {"ok": "ok", "error": "failed"}.get(result.status, "warning")  # type: ignore[assignment]
        detail = (
            f"{len(result.records)} record(s)" if result.records else (result.error or "no record")
        )
        steps.finish(step, label, t, state, detail)
        return result

    async def policy() -> PolicyFetch:
        label = f"HTTPS policy {policy_url(d)}"
        t = steps.start("policy", label)
        addresses, why = await lookup_addresses(resolver, f"mta-sts.{d}", deadline.for_step())
        if not addresses:
            result = PolicyFetch(url=policy_url(d), error=why)
        else:
            result = await fetch_policy(net, d, addresses, deadline.for_step())
        if result.status == 200 and not result.truncated:
            steps.finish("policy", label, t, "ok", f"HTTP 200, {len(result.body or b'')} bytes")
        else:
            detail = result.tls_error or result.error or f"HTTP {result.status}"
            steps.finish("policy", label, t, "failed", detail)
        return result

    async def one_mx(host: str) -> MxProbe:
        step = f"smtp:{host}"
        label = f"STARTTLS {host}"
        t = steps.start(step, label)
        addresses, why = await lookup_addresses(resolver, host, deadline.for_step())
        if not addresses:
            result = MxProbe(host=host, error=why)
        else:
            result = await probe_mx(net, host, addresses, deadline.for_step())
        if result.cert_valid and result.tls_version in ("TLSv1.2", "TLSv1.3"):
            steps.finish(step, label, t, "ok", f"{result.tls_version}, certificate valid")
        elif not result.reachable:
            steps.finish(step, label, t, "warning", result.error or "unreachable")
        else:
            steps.finish(step, label, t, "failed", result.error or "STARTTLS not offered")
        return result

    mx_dns: list[Any] = []
    """The TLSA lookups and MX aliases, filled in beside the STARTTLS probes."""

    async def mx_chain() -> tuple[MxLookup, tuple[MxProbe, ...]]:
        label = f"MX {d}"
        t = steps.start("dns-mx", label)
        mx = await lookup_mx(resolver, d, deadline.for_step())
        # Preference order, not answer order: servers rotate answers between queries.
        hosts_seen: list[str] = []
        for record in mx.by_preference():
            host = record.host.rstrip(".").lower()
            if host not in hosts_seen:
                hosts_seen.append(host)
        if mx.status == "ok":
            steps.finish("dns-mx", label, t, "ok", ", ".join(hosts_seen))
        else:
            steps.finish("dns-mx", label, t, "failed", mx.error or "no MX records")
        if mx.status != "ok":
            return mx, ()
        # A hostile or broken zone may list hundreds of MX hosts: probe the most preferred ones.
        probed = hosts_seen[:MAX_MX_PROBES]
        smtp = probed if net.config.smtp else []
        probes, (tlsa, cnames) = await asyncio.gather(
            asyncio.gather(*(one_mx(h) for h in smtp)),
            lookup_mx_hosts(resolver, probed, deadline.for_step()),
        )
        mx_dns.extend([tlsa, cnames])
        return mx, tuple(probes)

    try:
        async with asyncio.timeout(deadline.remaining() + 1.0):
            (mx, probes), sts, rpt, fetched, resolver_info, caa = await asyncio.gather(
                mx_chain(),
                txt("dns-sts", f"_mta-sts.{d}", f"TXT _mta-sts.{d}"),
                txt("dns-tlsrpt", f"_smtp._tls.{d}", f"TXT _smtp._tls.{d}"),
                policy(),
                probe_resolver(resolver, deadline.for_step()),
                lookup_caa(resolver, f"mta-sts.{d}", deadline.for_step()),
            )
    except TimeoutError:  # pragma: no cover - every step has its own, shorter, bound
        why = f"the inspection ran out of time ({net.config.timeout:g} s)"
        mx, probes = MxLookup(status="error", error=why), ()
        sts = TxtLookup(f"_mta-sts.{d}", "error", error=why)
        rpt = TxtLookup(f"_smtp._tls.{d}", "error", error=why)
        fetched = PolicyFetch(url=policy_url(d), error=why)
        resolver_info, caa = None, None

    facts = DomainFacts(
        domain=d,
        mx=mx,
        sts=sts,
        tlsrpt=rpt,
        policy=fetched,
        mx_probes=probes,
        smtp_checked=net.config.smtp,
        resolver=resolver_info,
        tlsa=mx_dns[0] if mx_dns else (),
        mx_cnames=mx_dns[1] if mx_dns else (),
        caa=caa,
    )
    judgement = judge(facts, now=datetime.now(UTC))
    return Inspection(domain, facts, judgement, time.monotonic() - started)
