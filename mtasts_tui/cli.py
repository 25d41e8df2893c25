"""The `mtasts-tui` command line.

Startup stays light: each subcommand imports only what it needs, and the Textual app is imported
only when the wizard opens, so `check`, `lint` and `export` start fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO, cast

from mtasts_tui import __version__

SUBCOMMANDS = ("check", "lint", "export", "reports", "history", "watch")
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as shells report a command stopped by Ctrl-C."""
GLOBAL_OPTIONS: dict[str, bool] = {
    "--resolver": True,
    "--ca-file": True,
    "--https-port": True,
    "--smtp-port": True,
    "--timeout": True,
    "--no-smtp": False,
    "--db": True,
    "--no-history": False,
}
"""Options that may come before the subcommand (name → takes a value), as in
``mtasts-tui --timeout 2 check example.com``; the subcommand still decides whether it takes them."""
_MESSAGE_LIMIT = 600
"""Longest usage error printed: argparse repeats the rejected value, which may be huge."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error quotes at most a few hundred characters of the input."""

    def error(self, message: str) -> NoReturn:
        if len(message) > _MESSAGE_LIMIT:
            message = message[:_MESSAGE_LIMIT] + f"… ({len(message):,} characters)"
        super().error(message)


class _LineTracker:
    """Passes writes on to ``stream`` and remembers whether the last one ended a line.

    On Ctrl-C the command is cut off wherever it is; the line it was writing is then ended, so
    JSON Lines output stays one whole object per line.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.at_line_start = True

    def write(self, text: str) -> int:
        n = self._stream.write(text)
        if text:
            self.at_line_start = text.endswith("\n")
        return n

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtasts-tui",
        description=(
            "Inspect, draft, export and roll out MTA-STS (RFC 8461) and TLS-RPT (RFC 8460). "
            "Without a command, opens the wizard."
        ),
        epilog=(
            "wizard: mtasts-tui [DOMAIN] [--demo] [--resolver IP[:PORT]] [--ca-file PEM] "
            "[--https-port N] [--smtp-port N] [--timeout S] [--no-smtp]  "
            "(--demo runs the built-in loopback lab; no network needed)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"mtasts-tui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    from mtasts_tui.commands import export_cmd, lint

    check = commands.add_parser("check", help="inspect live domains (headless)")
    check.add_argument(
        "domains", nargs="*", metavar="DOMAIN", help="domains to check; - reads them from stdin"
    )
    add_check_options(check)
    from mtasts_tui.commands import fleet, history_cmd, options, watch

    fleet.add_arguments(check)

    options.add_store_arguments(check, default_baseline=None)
    history_cmd.add_arguments(commands.add_parser("history", help="what changed, per domain"))
    watch.add_arguments(
        commands.add_parser("watch", help="check, record, and report only what changed")
    )

    lint.add_arguments(commands.add_parser("lint", help="check a policy or record offline"))
    export_cmd.add_arguments(
        commands.add_parser("export", help="write the deploy bundle for a policy")
    )
    import mtasts_tui.reports.command as reports_command

    reports_command.add_arguments(
        commands.add_parser("reports", help="summarise TLS-RPT reports (RFC 8460)")
    )
    return parser


def _wizard_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtasts-tui",
        description=(
            "Open the MTA-STS wizard. Commands: check, lint, export, reports, history, watch "
            "(see 'mtasts-tui COMMAND --help')."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mtasts-tui {__version__}")
    parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="start by inspecting it")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in loopback lab and open its half-migrated demo domain",
    )
    add_network_arguments(parser)
    parser.add_argument("--db", metavar="PATH", help="the history database")
    parser.add_argument("--no-history", action="store_true", help="do not record inspections")
    return parser


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move the global options written before a subcommand to the end of its arguments.

    argparse only reads a subcommand's options after its name; people write them either side.
    The end (before a ``--``) suits every command, including those with their own subcommands
    (``lint KIND``, ``reports serve``). Without a subcommand (the wizard) nothing moves.
    """
    leading: list[str] = []
    i = 0
    while i < len(args):
        option, equals, _ = args[i].partition("=")
        takes_value = GLOBAL_OPTIONS.get(option)
        if takes_value is None:
            break
        width = 2 if takes_value and not equals else 1
        leading += args[i : i + width]
        i += width
    if not leading or i >= len(args) or args[i] not in SUBCOMMANDS:
        return list(args)
    rest = list(args[i:])
    end = rest.index("--") if "--" in rest else len(rest)
    return [*rest[:end], *leading, *rest[end:]]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = hoist_global_options(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    if args_list[:2] == ["reports", "serve"]:  # a sub-command of reports, with its own options
        from mtasts_tui.reports import serve

        return serve.main(args_list[2:])
    if first in SUBCOMMANDS or (args_list and args_list[0] in ("-h", "--help")):
        out = _LineTracker(sys.stdout)
        try:
            args = _parser().parse_args(args_list)
            return _dispatch(args, cast(TextIO, out))
        except KeyboardInterrupt:
            return _interrupted(out)
        except BrokenPipeError:
            return _broken_pipe()
        except Exception as exc:  # the last net: a bug must not print a traceback at the user
            text = f"{type(exc).__name__}: {exc}"
            sys.stderr.write(f"mtasts-tui: unexpected error ({text[:200]}); please report it.\n")
            return 1
    wizard_args = _wizard_parser().parse_args(args_list)
    from mtasts_tui.wizard import run_wizard

    return run_wizard(wizard_args)


def _interrupted(out: _LineTracker) -> int:
    """Ctrl-C: end the line being written, say so in one line, exit 130. No traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt this
    try:
        if not out.at_line_start:
            out.write("\n")
        out.flush()
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.write("mtasts-tui: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_INTERRUPTED


def _broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 1


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    err = sys.stderr
    if args.command == "lint":
        from mtasts_tui.commands import lint

        return lint.run(args, out, err)
    if args.command == "export":
        from mtasts_tui.commands import export_cmd

        return export_cmd.run(args, out, err)
    if args.command == "check":
        from mtasts_tui.commands import check

        return check.run(args, out, err)
    if args.command in ("history", "watch"):
        from mtasts_tui.commands import history_cmd, watch

        if args.command == "history":
            return history_cmd.run(args, out, err)
        return watch.run(args, out, err)
    if args.command == "reports":
        import mtasts_tui.reports.command as reports_command

        return reports_command.run(args, out, err)
    _parser().print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
