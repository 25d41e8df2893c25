"""Where a benchmark sends `check`'s output: counted, not kept."""

from __future__ import annotations


class NullSink:
    """A text stream that only counts the lines written to it (one result per line)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass
