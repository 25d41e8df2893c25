"""The export screen's target lists decide which hosting and DNS files are written."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, SelectionList, Static, TextArea

from mtasts_tui.lab import scenarios
from mtasts_tui.tui.screens.export import ExportScreen

from tests.tui.conftest import SIZE, MakeApp, open_editor, settle

DEMO = scenarios.DEMO_DOMAIN


async def test_unticked_targets_are_not_written_and_ticked_ones_are(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_editor(pilot)
        edit.query_one(
            "#mx", TextArea
        ).text = f"mx1.{DEMO}\nmx2.{DEMO}\nbackup.mailhost-legacy.test"
        await pilot.click("#mode-enforce")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        export = app.screen
        assert isinstance(export, ExportScreen)
        hosting = export.query_one("#hosting", SelectionList)
        dns = export.query_one("#dns", SelectionList)
        assert list(hosting.selected) == ["nginx", "caddy", "apache", "worker", "pages", "k8s"]
        assert list(dns.selected) == ["bind", "forms"]
        hosting.deselect_all()
        hosting.select("apache")
        dns.deselect("forms")
        dns.select("route53")
        out = tmp_path / "bundle"
        export.query_one("#folder", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Wrote 6 files" in str(export.query_one("#written", Static).render())
        written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert written == {
            "CHECKLIST.md",
            f"mta-sts.{DEMO}/.well-known/mta-sts.txt",
            "bundle.json",
            "hosting/apache.conf",
            f"dns/{DEMO}.zone",
            "dns/route53-change-batch.json",
        }
