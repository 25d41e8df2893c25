"""`mtasts-tui lint`: the core's rules on local input, with a stable JSON contract and exit codes.

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.cli.conftest import Run

RFC_POLICY = (
    "version: STSv1\r\n"
    "mode: enforce\r\n"
    "mx: mail.example.com\r\n"
    "mx: *.example.net\r\n"
    "mx: backupmx.example.com\r\n"
    "max_age: 604800\r\n"
)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "mta-sts.txt"
    path.write_bytes(RFC_POLICY.encode())
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.txt"
    path.write_bytes(text.encode())
    return path


def assert_finding_shape(findings: list[dict[str, str]]) -> None:
    for f in findings:
        assert set(f) == {"severity", "code", "message"}
        assert f["severity"] in ("error", "warning", "info")


class TestLintPolicyJson:
    def test_valid_policy_document(self, run: Run, policy_file: Path) -> None:
        r = run(["lint", "policy", policy_file, "--json"])
        assert r.code == 0
        assert r.json() == {
            "valid": True,
            "policy": {
                "mode": "enforce",
                "mx": ["mail.example.com", "*.example.net", "backupmx.example.com"],
                "max_age": 604800,
            },
            "coverage": {},
            "findings": [],
        }

    def test_coverage_maps_each_host_to_covered_or_not(self, run: Run, policy_file: Path) -> None:
        hosts = ["mail.example.com", "mx1.example.net", "backupmx.example.com"]
        args: list[str | Path] = ["lint", "policy", policy_file, "--json"]
        for h in hosts:
            args += ["--host", h]
        r = run(args)
        assert r.code == 0
        assert r.json()["coverage"] == dict.fromkeys(hosts, True)

    def test_an_uncovered_host_in_enforce_makes_it_invalid(
        self, run: Run, policy_file: Path
    ) -> None:
        r = run(
            [
                "lint",
                "policy",
                policy_file,
                "--json",
                "--host",
                "MAIL.example.com.",
                "--host",
                "new.example.org",
            ]
        )
        assert r.code == 1
        doc = r.json()
        assert doc["valid"] is False
        assert doc["coverage"] == {"MAIL.example.com.": True, "new.example.org": False}
        codes = [f["code"] for f in doc["findings"]]
        assert "mx-not-covered" in codes
        assert "policy-mx-unused" in codes
        assert_finding_shape(doc["findings"])

    def test_warnings_alone_still_exit_zero(self, run: Run, tmp_path: Path) -> None:
        path = write(
            tmp_path, "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 3600\n"
        )
        r = run(["lint", "policy", path, "--json"])
        assert r.code == 0
        doc = r.json()
        assert doc["valid"] is True
        severities = [f["severity"] for f in doc["findings"]]
        assert "warning" in severities
        assert severities == sorted(severities, key=["error", "warning", "info"].index)
        assert_finding_shape(doc["findings"])

    def test_invalid_policy_exits_one_with_null_policy(self, run: Run, tmp_path: Path) -> None:
        path = write(
            tmp_path, "version: STSv1\nmode: Enforce\nmx: mail.example.com.\nmax_age: 99999999999\n"
        )
        r = run(["lint", "policy", path, "--json"])
        assert r.code == 1
        doc = r.json()
        assert doc["valid"] is False
        assert doc["policy"] is None
        assert {"policy-mode-invalid", "policy-mx-invalid", "policy-max-age-invalid"} <= {
            f["code"] for f in doc["findings"]
        }
        assert_finding_shape(doc["findings"])

    def test_coverage_is_reported_even_for_an_invalid_policy(
        self, run: Run, tmp_path: Path
    ) -> None:
        path = write(tmp_path, "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: x\n")
        r = run(["lint", "policy", path, "--json", "--host", "mx.example.com"])
        assert r.code == 1
        assert r.json()["coverage"] == {"mx.example.com": True}

    def test_standard_input(self, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("sys.stdin", SimpleNamespace(buffer=io.BytesIO(RFC_POLICY.encode())))
        r = run(["lint", "policy", "-", "--json"])
        assert r.code == 0
        assert r.json()["valid"] is True

    def test_a_policy_over_64_kib_is_invalid(self, run: Run, tmp_path: Path) -> None:
        path = write(tmp_path, RFC_POLICY + "x: " + "a" * 70_000 + "\r\n")
        r = run(["lint", "policy", path, "--json"])
        assert r.code == 1
        assert "policy-too-large" in [f["code"] for f in r.json()["findings"]]

    def test_binary_garbage_is_a_finding_not_a_crash(self, run: Run, tmp_path: Path) -> None:
        path = tmp_path / "bin"
        path.write_bytes(bytes(range(256)))
        r = run(["lint", "policy", path, "--json"])
        assert r.code == 1
        assert r.json()["valid"] is False


class TestLintPolicyText:
    def test_valid_policy_prints_a_summary(self, run: Run, policy_file: Path) -> None:
        r = run(["lint", "policy", policy_file, "--host", "mx.example.net"])
        assert r.code == 0  # unused patterns are only warnings
        assert ": valid\n" in r.out
        assert "mode:    enforce" in r.out
        assert "host mx.example.net: covered by *.example.net" in r.out

    def test_findings_are_printed_with_their_code(self, run: Run, tmp_path: Path) -> None:
        path = write(tmp_path, "version: STSv1\nmode: none\nmax_age: 86400\n")
        r = run(["lint", "policy", path])
        assert r.code == 0
        assert "[policy-mode-none]" in r.out

    def test_control_characters_from_the_file_are_not_sent_to_the_terminal(
        self, run: Run, tmp_path: Path
    ) -> None:
        path = write(
            tmp_path, "version: STSv1\nmode: \x1b[31menforce\nmx: a.example.com\nmax_age: 1\n"
        )
        r = run(["lint", "policy", path])
        assert r.code == 1
        assert "\x1b" not in r.out


class TestLintPolicyUsageErrors:
    def test_missing_file_exits_two(self, run: Run, tmp_path: Path) -> None:
        r = run(["lint", "policy", tmp_path / "nope.txt", "--json"])
        assert r.code == 2
        assert "cannot read" in r.err
        assert r.out == ""

    def test_a_directory_is_not_read(self, run: Run, tmp_path: Path) -> None:
        r = run(["lint", "policy", tmp_path])
        assert r.code == 2
        assert "not a regular file" in r.err or "cannot read" in r.err

    def test_a_fifo_is_refused_without_waiting_for_a_writer(self, run: Run, tmp_path: Path) -> None:
        fifo = tmp_path / "policy.fifo"
        os.mkfifo(fifo)
        r = run(["lint", "policy", fifo])
        assert r.code == 2
        assert "not a regular file" in r.err

    def test_unknown_option_exits_two(self, run: Run, policy_file: Path) -> None:
        assert run(["lint", "policy", policy_file, "--bogus"]).code == 2

    def test_missing_kind_exits_two(self, run: Run) -> None:
        assert run(["lint"]).code == 2

    def test_missing_file_argument_exits_two(self, run: Run) -> None:
        assert run(["lint", "policy"]).code == 2


class TestLintStsRecord:
    def test_rfc_example_is_valid(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1; id=20160831085700Z;", "--json"])
        assert r.code == 0
        assert r.json() == {"valid": True, "id": "20160831085700Z", "findings": []}

    def test_each_value_is_one_record(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1; id=a", "v=STSv1; id=b", "--json"])
        assert r.code == 1
        doc = r.json()
        assert doc["valid"] is False
        assert doc["id"] is None
        assert [f["code"] for f in doc["findings"]] == ["sts-record-multiple"]
        assert_finding_shape(doc["findings"])

    def test_unrelated_values_are_discarded(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=spf1 -all", "v=STSv1; id=abc", "--json"])
        assert r.code == 0
        assert r.json()["id"] == "abc"

    def test_space_before_delimiter_is_valid_with_a_compat_warning(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1 ; id=abc", "--json"])
        assert r.code == 0
        assert r.json()["findings"] == [
            {
                "severity": "warning",
                "code": "sts-record-compat",
                "message": r.json()["findings"][0]["message"],
            }
        ]

    def test_invalid_id_exits_one(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1; id=2016-08-31", "--json"])
        assert r.code == 1
        assert [f["code"] for f in r.json()["findings"]] == ["sts-record-invalid"]

    def test_text_output(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1; id=abc"])
        assert r.code == 0
        assert "id:     abc" in r.out

    def test_no_value_is_a_usage_error(self, run: Run) -> None:
        assert run(["lint", "sts-record"]).code == 2


class TestLintTlsrptRecord:
    @pytest.mark.parametrize(
        ("value", "rua"),
        [
            ("v=TLSRPTv1;rua=mailto:reports@example.com", ["mailto:reports@example.com"]),
            (
                "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
                ["https://reporting.example.com/v1/tlsrpt"],
            ),
        ],
    )
    def test_rfc_examples_are_valid(self, run: Run, value: str, rua: list[str]) -> None:
        r = run(["lint", "tlsrpt-record", value, "--json"])
        assert r.code == 0
        assert r.json() == {"valid": True, "rua": rua, "findings": []}

    def test_unsupported_scheme_exits_one(self, run: Run) -> None:
        r = run(["lint", "tlsrpt-record", "v=TLSRPTv1; rua=ftp://r.example.com/", "--json"])
        assert r.code == 1
        doc = r.json()
        assert doc == {"valid": False, "rua": [], "findings": doc["findings"]}
        assert [f["code"] for f in doc["findings"]] == ["tlsrpt-invalid"]
        assert_finding_shape(doc["findings"])

    def test_no_record_is_missing(self, run: Run) -> None:
        r = run(["lint", "tlsrpt-record", "v=spf1 -all", "--json"])
        assert r.code == 1
        assert [f["code"] for f in r.json()["findings"]] == ["tlsrpt-missing"]

    def test_text_output_lists_destinations(self, run: Run) -> None:
        r = run(
            ["lint", "tlsrpt-record", "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/"]
        )
        assert r.code == 0
        assert "rua:    mailto:a@example.com" in r.out
        assert "rua:    https://r.example.com/" in r.out


def test_json_output_is_a_single_document(run: Run, policy_file: Path) -> None:
    out = run(["lint", "policy", policy_file, "--json"]).out
    json.loads(out)  # no extra text before or after
    assert out.endswith("\n")


class TestStrictestSender:
    """Issue 8 §3: lint judges as the strictest major sender does, and says who rejects."""

    @pytest.mark.parametrize("extra", ["\r\n", " \r\n", "\r\n\r\n"])
    def test_a_trailing_blank_line_makes_the_policy_invalid(
        self, run: Run, tmp_path: Path, extra: str
    ) -> None:
        r = run(["lint", "policy", write(tmp_path, RFC_POLICY + extra), "--json"])
        assert r.code == 1
        doc = r.json()
        assert doc["valid"] is False
        syntax = [f for f in doc["findings"] if f["code"] == "policy-syntax"]
        assert syntax and syntax[0]["severity"] == "error"
        assert "postfix-tlspol" in syntax[0]["message"]

    def test_an_ip_address_as_mx_is_policy_mx_ip(self, run: Run, tmp_path: Path) -> None:
        text = RFC_POLICY.replace("mx: mail.example.com", "mx: 192.0.2.25")
        r = run(["lint", "policy", write(tmp_path, text), "--json"])
        assert r.code == 1
        assert [f["code"] for f in r.json()["findings"]] == ["policy-mx-ip"]

    def test_a_compat_warning_alone_exits_zero(self, run: Run, tmp_path: Path) -> None:
        r = run(["lint", "policy", write(tmp_path, RFC_POLICY + "x-see: https://x.example/\r\n")])
        assert r.code == 0
        assert "policy-compat" in r.out

    def test_trailing_blank_after_the_last_record_field_exits_one(self, run: Run) -> None:
        r = run(["lint", "sts-record", "v=STSv1; id=abc ", "--json"])
        assert r.code == 1
        assert r.json()["valid"] is False
        assert "mox" in r.json()["findings"][0]["message"]

    def test_an_empty_report_destination_exits_one(self, run: Run) -> None:
        r = run(["lint", "tlsrpt-record", "v=TLSRPTv1; rua=mailto:a@example.com,", "--json"])
        assert r.code == 1
        assert r.json()["rua"] == []


LINT_AND_JUDGE_BODIES = [
    RFC_POLICY + "\r\n",
    RFC_POLICY.replace("mx: mail.example.com", "mx: 192.0.2.25"),
    RFC_POLICY + "mode: testing\r\n",
    RFC_POLICY + "x-see: https://x.example/\r\n",
    RFC_POLICY.replace("mx: backupmx.example.com", "mx: ab--cd.example.com"),
    "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 86400\n",
]
LINT_AND_JUDGE_RECORDS = [
    ("v=STSv1; id=abc", "v=TLSRPTv1; rua=mailto:r@example.com"),
    ("v=STSv1; id=abc ", "v=TLSRPTv1; rua=mailto:r@example.com "),
    ("v=STSv1 ; id=abc; id=def", "v=TLSRPTv1 ; rua=mailto:r@example.com,,https://x.example/"),
]


@pytest.mark.parametrize("body", LINT_AND_JUDGE_BODIES)
def test_lint_policy_and_the_check_judge_report_the_same_policy_findings(
    run: Run, tmp_path: Path, body: str
) -> None:
    """One rule, one function: `check` reports everything `lint` reports for the same body."""
    from mtasts_tui.core.facts import DomainFacts, MxLookup, PolicyFetch, TxtLookup
    from mtasts_tui.core.judge import judge

    facts = DomainFacts(
        domain="example.com",
        mx=MxLookup("ok", ()),
        sts=TxtLookup("_mta-sts.example.com", "ok", (("v=STSv1; id=abc",),)),
        tlsrpt=TxtLookup("_smtp._tls.example.com", "ok", (("v=TLSRPTv1; rua=mailto:r@x.org",),)),
        policy=PolicyFetch(
            url="https://mta-sts.example.com/.well-known/mta-sts.txt",
            status=200,
            content_type="text/plain",
            body=body.encode(),
        ),
        mx_probes=(),
    )
    judged = [f.to_json() for f in judge(facts).findings]
    linted = run(["lint", "policy", write(tmp_path, body), "--json"]).json()
    assert linted["findings"], "every body here has at least one finding or none is checked"
    for finding in linted["findings"]:
        assert finding in judged


@pytest.mark.parametrize(("sts", "rpt"), LINT_AND_JUDGE_RECORDS)
def test_lint_records_and_the_check_judge_report_the_same_record_findings(
    run: Run, sts: str, rpt: str
) -> None:
    from mtasts_tui.core.facts import DomainFacts, MxLookup, TxtLookup
    from mtasts_tui.core.judge import judge

    facts = DomainFacts(
        domain="example.com",
        mx=MxLookup("ok", ()),
        sts=TxtLookup("_mta-sts.example.com", "ok", ((sts,),)),
        tlsrpt=TxtLookup("_smtp._tls.example.com", "ok", ((rpt,),)),
        policy=None,
        mx_probes=(),
    )
    judged = [f.to_json() for f in judge(facts).findings]
    for kind, value in (("sts-record", sts), ("tlsrpt-record", rpt)):
        linted = run(["lint", kind, value, "--json"]).json()
        for finding in linted["findings"]:
            assert finding in judged
