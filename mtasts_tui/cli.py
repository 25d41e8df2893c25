"""The `mtasts-tui` command line: it only routes.

Each headless command is a module in `mtasts_tui.commands` with its own arguments and `run`; this
module builds the top-level parser from the command index, moves global options written before a
command after it, hands the parsed arguments to the command, and turns Ctrl-C and a closed pipe
into one line and an exit code. Startup stays light: only the command that runs (or shows its help)
is imported, and the Textual app only when the wizard opens.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol, TextIO, cast

from mtasts_tui import __version__
from mtasts_tui.commands import COMMANDS

SUBCOMMANDS = tuple(COMMANDS)
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


class CommandModule(Protocol):
    """What every module in ``mtasts_tui.commands`` named in ``COMMANDS`` provides."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int: ...


def command_module(name: str) -> CommandModule:
    """The module that implements command ``name`` (imported now, not before)."""
    return cast(CommandModule, importlib.import_module(f"mtasts_tui.commands.{name}"))


def build_parser(*filled: str) -> argparse.ArgumentParser:
    """The top-level parser: every command listed, the arguments of the ``filled`` ones added.

    argparse only needs the arguments of the command it parses, so ``mtasts-tui --help`` imports
    no command module and ``mtasts-tui check ...`` imports ``check`` alone.
    """
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
    for name, line in COMMANDS.items():
        command = commands.add_parser(name, help=line)
        if name in filled:
            command_module(name).add_arguments(command)
    return parser


def _wizard_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtasts-tui",
        # The command list comes from the index, so a new command is never left out here.
        description=(
            f"Open the MTA-STS wizard. Commands: {', '.join(COMMANDS)} "
            "(see 'mtasts-tui COMMAND --help')."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mtasts-tui {__version__}")
    from mtasts_tui import wizard

    wizard.add_arguments(parser)
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
        from mtasts_tui.commands import reports_serve

        return reports_serve.main(args_list[2:])
    command = first if first in SUBCOMMANDS else None
    if command is not None or (args_list and args_list[0] in ("-h", "--help")):
        out = _LineTracker(sys.stdout)
        try:
            parser = build_parser(command) if command is not None else build_parser()
            args = parser.parse_args(args_list)
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
    if args.command in COMMANDS:
        return command_module(args.command).run(args, out, sys.stderr)
    build_parser().print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
