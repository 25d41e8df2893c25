"""Open the wizard (`mtasts-tui [DOMAIN] [--demo]`). Textual is imported only from here on.

Nothing heavy loads before the first frame (issue 12): the network options are checked with the
light `probe.network` module, and `--demo` starts its lab inside the app, after the first paint.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mtasts_tui.probe.network import ProbeConfig
    from mtasts_tui.tui.app import DemoLab


def run_wizard(args: argparse.Namespace) -> int:
    from mtasts_tui.probe.network import NetworkConfigError, config_from_args

    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        print(f"mtasts-tui: {exc}", file=sys.stderr)
        return 2

    from mtasts_tui.tui.app import WizardApp

    app = WizardApp(config, args.domain, demo=start_demo_lab if args.demo else None)
    try:
        app.run()
    finally:
        app.stop_demo()
    return app.return_code or 0


def start_demo_lab(base: ProbeConfig) -> DemoLab:
    """Start the loopback lab with every scenario (in the app's worker, after the first frame)."""
    from mtasts_tui.lab import Lab, scenarios
    from mtasts_tui.tui.app import DemoLab

    lab = Lab(scenarios.ALL).start()
    names = ", ".join(sorted(s.domain for s in scenarios.ALL)[:6])
    banner = (
        f"Demo: a loopback lab answers for {scenarios.DEMO_DOMAIN} and other *.test "
        f"domains ({names}, …). Nothing leaves this machine."
    )
    config = lab.probe_config(timeout=base.timeout, smtp=base.smtp)
    return DemoLab(config, banner, scenarios.DEMO_DOMAIN, lab.stop)
