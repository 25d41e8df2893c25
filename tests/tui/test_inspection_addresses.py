"""The inspection screen shows every MX address and the three-valued verdict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.tui.app import WizardApp
from mtasts_tui.tui.screens.inspection import InspectionScreen
from mtasts_tui.tui.store import Store

from tests.tui.conftest import SIZE, settle


def plain(widget: Static) -> str:
    return str(widget.visual)


async def _inspect(app: WizardApp, pilot: Pilot[None], lab: Lab, name: str) -> InspectionScreen:
    domain = parse_domain(lab.domain(name))
    assert isinstance(domain, DomainName)
    app.open_inspection(domain)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, InspectionScreen) and screen.inspection is not None
    return screen


async def test_one_row_per_host_with_a_count_and_every_address_in_the_detail(
    config: ProbeConfig, data_dir: Path, lab: Lab
) -> None:
    app = WizardApp(config, None, store=Store(data_dir), deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _inspect(app, pilot, lab, "mx-address-failed")
        table = screen.query_one("#mx-table", DataTable)
        assert table.row_count == 2  # one row per host, not per address
        assert "1/2 addresses" in str(table.get_row_at(1)[2])
        assert "2/2" not in str(table.get_row_at(1)[2])
        host = f"mx2.{lab.domain('mx-address-failed')}"
        table.move_cursor(row=1)
        await pilot.pause()
        detail = plain(screen.query_one("#mx-detail", Static))
        good, bad = lab.addresses_of(host)
        assert f"{good}" in detail and f"{bad}" in detail
        bad_line = next(line for line in detail.splitlines() if bad in line)
        assert "✗" in bad_line and "expired" in bad_line
        assert "✓" in next(line for line in detail.splitlines() if good in line)
        assert plain(screen.query_one("#verdict", Static)).startswith("✗ Not safe")


async def test_the_verdict_says_cannot_tell_and_why(
    config: ProbeConfig, data_dir: Path, lab: Lab
) -> None:
    app = WizardApp(replace(config, smtp=False), None, store=Store(data_dir), deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _inspect(app, pilot, lab, "good")
        verdict = plain(screen.query_one("#verdict", Static))
        assert verdict.startswith("? Cannot tell") and "--no-smtp" in verdict
