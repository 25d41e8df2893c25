"""Waiting for a condition, never for a fixed time: poll it until it holds or a deadline passes.

Every test that waits for another thread, process or the UI uses these two, so a slow machine
only makes a test slower, never wrong, and a fast one never sleeps longer than it must.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.pilot import Pilot

POLL = 0.01
"""Seconds between two looks at the condition."""


def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Return once ``condition()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting: {what}"
        time.sleep(POLL)


async def pilot_wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 10.0, what: str = ""
) -> None:
    """``wait_until`` for a Textual test: the app keeps running while the condition is polled."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting: {what}"
        await pilot.pause(POLL)
