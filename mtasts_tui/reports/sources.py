"""Find and read TLS-RPT reports on disk: the only I/O in ``mtasts_tui.reports``.

Accepted inputs (RFC 8460 §5): ``.json``; gzip (``.json.gz``, recognised by its magic bytes);
``.zip`` (every JSON or gzip member); e-mails (``.eml``) whose report attachments are
``application/tlsrpt+gzip``, ``application/tlsrpt+json``, ``application/gzip``,
``application/json``, ``application/zip`` or named ``*.json``/``*.gz``/``*.zip``; ``.mbox`` files;
Maildir folders (``cur/`` and ``new/``); and any folder, walked recursively.

Nothing is written. One unreadable file, member or attachment becomes a problem Finding (code
``report-unreadable``, subject = where) and is skipped. Every decompressed report is capped at
:data:`MAX_REPORT_BYTES` so a gzip or zip bomb costs at most that much memory.
"""

from __future__ import annotations

import email
import email.message
import io
import mailbox
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtasts_tui.core.findings import Finding, warning
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.parse import ReportParseError, domain_from_filename, parse_report
from mtasts_tui.reports.summary import ReportSummary

MAX_REPORT_BYTES = 20 * 1024 * 1024
"""Largest decompressed report accepted (RFC 8460 §5.2 mentions 10 MB receiver limits)."""
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest e-mail (or plain file) read into memory."""
MAX_ARCHIVE_TOTAL = 512 * 1024 * 1024
"""Largest total decompressed size taken from one zip archive."""

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


class TooLarge(ValueError):
    """A report decompresses to more than the cap."""


def unreadable(why: str, subject: str) -> Finding:
    return warning("report-unreadable", f"Skipped: {why}.", subject)


def iter_report_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[RawReport | Finding]:
    """Every report found under ``paths``, in a stable order, plus a Finding for each problem."""
    for p in paths:
        path = Path(p)
        try:
            if path.is_dir():
                yield from _walk_dir(path)
            elif path.exists():
                yield from _read_file(path, explicit=True)
            else:
                yield warning("report-path-missing", "No such file or folder.", str(path))
        except Exception as exc:  # one bad input never stops the others
            yield unreadable(_why(exc), str(path))


def iter_reports(paths: Iterable[str | os.PathLike[str]]) -> Iterator[ParsedReport | Finding]:
    """Like :func:`iter_report_sources`, with each report parsed (parse failures -> Findings)."""
    for item in iter_report_sources(paths):
        if isinstance(item, Finding):
            yield item
            continue
        try:
            yield parse_report(item.data, item.source, domain_hint=item.domain_hint)
        except ReportParseError as exc:
            yield exc.finding


def summarise_paths(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[ReportSummary, int, list[Finding]]:
    """Read every report under ``paths`` into one summary: (summary, reports read, problems)."""
    summary = ReportSummary()
    problems: list[Finding] = []
    read = 0
    for item in iter_reports(paths):
        if isinstance(item, Finding):
            problems.append(item)
        else:
            read += 1
            summary.add(item)
    return summary, read, problems


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


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
                yield from _read_file(entry, explicit=False)
        except Exception as exc:
            yield unreadable(_why(exc), str(entry))


def _read_file(path: Path, *, explicit: bool) -> Iterator[RawReport | Finding]:
    name = path.name.lower()
    subject = str(path)
    if name.endswith(_MAILBOX_SUFFIXES):
        yield from _read_mbox(path)
        return
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(ZIP_MAGIC) or name.endswith(".zip"):
        yield from _read_zip(path, subject)
        return
    if name.endswith(_EMAIL_SUFFIXES):
        yield from _read_email(_read_capped(path), subject)
        return
    if head.startswith(GZIP_MAGIC) or name.endswith(".json") or _looks_like_json(head):
        yield from _from_blob(_read_capped(path), subject, domain_from_filename(path.name))
        return
    if head.startswith(b"From "):
        yield from _read_mbox(path)
        return
    if _looks_like_email(head):
        yield from _read_email(_read_capped(path), subject)
        return
    if explicit or name.endswith(REPORT_SUFFIXES):
        yield unreadable("not a JSON, gzip, zip, e-mail or mbox file", subject)
    # Other files met while walking a folder (notes, index files) are not reports: ignored.


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _looks_like_email(head: bytes) -> bool:
    return head.lower().startswith(_EMAIL_HEADER_STARTS)


def _read_capped(path: Path) -> bytes:
    with path.open("rb") as fh:
        # Check the size first: read(cap + 1) would allocate the whole cap for every small file.
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_MESSAGE_BYTES:
            raise TooLarge(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB")
        data = fh.read(size + 1)
        if len(data) > size:  # it grew since fstat (rare): read on, still capped
            data += fh.read(MAX_MESSAGE_BYTES + 1 - len(data))
    if len(data) > MAX_MESSAGE_BYTES:
        raise TooLarge(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB")
    return data


def gunzip_capped(data: bytes, limit: int = MAX_REPORT_BYTES) -> bytes:
    """Decompress (possibly multi-member) gzip, refusing output beyond ``limit`` bytes."""
    out = bytearray()
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = d.decompress(rest, limit + 1 - len(out))
        out += chunk
        if len(out) > limit or d.unconsumed_tail:
            raise TooLarge(f"decompresses to more than {limit // (1024 * 1024)} MiB; refused")
        if not d.eof:
            raise ValueError("truncated gzip data")
        rest = d.unused_data.lstrip(b"\x00")
        if rest and not rest.startswith(GZIP_MAGIC):
            break  # trailing garbage after a complete member: ignore it, like gzip(1)
    return bytes(out)


def _from_blob(data: bytes, subject: str, hint: str | None) -> Iterator[RawReport | Finding]:
    """A report that may be gzip-compressed (recognised by magic bytes, not the name)."""
    try:
        if data.startswith(GZIP_MAGIC):
            data = gunzip_capped(data)
        elif len(data) > MAX_REPORT_BYTES:
            raise TooLarge(f"larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB; refused")
    except (TooLarge, ValueError, zlib.error, EOFError) as exc:
        yield unreadable(_why(exc), subject)
        return
    yield RawReport(subject, data, hint)


def _read_zip(path: Path, subject: str) -> Iterator[RawReport | Finding]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield unreadable(f"not a readable zip archive ({_why(exc)})", subject)
        return
    with zf:
        yield from _zip_members(zf, subject)


def _zip_members(zf: zipfile.ZipFile, subject: str) -> Iterator[RawReport | Finding]:
    total = 0
    found = False
    for member in zf.infolist():
        if member.is_dir():
            continue
        where = f"{subject} [{member.filename}]"
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
            if len(data) > MAX_REPORT_BYTES:
                raise TooLarge(f"larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB; refused")
        except (TooLarge, zipfile.BadZipFile, OSError, ValueError, zlib.error, EOFError) as exc:
            yield unreadable(_why(exc), where)
            continue
        except NotImplementedError as exc:  # unsupported compression method
            yield unreadable(_why(exc), where)
            continue
        total += len(data)
        yield from _from_blob(data, where, domain_from_filename(member.filename))
    if not found:
        yield unreadable("the zip archive holds no .json or .json.gz report", subject)


def _read_zip_bytes(data: bytes, subject: str) -> Iterator[RawReport | Finding]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        yield unreadable(f"not a readable zip archive ({_why(exc)})", subject)
        return
    with zf:
        yield from _zip_members(zf, subject)


def _read_email(
    data: bytes, subject: str, *, in_mailbox: bool = False
) -> Iterator[RawReport | Finding]:
    """The report attachments of one e-mail (other mail in a mailbox is passed over quietly)."""
    msg = email.message_from_bytes(data)
    header_domain = msg.get("TLS-Report-Domain")
    hint = None
    if isinstance(header_domain, str) and header_domain.strip():
        hint = header_domain.strip().rstrip(".").lower()
    found = False
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        try:
            ctype = part.get_content_type()
            filename = part.get_filename() or ""
        except Exception:
            ctype, filename = "application/octet-stream", ""
        if ctype not in REPORT_MEDIA_TYPES and not filename.lower().endswith(REPORT_SUFFIXES):
            continue
        found = True
        where = f"{subject} [{filename or f'part {index}'}]"
        try:
            payload = part.get_payload(decode=True)
        except Exception as exc:
            yield unreadable(f"cannot decode the attachment ({_why(exc)})", where)
            continue
        if not isinstance(payload, bytes) or not payload:
            yield unreadable("the attachment is empty", where)
            continue
        part_hint = domain_from_filename(filename) if filename else None
        if payload.startswith(ZIP_MAGIC):
            yield from _read_zip_bytes(payload, where)
        else:
            yield from _from_blob(payload, where, part_hint or hint)
    if not found and not in_mailbox:
        yield unreadable("the e-mail has no TLS-RPT report attachment", subject)


def _read_mbox(path: Path) -> Iterator[RawReport | Finding]:
    box = mailbox.mbox(path, create=False)
    try:
        yield from _read_mailbox(box, str(path))
    finally:
        box.close()


def _read_maildir(path: Path) -> Iterator[RawReport | Finding]:
    box = mailbox.Maildir(path, factory=None, create=False)
    yield from _read_mailbox(box, str(path))


def _read_mailbox(box: mailbox.Mailbox[Any], subject: str) -> Iterator[RawReport | Finding]:
    try:
        keys = sorted(box.keys(), key=str)
    except Exception as exc:
        yield unreadable(f"cannot read the mailbox ({_why(exc)})", subject)
        return
    for n, key in enumerate(keys, start=1):
        where = f"{subject} [message {n}]"
        try:
            data = box.get_bytes(key)
            if len(data) > MAX_MESSAGE_BYTES:
                raise TooLarge(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB")
        except Exception as exc:
            yield unreadable(_why(exc), where)
            continue
        try:
            yield from _read_email(data, where, in_mailbox=True)
        except Exception as exc:
            yield unreadable(_why(exc), where)


def iter_email_reports(data: bytes, subject: str) -> Iterator[RawReport | Finding]:
    """The report attachments of one e-mail held in memory (IMAP intake); a Finding per problem.

    A message without a report attachment yields one ``report-unreadable`` Finding saying so.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        yield unreadable(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB", subject)
        return
    try:
        yield from _read_email(data, subject)
    except Exception as exc:  # a malformed message never stops the run
        yield unreadable(_why(exc), subject)
