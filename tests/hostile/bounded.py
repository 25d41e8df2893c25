"""Run the real console program in a child process and measure what it cost.

Every hostile test goes through :func:`run_cli`: the child's peak RSS comes from ``wait4`` (the
kernel's accounting for exactly that child, unlike ``RUSAGE_CHILDREN``, which keeps the largest
child ever waited for), and its wall time from the clock around it. A child that outlives its
time limit is killed, so a hang fails the test instead of stalling the suite.

The child is started by a tiny launcher, not by pytest itself: Linux carries the peak RSS of the
memory image a process had before ``exec`` into its ``ru_maxrss``, so a child forked straight from
a pytest worker that just built a 200 MB input would inherit that figure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

RSS_LIMIT_MB = 150
"""Issue 10's bound for any hostile input."""
SECONDS_LIMIT = 12.0
"""'A few seconds per file', with room for two shared cores; hangs and quadratic time (the
reproduced defects took minutes) stay far above it."""


# Runs with -S (no site): a few MB. Spawns the command, reports its pid, then its wait4 figures.
_LAUNCHER = """
import os, sys
result, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawn(argv[0], argv, os.environ)
with open(result + ".pid.tmp", "w") as fh:
    fh.write(str(pid))
os.rename(result + ".pid.tmp", result + ".pid")
_, status, usage = os.wait4(pid, 0)
with open(result, "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


@dataclass(frozen=True)
class Ran:
    code: int
    """Exit code; a negative one is the signal that ended the child."""
    out: str
    err: str
    seconds: float
    """Wall time of the child."""
    rss_mb: float
    """Peak resident memory of the child, from wait4."""

    def within(self, *, rss_mb: float = RSS_LIMIT_MB, seconds: float = SECONDS_LIMIT) -> Ran:
        """Assert the bounds (and that no traceback reached the user); returns self."""
        assert "Traceback" not in self.err, self.err[-3000:]
        assert self.rss_mb < rss_mb, f"peak RSS {self.rss_mb:.0f} MB >= {rss_mb} MB"
        assert self.seconds < seconds, f"took {self.seconds:.1f} s >= {seconds} s"
        return self


def run_cli(
    args: Sequence[str | os.PathLike[str]],
    tmp: Path,
    *,
    stdin: Path | None = None,
    timeout: float = 60.0,
    preexec: Callable[[], None] | None = None,
    interrupt_after: Callable[[Path], bool] | None = None,
    cwd: Path | None = None,
) -> Ran:
    """``python -m mtasts_tui ARGS`` with output to files under ``tmp``.

    ``interrupt_after(stdout_path)`` is polled while the child runs; once it returns True the
    child gets SIGINT (Ctrl-C).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    out_path, err_path = tmp / "stdout.txt", tmp / "stderr.txt"
    result = tmp / "rusage.txt"
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="100")
    stdin_file = stdin.open("rb") if stdin is not None else subprocess.DEVNULL
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-S",
                "-c",
                _LAUNCHER,
                str(result),
                sys.executable,
                "-m",
                "mtasts_tui",
                *map(str, args),
            ],
            stdin=stdin_file,
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
            preexec_fn=preexec,
            restore_signals=True,
        )
        interrupted = False
        pid_file = Path(str(result) + ".pid")
        try:
            while proc.poll() is None:
                child = int(pid_file.read_text()) if pid_file.exists() else None
                if time.monotonic() - start > timeout:
                    if child:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(child, signal.SIGKILL)
                    proc.kill()
                    proc.wait()
                    raise AssertionError(f"still running after {timeout} s: {args!r:.300}")
                if (
                    child
                    and interrupt_after is not None
                    and not interrupted
                    and interrupt_after(out_path)
                ):
                    # It may have finished first, the launcher only writing its rusage.
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child, signal.SIGINT)
                    interrupted = True
                time.sleep(0.01)
        finally:
            if stdin is not None and not isinstance(stdin_file, int):
                stdin_file.close()
        seconds = time.monotonic() - start
    code, maxrss = result.read_text().split()
    return Ran(
        code=int(code),
        out=out_path.read_text("utf-8", "replace"),
        err=err_path.read_text("utf-8", "replace"),
        seconds=seconds,
        rss_mb=int(maxrss) / 1024,  # Linux reports kilobytes
    )
