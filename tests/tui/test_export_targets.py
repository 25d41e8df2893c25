"""The export screen's target lists decide which hosting and DNS files are written."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, SelectionList, Static, TextArea

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import scenarios
from mtasts_tui.tui.draft import Draft, Live
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


async def _problems_shown(make_app: MakeApp, live: Live, draft: Draft) -> list[str]:
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        parsed = parse_domain("example.com")
        assert isinstance(parsed, DomainName)
        await app.push_screen(ExportScreen(parsed, live, draft))
        await settle(pilot)
        export = app.screen
        assert isinstance(export, ExportScreen)
        assert export.query_one("#write").disabled
        text = str(export.query_one("#written", Static).render())
    return [line for line in text.splitlines() if line.startswith("✗")]


async def test_a_bad_id_is_named_once_and_a_stale_id_is_named_too(make_app: MakeApp) -> None:
    bad = Draft("testing", ("mx.example.com",), "86400", (), "bad id!")
    shown = await _problems_shown(make_app, Live(hosts=("mx.example.com",)), bad)
    assert len(shown) == 1 and "bad id!" in shown[0]
    # The id is well formed but the live one, while the policy changed: only the live state
    # can tell, and the screen says so.
    live = Live(hosts=("mx.example.com",), policy_id="20240101T000000")
    stale = Draft("enforce", ("mx.example.com",), "86400", (), "20240101T000000")
    shown = await _problems_shown(make_app, live, stale)
    assert len(shown) == 1 and "the id did not" in shown[0]
