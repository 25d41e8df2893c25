"""`mtasts-tui check`: the JSON contract, exit codes and hostile input, against the lab."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import pytest

from mtasts_tui.cli import main
from mtasts_tui.commands.check_json import CheckJson, CheckJsonKeys, MxTlsJson, PolicyJson
from mtasts_tui.lab import Lab

from tests.conftest import lab_network_args

JSON_KEYS = {
    "domain",
    "mx",
    "sts_record",
    "policy",
    "tlsrpt",
    "mx_tls",
    "findings",
    "enforce_ready",
}


def run_check(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args, *lab_network_args(lab)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_is_one_object_per_domain_per_line_with_the_contract_keys(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    domains = [lab.domain("good"), lab.domain("demo"), lab.domain("no-sts")]
    code, out, _ = run_check(lab, capsys, "--json", *domains)
    lines = out.splitlines()
    assert len(lines) == 3
    objects = {obj["domain"]: obj for obj in map(json.loads, lines)}
    assert set(objects) == set(domains)
    for obj in objects.values():
        assert obj.keys() >= JSON_KEYS
        assert obj["sts_record"].keys() >= {"present", "raw", "id", "valid"}
        assert obj["policy"].keys() >= {"url", "fetched", "raw", "mode", "mx", "max_age", "valid"}
        assert obj["tlsrpt"].keys() >= {"present", "raw", "rua", "valid"}
        for finding in obj["findings"]:
            assert set(finding) == {"severity", "code", "message"}
        for mx in obj["mx_tls"]:
            assert mx.keys() >= {
                "host",
                "starttls",
                "tls_version",
                "cert_valid",
                "matches_policy",
                "error",
            }
        # Exactly the typed contract (commands/check_json.py), which the README is checked against.
        assert set(CheckJsonKeys.__annotations__) <= set(obj) <= set(get_type_hints(CheckJson))
        assert set(obj["policy"]) == set(PolicyJson.__annotations__)
        assert all(set(mx) == set(MxTlsJson.__annotations__) for mx in obj["mx_tls"])
    good = objects[lab.domain("good")]
    assert good["enforce_ready"] is True
    assert good["policy"]["mode"] == "enforce" and good["policy"]["fetched"] is True
    assert all(m["matches_policy"] and m["cert_valid"] for m in good["mx_tls"])
    demo = objects[lab.domain("demo")]
    assert demo["enforce_ready"] is False
    assert [m["matches_policy"] for m in demo["mx_tls"]].count(False) == 1
    assert objects[lab.domain("no-sts")]["sts_record"]["present"] is False
    assert code == 1  # no-sts carries an error finding


def test_exit_code_is_0_without_error_findings(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_check(lab, capsys, lab.domain("good"))
    assert code == 0
    assert "Enforcing" in out


def test_exit_code_is_1_with_any_error_finding(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run_check(lab, capsys, "--json", lab.domain("no-starttls"))
    assert code == 1


@pytest.mark.parametrize(
    "bad",
    [
        ["check"],
        ["check", "../etc/passwd"],
        ["check", "example.com", "--resolver", "not-an-ip"],
        ["check", "example.com", "--timeout", "0"],
        ["check", "example.com", "--concurrency", "0"],
    ],
)
def test_usage_errors_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(bad))
    assert exc.value.code == 2
    assert capsys.readouterr().err


def test_idn_uppercase_and_trailing_dot_are_folded_and_shown_both_ways(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    idn = lab.domain("idn")  # the A-label form
    unicode_name = lab.scenario("idn").domain
    typed = ("bücher.test" if "bcher" in idn else unicode_name).upper() + "."
    code, out, _ = run_check(lab, capsys, "--json", typed)
    obj = json.loads(out)
    assert obj["domain"] == idn
    assert obj["domain_unicode"] == "bücher.test"
    assert code == 0


def test_remote_markup_and_escapes_come_out_literally(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_check(lab, capsys, "--json", lab.domain("hostile"))
    obj = json.loads(out)
    assert "[bold red]pwned[/]" in obj["policy"]["raw"]
    assert "\x1b[31m" in obj["policy"]["raw"]  # JSON keeps the data exact
    assert code == 1  # the escape characters make the policy invalid
    _, human, _ = run_check(lab, capsys, lab.domain("hostile"))
    assert "\x1b" not in human and "\x07" not in human
    assert "\\x1b[31m" in human
    assert "[bold red]pwned[/]" in human


def test_a_failing_domain_does_not_stop_the_others(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["hang", "good", "servfail", "testing"]
    code, out, _ = run_check(
        lab, capsys, "--json", "--concurrency", "2", *[lab.domain(n) for n in names]
    )
    got = {json.loads(line)["domain"] for line in out.splitlines()}
    assert got == {lab.domain(n) for n in names}
    assert code == 1


def test_python_dash_m_runs_the_same_command(lab: Lab) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mtasts_tui",
            "check",
            "--json",
            lab.domain("good"),
            *lab_network_args(lab),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["enforce_ready"] is True


def test_a_policy_served_as_html_was_fetched_but_is_not_valid(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_check(lab, capsys, "--json", lab.domain("html"))
    policy = json.loads(out)["policy"]
    assert policy["fetched"] is True
    assert policy["mode"] == "enforce"
    assert policy["valid"] is False
    assert code == 1


def test_a_redirect_is_not_fetched(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_check(lab, capsys, "--json", lab.domain("redirect"))
    policy = json.loads(out)["policy"]
    assert policy["fetched"] is False and policy["valid"] is False
    assert policy["raw"] is None and policy["status"] == 301


def test_domains_can_come_from_stdin_one_per_line(
    lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"# batch\n{lab.domain('good')}\n\n{lab.domain('testing')}  # trailing note\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, _ = run_check(lab, capsys, "--json", "-", lab.domain("good"))
    got = [json.loads(line)["domain"] for line in out.splitlines()]
    assert sorted(got) == sorted([lab.domain("good"), lab.domain("testing")])  # no duplicate
    assert code == 0


def test_an_empty_stdin_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("# nothing\n"))
    assert main(["check", "-"]) == 2
    assert "no domain" in capsys.readouterr().err


def _report(domain: str, failed: int) -> dict[str, object]:
    details = (
        [
            {
                "result-type": "certificate-expired",
                "sending-mta-ip": "192.0.2.1",
                "receiving-mx-hostname": f"mx1.{domain}",
                "failed-session-count": failed,
            }
        ]
        if failed
        else []
    )
    return {
        "organization-name": "Sender Inc.",
        "date-range": {
            "start-datetime": "2026-11-20T00:00:00Z",
            "end-datetime": "2026-11-20T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": f"r-{domain}-{failed}",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing"],
                    "policy-domain": domain,
                    "mx-host": [f"mx1.{domain}"],
                },
                "summary": {
                    "total-successful-session-count": 500,
                    "total-failure-session-count": failed,
                },
                "failure-details": details,
            }
        ],
    }


def test_reports_with_sts_failures_join_the_verdict_and_the_exit_code(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good, testing = lab.domain("good"), lab.domain("testing")
    (tmp_path / "a.json").write_text(json.dumps(_report(good, 12)))
    (tmp_path / "b.json").write_text(json.dumps(_report(testing, 0)))
    code, out, _ = run_check(
        lab, capsys, "--json", "--reports", str(tmp_path), good, testing, lab.domain("charset")
    )
    objects = {o["domain"]: o for o in map(json.loads, out.splitlines())}
    failing = objects[good]
    assert failing["enforce_ready"] is False  # the servers pass, real sessions did not
    assert "12 failed sessions" in failing["verdict"]
    assert any(f["code"] == "reports-sts-failures" for f in failing["findings"])
    assert failing["reports"]["status"] == "sts-failures"
    clean = objects[testing]
    assert clean["enforce_ready"] is True and "reports agree" in clean["verdict"]
    assert objects[lab.domain("charset")]["reports"] is None  # no report for that domain
    assert code == 1


def test_a_missing_reports_path_is_a_usage_error(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_check(lab, capsys, "--reports", str(tmp_path / "nope"), lab.domain("good"))
    assert code == 2 and "no such file" in err


# --- every address and the three-valued verdict (issue 8 §1-2) --------------------------------

MX_ADDRESS_KEYS = {
    "address",
    "family",
    "reachable",
    "starttls",
    "tls_version",
    "cipher",
    "cert_valid",
    "cert_names",
    "cert_not_after",
    "cert_sha256",
    "banner",
    "error",
}
POLICY_ADDRESS_KEYS = {
    "address",
    "family",
    "status",
    "content_type",
    "body_sha256",
    "tls_version",
    "cert_names",
    "cert_not_after",
    "error",
}


def test_json_lists_every_mx_and_policy_address_with_exactly_the_contract_keys(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_check(lab, capsys, "--json", lab.domain("mx-address-failed"))
    obj = json.loads(out)
    for mx in obj["mx_tls"]:
        assert mx["addresses"], mx["host"]
        for address in mx["addresses"]:
            assert set(address) == MX_ADDRESS_KEYS
            assert address["family"] in ("ipv4", "ipv6")
    mx2 = next(m for m in obj["mx_tls"] if m["host"].startswith("mx2."))
    good, bad = mx2["addresses"]
    assert good["cert_valid"] is True and bad["cert_valid"] is False
    assert mx2["cert_valid"] is False  # true only when every reachable address agrees
    assert len(good["cert_sha256"]) == 64 and good["cert_sha256"] != bad["cert_sha256"]
    assert [a["address"] for a in mx2["addresses"]] == lab.addresses_of(mx2["host"])
    [policy_address] = obj["policy"]["addresses"]
    assert set(policy_address) == POLICY_ADDRESS_KEYS
    assert policy_address["status"] == 200 and len(policy_address["body_sha256"]) == 64
    assert obj["enforce_ready"] is False
    assert "mx-address-failed" in {f["code"] for f in obj["findings"]}
    assert code == 1


def test_json_policy_addresses_show_the_odd_body_out(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_check(lab, capsys, "--json", lab.domain("policy-inconsistent"))
    obj = json.loads(out)
    first, second = obj["policy"]["addresses"]
    assert first["body_sha256"] != second["body_sha256"]
    assert obj["policy"]["mode"] == "enforce"  # the fields of the address that came first
    finding = next(f for f in obj["findings"] if f["code"] == "policy-inconsistent")
    assert second["address"] in finding["message"]


def test_enforce_ready_is_null_when_it_cannot_tell_and_the_exit_code_stays_0(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_check(lab, capsys, "--json", "--no-smtp", lab.domain("good"))
    obj = json.loads(out)
    assert obj["enforce_ready"] is None
    assert obj["verdict"].startswith("Cannot tell")
    assert code == 0  # only an error finding makes it 1


def test_the_human_verdict_says_which_of_the_three_it_is(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ready, _ = run_check(lab, capsys, lab.domain("good"))
    _, blocked, _ = run_check(lab, capsys, lab.domain("mx-address-failed"))
    _, unknown, _ = run_check(lab, capsys, "--no-smtp", lab.domain("good"))
    assert "READY: Enforcing" in ready
    assert "NOT READY: Not safe to enforce" in blocked
    assert "CANNOT TELL: Cannot tell" in unknown and "--no-smtp" in unknown
    assert "FAILS" in blocked  # one line per address of a host with several


def test_a_failed_lookup_is_not_shown_as_a_missing_record(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_check(lab, capsys, lab.domain("dns-truncated"), lab.domain("servfail-mx"))
    assert "_mta-sts    (lookup failed: the answer was truncated (TC) even over TCP)" in out
    assert "MX lookup failed: SERVFAIL" in out
    assert "no MX records" not in out


def test_network_options_work_before_the_subcommand(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    before = main([*lab_network_args(lab), "check", "--json", lab.domain("good")])
    captured = capsys.readouterr()
    assert before == 0, captured.err
    assert json.loads(captured.out)["enforce_ready"] is True
    # Mixed: some before, some after, and --timeout=N.
    args = lab_network_args(lab)
    mixed = main([*args[:4], "--timeout=2", "check", lab.domain("good"), "--json", *args[4:8]])
    captured = capsys.readouterr()
    assert mixed == 0, captured.err
    assert json.loads(captured.out)["domain"] == lab.domain("good")
