"""IMAP intake against a real Dovecot on loopback (TLS from a test CA).

The INBOX holds 1,000 messages: 880 distinct reports from four organisations as gzip, zip and
plain JSON attachments, 40 re-sent duplicates, 50 spam mails and 30 broken report mails.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtasts_tui.reports.imap import ImapRunResult, parse_imap_url, run_imap_intake
from mtasts_tui.reports.sources import summarise_paths
from mtasts_tui.reports.store import ImapCursor, ReportStore
from mtasts_tui.store.db import transaction

from tests.intake.dovecot import PASSWORD, USER, Dovecot
from tests.intake.mailgen import DOMAINS, Mailbox, report_mail, spam_mail


def _context(server: Dovecot) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


@pytest.fixture(scope="module")
def ingested(
    dovecot: Dovecot, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ImapRunResult]:
    """One first run over the 1,000-message INBOX into a store file; tests work on copies."""
    db = tmp_path_factory.mktemp("ingested") / "store.sqlite3"
    url = parse_imap_url(dovecot.imaps_url())
    with ReportStore.open(db) as store:
        result = run_imap_intake(url, PASSWORD, store, context=_context(dovecot), timeout=10)
    return db, result


@pytest.fixture
def ingested_copy(ingested: tuple[Path, ImapRunResult], tmp_path: Path) -> Iterator[ReportStore]:
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(ingested[0], copy)
    with ReportStore.open(copy) as store:
        yield store


def test_first_run_stores_every_report_once_and_notes_each_skipped_message(
    ingested: tuple[Path, ImapRunResult], big_mailbox: Mailbox
) -> None:
    db, result = ingested
    assert result.error is None
    assert result.rescanned
    assert result.messages == big_mailbox.messages == 1000
    assert result.new_reports == big_mailbox.reports
    assert result.duplicates == big_mailbox.duplicates
    with ReportStore.open(db) as store:
        assert store.count() == 880
    # One note per spam or broken message, naming its UID.
    noted = {n.subject.split(" ")[1] for n in result.notes if n.subject}
    assert len(result.notes) == len(noted) == big_mailbox.skipped
    assert any("no TLS-RPT report attachment" in n.message for n in result.notes)
    assert any("not valid JSON" in n.message for n in result.notes)


def test_the_store_summarises_exactly_as_reading_the_maildir_does(
    dovecot: Dovecot, ingested_copy: ReportStore
) -> None:
    from_files, read, _problems = summarise_paths([dovecot.maildir])
    stored = ingested_copy.summary()
    assert stored.reports == from_files.reports_counted == read - 40 == 880
    for domain in DOMAINS:
        assert stored.summary.domain(domain) == from_files.domain(domain)
    assert stored.summary.domain("example.net").sts_failed > 0


def test_a_second_run_fetches_nothing_new(dovecot: Dovecot, ingested_copy: ReportStore) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    second = run_imap_intake(url, PASSWORD, ingested_copy, context=_context(dovecot))
    assert second.error is None
    assert (second.messages, second.new_reports, second.duplicates) == (0, 0, 0)
    assert not second.rescanned
    assert ingested_copy.count() == 880


def test_a_connection_cut_mid_fetch_loses_nothing_and_counts_nothing_twice(
    dovecot: Dovecot, store: ReportStore
) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    killed: list[int] = []

    def cut_after_three_batches(committed: int) -> None:
        if committed >= 150 and not killed:
            # Kill the server's imap process for our session: the socket dies mid-run.
            for pid in dovecot.imap_process_pids():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    first = run_imap_intake(
        url, PASSWORD, store, context=_context(dovecot), on_batch=cut_after_three_batches
    )
    assert killed, "no imap process was found to kill"
    assert first.error is not None
    assert 150 <= first.messages < 1000
    stored_after_cut = store.count()
    assert stored_after_cut == first.new_reports
    cursor = store.imap_cursor(url.key)
    assert cursor is not None and cursor.last_uid > 0

    second = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    assert second.error is None
    assert not second.rescanned
    assert first.messages + second.messages == 1000  # each message fetched exactly once
    assert first.new_reports + second.new_reports == 880 == store.count()
    assert first.duplicates + second.duplicates == 40


def test_a_uidvalidity_change_on_the_server_rescans_safely(
    dovecot: Dovecot, store: ReportStore
) -> None:
    dovecot.add_folder("Renumber", [report_mail(6000 + n, "gz") for n in range(5)] + [spam_mail(9)])
    url = parse_imap_url(dovecot.imaps_url("Renumber"))
    first = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    assert (first.messages, first.new_reports, first.rescanned) == (6, 5, True)
    before = store.imap_cursor(url.key)

    dovecot.renumber("Renumber")
    again = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    after = store.imap_cursor(url.key)
    assert before is not None and after is not None
    assert after.uidvalidity != before.uidvalidity
    assert again.error is None and again.rescanned
    assert (again.messages, again.new_reports, again.duplicates) == (6, 0, 5)
    assert store.count() == 5


def test_a_cursor_from_another_uidvalidity_is_not_trusted(
    dovecot: Dovecot, ingested_copy: ReportStore
) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    store = ingested_copy
    cursor = store.imap_cursor(url.key)
    assert cursor is not None
    with transaction(store.conn):
        store.set_imap_cursor_in_transaction(url.key, ImapCursor(cursor.uidvalidity + 1, 5))

    again = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    assert again.rescanned
    assert again.messages == 1000
    assert (again.new_reports, again.duplicates) == (0, 880 + 40)
    assert store.count() == 880


def test_an_untrusted_certificate_stops_before_login(dovecot: Dovecot, store: ReportStore) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    result = run_imap_intake(url, PASSWORD, store, context=ssl.create_default_context())
    assert result.error is not None and "not trusted" in result.error
    assert store.count() == 0


def test_a_wrong_password_is_a_clear_error(dovecot: Dovecot, store: ReportStore) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    result = run_imap_intake(url, "wrong", store, context=_context(dovecot), timeout=10)
    assert result.error is not None and "LoginError" in result.error
    assert store.count() == 0


def _cli(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    from mtasts_tui.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO())  # no terminal: never prompt
    code = main(["reports", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_starttls_mark_seen_and_move_to(
    dovecot: Dovecot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`reports --imap imap://...` with STARTTLS on a small folder, then the mails are moved."""
    mails = [report_mail(5000 + n, ("gz", "zip", "json")[n % 3]) for n in range(6)]
    dovecot.add_folder("Small", [*mails, spam_mail(1)])
    dovecot.add_folder("Done", [])
    db = tmp_path / "cli.sqlite3"
    args = [
        "--imap",
        dovecot.imap_url("Small"),
        "--ca-file",
        str(dovecot.ca_file),
        "--db",
        str(db),
        "--mark-seen",
        "--move-to",
        "Done",
    ]
    monkeypatch.setenv("MTASTS_TUI_IMAP_PASSWORD", PASSWORD)
    code, out, err = _cli(args, monkeypatch, capsys)
    assert "6 new report(s)" in out, out + err
    assert "6 moved" in out
    assert "You have won" in out  # the spam mail's note names it
    assert code == 1  # report(n) with n % 10 == 3 has MTA-STS failures
    assert "Verdict: NOT safe to enforce" in out

    from imapclient import IMAPClient

    client = IMAPClient("localhost", port=dovecot.imaps_port, ssl_context=_context(dovecot))
    try:
        client.login(USER, PASSWORD)
        client.select_folder("Small", readonly=True)
        assert len(client.search()) == 1  # the spam mail stays
        client.select_folder("Done", readonly=True)
        flags = client.get_flags(client.search())
        assert len(flags) == 6
        assert all(b"\\Seen" in f for f in flags.values())
    finally:
        client.logout()

    _code, out, err = _cli(args, monkeypatch, capsys)
    assert "0 new message(s)" in out, out + err

    # With --json, stdout holds only the JSON document; the intake notes go to stderr.
    _code, out, err = _cli([*args, "--json"], monkeypatch, capsys)
    assert "0 new message(s)" in err
    document = json.loads(out)
    assert len(document["reports"]) == 6
    assert set(document["domains"]) <= {"example.net", "example.org"}


def test_cli_without_a_password_says_how_to_give_one(
    dovecot: Dovecot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("MTASTS_TUI_IMAP_PASSWORD", raising=False)
    args = ["--imap", dovecot.imaps_url(), "--db", str(tmp_path / "x.sqlite3")]
    code, _out, err = _cli(args, monkeypatch, capsys)
    assert code == 2
    assert "MTASTS_TUI_IMAP_PASSWORD" in err


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("imaps://u:secret@host/INBOX", "no password in the URL"),
        ("https://u@host/INBOX", "imaps://"),
        ("imaps://host/INBOX", "needs a user"),
    ],
)
def test_bad_imap_urls_are_refused(
    url: str,
    why: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _out, err = _cli(
        ["--imap", url, "--db", str(tmp_path / "x.sqlite3")], monkeypatch, capsys
    )
    assert code == 2
    assert why in err
    assert "secret" not in err


def test_imap_url_parts() -> None:
    url = parse_imap_url("imaps://reports%40example.net@mail.example.net:10993/Reports/TLS")
    assert (url.user, url.host, url.port, url.folder) == (
        "reports@example.net",
        "mail.example.net",
        10993,
        "Reports/TLS",
    )
    assert parse_imap_url("imap://u@h").port == 143
    assert parse_imap_url("imaps://u@h").folder == "INBOX"
