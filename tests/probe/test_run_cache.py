"""The run-wide cache of a many-domain `check` (issue 12), against real servers on loopback.

A shared MX is resolved and probed once for every domain using it, yet each domain's JSON still
lists every address; HTTPS connections are pooled per (address, SNI name) and never mix names.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mtasts_tui.commands.check import _run
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab, MxServer, Scenario, scenarios
from mtasts_tui.probe.cache import RunCache
from mtasts_tui.probe.inspect import inspect_domain
from mtasts_tui.probe.network import Network

from tests.conftest import Labs

SHARED = "mx.provider.test"
FLEET = [f"shop{i}.fleet.test" for i in range(1, 6)]


def _fleet() -> list[Scenario]:
    """Five domains on one provider MX (two addresses), each with its own policy body."""
    provider = MxServer(more=(MxServer(),))
    return [
        scenarios.healthy(
            f"shop{i}",
            f"Fleet domain {i}",
            domain=name,
            mx_hosts=[SHARED],
            mx_server=provider,
            # Each policy differs (max_age), so a policy served for the wrong name shows.
            max_age=604800 + i,
        )
        for i, name in enumerate(FLEET, start=1)
    ]


@pytest.fixture(scope="module")
def lab(labs: Labs) -> Lab:
    return labs.get(_fleet())


def _domain(name: str) -> DomainName:
    parsed = parse_domain(name)
    assert isinstance(parsed, DomainName), parsed
    return parsed


def _check(lab: Lab, names: list[str], concurrency: int = 5) -> list[dict[str, Any]]:
    out = io.StringIO()
    config = lab.probe_config(timeout=5.0)
    asyncio.run(_run([_domain(n) for n in names], config, concurrency, True, out))
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _sessions(lab: Lab) -> dict[str, int]:
    return {a: lab.smtp_sessions(a) for a in lab.addresses_of(SHARED)}


def test_a_shared_mx_is_probed_once_per_address_for_the_whole_run(lab: Lab) -> None:
    before = _sessions(lab)
    results = _check(lab, FLEET)
    after = _sessions(lab)
    assert len(after) == 2
    # One STARTTLS session per address of the shared host, not one per domain.
    assert {a: after[a] - before[a] for a in after} == {a: 1 for a in after}
    assert sorted(r["domain"] for r in results) == sorted(FLEET)
    for result in results:
        (probe,) = result["mx_tls"]
        assert probe["host"] == SHARED and probe["cert_valid"] is True
        # The shared result still carries every address, in full, for every domain.
        assert [a["address"] for a in probe["addresses"]] == lab.addresses_of(SHARED)
        assert all(a["cert_valid"] and a["cert_sha256"] for a in probe["addresses"])
        assert result["enforce_ready"] is True


def test_without_the_run_cache_each_domain_probes_the_shared_mx_itself(lab: Lab) -> None:
    """The counter above is real: an inspection on its own (the wizard's way) connects again."""
    before = _sessions(lab)
    net = Network.from_config(lab.probe_config(timeout=5.0))
    assert net.cache is None
    for name in FLEET[:3]:
        asyncio.run(inspect_domain(_domain(name), net))
    after = _sessions(lab)
    assert {a: after[a] - before[a] for a in after} == {a: 3 for a in after}


def test_policy_connections_are_pooled_per_sni_and_never_serve_another_name(lab: Lab) -> None:
    async def twice() -> tuple[list[tuple[str, str]], dict[str, list[int | None]]]:
        net = Network.from_config(lab.probe_config(timeout=5.0))
        net.cache = RunCache()
        seen: dict[str, list[int | None]] = {}
        try:
            for _ in range(2):  # the second round goes through the same per-SNI pools
                results = await asyncio.gather(*(inspect_domain(_domain(n), net) for n in FLEET))
                for r in results:
                    policy = r.judgement.policy
                    assert r.facts.policy is not None
                    assert f"mta-sts.{r.domain.ascii}" in r.facts.policy.cert_names
                    age = policy.policy.max_age if policy and policy.policy else None
                    seen.setdefault(r.domain.ascii, []).append(age)
            return net.cache.pool_keys(), seen
        finally:
            await net.cache.aclose()

    keys, seen = asyncio.run(twice())
    # Every policy host sits on one lab address: only SNI and Host tell them apart.
    addresses = {lab.address_of(f"mta-sts.{n}") for n in FLEET}
    (address,) = addresses
    assert sorted(keys) == sorted((address, f"mta-sts.{n}") for n in FLEET)
    for i, name in enumerate(FLEET, start=1):
        assert seen[name] == [604800 + i, 604800 + i], name


def test_mx_addresses_are_resolved_once_while_their_ttl_lasts(lab: Lab) -> None:
    async def resolve() -> tuple[list[str], int, int]:
        cache = RunCache()
        resolver = Network.from_config(lab.probe_config()).resolver
        found = await asyncio.gather(
            *(cache.host_addresses(resolver, SHARED.upper(), 2.0) for _ in range(10))
        )
        assert all(f == found[0] for f in found)
        return found[0][0], cache.addresses.misses, cache.addresses.hits

    addresses, misses, hits = asyncio.run(resolve())
    assert addresses == lab.addresses_of(SHARED)
    assert (misses, hits) == (1, 9)


def test_a_kept_answer_expires_with_its_ttl_and_a_failure_is_not_kept() -> None:
    async def scenario() -> list[int]:
        cache = RunCache()
        calls: list[int] = []

        async def short() -> tuple[str, float]:
            calls.append(1)
            return "value", 0.05

        async def failed() -> tuple[str, float]:
            calls.append(2)
            return "failure", 0.0

        await cache.records.get(("a", "TLSA"), short)
        await cache.records.get(("a", "TLSA"), short)  # kept
        await asyncio.sleep(0.08)
        await cache.records.get(("a", "TLSA"), short)  # expired: asked again
        await cache.records.get(("b", "CAA"), failed)
        await cache.records.get(("b", "CAA"), failed)  # TTL 0: never kept
        return calls

    assert asyncio.run(scenario()) == [1, 1, 2, 2]


def test_the_tables_stay_bounded_dropping_the_least_recently_used() -> None:
    async def fill() -> tuple[int, bool]:
        cache = RunCache(max_entries=3)
        for i in range(10):
            await cache.records.get((str(i), "A"), lambda i=i: _value(i))  # type: ignore[misc]
        return len(cache.records), ("9", "A") in cache.records._done

    assert asyncio.run(fill()) == (3, True)


async def _value(i: int) -> tuple[int, float]:
    return i, 60.0


def test_no_more_than_the_cap_of_connections_reach_one_address_at_once() -> None:
    async def crowd() -> tuple[int, int]:
        cache = RunCache(per_address=3)
        busy = {"a": 0, "b": 0}
        peak = {"a": 0, "b": 0}

        async def connect(address: str) -> None:
            async with cache.slot(address):
                busy[address] += 1
                peak[address] = max(peak[address], busy[address])
                await asyncio.sleep(0.01)
                busy[address] -= 1

        await asyncio.gather(*(connect("a") for _ in range(12)), connect("b"))
        assert not cache._gates  # idle addresses hold no state
        return peak["a"], peak["b"]

    assert asyncio.run(crowd()) == (3, 1)


def test_the_rate_spaces_new_connections_over_the_whole_run() -> None:
    async def paced() -> float:
        cache = RunCache(rate=50.0)
        started = time.monotonic()
        for address in ("a", "b", "c", "d", "e", "f"):
            async with cache.slot(address):
                pass
        return time.monotonic() - started

    # Six starts at 50 per second: the last begins 5 intervals (0.1 s) after the first.
    assert asyncio.run(paced()) >= 0.095


def test_the_cache_refuses_meaningless_limits() -> None:
    with pytest.raises(ValueError):
        RunCache(per_address=0)
    with pytest.raises(ValueError):
        RunCache(rate=0)


def test_tlsa_and_aliases_of_a_shared_mx_are_asked_once_for_the_run(lab: Lab) -> None:
    asked: list[tuple[str, str]] = []

    async def run() -> list[tuple[str, str]]:
        net = Network.from_config(lab.probe_config(timeout=5.0))
        cache = net.cache = RunCache()
        real_get = cache.records.get

        async def counting(
            key: tuple[str, str], make: Callable[[], Awaitable[tuple[object, float]]]
        ) -> object:
            async def counted() -> tuple[object, float]:
                asked.append(key)
                return await make()

            return await real_get(key, counted)

        cache.records.get = counting  # type: ignore[method-assign]
        try:
            for name in FLEET:  # one after another: only the kept answer can be shared
                result = await inspect_domain(_domain(name), net)
                assert [t.host for t in result.facts.tlsa] == [SHARED]
        finally:
            await cache.aclose()
        return asked

    assert asyncio.run(run()).count((SHARED, "TLSA+CNAME")) == 1


def test_caa_parents_are_asked_once_for_the_fleet_and_each_policy_host_for_itself(
    lab: Lab,
) -> None:
    """The names above the policy hosts (``fleet.test``, ``test``) are common to the fleet."""
    asked = ("fleet.test", "test", *FLEET, *(f"mta-sts.{n}" for n in FLEET))
    before = {n: lab.dns_queries(n, "CAA") for n in asked}
    root = lab.dns_queries(".", "SOA")
    results = _check(lab, FLEET)
    counts = {n: lab.dns_queries(n, "CAA") - before[n] for n in asked}
    assert counts == {n: 1 for n in asked}
    assert lab.dns_queries(".", "SOA") - root == 1  # "does the resolver validate?": once a run
    for result in results:  # each domain still gets its own full CAA verdict
        assert result["caa"] is not None


def test_a_shared_caa_answer_is_kept_only_while_its_ttl_lasts(lab: Lab) -> None:
    """The lab's "no CAA here" carries an SOA with a 60 s minimum: kept 60 s, then asked again."""
    from mtasts_tui.probe.cache import caa_of

    async def twice(clock: list[float]) -> None:
        net = Network.from_config(lab.probe_config(timeout=5.0))
        net.cache = RunCache()
        await caa_of(net, f"mta-sts.{FLEET[0]}", 5.0)
        await caa_of(net, f"mta-sts.{FLEET[1]}", 5.0)  # the same parents: kept
        expires, _ = net.cache.records._done[("fleet.test", "CAA")]
        clock.append(expires - time.monotonic())
        # Age every kept answer past its TTL, as a minute's wait would.
        for k, (_, value) in list(net.cache.records._done.items()):
            net.cache.records._done[k] = (time.monotonic() - 1, value)
        await caa_of(net, f"mta-sts.{FLEET[2]}", 5.0)

    before = lab.dns_queries("fleet.test", "CAA")
    clock: list[float] = []
    asyncio.run(twice(clock))
    assert lab.dns_queries("fleet.test", "CAA") - before == 2
    assert 55 < clock[0] <= 60


def test_a_missing_address_or_mail_domain_is_kept_as_its_soa_says(lab: Lab) -> None:
    """A "no such record" and a "no such name" are kept as long as the SOA that came with them
    allows (RFC 2308 §5: the lab's says 60 s), not a fixed time; an answer for its TTL."""

    async def expiries() -> tuple[float, float, float]:
        net = Network.from_config(lab.probe_config(timeout=5.0))
        cache = net.cache = RunCache()
        try:
            await inspect_domain(_domain(FLEET[0]), net)
            await inspect_domain(_domain("nowhere.fleet.test"), net)
            now = time.monotonic()
            no_aaaa, _ = cache.families._done[(SHARED, "AAAA")]
            address, _ = cache.families._done[(SHARED, "A")]
            no_domain, _ = cache.mx._done["nowhere.fleet.test"]
            return no_aaaa - now, address - now, no_domain - now
        finally:
            await cache.aclose()

    no_aaaa, address, no_domain = asyncio.run(expiries())
    assert 50 < no_aaaa <= 60 and 50 < no_domain <= 60
    assert 290 < address <= 300


def test_a_shared_tlsa_answer_is_kept_for_its_ttl_and_a_missing_one_as_its_soa_says(
    labs: Labs, lab: Lab
) -> None:
    """TLSA and CNAME answers of an MX host are kept as long as the shortest TTL behind them:
    the demo's signed TLSA record has the lab's 300 s TTL (its MX answer carries mx1's
    addresses, so no CNAME is asked); the provider MX has no TLSA, a "no" the lab's SOA allows
    60 s."""
    demo = labs.get(scenarios.DEMO)

    async def kept(on: Lab, domain: str, host: str) -> float:
        net = Network.from_config(on.probe_config(timeout=5.0))
        cache = net.cache = RunCache()
        try:
            await inspect_domain(_domain(domain), net)
            expires, _ = cache.records._done[(host, "TLSA+CNAME")]
            return expires - time.monotonic()
        finally:
            await cache.aclose()

    signed = asyncio.run(kept(demo, scenarios.DEMO_DOMAIN, f"mx1.{scenarios.DEMO_DOMAIN}"))
    assert 290 < signed <= 300
    missing = asyncio.run(kept(lab, FLEET[0], SHARED))
    assert 50 < missing <= 60
