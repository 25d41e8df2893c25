"""IMAP intake against a real Dovecot on loopback (TLS from a test CA).

The INBOX holds 1,000 messages: 880 distinct reports from four organisations as gzip, zip and
plain JSON attachments, 40 re-sent duplicates, 50 spam mails and 30 broken report mails.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from dovecot import PASSWORD, USER, Dovecot
from mailgen import DOMAINS, Mailbox, report_mail, spam_mail

from mtasts_tui.reports.imap import ImapCursor, parse_imap_url, run_imap_intake
from mtasts_tui.reports.sources import summarise_paths
from mtasts_tui.reports.store import ReportStore
from mtasts_tui.store.db import transaction


def _context(server: Dovecot) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


def test_first_run_stores_every_report_once_and_notes_each_skipped_message(
    dovecot: Dovecot, big_mailbox: Mailbox, store: ReportStore
) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    result = run_imap_intake(url, PASSWORD, store, context=_context(dovecot), timeout=10)

    assert result.error is None
    assert result.rescanned
    assert result.messages == big_mailbox.messages == 1000
    assert result.new_reports == big_mailbox.reports == store.count()
    assert result.duplicates == big_mailbox.duplicates
    # One note per spam or broken message, naming its UID.
    noted = {n.subject.split(" ")[1] for n in result.notes if n.subject}
    assert len(result.notes) == len(noted) == big_mailbox.skipped
    assert any("no TLS-RPT report attachment" in n.message for n in result.notes)
    assert any("not valid JSON" in n.message for n in result.notes)


def test_the_store_summarises_exactly_as_reading_the_maildir_does(
    dovecot: Dovecot, store: ReportStore
) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    assert run_imap_intake(url, PASSWORD, store, context=_context(dovecot)).error is None

    from_files, read, _problems = summarise_paths([dovecot.maildir])
    stored = store.summary()
    assert stored.reports == from_files.reports_counted == read - 40 == 880
    for domain in DOMAINS:
        assert stored.summary.domain(domain) == from_files.domain(domain)
    assert stored.summary.domain("example.net").sts_failed > 0


def test_a_second_run_fetches_nothing_new(dovecot: Dovecot, store: ReportStore) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    first = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    second = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))

    assert first.error is None and second.error is None
    assert (second.messages, second.new_reports, second.duplicates) == (0, 0, 0)
    assert not second.rescanned
    assert store.count() == 880


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


def test_a_changed_uidvalidity_rescans_safely(dovecot: Dovecot, store: ReportStore) -> None:
    url = parse_imap_url(dovecot.imaps_url())
    assert run_imap_intake(url, PASSWORD, store, context=_context(dovecot)).error is None
    cursor = store.imap_cursor(url.key)
    assert cursor is not None
    with transaction(store.conn):  # as if the server had renumbered the folder
        store.set_imap_cursor_in_transaction(url.key, ImapCursor(cursor.uidvalidity + 1, 5))

    again = run_imap_intake(url, PASSWORD, store, context=_context(dovecot))
    assert again.rescanned
    assert again.messages == 1000
    assert again.new_reports == 0
    assert again.duplicates == 880 + 40
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


def _cli(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "mtasts_tui", "reports", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_cli_starttls_mark_seen_and_move_to(dovecot: Dovecot, tmp_path: Path) -> None:
    """`reports --imap imap://...` with STARTTLS on a small folder, then the mails are moved."""
    folder = dovecot.maildir / ".Small"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    mails = [report_mail(5000 + n, ("gz", "zip", "json")[n % 3]) for n in range(6)]
    mails.append(spam_mail(1))
    for i, data in enumerate(mails):
        (folder / "new" / f"1800000000.M{i}P2.test").write_bytes(data)
    (dovecot.maildir / ".Done").mkdir()
    for sub in ("cur", "new", "tmp"):
        (dovecot.maildir / ".Done" / sub).mkdir()
    dovecot.own_mail()
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
    done = _cli(args, {"MTASTS_TUI_IMAP_PASSWORD": PASSWORD})
    assert "6 new report(s)" in done.stdout, done.stdout + done.stderr
    assert "6 moved" in done.stdout
    assert "You have won" in done.stdout  # the spam mail's note names it
    assert done.returncode in (0, 1)
    assert "Verdict" in done.stdout or "enforce" in done.stdout

    from imapclient import IMAPClient

    client = IMAPClient("localhost", port=dovecot.imaps_port, ssl_context=_context(dovecot))
    try:
        client.login(USER, PASSWORD)
        assert len(client.select_folder("Small")[b"EXISTS"] and client.search()) == 1
        client.select_folder("Done", readonly=True)
        flags = client.get_flags(client.search())
        assert len(flags) == 6
        assert all(b"\\Seen" in f for f in flags.values())
    finally:
        client.logout()

    again = _cli(args, {"MTASTS_TUI_IMAP_PASSWORD": PASSWORD})
    assert "0 new message(s)" in again.stdout, again.stdout + again.stderr


def test_cli_without_a_password_says_how_to_give_one(dovecot: Dovecot, tmp_path: Path) -> None:
    env = {"MTASTS_TUI_IMAP_PASSWORD": ""}
    done = _cli(["--imap", dovecot.imaps_url(), "--db", str(tmp_path / "x.sqlite3")], env)
    assert done.returncode == 2
    assert "MTASTS_TUI_IMAP_PASSWORD" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("imaps://u:secret@host/INBOX", "no password in the URL"),
        ("https://u@host/INBOX", "imaps://"),
        ("imaps://host/INBOX", "needs a user"),
    ],
)
def test_bad_imap_urls_are_refused(url: str, why: str, tmp_path: Path) -> None:
    done = _cli(["--imap", url, "--db", str(tmp_path / "x.sqlite3")], {})
    assert done.returncode == 2
    assert why in done.stderr
    assert "secret" not in done.stderr


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
