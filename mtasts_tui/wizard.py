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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The wizard's options (``mtasts-tui [DOMAIN] [--demo] ...``: no command given)."""
    from mtasts_tui.commands.options import add_network_arguments

    parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="start by inspecting it")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in loopback lab and open its half-migrated demo domain",
    )
    add_network_arguments(parser)
    parser.add_argument("--db", metavar="PATH", help="the history database")
    parser.add_argument("--no-history", action="store_true", help="do not record inspections")


def run_wizard(args: argparse.Namespace) -> int:
    from mtasts_tui.probe.network import NetworkConfigError, config_from_args

    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        print(f"mtasts-tui: {exc}", file=sys.stderr)
        return 2

    from pathlib import Path

    from mtasts_tui.tui import history

    history.SETTINGS.db = Path(args.db) if getattr(args, "db", None) else None
    history.SETTINGS.record = not getattr(args, "no_history", False)
    demo_dir = None
    if args.demo and history.SETTINGS.db is None:
        # The demo's lab domains stay out of the real history (and out of its recent list).
        import tempfile

        demo_dir = tempfile.TemporaryDirectory(prefix="mtasts-tui-demo-")
        history.SETTINGS.db = Path(demo_dir.name) / "demo-history.sqlite3"
    from mtasts_tui.tui.app import WizardApp

    app = WizardApp(config, args.domain, demo=start_demo_lab if args.demo else None)
    try:
        app.run()
    finally:
        history.SETTINGS = history.Settings()  # this run's options end with it
        app.stop_demo()
        if demo_dir is not None:
            demo_dir.cleanup()
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
