"""Palette, back navigation, the wizard entry point and import hygiene."""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

import pytest
from textual.command import CommandList
from textual.worker import WorkerFailed

from mtasts_tui.lab import scenarios
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.edit import EditScreen
from mtasts_tui.tui.screens.inspection import InspectionScreen
from mtasts_tui.tui.screens.review import ReviewScreen

from tests.tui.conftest import SIZE, MakeApp, settle
from tests.waiting import pilot_wait_until


async def test_escape_walks_back_and_palette_reviews(make_app: MakeApp) -> None:
    app = make_app(scenarios.DEMO_DOMAIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Review the draft")
        await pilot_wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, EditScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, InspectionScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DomainScreen)


async def test_theme_toggle(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.theme
        await pilot.press("f2")
        assert app.theme != before


def test_run_wizard_reports_bad_network_options(capsys: pytest.CaptureFixture[str]) -> None:
    from mtasts_tui.wizard import run_wizard

    args = argparse.Namespace(
        domain=None,
        demo=False,
        resolver=[],
        ca_file=None,
        https_port=443,
        smtp_port=25,
        timeout=0,
        no_smtp=False,
    )
    assert run_wizard(args) == 2
    assert "--timeout" in capsys.readouterr().err


def test_cli_and_wizard_import_without_textual() -> None:
    code = (
        "import sys, mtasts_tui.cli, mtasts_tui.wizard; "
        "assert 'textual' not in sys.modules, 'textual imported at startup'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_a_failing_save_is_reported_not_fatal(make_app: MakeApp) -> None:
    app = make_app()

    def broken() -> None:
        raise OSError(28, "No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.store.flush = broken  # type: ignore[method-assign]
        messages: list[str] = []
        notify = app.notify

        def recording_notify(message: str, *args: Any, **kwargs: Any) -> None:
            messages.append(str(message))
            notify(message, *args, **kwargs)

        app.notify = recording_notify  # type: ignore[method-assign]
        app.save_state()
        with pytest.raises(WorkerFailed):  # the save fails in its worker...
            await app.workers.wait_for_complete()
        await pilot.pause()  # ...and its StateChanged handler notifies
        assert app.is_running
        assert any("No space left" in m for m in messages), messages
