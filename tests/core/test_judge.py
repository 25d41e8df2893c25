"""The judge: from observed facts to findings and the enforce verdict (no network involved)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.core.facts import (
    DomainFacts,
    MxAddressProbe,
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


def good_policy() -> PolicyFetch:
    return PolicyFetch(url=URL, status=200, content_type="text/plain", body=policy_body())


def facts(**changes: object) -> DomainFacts:
    base = DomainFacts(
        domain=D,
        mx=MxLookup("ok", (MxRecord("mx1.example.com", 10),)),
        sts=TxtLookup(f"_mta-sts.{D}", "ok", (("v=STSv1; id=20260101T000000Z",),)),
        tlsrpt=TxtLookup(f"_smtp._tls.{D}", "ok", (("v=TLSRPTv1; rua=mailto:r@example.com",),)),
        policy=good_policy(),
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
    j = judge(facts(policy=replace(good_policy(), body=policy_body("testing"))))
    assert j.enforce_ready
    assert j.verdict.startswith("Safe to enforce")


def long_domain(length: int) -> str:
    """A valid host name of exactly ``length`` characters (labels of at most 63)."""
    labels, left = [], length - len(".example")
    while left > 0:
        take = min(63, left - 1 if left > 63 else left)
        labels.append("a" * take)
        left -= take + 1
    name = ".".join(labels) + ".example"
    assert len(name) == length, (len(name), length)
    return name


@pytest.mark.parametrize(
    ("length", "expected"),
    [(242, None), (243, "warning"), (244, "warning"), (245, "error"), (253, "error")],
)
def test_a_domain_whose_record_names_cannot_exist_says_so(
    length: int, expected: str | None
) -> None:
    # _smtp._tls.<domain> passes 253 characters from 243 on, _mta-sts.<domain> from 245 on.
    j = judge(facts(domain=long_domain(length)))
    found = {f.code: f for f in j.findings}.get("domain-too-long")
    assert (found and found.severity) == expected
    if found is not None:
        assert f"_smtp._tls.<domain> ({length + 11})" in found.message
    if expected == "error":
        assert found is not None and f"_mta-sts.<domain> ({length + 9})" in found.message
        assert j.enforce_ready is False
    else:
        assert j.enforce_ready is True


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
    j = judge(facts(policy=replace(good_policy(), content_type="text/html")))
    assert {x.code for x in j.findings} == {"policy-content-type"}
    assert j.policy is not None and j.policy.valid  # the text itself is fine
    assert not j.policy_valid  # but senders would not accept it as served
    assert not j.enforce_ready


def test_an_unreachable_mx_is_inconclusive_so_enforce_ready_cannot_tell() -> None:
    probe = MxProbe(host="mx1.example.com", error="connection refused")
    j = judge(facts(mx_probes=(probe,)))
    assert {x.code: x.severity for x in j.findings} == {"mx-unreachable": "warning"}
    assert j.enforce_ready is None
    assert j.blockers == () and j.unverified
    assert j.verdict.startswith("Cannot tell") and "port 25" in j.verdict


def test_mx_tls_problems_are_errors_in_enforce_and_warnings_in_testing() -> None:
    no_tls = replace(good_probe(), starttls=False, tls_version=None, cert_valid=None)
    assert codes(facts(mx_probes=(no_tls,)))["mx-no-starttls"] == "error"
    testing = replace(good_policy(), body=policy_body("testing"))
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


def test_skipping_the_smtp_probes_cannot_tell() -> None:
    j = judge(facts(mx_probes=(), smtp_checked=False))
    assert j.enforce_ready is None
    assert "--no-smtp" in j.verdict
    assert any(x.code == "mx-not-checked" for x in j.findings)


def test_an_uncovered_mx_is_named_in_the_verdict() -> None:
    mx = MxLookup("ok", (MxRecord("mx1.example.com", 10), MxRecord("MX2.Example.com", 20)))
    j = judge(facts(mx=mx, mx_probes=(good_probe(), good_probe("mx2.example.com"))))
    assert "mx2.example.com" in j.verdict
    assert dict(j.coverage) == {"mx1.example.com": ("mx1.example.com",), "mx2.example.com": ()}


def test_mode_none_without_mx_does_not_complain_about_coverage() -> None:
    body = b"version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"
    j = judge(facts(policy=replace(good_policy(), body=body)))
    assert "mx-not-covered" not in {x.code for x in j.findings}
    assert not j.enforce_ready


def test_coverage_is_still_shown_for_an_invalid_policy() -> None:
    body = policy_body() + b"x: \x1b[31m\r\n"
    j = judge(facts(policy=replace(good_policy(), body=body)))
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
    j = judge(facts(mx=many, policy=replace(good_policy(), body=body)))
    finding = next(x for x in j.findings if x.code == "mx-not-checked")
    assert "mx2.example.com" in finding.message and "mx3.example.com" in finding.message
    assert j.enforce_ready is None


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
    fetch = replace(good_policy(), cert_not_after="2026-12-01T00:00:00Z")
    finding = next(x for x in judge(facts(policy=fetch), now=now).findings)
    assert finding.code == "policy-cert-expiring" and finding.severity == "warning"
    assert f"mta-sts.{D}" in finding.message


# --- every address (issue 8 §1) and the three-valued verdict (§2) -----------------------------


def good_address(address: str, **changes: object) -> MxAddressProbe:
    base = MxAddressProbe(
        address=address,
        reachable=True,
        starttls=True,
        tls_version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        cert_valid=True,
        cert_names=("mx1.example.com",),
        cert_not_after="2027-06-01T00:00:00Z",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def host_of(*addresses: MxAddressProbe, skipped: tuple[str, ...] = ()) -> MxProbe:
    return MxProbe.from_addresses("MX1.example.com.", addresses, skipped=skipped)


EXPIRED = {"cert_valid": False, "cert_problem": "expired", "error": "the certificate has expired"}


def test_a_host_field_is_true_only_when_every_reachable_address_agrees() -> None:
    bad = good_address("192.0.2.2", **EXPIRED)
    probe = host_of(good_address("192.0.2.1"), bad)
    assert probe.host == "mx1.example.com"
    assert probe.reachable and probe.starttls is True
    assert probe.cert_valid is False  # one address fails, so the host does
    assert probe.address == "192.0.2.2"  # the host line shows its weakest node
    assert probe.cert_problem == "expired"
    assert len(probe.addresses) == 2


def test_an_unreachable_address_does_not_vote_on_host_fields() -> None:
    silent = MxAddressProbe(address="192.0.2.9", error="timed out after 3 s")
    probe = host_of(good_address("192.0.2.1"), silent)
    assert probe.reachable and probe.cert_valid is True and probe.starttls is True
    assert probe.tls_version == "TLSv1.3"


def test_the_host_tls_version_is_the_weakest_seen() -> None:
    old = good_address("192.0.2.2", tls_version="TLSv1.1", cert_valid=None)
    assert host_of(good_address("192.0.2.1"), old).tls_version == "TLSv1.1"


def test_no_reachable_address_leaves_host_fields_unknown() -> None:
    probe = host_of(MxAddressProbe(address="192.0.2.1", error="refused"))
    assert not probe.reachable and probe.starttls is None and probe.cert_valid is None
    assert probe.error == "refused"


def test_one_failing_address_beside_a_passing_one_is_mx_address_failed() -> None:
    bad = good_address("192.0.2.2", **EXPIRED)
    j = judge(facts(mx_probes=(host_of(good_address("192.0.2.1"), bad),)))
    finding = next(x for x in j.findings if x.code == "mx-address-failed")
    assert finding.severity == "error"  # the policy enforces
    assert "192.0.2.2" in finding.message and "expired" in finding.message
    assert "mx-cert-invalid" not in {x.code for x in j.findings}
    assert j.enforce_ready is False
    assert "192.0.2.2" in j.verdict


def test_mx_address_failed_is_a_warning_outside_enforce() -> None:
    testing = replace(good_policy(), body=policy_body("testing"))
    bad = good_address("192.0.2.2", starttls=False, tls_version=None, cert_valid=None)
    found = codes(facts(policy=testing, mx_probes=(host_of(good_address("192.0.2.1"), bad),)))
    assert found["mx-address-failed"] == "warning"


def test_every_address_failing_alike_is_one_host_finding_naming_them() -> None:
    a = good_address("192.0.2.1", **EXPIRED)
    b = good_address("192.0.2.2", **EXPIRED)
    j = judge(facts(mx_probes=(host_of(a, b),)))
    [finding] = [x for x in j.findings if x.code == "mx-cert-invalid"]
    assert "192.0.2.1" in finding.message and "192.0.2.2" in finding.message
    assert "mx-address-failed" not in {x.code for x in j.findings}
    assert j.enforce_ready is False


def test_ipv6_unreachable_while_ipv4_works_is_inconclusive() -> None:
    v6 = MxAddressProbe(address="2001:db8::25", error="Network is unreachable")
    j = judge(facts(mx_probes=(host_of(good_address("192.0.2.1"), v6),)))
    assert {x.code: x.severity for x in j.findings} == {"ipv6-unreachable": "warning"}
    assert "2001:db8::25" in j.findings[0].message
    assert j.enforce_ready is None and "IPv6" in j.verdict


def test_an_unreachable_ipv4_address_beside_a_working_one_is_named() -> None:
    silent = MxAddressProbe(address="192.0.2.9", error="timed out after 3 s")
    j = judge(facts(mx_probes=(host_of(good_address("192.0.2.1"), silent),)))
    finding = next(x for x in j.findings if x.code == "mx-unreachable")
    assert "192.0.2.9" in finding.message and "timed out" in finding.message
    assert j.enforce_ready is None


def test_addresses_beyond_the_cap_are_named_and_make_it_cannot_tell() -> None:
    probe = host_of(good_address("192.0.2.1"), skipped=("192.0.2.50", "192.0.2.51"))
    j = judge(facts(mx_probes=(probe,)))
    finding = next(x for x in j.findings if x.code == "mx-not-checked")
    assert "192.0.2.50" in finding.message and "192.0.2.51" in finding.message
    assert j.enforce_ready is None


def test_a_host_whose_every_address_is_past_the_cap_is_not_called_unreachable() -> None:
    # The per-domain address cap can leave a low-preference host with no address probed at all:
    # that is "not checked", not "could not reach it on port 25".
    probe = host_of(skipped=("192.0.2.60", "2001:db8::60"))
    j = judge(facts(mx_probes=(probe,)))
    found = {x.code for x in j.findings}
    assert "mx-not-checked" in found and "mx-unreachable" not in found
    assert any("2 address(es) of mx1.example.com were not probed" in u for u in j.unverified)
    assert j.enforce_ready is None


def test_a_blocker_outranks_what_cannot_be_told() -> None:
    silent = MxProbe(host="mx2.example.com", error="connection refused")
    bad = good_address("192.0.2.2", starttls=False, tls_version=None, cert_valid=None)
    mx = MxLookup("ok", (MxRecord("mx1.example.com", 10), MxRecord("mx2.example.com", 20)))
    body = policy_body(mx=("*.example.com",))
    j = judge(
        facts(
            mx=mx,
            policy=replace(good_policy(), body=body),
            mx_probes=(host_of(good_address("192.0.2.1"), bad), silent),
        )
    )
    assert j.enforce_ready is False and j.unverified
    assert j.verdict.startswith("Not safe")


def test_every_address_verified_is_true() -> None:
    probe = host_of(good_address("192.0.2.1"), good_address("2001:db8::1"))
    j = judge(facts(mx_probes=(probe,)))
    assert j.enforce_ready is True and j.findings == ()


def policy_from(address: str, body: bytes | None = None, **changes: object) -> PolicyFetch:
    base = PolicyFetch(
        url=URL,
        address=address,
        status=200,
        content_type="text/plain",
        body=policy_body() if body is None else body,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_policy_addresses_serving_different_bodies_are_inconsistent() -> None:
    from mtasts_tui.probe.https import combine_fetches

    other = policy_body("testing")
    fetch = combine_fetches(
        URL,
        [policy_from("192.0.2.10"), policy_from("192.0.2.11"), policy_from("192.0.2.12", other)],
    )
    assert fetch.body == policy_body()  # the majority's answer stands for the host
    j = judge(facts(policy=fetch))
    finding = next(x for x in j.findings if x.code == "policy-inconsistent")
    assert finding.severity == "error"
    odd, agreeing = finding.message.split(", while ")
    assert "192.0.2.12" in odd and "192.0.2.10" not in odd
    assert "192.0.2.10" in agreeing and "192.0.2.11" in agreeing
    assert j.enforce_ready is False


def test_a_policy_address_that_cannot_be_reached_is_not_inconsistent() -> None:
    from mtasts_tui.probe.https import combine_fetches

    silent = PolicyFetch(url=URL, address="192.0.2.11", error="timed out after 3 s")
    fetch = combine_fetches(URL, [policy_from("192.0.2.10"), silent])
    found = codes(facts(policy=fetch))
    assert "policy-inconsistent" not in found
    assert found["policy-fetch-failed"] == "warning"
    assert judge(facts(policy=fetch)).enforce_ready is None


# --- properties: the aggregation and the tri-state hold for any mix of addresses ---------------

address_probes = st.builds(
    MxAddressProbe,
    address=st.one_of(
        st.integers(1, 254).map("192.0.2.{}".format),
        st.integers(1, 254).map("2001:db8::{:x}".format),
    ),
    reachable=st.booleans(),
    starttls=st.sampled_from([True, False, None]),
    tls_version=st.sampled_from(["TLSv1.3", "TLSv1.2", "TLSv1.1", None]),
    cert_valid=st.sampled_from([True, False, None]),
    cert_problem=st.sampled_from(["expired", "name-mismatch", None]),
    error=st.sampled_from([None, "timed out after 3 s", "refused"]),
    timed_out=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(address_probes, min_size=1, max_size=6))
def test_a_host_field_is_true_only_if_every_reached_address_says_true(
    addresses: list[MxAddressProbe],
) -> None:
    probe = MxProbe.from_addresses("mx1.example.com", addresses)
    reached = [a for a in addresses if a.reachable]
    assert probe.reachable == bool(reached)
    assert (probe.cert_valid is True) == bool(reached and all(a.cert_valid for a in reached))
    assert (probe.starttls is True) == bool(reached and all(a.starttls for a in reached))
    if any(a.cert_valid is False for a in reached):
        assert probe.cert_valid is False
    assert probe.addresses == tuple(addresses)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(address_probes, min_size=1, max_size=4), min_size=1, max_size=3),
    st.sampled_from(["enforce", "testing"]),
)
def test_enforce_ready_is_false_with_a_blocker_null_when_unverified_else_true(
    hosts: list[list[MxAddressProbe]], mode: str
) -> None:
    names = [f"mx{i}.example.com" for i in range(len(hosts))]
    probes = tuple(MxProbe.from_addresses(n, a) for n, a in zip(names, hosts, strict=True))
    mx = MxLookup("ok", tuple(MxRecord(n, 10 * i) for i, n in enumerate(names)))
    body = policy_body(mode, mx=("*.example.com",))
    j = judge(facts(mx=mx, mx_probes=probes, policy=replace(good_policy(), body=body)))
    if j.blockers:
        assert j.enforce_ready is False and j.verdict.startswith("Not safe")
    elif j.unverified:
        assert j.enforce_ready is None and j.verdict.startswith("Cannot tell")
    else:
        assert j.enforce_ready is True
        assert all(a.passes for p in probes for a in p.addresses)
    # A true verdict needs every address verified; one that fails while another passes is named.
    codes_seen = {f.code for f in j.findings}
    for probe in probes:
        passing = [a for a in probe.addresses if a.passes and not a.timed_out]
        failing = [
            a
            for a in probe.addresses
            if a.reachable and not a.timed_out and not a.passes and a.starttls is not None
        ]
        if passing and any(a.starttls is False or a.cert_valid is False for a in failing):
            assert "mx-address-failed" in codes_seen


def test_policy_ipv6_addresses_with_no_route_are_inconclusive_not_inconsistent() -> None:
    from mtasts_tui.probe.https import combine_fetches

    v6 = PolicyFetch(url=URL, address="2001:db8::443", error="Network is unreachable")
    fetch = combine_fetches(URL, [policy_from("192.0.2.10"), v6])
    found = codes(facts(policy=fetch))
    assert found == {"ipv6-unreachable": "warning"}
    assert judge(facts(policy=fetch)).enforce_ready is None
