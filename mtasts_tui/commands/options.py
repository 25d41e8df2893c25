"""The history and output options of `check` and `watch` (argparse only, so --help stays fast)."""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "csv", "junit", "markdown")


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
