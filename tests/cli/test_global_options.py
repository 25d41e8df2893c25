"""Global options may come before the subcommand: `mtasts-tui --timeout 2 check example.com`."""

from __future__ import annotations

import pytest

from mtasts_tui.cli import hoist_global_options, main


def test_options_before_the_subcommand_move_after_its_arguments() -> None:
    assert hoist_global_options(["--timeout", "2", "check", "example.com"]) == [
        "check",
        "example.com",
        "--timeout",
        "2",
    ]


def test_flags_and_equals_forms_are_moved_whole() -> None:
    argv = ["--no-smtp", "--timeout=2", "--db", "h.sqlite3", "watch", "--once", "a.example"]
    assert hoist_global_options(argv) == [
        "watch",
        "--once",
        "a.example",
        "--no-smtp",
        "--timeout=2",
        "--db",
        "h.sqlite3",
    ]


def test_they_stay_before_a_double_dash() -> None:
    assert hoist_global_options(["--timeout", "2", "check", "--", "-odd.example"]) == [
        "check",
        "--timeout",
        "2",
        "--",
        "-odd.example",
    ]


def test_options_after_the_subcommand_and_the_wizard_are_left_alone() -> None:
    after = ["check", "a.example", "--timeout", "2"]
    assert hoist_global_options(after) == after
    # No subcommand: the wizard's own parser takes the same options.
    wizard = ["--timeout", "2", "example.com"]
    assert hoist_global_options(wizard) == wizard


def test_a_value_that_looks_like_a_subcommand_stays_a_value() -> None:
    # "--db check" names a file called check; the subcommand is the next word.
    assert hoist_global_options(["--db", "check", "history", "a.example"]) == [
        "history",
        "a.example",
        "--db",
        "check",
    ]


def test_subcommands_with_their_own_subcommands_keep_them_first() -> None:
    assert hoist_global_options(["--db", "r.sqlite3", "reports", "serve", "--port", "0"]) == [
        "reports",
        "serve",
        "--port",
        "0",
        "--db",
        "r.sqlite3",
    ]


def test_a_global_option_the_subcommand_does_not_take_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--timeout", "2", "lint", "sts-record", "v=STSv1; id=abc"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --timeout 2" in capsys.readouterr().err
