"""The optional Reports screen: a folder of TLS-RPT reports summarised with a per-day chart."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from mtasts_tui.lab import Lab
from mtasts_tui.tui.screens.reports import ReportsScreen

from tests.tui.conftest import SIZE, MakeApp, SnapCompare, settle

REPORT: dict[str, Any] = {
    "organization-name": "Company-X [bold]x[/]",
    "date-range": {
        "start-datetime": "2026-11-01T00:00:00Z",
        "end-datetime": "2026-11-01T23:59:59Z",
    },
    "contact-info": "sts-reporting@company-x.example",
    "report-id": "r1",
    "policies": [
        {
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.shop.test"],
                "policy-domain": "shop.test",
                "mx-host": "mx1.shop.test",
            },
            "summary": {
                "total-successful-session-count": 90,
                "total-failure-session-count": 10,
            },
            "failure-details": [
                {
                    "result-type": "certificate-expired",
                    "sending-mta-ip": "192.0.2.1",
                    "receiving-mx-hostname": "mx1.shop.test",
                    "failed-session-count": 10,
                }
            ],
        }
    ],
}


def _write_reports(folder: Path) -> None:
    folder.mkdir()
    second = copy.deepcopy(REPORT)
    second["report-id"] = "r2"
    second["date-range"] = {
        "start-datetime": "2026-11-02T00:00:00Z",
        "end-datetime": "2026-11-02T23:59:59Z",
    }
    second["policies"][0]["summary"] = {
        "total-successful-session-count": 200,
        "total-failure-session-count": 0,
    }
    del second["policies"][0]["failure-details"]
    (folder / "r1.json").write_text(json.dumps(REPORT))
    (folder / "r2.json").write_text(json.dumps(second))


async def test_reports_screen_summarises_a_folder(make_app: MakeApp, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _write_reports(folder)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        screen.query_one("#report-path", Input).value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        text = str(screen.query_one("#report-summary", Static).visual)
        assert "2 report(s) read" in text
        assert "shop.test" in text
        assert "2026-11-01" in text and "2026-11-02" in text
        assert "█" in text and "░" in text
        assert "certificate-expired" in text

        screen.query_one("#report-path", Input).value = str(tmp_path / "missing")
        await pilot.press("enter")
        await settle(pilot)
        assert "No such file" in str(screen.query_one("#report-summary", Static).visual)


def test_reports_snapshot(snap_compare: SnapCompare, make_app: MakeApp, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _write_reports(folder)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        # Show a short path in the input so the tmp folder's name stays out of the snapshot.
        pilot.app.screen.query_one("#report-path", Input).value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#report-path", Input).value = "reports/"
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


async def test_reports_with_sts_failures_overrule_a_clean_inspection(
    make_app: MakeApp, lab: Lab, tmp_path: Path
) -> None:
    good = lab.domain("good")
    report = copy.deepcopy(REPORT)
    report["policies"][0]["policy"]["policy-domain"] = good
    report["policies"][0]["failure-details"][0]["receiving-mx-hostname"] = f"mx1.{good}"
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "r1.json").write_text(json.dumps(report))

    app = make_app(good)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        verdict = app.screen.query_one("#verdict", Static)
        assert str(verdict.visual).startswith("✓")  # the servers alone pass

        await pilot.press("f3")
        await pilot.pause()
        app.screen.query_one("#report-path", Input).value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        text = str(app.screen.query_one("#verdict", Static).visual)
        assert text.startswith("✗")
        assert "TLS-RPT reports show 10 failed sessions" in text


async def test_the_reports_path_input_completes_folders(make_app: MakeApp, tmp_path: Path) -> None:
    (tmp_path / "tlsrpt-archive").mkdir()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        field = app.screen.query_one("#report-path", Input)
        field.focus()
        field.value = str(tmp_path / "tlsrpt-a")
        field.cursor_position = len(field.value)
        await settle(pilot)  # the suggester is a worker; its answer is a message settle delivers
        await pilot.press("right")
        assert field.value == str(tmp_path / "tlsrpt-archive") + "/"


def _store_reports(domain: str) -> None:
    """Put REPORT (10 STS failures) and a clean second day for ``domain`` into the store."""
    from mtasts_tui.reports.parse import parse_report
    from mtasts_tui.reports.store import ReportStore
    from mtasts_tui.store.db import default_db_path

    first = copy.deepcopy(REPORT)
    first["policies"][0]["policy"]["policy-domain"] = domain
    second = copy.deepcopy(first)
    second["report-id"] = "r2"
    second["date-range"]["start-datetime"] = "2026-11-03T00:00:00Z"
    second["policies"][0]["summary"]["total-failure-session-count"] = 0
    del second["policies"][0]["failure-details"]
    # The wizard opens the default store (MTASTS_TUI_DB, set per test by tests/conftest.py).
    with ReportStore.open(default_db_path()) as store:
        for body in (first, second):
            raw = json.dumps(body).encode()
            assert store.add(parse_report(raw, "test"), raw, "file")


async def test_the_store_is_the_default_source_when_it_holds_the_domain(
    make_app: MakeApp, lab: Lab, data_dir: Path
) -> None:
    good = lab.domain("good")
    _store_reports(good)
    app = make_app(good)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        source = str(screen.query_one("#report-source", Static).visual)
        assert "From the store" in source
        assert f"{good}: newest report 2026-11-03; the verdict covers 2 day(s)" in source
        text = str(screen.query_one("#report-summary", Static).visual)
        assert "2 report(s) read" in text and "certificate-expired" in text

        await pilot.press("escape")
        await settle(pilot)
        verdict = str(app.screen.query_one("#verdict", Static).visual)
        assert verdict.startswith("✗") and "10 failed sessions" in verdict


async def test_files_stay_the_source_when_the_store_lacks_the_domain(
    make_app: MakeApp, lab: Lab, data_dir: Path, tmp_path: Path
) -> None:
    _store_reports("elsewhere.test")
    app = make_app(lab.domain("good"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert str(screen.query_one("#report-summary", Static).visual) == ""
        # The Store button shows every domain the store holds.
        await pilot.click("#load-store")
        await settle(pilot)
        source = str(screen.query_one("#report-source", Static).visual)
        assert "elsewhere.test: newest report 2026-11-03" in source
        # Files still work, and say so.
        folder = tmp_path / "reports"
        _write_reports(folder)
        screen.query_one("#report-path", Input).value = str(folder)
        await pilot.click("#load")
        await settle(pilot)
        assert "From files" in str(screen.query_one("#report-source", Static).visual)
        assert "shop.test: newest report 2026-11-02; the verdict covers 2 day(s)" in str(
            screen.query_one("#report-source", Static).visual
        )


async def test_the_store_button_says_when_the_store_is_empty(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.click("#load-store")
        await settle(pilot)
        text = str(app.screen.query_one("#report-summary", Static).visual)
        assert "holds no TLS-RPT reports yet" in text
