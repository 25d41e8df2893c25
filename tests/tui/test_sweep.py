"""Edge-case lab scenarios go through inspection and into the editor without breaking the wizard.

A subset of `scenarios.ALL` keeps the run short; the slow ones (hang, refused) only need to end.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Static

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.tui.app import WizardApp
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.edit import EditScreen
from mtasts_tui.tui.screens.inspection import InspectionScreen
from mtasts_tui.tui.store import Store

from tests.tui.conftest import SIZE, settle

EDGY = (
    "no-mx",
    "servfail",
    "no-sts",
    "no-policy-host",
    "huge",
    "mx-unreachable",
    "idn",
    "hang",
)


# One test per scenario, so pytest-xdist can spread them over the workers.
@pytest.mark.parametrize("name", EDGY)
async def test_edge_scenario_inspects_and_edits(
    name: str, config: ProbeConfig, data_dir: Path, lab: Lab
) -> None:
    app = WizardApp(replace(config, timeout=1.0), None, store=Store(data_dir), deterministic=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        domain = parse_domain(lab.domain(name))
        assert isinstance(domain, DomainName)
        app.open_inspection(domain)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectionScreen)
        assert screen.inspection is not None
        verdict = str(screen.query_one("#verdict", Static).visual)
        assert screen.inspection.judgement.verdict in verdict
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DomainScreen)
