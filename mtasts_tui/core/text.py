"""Remote text is data: make it safe to print on a terminal."""

from __future__ import annotations


def escape_char(ch: str) -> str:
    """One character, visibly: ``\\r``, ``\\x1b``, ``\\u200b``, ``\\U000e0001``."""
    return ch.encode("unicode_escape").decode("ascii")


def printable(text: str) -> str:
    """Show every character Python does not call printable as a visible escape, except tab and
    newline: C0 and C1 controls (ESC, BEL), bidi overrides, zero-width and other format
    characters (U+200B), line separators, non-ASCII spaces, unassigned code points.

    ``\\x1b[31m`` comes out as the seven characters ``\\x1b[31m`` rather than turning the
    terminal red. The one escaper: the reports renderer's ``clean`` is ``one_line`` of it.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\t\n" else escape_char(ch) for ch in text)


def one_line(text: str) -> str:
    """Like :func:`printable`, with tabs and newlines escaped too: nothing but printable text."""
    return printable(text).replace("\t", "\\t").replace("\n", "\\n")


QUOTE_LIMIT = 200
"""Characters of a rejected input that a message repeats."""


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of at most ``limit`` characters of ``text``, saying how long the rest is.

    A two-million-character domain must not be echoed back whole in an error message.
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def clip(text: str, limit: int = 2 * QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (a message that may itself quote a rejected input)."""
    return text if len(text) <= limit else text[:limit] + "…"
