"""The first frame comes first: the wizard draws before the probes and the lab load.

Each import runs in a fresh interpreter, so what another test already imported cannot hide a leak.
The timing itself is measured in `bench/bench_tui.py`, never here.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.inspection import InspectionScreen
from mtasts_tui.wizard import start_demo_lab

from tests.tui.conftest import SIZE, settle
from tests.waiting import wait_until

HEAVY = ("httpx", "dns", "cryptography", "mtasts_tui.lab", "mtasts_tui.probe.inspect")


def loaded_after(statement: str) -> list[str]:
    """The heavy top-level modules present in sys.modules after `statement`, in a new Python."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    "statement",
    [
        "import mtasts_tui.tui.app",
        "import mtasts_tui.tui.screens.domain",
        "import mtasts_tui.wizard, mtasts_tui.cli",
        "from mtasts_tui.probe.network import config_from_args, ProbeConfig",
    ],
)
def test_what_runs_before_the_first_frame_imports_no_probe_library(statement: str) -> None:
    assert loaded_after(statement) == []


def test_the_guard_sees_a_leak() -> None:
    # The check above can fail: importing the inspection screen does pull the probes in.
    assert "httpx" in loaded_after("import mtasts_tui.tui.screens.inspection")


class HeldLab:
    """The real lab, held back until `go` is set: 'still starting' on demand."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.started: list[Lab] = []


@pytest.fixture
def slow_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldLab]:
    held = HeldLab()
    real_start = Lab.start

    def held_start(self: Lab) -> Lab:
        held.go.wait(30)
        real_start(self)
        held.started.append(self)
        return self

    monkeypatch.setattr(Lab, "start", held_start)
    yield held
    held.go.set()


async def test_demo_draws_the_domain_screen_then_starts_the_lab_and_inspects(
    data_dir: Path, config: ProbeConfig, slow_lab: HeldLab
) -> None:
    from mtasts_tui.tui.app import DEMO_STARTING, WizardApp
    from mtasts_tui.tui.store import Store

    app = WizardApp(config, None, store=Store(data_dir), deterministic=True, demo=start_demo_lab)
    try:
        async with app.run_test(size=SIZE) as pilot:
            # The first screen is up while the lab is still starting, and says so.
            await pilot.pause()
            assert isinstance(app.screen, DomainScreen)
            assert app.lab_state == "starting"
            assert app.banner.startswith(DEMO_STARTING)
            slow_lab.go.set()
            await settle(pilot)
            await settle(pilot)
            assert app.lab_state == "ready"
            lab = slow_lab.started[0]
            assert lab.running and app.demo_lab is not None
            assert app.config.resolvers == (lab.dns_address,)
            assert "Nothing leaves this machine" in app.banner
            screen = app.screen
            assert isinstance(screen, InspectionScreen)
            assert screen.domain.ascii == scenarios.DEMO_DOMAIN
            assert screen.inspection is not None  # inspected against the demo lab
    finally:
        app.stop_demo()
    assert app.demo_lab is None and not lab.running  # stopped when the app closed


async def test_a_domain_asked_for_while_the_lab_starts_is_inspected_once_it_is_up(
    data_dir: Path, config: ProbeConfig, slow_lab: HeldLab
) -> None:
    from mtasts_tui.tui.app import WizardApp
    from mtasts_tui.tui.store import Store

    wanted = scenarios.ALL[1].domain
    assert wanted != scenarios.DEMO_DOMAIN
    app = WizardApp(config, None, store=Store(data_dir), deterministic=True, demo=start_demo_lab)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*wanted, "enter")
            await pilot.pause()
            assert app.lab_state == "starting"
            assert isinstance(app.screen, DomainScreen)  # not inspecting the real network
            slow_lab.go.set()
            await settle(pilot)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, InspectionScreen)
            assert screen.domain.ascii == wanted  # the user's domain, not the demo's
            assert len(app.screen_stack) == 3  # one inspection, not two
    finally:
        app.stop_demo()


async def test_quitting_while_the_lab_starts_leaves_no_lab_running(
    data_dir: Path, config: ProbeConfig, slow_lab: HeldLab
) -> None:
    from mtasts_tui.tui.app import WizardApp
    from mtasts_tui.tui.store import Store

    app = WizardApp(config, None, store=Store(data_dir), deterministic=True, demo=start_demo_lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.lab_state == "starting"
    app.stop_demo()  # what the wizard does once the app has returned
    slow_lab.go.set()  # the lab comes up only now, after the quit
    wait_until(lambda: slow_lab.started, 30, "the held lab to start")
    wait_until(lambda: not slow_lab.started[0].running, 30, "the worker to stop the lab")
    assert not slow_lab.started[0].running  # stopped by the worker that started it
    assert app.demo_lab is None
