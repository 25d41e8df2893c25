"""parse_report: the RFC 8460 example, and the tolerance real senders need."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtasts_tui.reports.parse import ReportParseError, domain_from_filename, parse_report

from tests.reports.tlsrpt_samples import clean_report, rfc_report


def codes(report: Any) -> set[str]:
    return {w.code for w in report.warnings}


def test_rfc_example_parses_cleanly() -> None:
    r = parse_report(json.dumps(rfc_report()).encode(), "rfc.json")
    assert r.organization == "Company-X"
    assert r.contact == "sts-reporting@company-x.example"
    assert r.report_id == "5065427c-23d3-47ca-b6e0-946ea0e8c4be"
    assert r.start == datetime(2016, 4, 1, tzinfo=UTC)
    assert r.end == datetime(2016, 4, 1, 23, 59, 59, tzinfo=UTC)
    assert r.warnings == ()
    (p,) = r.policies
    assert p.policy_type == "sts"
    assert p.policy_domain == "company-y.example"
    assert p.mx_hosts == ("*.mail.company-y.example",)  # a string in the RFC example
    assert p.policy_strings[0] == "version: STSv1"
    assert (p.successful, p.failed) == (5326, 303)
    assert [d.result_type for d in p.failure_details] == [
        "certificate-expired",
        "starttls-not-supported",
        "validation-failure",
    ]
    first, second, third = p.failure_details
    assert first.receiving_mx_hostname == "mx1.mail.company-y.example"
    assert first.receiving_ip is None
    assert second.receiving_ip == "203.0.113.56"
    assert second.additional_information is not None
    assert third.failure_reason_code == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"
    assert sum(d.failed_session_count for d in p.failure_details) == 303


def test_mx_host_as_array_and_string() -> None:
    doc = rfc_report()
    doc["policies"][0]["policy"]["mx-host"] = ["mx1.Example.", "mx2.example"]
    r = parse_report(doc, "x")
    assert r.policies[0].mx_hosts == ("mx1.example", "mx2.example")


def test_missing_sending_mta_ip_and_null_contact() -> None:
    doc = rfc_report()
    doc["contact-info"] = None
    del doc["policies"][0]["failure-details"][0]["sending-mta-ip"]
    r = parse_report(doc, "x")
    assert r.contact is None
    assert r.policies[0].failure_details[0].sending_mta_ip is None
    assert all(w.severity == "info" for w in r.warnings)


def test_no_policy_found_without_domain_uses_hint() -> None:
    doc = clean_report()
    doc["policies"][0]["policy"] = {"policy-type": "no-policy-found"}
    r = parse_report(doc, "x", domain_hint="hinted.example")
    assert r.policies[0].policy_type == "no-policy-found"
    assert r.policies[0].policy_domain == "hinted.example"
    assert "report-policy-domain-missing" not in codes(r)
    r2 = parse_report(doc, "x")
    assert r2.policies[0].policy_domain is None


def test_domain_from_rfc_filename() -> None:
    name = "mail.sndr.example.com!example.net!1470013207!1470186007!001.json.gz"
    assert domain_from_filename("/some/dir/" + name) == "example.net"
    assert domain_from_filename("report.json") is None


def test_timestamp_without_zone_assumed_utc_with_warning() -> None:
    doc = rfc_report()
    doc["date-range"] = {
        "start-datetime": "2016-04-01T00:00:00",
        "end-datetime": "2016-04-01 23:59:59",
    }
    r = parse_report(doc, "x")
    assert r.start == datetime(2016, 4, 1, tzinfo=UTC)
    assert r.end is not None and r.end.tzinfo is not None
    assert "report-date-no-timezone" in codes(r)


def test_timestamp_with_offset_converted_to_utc() -> None:
    doc = rfc_report()
    doc["date-range"]["start-datetime"] = "2016-04-01T02:00:00+02:00"
    assert parse_report(doc, "x").start == datetime(2016, 4, 1, tzinfo=UTC)


def test_unknown_result_type_kept_and_counted() -> None:
    doc = rfc_report()
    doc["policies"][0]["failure-details"][0]["result-type"] = "quantum-tls-failure"
    r = parse_report(doc, "x")
    assert r.policies[0].failure_details[0].result_type == "quantum-tls-failure"
    assert r.policies[0].failure_details[0].failed_session_count == 100
    assert "report-result-type-unknown" in codes(r)


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        ("5326", 5326, "report-count-string"),
        (" 12 ", 12, "report-count-string"),
        ("lots", 0, "report-count-invalid"),
        (-4, 0, "report-count-invalid"),
        (7.0, 7, "report-count-not-integer"),
        (True, 0, "report-count-invalid"),
        (None, 0, "report-count-missing"),
    ],
)
def test_counts_as_strings_or_missing(value: object, expected: int, code: str) -> None:
    doc = rfc_report()
    summary = doc["policies"][0]["summary"]
    if value is None:
        del summary["total-successful-session-count"]
    else:
        summary["total-successful-session-count"] = value
    r = parse_report(doc, "x")
    assert r.policies[0].successful == expected
    assert code in codes(r)
    assert any(w.severity == "warning" for w in r.warnings)


def test_missing_failure_total_falls_back_to_details() -> None:
    doc = rfc_report()
    del doc["policies"][0]["summary"]["total-failure-session-count"]
    r = parse_report(doc, "x")
    assert r.policies[0].failed == 303
    assert "report-count-missing" in codes(r)


def test_bom_and_whitespace_tolerated() -> None:
    data = b"\xef\xbb\xbf \n" + json.dumps(rfc_report()).encode() + b"\n\n"
    r = parse_report(data, "x")
    assert r.report_id == "5065427c-23d3-47ca-b6e0-946ea0e8c4be"
    assert "report-bom" in codes(r)


def test_underscore_keys_tolerated() -> None:
    doc = json.loads(json.dumps(rfc_report()).replace("-session-count", "_session_count"))
    r = parse_report(doc, "x")
    assert (r.policies[0].successful, r.policies[0].failed) == (5326, 303)


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"not json", b"[1, 2]", b'"a string"', b'{"hello": "world"}', b"\xff\xfe\x00"],
)
def test_not_a_report_raises_parse_error_with_finding(data: bytes) -> None:
    with pytest.raises(ReportParseError) as info:
        parse_report(data, "junk.json")
    assert info.value.finding.code == "report-unreadable"
    assert info.value.finding.subject == "junk.json"


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
report_keys = st.sampled_from(
    [
        "organization-name",
        "date-range",
        "contact-info",
        "report-id",
        "policies",
        "policy",
        "summary",
        "failure-details",
        "policy-type",
        "policy-domain",
        "mx-host",
        "start-datetime",
        "result-type",
        "failed-session-count",
        "total-successful-session-count",
    ]
)
reportish = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(report_keys | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=12) | report_keys, json_values, max_size=6))
def test_parse_report_never_crashes_on_jsonish_dicts(doc: dict[str, Any]) -> None:
    # "Not a report" is the one documented outcome besides a ParsedReport.
    with contextlib.suppress(ReportParseError):
        parse_report(doc, "fuzz")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries({"policies": reportish}, optional={"date-range": reportish}), reportish
)
def test_parse_report_never_raises_on_report_shaped_dicts(doc: dict[str, Any], extra: Any) -> None:
    doc["report-id"] = extra
    r = parse_report(doc, "fuzz")  # has report fields: always parsed, never raises
    for p in r.policies:
        assert p.successful >= 0 and p.failed >= 0
    assert r.start is None or r.start.tzinfo is not None
    parse_report(json.dumps(doc).encode(), "fuzz")  # and the same through bytes
