"""Remote text is data: printable() keeps terminal control sequences harmless."""

from __future__ import annotations

import pytest

from mtasts_tui.core.text import one_line, printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bell\x07", "bell\\x07"),
        ("c1\x9b", "c1\\x9b"),
        ("bidi\u202e", "bidi\\u202e"),
        ("isolate\u2066", "isolate\\u2066"),
        ("del\x7f", "del\\x7f"),
    ],
)
def test_control_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_tabs_newlines_and_unicode_text_are_kept() -> None:
    assert printable("a\tb\nbücher.example") == "a\tb\nbücher.example"


def test_one_line_also_escapes_line_breaks() -> None:
    assert one_line("a\r\nb\x1b") == "a\\r\\nb\\x1b"
