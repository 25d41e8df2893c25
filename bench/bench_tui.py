"""Wizard latency: first paint in a real terminal, and Textual's pilot against the loopback lab.

    .venv/bin/python bench/bench_tui.py [--runs N] [--paint-runs N]

Prints:
- first paint in a pseudo-terminal, from exec until the domain screen is drawn, for `mtasts-tui`
  and `mtasts-tui --demo`, next to the time of a bare `python -c "import textual.app"` measured in
  the same run, interleaved, and the ratio of the medians (issue 12's goal: at most 1.5);
- launch → first screen drawn with the headless pilot (no terminal, no interpreter start);
- a key press in the mx field → validation and coverage updated (median and worst, in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the functions below import the app lazily
    from mtasts_tui.probe.network import ProbeConfig

ALT_SCREEN = b"\x1b[?1049h"
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
FIRST_FRAME_LABEL = b"Mail domain to inspect"
"""A label of the domain screen: once it is on the alternate screen, the first frame is drawn."""


def spawn_ms(
    argv: list[str], env: dict[str, str], label: bytes | None, limit: float = 20.0
) -> float:
    """Fork a pty, exec argv; ms until `label` shows on the alternate screen (or, without a
    label, until the process exits). The child is killed afterwards either way."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: nothing but exec
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    raw = b""
    elapsed: float | None = None
    try:
        while time.perf_counter() - started < limit:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child exited (EIO on Linux)
                chunk = b""
            if not chunk:
                if label is None:
                    elapsed = time.perf_counter() - started
                break
            raw += chunk
            screen = raw.split(ALT_SCREEN, 1)[1] if ALT_SCREEN in raw else b""
            if label is not None and label in ANSI.sub(b"", screen):
                elapsed = time.perf_counter() - started
                break
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    if elapsed is None:
        raise RuntimeError(f"no first frame from {argv} within {limit} s")
    return elapsed * 1000


def first_paint(runs: int) -> dict[str, list[float]]:
    """Bare textual import, wizard, wizard --demo: interleaved, so machine load hits all alike."""
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "TERM": "xterm-256color", "MTASTS_TUI_DATA_DIR": data}
        # As installed for users: bytecode cached (the warm-up run writes it). Without a cache
        # (PYTHONDONTWRITEBYTECODE, set on the development machine) every exec recompiles our
        # modules while textual's come precompiled from site-packages: an unfair comparison.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(data, "pycache")
        py = sys.executable
        cases: dict[str, tuple[list[str], bytes | None]] = {
            "bare": ([py, "-c", "import textual.app"], None),
            "wizard": ([py, "-m", "mtasts_tui"], FIRST_FRAME_LABEL),
            "demo": ([py, "-m", "mtasts_tui", "--demo"], FIRST_FRAME_LABEL),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for argv, label in cases.values():  # one warm-up each: disk cache, .pyc files
            spawn_ms(argv, env, label)
        for _ in range(runs):
            for name, (argv, label) in cases.items():
                times[name].append(spawn_ms(argv, env, label))
    return times


async def launch_ms(config: ProbeConfig, data: Path) -> float:
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


async def keypress_ms(config: ProbeConfig, data: Path, domain: str, runs: int) -> list[float]:
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
    parser.add_argument("--paint-runs", type=int, default=11)
    args = parser.parse_args()

    paint = first_paint(args.paint_runs)
    bare = statistics.median(paint["bare"])
    print(
        f"bare `import textual.app` in a pty, exec → exit: median {bare:.0f} ms "
        f"({args.paint_runs} runs)"
    )
    for name, what in (("wizard", "mtasts-tui"), ("demo", "mtasts-tui --demo")):
        median = statistics.median(paint[name])
        print(
            f"{what}: exec → first frame in a pty: median {median:.0f} ms, "
            f"worst {max(paint[name]):.0f} ms, ratio to bare import {median / bare:.2f}×"
        )

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
