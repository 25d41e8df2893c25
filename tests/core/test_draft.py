"""One validator for a drafted policy: the editor, `export` and `lint` agree on every input.

The editor's verdict is `check_draft` (what the edit, review and export screens show), export's
is the exit code of `mtasts-tui export`, and lint's is the exit codes of `lint policy`,
`lint sts-record` and `lint tlsrpt-record` on the files and records the same fields make.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.cli import main
from mtasts_tui.core.bundle import BundleSpec, make_bundle_spec
from mtasts_tui.core.draft import DraftFields, validate_draft
from mtasts_tui.core.policy import MAX_AGE_LIMIT, MODES, parse_mode, parse_policy, render_policy
from mtasts_tui.core.stsrecord import check_sts_records, sts_record_value
from mtasts_tui.core.tlsrpt import check_tlsrpt_records, tlsrpt_record_value
from mtasts_tui.tui.draft import Draft, Live, check_draft

from tests.core.helpers import codes

GOOD_ID = "20260302T101500Z"
CREATED = date(2026, 3, 2)


@dataclass(frozen=True)
class Row:
    mode: str = "testing"
    mx: tuple[str, ...] = ("mail.example.com",)
    max_age: str = "86400"
    rua: tuple[str, ...] = ("mailto:tlsrpt@example.com",)
    policy_id: str = GOOD_ID

    def fields(self) -> DraftFields:
        return DraftFields(self.mode, self.mx, self.max_age, self.rua, self.policy_id)


GOOD = {
    "defaults": Row(),
    "max_age 0": Row(max_age="0"),
    "max_age at the limit": Row(max_age="31557600"),
    "max_age with leading zeros": Row(max_age="0086400"),
    "max_age of ten zeros": Row(max_age="0000000000"),
    "enforce with a week": Row(mode="enforce", max_age="604800"),
    "mode none without mx": Row(mode="none", mx=()),
    "wildcard pattern": Row(mx=("*.example.com",)),
    "uppercase pattern": Row(mx=("MAIL.Example.COM",)),
    "IDN pattern as an A-label": Row(mx=("mail.xn--bcher-kva.example",)),
    "wildcard over an A-label": Row(mx=("*.xn--bcher-kva.example",)),
    "several patterns": Row(mx=("mx1.example.com", "mx2.example.com", "*.example.net")),
    "https destination": Row(rua=("https://reports.example.com/tlsrpt",)),
    "mailto and https": Row(rua=("mailto:a@example.com", "https://r.example.com/v1")),
    "no destination at all": Row(rua=()),
    "32-character id": Row(policy_id="a" * 32),
}

BAD = {
    "max_age one above the limit": Row(max_age="31557601"),
    "max_age of eleven digits": Row(max_age="00000000001"),
    "max_age negative": Row(max_age="-1"),
    "max_age with an exponent": Row(max_age="1e5"),
    "max_age with a unit": Row(max_age="86400s"),
    "max_age in words": Row(max_age="a day"),
    "max_age empty": Row(max_age=""),
    "max_age in fullwidth digits": Row(max_age="８６４００"),
    "testing without mx": Row(mx=()),
    "enforce without mx": Row(mode="enforce", mx=()),
    "empty pattern": Row(mx=("",)),
    "two wildcards": Row(mx=("*.*.example.com",)),
    "wildcard inside a label": Row(mx=("mx*.example.com",)),
    "wildcard below the left-most label": Row(mx=("a.*.example.com",)),
    "bare wildcard": Row(mx=("mail.example.com", "*")),
    "pattern with a trailing dot": Row(mx=("mail.example.com.",)),
    "IDN pattern as a U-label": Row(mx=("mail.bücher.example",)),
    "wildcard over a U-label": Row(mx=("*.bücher.example",)),
    "xn-- label that does not decode": Row(mx=("xn--zz.example.com",)),
    "IP address pattern": Row(mx=("192.0.2.25",)),
    "all-digit last label": Row(mx=("mail.example.123",)),
    "mode in uppercase": Row(mode="Enforce"),
    "unknown mode": Row(mode="off"),
    "empty mode": Row(mode=""),
    "http destination": Row(rua=("http://r.example.com/",)),
    "destination without a scheme": Row(rua=("tlsrpt@example.com",)),
    "ftp destination alone": Row(rua=("ftp://x.example.com/",)),
    "mailto without an address": Row(rua=("mailto:",)),
    "empty id": Row(policy_id=""),
    "id with dashes": Row(policy_id="2026-03-02"),
    "33-character id": Row(policy_id="a" * 33),
}

AUTHOR_ONLY = {
    "label with -- in 3rd-4th place": (Row(mx=("ab--cd.example.com",)), "policy-compat"),
    "ftp destination beside a mailto one": (
        Row(rua=("mailto:tlsrpt@example.com", "ftp://x.example.com/")),
        "tlsrpt-invalid",
    ),
}
"""Refused by the editor and export, which never write what some sender rejects; lint, which
judges what is already published, calls the artefacts valid and warns with this code (README,
"Where the RFC and real senders differ")."""

NOT_IN_A_FILE = {
    "line break in a pattern": Row(mx=("mail.example.com\nmx: evil.example",)),
}
"""No policy file holds these as one field, so lint has nothing to compare."""


def run_cli(argv: Sequence[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def editor_accepts(row: Row) -> bool:
    """What the edit, review and export screens decide (a mode the form cannot hold is refused)."""
    mode = parse_mode(row.mode)
    if mode is None:
        saved = {"mode": row.mode, "mx": [], "max_age": "1", "rua": [], "policy_id": "a"}
        assert Draft.from_json(saved) is None
        return False
    return check_draft(Draft(mode, row.mx, row.max_age, row.rua, row.policy_id), Live()).ok


def export_accepts(row: Row, out: Path, capsys: pytest.CaptureFixture[str]) -> bool:
    argv: list[object] = ["export", "--domain", "example.com", "--mode", row.mode, "--out", out]
    argv += [f"--max-age={row.max_age}", f"--id={row.policy_id}"]
    for pattern in row.mx:
        argv += ["--mx", pattern]
    for uri in row.rua:
        argv += ["--rua", uri]
    code, _ = run_cli(argv, capsys)
    assert code in (0, 2)
    assert out.exists() == (code == 0)
    return code == 0


def lint_verdict(
    row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[bool, set[str]]:
    """(every lint exit code is 0, the codes of every warning lint gave)."""
    policy = tmp_path / "mta-sts.txt"
    lines = ["version: STSv1", f"mode: {row.mode}", *(f"mx: {p}" for p in row.mx)]
    policy.write_bytes(
        "".join(f"{line}\r\n" for line in [*lines, f"max_age: {row.max_age}"]).encode()
    )
    runs: list[list[object]] = [["lint", "policy", policy, "--json"]]
    runs.append(["lint", "sts-record", sts_record_value(row.policy_id), "--json"])
    if row.rua:
        runs.append(["lint", "tlsrpt-record", tlsrpt_record_value(row.rua), "--json"])
    valid, warnings = True, set[str]()
    for argv in runs:
        code, out = run_cli(argv, capsys)
        result: dict[str, Any] = json.loads(out)
        assert code == (0 if result["valid"] else 1)
        valid = valid and result["valid"]
        warnings |= {f["code"] for f in result["findings"] if f["severity"] == "warning"}
    return valid, warnings


class TestEditorExportAndLintAgree:
    @pytest.mark.parametrize("row", GOOD.values(), ids=GOOD.keys())
    def test_a_good_draft_is_accepted_by_all_three(
        self, row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert validate_draft(row.fields()).ok
        assert editor_accepts(row)
        assert export_accepts(row, tmp_path / "bundle", capsys)
        assert lint_verdict(row, tmp_path, capsys)[0]

    @pytest.mark.parametrize("row", BAD.values(), ids=BAD.keys())
    def test_a_bad_draft_is_refused_by_all_three(
        self, row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert not validate_draft(row.fields()).ok
        assert not editor_accepts(row)
        assert not export_accepts(row, tmp_path / "bundle", capsys)
        assert not lint_verdict(row, tmp_path, capsys)[0]

    @pytest.mark.parametrize(("row", "code"), AUTHOR_ONLY.values(), ids=AUTHOR_ONLY.keys())
    def test_what_some_sender_rejects_is_refused_to_authors_and_a_warning_in_lint(
        self, row: Row, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert not editor_accepts(row)
        assert not export_accepts(row, tmp_path / "bundle", capsys)
        valid, warnings = lint_verdict(row, tmp_path, capsys)
        assert valid
        assert code in warnings

    @pytest.mark.parametrize("row", NOT_IN_A_FILE.values(), ids=NOT_IN_A_FILE.keys())
    def test_a_field_that_would_smuggle_a_line_is_refused(
        self, row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert not editor_accepts(row)
        assert not export_accepts(row, tmp_path / "bundle", capsys)


class TestValidateDraft:
    def test_every_problem_is_named_at_once_per_field(self) -> None:
        v = validate_draft(
            DraftFields("off", ("a.*.b.example", "ok.example.com"), "x", ("ftp://x",), "-")
        )
        assert [(p.field, p.index) for p in v.problems] == [
            ("mode", None),
            ("mx", 0),
            ("max_age", None),
            ("policy_id", None),
            ("rua", 0),
        ]
        assert v.policy is None
        assert v.policy_check is None
        assert all(p.message.endswith(".") for p in v.problems)

    def test_a_valid_draft_carries_the_policy_the_parser_accepts(self) -> None:
        v = validate_draft(DraftFields("enforce", ("mail.example.com",), " 0604800 ", (), "a1"))
        assert v.ok
        assert v.mode == "enforce"
        assert v.max_age == 604800
        assert v.policy is not None
        assert v.policy.max_age == 604800
        assert parse_policy(render_policy(v.policy)).policy == v.policy

    def test_an_empty_mx_list_is_one_problem_for_the_field_as_a_whole(self) -> None:
        v = validate_draft(DraftFields("testing", (), "86400", (), "a1"))
        assert [(p.field, p.index, p.problem) for p in v.problems] == [
            ("mx", None, "mode testing needs at least one mx pattern.")
        ]
        # The editor's preview still shows what the parser says about the file.
        assert v.policy_check is not None
        assert "policy-mx-missing" in codes(v.policy_check.findings)

    def test_the_bounds_message_names_the_limit(self) -> None:
        (problem,) = validate_draft(
            DraftFields("none", (), str(MAX_AGE_LIMIT + 1), (), "a1")
        ).problems
        assert problem.field == "max_age"
        assert str(MAX_AGE_LIMIT) in problem.message

    def test_export_lists_the_same_messages_after_the_domain(self) -> None:
        fields = DraftFields("off", ("mail.example.com.",), "86400", (), "x-y")
        spec = make_bundle_spec("a/b", fields.mode, fields.mx, 86400, (), fields.policy_id, CREATED)
        assert isinstance(spec, list)
        assert spec[1:] == validate_draft(fields).messages()
        assert len(spec) == 4


class TestExportCommand:
    def test_a_bad_max_age_is_listed_with_every_other_problem(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = ["export", "--domain", "example.com", "--mode", "off", "--max-age", "1e5"]
        argv += ["--id", "x-y", "--out", str(tmp_path / "b")]
        assert main(argv) == 2
        err = capsys.readouterr().err
        fields = DraftFields("off", (), "1e5", (), "x-y")
        assert err.splitlines()[1:] == [f"  - {m}" for m in validate_draft(fields).messages()]
        assert len(err.splitlines()) == 4

    def test_blanks_around_max_age_are_ignored_as_in_the_editor(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = ["export", "--domain", "example.com", "--mode", "none", "--max-age", " 86400 "]
        assert run_cli([*argv, "--out", tmp_path / "b"], capsys)[0] == 0
        policy = (tmp_path / "b/mta-sts.example.com/.well-known/mta-sts.txt").read_bytes()
        assert policy.endswith(b"\r\nmax_age: 86400\r\n")


class TestParseMode:
    @pytest.mark.parametrize("mode", MODES)
    def test_each_mode_narrows_to_itself(self, mode: str) -> None:
        assert parse_mode(mode) == mode

    @pytest.mark.parametrize(
        "text", ["", "Enforce", "TESTING", " none", "none ", "off", "enforce\n"]
    )
    def test_anything_else_is_no_mode(self, text: str) -> None:
        assert parse_mode(text) is None

    def test_a_fetched_policy_with_an_unknown_mode_is_still_reported(self) -> None:
        result = parse_policy(
            "version: STSv1\r\nmode: Enforce\r\nmx: a.example.com\r\nmax_age: 1\r\n"
        )
        assert result.policy is None
        assert result.mode == "Enforce"
        assert "policy-mode-invalid" in codes(result.findings)
        assert "Write 'enforce' in lowercase" in " ".join(f.message for f in result.findings)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten: most drafts go wrong in one field, not in all five."""
    return st.integers(0, 9).flatmap(lambda n: bad if n == 0 else good)


_good_patterns = st.sampled_from([p for r in GOOD.values() for p in r.mx])
_bad_patterns = st.sampled_from([*(p for r in BAD.values() for p in r.mx), "ab--cd.example"])
_good_rua = st.sampled_from(["mailto:tlsrpt@example.com", "https://r.example.com/x"])
_bad_rua = st.sampled_from(["ftp://x.example.com/", "a@example.com", "mailto:"])
drafts = st.builds(
    DraftFields,
    mode=mostly(st.sampled_from(MODES), st.sampled_from(["Enforce", "off", ""])),
    mx=st.lists(mostly(_good_patterns, _bad_patterns), max_size=3).map(tuple),
    max_age=mostly(
        st.integers(0, MAX_AGE_LIMIT).map(str),
        st.one_of(
            st.from_regex(r"\A[0-9]{8,11}\Z"), st.sampled_from(["", "-1", "1e5", " 60 ", "0" * 11])
        ),
    ),
    rua=st.lists(mostly(_good_rua, _bad_rua), max_size=2).map(tuple),
    policy_id=mostly(
        st.from_regex(r"\A[A-Za-z0-9]{1,32}\Z"), st.sampled_from(["", "a-b", "a" * 33])
    ),
)
"""Drafts near the edges: some valid, most wrong in one field or a few."""


@settings(max_examples=150, deadline=None)
@given(drafts)
def test_editor_and_export_agree_and_what_they_accept_lints_clean(fields: DraftFields) -> None:
    verdict = validate_draft(fields)
    spec = make_bundle_spec(
        "example.com", fields.mode, fields.mx, fields.max_age, fields.rua, fields.policy_id, CREATED
    )
    assert isinstance(spec, BundleSpec) == verdict.ok
    mode = parse_mode(fields.mode)
    if mode is not None:
        draft = Draft(mode, fields.mx, fields.max_age, fields.rua, fields.policy_id)
        assert check_draft(draft, Live()).ok == verdict.ok
    if not isinstance(spec, BundleSpec):
        assert spec == verdict.messages()
        return
    # Our own export never produces anything a sender rejects: no error, no compat warning.
    policy = parse_policy(render_policy(spec.policy))
    sts = check_sts_records([sts_record_value(spec.policy_id)])
    findings = [*policy.findings, *sts.findings]
    if spec.rua:
        findings += check_tlsrpt_records([tlsrpt_record_value(spec.rua)]).findings
    assert policy.policy == spec.policy
    rejected = [f for f in findings if f.severity == "error" or f.code.endswith("-compat")]
    assert not rejected
    assert "tlsrpt-invalid" not in codes(findings)
