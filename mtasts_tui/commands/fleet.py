"""Big inputs for `check` (issue 12): `--domains FILE` streamed, `--resume OUT.jsonl`, `--order`.

A list of millions is never held whole: names are read line by line as workers need them;
what must be remembered (names already seen or already answered) is kept as 8-byte digests.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import stat
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TextIO

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.text import clip, printable

MAX_LINE = 4096
"""Characters read per input line; a longer line is reported, not held."""
MAX_RESUME_LINE = 4 * 1024 * 1024
"""A `check --json` line longer than this is not ours: it is skipped, not parsed."""
SEEN_WINDOW = 1 << 20
"""Recent names remembered to drop repeats in a streamed list (digests: about 100 MB at most)."""


class InputError(ValueError):
    """A domain list or resume file cannot be read; the message says which and why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("many domains")
    group.add_argument(
        "--domains",
        dest="domains_file",
        metavar="FILE",
        help="one domain per line (# comments), read as the run goes; - reads standard input",
    )
    group.add_argument(
        "--resume",
        metavar="OUT.jsonl",
        help="skip the domains already answered in this file of `check --json` lines "
        "(an interrupted run's output; append the new results to it)",
    )
    group.add_argument(
        "--order",
        choices=("finish", "input"),
        default="finish",
        help="print each result as it finishes (default) or in input order (a bounded buffer)",
    )


LOOP_ENV_VAR = "MTASTS_TUI_LOOP"
"""``asyncio`` keeps a run on asyncio's own event loop even when uvloop is installed."""


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when the optional ``fast`` extra is installed, else None (asyncio's).

    It spends about a tenth less CPU per domain on a fleet (README "Fleets"); the results are
    the same, so it is used whenever it can be imported.
    """
    if os.environ.get(LOOP_ENV_VAR, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    # Typed here: without the extra installed, type checkers see uvloop as Any.
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def digest(name: str) -> bytes:
    return hashlib.blake2b(name.encode("ascii", "replace"), digest_size=8).digest()


def open_regular(path: str, what: str) -> TextIO:
    """Open a regular file for reading text; a FIFO, device or folder is refused, not read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{what} {clip(path)}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{what} {clip(path)}: not a regular file")
        os.set_blocking(fd, True)
        return open(fd, encoding="utf-8", errors="replace", newline=None)
    except BaseException:
        os.close(fd)
        raise


def answered(path: str) -> set[bytes]:
    """Digests of the domains a `check --json` output file already answers.

    A line cut off by the interruption does not parse and its domain is checked again.
    """
    done: set[bytes] = set()
    with open_regular(path, "--resume") as f:
        while line := f.readline(MAX_RESUME_LINE):
            if len(line) >= MAX_RESUME_LINE and not line.endswith("\n"):
                while (rest := f.readline(MAX_RESUME_LINE)) and not rest.endswith("\n"):
                    pass
                continue
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("domain"), str):
                done.add(digest(data["domain"].lower()))
    return done


def _lines(stream: TextIO) -> Iterator[tuple[int, str | None]]:
    """(line number, text), text None for a line over MAX_LINE (skipped to its end)."""
    number = 0
    while line := stream.readline(MAX_LINE):
        number += 1
        if len(line) >= MAX_LINE and not line.endswith("\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass
            yield number, None
            continue
        yield number, line


class DomainSource:
    """The domains of one run, parsed as they are taken; bad lines are reported and skipped.

    ``bad`` counts the skipped lines (the run then exits 1: some input was not checked).
    """

    def __init__(
        self, first: list[DomainName], file: str | None, skip: set[bytes], err: TextIO
    ) -> None:
        self.first = first
        """The domains named on the command line (already parsed, each once)."""
        self.file = file
        self.skip = skip
        self.err = err
        self.bad = 0
        self.resumed = 0
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def check_file(self) -> None:
        """Fail early (exit 2) when the list cannot be opened at all."""
        if self.file and self.file != "-":
            open_regular(self.file, "--domains").close()

    def __iter__(self) -> Iterator[DomainName]:
        for domain in self.first:
            yield from self._take(domain)
        if self.file == "-":
            yield from self._from(sys.stdin, "standard input")
        elif self.file:
            with open_regular(self.file, "--domains") as stream:
                yield from self._from(stream, clip(self.file))

    def _from(self, stream: TextIO, where: str) -> Iterator[DomainName]:
        for number, line in _lines(stream):
            if line is None:
                self._complain(f"{printable(where)} line {number}: longer than {MAX_LINE} chars")
                continue
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parsed = parse_domain(text)
            if isinstance(parsed, str):
                self._complain(f"{printable(where)} line {number}: {printable(parsed)}")
                continue
            yield from self._take(parsed)

    def _take(self, domain: DomainName) -> Iterator[DomainName]:
        key = digest(domain.ascii)
        if key in self._seen:  # the same domain twice is checked once
            return
        self._seen[key] = None
        if len(self._seen) > SEEN_WINDOW:
            self._seen.popitem(last=False)
        if key in self.skip:
            self.resumed += 1
            return
        yield domain

    def _complain(self, message: str) -> None:
        self.bad += 1
        self.err.write(f"mtasts-tui check: skipped {message}\n")
