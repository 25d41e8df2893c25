"""``mtasts-tui reports``: human and --json output, filters, exit codes 0/1/2."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mtasts_tui.commands.reports import add_arguments, run

from tests.reports.tlsrpt_samples import clean_report, gz, rfc_report

Write = Callable[[str, bytes | dict[str, Any]], Path]


def invoke(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mtasts-tui reports")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(list(argv)), out, err)
    return code, out.getvalue(), err.getvalue()


def test_clean_reports_exit_0_human(write: Write) -> None:
    write("r/a.json", clean_report(day="2016-04-02"))
    write("r/b.json.gz", gz(clean_report(report_id="b", day="2016-04-03")))
    code, out, err = invoke(str(write("r/a.json", clean_report(day="2016-04-02")).parent))
    assert code == 0, out
    assert err == ""
    assert "company-y.example" in out
    assert "2016-04-02" in out and "2016-04-03" in out
    assert "100.0 %" in out
    assert "█" in out
    assert "Verdict: safe to enforce" in out


def test_sts_failures_exit_1_with_fixes(write: Write) -> None:
    path = write("rfc.json", rfc_report())
    code, out, _ = invoke(str(path))
    assert code == 1
    assert "NOT safe to enforce" in out
    assert (
        "starttls-not-supported: 200 session(s), blocks mail, on mx2.mail.company-y.example" in out
    )
    assert "Fix: The MX did not offer STARTTLS" in out
    assert "░" in out
    assert "Failures by sending organisation" in out


def test_no_readable_report_exit_1(write: Write) -> None:
    code, out, _ = invoke(str(write("bad.json", b"nope")))
    assert code == 1
    assert "reports-none-read" in out
    assert "report-unreadable" in out


def test_missing_path_exit_2(tmp_path: Path) -> None:
    code, out, err = invoke(str(tmp_path / "does-not-exist"))
    assert code == 2
    assert out == ""
    assert "no such file or folder" in err


def test_bad_days_is_usage_error() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["x", "--days", "0"])
    assert exc.value.code == 2


def test_json_shape(write: Write) -> None:
    write("d/rfc.json", rfc_report())
    write("d/dup.json", rfc_report())
    write("d/clean.json.gz", gz(clean_report()))
    write("d/broken.json", b"{")
    code, out, _ = invoke(str(write("d/x.txt", b"ignored").parent), "--json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc) == {"reports", "domains", "problems"}
    assert len(doc["reports"]) == 3
    entry = doc["reports"][0]
    assert set(entry) == {
        "file",
        "organization",
        "report_id",
        "start",
        "end",
        "duplicate",
        "warnings",
        "policies",
    }
    assert [r["duplicate"] for r in doc["reports"]].count(True) == 1
    assert entry["start"].endswith("Z")
    rfc = next(r for r in doc["reports"] if r["file"].endswith("rfc.json"))
    assert rfc["policies"] == [
        {
            "policy_type": "sts",
            "policy_domain": "company-y.example",
            "successful": 5326,
            "failed": 303,
            "failures_by_result_type": {
                "certificate-expired": 100,
                "starttls-not-supported": 200,
                "validation-failure": 3,
            },
        }
    ]
    dom = doc["domains"]["company-y.example"]
    assert dom["successful"] == 5326 + 1000
    assert dom["failed"] == 303
    assert dom["days"] == {
        "2016-04-01": {"successful": 5326, "failed": 303},
        "2016-04-02": {"successful": 1000, "failed": 0},
    }
    assert dom["failures_by_mx"]["mx2.mail.company-y.example"] == 200
    assert dom["failures_by_organization"] == {"Company-X": 303}
    verdict = dom["verdict"]
    assert verdict["safe_to_enforce"] is False
    assert verdict["status"] == "sts-failures"
    assert verdict["days_covered"] == 2
    assert verdict["sts_failures"] == 303
    assert {c["result_type"] for c in verdict["causes"]} == {
        "starttls-not-supported",
        "certificate-expired",
        "validation-failure",
    }
    assert [p["code"] for p in doc["problems"]] == ["report-unreadable"]
    assert set(doc["problems"][0]) == {"severity", "code", "message", "subject"}


def test_json_clean_exit_0(write: Write) -> None:
    code, out, _ = invoke(str(write("c.json", clean_report())), "--json")
    assert code == 0
    assert json.loads(out)["domains"]["company-y.example"]["verdict"]["safe_to_enforce"] is True


def test_domain_and_days_filters(write: Write) -> None:
    write("f/rfc.json", rfc_report())  # 2016-04-01, failures
    write("f/clean.json", clean_report(day="2016-04-05"))
    write("f/other.json", clean_report(domain="other.example", report_id="o"))
    folder = str(write("f/x.txt", b"").parent)
    code, out, _ = invoke(folder, "--json", "--days", "3", "--as-of", "2016-04-06")
    doc = json.loads(out)
    assert code == 0  # the failing day is outside the window
    assert set(doc["domains"]) == {"company-y.example"}
    assert doc["domains"]["company-y.example"]["days"] == {
        "2016-04-05": {"successful": 1000, "failed": 0}
    }
    code, out, _ = invoke(folder, "--json", "--domain", "OTHER.example")
    doc = json.loads(out)
    assert code == 0
    assert list(doc["domains"]) == ["other.example"]
    assert [r["report_id"] for r in doc["reports"]] == ["o"]
    code, out, _ = invoke(folder, "--domain", "absent.example")
    assert code == 0
    assert "not enough data" in out


def test_terminal_escapes_neutralised(write: Write) -> None:
    doc = rfc_report()
    doc["organization-name"] = "Evil\x1b[2J\x1b]0;pwned\x07Corp\u202e"
    doc["policies"][0]["failure-details"][0]["receiving-mx-hostname"] = "mx\x1b[31m.example"
    doc["policies"][0]["failure-details"][0]["result-type"] = "weird\x9b-type"
    code, out, _ = invoke(str(write("evil.json", doc)))
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\u202e" not in out
    assert "Evil\\x1b[2J" in out
    code, out, _ = invoke(str(write("evil.json", doc)), "--json")
    assert "\x1b" not in out
    assert json.loads(out)["reports"][0]["organization"].startswith("Evil\x1b")
