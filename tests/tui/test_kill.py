"""A wizard killed with SIGKILL mid-edit loses nothing: the draft on disk comes back. Nor does one
quit with ctrl+q right after typing: the last keys are in the saved draft.

The wizard runs for real in a pseudo-terminal (`mtasts-tui --demo`), so this exercises the same
save path a user's session does, and the kill gives it no chance to clean up. Keys are written to
the terminal in one burst, as a fast typist or a paste delivers them.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from mtasts_tui.lab import scenarios

from tests.tui.conftest import SIZE, MakeApp, open_editor
from tests.waiting import wait_until

DEMO = scenarios.DEMO_DOMAIN
LIVE_ID = "20261101T093000"
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


class Terminal:
    """The wizard in a pty: keystrokes in, screen text (escape sequences removed) out."""

    def __init__(self, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.execve(sys.executable, [sys.executable, "-m", "mtasts_tui", "--demo"], env)
        rows, cols = 32, 100
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = ""
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += ANSI.sub("", chunk.decode("utf-8", errors="replace"))

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = 0
        os.close(self.fd)

    def alive(self) -> bool:
        return self.pid != 0

    def wait_exit(self, timeout: float = 30.0) -> int:
        """The exit status once the wizard quits by itself; fails if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        raise AssertionError("the wizard did not quit")


def saved_id(path: Path) -> str | None:
    try:
        saved: str | None = json.loads(path.read_text()).get("policy_id")
        return saved
    except (OSError, ValueError):
        return None


@pytest.mark.skipif(sys.platform != "linux", reason="the lab binds 127.x addresses (Linux)")
async def test_a_killed_wizard_keeps_the_draft(data_dir: Path, make_app: MakeApp) -> None:
    env = {**os.environ, "MTASTS_TUI_DATA_DIR": str(data_dir), "TERM": "xterm-256color"}
    draft_file = data_dir / "drafts" / f"{DEMO}.json"
    term = Terminal(env)
    try:
        wait_until(
            lambda: "Not safe to enforce" in term.output, timeout=30
        )  # the inspection finished
        term.press("e")
        wait_until(lambda: "Policy file preview" in term.output, 30, "the editor")
        term.press("\x0e")  # ctrl+n: a new policy id, a change to the draft
        wait_until(lambda: saved_id(draft_file) not in (None, LIVE_ID), timeout=30)
    finally:
        term.kill()
    killed_with = saved_id(draft_file)
    assert killed_with is not None and killed_with != LIVE_ID

    # A new session on the same data folder resumes exactly that draft.
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_editor(pilot)
        assert edit.resumed
        assert edit.draft.policy_id == killed_with


def saved_mx(path: Path) -> list[str]:
    try:
        return list(json.loads(path.read_text()).get("mx", []))
    except (OSError, ValueError):
        return []


@pytest.mark.skipif(sys.platform != "linux", reason="the lab binds 127.x addresses (Linux)")
def test_keys_typed_just_before_ctrl_q_are_saved(data_dir: Path) -> None:
    env = {**os.environ, "MTASTS_TUI_DATA_DIR": str(data_dir), "TERM": "xterm-256color"}
    draft_file = data_dir / "drafts" / f"{DEMO}.json"
    term = Terminal(env)
    try:
        wait_until(lambda: "Not safe to enforce" in term.output, timeout=30)
        term.press("e")
        wait_until(lambda: "Policy file preview" in term.output, timeout=30)
        # The editor is drawn; nothing typed yet, so nothing saved yet. (Keys that arrive before
        # it is drawn: test_keys_typed_while_the_editor_opens_land_in_the_draft.)
        assert not draft_file.exists()
        # A pattern and enter (the cursor starts on the first line), then ctrl+q, in one burst.
        term.press("mx9.example-shop.test\r\x11")
        exit_status = term.wait_exit()
    finally:
        if term.alive():
            term.kill()
    assert exit_status == 0
    # The last key before ctrl+q (enter) is what splits the new pattern off the old first one.
    assert saved_mx(draft_file)[:2] == ["mx9.example-shop.test", f"mx1.{DEMO}"]


@pytest.mark.skipif(sys.platform != "linux", reason="the lab binds 127.x addresses (Linux)")
def test_keys_typed_while_the_editor_opens_land_in_the_draft(data_dir: Path) -> None:
    env = {**os.environ, "MTASTS_TUI_DATA_DIR": str(data_dir), "TERM": "xterm-256color"}
    draft_file = data_dir / "drafts" / f"{DEMO}.json"
    term = Terminal(env)
    try:
        wait_until(lambda: "Not safe to enforce" in term.output, timeout=30)
        # e opens the editor; the pattern, enter and ctrl+q follow in the same burst, before
        # the editor has been drawn, let alone focused.
        term.press("emx9.example-shop.test\r\x11")
        exit_status = term.wait_exit()
    finally:
        if term.alive():
            term.kill()
    assert exit_status == 0
    assert saved_mx(draft_file)[:2] == ["mx9.example-shop.test", f"mx1.{DEMO}"]
