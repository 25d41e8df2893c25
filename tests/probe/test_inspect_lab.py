"""Inspection against real servers on loopback: each scenario's findings, timeouts, concurrency."""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.facts import MxAddressProbe
from mtasts_tui.lab import Lab, Scenario, scenarios
from mtasts_tui.probe.inspect import Inspection, StepEvent, inspect_domain
from mtasts_tui.probe.network import Network, config_from_args

from tests.conftest import Labs, lab_namespace


def _domain(name: str) -> DomainName:
    parsed = parse_domain(name)
    assert isinstance(parsed, DomainName), parsed
    return parsed


def inspect(lab: Lab, name: str, timeout: float = 3.0, **extra: object) -> Inspection:
    net = Network.from_config(config_from_args(lab_namespace(lab, timeout, **extra)))
    return asyncio.run(inspect_domain(_domain(lab.domain(name)), net))


def codes(result: Inspection) -> set[str]:
    return {f.code for f in result.judgement.findings}


@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda s: s.name)
def test_every_scenario_reports_the_codes_it_was_built_to_trigger(
    lab: Lab, scenario: Scenario
) -> None:
    result = inspect(lab, scenario.name, timeout=2.0)
    assert set(scenario.expect) <= codes(result), result.judgement.findings


def test_a_healthy_enforcing_domain_is_enforce_ready_with_no_findings(lab: Lab) -> None:
    result = inspect(lab, "good")
    j = result.judgement
    assert j.enforce_ready, j.blockers
    # Only the note that the lab's reports go to tlsrpt@<domain>, the domain itself.
    assert {f.code for f in j.findings} == {"tlsrpt-rua-same-domain"}
    assert all(f.severity == "info" for f in j.findings)
    assert j.sts is not None and j.sts.valid and j.sts.id
    assert j.policy is not None and j.policy.policy is not None
    assert j.policy.policy.mode == "enforce"
    fetch = result.facts.policy
    assert fetch is not None and f"mta-sts.{lab.domain('good')}" in fetch.cert_names
    assert fetch.tls_version in ("TLSv1.2", "TLSv1.3") and fetch.cert_not_after
    probes = result.facts.mx_probes
    assert len(probes) == 2
    for probe in probes:
        assert probe.starttls and probe.cert_valid
        assert probe.tls_version in ("TLSv1.2", "TLSv1.3")
        assert probe.host in probe.cert_names


def test_a_non_sts_txt_record_beside_a_valid_one_is_ignored(lab: Lab) -> None:
    result = inspect(lab, "extra-txt")
    assert result.judgement.sts is not None and result.judgement.sts.valid
    assert len(result.facts.sts.records) == 2


def test_a_record_split_into_strings_is_joined_without_spaces(lab: Lab) -> None:
    result = inspect(lab, "split")
    sts = result.judgement.sts
    assert sts is not None and sts.valid
    assert any(len(record) > 1 for record in result.facts.sts.records)


def test_text_plain_with_a_charset_is_accepted(lab: Lab) -> None:
    result = inspect(lab, "charset")
    assert "policy-content-type" not in codes(result)
    assert result.facts.policy is not None
    assert ";" in (result.facts.policy.content_type or "")


def test_a_redirect_is_reported_with_its_target_and_never_followed(lab: Lab) -> None:
    result = inspect(lab, "redirect")
    fetch = result.facts.policy
    assert fetch is not None and fetch.status is not None and 300 <= fetch.status < 400
    assert fetch.location
    message = next(f.message for f in result.judgement.findings if f.code == "policy-redirect")
    assert fetch.location in message


def test_servfail_is_a_lookup_failure_not_a_missing_record(lab: Lab) -> None:
    result = inspect(lab, "servfail")
    assert "dns-error" in codes(result)
    assert "sts-record-missing" not in codes(result)
    assert result.facts.sts.status == "error"


def test_an_unreachable_mx_is_inconclusive_not_broken(lab: Lab) -> None:
    result = inspect(lab, "mx-unreachable")
    finding = next(f for f in result.judgement.findings if f.code == "mx-unreachable")
    assert finding.severity == "warning"
    assert not any(
        f.code in ("mx-no-starttls", "mx-cert-invalid") for f in result.judgement.findings
    )


def test_wildcard_covers_one_label_but_not_two(lab: Lab) -> None:
    result = inspect(lab, "wildcard-depth")
    cover = dict(result.judgement.coverage)
    one = [h for h, p in cover.items() if p]
    two = [h for h, p in cover.items() if not p]
    assert one and two
    assert all(h.count(".") < t.count(".") for h in one for t in two)


def test_uppercase_mx_names_match_lowercase_patterns(lab: Lab) -> None:
    result = inspect(lab, "case")
    assert "mx-not-covered" not in codes(result)
    assert any(r.host != r.host.lower() for r in result.facts.mx.records)


def test_a_server_that_never_answers_cannot_stall_the_inspection(lab: Lab) -> None:
    started = time.monotonic()
    result = inspect(lab, "hang", timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert "policy-fetch-failed" in codes(result)


def test_no_smtp_skips_the_probes_and_cannot_claim_enforce_ready(lab: Lab) -> None:
    result = inspect(lab, "good", no_smtp=True)
    assert result.facts.mx_probes == ()
    assert not result.judgement.enforce_ready


def test_independent_lookups_start_before_the_mx_lookup_finishes(lab: Lab) -> None:
    events: list[StepEvent] = []
    net = Network.from_config(config_from_args(lab_namespace(lab)))
    asyncio.run(inspect_domain(_domain(lab.domain("good")), net, events.append))
    order = [(e.step, e.state) for e in events]
    mx_done = order.index(("dns-mx", "ok"))
    started_before = {step for step, state in order[:mx_done] if state == "running"}
    assert {"dns-mx", "dns-sts", "dns-tlsrpt", "policy"} <= started_before
    smtp_rows = [e for e in events if e.step.startswith("smtp:") and e.state != "running"]
    assert len(smtp_rows) == 2 and all(e.elapsed is not None for e in smtp_rows)


def rows(lab: Lab, scenario: str) -> dict[str, StepEvent]:
    """The finished step rows of one inspection, by step."""
    events: list[StepEvent] = []
    net = Network.from_config(config_from_args(lab_namespace(lab)))
    asyncio.run(inspect_domain(_domain(lab.domain(scenario)), net, events.append))
    running = {e.step for e in events if e.state == "running"}
    done = {e.step: e for e in events if e.state != "running"}
    assert running == set(done), "every row that started also finished"
    return done


def test_dnssec_tlsa_caa_and_rua_each_have_a_live_row(lab: Lab) -> None:
    good = rows(lab, "good")
    assert (good["dnssec"].state, good["dnssec"].detail) == ("ok", "validating")
    assert (good["dns-tlsa"].state, good["dns-tlsa"].detail) == ("ok", "none (no DANE)")
    assert (good["dns-caa"].state, good["dns-caa"].detail) == ("ok", "none: any CA may issue")
    assert (good["rua"].state, good["rua"].detail) == ("ok", "1/1 can receive reports")
    dane = rows(lab, "dane-good")["dns-tlsa"]
    assert dane.state == "ok" and dane.detail.startswith("records for mx1.")
    caa = rows(lab, "caa-blocks")["dns-caa"]
    assert caa.state == "ok" and caa.detail == "1 record(s) at caa-blocks.test"
    sink = rows(lab, "rua-null-mx")["rua"]
    assert (sink.state, sink.detail) == ("failed", "0/1 can receive reports")
    assert "rua" not in rows(lab, "tlsrpt-missing")  # nothing to probe, no row


def test_a_name_server_that_drops_queries_gives_dns_error_within_the_deadline(
    slow_lab: Lab,
) -> None:
    started = time.monotonic()
    result = inspect(slow_lab, "dns-timeout", timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert "dns-error" in codes(result)
    assert "sts-record-missing" not in codes(result)


def test_a_slow_policy_server_is_cut_off_at_the_step_timeout(slow_lab: Lab) -> None:
    started = time.monotonic()
    result = inspect(slow_lab, "slow-policy", timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert "policy-fetch-failed" in codes(result)


# --- every address (issue 8 §1, §5) ------------------------------------------------------------


def test_every_address_of_every_mx_host_is_probed(lab: Lab) -> None:
    result = inspect(lab, "mx-two-addresses")
    for probe in result.facts.mx_probes:
        assert [a.address for a in probe.addresses] == lab.addresses_of(probe.host)
        assert len(probe.addresses) == 2 and all(a.passes for a in probe.addresses)
        assert all(a.cert_chain_der and a.cert_sha256 for a in probe.addresses)
    assert result.judgement.enforce_ready is True


def test_the_chain_is_kept_leaf_first_as_der(lab: Lab) -> None:
    from cryptography import x509

    probe = inspect(lab, "good").facts.mx_probes[0]
    chain = probe.addresses[0].cert_chain_der
    leaf = x509.load_der_x509_certificate(chain[0])
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert probe.host in names.get_values_for_type(x509.DNSName)


def test_one_broken_address_of_a_host_is_named(lab: Lab) -> None:
    result = inspect(lab, "mx-address-failed")
    host = f"mx2.{lab.domain('mx-address-failed')}"
    good, bad = lab.addresses_of(host)
    finding = next(f for f in result.judgement.findings if f.code == "mx-address-failed")
    assert finding.severity == "error"  # the policy enforces
    assert bad in finding.message and "expired" in finding.message
    assert good not in finding.message.split(",")[0]
    assert result.judgement.enforce_ready is False


def test_the_demo_mx_answers_on_ipv6_too(lab: Lab) -> None:
    if not lab.ipv6:
        pytest.skip("::1 cannot be bound on this machine (IPv6 disabled)")
    result = inspect(lab, "demo")
    mx1 = next(p for p in result.facts.mx_probes if p.host.startswith("mx1."))
    v6 = [a for a in mx1.addresses if a.family == "ipv6"]
    assert [a.address for a in v6] == ["::1"]
    assert v6[0].passes


def test_a_policy_host_whose_addresses_disagree_is_inconsistent(lab: Lab) -> None:
    result = inspect(lab, "policy-inconsistent")
    first, second = lab.addresses_of(f"mta-sts.{lab.domain('policy-inconsistent')}")
    fetch = result.facts.policy
    assert fetch is not None and [f.address for f in fetch.addresses] == [first, second]
    finding = next(f for f in result.judgement.findings if f.code == "policy-inconsistent")
    assert finding.severity == "error" and second in finding.message
    assert result.judgement.enforce_ready is False


def test_a_truncated_answer_even_over_tcp_is_a_dns_error_not_a_missing_record(lab: Lab) -> None:
    result = inspect(lab, "dns-truncated")
    assert result.facts.sts.status == "error"
    assert "truncated" in (result.facts.sts.error or "")
    assert "dns-error" in codes(result) and "sts-record-missing" not in codes(result)


def test_ipv6_that_cannot_be_reached_while_ipv4_works_is_inconclusive(labs: Labs) -> None:
    result = inspect(labs.get(scenarios.NO_IPV6), "ipv6-unreachable", timeout=2.0)
    finding = next(f for f in result.judgement.findings if f.code == "ipv6-unreachable")
    assert finding.severity == "warning" and "::1" in finding.message
    assert "mx-unreachable" not in codes(result)
    assert result.judgement.enforce_ready is None


def test_the_address_caps_fall_in_preference_order() -> None:
    from mtasts_tui.probe.inspect import (
        MAX_ADDRESSES_PER_DOMAIN,
        MAX_ADDRESSES_PER_HOST,
        allotments,
    )

    # Ten hosts of ten addresses: the first eight probe eight each, the last two none.
    takes = allotments([10] * 10)
    assert takes == [8] * 8 + [0, 0]
    assert sum(takes) == MAX_ADDRESSES_PER_DOMAIN and MAX_ADDRESSES_PER_HOST == 8


# --- stalls (issue 10): one stalled server must not erase what was learned ---------------------


@pytest.mark.parametrize("name", ["stalled-handshake", "silent-mx"])
def test_a_stalled_mx_keeps_dns_and_https_results_and_the_deadline(
    slow_lab: Lab, name: str
) -> None:
    timeout = 1.0
    started = time.monotonic()
    result = inspect(slow_lab, name, timeout=timeout)
    took = time.monotonic() - started
    assert took < timeout + 0.75, took  # the whole run, handshake stalls included
    facts = result.facts
    assert facts.mx.status == "ok" and len(facts.mx.records) == 2
    assert result.judgement.sts is not None and result.judgement.sts.valid
    assert result.judgement.tlsrpt is not None and result.judgement.tlsrpt.valid
    assert facts.policy is not None and facts.policy.status == 200
    assert result.judgement.policy_valid
    assert "dns-error" not in codes(result)
    stalled = next(p for p in facts.mx_probes if p.host.startswith("mx2."))
    assert stalled.addresses and all(a.timed_out for a in stalled.addresses)
    healthy = next(p for p in facts.mx_probes if p.host.startswith("mx1."))
    assert healthy.cert_valid is True
    finding = next(f for f in result.judgement.findings if f.code == "mx-unreachable")
    assert stalled.host in finding.message and "timed out" in finding.message
    assert result.judgement.enforce_ready is None


def test_a_stalled_handshake_keeps_the_banner_it_read(slow_lab: Lab) -> None:
    result = inspect(slow_lab, "stalled-handshake", timeout=1.0)
    stalled = next(p for p in result.facts.mx_probes if p.host.startswith("mx2."))
    [address] = stalled.addresses
    assert address.banner and address.starttls is True
    assert "TLS handshake" in (address.error or "")


def test_the_deadline_safety_net_keeps_every_answer_in_hand(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a probe that ignored its own time limit cannot erase what the others learned."""
    import mtasts_tui.probe.inspect as inspect_module
    from mtasts_tui.probe.smtp import probe_address

    async def stuck_after_first(
        net: Network, host: str, address: str, timeout: float
    ) -> MxAddressProbe:
        if address == min(lab.addresses_of(host), key=ipaddress.ip_address):
            return await probe_address(net, host, address, timeout)
        await asyncio.sleep(3600)  # a bug that never returns
        raise AssertionError("the deadline should have cancelled the probe by now")

    monkeypatch.setattr(inspect_module, "probe_address", stuck_after_first)
    events: list[StepEvent] = []
    net = Network.from_config(config_from_args(lab_namespace(lab, 1.0)))
    started = time.monotonic()
    result = asyncio.run(
        inspect_domain(_domain(lab.domain("mx-two-addresses")), net, events.append)
    )
    assert time.monotonic() - started < 1.0 + inspect_module.GRACE + 0.5
    assert result.facts.mx.status == "ok" and result.judgement.sts is not None
    assert result.judgement.sts.valid and result.judgement.policy_valid
    for probe in result.facts.mx_probes:
        first, second = probe.addresses
        assert first.passes  # learned before the cut
        assert not second.reachable and "deadline" in (second.error or "")
    assert "mx-unreachable" in codes(result) and "dns-error" not in codes(result)
    assert result.judgement.enforce_ready is None
    last = {e.step: e.state for e in events}
    assert "running" not in last.values()  # every live row was closed


def test_a_policy_node_that_refuses_beside_a_working_one_is_a_warning(lab: Lab) -> None:
    result = inspect(lab, "policy-node-down")
    _, down = lab.addresses_of(f"mta-sts.{lab.domain('policy-node-down')}")
    finding = next(f for f in result.judgement.findings if f.code == "policy-fetch-failed")
    assert finding.severity == "warning" and down in finding.message
    assert "policy-inconsistent" not in codes(result)  # silence is not a different answer
    assert result.judgement.policy_valid and result.judgement.enforce_ready is None


def test_live_rows_fail_for_a_broken_address_and_disagreeing_policy_nodes(lab: Lab) -> None:
    net = Network.from_config(config_from_args(lab_namespace(lab)))
    rows: dict[str, StepEvent] = {}
    for name in ("mx-address-failed", "policy-inconsistent"):
        asyncio.run(
            inspect_domain(_domain(lab.domain(name)), net, lambda e: rows.update({e.step: e}))
        )
    assert rows["smtp:mx2.mx-address-failed.test"].state == "failed"
    assert rows["smtp:mx1.mx-address-failed.test"].state == "ok"
    policy = rows["policy"]  # the last domain's
    assert policy.state == "failed" and "disagree" in policy.detail


def test_the_policy_is_fetched_over_ipv6_too_with_sni_and_host(lab: Lab) -> None:
    if not lab.ipv6:
        pytest.skip("::1 cannot be bound on this machine (IPv6 disabled)")
    result = inspect(lab, "mx-two-addresses")
    fetch = result.facts.policy
    assert fetch is not None
    by_family = {f.family: f for f in fetch.addresses}
    assert set(by_family) == {"ipv4", "ipv6"} and by_family["ipv6"].address == "::1"
    v4, v6 = by_family["ipv4"], by_family["ipv6"]
    assert v6.status == 200 and v6.body == v4.body and v6.body
    assert f"mta-sts.{lab.domain('mx-two-addresses')}" in v6.cert_names
    assert "policy-inconsistent" not in codes(result)
