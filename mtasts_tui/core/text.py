"""Remote text is data: make it safe to print on a terminal."""

from __future__ import annotations

import re

_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Show control characters (ESC, BEL, C1, bidi overrides) as visible escapes.

    ``\\x1b[31m`` comes out as the seven characters ``\\x1b[31m`` rather than turning the
    terminal red; tabs and newlines are kept.
    """
    return _UNSAFE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def one_line(text: str) -> str:
    """Like :func:`printable`, with newlines shown as ``\\n`` too."""
    return printable(text).replace("\r", "\\r").replace("\n", "\\n")


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
