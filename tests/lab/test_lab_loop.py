"""The lab on uvloop (as the fleet benchmark runs it) serves exactly what it serves on asyncio."""

from __future__ import annotations

import json

import pytest

from mtasts_tui.cli import main
from mtasts_tui.lab import Lab, Scenario, scenarios

from tests.conftest import Labs, lab_network_args

uvloop = pytest.importorskip(
    "uvloop", reason="uvloop (the optional `fast` extra) is not installed here"
)

CHOSEN = [
    "good",
    "redirect",
    "cert-name",
    "cert-untrusted",
    "no-starttls",
    "mx-cert-expired",
    "mx-old-tls",
    "mx-unreachable",
    "policy-node-down",
    "dns-truncated",
    "dane-good",
    "mx-cname",
]
"""Certificates chosen by SNI, STARTTLS and its failures, a redirect, DNS over TCP, DANE."""


def _scenarios() -> list[Scenario]:
    wanted = {s.name: s for s in scenarios.ALL}
    return [wanted[name] for name in CHOSEN]


VOLATILE = {"elapsed", "checked_at", "resolver", "cert_sha256", "records", "cert_not_after"}
"""What differs between any two labs: times, the DNS port, and each lab's own freshly minted
certificates (their SHA-256, the TLSA records made from them, an expired one's end, which
follows the minute it was minted)."""


def _scrub(value: object) -> object:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _results(lab: Lab, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    domains = [lab.domain(name) for name in CHOSEN]
    main(["check", "--json", "--no-history", *domains, *lab_network_args(lab)])
    lines = capsys.readouterr().out.splitlines()
    return {json.loads(line)["domain"]: _scrub(json.loads(line)) for line in lines}


def test_a_lab_on_uvloop_gives_a_check_the_same_results_as_one_on_asyncio(
    labs: Labs, capsys: pytest.CaptureFixture[str]
) -> None:
    on_asyncio = labs.get(_scenarios())
    on_uvloop = labs.get(_scenarios(), loop_factory=uvloop.new_event_loop)
    expected = _results(on_asyncio, capsys)
    assert len(expected) == len(CHOSEN)
    # Twice: a race in how a connection starts would show as a stall or an error now and then.
    for _ in range(2):
        assert _results(on_uvloop, capsys) == expected
