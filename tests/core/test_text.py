"""Remote text is data: printable() keeps terminal control sequences harmless."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300)
@given(st.text())
def test_the_one_escaper_leaves_nothing_a_terminal_would_act_on(text: str) -> None:
    """Issue 11: printable and the reports' clean were two escapers; U+200B slipped through one."""
    from mtasts_tui.core.text import one_line, printable
    from mtasts_tui.reports.render import clean

    shown = printable(text)
    assert all(ch.isprintable() or ch in "\t\n" for ch in shown)
    assert one_line(text).isprintable()
    assert clean(text) == one_line(text)
    if text.isprintable():
        assert shown == text  # printable text, IDNs included, is shown as it is


def test_zero_width_and_format_characters_are_escaped_everywhere() -> None:
    from mtasts_tui.core.text import printable
    from mtasts_tui.reports.render import clean

    for ch, escaped in (("\u200b", "\\u200b"), ("\u202e", "\\u202e"), ("\x1b", "\\x1b")):
        assert printable(f"a{ch}b") == f"a{escaped}b"
        assert clean(f"a{ch}b") == f"a{escaped}b"
