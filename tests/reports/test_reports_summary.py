"""Streaming aggregation, de-duplication and the enforce verdict."""

from __future__ import annotations

import copy
import gc
from datetime import date
from typing import Any

from mtasts_tui.reports.model import FailureDetail, ParsedReport, PolicyResult
from mtasts_tui.reports.parse import parse_report
from mtasts_tui.reports.summary import ReportSummary
from mtasts_tui.reports.verdict import (
    FIXES,
    GENERIC_FIX,
    fix_for,
    no_sts_failures_in_last,
    verdict_for,
)

from tests.reports.tlsrpt_samples import clean_report, rfc_report


def add(summary: ReportSummary, doc: dict[str, Any], source: str = "x") -> bool:
    return summary.add(parse_report(doc, source))


def several_failures() -> dict[str, Any]:
    doc = rfc_report()
    doc["report-id"] = "multi"
    doc["organization-name"] = "Org-B"
    details = doc["policies"][0]["failure-details"]
    details.append(
        {
            "result-type": "certificate-host-mismatch",
            "receiving-mx-hostname": "mx1.mail.company-y.example",
            "failed-session-count": 7,
        }
    )
    doc["policies"][0]["summary"]["total-failure-session-count"] = 310
    return doc


def test_per_domain_per_day_and_breakdowns() -> None:
    s = ReportSummary()
    assert add(s, rfc_report())
    assert add(s, clean_report(day="2016-04-02"))
    assert add(s, several_failures())
    assert add(s, clean_report(domain="other.example", report_id="o1"))
    assert s.domains() == ["company-y.example", "other.example"]
    ds = s.domain("company-y.example")
    assert (ds.successful, ds.failed) == (5326 * 2 + 1000, 303 + 310)
    assert [(d.day.isoformat(), d.successful, d.failed) for d in ds.days] == [
        ("2016-04-01", 10652, 613),
        ("2016-04-02", 1000, 0),
    ]
    assert ds.failures_by_result_type == {
        "starttls-not-supported": 400,
        "certificate-expired": 200,
        "certificate-host-mismatch": 7,
        "validation-failure": 6,
    }
    assert ds.failures_by_mx["mx1.mail.company-y.example"] == 207
    assert ds.failures_by_organization == {"Org-B": 310, "Company-X": 303}
    assert ds.success_ratio is not None and 0.95 < ds.success_ratio < 0.96
    assert ds.days_covered == 2


def test_duplicates_counted_once() -> None:
    s = ReportSummary()
    assert add(s, rfc_report(), "a.json")
    assert not add(s, rfc_report(), "copy-of-a.json")
    other_org = rfc_report()
    other_org["organization-name"] = "Company-Z"  # same id, other sender: not a duplicate
    assert add(s, other_org)
    assert s.duplicates == 1
    assert s.reports_counted == 2
    assert s.domain("company-y.example").failed == 606


def test_reports_not_held() -> None:
    s = ReportSummary()
    for i in range(5):
        add(s, clean_report(report_id=f"r{i}"))
    add(s, rfc_report())
    seen: set[int] = set()
    stack: list[object] = [s]
    while stack:  # everything reachable from the summary
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        assert not isinstance(obj, ParsedReport | PolicyResult | FailureDetail)
        stack.extend(gc.get_referents(obj))
    assert len(seen) < 400  # aggregates only


def test_window_filters_days() -> None:
    s = ReportSummary()
    add(s, rfc_report())
    add(s, clean_report(day="2016-04-05"))
    ds = s.domain("company-y.example", since=date(2016, 4, 3), until=date(2016, 4, 7))
    assert (ds.successful, ds.failed, ds.days_covered) == (1000, 0, 1)


def test_verdict_sts_failures_with_causes_and_fixes() -> None:
    s = ReportSummary()
    add(s, several_failures())
    v = verdict_for(s.domain("company-y.example"))
    assert v.status == "sts-failures"
    assert not v.safe_to_enforce
    assert v.sts_failures == 310
    by_type = {c.result_type: c for c in v.causes}
    assert by_type["starttls-not-supported"].mx_hosts == ("mx2.mail.company-y.example",)
    assert by_type["starttls-not-supported"].count == 200
    assert by_type["certificate-host-mismatch"].fix == FIXES["certificate-host-mismatch"]
    assert all(c.blocks_mail for c in v.causes)
    assert v.causes[0].result_type == "starttls-not-supported"  # largest first
    assert v.to_json()["causes"][0]["fix"].startswith("The MX did not offer STARTTLS")


def test_verdict_safe_and_not_enough_data() -> None:
    s = ReportSummary()
    add(s, clean_report())
    v = verdict_for(s.domain("company-y.example"))
    assert (v.status, v.safe_to_enforce, v.days_covered) == ("safe", True, 1)
    empty = verdict_for(s.domain("never-seen.example"))
    assert (empty.status, empty.safe_to_enforce) == ("no-data", False)
    assert "Not enough data" in empty.message


def test_no_policy_found_and_tlsa_failures_do_not_block() -> None:
    doc = rfc_report()
    doc["policies"][0]["policy"] = {"policy-type": "no-policy-found", "policy-domain": "np.example"}
    tlsa = copy.deepcopy(rfc_report()["policies"][0])
    tlsa["policy"] = {"policy-type": "tlsa", "policy-domain": "np.example"}
    tlsa["failure-details"] = [{"result-type": "tlsa-invalid", "failed-session-count": 303}]
    doc["policies"].append(tlsa)
    s = ReportSummary()
    add(s, doc)
    v = verdict_for(s.domain("np.example"))
    assert v.sts_failures == 0
    assert v.status == "no-sts-data"  # sessions, but nothing tested the MTA-STS policy
    assert not v.safe_to_enforce


def test_policy_fetch_errors_are_failures_that_do_not_block() -> None:
    doc = clean_report()
    doc["policies"][0]["summary"]["total-failure-session-count"] = 5
    doc["policies"][0]["failure-details"] = [
        {"result-type": "sts-policy-fetch-error", "failed-session-count": 5}
    ]
    s = ReportSummary()
    add(s, doc)
    v = verdict_for(s.domain("company-y.example"))
    assert v.status == "sts-failures"
    assert [c.blocks_mail for c in v.causes] == [False]
    assert "mta-sts.company-y.example" in v.causes[0].fix


def test_fix_for_every_rfc_type_and_unknown() -> None:
    for rtype in [
        "starttls-not-supported",
        "certificate-host-mismatch",
        "certificate-expired",
        "certificate-not-trusted",
        "validation-failure",
        "tlsa-invalid",
        "dnssec-invalid",
        "dane-required",
        "sts-policy-fetch-error",
        "sts-policy-invalid",
        "sts-webpki-invalid",
    ]:
        assert fix_for(rtype) != GENERIC_FIX
    assert fix_for("brand-new-type") == GENERIC_FIX


def test_sts_failures_without_details_are_unspecified() -> None:
    doc = rfc_report()
    del doc["policies"][0]["failure-details"]
    s = ReportSummary()
    add(s, doc)
    v = verdict_for(s.domain("company-y.example"))
    assert [(c.result_type, c.count) for c in v.causes] == [("unspecified", 303)]


def test_no_sts_failures_in_last() -> None:
    s = ReportSummary()
    add(s, rfc_report())  # 2016-04-01, failures
    add(s, clean_report(day="2016-04-05"))
    today = date(2016, 4, 6)
    assert no_sts_failures_in_last(s, "company-y.example", 3, today=today) is True
    assert no_sts_failures_in_last(s, "Company-Y.example.", 7, today=today) is False
    assert no_sts_failures_in_last(s, "company-y.example", 1, today=today) is None
    assert no_sts_failures_in_last(s, "unknown.example", 30, today=today) is None
