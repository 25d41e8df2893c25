"""Drift findings: what changed between two `check --json` results, said with was/now/first seen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.core import judge
from mtasts_tui.core.drift import (
    DRIFT_CODES,
    EXPIRY_THRESHOLDS,
    DriftFinding,
    Result,
    drift_findings,
    got_worse,
    policy_diff,
    stamp,
    timeline,
)

from tests.monitor.results import POLICY, T0, edit, result

NOW = T0 + timedelta(days=1)


def drift(old: Result, new: Result, **kw: Any) -> list[DriftFinding]:
    return drift_findings(
        old, new, baseline_at=kw.pop("baseline_at", T0), now=kw.pop("now", NOW), **kw
    )


def codes(findings: Iterable[DriftFinding]) -> list[tuple[str, str]]:
    return sorted((f.code, f.severity) for f in findings)


def test_an_unchanged_result_has_no_drift() -> None:
    assert drift(result(), result()) == []


def test_a_body_edited_without_a_new_id_is_an_error_with_both_bodies() -> None:
    new = edit(result(), "policy.raw", POLICY.replace("604800", "86400"))
    (finding,) = [f for f in drift(result(), new) if f.code == "policy-changed-same-id"]
    assert finding.severity == "error"
    assert "max_age: 604800" in (finding.was or "") and "max_age: 86400" in (finding.now or "")
    assert finding.first_seen == stamp(NOW) and stamp(NOW) in finding.message


def test_a_body_edited_with_a_new_id_is_not_policy_changed_same_id() -> None:
    new = edit(result(), "policy.raw", POLICY.replace("604800", "86400"))
    new = edit(new, "sts_record.id", "20261102")
    assert "policy-changed-same-id" not in [f.code for f in drift(result(), new)]


def test_a_new_mx_not_covered_by_an_enforce_policy_is_an_error() -> None:
    new = edit(result(), "mx", [*result()["mx"], {"host": "mx3.other.test", "preference": 30}])
    (finding,) = drift(result(), new)
    assert (finding.code, finding.severity) == ("mx-changed", "error")
    assert "mx3.other.test" in finding.message and finding.now and "mx3.other.test" in finding.now


def test_a_new_mx_covered_by_a_wildcard_is_only_info() -> None:
    new = edit(result(), "mx", [*result()["mx"], {"host": "mx3.ex.test", "preference": 30}])
    new = edit(new, "policy.mx", ["*.ex.test"])
    assert codes(drift(result(), new)) == [("mx-changed", "info")]


def test_the_wildcard_covers_one_label_only() -> None:
    new = edit(result(), "mx", [{"host": "a.b.ex.test", "preference": 10}])
    new = edit(new, "policy.mx", ["*.ex.test"])
    assert codes(drift(result(), new)) == [("mx-changed", "error")]


def test_a_new_uncovered_mx_in_testing_mode_is_info() -> None:
    new = edit(result(), "mx", [{"host": "mx9.elsewhere.test", "preference": 10}])
    new = edit(new, "policy.mode", "testing")
    assert ("mx-changed", "info") in codes(drift(result(), new))


def test_mode_changes_are_info_in_both_directions() -> None:
    testing = edit(result(), "policy.mode", "testing")
    assert codes(drift(result(), testing)) == [("mode-downgraded", "info")]
    (up,) = drift(testing, result())
    assert (up.code, up.was, up.now) == ("mode-upgraded", "testing", "enforce")


def test_max_age_change_names_the_new_cache_horizon() -> None:
    new = edit(result(), "policy.max_age", 86400)
    (finding,) = drift(result(), new)
    assert finding.code == "max-age-changed" and finding.severity == "info"
    assert stamp(NOW + timedelta(days=1)) in finding.message


def test_a_removed_tlsrpt_record_is_a_warning() -> None:
    new = edit(result(), "tlsrpt", {"present": False, "raw": [], "rua": [], "valid": False})
    (finding,) = drift(result(), new)
    assert (finding.code, finding.severity) == ("tlsrpt-removed", "warning")
    assert finding.was == "v=TLSRPTv1; rua=mailto:tls@ex.test"


def test_a_policy_no_longer_served_is_policy_host_lost() -> None:
    new = edit(result(), "policy.fetched", False)
    new = edit(new, "policy.status", 404)
    (finding,) = drift(result(), new)
    assert (finding.code, finding.severity, finding.now) == (
        "policy-host-lost",
        "error",
        "HTTP 404",
    )


def test_cert_expiring_fires_once_per_threshold_crossed() -> None:
    def expiring_in(days: int, at: datetime = NOW) -> dict[str, Any]:
        return edit(result(), "mx_tls.0.cert_not_after", stamp(at + timedelta(days=days, hours=1)))

    far = expiring_in(40, T0)
    assert drift(far, expiring_in(31)) == []
    (f30,) = drift(far, expiring_in(29))
    assert (f30.code, f30.severity, f30.subject) == (
        "cert-expiring",
        "info",
        "MX mx1.ex.test (192.0.2.1)",
    )
    # Already under 30 at the baseline: nothing new until the next threshold.
    assert drift(expiring_in(29, T0), expiring_in(20)) == []
    (f14,) = drift(expiring_in(20, T0), expiring_in(13))
    assert f14.severity == "warning"
    (f7,) = drift(expiring_in(13, T0), expiring_in(6))
    assert f7.severity == "error"


def test_the_14_day_threshold_is_the_judges_warning_window() -> None:
    assert (judge.CERT_EXPIRY_WARNING_DAYS, "warning") in EXPIRY_THRESHOLDS


def test_cert_expiring_covers_the_policy_host_and_each_address() -> None:
    soon = stamp(NOW + timedelta(days=5))
    new = edit(result(), "policy.cert_not_after", soon)
    new["mx_tls"][1]["addresses"] = [
        {"address": "192.0.2.2", "cert_not_after": soon, "cert_valid": True},
        {"address": "2001:db8::2", "cert_not_after": soon, "cert_valid": True},
    ]
    subjects = sorted(f.subject or "" for f in drift(result(), new))
    assert subjects == [
        "MX mx2.ex.test (192.0.2.2)",
        "MX mx2.ex.test (2001:db8::2)",
        "policy host mta-sts.ex.test",
    ]


def test_dnssec_lost_and_dane_changed_when_the_data_exists() -> None:
    old = result(dnssec={"sts": True, "mx": True})
    new = result(dnssec={"sts": True, "mx": False})
    old["mx_tls"][0]["tlsa"] = ["3 1 1 aaaa"]
    new["mx_tls"][0]["tlsa"] = []
    assert codes(drift(old, new)) == [("dane-changed", "warning"), ("dnssec-lost", "warning")]
    # Without the keys, nothing is claimed.
    assert drift(result(), result(dnssec=False)) == []


def test_first_seen_dates_back_to_the_first_run_that_showed_todays_value() -> None:
    testing = edit(result(), "policy.mode", "testing")
    day = timedelta(days=1)
    between = [(T0 + day, result()), (T0 + 2 * day, testing), (T0 + 3 * day, testing)]
    (finding,) = drift(result(), testing, now=T0 + 4 * day, between=between)
    assert finding.first_seen == stamp(T0 + 2 * day)


def test_failed_checks_are_not_compared() -> None:
    failed = {
        "domain": "ex.test",
        "findings": [{"severity": "error", "code": "check-failed", "message": "x"}],
    }
    assert drift(result(), failed) == []


def test_got_worse_on_errors_warnings_lost_readiness_or_new_error_codes() -> None:
    assert not got_worse([], result(), result())
    lost = edit(result(), "enforce_ready", False)
    assert got_worse([], result(), lost)
    new_error = edit(
        result(), "findings", [{"severity": "error", "code": "mx-cert-invalid", "message": ""}]
    )
    new_error["enforce_ready"] = True
    assert got_worse([], result(), new_error)
    assert not got_worse(
        drift(result(), edit(result(), "policy.mode", "testing")), result(), result()
    )


def test_the_timeline_has_one_entry_per_change_not_per_run() -> None:
    day = timedelta(days=1)
    testing = edit(result(), "policy.mode", "testing")
    runs = [
        (T0 + n * day, r) for n, r in enumerate([result(), result(), result(), testing, testing])
    ]
    entries = timeline(runs)
    assert [e.code for e in entries] == ["first-check", "mode-downgraded"]
    assert entries[1].at == stamp(T0 + 3 * day)


def test_policy_diff_is_a_unified_diff() -> None:
    lines = policy_diff(POLICY, POLICY.replace("enforce", "testing"), "a", "b")
    assert "-mode: enforce" in lines and "+mode: testing" in lines


def test_every_drift_code_is_registered() -> None:
    assert set(DRIFT_CODES) == {
        "policy-changed-same-id",
        "mx-changed",
        "mode-downgraded",
        "mode-upgraded",
        "max-age-changed",
        "tlsrpt-removed",
        "policy-host-lost",
        "cert-expiring",
        "dnssec-lost",
        "dane-changed",
    }


def test_line_endings_and_blank_lines_alone_are_not_a_policy_change() -> None:
    new = edit(result(), "policy.raw", POLICY.replace("\r\n", "\n") + "\n")
    assert drift(result(), new) == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
_keys = ["mx", "policy", "sts_record", "tlsrpt", "mx_tls", "findings", "dnssec", "enforce_ready"]


@settings(max_examples=150, deadline=None)
@given(parts=st.dictionaries(st.sampled_from(_keys), _json, max_size=4))
def test_drift_never_fails_on_results_of_any_shape(parts: dict[str, object]) -> None:
    odd = {**result(), **parts}
    for old, new in ((result(), odd), (odd, result()), (odd, odd)):
        found = drift(old, new)
        got_worse(found, old, new)
    assert drift(odd, odd) == []  # the same result never drifts from itself
    timeline([(T0, odd), (NOW, result())])


def test_the_drift_json_keys_are_the_contract() -> None:
    from mtasts_tui.core.drift import DriftJson

    (finding,) = drift(result(), edit(result(), "policy.mode", "testing"))
    assert list(finding.to_json()) == list(DriftJson.__annotations__)
