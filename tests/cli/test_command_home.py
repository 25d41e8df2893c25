"""One home for commands: each headless command is a module in `mtasts_tui.commands` with its own
arguments, and `cli.py` only routes. These tests keep it so as commands are added."""

from __future__ import annotations

import argparse
import ast
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtasts_tui import cli
from mtasts_tui.commands import COMMANDS

PACKAGE = Path(cli.__file__).resolve().parent
ROOT = PACKAGE.parent
GLOBAL_ARGUMENTS = {"--version"}
"""The only arguments cli.py itself may define: those of the program, not of a command."""
OPTION_CALLS = {"add_argument", "add_argument_group", "add_mutually_exclusive_group"}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(found) == 1
    return dict(found[0].choices)


def option_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in OPTION_CALLS
    ]


@pytest.mark.parametrize("name", sorted(subcommands(cli.build_parser())))
def test_every_command_the_parser_knows_is_a_module_in_commands(name: str) -> None:
    module = importlib.import_module(f"mtasts_tui.commands.{name}")
    assert Path(str(module.__file__)).resolve().parent == PACKAGE / "commands"
    assert callable(module.add_arguments) and callable(module.run)
    assert cli.command_module(name) is module
    # The module adds the command's arguments: its parser has more than --help once it is filled.
    filled = subcommands(cli.build_parser(name))[name]
    assert [a for a in filled._actions if not isinstance(a, argparse._HelpAction)]


def test_the_parser_lists_every_command_of_the_index_in_order() -> None:
    assert list(subcommands(cli.build_parser())) == list(COMMANDS)
    assert list(cli.SUBCOMMANDS) == list(COMMANDS)


def test_cli_defines_no_argument_but_the_global_ones() -> None:
    calls = option_calls(PACKAGE / "cli.py")
    assert calls, "the syntax-tree walk found no add_argument call at all: is it still looking?"
    for call in calls:
        assert isinstance(call.func, ast.Attribute)
        first = call.args[0] if call.args else None
        name = str(first.value) if isinstance(first, ast.Constant) else None
        assert call.func.attr == "add_argument" and name in GLOBAL_ARGUMENTS, (
            f"cli.py:{call.lineno} defines {name or call.func.attr}: "
            "a command's options belong in its module in mtasts_tui/commands"
        )


def test_options_are_defined_only_by_the_commands_and_the_wizard() -> None:
    allowed = {PACKAGE / "cli.py", PACKAGE / "wizard.py"}
    defining = {path for path in PACKAGE.rglob("*.py") if option_calls(path)}
    strays = sorted(
        str(path.relative_to(ROOT))
        for path in defining - allowed
        if path.parent != PACKAGE / "commands"
    )
    assert strays == []
    assert PACKAGE / "commands" / "check.py" in defining  # the walk does see the commands


def test_cli_imports_nothing_of_the_package_but_the_commands_and_the_wizard() -> None:
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    ours = {m for m in imported if m.startswith("mtasts_tui")}
    assert ours, "the walk found no import of the package at all"
    assert all(
        m == "mtasts_tui.__version__"
        or m.startswith("mtasts_tui.commands")
        or m.startswith("mtasts_tui.wizard")
        for m in ours
    ), sorted(ours)


def loaded_after(statements: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of ``prefixes`` loaded by ``statements``, in a new Python."""
    code = (
        f"import sys\n{statements}\n"
        f"print(' '.join(m for m in sys.modules if m.startswith({prefixes!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


def test_help_lists_every_command_without_importing_one() -> None:
    statements = (
        "from mtasts_tui import cli\n"
        "text = cli.build_parser().format_help()\n"
        "assert all(name in text for name in cli.SUBCOMMANDS), text"
    )
    assert loaded_after(statements, ("mtasts_tui.commands.",)) == []


def test_a_commands_help_imports_no_probe_or_ui_library() -> None:
    statements = (
        "from mtasts_tui import cli\n"
        "for name in cli.SUBCOMMANDS:\n"
        "    cli.build_parser(name).format_help()"
    )
    heavy = ("httpx", "dns", "mtasts_tui.probe.inspect", "textual", "rich")
    assert loaded_after(statements, heavy) == []


def test_the_file_layer_depends_on_no_front_end() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    forbidden = {
        m
        for c in contracts
        if c["source_modules"] == ["mtasts_tui.fs"]
        for m in c["forbidden_modules"]
    }
    assert {"mtasts_tui.tui", "mtasts_tui.lab", "mtasts_tui.commands", "mtasts_tui.probe"} <= (
        forbidden
    )


def test_the_wizards_help_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--demo", "--help"])
    described = " ".join(capsys.readouterr().out.split())
    assert f"Commands: {', '.join(COMMANDS)} (see" in described
