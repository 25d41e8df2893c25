"""Readers: json, gzip, zip, e-mail, mbox, Maildir, folders; bad input skipped, never fatal."""

from __future__ import annotations

import gzip
import io
import json
import mailbox
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtasts_tui.core.findings import Finding
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.sources import (
    MAX_REPORT_BYTES,
    RawReport,
    gunzip_capped,
    iter_report_sources,
    iter_reports,
)

from tests.reports.tlsrpt_samples import clean_report, gz, report_email, rfc_report

Write = Callable[[str, bytes | dict[str, Any]], Path]


def split(items: list[ParsedReport | Finding]) -> tuple[list[ParsedReport], list[Finding]]:
    reports = [i for i in items if isinstance(i, ParsedReport)]
    problems = [i for i in items if isinstance(i, Finding)]
    return reports, problems


def read(*paths: Path) -> tuple[list[ParsedReport], list[Finding]]:
    return split(list(iter_reports(paths)))


def test_plain_json(write: Write) -> None:
    reports, problems = read(write("r.json", rfc_report()))
    assert problems == []
    assert [r.organization for r in reports] == ["Company-X"]


def test_gzip_detected_by_magic_not_suffix(write: Write) -> None:
    a = write("a.json.gz", gz(rfc_report()))
    b = write("misnamed.json", gz(clean_report()))
    c = write("no-suffix", gz(clean_report(report_id="c")))
    reports, problems = read(a, b, c)
    assert problems == []
    assert [r.report_id for r in reports][1:] == ["clean-1", "c"]


def test_rfc_filename_gives_domain_hint(write: Write) -> None:
    doc = clean_report()
    doc["policies"][0]["policy"] = {"policy-type": "no-policy-found"}
    p = write("sndr.example!hint.example!1470013207!1470186007.json.gz", gz(doc))
    (r,), _ = read(p)
    assert r.policies[0].policy_domain == "hint.example"


def test_zip_reads_json_and_gz_members(tmp_path: Path) -> None:
    path = tmp_path / "reports.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("one.json", json.dumps(rfc_report()))
        zf.writestr("dir/two.json.gz", gz(clean_report()))
        zf.writestr("README.txt", "not a report")
        zf.writestr("broken.json", "{")
    reports, problems = read(path)
    assert sorted(r.report_id or "" for r in reports) == [
        "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
        "clean-1",
    ]
    assert [p.code for p in problems] == ["report-unreadable"]
    assert problems[0].subject == f"{path} [broken.json]"


def test_zip_bomb_member_refused_others_read(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.json", b" " * (MAX_REPORT_BYTES + 10))
        zf.writestr("ok.json", json.dumps(clean_report()))
    assert path.stat().st_size < 1024 * 1024  # small on disk, huge inside
    reports, problems = read(path)
    assert [r.report_id for r in reports] == ["clean-1"]
    assert len(problems) == 1
    assert "huge.json" in (problems[0].subject or "")
    assert "MiB" in problems[0].message


def test_gzip_bomb_refused(write: Write) -> None:
    bomb = gzip.compress(b"{" + b" " * (MAX_REPORT_BYTES + 10) + b"}")
    reports, problems = read(write("bomb.json.gz", bomb), write("ok.json", clean_report()))
    assert [r.report_id for r in reports] == ["clean-1"]
    assert problems[0].code == "report-unreadable"
    assert "refused" in problems[0].message


def test_gunzip_multi_member_and_truncated() -> None:
    data = gzip.compress(b'{"a":') + gzip.compress(b"1}")
    assert gunzip_capped(data) == b'{"a":1}'
    try:
        gunzip_capped(gzip.compress(b"x" * 1000)[:-12])
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("truncated gzip accepted")


def test_email_with_tlsrpt_gzip_attachment(write: Write) -> None:
    path = write("report.eml", report_email(rfc_report()))
    (r,), problems = read(path)
    assert problems == []
    assert r.organization == "Company-X"
    assert r.source.endswith("[sndr!company-y.example!1!2.json.gz]")


def test_email_with_json_and_zip_attachments(write: Write) -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["TLS-Report-Domain"] = "header.example"
    msg.set_content("hello")
    msg.add_attachment(
        json.dumps(clean_report(report_id="j")).encode(),
        maintype="application",
        subtype="tlsrpt+json",
        filename="r.json",
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("z.json", json.dumps(clean_report(report_id="z")))
    msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="r.zip")
    reports, problems = read(write("m.eml", msg.as_bytes()))
    assert problems == []
    assert [r.report_id for r in reports] == ["j", "z"]


def test_email_without_report_is_a_problem(write: Write) -> None:
    _, problems = read(write("plain.eml", b"From: a@b\nSubject: hi\n\nhello\n"))
    assert [p.code for p in problems] == ["report-unreadable"]


def test_mbox(tmp_path: Path) -> None:
    path = tmp_path / "reports.mbox"
    box = mailbox.mbox(path)
    box.add(report_email(rfc_report()))
    box.add(b"From: someone@example\nSubject: not a report\n\njust mail\n")
    box.add(report_email(clean_report(report_id="second")))
    box.close()
    reports, problems = read(path)
    assert problems == []  # ordinary mail in a mailbox is passed over quietly
    assert sorted(r.report_id or "" for r in reports) == [
        "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
        "second",
    ]


def test_maildir_and_folder_walk(tmp_path: Path) -> None:
    maildir = tmp_path / "archive" / "Maildir"
    maildir.parent.mkdir()
    box = mailbox.Maildir(maildir, create=True)
    box.add(report_email(clean_report(report_id="md1")))
    box.add(report_email(clean_report(report_id="md2")))
    box.close()
    (tmp_path / "archive" / "2016" / "04").mkdir(parents=True)
    (tmp_path / "archive" / "2016" / "04" / "x.json.gz").write_bytes(gz(rfc_report()))
    (tmp_path / "archive" / "notes.txt").write_text("my notes")
    reports, problems = read(tmp_path / "archive")
    assert problems == []
    assert sorted(r.report_id or "" for r in reports) == [
        "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
        "md1",
        "md2",
    ]
    # A Maildir given directly works too.
    direct, _ = read(maildir)
    assert len(direct) == 2


def test_malformed_file_skipped_others_still_read(write: Write) -> None:
    good = write("d/good.json", rfc_report())
    write("d/bad.json", b'{"organization-name": ')
    write("d/empty.json.gz", b"\x1f\x8b\x08\x00")
    write("d/array.json", b"[]")
    write("d/fake.zip", b"PK\x03\x04garbage")
    reports, problems = read(good.parent)
    assert len(reports) == 1
    assert len(problems) == 4
    assert all(p.code == "report-unreadable" for p in problems)
    assert {Path(p.subject or "").name for p in problems} == {
        "bad.json",
        "empty.json.gz",
        "array.json",
        "fake.zip",
    }


def test_missing_path_is_a_finding(tmp_path: Path) -> None:
    _, problems = read(tmp_path / "nope")
    assert [p.code for p in problems] == ["report-path-missing"]


def test_raw_sources_and_nothing_modified(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "md", create=True)
    box.add(report_email(clean_report()))
    box.close()
    (tmp_path / "r.json.gz").write_bytes(gz(rfc_report()))

    def snapshot() -> dict[str, tuple[int, int]]:
        out = {}
        for root, dirs, files in os.walk(tmp_path):
            for name in dirs + files:
                st = os.stat(os.path.join(root, name))
                out[os.path.join(root, name)] = (st.st_mtime_ns, st.st_size)
        return out

    before = snapshot()
    items = list(iter_report_sources([tmp_path]))
    assert all(isinstance(i, RawReport) for i in items)
    assert len(items) == 2
    assert snapshot() == before
