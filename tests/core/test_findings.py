"""Findings: the shape every rule reports in."""

from __future__ import annotations

import dataclasses

import pytest

from mtasts_tui.core.findings import Finding, error, has_errors, info, sort_findings, warning


def test_json_form_has_exactly_severity_code_and_message() -> None:
    f = error("policy-syntax", "Fix line 2.", subject="line 2")
    assert f.to_json() == {"severity": "error", "code": "policy-syntax", "message": "Fix line 2."}


def test_findings_are_immutable() -> None:
    f = info("x", "y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.code = "z"  # type: ignore[misc]


def test_helpers_set_the_severity() -> None:
    assert [error("a", "").severity, warning("a", "").severity, info("a", "").severity] == [
        "error",
        "warning",
        "info",
    ]


def test_has_errors_ignores_warnings_and_info() -> None:
    assert not has_errors([warning("a", ""), info("b", "")])
    assert has_errors([info("b", ""), error("c", "")])
    assert not has_errors([])


def test_sort_puts_errors_first_and_keeps_order_within_a_severity() -> None:
    items = [
        info("i1", ""),
        warning("w1", ""),
        error("e1", ""),
        info("i2", ""),
        error("e2", ""),
    ]
    assert [f.code for f in sort_findings(items)] == ["e1", "e2", "w1", "i1", "i2"]


def test_subject_is_optional() -> None:
    assert Finding("info", "c", "m").subject is None


def test_one_json_shape_everywhere_severity_code_message_first_extras_optional() -> None:
    from typing import get_type_hints

    from mtasts_tui.core.drift import DriftFinding, TimelineEntry
    from mtasts_tui.core.findings import FindingJson
    from mtasts_tui.reports.render import finding_to_json

    shape = set(get_type_hints(FindingJson))
    required = set(FindingJson.__required_keys__)
    assert set(FindingJson.__optional_keys__) == {"subject", "was", "now", "first_seen", "at"}
    assert required == {"severity", "code", "message"}
    f = warning("report-unreadable", "Skipped.", subject="a.json")
    drift = DriftFinding("info", "max-age-changed", "m", "1", "2", "2026-01-01T00:00:00Z")
    entry = TimelineEntry("2026-01-01T00:00:00Z", "info", "first-check", "m")
    outputs = [f.to_json(), finding_to_json(f), drift.to_json(), entry.to_json()]
    for out in outputs:
        assert required <= set(out) <= shape, out
    assert finding_to_json(f) == {**f.to_json(), "subject": "a.json"}
    assert list(drift.to_json())[:3] == ["severity", "code", "message"]
    assert set(drift.to_json()) == {*required, "was", "now", "first_seen", "subject"}
