"""Starting and stopping the lab, and the scenario data every other test relies on."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import httpx
import pytest

from mtasts_tui.lab import Lab, scenarios

CODES = {
    "sts-record-missing",
    "sts-record-multiple",
    "sts-record-invalid",
    "policy-mode-none",
    "policy-mode-testing",
    "policy-max-age-short",
    "policy-mx-ip",
    "policy-syntax",
    "policy-compat",
    "sts-record-compat",
    "tlsrpt-compat",
    "tlsrpt-missing",
    "tlsrpt-multiple",
    "tlsrpt-invalid",
    "tlsrpt-rua-undeliverable",
    "tlsrpt-rua-same-domain",
    "mx-not-covered",
    "policy-mx-unused",
    "dns-error",
    "mx-missing",
    "policy-fetch-failed",
    "policy-tls-invalid",
    "policy-http-status",
    "policy-redirect",
    "policy-content-type",
    "policy-too-large",
    "mx-unreachable",
    "mx-no-starttls",
    "mx-tls-version",
    "mx-cert-invalid",
    "mx-cert-name-mismatch",
    "dane-tlsa-mismatch",
    "dane-unsigned",
    "dane-present",
    "mx-cname",
    "caa-blocks-issuer",
    "caa-issuer-unknown",
    "mx-address-failed",
    "policy-inconsistent",
    "ipv6-unreachable",
}


def _lab_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mtasts-lab"]


def test_start_is_fast_and_stop_leaves_nothing_behind() -> None:
    before = len(_lab_threads())
    started = time.perf_counter()
    lab = Lab(scenarios.ALL)
    lab.start()
    try:
        assert time.perf_counter() - started < 2.0
        assert len(_lab_threads()) == before + 1
        ca_file, (host, dns_port), smtp_port = lab.ca_file, lab.dns_address, lab.smtp_port
        assert os.path.exists(ca_file)
        mx = lab.address_of("mx1.good.test")
        socket.create_connection((mx, smtp_port), timeout=1).close()
    finally:
        lab.stop()
    lab.stop()  # idempotent
    assert len(_lab_threads()) == before
    assert not os.path.exists(ca_file)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((mx, smtp_port), timeout=1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, dns_port), timeout=1)
    with pytest.raises(RuntimeError):
        _ = lab.dns_address


def test_stop_with_open_connections() -> None:
    before = len(_lab_threads())  # a session lab of another test module may be running
    with Lab(scenarios.ALL) as lab:
        hanging = socket.create_connection(
            (lab.address_of(f"mta-sts.{lab.domain('hang')}"), lab.https_port), timeout=1
        )
        idle = socket.create_connection((lab.address_of("mx1.good.test"), lab.smtp_port))
        started = time.perf_counter()
    assert time.perf_counter() - started < 2.0
    assert len(_lab_threads()) == before
    hanging.close()
    idle.close()


def test_lab_can_restart_and_run_twice_at_once() -> None:
    lab = Lab(scenarios.DEMO)
    with lab, Lab(scenarios.DEMO) as other:
        assert lab.smtp_port != other.smtp_port
        assert lab.dns_address != other.dns_address
    with lab:
        assert lab.resolver().resolve(scenarios.DEMO_DOMAIN, "MX")


def test_scenarios_are_consistent() -> None:
    names = [s.name for s in scenarios.ALL]
    assert len(names) == len(set(names))
    domains = [s.domain for s in scenarios.ALL]
    assert len(domains) == len(set(domains))
    for s in scenarios.ALL + scenarios.SLOW + scenarios.NO_IPV6:
        assert s.domain.endswith(".test") and s.domain.isascii(), s.name
        assert s.expect <= CODES, (s.name, s.expect - CODES)
        assert s.description and "\n" not in s.description
    covered = set().union(*(s.expect for s in scenarios.ALL + scenarios.NO_IPV6))
    assert covered == CODES  # every finding code is driven by some scenario
    assert scenarios.DEMO[0] in scenarios.ALL
    assert scenarios.DEMO[0].domain == scenarios.DEMO_DOMAIN
    assert scenarios.DEMO[0].expect == {"policy-mode-testing", "mx-not-covered"}


def test_duplicate_scenarios_are_rejected() -> None:
    with pytest.raises(ValueError, match="two scenarios"):
        Lab(scenarios.DEMO + scenarios.DEMO)


def test_scenario_lookup(lab: Lab) -> None:
    assert lab.scenario("redirect").domain == lab.domain("redirect") == "redirect.test"
    with pytest.raises(KeyError):
        lab.scenario("no-such-scenario")


async def test_bulk_lab_serves_many_domains_concurrently() -> None:
    bulk = scenarios.bulk(500)
    assert bulk[0].domain == "bulk-0001.bench.test"
    assert bulk[-1].domain == "bulk-0500.bench.test"
    started = time.perf_counter()
    with Lab(bulk) as lab:
        assert time.perf_counter() - started < 2.0
        resolver = lab.async_resolver()
        chosen = bulk[::10]

        async def check(domain: str) -> int:
            host = f"mta-sts.{domain}"
            answer = await resolver.resolve(host, "A")
            async with httpx.AsyncClient(verify=lab.client_ssl_context(), timeout=5) as client:
                response = await client.get(
                    f"https://{answer[0]}:{lab.https_port}/.well-known/mta-sts.txt",
                    headers={"Host": host},
                    extensions={"sni_hostname": host},
                )
            return response.status_code

        statuses = await asyncio.gather(*(check(s.domain) for s in chosen))
        assert statuses == [200] * len(chosen)
