"""`reports` over hostile files: bounded memory and time, one bad input spoils only itself.

Each case runs the real program in a child process (see ``bounded.py``) and asserts its peak RSS
stays under 150 MB and its wall time under a few seconds, beside what it must report.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.bounded import Ran, run_cli
from tests.hostile.inputs import (
    gzip_bomb,
    gzip_wrapped,
    mbox,
    mime_message,
    raw_zip,
    report,
    report_bytes,
)

MiB = 1024 * 1024


def reports(
    tmp_path: Path, *paths: Path | str, json_out: bool = True
) -> tuple[Ran, dict[str, Any]]:
    args = ["reports", *paths] + (["--json"] if json_out else [])
    ran = run_cli(args, tmp_path / "run").within()
    return ran, (json.loads(ran.out) if json_out else {})


def problems(doc: dict[str, Any]) -> dict[str, list[str]]:
    """file name -> messages of the problems about it (and its members, attachments, messages)."""
    out: dict[str, list[str]] = {}
    for p in doc["problems"]:
        name = Path((p["subject"] or "").split(" [")[0]).name
        out.setdefault(name, []).append(f"{p['code']}: {p['message']}")
    return out


def good(tmp_path: Path, name: str = "good.json") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes("good"))
    return path


def read_ids(doc: dict[str, Any]) -> list[str]:
    return [r["report_id"] for r in doc["reports"]]


class TestManySmallObjects:
    def test_a_tiny_gzip_of_millions_of_empty_objects_is_refused_cheaply(
        self, tmp_path: Path
    ) -> None:
        bomb = tmp_path / "in" / "objects.json.gz"
        bomb.parent.mkdir()
        # 19 MiB of {} after a valid report head: the 1.3 GB / 84 s case.
        bomb.write_bytes(
            gzip_wrapped(b'{"organization-name":"x","policies":[', b"{},", 6_600_000, b"{}]}")
        )
        assert bomb.stat().st_size < 100 * 1024
        ran, doc = reports(tmp_path, bomb, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "JSON values" in problems(doc)["objects.json.gz"][0]
        assert ran.code == 1  # the good report has sts failures

    def test_entries_over_the_caps_are_dropped_counted_and_said(self, tmp_path: Path) -> None:
        policy = report()["policies"][0]
        many_details = dict(policy, **{"failure-details": policy["failure-details"] * 1500})
        doc_in = report("capped", policies=[many_details] + [{}] * 1199)
        path = tmp_path / "in" / "capped.json"
        path.parent.mkdir()
        path.write_text(json.dumps(doc_in))
        _, doc = reports(tmp_path, path)
        (entry,) = doc["reports"]
        assert len(entry["policies"]) == 1000
        dropped = [w for w in entry["warnings"] if w["code"] == "report-entries-dropped"]
        assert len(dropped) == 1
        assert "200 policies" in dropped[0]["message"]
        assert "failure-details" in dropped[0]["message"]


class TestGzip:
    def test_many_empty_members_take_linear_time_and_are_capped(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "members.json.gz"
        path.parent.mkdir()
        path.write_bytes(gzip.compress(b"") * 200_000)  # 4 MB: the 14 s case
        ran, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "gzip members" in problems(doc)["members.json.gz"][0]
        assert ran.seconds < 5

    def test_a_report_split_over_thousands_of_members_is_still_read(self, tmp_path: Path) -> None:
        data = report_bytes("split")
        path = tmp_path / "in" / "split.json.gz"
        path.parent.mkdir()
        path.write_bytes(b"".join(gzip.compress(data[i : i + 1]) for i in range(len(data))))
        _, doc = reports(tmp_path, path)
        assert read_ids(doc) == ["split"]

    def test_a_bomb_stops_at_the_cap(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "bomb.json.gz"
        path.parent.mkdir()
        path.write_bytes(gzip_bomb(24 * MiB))
        _, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "refused" in problems(doc)["bomb.json.gz"][0]


class TestOnlyRegularFiles:
    @pytest.mark.parametrize("name", ["x.json", "x.mbox", "x.eml", "x.zip"])
    def test_a_fifo_named_like_a_report_is_skipped_not_waited_on(
        self, tmp_path: Path, name: str
    ) -> None:
        fifo = tmp_path / "in" / name
        fifo.parent.mkdir()
        os.mkfifo(fifo)
        ran, doc = reports(tmp_path, fifo, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "FIFO" in problems(doc)[name][0]
        assert ran.seconds < 5

    def test_fifos_in_a_walked_folder_and_a_maildir_are_skipped(self, tmp_path: Path) -> None:
        root = tmp_path / "in"
        for sub in ("Maildir/new", "Maildir/cur"):
            (root / sub).mkdir(parents=True)
        os.mkfifo(root / "Maildir" / "new" / "1700000000.fifo")
        os.mkfifo(root / "stuck.json.gz")
        message = mime_message([("application/tlsrpt+json", "r.json", report_bytes("md"))])
        (root / "Maildir" / "cur" / "1700000001.msg:2,S").write_bytes(message)
        good(tmp_path, "z.json")
        _, doc = reports(tmp_path, root)
        assert sorted(read_ids(doc)) == ["good", "md"]
        found = problems(doc)
        assert "FIFO" in found["1700000000.fifo"][0]
        assert "FIFO" in found["stuck.json.gz"][0]


class TestOneBadValue:
    def test_an_overflowing_date_spoils_only_that_date(self, tmp_path: Path) -> None:
        bad = tmp_path / "in" / "date.json"
        bad.parent.mkdir()
        doc_in = report("late")
        doc_in["date-range"]["start-datetime"] = "9999-12-31T23:00:00-05:00"
        doc_in["date-range"]["end-datetime"] = "0001-01-01T00:00:00+05:00"
        bad.write_text(json.dumps(doc_in))
        _, doc = reports(tmp_path, bad, good(tmp_path))
        assert sorted(read_ids(doc)) == ["good", "late"]
        late = next(r for r in doc["reports"] if r["report_id"] == "late")
        assert "report-date-invalid" in {w["code"] for w in late["warnings"]}

    @pytest.mark.parametrize("digits", [4000, 100_000])
    def test_counts_with_thousands_of_digits_are_clamped_or_refused(
        self, tmp_path: Path, digits: int
    ) -> None:
        huge = "9" * digits
        text = json.dumps(report("huge")).replace(": 90", ": " + huge).replace(": 10", ": " + huge)
        bad = tmp_path / "in" / "huge.json"
        bad.parent.mkdir()
        bad.write_text(text)
        for as_json in (False, True):  # the text rendering crashed on these
            ran, doc = reports(tmp_path, bad, good(tmp_path), json_out=as_json)
            assert ran.code == 1
        assert "good" in read_ids(doc)
        counts = [p["successful"] for r in doc["reports"] for p in r["policies"]]
        assert max(counts) <= 10**12

    def test_check_with_reports_survives_them_too(self, tmp_path: Path) -> None:
        bad = tmp_path / "in" / "date.json"
        bad.parent.mkdir()
        doc_in = report("late")
        doc_in["date-range"]["start-datetime"] = "9999-12-31T23:00:00-05:00"
        bad.write_text(json.dumps(doc_in).replace(": 90", ": " + "9" * 4000))
        ran = run_cli(
            [
                "check",
                "example.com",
                "--resolver",
                "127.0.0.1:9",  # nothing listens: the lookups fail fast, the reports still load
                "--timeout",
                "1",
                "--no-smtp",
                "--json",
                "--reports",
                bad.parent,
            ],
            tmp_path / "run",
        ).within()
        line = json.loads(ran.out.splitlines()[0])
        assert line["reports"]["status"] == "sts-failures"


class TestSizeCapsBeforeReading:
    @pytest.mark.parametrize("where", ["x.eml", "Maildir/new/1", "x.json"])
    def test_a_300_mb_file_is_refused_by_its_size(self, tmp_path: Path, where: str) -> None:
        path = tmp_path / "in" / where
        path.parent.mkdir(parents=True)
        if where.startswith("Maildir"):
            (tmp_path / "in" / "Maildir" / "cur").mkdir()
        with path.open("wb") as fh:
            fh.write(b"From: a@b.example\nContent-Type: application/json\n\n{")
            fh.truncate(300 * MiB)  # sparse: costs no disk, would cost 300 MB to read
        ran, doc = reports(tmp_path, tmp_path / "in", good(tmp_path, "../good.json"))
        assert read_ids(doc) == ["good"]
        assert any("larger than" in m for ms in problems(doc).values() for m in ms)
        assert ran.rss_mb < 80

    def test_an_mbox_message_over_the_cap_is_skipped_and_the_next_one_read(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "in" / "big.mbox"
        path.parent.mkdir()
        ok = mime_message([("application/tlsrpt+json", "r.json", report_bytes("after"))])
        with path.open("wb") as fh:
            fh.write(b"From x Sun Mar  1 00:00:00 2026\nSubject: big\n\n")
            fh.seek(70 * MiB, os.SEEK_CUR)  # a hole: 70 MiB of NUL bytes that cost no disk
            fh.write(b"\n" + mbox([ok]))
        ran, doc = reports(tmp_path, path)
        assert read_ids(doc) == ["after"]
        assert "larger than 64 MiB" in problems(doc)["big.mbox"][0]
        assert ran.rss_mb < 100

    def test_a_huge_attachment_is_streamed_and_refused_beside_a_good_one(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "in" / "two.eml"
        path.parent.mkdir()
        path.write_bytes(
            mime_message(
                [
                    ("application/tlsrpt+gzip", "huge.json.gz", b"\x1f\x8b" + b"A" * (24 * MiB)),
                    ("application/tlsrpt+gzip", "ok.json.gz", gzip.compress(report_bytes("ok"))),
                ]
            )
        )
        ran, doc = reports(tmp_path, path)
        assert read_ids(doc) == ["ok"]
        assert "larger than 20 MiB" in problems(doc)["two.eml"][0]
        assert ran.rss_mb < 120

    def test_the_largest_accepted_report_stays_within_the_bound(self, tmp_path: Path) -> None:
        doc_in = report("largest")
        doc_in["policies"][0]["failure-details"][0]["additional-information"] = "x" * (19 * MiB)
        path = tmp_path / "in" / "largest.eml"
        path.parent.mkdir()
        body = gzip.compress(json.dumps(doc_in).encode(), compresslevel=1)
        path.write_bytes(mime_message([("application/tlsrpt+gzip", "l.json.gz", body)]))
        _, doc = reports(tmp_path, path)
        assert read_ids(doc) == ["largest"]

    def test_a_message_with_thousands_of_parts_is_cut_off(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "parts.eml"
        path.parent.mkdir()
        parts = [("text/plain", f"note{i}.txt", b"hi") for i in range(5000)]
        parts.append(("application/tlsrpt+json", "r.json", report_bytes("late")))
        path.write_bytes(mime_message(parts))
        _, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "more than 1,000 parts" in problems(doc)["parts.eml"][0]


class TestZip:
    def test_more_members_than_the_cap_are_refused_before_parsing(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "many.zip"
        path.parent.mkdir()
        path.write_bytes(raw_zip((f"{i}.json", b"{}") for i in range(20_000)))
        ran, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "20,000 members" in problems(doc)["many.zip"][0]
        assert ran.rss_mb < 80

    def test_300_000_members_in_a_zip64_archive_are_refused_before_parsing(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "in" / "zip64.zip"
        path.parent.mkdir()
        path.write_bytes(raw_zip((f"{i}", b"") for i in range(300_000)))
        ran, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert "300,000 members" in problems(doc)["zip64.zip"][0]
        assert ran.rss_mb < 80  # the issue measured 290 MB

    def test_a_lying_end_record_still_gets_capped(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "liar.zip"
        path.parent.mkdir()
        members = [(f"{i}.txt", b"") for i in range(12_000)]
        members.append(("last.json", report_bytes("liar")))
        path.write_bytes(raw_zip(members, claim=1))
        _, doc = reports(tmp_path, path)
        assert "the rest were refused" in problems(doc)["liar.zip"][0]

    def test_problems_per_file_are_bounded_and_counted(self, tmp_path: Path) -> None:
        path = tmp_path / "in" / "bad.zip"
        path.parent.mkdir()
        members = [(f"{i}.json", b"not json") for i in range(500)]
        members.append(("ok.json", report_bytes("ok")))
        path.write_bytes(raw_zip(members))
        _, doc = reports(tmp_path, path)
        assert read_ids(doc) == ["ok"]
        about = [p for p in doc["problems"] if p["subject"].startswith(str(path))]
        assert len(about) == 21
        assert about[-1]["code"] == "report-problems-truncated"
        assert "480 more" in about[-1]["message"]

    def test_a_zip_of_gzip_bombs_hits_the_work_budget(self, tmp_path: Path) -> None:
        bomb = gzip_bomb(25 * MiB)
        path = tmp_path / "in" / "bombs.zip"
        path.parent.mkdir()
        path.write_bytes(raw_zip((f"{i}.json.gz", bomb) for i in range(200)))
        ran, doc = reports(tmp_path, path, good(tmp_path))
        assert read_ids(doc) == ["good"]
        assert any("in all" in m for m in problems(doc)["bombs.zip"])
        assert ran.seconds < 10


class TestJsonOutput:
    def test_control_and_bidi_characters_are_escaped_and_json_stays_valid(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "in" / "evil.json"
        path.parent.mkdir()
        nasty = "Evil\u009b31m\u202eCorp\x1b[2J\u2066\ud800 Bücher"
        path.write_text(json.dumps(report("evil", **{"organization-name": nasty})))
        ran, doc = reports(tmp_path, path)
        for ch in ("\u009b", "\u202e", "\x1b", "\u2066"):
            assert ch not in ran.out
        assert "Bücher" in ran.out  # IDNs and other text stay readable
        assert "\\u009b" in ran.out and "\\u202e" in ran.out
        assert doc["reports"][0]["organization"] is not None


class TestAggregates:
    def test_reports_naming_endless_domains_and_hosts_keep_the_summary_bounded(
        self, tmp_path: Path
    ) -> None:
        def domains(m: int) -> bytes:
            policies = [
                {
                    "policy": {"policy-type": "sts", "policy-domain": f"d{m}-{i}.example"},
                    "summary": {
                        "total-successful-session-count": 1,
                        "total-failure-session-count": 0,
                    },
                }
                for i in range(1000)
            ]
            return json.dumps(report(f"dom{m}", policies=policies)).encode()

        def hosts(m: int) -> bytes:
            detail = {"result-type": "certificate-expired", "failed-session-count": 1}
            policies = [
                {
                    "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                    "summary": {"total-failure-session-count": 80},
                    "failure-details": [
                        dict(detail, **{"receiving-mx-hostname": f"h{m}-{i}-{k}.example"})
                        for k in range(80)
                    ],
                }
                for i in range(100)
            ]
            return json.dumps(report(f"mx{m}", policies=policies)).encode()

        folder = tmp_path / "in"
        folder.mkdir()
        # Hosts first: the domain cap is reached by the second archive, after example.com.
        (folder / "a-hosts.zip").write_bytes(raw_zip((f"{m}.json", hosts(m)) for m in range(10)))
        (folder / "b-doms.zip").write_bytes(raw_zip((f"{m}.json", domains(m)) for m in range(25)))
        ran, doc = reports(tmp_path, folder)
        assert len(doc["reports"]) == 35
        assert "reports-summary-capped" in {p["code"] for p in doc["problems"]}
        assert len(doc["domains"]) <= 20_001
        assert doc["domains"]["(more domains)"]["successful"] > 0
        assert len(doc["domains"]["example.com"]["failures_by_mx"]) <= 50_001
        assert ran.rss_mb < 150
