"""One SVG snapshot per screen and state (fixed clock, no cursor blink, workers awaited).

Regenerate with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from mtasts_tui.lab import scenarios

from .conftest import SIZE, settle

DEMO = scenarios.DEMO_DOMAIN


async def _open_editor(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)


class TestDomainScreen:
    def test_empty(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)

    def test_recent_with_draft(self, snap_compare, make_app, data_dir: Path) -> None:
        from mtasts_tui.tui.draft import Draft
        from mtasts_tui.tui.store import Store

        store = Store(data_dir)
        for name in ("xn--bcher-kva.test", DEMO):
            store.queue_recent(name)
        store.queue_draft(DEMO, Draft("testing", ("mx1.example-shop.test",)).to_json())
        store.flush()
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)

    def test_idn_typed(self, snap_compare, make_app) -> None:
        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await settle(pilot)
            await pilot.press(*"Bücher.test")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_invalid(self, snap_compare, make_app) -> None:
        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await settle(pilot)
            await pilot.press(*"-bad-.test")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def _need_ipv6(lab) -> None:  # type: ignore[no-untyped-def]
    if not lab.ipv6:
        pytest.skip("the demo's IPv6 MX address needs ::1, which cannot be bound here")


class TestInspectionScreen:
    def test_demo(self, snap_compare, make_app, lab) -> None:
        _need_ipv6(lab)
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=settle)

    def test_hostile(self, snap_compare, make_app, lab) -> None:
        app = make_app(lab.domain("hostile"))
        assert snap_compare(app, terminal_size=SIZE, run_before=settle)

    def test_good_80x24(self, snap_compare, make_app, lab) -> None:
        assert snap_compare(make_app(lab.domain("good")), terminal_size=(80, 24), run_before=settle)


class TestEditScreen:
    def test_from_live(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=_open_editor)

    def test_invalid_fields(self, snap_compare, make_app) -> None:
        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await _open_editor(pilot)
            screen = pilot.app.screen
            screen.query_one("#mx", TextArea).text = "mx1.example-shop.test\n*.*.bad"
            screen.query_one("#max-age", Input).value = "99999999"
            screen.query_one("#rua", Input).value = "tls@example-shop.test"
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)

    def test_ready_to_enforce(self, snap_compare, make_app) -> None:
        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await _open_editor(pilot)
            screen = pilot.app.screen
            screen.query_one(
                "#mx", TextArea
            ).text = "mx1.example-shop.test\nmx2.example-shop.test\nbackup.mailhost-legacy.test"
            await pilot.click("#mode-enforce")
            await pilot.click("#preset-604800")
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await _open_editor(pilot)
    screen = pilot.app.screen
    screen.query_one(
        "#mx", TextArea
    ).text = "mx1.example-shop.test\nmx2.example-shop.test\nbackup.mailhost-legacy.test"
    screen.query_one("#mode-enforce").value = True
    await pilot.pause()
    await pilot.press("ctrl+r")
    await settle(pilot)


class TestReviewExport:
    def test_review(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=_ready)

    def test_export_before_write(self, snap_compare, make_app) -> None:
        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)

    def test_export_written(
        self, snap_compare, make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)

        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await _ready(pilot)
            await pilot.press("x")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_light_theme(snap_compare, make_app, lab) -> None:
    _need_ipv6(lab)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pilot.app.theme = "textual-light"
        await pilot.pause()

    assert snap_compare(make_app(DEMO), terminal_size=SIZE, run_before=run_before)
