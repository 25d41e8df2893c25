"""The wizard remembers: inspections are recorded, the inspection says what changed since the last
check, the History screen (h) shows the timeline and a policy diff, and the domain screen lists
recently checked domains with their last verdict."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual.widgets import OptionList, Static

from mtasts_tui.lab import Lab
from mtasts_tui.store.db import open_store
from mtasts_tui.store.history import record, runs
from mtasts_tui.tui.clock import FIXED_NOW
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.history import HistoryScreen
from mtasts_tui.tui.screens.inspection import InspectionScreen

from tests.monitor.results import POLICY, edit, result
from tests.tui.conftest import SIZE, MakeApp, settle


def plain(widget: Static) -> str:
    visual = widget.visual
    return visual.plain if isinstance(visual, Text) else str(widget.render())


def db() -> Path:
    return Path(os.environ["MTASTS_TUI_DB"])


async def test_an_inspection_is_recorded_and_a_rerun_says_unchanged(
    make_app: MakeApp, lab: Lab
) -> None:
    good = lab.domain("good")
    app = make_app(good)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InspectionScreen)
        assert plain(app.screen.query_one("#since-last", Static)).startswith("First check")
        await pilot.press("r")
        await settle(pilot)
        line = plain(app.screen.query_one("#since-last", Static))
        assert line.startswith("Unchanged since the last check (2026-11-28T12:00:00Z")
    assert len(runs(open_store(db()), good)) == 2


async def test_the_inspection_marks_what_changed_since_the_last_check(
    make_app: MakeApp, lab: Lab
) -> None:
    good = lab.domain("good")
    conn = open_store(db())
    app = make_app(good)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    # Pretend the last stored check saw the policy in testing mode.
    testing = edit(runs(conn, good)[-1].result, "policy.mode", "testing")
    record(conn, testing, checked_at=FIXED_NOW + timedelta(seconds=1))
    app = make_app(good)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = plain(app.screen.query_one("#since-last", Static))
        assert line.startswith("Changed since the last check (2026-11-28T12:00:01Z)")
        assert "mode-upgraded" in line


async def test_the_history_screen_shows_the_timeline_and_a_policy_diff(make_app: MakeApp) -> None:
    conn = open_store(db())
    record(conn, result(), checked_at=FIXED_NOW - timedelta(days=2))
    changed = edit(result(), "policy.raw", POLICY.replace("enforce", "testing"))
    changed = edit(changed, "policy.mode", "testing")
    record(conn, changed, checked_at=FIXED_NOW - timedelta(days=1))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from mtasts_tui.core.domain import parse_domain

        domain = parse_domain("ex.test")
        assert not isinstance(domain, str)
        await app.push_screen(HistoryScreen(domain))
        await settle(pilot)
        screen = app.screen
        timeline = plain(screen.query_one("#timeline", Static))
        assert "[first-check]" in timeline and "[policy-changed-same-id]" in timeline
        assert screen.query_one("#versions", OptionList).option_count == 2
        diff = plain(screen.query_one("#diff", Static))
        assert "-mode: enforce" in diff and "+mode: testing" in diff
        await pilot.press("escape")
        assert isinstance(app.screen, DomainScreen)


async def test_h_opens_the_history_from_the_inspection(make_app: MakeApp, lab: Lab) -> None:
    app = make_app(lab.domain("good"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert "[first-check]" in plain(app.screen.query_one("#timeline", Static))


async def test_the_domain_screen_lists_checked_domains_with_their_last_verdict(
    make_app: MakeApp,
) -> None:
    conn = open_store(db())
    record(conn, result("checked.test"), checked_at=FIXED_NOW - timedelta(days=3))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#recent", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["checked.test  ✓ Ready to enforce  (2026-11-25)"]
