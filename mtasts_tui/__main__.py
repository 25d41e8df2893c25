"""``python -m mtasts_tui``: the same as the ``mtasts-tui`` command."""

import os
import signal
import sys


def _interrupted_while_starting(signum: int, frame: object) -> None:
    # Ctrl-C while the modules load: the same one line as later, never an import traceback.
    sys.stderr.write("mtasts-tui: interrupted\n")
    os._exit(130)


signal.signal(signal.SIGINT, _interrupted_while_starting)
from mtasts_tui.cli import main  # noqa: E402  (after the handler, on purpose)

signal.signal(signal.SIGINT, signal.default_int_handler)
raise SystemExit(main())
