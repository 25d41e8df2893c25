"""Pilot tests of the wizard's flows against the loopback lab."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, RadioButton, SelectionList, Static, TextArea

from mtasts_tui.core.bundle import BundleSpec
from mtasts_tui.core.hosting import POLICY_PATH
from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.probe.inspect import StepEvent, inspect_domain
from mtasts_tui.tui.draft import Draft
from mtasts_tui.tui.messages import InspectionDone, StepUpdate
from mtasts_tui.tui.screens import inspection as inspection_screen
from mtasts_tui.tui.screens.confirm import ConfirmScreen
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.edit import EditScreen
from mtasts_tui.tui.screens.export import ExportScreen
from mtasts_tui.tui.screens.inspection import InspectionScreen
from mtasts_tui.tui.screens.review import ReviewScreen

from tests.tui.conftest import SIZE, MakeApp, open_editor, open_offline_editor, settle

DEMO = scenarios.DEMO_DOMAIN
BACKUP = "backup.mailhost-legacy.test"


def plain(widget: Static) -> str:
    visual = widget.visual
    if isinstance(visual, Text):
        return visual.plain
    return str(widget.render())


async def test_domain_screen_validates_and_shows_idn(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DomainScreen)
        await pilot.press(*"bücher.test")
        status = plain(app.screen.query_one("#domain-status", Static))
        assert "bücher.test" in status and "xn--bcher-kva.test" in status
        app.screen.query_one("#domain", Input).value = "not a domain!"
        await pilot.pause()
        assert plain(app.screen.query_one("#domain-status", Static)).startswith("✗")
        await pilot.press("enter")
        assert isinstance(app.screen, DomainScreen)


async def test_inspect_edit_review_export(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        assert screen.inspection is not None
        assert "not covered" in plain(screen.query_one("#verdict", Static))
        table = screen.query_one("#mx-table", DataTable)
        assert table.row_count == 3
        assert "NOT COVERED" in str(table.get_row_at(2)[-1])

        await pilot.press("e")
        await settle(pilot)
        edit = app.screen
        assert isinstance(edit, EditScreen)
        assert edit.draft.mx == (f"mx1.{DEMO}", f"mx2.{DEMO}")
        assert BACKUP in plain(edit.query_one("#mx-status", Static))
        live_id = edit.live.policy_id

        # An invalid pattern is reported next to the field as you type.
        mx = edit.query_one("#mx", TextArea)
        mx.text = mx.text + "\nbad pattern!"
        await pilot.pause()
        assert "✗ bad pattern!" in plain(edit.query_one("#mx-status", Static))
        assert not edit.check.ok

        # Fix it: cover the backup MX, switch to enforce.
        mx.text = f"mx1.{DEMO}\nmx2.{DEMO}\n{BACKUP}"
        await pilot.click("#mode-enforce")
        await pilot.pause()
        assert edit.draft.mode == "enforce"
        assert edit.check.ok, edit.check
        assert edit.draft.policy_id != live_id  # bumped because the policy changed
        assert "would be refused" not in plain(edit.query_one("#mx-status", Static))
        assert "mode: enforce" in plain(edit.query_one("#preview", Static))

        await pilot.press("ctrl+r")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        diff = plain(review.query_one("#diff", Static))
        assert "- mode: testing" in diff and "+ mode: enforce" in diff
        assert f"+ mx: {BACKUP}" in diff
        changes = plain(review.query_one("#changes", Static))
        assert "mode testing → enforce" in changes and f"mx added: {BACKUP}" in changes
        assert "2026-11-29 12:00 UTC" in plain(review.query_one("#horizon", Static))

        await pilot.press("x")
        await settle(pilot)
        export = app.screen
        assert isinstance(export, ExportScreen)
        out = tmp_path / "bundle"
        export.query_one("#folder", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Wrote 15 files" in plain(export.query_one("#written", Static))
        policy = (out / f"mta-sts.{DEMO}" / POLICY_PATH).read_bytes().decode()
        assert "mode: enforce\r\n" in policy and f"mx: {BACKUP}\r\n" in policy
        manifest = json.loads((out / "bundle.json").read_text())
        assert json.dumps(manifest).count(edit.draft.policy_id) >= 1

        # Writing again without overwrite asks first; "no" leaves the bundle as it was.
        before = (out / "bundle.json").read_bytes()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Overwrite" in plain(export.query_one("#written", Static))
        assert isinstance(app.screen, ConfirmScreen)
        assert "already holds a bundle" in plain(app.screen.query_one("#confirm-question", Static))
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is export
        assert (out / "bundle.json").read_bytes() == before
        # "yes" replaces it.
        (out / "bundle.json").write_text("{}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is export
        assert "Wrote 15 files" in plain(export.query_one("#written", Static))
        assert (out / "bundle.json").read_bytes() == before

        # Copy a record value, tick a checklist step.
        await pilot.press("c")
        assert app.clipboard.startswith("v=STSv1; id=")
        checklist = export.query_one("#checklist", SelectionList)
        assert checklist.option_count >= 3
        checklist.select("upload-policy")
        await settle(pilot)
        ticks = app.store.root / "checklists" / f"{DEMO}.json"
        assert json.loads(ticks.read_text()) == ["upload-policy"]

    # Ticks come back for the domain in a new session.
    app2 = make_app(DEMO)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+r", "x")
        await settle(pilot)
        assert isinstance(app2.screen, ExportScreen)
        assert list(app2.screen.query_one("#checklist", SelectionList).selected) == [
            "upload-policy"
        ]


async def test_unchanged_id_is_refused(make_app: MakeApp) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_editor(pilot)
        edit.query_one("#mode-enforce", RadioButton).value = True
        await pilot.pause()
        assert edit.draft.policy_id != edit.live.policy_id
        edit.query_one("#policy-id", Input).value = edit.live.policy_id or ""
        await pilot.pause()
        assert edit.check.policy_id and "id did not" in edit.check.policy_id
        assert not edit.check.ok
        await pilot.press("ctrl+r")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)  # export refused


async def test_hostile_content_shown_literally(make_app: MakeApp, lab: Lab) -> None:
    app = make_app(lab.domain("hostile"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        raw = plain(screen.query_one("#policy-raw", Static))
        assert "[bold red]pwned[/]" in raw
        assert "[link=https://evil.test]click me[/link]" in raw
        assert "\\x1b[31mred" in raw and "\x1b" not in raw
        records = plain(screen.query_one("#records", Static))
        assert "[red]pwned[/red][blink]" in records
        banner = plain(screen.query_one("#mx-detail", Static))  # the first MX's SMTP greeting
        assert "[bold red]pwned[/]" in banner
        assert "\\x1b[31m" in banner and "\x1b" not in banner
        # Rendered lines hold the markup as text too (nothing was interpreted).
        lines = "\n".join(
            strip.text
            for strip in screen.query_one("#policy-raw", Static).render_lines(
                screen.query_one("#policy-raw", Static).region.reset_offset
            )
        )
        assert "[bold red]pwned[/]" in lines


async def test_the_next_session_resumes_the_draft(make_app: MakeApp) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_editor(pilot)
        edit.query_one("#max-age", Input).value = "604800"
        await pilot.pause()
        await settle(pilot)
        saved = edit.draft
    # A new app instance on the same data folder resumes the draft (a SIGKILLed session's
    # draft coming back is tests/tui/test_kill.py's test).
    app2 = make_app(DEMO)
    async with app2.run_test(size=SIZE) as pilot:
        edit2 = await open_editor(pilot)
        assert edit2.resumed
        assert edit2.draft == saved
        assert edit2.query_one("#max-age", Input).value == "604800"
        assert "1 week" in plain(edit2.query_one("#max-age-status", Static))


async def test_stale_results_are_dropped(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Re-runs are held at a gate before the probe, so they are still going when an old reply
    # arrives, however slow or fast the machine is.
    gate = asyncio.Event()
    gate.set()  # the first run goes straight through

    async def held(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await inspect_domain(*args, **kwargs)

    monkeypatch.setattr(inspection_screen, "inspect_domain", held)
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        first = screen.inspection
        assert first is not None
        old_generation = screen.generation
        gate.clear()
        await pilot.press("r")
        await pilot.pause()
        assert screen.generation == old_generation + 1
        screen.post_message(InspectionDone(old_generation, first))
        screen.post_message(StepUpdate(old_generation, _event("dns-mx", "stale-only row")))
        await pilot.pause()
        assert screen.inspection is None  # the stale result was not shown
        assert "stale-only" not in " ".join(
            plain(row) for row in screen.query(".check-row").results(Static)
        )
        # Two quick re-runs: only the newest survives (exclusive worker + generation).
        await pilot.press("r")
        gate.set()
        await settle(pilot)
        assert screen.inspection is not None
        assert screen.inspection is not first
        assert screen.generation == old_generation + 2


def _event(step: str, detail: str) -> StepEvent:
    return StepEvent(DEMO, step, "MX " + DEMO, "ok", 0.1, detail)


async def test_offline_draft_and_help(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_offline_editor(pilot, "offline.test")
        assert edit.draft.mx == ()
        assert "needs at least one mx pattern" in plain(edit.query_one("#mx-status", Static))
        assert edit.draft.rua == ("mailto:tlsrpt@offline.test",)
        await pilot.press("f1")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is edit


def test_draft_json_round_trip() -> None:
    draft = Draft("enforce", ("mx.example.com",), "604800", ("mailto:a@example.com",), "abc1")
    assert Draft.from_json(json.loads(json.dumps(draft.to_json()))) == draft
    assert Draft.from_json({"mode": "x"}) is None


def test_store_recent_keeps_queued_entries(data_dir: Path) -> None:
    from mtasts_tui.tui.store import Store

    store = Store(data_dir)
    for name in ("a.test", "b.test", "a.test", "c.test"):
        store.queue_recent(name)
    store.flush()
    assert Store(data_dir).recent() == ["c.test", "a.test", "b.test"]


async def test_export_shows_the_caa_line_the_inspection_found(make_app: MakeApp, lab: Lab) -> None:
    """A CAA set that does not allow the policy host's CA: the bundle says what to add."""
    domain = lab.domain("caa-blocks")
    app = make_app(domain)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        export = app.screen
        assert isinstance(export, ExportScreen)
        assert isinstance(export.spec, BundleSpec)
        (line,) = export.spec.caa_records_to_add
        assert "letsencrypt.org" in line
        checklist = export.query_one("#checklist", SelectionList)
        keys = [checklist.get_option_at_index(i).value for i in range(checklist.option_count)]
        assert "add-caa" in keys
