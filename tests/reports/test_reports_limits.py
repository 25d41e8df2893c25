"""The reader's limits, in-process: caps on work, streaming mail, and one bad value per report.

(The same classes, run as the real program with RSS and time bounds, are in ``tests/hostile``.)
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mtasts_tui.core.findings import Finding
from mtasts_tui.reports.mail import MAX_PARTS, MailError, MessageReader
from mtasts_tui.reports.parse import (
    MAX_COUNT,
    MAX_FAILURE_DETAILS,
    MAX_JSON_VALUES,
    MAX_POLICIES,
    ReportParseError,
    parse_report,
)
from mtasts_tui.reports.sources import (
    MAX_NOTES_PER_FILE,
    TooLarge,
    gunzip_capped,
    iter_reports,
    open_regular,
)

from tests.reports.tlsrpt_samples import clean_report


def codes(report: Any) -> set[str]:
    return {w.code for w in report.warnings}


class TestParseCaps:
    def test_policies_and_details_past_the_caps_are_dropped_and_counted(self) -> None:
        doc = clean_report()
        policy = doc["policies"][0]
        detail = {"result-type": "certificate-expired", "failed-session-count": 1}
        many = dict(policy, **{"failure-details": [detail] * (MAX_FAILURE_DETAILS + 5)})
        doc["policies"] = [many] + [policy] * (MAX_POLICIES + 6)
        r = parse_report(json.dumps(doc).encode(), "x.json")
        assert len(r.policies) == MAX_POLICIES
        assert len(r.policies[0].failure_details) == MAX_FAILURE_DETAILS
        (dropped,) = [w for w in r.warnings if w.code == "report-entries-dropped"]
        assert "7 policies" in dropped.message
        assert "5 failure-details" in dropped.message

    def test_more_json_values_than_the_budget_is_refused_before_parsing(self) -> None:
        data = b'{"policies": [' + b"{}," * MAX_JSON_VALUES + b"{}]}"
        with pytest.raises(ReportParseError, match="JSON values"):
            parse_report(data, "x.json")

    @pytest.mark.parametrize("count", [10**13, "9" * 30, 1e300, int("9" * 4000)])
    def test_huge_counts_are_clamped(self, count: object) -> None:
        doc = clean_report()
        doc["policies"][0]["summary"]["total-successful-session-count"] = count
        text = json.dumps(doc) if not isinstance(count, int) else None
        if text is None:  # json.dumps of a 4000-digit int needs the digit limit lifted
            import sys

            old = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(0)
            try:
                text = json.dumps(doc)
            finally:
                sys.set_int_max_str_digits(old)
        r = parse_report(text.encode(), "x.json")
        assert r.policies[0].successful == MAX_COUNT
        assert "report-count-clamped" in codes(r)

    def test_ints_past_pythons_digit_limit_do_not_fail_the_parse(self) -> None:
        doc = clean_report()
        doc["policies"][0]["summary"]["total-failure-session-count"] = "@@"
        text = json.dumps(doc).replace('"@@"', "7" * 5000)
        r = parse_report(text.encode(), "x.json")
        assert r.policies[0].failed == MAX_COUNT

    @pytest.mark.parametrize(
        "value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00", 1e20, -5]
    )
    def test_dates_that_overflow_are_ignored_with_a_warning(self, value: object) -> None:
        doc = clean_report()
        doc["date-range"]["start-datetime"] = value
        r = parse_report(json.dumps(doc).encode(), "x.json")
        assert r.start is None
        assert "report-date-invalid" in codes(r)


class TestGzip:
    def test_many_members_decompress_in_one_pass(self) -> None:
        data = b"".join(gzip.compress(bytes([65 + i % 26])) for i in range(5000))
        assert gunzip_capped(data, max_members=5000) == bytes(65 + i % 26 for i in range(5000))

    def test_the_member_cap(self) -> None:
        with pytest.raises(TooLarge, match="gzip members"):
            gunzip_capped(gzip.compress(b"") * 11, max_members=10)

    def test_padding_and_trailing_garbage_like_gzip(self) -> None:
        data = gzip.compress(b"ab") + b"\x00" * 1000 + gzip.compress(b"c") + b"junk"
        assert gunzip_capped(data) == b"abc"

    def test_streamed_chunks_split_anywhere(self) -> None:
        data = gzip.compress(b"x" * 100) + gzip.compress(b"y" * 100)
        chunks = [data[i : i + 3] for i in range(0, len(data), 3)]
        assert gunzip_capped(chunks) == b"x" * 100 + b"y" * 100


def read(lines: bytes, cap: int = 1 << 20) -> list[tuple[str, str, bytes | None]]:
    reader = MessageReader(
        iter(io.BytesIO(lines).readlines()),
        wanted=lambda ctype, name: ctype.startswith("application/"),
        cap=cap,
    )
    return [(a.content_type, a.filename, a.data) for a in reader.attachments()]


class TestStreamingMail:
    def test_base64_split_across_odd_lines(self) -> None:
        body = base64.b64encode(b"hello report" * 50)
        lines = b"\n".join(body[i : i + 7] for i in range(0, len(body), 7))
        msg = b"Content-Type: application/json\nContent-Transfer-Encoding: base64\n\n" + lines
        assert read(msg) == [("application/json", "", b"hello report" * 50)]

    def test_nested_multiparts_and_an_attached_message(self) -> None:
        msg = (
            b'Content-Type: multipart/mixed; boundary="outer"\n\npreamble\n--outer\n'
            b'Content-Type: multipart/alternative; boundary="inner"\n\n--inner\n'
            b"Content-Type: text/plain\n\nhi\n--inner\n"
            b'Content-Type: application/json; name="a.json"\n\n{"a":1}\n--inner--\n'
            b"--outer\nContent-Type: message/rfc822\n\nSubject: fwd\n"
            b"Content-Type: application/gzip\nContent-Transfer-Encoding: quoted-printable\n\n"
            b"=1F=8Bxy\n--outer--\nepilogue\n"
        )
        assert read(msg) == [
            ("application/json", "a.json", b'{"a":1}'),
            ("application/gzip", "", b"\x1f\x8bxy\n"),
        ]

    def test_binary_body_keeps_its_inner_line_breaks_not_the_delimiters(self) -> None:
        msg = (
            b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            b"Content-Type: application/json\n\n{\n}\r\n--b--\n"
        )
        assert read(msg) == [("application/json", "", b"{\n}")]

    def test_an_attachment_over_the_cap_is_refused_not_kept(self) -> None:
        body = base64.encodebytes(b"x" * 5000)
        msg = b"Content-Type: application/json\nContent-Transfer-Encoding: base64\n\n" + body
        assert read(msg, cap=1000) == [("application/json", "", None)]

    def test_too_many_parts(self) -> None:
        parts = b"".join(b"--b\nContent-Type: text/plain\n\nx\n" for _ in range(MAX_PARTS + 1))
        msg = b'Content-Type: multipart/mixed; boundary="b"\n\n' + parts
        with pytest.raises(MailError, match="parts"):
            read(msg)


class TestFiles:
    def test_open_regular_refuses_a_fifo_without_blocking(self, tmp_path: Path) -> None:
        import os

        os.mkfifo(tmp_path / "f.json")
        with pytest.raises(OSError, match="FIFO"):
            open_regular(tmp_path / "f.json")

    def test_problems_per_file_are_bounded(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for i in range(MAX_NOTES_PER_FILE + 30):
                zf.writestr(f"{i}.json", "nope")
        items = list(iter_reports([path]))
        assert all(isinstance(i, Finding) for i in items)
        assert len(items) == MAX_NOTES_PER_FILE + 1
        last = items[-1]
        assert isinstance(last, Finding)
        assert last.code == "report-problems-truncated"
        assert "30 more" in last.message


class TestSummaryCaps:
    def test_domains_and_hosts_past_the_caps_are_summed_not_kept(self) -> None:
        from mtasts_tui.reports.model import FailureDetail, ParsedReport, PolicyResult
        from mtasts_tui.reports.summary import MAX_CELLS, MORE_DOMAINS, OTHER, ReportSummary

        summary = ReportSummary()
        for i in range(MAX_CELLS + 10):
            detail = FailureDetail("certificate-expired", None, f"mx{i}.example", None, 1)
            policy = PolicyResult("sts", f"d{i}.example", (), (), 2, 1, (detail,))
            summary.add(ParsedReport(f"r{i}", "org", None, f"id{i}", None, None, (policy,)))
        assert summary.capped
        assert len(summary.domains()) == MAX_CELLS + 1
        more = summary.domain(MORE_DOMAINS)
        assert (more.successful, more.failed) == (20, 10)
        total = sum(summary.domain(d).sessions for d in summary.domains())
        assert total == 3 * (MAX_CELLS + 10)  # nothing is lost, only folded together
        assert OTHER not in summary.domain("d0.example").failures_by_mx
