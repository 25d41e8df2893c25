"""Shared fixtures: loopback labs of real DNS, HTTPS and SMTP servers, each started once."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from mtasts_tui.lab import Lab, Scenario, scenarios


def pytest_configure(config: pytest.Config) -> None:
    # A Textual app allocates hundreds of thousands of objects per test. With CPython's default
    # thresholds (700, 10, 10) the TUI tests spent about a quarter of their CPU time in full
    # collections (35 of them for 22 tests); these keep cycles collected at a fraction of that.
    gc.set_threshold(10_000, 10, 10)


class Labs:
    """Started labs, one per distinct set of scenarios and options, kept for the whole session.

    Every test that needs the loopback lab gets it from here (``lab`` for ``scenarios.ALL``,
    ``labs.get(...)`` for a module's own scenarios), so no test pays to start the same lab twice.
    Tests that are about starting and stopping a lab make their own with ``Lab(...)``.
    """

    def __init__(self) -> None:
        self._running: dict[str, Lab] = {}

    def get(self, chosen: Sequence[Scenario], **options: Any) -> Lab:
        key = repr((list(chosen), sorted(options.items())))
        lab = self._running.get(key)
        if lab is None:
            lab = self._running[key] = Lab(chosen, **options).start()
        return lab

    def stop_all(self) -> None:
        for lab in self._running.values():
            lab.stop()
        self._running.clear()


@pytest.fixture(scope="session")
def labs() -> Iterator[Labs]:
    started = Labs()
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="session")
def lab(labs: Labs) -> Lab:
    """Every scenario in ``scenarios.ALL``."""
    return labs.get(scenarios.ALL)


@pytest.fixture(scope="session")
def slow_lab(labs: Labs) -> Lab:
    """The scenarios in ``scenarios.SLOW``: servers that hang, stall or drop queries."""
    return labs.get(scenarios.SLOW)


def lab_network_args(lab: Lab, timeout: float = 3.0) -> list[str]:
    """The command-line options that point a run at the lab instead of the internet."""
    host, port = lab.dns_address
    return [
        "--resolver",
        f"{host}:{port}",
        "--ca-file",
        lab.ca_file,
        "--https-port",
        str(lab.https_port),
        "--smtp-port",
        str(lab.smtp_port),
        "--timeout",
        str(timeout),
    ]


def lab_namespace(lab: Lab, timeout: float = 3.0, **extra: object) -> argparse.Namespace:
    host, port = lab.dns_address
    values: dict[str, object] = {
        "resolver": [f"{host}:{port}"],
        "ca_file": lab.ca_file,
        "https_port": lab.https_port,
        "smtp_port": lab.smtp_port,
        "timeout": timeout,
        "no_smtp": False,
    }
    values.update(extra)
    return argparse.Namespace(**values)


@pytest.fixture(autouse=True)
def _history_db(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test records its checks in a fresh database, never in the user's data folder."""
    monkeypatch.setenv("MTASTS_TUI_DB", str(tmp_path_factory.mktemp("db") / "history.sqlite3"))
