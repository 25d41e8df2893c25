"""One domain, closer to the bound (issue 12 §3), against real servers on loopback.

- An MX answer that carries its hosts' addresses (the additional section) saves the address
  queries; a family it lacks is still asked for; a hostile section is ignored and bounded.
- Each address is probed as soon as it is known: the IPv4 probe of a host starts while its
  AAAA answer is still on the way, yet the results list the addresses in the same order.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import dns.message
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.commands.check import _run, inspection_to_json
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import DnsFault, Lab, MxServer, Scenario, scenarios
from mtasts_tui.lab.model import JUNK_ADDRESS
from mtasts_tui.probe import dnswire
from mtasts_tui.probe.dns import records_of
from mtasts_tui.probe.glue import MAX_RRSETS, mx_glue
from mtasts_tui.probe.inspect import (
    MAX_ADDRESSES_PER_DOMAIN,
    AddressBudget,
    Inspection,
    allotments,
    inspect_domain,
)
from mtasts_tui.probe.network import Network

SLOW_AAAA = 0.5
"""Seconds the lab holds back the AAAA answer of mx1.slow-aaaa.test."""


def _scenarios() -> list[Scenario]:
    near = scenarios.healthy("near", "Two MX hosts in the domain's own zone")
    junk = scenarios.healthy(
        "junk",
        "The MX answer's additional section is hostile",
        dns_faults=[
            DnsFault(
                "junk.test",
                "junk-additional",
                rdtype="MX",
                # An address for another domain's MX host: it must not land there.
                records=(("mx1.near.test", "A", JUNK_ADDRESS),),
            )
        ],
    )
    slow = scenarios.healthy(
        "slow-aaaa",
        "The AAAA answer of mx1 comes late; mx1 also listens on ::1 where the platform can",
        mx_overrides={"mx1.slow-aaaa.test": MxServer(ipv6=MxServer())},
        dns_faults=[DnsFault("mx1.slow-aaaa.test", "delay", rdtype="AAAA", delay=SLOW_AAAA)],
    )
    return [near, junk, slow]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(_scenarios()) as running:
        yield running


@pytest.fixture
def no_additional(lab: Lab) -> Iterator[None]:
    """The lab's MX answers leave the hosts' addresses out, as minimal-responses resolvers do."""
    lab.set_dns_additional(False)
    try:
        yield
    finally:
        lab.set_dns_additional(True)


def _domain(name: str) -> DomainName:
    parsed = parse_domain(name)
    assert isinstance(parsed, DomainName), parsed
    return parsed


def _inspect(lab: Lab, name: str) -> Inspection:
    net = Network.from_config(lab.probe_config(timeout=5.0))
    return asyncio.run(inspect_domain(_domain(lab.domain(name)), net))


def _queries(lab: Lab, host: str, rdtype: str, since: float) -> int:
    return sum(1 for q in lab.dns_log(host, rdtype) if q.received >= since)


def _without_timings(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_timings(v) for k, v in data.items() if k != "elapsed"}
    if isinstance(data, list):
        return [_without_timings(v) for v in data]
    return data


# --- fewer round trips ----------------------------------------------------------------------


def test_an_mx_answer_with_the_hosts_addresses_spares_the_address_queries(lab: Lab) -> None:
    since = time.monotonic()
    result = _inspect(lab, "near")
    hosts = ["mx1.near.test", "mx2.near.test"]
    assert [p.host for p in result.facts.mx_probes] == hosts
    for probe in result.facts.mx_probes:
        assert [a.address for a in probe.addresses] == lab.addresses_of(probe.host)
        assert probe.cert_valid is True
    for host in hosts:
        assert _queries(lab, host, "A", since) == 0
        # The section holds what the lab publishes: no AAAA here, so that family is asked for.
        assert _queries(lab, host, "AAAA", since) == 1
        # A name that owns addresses is no alias (RFC 2181 §10.1): no CNAME query for DANE.
        assert _queries(lab, host, "CNAME", since) == 0
    # The TLS-RPT destination (mailto:tlsrpt@near.test) shares the one MX query.
    assert _queries(lab, "near.test", "MX", since) == 1


def test_without_the_addresses_each_host_is_asked_and_the_result_is_the_same(
    lab: Lab, no_additional: None
) -> None:
    since = time.monotonic()
    asked = _inspect(lab, "near")
    for host in ["mx1.near.test", "mx2.near.test"]:
        assert _queries(lab, host, "A", since) == 1
        assert _queries(lab, host, "AAAA", since) == 1
        assert _queries(lab, host, "CNAME", since) == 1
    lab.set_dns_additional(True)
    given = _inspect(lab, "near")
    assert _without_timings(inspection_to_json(asked)) == _without_timings(
        inspection_to_json(given)
    )


def test_a_hostile_additional_section_is_ignored(lab: Lab) -> None:
    since = time.monotonic()
    result = _inspect(lab, "junk")
    assert result.facts.mx.status == "ok"
    for probe in result.facts.mx_probes:
        assert [a.address for a in probe.addresses] == lab.addresses_of(probe.host)
        assert probe.cert_valid is True
        # Wrong class, wrong type, other names, and a true-looking record past the bound:
        # none of it counts, so each host is asked for as if the section were empty.
        assert _queries(lab, probe.host, "A", since) == 1
    assert not any(p.address == JUNK_ADDRESS for p in result.facts.mx_probes)


def test_a_hostile_section_cannot_plant_addresses_for_another_domain_in_a_fleet_run(
    lab: Lab, no_additional: None
) -> None:
    since = time.monotonic()
    out = io.StringIO()
    names = [_domain(lab.domain("junk")), _domain(lab.domain("near"))]
    # One at a time, the hostile domain first, sharing one run cache.
    asyncio.run(_run(names, lab.probe_config(timeout=5.0), 1, True, out))
    results = {r["domain"]: r for r in map(json.loads, out.getvalue().splitlines())}
    mx1 = next(p for p in results["near.test"]["mx_tls"] if p["host"] == "mx1.near.test")
    assert [a["address"] for a in mx1["addresses"]] == lab.addresses_of("mx1.near.test")
    assert _queries(lab, "mx1.near.test", "A", since) == 1


def _additional(*rrsets: dns.rrset.RRset) -> tuple[dnswire.Record, ...]:
    return tuple(record for rrset in rrsets for record in records_of(rrset))


def _additional_on_the_wire(*rrsets: dns.rrset.RRset) -> tuple[dnswire.Record, ...]:
    message = dns.message.make_response(dns.message.make_query("example.test", "MX"))
    message.additional.extend(rrsets)
    reply = dnswire.parse(message.to_wire())
    assert reply is not None
    return reply.additional


@pytest.mark.parametrize("read", [_additional, _additional_on_the_wire], ids=["dnspython", "lean"])
def test_only_records_owned_by_an_mx_target_of_class_in_and_type_a_or_aaaa_count(
    read: Callable[..., tuple[dnswire.Record, ...]],
) -> None:
    section = read(
        dns.rrset.from_text("mx.example.test.", 300, "IN", "A", "192.0.2.2", "192.0.2.1"),
        dns.rrset.from_text("mx.example.test.", 60, "IN", "AAAA", "2001:db8::1"),
        dns.rrset.from_text("other.example.test.", 300, "IN", "A", "192.0.2.9"),
        dns.rrset.from_text("mx2.example.test.", 300, "IN", "TXT", '"192.0.2.9"'),
        dns.rrset.from_text("mx2.example.test.", 300, "HS", "A", r"\# 4 c0000209"),
    )
    glue = mx_glue(section, ["MX.example.test.", "mx2.example.test"])
    assert set(glue) == {("mx.example.test", "A"), ("mx.example.test", "AAAA")}
    assert glue[("mx.example.test", "A")].addresses == ("192.0.2.1", "192.0.2.2")
    assert glue[("mx.example.test", "A")].ttl == 300
    assert glue[("mx.example.test", "AAAA")].addresses == ("2001:db8::1",)
    assert mx_glue((), ["mx.example.test"]) == {}


def test_a_huge_additional_section_is_read_only_up_to_the_bound() -> None:
    junk = [
        dns.rrset.from_text(f"n{i}.example.test.", 300, "IN", "A", "192.0.2.9")
        for i in range(20_000)
    ]
    late = dns.rrset.from_text("mx.example.test.", 300, "IN", "A", "192.0.2.1")
    # Past the bound nothing is read, not even a true-looking record for the MX host.
    assert mx_glue(_additional(*junk, late), ["mx.example.test"]) == {}
    early = _additional(*junk[: MAX_RRSETS - 1], late)
    assert set(mx_glue(early, ["mx.example.test"])) == {("mx.example.test", "A")}


# --- overlap ----------------------------------------------------------------------------------


@pytest.mark.parametrize("additional", [True, False], ids=["A-in-the-mx-answer", "asked"])
def test_an_address_is_probed_while_its_hosts_aaaa_answer_is_still_on_the_way(
    lab: Lab, additional: bool
) -> None:
    """With the section, the A record comes with the MX answer and the AAAA is still asked
    (the lab leaves a faulted name out of the section); without it, both are asked."""
    host = "mx1.slow-aaaa.test"
    lab.set_dns_additional(additional)
    try:
        since = time.monotonic()
        result = _inspect(lab, "slow-aaaa")
    finally:
        lab.set_dns_additional(True)
    assert _queries(lab, host, "A", since) == (0 if additional else 1)
    [late] = [q for q in lab.dns_log(host, "AAAA") if q.received >= since]
    assert late.answered is not None and late.answered - late.received >= SLOW_AAAA
    v4 = min(
        (a for a in lab.addresses_of(host) if ipaddress.ip_address(a).version == 4),
        key=ipaddress.ip_address,
    )
    [session] = [t for t in lab.smtp_session_starts(v4) if t >= since]
    assert session < late.answered - SLOW_AAAA / 2  # long before the AAAA answer left
    # The other host's probe did not wait for mx1's AAAA answer either.
    [other] = lab.addresses_of("mx2.slow-aaaa.test")
    assert next(t for t in lab.smtp_session_starts(other) if t >= since) < late.answered
    # Out of order in time, in order in the result: IPv4 first, then ::1 where published.
    probe = next(p for p in result.facts.mx_probes if p.host == host)
    assert [a.address for a in probe.addresses] == lab.addresses_of(host)
    assert all(a.passes for a in probe.addresses)
    assert [p.host for p in result.facts.mx_probes] == [host, "mx2.slow-aaaa.test"]


# --- the address caps, decided while lookups land in any order ------------------------------


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40),
    data=st.data(),
)
def test_the_caps_fall_as_in_preference_order_whatever_order_the_lookups_land_in(
    counts: list[int], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(counts))))
    budget = AddressBudget(len(counts))
    early: dict[int, int] = {}

    async def host(index: int, landing: int) -> int:
        for _ in range(landing):  # land after the hosts drawn before this one
            await asyncio.sleep(0)
        early[index] = budget.at_least(index, counts[index])
        return await budget.claim(index, counts[index])

    async def run() -> list[int]:
        return list(await asyncio.gather(*(host(i, order.index(i)) for i in range(len(counts)))))

    shares = asyncio.run(run())
    assert shares == allotments(counts)
    assert sum(shares) <= MAX_ADDRESSES_PER_DOMAIN
    # What a host starts before its own share is settled is never more than that share.
    assert all(early[i] <= shares[i] for i in range(len(counts)))
