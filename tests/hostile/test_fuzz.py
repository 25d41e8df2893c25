"""A fuzz target per parser (policy, records, report JSON, mail, gzip), driven by hypothesis.

(The same parsers also get coverage-guided fuzzing with atheris: ``fuzz_atheris.py``.)

Each target feeds generated input (raw bytes, mutated valid input and structured input) to the
parser and holds it to its contract: it returns, or raises only the one documented exception,
and what it returns is consistent. The example budget is fixed (``MTASTS_FUZZ_EXAMPLES``,
default 100 per target) so the suite runs in bounded time in CI; raise it locally for a longer
campaign, e.g. ``MTASTS_FUZZ_EXAMPLES=20000 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtasts_tui.core.findings import Finding
from mtasts_tui.core.policy import parse_policy
from mtasts_tui.core.stsrecord import check_sts_records
from mtasts_tui.core.tlsrpt import check_tlsrpt_records
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.parse import MAX_COUNT, ReportParseError, parse_report
from mtasts_tui.reports.sources import (
    RawReport,
    TooLarge,
    WorkBudget,
    _read_email,
    gunzip_capped,
)

from tests.hostile.inputs import mime_message, report

EXAMPLES = int(os.environ.get("MTASTS_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few bytes flipped, cut, duplicated or inserted: near-valid input."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(max_size=16))
    return bytes(data)


# --- policy ---------------------------------------------------------------------------------

POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
POLICY += b"max_age: 604800\r\n"


@FUZZ
@given(st.one_of(st.binary(max_size=2048), mutated(POLICY), st.text(max_size=512)))
def test_policy_parser_never_fails_and_is_consistent(data: bytes | str) -> None:
    result = parse_policy(data)
    assert result.valid == (result.policy is not None)
    errors = [f for f in result.findings if f.severity == "error"]
    assert result.valid == (not errors)
    for f in result.findings:
        assert isinstance(f, Finding) and f.code and f.message


# --- records --------------------------------------------------------------------------------

record_piece = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    st.sampled_from(["v=STSv1; id=20260301T000000Z", "v=TLSRPTv1; rua=mailto:a@example.com"]),
)


@FUZZ
@given(st.lists(st.one_of(record_piece, st.lists(record_piece, max_size=4)), max_size=4))
def test_record_parsers_never_fail(records: list[Any]) -> None:
    sts = check_sts_records(records)
    assert sts.valid == (
        sts.id is not None and not any(f.severity == "error" for f in sts.findings)
    )
    rpt = check_tlsrpt_records(records)
    if rpt.valid:
        assert rpt.rua


# --- report JSON ----------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T00:00:00Z", "sts"]
    ),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(
            st.sampled_from(
                [
                    "policies",
                    "policy",
                    "summary",
                    "failure-details",
                    "policy-type",
                    "policy-domain",
                    "date-range",
                    "start-datetime",
                    "end-datetime",
                    "total-successful-session-count",
                    "total-failure-session-count",
                    "failed-session-count",
                    "result-type",
                    "mx-host",
                    "report-id",
                    "organization-name",
                ]
            )
            | st.text(max_size=10),
            inner,
            max_size=6,
        ),
    ),
    max_leaves=40,
)


def _check_report(result: ParsedReport) -> None:
    for p in result.policies:
        assert 0 <= p.successful <= MAX_COUNT and 0 <= p.failed <= 10**15
        for d in p.failure_details:
            assert 0 <= d.failed_session_count <= MAX_COUNT
    json.dumps([str(w) for w in result.warnings])


@FUZZ
@given(json_value)
def test_report_parser_takes_any_json(doc: Any) -> None:
    try:
        _check_report(parse_report(json.dumps(doc).encode(), "fuzz.json"))
    except ReportParseError as exc:
        assert exc.finding.code == "report-unreadable"


@FUZZ
@given(st.one_of(st.binary(max_size=2048), mutated(json.dumps(report()).encode())))
def test_report_parser_takes_any_bytes(data: bytes) -> None:
    try:
        _check_report(parse_report(data, "fuzz.json"))
    except ReportParseError:
        pass


# --- gzip -----------------------------------------------------------------------------------


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=1024),
        mutated(gzip.compress(b'{"a": 1}') * 3),
        st.lists(st.binary(max_size=64), max_size=8).map(
            lambda parts: b"".join(gzip.compress(p) for p in parts)
        ),
    )
)
def test_gunzip_raises_only_its_documented_errors(data: bytes) -> None:
    try:
        out = gunzip_capped(data, 4096, max_members=16)
    except (TooLarge, ValueError, zlib.error, EOFError):
        return
    assert len(out) <= 4096


# --- mail -----------------------------------------------------------------------------------

MAIL = mime_message(
    [
        ("application/tlsrpt+gzip", "s!example.com!1!2.json.gz", gzip.compress(b'{"x":1}')),
        ("application/tlsrpt+json", "r.json", json.dumps(report()).encode()),
    ]
)


@st.composite
def structured_mail(draw: st.DrawFn) -> bytes:
    """A MIME tree of random shape: nested multiparts, odd boundaries and encodings."""

    def entity(depth: int) -> bytes:
        if depth < 3 and draw(st.booleans()):
            boundary = draw(st.text("abc-=_'()+,./:?", min_size=1, max_size=12))
            parts = [entity(depth + 1) for _ in range(draw(st.integers(0, 3)))]
            body = b"".join(b"--" + boundary.encode() + b"\n" + p for p in parts)
            close = b"--" + boundary.encode() + b"--\n" if draw(st.booleans()) else b""
            head = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'.encode()
            return head + draw(st.binary(max_size=20)) + b"\n" + body + close
        ctype = draw(st.sampled_from(["application/tlsrpt+json", "text/plain", "application/zip"]))
        cte = draw(st.sampled_from(["base64", "quoted-printable", "7bit", "x-bogus"]))
        payload = draw(st.binary(max_size=120))
        if cte == "base64" and draw(st.booleans()):
            payload = base64.encodebytes(payload)
        return f"Content-Type: {ctype}\nContent-Transfer-Encoding: {cte}\n\n".encode() + payload

    return b"Subject: fuzz\n" + entity(0)


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(MAIL), structured_mail()))
def test_mail_reader_never_fails(data: bytes) -> None:
    lines = iter(data.splitlines(keepends=True))
    items = list(_read_email(lines, "fuzz.eml", WorkBudget()))
    for item in items:
        assert isinstance(item, RawReport | Finding)
