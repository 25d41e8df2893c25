"""The live inspection and the reports must agree before enforce is called safe."""

from __future__ import annotations

from mtasts_tui.reports import Verdict, combine_with_inspection
from mtasts_tui.reports.verdict import Status


def verdict(status: Status, failures: int = 0, days: int = 14) -> Verdict:
    return Verdict(
        domain="example.com",
        status=status,
        safe_to_enforce=status == "safe",
        days_covered=days,
        sessions=100,
        sts_sessions=0 if status == "no-sts-data" else 100,
        sts_failures=failures,
        causes=(),
        message="",
    )


READY = (True, "Safe to enforce: every MX is covered and offers valid STARTTLS.")
NOT_READY = (False, "Not safe to enforce: mx3.example.com not covered by the policy.")


def test_without_reports_the_inspection_stands() -> None:
    assert combine_with_inspection(*READY, None) == READY


def test_reported_sts_failures_overrule_a_clean_inspection() -> None:
    ready, line = combine_with_inspection(*READY, verdict("sts-failures", failures=7))
    assert not ready
    assert line == (
        "Not safe to enforce: the TLS-RPT reports show 7 failed sessions under the MTA-STS policy."
    )


def test_failures_add_to_an_inspection_that_already_says_no() -> None:
    ready, line = combine_with_inspection(*NOT_READY, verdict("sts-failures", failures=1))
    assert not ready
    assert line.startswith("Not safe to enforce: mx3.example.com not covered by the policy; also")
    assert "1 failed session under" in line


def test_clean_reports_confirm_a_clean_inspection() -> None:
    ready, line = combine_with_inspection(*READY, verdict("safe", days=21))
    assert ready
    assert "reports agree" in line and "21 days" in line


def test_reports_without_sts_sessions_cannot_tell() -> None:
    ready, line = combine_with_inspection(*READY, verdict("no-sts-data"))
    assert ready
    assert "cannot tell" in line
