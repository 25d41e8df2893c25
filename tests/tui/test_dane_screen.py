"""The inspection screen shows DANE per MX, the DNSSEC state with its resolver, and CAA."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from mtasts_tui.lab import Lab
from mtasts_tui.tui.screens.inspection import InspectionScreen

from tests.tui.conftest import SIZE, MakeApp, settle


def plain(widget: Static) -> str:
    visual = widget.visual
    return visual.plain if isinstance(visual, Text) else str(widget.render())


def dane_column(screen: InspectionScreen) -> dict[str, str]:
    table = screen.query_one("#mx-table", DataTable)
    index = [str(c.label) for c in table.columns.values()].index("DANE")
    return {
        str(key.value): str(table.get_row(key)[index])
        for key in (row.key for row in table.ordered_rows)
    }


async def test_the_dane_column_and_detail_show_a_mismatch(make_app: MakeApp, lab: Lab) -> None:
    app = make_app(lab.domain("dane-mismatch"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        assert dane_column(screen) == {
            "mx1.dane-mismatch.test": "✓",
            "mx2.dane-mismatch.test": "✗",
        }
        table = screen.query_one("#mx-table", DataTable)
        table.move_cursor(row=1)
        await pilot.pause()
        detail = plain(screen.query_one("#mx-detail", Static))
        assert "TLSA (signed, MISMATCH): 3 1 1" in detail
        assert lab.address_of("mx2.dane-mismatch.test") in detail
        records = plain(screen.query_one("#records", Static))
        assert "MX signed, _mta-sts signed" in records
        assert "resolver 127.0.0.1 (validating)" in records


async def test_unsigned_tlsa_and_caa_are_shown(make_app: MakeApp, lab: Lab) -> None:
    app = make_app(lab.domain("dane-unsigned"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        assert dane_column(screen)["mx1.dane-unsigned.test"] == "!"
        assert dane_column(screen)["mx2.dane-unsigned.test"] == "-"
    app = make_app(lab.domain("caa-blocks"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        records = plain(app.screen.query_one("#records", Static))
        assert 'CAA at caa-blocks.test\n  0 issue "digicert.com"' in records
