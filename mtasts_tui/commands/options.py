"""Option groups shared by several commands and the wizard: network, check, history, output.

argparse only, so building a parser stays fast.
"""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "csv", "junit", "markdown")


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `check` and the wizard: where to resolve, whom to trust, how long."""
    net = parser.add_argument_group("network")
    net.add_argument(
        "--resolver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="DNS server to ask (repeatable; default: the system's)",
    )
    net.add_argument(
        "--ca-file", metavar="PEM", help="trust these CA certificates instead of the system's"
    )
    net.add_argument("--https-port", type=int, default=443, metavar="PORT", help="default 443")
    net.add_argument("--smtp-port", type=int, default=25, metavar="PORT", help="default 25")
    net.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="limit for each step and for the whole run (default 10)",
    )
    net.add_argument("--no-smtp", action="store_true", help="skip the STARTTLS probes of the MX")


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """Every option of `check` except the domains (also taken by `watch`)."""
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument(
        "--concurrency", type=int, default=20, metavar="N", help="domains checked at once"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        metavar="N",
        help="start at most N new connections per second over the whole run (default: no limit)",
    )
    parser.add_argument(
        "--reports",
        action="append",
        default=[],
        metavar="PATH",
        help="TLS-RPT reports (files or folders, repeatable) whose verdict joins the check's",
    )
    add_network_arguments(parser)


def add_store_arguments(parser: argparse.ArgumentParser, *, default_baseline: str | None) -> None:
    """``--db``, ``--no-history``, ``--baseline`` and ``--format`` (check and watch)."""
    group = parser.add_argument_group("history")
    group.add_argument(
        "--db",
        metavar="PATH",
        help="the history database (default: $MTASTS_TUI_DB, else the user data folder)",
    )
    group.add_argument(
        "--no-history", action="store_true", help="do not record this run in the history"
    )
    group.add_argument(
        "--baseline",
        metavar="DATE|latest|FILE.json",
        default=default_baseline,
        help="compare with the last stored result, the last one on or before DATE "
        "(YYYY-MM-DD or ISO time), or a file of `check --json` lines; adds drift findings"
        + (f" (default: {default_baseline})" if default_baseline else ""),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output: text (default), json (one object per line; --json is the same), csv, "
        "junit (XML, one test case per domain), markdown (for $GITHUB_STEP_SUMMARY)",
    )


def output_format(args: argparse.Namespace) -> str:
    if getattr(args, "format", None):
        return str(args.format)
    return "json" if getattr(args, "json", False) else "text"
