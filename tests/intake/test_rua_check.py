"""check looks at every rua destination: mailto: domains need MX (or an address), https:
endpoints must answer over valid TLS. Against the loopback lab's DNS and HTTPS servers."""

from __future__ import annotations

import asyncio

import pytest

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.rua import RuaProbe, RuaTarget, is_same_domain, rua_findings, rua_target
from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.probe.inspect import Inspection, inspect_domain
from mtasts_tui.probe.network import Network, ProbeConfig

from tests.conftest import Labs

RUA = [s for s in scenarios.ALL if s.name.startswith("rua-") or s.name == "good"]


@pytest.fixture(scope="module")
def lab(labs: Labs) -> Lab:
    return labs.get(RUA)


def _inspect(lab: Lab, name: str) -> Inspection:
    host, port = lab.dns_address
    config = ProbeConfig(
        resolvers=((host, port),),
        ca_file=str(lab.ca_file),
        https_port=lab.https_port,
        smtp_port=lab.smtp_port,
        timeout=3.0,
        smtp=False,
    )
    domain = parse_domain(lab.domain(name))
    assert isinstance(domain, DomainName), domain
    return asyncio.run(inspect_domain(domain, Network.from_config(config)))


def _codes(result: Inspection) -> set[str]:
    return {f.code for f in result.judgement.findings}


def test_a_null_mx_mail_domain_is_undeliverable(lab: Lab) -> None:
    result = _inspect(lab, "rua-null-mx")
    (probe,) = result.facts.rua_probes
    assert probe.deliverable is False and "null MX" in probe.detail
    finding = next(f for f in result.judgement.findings if f.code == "tlsrpt-rua-undeliverable")
    assert finding.severity == "warning" and "mailto:tlsrpt@rua-sink.test" in finding.message
    assert "tlsrpt-rua-same-domain" not in _codes(result)


def test_an_https_endpoint_with_an_untrusted_certificate_is_undeliverable(lab: Lab) -> None:
    result = _inspect(lab, "rua-https-untrusted")
    (probe,) = result.facts.rua_probes
    assert probe.deliverable is False and "certificate" in probe.detail
    assert "tlsrpt-rua-undeliverable" in _codes(result)


def test_a_mailbox_of_the_policy_domain_gets_the_same_domain_note(lab: Lab) -> None:
    result = _inspect(lab, "rua-same-domain")
    (probe,) = result.facts.rua_probes
    assert probe.deliverable is True and probe.detail.startswith("MX ")
    finding = next(f for f in result.judgement.findings if f.code == "tlsrpt-rua-same-domain")
    assert finding.severity == "info"
    assert "tlsrpt-rua-undeliverable" not in _codes(result)


def test_working_destinations_elsewhere_raise_nothing(lab: Lab) -> None:
    result = _inspect(lab, "rua-elsewhere")
    assert [p.deliverable for p in result.facts.rua_probes] == [True, True]
    https = result.facts.rua_probes[0]
    assert https.target.scheme == "https" and "over valid TLS" in https.detail
    assert not {"tlsrpt-rua-undeliverable", "tlsrpt-rua-same-domain"} & _codes(result)


def test_the_probe_never_posts(lab: Lab) -> None:
    # The lab's HTTPS server answers 405 to anything but GET/HEAD: our OPTIONS got that answer.
    result = _inspect(lab, "rua-elsewhere")
    assert "HTTP 405" in result.facts.rua_probes[0].detail


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "mailto:tlsrpt@Example.COM.",
            RuaTarget("mailto:tlsrpt@Example.COM.", "mailto", "example.com"),
        ),
        (
            "mailto:a%40b@x.example?subject=r",
            RuaTarget("mailto:a%40b@x.example?subject=r", "mailto", "x.example"),
        ),
        (
            "https://r.example:8443/v1",
            RuaTarget("https://r.example:8443/v1", "https", "r.example", 8443),
        ),
        ("ftp://r.example/", None),
        ("mailto:nobody", None),
    ],
)
def test_rua_targets(uri: str, expected: RuaTarget | None) -> None:
    assert rua_target(uri) == expected


def test_same_domain_means_the_domain_or_a_name_under_it() -> None:
    assert is_same_domain("example.com", "example.com")
    assert is_same_domain("reports.example.com", "Example.com.")
    assert not is_same_domain("badexample.com", "example.com")
    assert not is_same_domain("example.net", "example.com")


def test_an_unknown_outcome_raises_no_warning() -> None:
    target = RuaTarget("mailto:r@elsewhere.example", "mailto", "elsewhere.example")
    assert rua_findings("example.com", (RuaProbe(target, None, "timed out"),)) == []
