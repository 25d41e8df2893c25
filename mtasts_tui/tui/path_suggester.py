"""Completion for path inputs: the first entry that extends what was typed (→ accepts it)."""

from __future__ import annotations

import asyncio
import os

from textual.suggester import Suggester

MAX_ENTRIES = 2000
"""Huge folders are cut short: a suggestion is a convenience, never worth a stall."""


def complete_path(value: str) -> str | None:
    """``~/rep`` → ``~/reports/`` when that folder exists; None when nothing matches.

    Only the last of several space-separated paths is completed; folders get a trailing slash so
    the next keystrokes continue inside them.
    """
    if not value or value.endswith(" "):
        return None
    head, _, last = value.rpartition(" ")
    expanded = os.path.expanduser(last)
    folder, prefix = os.path.split(expanded)
    try:
        with os.scandir(folder or ".") as entries:
            names = []
            for index, entry in enumerate(entries):
                if index >= MAX_ENTRIES:
                    break
                if entry.name.startswith(prefix) and (prefix or not entry.name.startswith(".")):
                    names.append((entry.name, entry.is_dir()))
    except OSError:
        return None
    if not names:
        return None
    name, is_dir = sorted(names)[0]
    completed_last = last[: len(last) - len(prefix)] + name + ("/" if is_dir else "")
    if completed_last == last:
        return None
    return (head + " " if head else "") + completed_last


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


__all__ = ["PathSuggester", "complete_path"]
