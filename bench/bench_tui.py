"""Wizard latency with Textual's pilot, against the loopback lab.

    .venv/bin/python bench/bench_tui.py [--runs N]

Prints: launch → first screen drawn, and a key press in the mx field → validation and coverage
updated (median and worst of N runs, in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path


async def launch_ms(config, data: Path) -> float:  # type: ignore[no-untyped-def]
    from mtasts_tui.tui.app import WizardApp
    from mtasts_tui.tui.store import Store

    started = time.perf_counter()
    app = WizardApp(config, None, store=Store(data), deterministic=True)
    async with app.run_test(size=(100, 32)) as pilot:
        while not app.screen.is_current or app.screen.__class__.__name__ != "DomainScreen":
            await asyncio.sleep(0.001)
        await pilot.pause()  # the first full refresh has happened
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed


async def keypress_ms(config, data: Path, domain: str, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    from textual import events
    from textual.widgets import Static, TextArea

    from mtasts_tui.tui.app import WizardApp
    from mtasts_tui.tui.store import Store

    app = WizardApp(config, domain, store=Store(data), deterministic=True)
    times: list[float] = []
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        area = screen.query_one("#mx", TextArea)
        status = screen.query_one("#mx-status", Static)
        area.focus()
        area.move_cursor(area.document.end)
        await pilot.press("enter")
        await pilot.pause()
        for i in range(runs):
            char = "abcdefghij"[i % 10]
            before = status.visual
            started = time.perf_counter()
            # The key goes through the app's message queue exactly as a terminal key does.
            area.post_message(events.Key(char, char))
            while status.visual is before:  # validation + coverage re-rendered
                await asyncio.sleep(0)
            times.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from mtasts_tui.lab import Lab, scenarios

    with Lab(scenarios.DEMO) as lab, tempfile.TemporaryDirectory() as tmp:
        config = lab.probe_config(timeout=5.0)
        launches = [asyncio.run(launch_ms(config, Path(tmp) / f"l{i}")) for i in range(5)]
        keys = asyncio.run(keypress_ms(config, Path(tmp) / "k", scenarios.DEMO_DOMAIN, args.runs))
    print(
        f"launch → first screen drawn: median {statistics.median(launches):.1f} ms, "
        f"worst {max(launches):.1f} ms (5 runs, headless pilot)"
    )
    print(
        f"mx key press → validation + coverage updated: median {statistics.median(keys):.1f} ms, "
        f"worst {max(keys):.1f} ms ({len(keys)} presses)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
