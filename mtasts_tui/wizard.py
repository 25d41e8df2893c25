"""Open the wizard (`mtasts-tui [DOMAIN] [--demo]`). Textual is imported only from here on.

Nothing heavy loads before the first frame (issue 12): the network options are checked with the
light `probe.network` module, and `--demo` starts its lab inside the app, after the first paint.
"""

from __future__ import annotations

import argparse
import sys


def run_wizard(args: argparse.Namespace) -> int:
    from mtasts_tui.probe.network import NetworkConfigError, config_from_args

    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        print(f"mtasts-tui: {exc}", file=sys.stderr)
        return 2

    from mtasts_tui.tui.app import WizardApp

    app = WizardApp(config, args.domain, demo=args.demo)
    try:
        app.run()
    finally:
        app.stop_demo()
    return app.return_code or 0
