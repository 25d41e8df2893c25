"""Inspection against real servers on loopback: each scenario's findings, timeouts, concurrency."""

from __future__ import annotations

import asyncio
import time

import pytest

from mtasts_tui.commands.check import config_from_args
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.probe.inspect import Inspection, StepEvent, inspect_domain
from mtasts_tui.probe.network import Network
from tests.conftest import lab_namespace


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
    lab: Lab, scenario: scenarios.Scenario
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


def test_a_name_server_that_drops_queries_gives_dns_error_within_the_deadline() -> None:
    with Lab(scenarios.SLOW) as slow:
        started = time.monotonic()
        result = inspect(slow, "dns-timeout", timeout=1.0)
        assert time.monotonic() - started < 2.5
    assert "dns-error" in codes(result)
    assert "sts-record-missing" not in codes(result)


def test_a_slow_policy_server_is_cut_off_at_the_step_timeout() -> None:
    with Lab(scenarios.SLOW) as slow:
        started = time.monotonic()
        result = inspect(slow, "slow-policy", timeout=1.0)
        assert time.monotonic() - started < 2.5
    assert "policy-fetch-failed" in codes(result)
