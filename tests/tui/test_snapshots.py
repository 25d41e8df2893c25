"""One SVG snapshot per screen and state (fixed clock, no cursor blink, workers awaited).

Regenerate with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, TextArea

from mtasts_tui.lab import Lab, scenarios

from tests.tui.conftest import SIZE, MakeApp, SnapCompare, settle

DEMO = scenarios.DEMO_DOMAIN
NARROW = (80, 24)


async def _open_editor(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)


class TestDomainScreen:
    def test_empty(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)

    def test_recent_with_draft(
        self, snap_compare: SnapCompare, make_app: MakeApp, data_dir: Path
    ) -> None:
        from mtasts_tui.tui.draft import Draft
        from mtasts_tui.tui.store import Store

        store = Store(data_dir)
        for name in ("xn--bcher-kva.test", DEMO):
            store.queue_recent(name)
        store.queue_draft(DEMO, Draft("testing", ("mx1.example-shop.test",)).to_json())
        store.flush()
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)

    def test_idn_typed(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press(*"Bücher.test")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_empty_80x24(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(), terminal_size=NARROW, run_before=settle)

    def test_invalid(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press(*"-bad-.test")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def _need_ipv6(lab: Lab) -> None:
    if not lab.ipv6:
        pytest.skip("the demo's IPv6 MX address needs ::1, which cannot be bound here")


class TestInspectionScreen:
    def test_demo(self, snap_compare: SnapCompare, make_app: MakeApp, lab: Lab) -> None:
        _need_ipv6(lab)
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=settle)

    def test_hostile(self, snap_compare: SnapCompare, make_app: MakeApp, lab: Lab) -> None:
        app = make_app(lab.domain("hostile"))
        assert snap_compare(app, terminal_size=SIZE, run_before=settle)

    def test_good_80x24(self, snap_compare: SnapCompare, make_app: MakeApp, lab: Lab) -> None:
        assert snap_compare(make_app(lab.domain("good")), terminal_size=NARROW, run_before=settle)


class TestEditScreen:
    def test_from_live(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=_open_editor)

    def test_from_live_80x24(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=NARROW, run_before=_open_editor)

    def test_invalid_fields(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _open_editor(pilot)
            screen = pilot.app.screen
            screen.query_one("#mx", TextArea).text = "mx1.example-shop.test\n*.*.bad"
            screen.query_one("#max-age", Input).value = "99999999"
            screen.query_one("#rua", Input).value = "tls@example-shop.test"
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)

    def test_ready_to_enforce(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _open_editor(pilot)
            screen = pilot.app.screen
            screen.query_one(
                "#mx", TextArea
            ).text = "mx1.example-shop.test\nmx2.example-shop.test\nbackup.mailhost-legacy.test"
            await pilot.click("#mode-enforce")
            await pilot.click("#preset-604800")
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)


async def _ready(pilot: Pilot[None]) -> None:
    await _open_editor(pilot)
    screen = pilot.app.screen
    screen.query_one(
        "#mx", TextArea
    ).text = "mx1.example-shop.test\nmx2.example-shop.test\nbackup.mailhost-legacy.test"
    screen.query_one("#mode-enforce", RadioButton).value = True
    await pilot.pause()
    await pilot.press("ctrl+r")
    await settle(pilot)


class TestReviewExport:
    def test_review(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=_ready)

    def test_review_80x24(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=NARROW, run_before=_ready)

    def test_export_80x24(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)

        assert snap_compare(make_app(DEMO), terminal_size=NARROW, run_before=run_before)

    def test_export_before_write(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)

    def test_export_written(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.chdir(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)

    def test_export_asks_before_writing_into_a_non_empty_folder(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.chdir(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_light_theme(snap_compare: SnapCompare, make_app: MakeApp, lab: Lab) -> None:
    _need_ipv6(lab)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.theme = "textual-light"
        await pilot.pause()

    assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)


def test_history(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    import os
    from datetime import timedelta
    from pathlib import Path

    from mtasts_tui.core.domain import parse_domain
    from mtasts_tui.store.db import open_store
    from mtasts_tui.store.history import record
    from mtasts_tui.tui.clock import FIXED_NOW
    from mtasts_tui.tui.screens.history import HistoryScreen

    from tests.monitor.results import POLICY, edit, result

    conn = open_store(Path(os.environ["MTASTS_TUI_DB"]))
    record(conn, result(), checked_at=FIXED_NOW - timedelta(days=9))
    changed = edit(result(), "policy.raw", POLICY.replace("enforce", "testing"))
    changed = edit(changed, "policy.mode", "testing")
    record(conn, changed, checked_at=FIXED_NOW - timedelta(days=2))
    no_tlsrpt = edit(changed, "tlsrpt", {"present": False, "raw": [], "rua": [], "valid": False})
    record(conn, no_tlsrpt, checked_at=FIXED_NOW - timedelta(days=1))
    conn.close()

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        domain = parse_domain("ex.test")
        assert not isinstance(domain, str)
        await pilot.app.push_screen(HistoryScreen(domain))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
