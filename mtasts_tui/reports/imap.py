"""IMAP intake: fetch TLS-RPT report mails into the store, incrementally and losslessly.

The protocol is imapclient's; this module decides what to fetch and when to commit. The store
keeps a cursor per mailbox (UIDVALIDITY + last UID read). Messages are fetched in small batches,
and each batch's reports are committed in the same transaction as the cursor that moves past
them, so a connection cut mid-run loses nothing and the next run starts right after the last
committed batch. A UIDVALIDITY change (the server renumbered the folder) rescans the folder from
the start; reports are de-duplicated by (organisation, report-id), so a rescan stores nothing twice.
"""

from __future__ import annotations

import email.parser
import email.policy
import imaplib
import socket
import sqlite3
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mtasts_tui.core.findings import Finding, warning
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.sources import MAX_MESSAGE_BYTES, iter_email_reports
from mtasts_tui.reports.store import ImapCursor, ReportStore
from mtasts_tui.store.db import transaction

PASSWORD_ENV_VAR = "MTASTS_TUI_IMAP_PASSWORD"
BATCH_MESSAGES = 50
"""Messages fetched per round trip (and per commit)."""
BATCH_BYTES = 16 * 1024 * 1024
"""A batch stops growing past this many bytes of mail, so memory stays bounded."""
SEARCH_LIMIT = 1_000_000
"""More new UIDs than this in one run are left for the next run."""


class ImapUrlError(ValueError):
    """The ``--imap`` URL is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class ImapUrl:
    """``imaps://USER@HOST[:PORT]/FOLDER`` (or ``imap://`` with STARTTLS), parsed."""

    starttls: bool
    """True for ``imap://`` (plain connect, then STARTTLS); False for ``imaps://``."""
    user: str
    host: str
    port: int
    folder: str
    """The folder to read; INBOX when the URL has no path."""

    @property
    def key(self) -> str:
        """The store's name for this mailbox (no password, ever)."""
        scheme = "imap" if self.starttls else "imaps"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{self.user}@{host}:{self.port}/{self.folder}"


def parse_imap_url(text: str) -> ImapUrl:
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise ImapUrlError(f"not an IMAP URL ({exc})") from None
    if parts.scheme not in ("imap", "imaps"):
        raise ImapUrlError("use imaps://USER@HOST[:PORT]/FOLDER (or imap:// for STARTTLS)")
    if parts.password is not None:
        raise ImapUrlError(f"no password in the URL: set {PASSWORD_ENV_VAR} or type it when asked")
    if not parts.username or not parts.hostname:
        raise ImapUrlError("the URL needs a user and a host: imaps://USER@HOST/FOLDER")
    if parts.query or parts.fragment:
        raise ImapUrlError("the URL takes no ?query or #fragment")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    starttls = parts.scheme == "imap"
    return ImapUrl(
        starttls=starttls,
        user=unquote(parts.username),
        host=parts.hostname,
        port=port if port is not None else (143 if starttls else 993),
        folder=folder,
    )


@dataclass(frozen=True, slots=True)
class ImapRunResult:
    """What one intake run did."""

    mailbox: str
    """The mailbox's store key (``imaps://user@host:port/folder``)."""
    rescanned: bool
    """True when the folder was read from the start (first run or UIDVALIDITY changed)."""
    messages: int
    """Messages fetched and committed this run."""
    new_reports: int
    """Reports stored for the first time."""
    duplicates: int
    """Reports already in the store (same organisation and report-id)."""
    notes: tuple[Finding, ...]
    """One per skipped message or attachment (not a report, malformed, too large)."""
    moved: int = 0
    """Report messages moved with ``--move-to``."""
    error: str | None = None
    """Why the run stopped early; what was committed before stays committed."""


@dataclass(slots=True)
class _Tally:
    messages: int = 0
    new: int = 0
    duplicates: int = 0
    moved: int = 0
    notes: list[Finding] = field(default_factory=list)


def _connect(url: ImapUrl, context: ssl.SSLContext, timeout: float) -> Any:
    from imapclient import IMAPClient

    client = IMAPClient(
        url.host, port=url.port, ssl=not url.starttls, ssl_context=context, timeout=timeout
    )
    if url.starttls:
        client.starttls(context)
    return client


def _subject_of(data: bytes) -> str:
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
            data[:65536]
        )
        value = headers.get("Subject")
    except Exception:
        return ""
    return str(value)[:120] if value is not None else ""


def _message_reports(uid: int, data: bytes, tally: _Tally) -> Iterator[tuple[Any, bytes]]:
    """(parsed report, raw JSON) for each report attachment; notes for everything skipped."""
    where = f"UID {uid}"
    subject = _subject_of(data)
    if subject:
        where += f" ({subject!r})"
    for item in iter_email_reports(data, where):
        if isinstance(item, Finding):
            tally.notes.append(item)
            continue
        try:
            report = parse_report(item.data, item.source, domain_hint=item.domain_hint)
        except ReportParseError as exc:
            tally.notes.append(exc.finding)
            continue
        except Exception as exc:  # a reader bug must not stall the mailbox on this message
            tally.notes.append(
                warning("report-unreadable", f"Skipped: {type(exc).__name__}.", item.source)
            )
            continue
        yield report, item.data


def _batches(sizes: dict[int, int]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid in sorted(sizes):
        size = sizes[uid]
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def run_imap_intake(
    url: ImapUrl,
    password: str,
    store: ReportStore,
    *,
    context: ssl.SSLContext,
    timeout: float = 30.0,
    mark_seen: bool = False,
    move_to: str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ImapRunResult:
    """Fetch every message newer than the stored cursor into ``store``; see the module docstring.

    ``on_batch`` is called with the number of messages committed so far, after each commit.
    Never raises for network or server trouble: the result's ``error`` says what went wrong.
    """
    from imapclient.exceptions import IMAPClientError

    tally = _Tally()
    rescanned = False
    client: Any = None
    try:
        client = _connect(url, context, timeout)
        client.login(url.user, password)
        info = client.select_folder(url.folder, readonly=not (mark_seen or move_to))
        uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        cursor = store.imap_cursor(url.key)
        if cursor is None or cursor.uidvalidity != uidvalidity:
            rescanned = True
            start = 1
        else:
            start = cursor.last_uid + 1
        # "N:*" always matches the newest message, even when its UID is below N: filter.
        uids = [u for u in client.search(["UID", f"{start}:*"]) if u >= start][:SEARCH_LIMIT]
        for chunk_start in range(0, len(uids), 500):
            chunk = uids[chunk_start : chunk_start + 500]
            sizes = {
                uid: int(d.get(b"RFC822.SIZE", 0))
                for uid, d in client.fetch(chunk, ["RFC822.SIZE"]).items()
            }
            for batch in _batches(sizes):
                _one_batch(client, store, url, uidvalidity, batch, sizes, tally, mark_seen, move_to)
                if on_batch is not None:
                    on_batch(tally.messages)
        if rescanned and not uids:
            with store.write_lock(), transaction(store.conn):
                store.set_imap_cursor_in_transaction(url.key, ImapCursor(uidvalidity, 0))
        error = None
    except (IMAPClientError, imaplib.IMAP4.error, OSError, EOFError, ValueError) as exc:
        error = _describe(exc)
    except sqlite3.Error as exc:  # the open batch was rolled back; it is fetched again next run
        error = f"the store failed: {exc}"
    finally:
        if client is not None:
            try:
                client.logout()
            except Exception:
                try:
                    client.shutdown()
                except Exception:
                    pass
    return ImapRunResult(
        mailbox=url.key,
        rescanned=rescanned,
        messages=tally.messages,
        new_reports=tally.new,
        duplicates=tally.duplicates,
        notes=tuple(tally.notes),
        moved=tally.moved,
        error=error,
    )


def _one_batch(
    client: Any,
    store: ReportStore,
    url: ImapUrl,
    uidvalidity: int,
    batch: list[int],
    sizes: dict[int, int],
    tally: _Tally,
    mark_seen: bool,
    move_to: str | None,
) -> None:
    wanted = [u for u in batch if sizes[u] <= MAX_MESSAGE_BYTES]
    for uid in batch:
        if sizes[uid] > MAX_MESSAGE_BYTES:
            tally.notes.append(
                warning(
                    "report-unreadable",
                    f"Skipped: larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB.",
                    f"UID {uid}",
                )
            )
    # BODY.PEEK leaves \Seen alone unless --mark-seen asks for it.
    fetched = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
    report_uids: list[int] = []
    batch_notes: list[Finding] = []
    new = dup = 0
    with store.write_lock(), transaction(store.conn):
        for uid in sorted(fetched):
            data = fetched[uid].get(b"BODY[]")
            if not isinstance(data, bytes):
                batch_notes.append(warning("report-unreadable", "Skipped: no body.", f"UID {uid}"))
                continue
            sub = _Tally()
            found = False
            for report, raw in _message_reports(uid, data, sub):
                found = True
                if store.add_in_transaction(report, raw, "imap"):
                    new += 1
                else:
                    dup += 1
            batch_notes.extend(sub.notes)
            if found:
                report_uids.append(uid)
        store.set_imap_cursor_in_transaction(url.key, ImapCursor(uidvalidity, max(batch)))
    tally.messages += len(batch)
    tally.new += new
    tally.duplicates += dup
    tally.notes.extend(batch_notes)
    # Flags and moves come after the commit: a cut here leaves a stored report unflagged, never
    # a flagged report unstored.
    if report_uids and mark_seen:
        client.add_flags(report_uids, [b"\\Seen"])
    if report_uids and move_to:
        client.move(report_uids, move_to)
        tally.moved += len(report_uids)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the IMAP server did not answer in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the IMAP server's certificate is not trusted ({exc.verify_message})"
    text = str(exc) or type(exc).__name__
    if text.startswith(("b'", 'b"')):  # imapclient wraps the server's bytes reply
        text = text[2:-1]
    return f"{type(exc).__name__}: {text}"[:300]
