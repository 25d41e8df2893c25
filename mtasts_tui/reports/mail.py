"""Stream the report attachments out of one e-mail, line by line, in bounded memory.

``email.message_from_bytes`` needs the whole message in memory, several times over (bytes, text,
lines, decoded payloads). This reader walks the MIME tree as the lines arrive, keeps only the
headers of the part it is in, and decodes a wanted attachment straight into a capped buffer, so a
300 MB message costs what its largest accepted attachment costs, not 600 MB.
"""

from __future__ import annotations

import binascii
import email.parser
import email.policy
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from email.message import Message

MAX_HEADER_BYTES = 256 * 1024
"""Largest header block of one message or part."""
MAX_PARTS = 1000
"""Leaf parts read from one message; the rest of the message is not looked at."""
MAX_DEPTH = 16
"""Deepest nesting of multiparts (and attached messages) followed."""
MAX_BOUNDARY = 200
"""RFC 2046 allows 70 characters; longer boundaries are not followed."""


class MailError(ValueError):
    """The message is too large or too complex to read; nothing more is read from it."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A wanted part of the message, decoded (or the reason it could not be)."""

    index: int
    """Position among the message's leaf parts (0 for a single-part message)."""
    content_type: str
    """The part's media type, lower-cased."""
    filename: str
    """The part's file name, or empty."""
    data: bytes | None
    """The decoded body; None when ``problem`` says why not."""
    problem: str | None = None
    """Why the part was not decoded (too large)."""


_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)


def _parse_headers(block: bytes) -> Message:
    try:
        return _PARSER.parsebytes(block)
    except Exception:  # a header the library cannot parse: treat the part as plain text
        return Message()


class _Base64:
    """Incremental base64: decodes whole 4-character groups, keeps the rest for the next line."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, line: bytes) -> bytes:
        data = self._rest + bytes(line.translate(None, b" \t\r\n"))
        cut = len(data) - len(data) % 4
        self._rest = data[cut:]
        if not cut:
            return b""
        try:
            return binascii.a2b_base64(data[:cut])
        except binascii.Error:
            return b""  # like the email package: undecodable groups are dropped

    def finish(self) -> bytes:
        rest, self._rest = self._rest, b""
        if not rest.rstrip(b"="):
            return b""
        try:
            return binascii.a2b_base64(rest + b"=" * (-len(rest) % 4))
        except binascii.Error:
            return b""


class MessageReader:
    """Walks one message's MIME tree over ``lines`` (each at most a bounded length).

    ``wanted(content_type, filename)`` picks the parts to decode; each is capped at ``cap``
    decoded bytes. ``headers`` holds the top-level headers once :meth:`attachments` has started.
    """

    def __init__(
        self, lines: Iterator[bytes], *, wanted: Callable[[str, str], bool], cap: int
    ) -> None:
        self._lines = lines
        self._wanted = wanted
        self._cap = cap
        self._parts = 0
        self.headers: Message = Message()

    def _next(self) -> bytes | None:
        return next(self._lines, None)

    def attachments(self) -> Iterator[Attachment]:
        """Every wanted part, in message order."""
        yield from self._entity((), 0, top=True)

    @staticmethod
    def _boundary_of(line: bytes, boundaries: tuple[bytes, ...]) -> tuple[bytes, bool] | None:
        """(boundary, is_close) when ``line`` is a delimiter of one of ``boundaries``."""
        if not boundaries or not line.startswith(b"--") or len(line) > MAX_BOUNDARY + 8:
            return None
        s = line.rstrip(b"\r\n").rstrip(b" \t")
        for b in reversed(boundaries):  # innermost first
            if s == b"--" + b:
                return b, False
            if s == b"--" + b + b"--":
                return b, True
        return None

    def _skip_to_boundary(self, boundaries: tuple[bytes, ...]) -> bytes | None:
        while (line := self._next()) is not None:
            if self._boundary_of(line, boundaries) is not None:
                return line
        return None

    def _read_headers(self, boundaries: tuple[bytes, ...]) -> tuple[Message, bytes | None, bool]:
        """(headers, delimiter line that cut them short, end of input)."""
        block: list[bytes] = []
        size = 0
        while True:
            line = self._next()
            if line is None:
                return _parse_headers(b"".join(block)), None, True
            if line in (b"\n", b"\r\n"):
                return _parse_headers(b"".join(block)), None, False
            if self._boundary_of(line, boundaries) is not None:
                return _parse_headers(b"".join(block)), line, False
            size += len(line)
            if size > MAX_HEADER_BYTES:
                raise MailError(f"a header block is larger than {MAX_HEADER_BYTES // 1024} KiB")
            block.append(line)

    def _entity(
        self, boundaries: tuple[bytes, ...], depth: int, *, top: bool = False
    ) -> Generator[Attachment, None, bytes | None]:
        """Read one entity; return the delimiter line that ended it (None at end of input)."""
        headers, cut, at_end = self._read_headers(boundaries)
        if top:
            self.headers = headers
        if cut is not None or at_end:
            return cut
        ctype = headers.get_content_type().lower()
        if ctype.startswith("multipart/") and depth < MAX_DEPTH:
            raw = headers.get_param("boundary")
            if isinstance(raw, str) and 0 < len(raw) <= MAX_BOUNDARY:
                boundary = raw.encode("utf-8", "replace")
                return (yield from self._multipart(boundary, boundaries, depth))
        if ctype == "message/rfc822" and depth < MAX_DEPTH:
            return (yield from self._entity(boundaries, depth + 1))
        return (yield from self._leaf(headers, ctype, boundaries))

    def _multipart(
        self, boundary: bytes, outer: tuple[bytes, ...], depth: int
    ) -> Generator[Attachment, None, bytes | None]:
        inner = (*outer, boundary)
        line = self._skip_to_boundary(inner)  # the preamble
        while line is not None:
            found = self._boundary_of(line, inner)
            if found is None or found[0] != boundary:
                return line  # an enclosing multipart's delimiter ends this one too
            if found[1]:
                return self._skip_to_boundary(outer)  # the epilogue
            line = yield from self._entity(inner, depth + 1)
        return None

    def _leaf(
        self, headers: Message, ctype: str, boundaries: tuple[bytes, ...]
    ) -> Generator[Attachment, None, bytes | None]:
        index = self._parts
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise MailError(f"the message has more than {MAX_PARTS:,} parts; the rest was not read")
        try:
            filename = headers.get_filename() or ""
        except Exception:
            filename = ""
        if not isinstance(filename, str):
            filename = ""
        if not self._wanted(ctype, filename):
            return self._skip_to_boundary(boundaries)
        cte = str(headers.get("Content-Transfer-Encoding") or "").strip().lower()
        b64 = _Base64() if cte == "base64" else None
        qp = cte == "quoted-printable"
        out = bytearray()
        too_large = False
        held_eol = b""  # the line break before a delimiter belongs to the delimiter
        end: bytes | None = None
        batch: list[bytes] = []  # base64 lines are decoded 64 KiB at a time, not one by one
        batched = 0
        while (line := self._next()) is not None:
            if self._boundary_of(line, boundaries) is not None:
                end = line
                break
            if too_large:
                continue
            if b64 is not None:
                batch.append(line)
                batched += len(line)
                if batched < 65536:
                    continue
                chunk = b64.feed(b"".join(batch))
                batch.clear()
                batched = 0
            elif qp:
                chunk = binascii.a2b_qp(line)
            else:
                body = line.rstrip(b"\r\n")
                chunk = held_eol + body
                held_eol = line[len(body) :]
            out += chunk
            if len(out) > self._cap:
                too_large = True
                out = bytearray()
        if b64 is not None and not too_large:
            out += b64.feed(b"".join(batch)) + b64.finish()
        if too_large or len(out) > self._cap:
            problem = f"the attachment is larger than {self._cap // (1024 * 1024)} MiB; refused"
            yield Attachment(index, ctype, filename, None, problem)
        else:
            yield Attachment(index, ctype, filename, bytes(out))
        return end
