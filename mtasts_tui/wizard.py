"""Open the wizard (`mtasts-tui [DOMAIN] [--demo]`). Textual is imported only from here on."""

from __future__ import annotations

import argparse
import sys


def run_wizard(args: argparse.Namespace) -> int:
    from mtasts_tui.commands.check import config_from_args
    from mtasts_tui.probe.network import NetworkConfigError

    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        print(f"mtasts-tui: {exc}", file=sys.stderr)
        return 2

    from pathlib import Path

    from mtasts_tui.tui import history

    history.SETTINGS.db = Path(args.db) if getattr(args, "db", None) else None
    history.SETTINGS.record = not getattr(args, "no_history", False)
    lab = None
    domain = args.domain
    banner = ""
    if args.demo:
        from mtasts_tui.lab import Lab, scenarios

        lab = Lab(scenarios.ALL).start()
        if history.SETTINGS.db is None:  # the demo's lab domains stay out of the real history
            history.SETTINGS.db = Path(lab.ca_file).parent / "demo-history.sqlite3"
        config = lab.probe_config(timeout=config.timeout, smtp=config.smtp)
        domain = domain or scenarios.DEMO_DOMAIN
        names = ", ".join(sorted(s.domain for s in scenarios.ALL)[:6])
        banner = (
            f"Demo: a loopback lab answers for {scenarios.DEMO_DOMAIN} and other *.test "
            f"domains ({names}, …). Nothing leaves this machine."
        )
    try:
        from mtasts_tui.tui.app import WizardApp

        WizardApp(config, domain, banner=banner).run()
    finally:
        history.SETTINGS = history.Settings()  # this run's options end with it
        if lab is not None:
            lab.stop()
    return 0
