"""A slow, older run never overwrites a newer result (issue 11, section 4).

Cancelling a thread worker only sets a flag, so the older run still finishes. Each test holds the
first run back at a gate around the real function, lets a second run finish, then releases the
first one and checks that what the screen shows (and keeps) is the second run's.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from mtasts_tui.lab import scenarios
from mtasts_tui.tui.screens import export as export_screen
from mtasts_tui.tui.screens import reports as reports_screen
from mtasts_tui.tui.screens.export import ExportScreen
from mtasts_tui.tui.screens.reports import ReportsScreen

from tests.tui.conftest import SIZE, MakeApp, open_editor, settle
from tests.tui.test_reports_screen import REPORT
from tests.waiting import pilot_wait_until


class Gate:
    """Wraps a real function: calls whose first argument contains `slow` wait for `release`."""

    def __init__(self, real: Callable[..., Any], slow: str) -> None:
        self.real, self.slow = real, slow
        self.release = threading.Event()
        self.slow_thread: int | None = None
        self.slow_caller: CodeType | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.slow not in str(args[0]):
            return self.real(*args, **kwargs)
        self.slow_thread = threading.get_ident()
        self.slow_caller = sys._getframe(1).f_code  # the worker function that called us
        self.release.wait(30)
        return self.real(*args, **kwargs)

    def slow_run_over(self) -> bool:
        """Whether the worker that made the held call has returned: all it posts is posted."""
        assert self.slow_thread is not None, "the slow run never reached the gate"
        frame = sys._current_frames().get(self.slow_thread)
        while frame is not None:
            if frame.f_code is self.slow_caller:
                return False
            frame = frame.f_back
        return True


async def finish_slow_run(pilot: Pilot[None], gate: Gate) -> None:
    gate.release.set()
    await pilot_wait_until(pilot, gate.slow_run_over, timeout=30, what="the held run to end")
    await settle(pilot)


def report_for(folder: Path, domain: str) -> None:
    report = copy.deepcopy(REPORT)
    report["policies"][0]["policy"]["policy-domain"] = domain
    folder.mkdir()
    (folder / "r1.json").write_text(json.dumps(report))


async def test_an_older_summary_never_replaces_a_newer_one(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_for(tmp_path / "old", "old.test")
    report_for(tmp_path / "new", "new.test")
    gate = Gate(reports_screen.summarise, slow=str(tmp_path / "old"))
    monkeypatch.setattr(reports_screen, "summarise", gate)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        path = screen.query_one("#report-path", Input)
        summary = screen.query_one("#report-summary", Static)

        path.value = str(tmp_path / "old")
        await pilot.press("enter")  # held at the gate
        path.value = str(tmp_path / "new")
        await pilot.press("enter")
        await settle(pilot)
        assert "new.test" in str(summary.visual)

        await finish_slow_run(pilot, gate)
        shown = str(summary.visual)
        assert "new.test" in shown and "old.test" not in shown
        assert set(app.report_outcomes) == {"new.test"}


async def test_an_older_write_never_replaces_the_newer_outcome(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The screen's own reference is the one replaced below; mypy wants it re-exported to read it.
    gate = Gate(export_screen.write_bundle, slow=str(tmp_path / "first"))  # type: ignore[attr-defined]
    monkeypatch.setattr(export_screen, "write_bundle", gate)
    app = make_app(scenarios.DEMO_DOMAIN)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        folder = screen.query_one("#folder", Input)
        written = screen.query_one("#written", Static)

        folder.value = str(tmp_path / "first")
        await pilot.press("ctrl+s")  # held at the gate
        folder.value = str(tmp_path / "second")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(tmp_path / "second") in str(written.visual)

        await finish_slow_run(pilot, gate)
        shown = str(written.visual)
        assert str(tmp_path / "second") in shown and str(tmp_path / "first") not in shown
        assert (tmp_path / "first").is_dir()  # the older write did happen, it just says nothing
