"""Write an SVG of each wizard screen into screenshots/, driven against the demo lab.

.venv/bin/python scripts/export_screenshots.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (110, 36)


def _report(day: str, ok: int, failed: int) -> dict[str, object]:
    """A minimal RFC 8460 report for the demo domain."""
    policy: dict[str, object] = {
        "policy": {
            "policy-type": "sts",
            "policy-string": ["version: STSv1", "mode: testing", "max_age: 86400"],
            "policy-domain": "example-shop.test",
        },
        "summary": {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        },
    }
    if failed:
        policy["failure-details"] = [
            {
                "result-type": "validation-failure",
                "receiving-mx-hostname": "backup.mailhost-legacy.test",
                "failed-session-count": failed,
            }
        ]
    return {
        "organization-name": "Big Mailbox Provider",
        "date-range": {
            "start-datetime": f"2026-11-{day}T00:00:00Z",
            "end-datetime": f"2026-11-{day}T23:59:59Z",
        },
        "contact-info": "tlsrpt@provider.example",
        "report-id": f"demo-{day}",
        "policies": [policy],
    }


async def _seed_history(config: object, data_dir: Path) -> None:
    """A week-old check of the demo domain, before the backup MX and the max_age cut, with the
    same policy id: the inspection then shows what changed, the History screen the diff."""
    from datetime import timedelta

    from mtasts_tui.commands.check import inspection_to_json
    from mtasts_tui.core.domain import parse_domain
    from mtasts_tui.lab import scenarios
    from mtasts_tui.probe.inspect import inspect_domain
    from mtasts_tui.probe.network import Network
    from mtasts_tui.store.db import open_store
    from mtasts_tui.store.history import record
    from mtasts_tui.tui import history
    from mtasts_tui.tui.clock import FIXED_NOW

    # The throwaway data folder, whatever MTASTS_TUI_DB says: never seed a real history.
    history.SETTINGS.db = data_dir / "history.sqlite3"
    domain = parse_domain(scenarios.DEMO_DOMAIN)
    assert not isinstance(domain, str)
    data = inspection_to_json(await inspect_domain(domain, Network.from_config(config)))  # type: ignore[arg-type]
    data["mx"] = [m for m in data["mx"] if "legacy" not in m["host"]]
    raw = data["policy"]["raw"]
    assert raw is not None, "the demo domain serves a policy"
    data["policy"]["raw"] = raw.replace("max_age: 86400", "max_age: 604800")
    data["policy"]["max_age"] = 604800
    conn = open_store(history.SETTINGS.db)
    record(conn, data, checked_at=FIXED_NOW - timedelta(days=7))
    conn.close()


async def capture() -> list[Path]:
    from textual.widgets import Input, TextArea

    from mtasts_tui.lab import Lab, scenarios
    from mtasts_tui.tui.app import WizardApp
    from mtasts_tui.tui.store import Store

    OUT.mkdir(exist_ok=True)
    written: list[Path] = []
    with Lab(scenarios.ALL) as lab, tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the export screen writes ./mta-sts-<domain>
        config = lab.probe_config(timeout=5.0)
        await _seed_history(config, Path(tmp) / "data")
        app = WizardApp(config, None, store=Store(Path(tmp) / "data"), deterministic=True)
        async with app.run_test(size=SIZE) as pilot:

            async def settle() -> None:
                for _ in range(3):
                    await app.workers.wait_for_complete()
                    await pilot.pause()

            def shot(name: str) -> None:
                app.clear_notifications()
                written.append(Path(app.save_screenshot(f"{name}.svg", str(OUT))))

            await settle()
            await pilot.press(*scenarios.DEMO_DOMAIN)
            await pilot.pause()
            shot("domain")
            await pilot.press("enter")
            await settle()
            shot("inspection")
            await pilot.press("h")
            await settle()
            shot("history")
            await pilot.press("escape")
            await settle()
            await pilot.press("e")
            await settle()
            screen = app.screen
            screen.query_one("#mx", TextArea).text = "\n".join(
                [f"mx1.{scenarios.DEMO_DOMAIN}", f"mx2.{scenarios.DEMO_DOMAIN}", "*.example.org"]
            )
            await pilot.pause()
            shot("edit")
            screen.query_one("#mx", TextArea).text = "\n".join(
                [
                    f"mx1.{scenarios.DEMO_DOMAIN}",
                    f"mx2.{scenarios.DEMO_DOMAIN}",
                    "backup.mailhost-legacy.test",
                ]
            )
            await pilot.click("#mode-enforce")
            await pilot.pause()
            await pilot.press("ctrl+r")
            await settle()
            shot("review")
            await pilot.press("x")
            await settle()
            await pilot.press("ctrl+s")
            await settle()
            shot("export")
            await pilot.press("f1")
            await pilot.pause()
            shot("help")
            await pilot.press("escape")
            reports = Path(tmp) / "reports"
            reports.mkdir()
            for day, ok, failed in (("01", 900, 0), ("02", 1200, 40), ("03", 1100, 0)):
                (reports / f"{day}.json").write_text(json.dumps(_report(day, ok, failed)))
            await pilot.press("f3")
            await pilot.pause()
            app.screen.query_one("#report-path", Input).value = "reports/"
            await pilot.press("enter")
            await settle()
            shot("reports")
        os.chdir(ROOT)
    return written


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for path in asyncio.run(capture()):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
