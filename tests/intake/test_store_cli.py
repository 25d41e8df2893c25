"""`reports` with the store: --store imports files, no PATH reads the store with the same output
and verdict as the files give, and --alert-webhook posts once per new STS failure type."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mtasts_tui.cli import main
from mtasts_tui.reports.store import ReportStore

from tests.intake.mailgen import report


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["reports", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """60 reports (two domains, 30 days, some STS failures) as .json and .json.gz files."""
    path = tmp_path / "reports"
    path.mkdir()
    for n in range(60):
        data = json.dumps(report(n)).encode()
        if n % 2:
            (path / f"r{n}.json.gz").write_bytes(gzip.compress(data))
        else:
            (path / f"r{n}.json").write_bytes(data)
    return path


def test_store_imports_and_prints_what_the_files_alone_print(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.sqlite3")
    plain = _run([str(folder)], capsys)
    stored = _run([str(folder), "--store", "--db", db], capsys)
    assert stored[1].startswith("Stored from files: 60 new, 0 already stored.\n")
    assert stored[1].split("\n", 1)[1] == plain[1]
    assert stored[0] == plain[0] == 1  # some STS failures
    again = _run([str(folder), "--store", "--db", db], capsys)
    assert again[1].startswith("Stored from files: 0 new, 60 already stored.\n")
    with ReportStore.open(Path(db)) as store:
        assert store.count() == 60


@pytest.mark.parametrize(
    "selection",
    [
        [],
        ["--domain", "example.net"],
        ["--domain", "EXAMPLE.org.", "--days", "7", "--as-of", "2026-10-20"],
        ["--days", "3", "--as-of", "2026-10-30"],
        ["--domain", "unknown.example"],
    ],
)
def test_the_store_summarises_exactly_as_the_files_do(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], selection: list[str]
) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert _run([str(folder), "--store", "--db", db], capsys)[0] in (0, 1)
    from_files = _run([str(folder), *selection], capsys)
    from_store = _run(["--db", db, *selection], capsys)
    assert from_store == from_files

    files_json = json.loads(_run([str(folder), "--json", *selection], capsys)[1])
    store_json = json.loads(_run(["--db", db, "--json", *selection], capsys)[1])
    assert store_json["domains"] == files_json["domains"]
    key = lambda r: r["report_id"]  # noqa: E731
    assert sorted(store_json["reports"], key=key) == sorted(files_json["reports"], key=key)


def test_an_empty_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(["--db", str(tmp_path / "empty.sqlite3")], capsys)
    assert code == 1
    assert "The store holds no TLS-RPT report yet" in out


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    class Receiver(_Receiver):
        received: ClassVar[list[dict[str, Any]]] = []  # one list per test

    handler = Receiver
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler.received
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_alert_webhook_posts_once_per_new_sts_failure_type_per_domain(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    db = str(tmp_path / "s.sqlite3")
    _run([str(folder), "--store", "--db", db, "--alert-webhook", url], capsys)
    # report(n) fails with certificate-expired when n % 10 == 3: on both domains.
    assert sorted((p["domain"], p["result_type"]) for p in received) == [
        ("example.net", "certificate-expired"),
        ("example.org", "certificate-expired"),
    ]
    assert all(p["event"] == "tlsrpt-sts-failure" and p["sessions"] > 0 for p in received)

    _run(["--db", db, "--alert-webhook", url], capsys)
    assert len(received) == 2  # nothing new: no second post

    new_type = report(1000)
    new_type["report-id"] = "new-type-1"
    new_type["policies"][0]["summary"]["total-failure-session-count"] = 4
    new_type["policies"][0]["failure-details"] = [
        {
            "result-type": "starttls-not-supported",
            "receiving-mx-hostname": "mx1.example.net",
            "failed-session-count": 4,
        }
    ]
    extra = tmp_path / "new.json"
    extra.write_text(json.dumps(new_type))
    _run([str(extra), "--store", "--db", db, "--alert-webhook", url], capsys)
    assert len(received) == 3
    assert received[-1]["result_type"] == "starttls-not-supported"
    assert received[-1]["mx_hosts"] == ["mx1.example.net"]


def test_an_undelivered_alert_is_tried_again_next_run(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.sqlite3")
    # Nothing listens on this port: the webhook fails (a 4xx-free connection error).
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    from mtasts_tui.commands import reports_intake as intake_cli

    assert _run([str(folder), "--store", "--db", db], capsys)[0] == 1
    with ReportStore.open(Path(db)) as store:
        args = argparse.Namespace(domain=None, alert_webhook=dead, alert_format="generic")
        err = io.StringIO()
        intake_cli._alerts(store, args, err, retries=0)
        assert "not delivered" in err.getvalue()
        assert not store.alerted("example.net", "certificate-expired")


def test_alert_webhook_with_files_alone_remembers_in_the_store(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    db = str(tmp_path / "s.sqlite3")
    plain = _run([str(folder)], capsys)
    code, out, _err = _run([str(folder), "--db", db, "--alert-webhook", url], capsys)
    assert out.split("\n", 1)[1] == plain[1] and code == plain[0]
    assert len(received) == 2
    _run([str(folder), "--db", db, "--alert-webhook", url], capsys)
    assert len(received) == 2


def test_the_imap_cursor_never_moves_back_within_one_uidvalidity(tmp_path: Path) -> None:
    from mtasts_tui.reports.store import ImapCursor
    from mtasts_tui.store.db import transaction

    with ReportStore.open(tmp_path / "s.sqlite3") as store:
        key = "imaps://u@h:993/INBOX"
        for cursor in (ImapCursor(7, 50), ImapCursor(7, 20)):  # an overlapping, slower run
            with transaction(store.conn):
                store.set_imap_cursor_in_transaction(key, cursor)
        assert store.imap_cursor(key) == ImapCursor(7, 50)
        with transaction(store.conn):  # a new UIDVALIDITY starts over
            store.set_imap_cursor_in_transaction(key, ImapCursor(8, 3))
        assert store.imap_cursor(key) == ImapCursor(8, 3)


def test_slack_alerts_are_plain_text_messages(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    argv = [str(folder), "--db", str(tmp_path / "s.sqlite3"), "--domain", "example.org"]
    _run([*argv, "--alert-webhook", url, "--alert-format", "slack"], capsys)
    (message,) = received
    assert message["mrkdwn"] is False
    assert message["text"].startswith(
        "TLS-RPT: new MTA-STS failure type certificate-expired for example.org"
    )
    assert "mx2.example.org" in message["text"]
