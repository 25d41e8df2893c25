"""The judge: from observed facts to findings and the enforce verdict (no network involved)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mtasts_tui.core.facts import (
    DomainFacts,
    MxLookup,
    MxProbe,
    MxRecord,
    PolicyFetch,
    TxtLookup,
)
from mtasts_tui.core.judge import judge

D = "example.com"
URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"


def policy_body(mode: str = "enforce", mx: tuple[str, ...] = ("mx1.example.com",)) -> bytes:
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), "max_age: 604800"]
    return ("\r\n".join(lines) + "\r\n").encode()


def good_probe(host: str = "mx1.example.com") -> MxProbe:
    return MxProbe(
        host=host,
        address="192.0.2.1",
        reachable=True,
        starttls=True,
        tls_version="TLSv1.3",
        cert_valid=True,
        cert_names=(host,),
    )


def facts(**changes: object) -> DomainFacts:
    base = DomainFacts(
        domain=D,
        mx=MxLookup("ok", (MxRecord("mx1.example.com", 10),)),
        sts=TxtLookup(f"_mta-sts.{D}", "ok", (("v=STSv1; id=20260101T000000Z",),)),
        tlsrpt=TxtLookup(f"_smtp._tls.{D}", "ok", (("v=TLSRPTv1; rua=mailto:r@example.com",),)),
        policy=PolicyFetch(url=URL, status=200, content_type="text/plain", body=policy_body()),
        mx_probes=(good_probe(),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def codes(f: DomainFacts) -> dict[str, str]:
    return {x.code: x.severity for x in judge(f).findings}


def test_everything_valid_is_enforce_ready_with_no_findings() -> None:
    j = judge(facts())
    assert j.enforce_ready and j.findings == () and j.blockers == ()
    assert j.verdict.startswith("Enforcing")


def test_testing_mode_that_would_pass_says_safe_to_enforce() -> None:
    j = judge(facts(policy=replace(facts().policy, body=policy_body("testing"))))
    assert j.enforce_ready
    assert j.verdict.startswith("Safe to enforce")


def test_a_null_mx_is_reported_as_accepting_no_mail() -> None:
    j = judge(facts(mx=MxLookup("nodata", null_mx=True), mx_probes=()))
    finding = next(x for x in j.findings if x.code == "mx-missing")
    assert "null MX" in finding.message
    assert not j.enforce_ready


def test_a_failed_mx_lookup_is_a_dns_error_not_a_missing_mx() -> None:
    c = codes(facts(mx=MxLookup("error", error="SERVFAIL"), mx_probes=()))
    assert c.get("dns-error") == "error" and "mx-missing" not in c


def test_a_failed_tlsrpt_lookup_is_only_a_warning() -> None:
    c = codes(facts(tlsrpt=TxtLookup(f"_smtp._tls.{D}", "error", error="timed out")))
    assert c == {"dns-error": "warning"}


def test_an_unfetchable_policy_matters_only_when_a_record_points_to_it() -> None:
    broken = PolicyFetch(url=URL, error="connection refused")
    no_record = TxtLookup(f"_mta-sts.{D}", "nxdomain")
    assert "policy-fetch-failed" not in codes(facts(policy=broken, sts=no_record))
    assert codes(facts(policy=broken))["policy-fetch-failed"] == "error"


def test_html_content_type_blocks_enforce_even_with_a_valid_body() -> None:
    j = judge(facts(policy=replace(facts().policy, content_type="text/html")))
    assert {x.code for x in j.findings} == {"policy-content-type"}
    assert j.policy is not None and j.policy.valid  # the text itself is fine
    assert not j.policy_valid  # but senders would not accept it as served
    assert not j.enforce_ready


def test_an_unreachable_mx_is_inconclusive_and_does_not_block() -> None:
    probe = MxProbe(host="mx1.example.com", error="connection refused")
    j = judge(facts(mx_probes=(probe,)))
    assert {x.code: x.severity for x in j.findings} == {"mx-unreachable": "warning"}
    assert j.enforce_ready
    assert "port 25" in j.verdict


def test_mx_tls_problems_are_errors_in_enforce_and_warnings_in_testing() -> None:
    no_tls = replace(good_probe(), starttls=False, tls_version=None, cert_valid=None)
    assert codes(facts(mx_probes=(no_tls,)))["mx-no-starttls"] == "error"
    testing = replace(facts().policy, body=policy_body("testing"))
    assert codes(facts(policy=testing, mx_probes=(no_tls,)))["mx-no-starttls"] == "warning"


def test_tls_below_1_2_is_reported_once() -> None:
    old = replace(good_probe(), tls_version="TLSv1.1", cert_valid=None)
    j = judge(facts(mx_probes=(old,)))
    assert [x.code for x in j.findings] == ["mx-tls-version"]
    assert not j.enforce_ready


def test_a_certificate_for_another_name_is_a_name_mismatch() -> None:
    wrong = replace(
        good_probe(), cert_valid=False, cert_problem="name-mismatch", cert_names=("other.test",)
    )
    finding = next(x for x in judge(facts(mx_probes=(wrong,))).findings)
    assert finding.code == "mx-cert-name-mismatch"
    assert "other.test" in finding.message


def test_an_expired_or_untrusted_certificate_is_invalid() -> None:
    for problem in ("expired", "untrusted"):
        bad = replace(good_probe(), cert_valid=False, cert_problem=problem)
        assert "mx-cert-invalid" in codes(facts(mx_probes=(bad,)))


def test_skipping_the_smtp_probes_cannot_claim_enforce_ready() -> None:
    j = judge(facts(mx_probes=(), smtp_checked=False))
    assert not j.enforce_ready
    assert any(x.code == "mx-not-checked" for x in j.findings)


def test_an_uncovered_mx_is_named_in_the_verdict() -> None:
    mx = MxLookup("ok", (MxRecord("mx1.example.com", 10), MxRecord("MX2.Example.com", 20)))
    j = judge(facts(mx=mx, mx_probes=(good_probe(), good_probe("mx2.example.com"))))
    assert "mx2.example.com" in j.verdict
    assert dict(j.coverage) == {"mx1.example.com": ("mx1.example.com",), "mx2.example.com": ()}


def test_mode_none_without_mx_does_not_complain_about_coverage() -> None:
    body = b"version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"
    j = judge(facts(policy=replace(facts().policy, body=body)))
    assert "mx-not-covered" not in {x.code for x in j.findings}
    assert not j.enforce_ready


def test_coverage_is_still_shown_for_an_invalid_policy() -> None:
    body = policy_body() + b"x: \x1b[31m\r\n"
    j = judge(facts(policy=replace(facts().policy, body=body)))
    assert j.policy is not None and not j.policy.valid
    assert dict(j.coverage)["mx1.example.com"] == ("mx1.example.com",)


def test_findings_come_sorted_errors_first() -> None:
    no_record = TxtLookup(f"_mta-sts.{D}", "nxdomain")
    rpt_missing = TxtLookup(f"_smtp._tls.{D}", "nodata")
    severities = [x.severity for x in judge(facts(sts=no_record, tlsrpt=rpt_missing)).findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_mx_hosts_left_unprobed_are_named_and_block_enforce() -> None:
    many = MxLookup("ok", tuple(MxRecord(f"mx{i}.example.com", i) for i in range(1, 4)))
    body = policy_body(mx=("*.example.com",))
    j = judge(facts(mx=many, policy=replace(facts().policy, body=body)))
    finding = next(x for x in j.findings if x.code == "mx-not-checked")
    assert "mx2.example.com" in finding.message and "mx3.example.com" in finding.message
    assert not j.enforce_ready


def test_a_certificate_close_to_expiry_gets_a_warning() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    soon = replace(good_probe(), cert_not_after="2026-12-05T00:00:00Z")
    later = replace(good_probe(), cert_not_after="2027-02-01T00:00:00Z")
    finding = next(x for x in judge(facts(mx_probes=(soon,)), now=now).findings)
    assert finding.code == "mx-cert-expiring" and finding.severity == "warning"
    assert "7 day" in finding.message
    assert judge(facts(mx_probes=(later,)), now=now).findings == ()
    assert judge(facts(mx_probes=(soon,))).findings == ()  # no clock, no opinion


def test_a_policy_host_certificate_close_to_expiry_gets_a_warning() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    fetch = replace(facts().policy, cert_not_after="2026-12-01T00:00:00Z")
    finding = next(x for x in judge(facts(policy=fetch), now=now).findings)
    assert finding.code == "policy-cert-expiring" and finding.severity == "warning"
    assert f"mta-sts.{D}" in finding.message
