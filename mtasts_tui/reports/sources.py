"""Find and read TLS-RPT reports on disk: the only I/O in ``mtasts_tui.reports``.

Accepted inputs (RFC 8460 §5): ``.json``; gzip (``.json.gz``, recognised by its magic bytes);
``.zip`` (every JSON or gzip member); e-mails (``.eml``) whose report attachments are
``application/tlsrpt+gzip``, ``application/tlsrpt+json``, ``application/gzip``,
``application/json``, ``application/zip`` or named ``*.json``/``*.gz``/``*.zip``; ``.mbox`` files;
Maildir folders (``cur/`` and ``new/``); and any folder, walked recursively.

Nothing is written. One unreadable file, member or attachment becomes a problem Finding (code
``report-unreadable``, subject = where) and is skipped. Hostile input costs bounded work:

- only regular files are opened (checked before opening, and again on the open descriptor, which
  is opened non-blocking, so a FIFO swapped in between cannot hang the run);
- sizes are checked before reading; mail is streamed line by line (:mod:`.mail`);
- every decompressed report is capped at :data:`MAX_REPORT_BYTES`, gzip is decompressed as a
  stream in linear time with at most :data:`MAX_GZIP_MEMBERS` members, a zip may hold at most
  :data:`MAX_ZIP_MEMBERS` members, and one file may decompress at most :data:`MAX_FILE_WORK`
  bytes in all;
- one file contributes at most :data:`MAX_NOTES_PER_FILE` problems, plus one that counts the rest.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, warning
from mtasts_tui.reports.mail import Attachment, MailError, MessageReader
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.parse import ReportParseError, domain_from_filename, parse_report
from mtasts_tui.reports.summary import ReportSummary, capped_finding

MAX_REPORT_BYTES = 20 * 1024 * 1024
"""Largest decompressed report accepted (RFC 8460 §5.2 mentions 10 MB receiver limits)."""
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest e-mail read (streamed; its attachments are capped at :data:`MAX_REPORT_BYTES`)."""
MAX_ARCHIVE_TOTAL = 128 * 1024 * 1024
"""Largest total decompressed size taken from one zip archive."""
MAX_FILE_WORK = 128 * 1024 * 1024
"""Most bytes one file (with its members and attachments) may decompress in all."""
MAX_GZIP_MEMBERS = 10_000
"""Most gzip members in one report; real reports have one."""
MAX_ZIP_MEMBERS = 10_000
"""Most members in one zip archive."""
MAX_ZIP_DIRECTORY = 4 * 1024 * 1024
"""Largest zip central directory (it is parsed whole when the archive is opened)."""
MAX_NOTES_PER_FILE = 20
"""Problems kept per file; the rest are counted in one more finding."""
MAX_PROBLEMS = 1_000
"""Problems kept from one run over many files; the rest are counted in one more finding."""
MAX_LINE = 64 * 1024
"""Mail is read in lines of at most this many bytes (longer lines arrive in pieces)."""
_CHUNK = 256 * 1024

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
REPORT_MEDIA_TYPES = frozenset(
    {
        "application/tlsrpt+gzip",
        "application/tlsrpt+json",
        "application/gzip",
        "application/x-gzip",
        "application/json",
        "application/zip",
        "application/x-zip-compressed",
    }
)
REPORT_SUFFIXES = (".json", ".json.gz", ".gz", ".zip")
_MAILBOX_SUFFIXES = (".mbox",)
_EMAIL_SUFFIXES = (".eml", ".msg")
_EMAIL_HEADER_STARTS = (
    b"received:",
    b"return-path:",
    b"from:",
    b"to:",
    b"subject:",
    b"date:",
    b"mime-version:",
    b"message-id:",
    b"delivered-to:",
    b"dkim-signature:",
    b"x-",
    b"tls-report-",
)


@dataclass(frozen=True, slots=True)
class RawReport:
    """The bytes of one report (decompressed), not yet parsed."""

    source: str
    """Where it came from: a path, or ``path [member]`` for archive members and attachments."""
    data: bytes
    """The report JSON, at most :data:`MAX_REPORT_BYTES`."""
    domain_hint: str | None = None
    """Policy domain from the file name or ``TLS-Report-Domain`` header, if any."""


_Item = TypeVar("_Item", RawReport | Finding, ParsedReport | Finding)


class TooLarge(ValueError):
    """A report decompresses to more than the cap, or a file to more than its work budget."""


class NotRegular(OSError):
    """The path is a FIFO, device, socket or folder where a regular file was expected."""


class WorkBudget:
    """Bytes one file may still decompress, shared by its members and attachments."""

    def __init__(self, limit: int = MAX_FILE_WORK) -> None:
        self.remaining = limit

    def take(self, n: int) -> None:
        self.remaining -= n
        if self.remaining < 0:
            raise TooLarge(
                f"the file decompresses to more than {MAX_FILE_WORK // (1024 * 1024)} MiB "
                "in all; the rest was refused"
            )


def unreadable(why: str, subject: str) -> Finding:
    return warning("report-unreadable", f"Skipped: {why}.", subject)


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file, without ever blocking.

    Checked before opening (a FIFO would block ``open``), then opened with ``O_NONBLOCK`` and
    checked again on the descriptor, so a FIFO swapped in between is refused, not waited on.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegular(f"{_kind(mode)}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(f"{_kind(mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def iter_report_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[RawReport | Finding]:
    """Every report found under ``paths``, in a stable order, plus a Finding for each problem."""
    yield from _bound_notes(_raw_sources(paths))


def _raw_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[RawReport | Finding]:
    for p in paths:
        path = Path(p)
        try:
            if path.is_dir():
                yield from _walk_dir(path)
            elif os.path.lexists(path):
                yield from _guarded(_read_file(path, explicit=True), str(path))
            else:
                yield warning("report-path-missing", "No such file or folder.", str(path))
        except Exception as exc:  # one bad input never stops the others
            yield unreadable(_why(exc), str(path))


def iter_reports(paths: Iterable[str | os.PathLike[str]]) -> Iterator[ParsedReport | Finding]:
    """Like :func:`iter_report_sources`, with each report parsed (parse failures -> Findings)."""
    yield from _bound_notes(_parsed(_raw_sources(paths)))


def _parsed(items: Iterator[RawReport | Finding]) -> Iterator[ParsedReport | Finding]:
    for item in items:
        if isinstance(item, Finding):
            yield item
            continue
        try:
            yield parse_report(item.data, item.source, domain_hint=item.domain_hint)
        except ReportParseError as exc:
            yield exc.finding
        except Exception as exc:  # a value the parser did not foresee spoils one report only
            yield unreadable(f"the report could not be read ({_why(exc)})", item.source)


def summarise_paths(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[ReportSummary, int, list[Finding]]:
    """Read every report under ``paths`` into one summary: (summary, reports read, problems)."""
    summary = ReportSummary()
    problems: list[Finding] = []
    unlisted = read = 0
    for item in iter_reports(paths):
        if isinstance(item, Finding):
            if len(problems) < MAX_PROBLEMS:
                problems.append(item)
            else:
                unlisted += 1
        else:
            read += 1
            summary.add(item)
    if unlisted:
        problems.append(
            warning("reports-problems-truncated", f"{unlisted:,} more problem(s) are not listed.")
        )
    if summary.capped:
        problems.append(capped_finding())
    return summary, read, problems


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return text[:300]


def _guarded(items: Iterator[RawReport | Finding], subject: str) -> Iterator[RawReport | Finding]:
    """One file's items; whatever goes wrong in it becomes one more problem about that file."""
    try:
        yield from items
    except Exception as exc:
        yield unreadable(_why(exc), subject)


def _file_of(subject: str | None) -> str | None:
    """The file a subject names: ``path [member]`` and ``path [message 3]`` belong to ``path``."""
    return subject.split(" [", 1)[0] if subject else None


def _bound_notes(items: Iterator[_Item]) -> Iterator[_Item | Finding]:
    """Pass at most :data:`MAX_NOTES_PER_FILE` problems per file on, then one that counts the rest.

    A file's items arrive together, so a change of file name closes the previous file's count.
    """
    current: str | None = None
    notes = dropped = 0

    def summary() -> Finding:
        return warning(
            "report-problems-truncated",
            f"{dropped:,} more problem(s) in this file are not listed.",
            current,
        )

    for item in items:
        key = _file_of(item.subject if isinstance(item, Finding) else item.source)
        if key != current:
            if dropped:
                yield summary()
            current, notes, dropped = key, 0, 0
        if isinstance(item, Finding) and key is not None:
            notes += 1
            if notes > MAX_NOTES_PER_FILE:
                dropped += 1
                continue
        yield item
    if dropped:
        yield summary()


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _looks_like_report_name(name: str) -> bool:
    return name.lower().endswith(REPORT_SUFFIXES + _MAILBOX_SUFFIXES + _EMAIL_SUFFIXES)


def _walk_dir(root: Path) -> Iterator[RawReport | Finding]:
    if is_maildir(root):
        yield from _read_maildir(root)
        return
    try:
        with os.scandir(root) as it:
            names = sorted(e.name for e in it)  # names only: a big folder costs little memory
    except OSError as exc:
        yield unreadable(f"cannot list the folder ({_why(exc)})", str(root))
        return
    for name in names:
        entry = root / name
        if entry.name.startswith("."):
            if entry.is_dir() and not entry.is_symlink() and is_maildir(entry):
                yield from _read_maildir(entry)  # Maildir++ sub-folders are dot-named
            continue
        try:
            if entry.is_symlink() and entry.is_dir():
                continue  # no loops
            if entry.is_dir():
                yield from _walk_dir(entry)
            elif entry.is_file():
                yield from _guarded(_read_file(entry, explicit=False), str(entry))
            elif _looks_like_report_name(name) and os.path.lexists(entry):
                mode = os.stat(entry).st_mode
                yield unreadable(f"{_kind(mode)}, not a regular file", str(entry))
        except Exception as exc:
            yield unreadable(_why(exc), str(entry))


def _read_file(path: Path, *, explicit: bool) -> Iterator[RawReport | Finding]:
    name = path.name.lower()
    subject = str(path)
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(512)
        fh.seek(0)
        budget = WorkBudget()
        if name.endswith(_MAILBOX_SUFFIXES) or (
            head.startswith(b"From ") and not name.endswith(_EMAIL_SUFFIXES)
        ):
            yield from _read_mbox(fh, subject, budget)
        elif head.startswith(ZIP_MAGIC) or name.endswith(".zip"):
            yield from _read_zip(fh, subject, budget)
        elif name.endswith(_EMAIL_SUFFIXES) or (
            not head.startswith(GZIP_MAGIC)
            and not name.endswith(".json")
            and not _looks_like_json(head)
            and _looks_like_email(head)
        ):
            if size > MAX_MESSAGE_BYTES:
                raise TooLarge(f"the e-mail is larger than {_mib(MAX_MESSAGE_BYTES)}")
            yield from _read_email(_lines(fh), subject, budget)
        elif head.startswith(GZIP_MAGIC) or name.endswith(".json") or _looks_like_json(head):
            yield from _read_report_file(fh, size, subject, domain_from_filename(path.name), budget)
        elif explicit or name.endswith(REPORT_SUFFIXES):
            yield unreadable("not a JSON, gzip, zip, e-mail or mbox file", subject)
        # Other files met while walking a folder (notes, index files) are not reports: ignored.


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _looks_like_email(head: bytes) -> bool:
    return head.lower().startswith(_EMAIL_HEADER_STARTS)


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    while chunk := fh.read(_CHUNK):
        yield chunk


def _lines(fh: BinaryIO) -> Iterator[bytes]:
    while line := fh.readline(MAX_LINE):
        yield line


def _read_report_file(
    fh: BinaryIO, size: int, subject: str, hint: str | None, budget: WorkBudget
) -> Iterator[RawReport | Finding]:
    try:
        head = fh.read(2)
        fh.seek(0)
        if head == GZIP_MAGIC:
            data = gunzip_capped(_chunks(fh), budget=budget)
        else:
            if size > MAX_REPORT_BYTES:  # checked before reading a byte of it
                raise TooLarge(f"larger than {_mib(MAX_REPORT_BYTES)}; refused")
            data = fh.read(MAX_REPORT_BYTES + 1)
            if len(data) > MAX_REPORT_BYTES:  # it grew since fstat
                raise TooLarge(f"larger than {_mib(MAX_REPORT_BYTES)}; refused")
    except (TooLarge, ValueError, zlib.error, EOFError) as exc:
        yield unreadable(_why(exc), subject)
        return
    yield RawReport(subject, data, hint)


def gunzip_capped(
    data: bytes | Iterable[bytes],
    limit: int = MAX_REPORT_BYTES,
    *,
    max_members: int = MAX_GZIP_MEMBERS,
    budget: WorkBudget | None = None,
) -> bytes:
    """Decompress (possibly multi-member) gzip, refusing output beyond ``limit`` bytes.

    Streams: each input chunk is handed to the decompressor once and what a member leaves over is
    at most one chunk, so the time is linear in the input however many members it has.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        chunks: Iterable[bytes] = (bytes(view[i : i + _CHUNK]) for i in range(0, len(view), _CHUNK))
    else:
        chunks = data
    out = bytearray()
    members = 0
    d: zlib._Decompress | None = None
    carry = b""
    for chunk in chunks:
        buf = carry + chunk if carry else chunk
        carry = b""
        while buf:
            if d is None:  # between members: zero padding, the next member, or trailing junk
                buf = buf.lstrip(b"\x00")
                if not buf:
                    break
                if len(buf) < 2:
                    carry = buf
                    break
                if not buf.startswith(GZIP_MAGIC):
                    return _done(out, members)  # trailing garbage: ignored, like gzip(1)
                members += 1
                if members > max_members:
                    raise TooLarge(f"more than {max_members:,} gzip members; refused")
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            before = len(out)
            out += d.decompress(buf, limit + 1 - len(out))
            if budget is not None:
                budget.take(len(out) - before)
            if len(out) > limit or d.unconsumed_tail:
                raise TooLarge(f"decompresses to more than {_mib(limit)}; refused")
            if d.eof:
                buf, d = d.unused_data, None
            else:
                buf = b""
    if d is not None:
        raise ValueError("truncated gzip data")
    return _done(out, members)


def _done(out: bytearray, members: int) -> bytes:
    if not members:
        raise ValueError("not gzip data")
    return bytes(out)


def _from_blob(
    data: bytes, subject: str, hint: str | None, budget: WorkBudget
) -> Iterator[RawReport | Finding]:
    """A report that may be gzip-compressed (recognised by magic bytes, not the name)."""
    try:
        if data.startswith(GZIP_MAGIC):
            data = gunzip_capped(data, budget=budget)
        elif len(data) > MAX_REPORT_BYTES:
            raise TooLarge(f"larger than {_mib(MAX_REPORT_BYTES)}; refused")
    except (TooLarge, ValueError, zlib.error, EOFError) as exc:
        yield unreadable(_why(exc), subject)
        return
    yield RawReport(subject, data, hint)


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def _zip_directory_size(fh: BinaryIO) -> tuple[int, int] | None:
    """(members, central directory bytes) from the end record, before zipfile parses it all."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    tail_len = min(end, 22 + 65535)
    fh.seek(end - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    entries, cd_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = tail.rfind(_ZIP64_LOCATOR, 0, at)
        if loc >= 0 and at - loc >= 20:
            (offset,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
            if offset < end:
                fh.seek(offset)
                rec = fh.read(56)
                if len(rec) == 56 and rec.startswith(b"PK\x06\x06"):
                    entries, cd_size = struct.unpack("<QQ", rec[32:48])
    return entries, cd_size


def _open_zip(fh: BinaryIO, subject: str) -> zipfile.ZipFile | Finding:
    try:
        sizes = _zip_directory_size(fh)
        fh.seek(0)
        if sizes is not None:
            entries, cd_size = sizes
            if entries > MAX_ZIP_MEMBERS:
                return unreadable(
                    f"the zip archive has {entries:,} members, more than {MAX_ZIP_MEMBERS:,}",
                    subject,
                )
            if cd_size > MAX_ZIP_DIRECTORY:
                return unreadable(
                    f"the zip archive's directory is larger than {_mib(MAX_ZIP_DIRECTORY)}",
                    subject,
                )
        return zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        return unreadable(f"not a readable zip archive ({_why(exc)})", subject)


def _read_zip(fh: BinaryIO, subject: str, budget: WorkBudget) -> Iterator[RawReport | Finding]:
    zf = _open_zip(fh, subject)
    if isinstance(zf, Finding):
        yield zf
        return
    with zf:
        yield from _zip_members(zf, subject, budget)


def _zip_members(
    zf: zipfile.ZipFile, subject: str, budget: WorkBudget
) -> Iterator[RawReport | Finding]:
    total = 0
    found = False
    members = zf.infolist()
    if len(members) > MAX_ZIP_MEMBERS:  # the end record understated them
        yield unreadable(
            f"the zip archive has more than {MAX_ZIP_MEMBERS:,} members; the rest were refused",
            subject,
        )
        members = members[:MAX_ZIP_MEMBERS]
    for member in members:
        if member.is_dir():
            continue
        where = f"{subject} [{member.filename[:300]}]"
        lower = member.filename.lower()
        if not lower.endswith((".json", ".gz")):
            continue
        found = True
        if total > MAX_ARCHIVE_TOTAL:
            yield unreadable("the archive's total size is over the limit; rest refused", where)
            continue
        try:
            with zf.open(member) as fh:
                # Never trust the declared size: read at most the cap plus one byte.
                data = fh.read(MAX_REPORT_BYTES + 1)
            total += len(data)
            budget.take(len(data))
            if len(data) > MAX_REPORT_BYTES:
                raise TooLarge(f"larger than {_mib(MAX_REPORT_BYTES)}; refused")
        except (TooLarge, zipfile.BadZipFile, OSError, ValueError, zlib.error, EOFError) as exc:
            yield unreadable(_why(exc), where)
            if budget.remaining < 0:
                return
            continue
        except NotImplementedError as exc:  # unsupported compression method
            yield unreadable(_why(exc), where)
            continue
        yield from _from_blob(data, where, domain_from_filename(member.filename), budget)
        if budget.remaining < 0:
            return
    if not found:
        yield unreadable("the zip archive holds no .json or .json.gz report", subject)


def _read_zip_bytes(data: bytes, subject: str, budget: WorkBudget) -> Iterator[RawReport | Finding]:
    zf = _open_zip(io.BytesIO(data), subject)
    if isinstance(zf, Finding):
        yield zf
        return
    with zf:
        yield from _zip_members(zf, subject, budget)


def _wanted(ctype: str, filename: str) -> bool:
    return ctype in REPORT_MEDIA_TYPES or filename.lower().endswith(REPORT_SUFFIXES)


def _read_email(
    lines: Iterator[bytes], subject: str, budget: WorkBudget, *, in_mailbox: bool = False
) -> Iterator[RawReport | Finding]:
    """The report attachments of one e-mail (other mail in a mailbox is passed over quietly)."""
    reader = MessageReader(lines, wanted=_wanted, cap=MAX_REPORT_BYTES)
    found = False
    try:
        for part in reader.attachments():
            found = True
            yield from _attachment(part, reader, subject, budget)
    except MailError as exc:
        yield unreadable(_why(exc), subject)
        return
    if not found and not in_mailbox:
        yield unreadable("the e-mail has no TLS-RPT report attachment", subject)


def _attachment(
    part: Attachment, reader: MessageReader, subject: str, budget: WorkBudget
) -> Iterator[RawReport | Finding]:
    where = f"{subject} [{part.filename[:300] or f'part {part.index}'}]"
    if part.data is None:
        yield unreadable(part.problem or "the attachment could not be decoded", where)
        return
    if not part.data:
        yield unreadable("the attachment is empty", where)
        return
    header_domain = reader.headers.get("TLS-Report-Domain")
    hint = None
    if isinstance(header_domain, str) and header_domain.strip():
        hint = normalize_host(header_domain)[:300]
    part_hint = domain_from_filename(part.filename) if part.filename else None
    if part.data.startswith(ZIP_MAGIC):
        yield from _read_zip_bytes(part.data, where, budget)
    else:
        yield from _from_blob(part.data, where, part_hint or hint, budget)


class _MboxMessage:
    """The lines of one message in an mbox: up to the next ``From `` line, capped in size."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self.size = 0
        self.next_from: bytes | None = None
        self._done = False

    def __iter__(self) -> _MboxMessage:
        return self

    def __next__(self) -> bytes:
        if self._done:
            raise StopIteration
        line = next(self._lines, None)
        if line is None or line.startswith(b"From "):
            self._done = True
            self.next_from = line
            raise StopIteration
        self.size += len(line)
        if self.size > MAX_MESSAGE_BYTES:
            raise TooLarge(f"the message is larger than {_mib(MAX_MESSAGE_BYTES)}")
        return line

    def drain(self) -> bytes | None:
        """Skip what the reader left of this message; return the next ``From `` line."""
        while not self._done:
            line = next(self._lines, None)
            if line is None or line.startswith(b"From "):
                self._done = True
                self.next_from = line
        return self.next_from


def _read_mbox(fh: BinaryIO, subject: str, budget: WorkBudget) -> Iterator[RawReport | Finding]:
    lines = _lines(fh)
    line = next(lines, None)
    while line is not None and not line.startswith(b"From "):
        line = next(lines, None)  # anything before the first separator is not a message
    n = 0
    while line is not None:
        n += 1
        where = f"{subject} [message {n}]"
        message = _MboxMessage(lines)
        try:
            yield from _read_email(message, where, budget, in_mailbox=True)
        except Exception as exc:
            yield unreadable(_why(exc), where)
            if budget.remaining < 0:
                return
        line = message.drain()


def _read_maildir(root: Path) -> Iterator[RawReport | Finding]:
    for sub in ("cur", "new"):
        folder = root / sub
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it if not e.name.startswith("."))
        except OSError as exc:
            yield unreadable(f"cannot list the folder ({_why(exc)})", str(folder))
            continue
        for name in names:
            path = folder / name
            yield from _guarded(_read_maildir_message(path), str(path))


def _read_maildir_message(path: Path) -> Iterator[RawReport | Finding]:
    subject = str(path)
    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size > MAX_MESSAGE_BYTES:
            raise TooLarge(f"the message is larger than {_mib(MAX_MESSAGE_BYTES)}")
        yield from _read_email(_lines(fh), subject, WorkBudget(), in_mailbox=True)


def iter_email_reports(data: bytes, subject: str) -> Iterator[RawReport | Finding]:
    """The report attachments of one e-mail held in memory (IMAP intake); a Finding per problem.

    A message without a report attachment yields one ``report-unreadable`` Finding saying so.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        yield unreadable(f"the message is larger than {_mib(MAX_MESSAGE_BYTES)}", subject)
        return
    lines = _lines(io.BytesIO(data))
    yield from _guarded(_read_email(lines, subject, WorkBudget()), subject)
