"""Every wizard test uses the session lab (tests/conftest.py); each app gets its own data dir
and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest
from textual.pilot import Pilot

from mtasts_tui.lab import Lab
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.tui.app import WizardApp
from mtasts_tui.tui.store import Store

if TYPE_CHECKING:
    from mtasts_tui.tui.screens.edit import EditScreen

SIZE = (100, 32)


class MakeApp(Protocol):
    """The ``make_app`` fixture: a wizard on the lab, opened on ``domain`` when one is given."""

    def __call__(self, domain: str | None = None) -> WizardApp: ...


SnapCompare = Callable[..., bool]
"""The ``snap_compare`` fixture (the plugin's own annotation leaves out the keyword arguments)."""


@pytest.fixture
def config(lab: Lab) -> ProbeConfig:
    return lab.probe_config(timeout=5.0)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("MTASTS_TUI_DATA_DIR", str(path))
    return path


@pytest.fixture
def make_app(config: ProbeConfig, data_dir: Path) -> MakeApp:
    def make(domain: str | None = None) -> WizardApp:
        return WizardApp(config, domain, store=Store(data_dir), deterministic=True)

    return make


async def open_editor(pilot: Pilot[None]) -> EditScreen:
    """From a finished inspection, press e and return the edit screen."""
    from mtasts_tui.tui.screens.edit import EditScreen

    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen)
    return screen


async def open_offline_editor(pilot: Pilot[None], domain: str) -> EditScreen:
    """From the domain screen, type ``domain`` and press ctrl+o: a draft without inspection."""
    from mtasts_tui.tui.screens.edit import EditScreen

    await settle(pilot)
    await pilot.press(*domain)
    await pilot.press("ctrl+o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen)
    return screen


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and the screen repaint."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(app: WizardApp) -> list[str]:
    """The screen as the terminal shows it: one string per row, styles dropped."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, force_terminal=True
    )
    console.print(
        app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True
        )
    )
    return console.export_text(styles=False).splitlines()
