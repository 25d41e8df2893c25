"""DNSSEC, DANE, MX aliases and CAA against the lab's real DNS, SMTP and HTTPS servers."""

from __future__ import annotations

import asyncio
import json

import pytest

from mtasts_tui.cli import main
from mtasts_tui.core.dane import dnssec_state
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import DnsFault, Lab, Scenario, scenarios
from mtasts_tui.probe.dane import certificate_issuer, probe_resolver
from mtasts_tui.probe.inspect import Inspection, inspect_domain
from mtasts_tui.probe.network import Network

from tests.conftest import Labs, lab_network_args

TLSA_KEYS = {"present", "dnssec", "records", "matches"}
DNSSEC_KEYS = {"resolver", "validating", "mx", "sts_record"}
CAA_KEYS = {"name", "status", "owner", "records", "issuer", "issuer_domains", "error"}


def inspect(lab: Lab, name: str) -> Inspection:
    parsed = parse_domain(lab.domain(name))
    assert isinstance(parsed, DomainName)
    return asyncio.run(inspect_domain(parsed, Network.from_config(lab.probe_config(timeout=3))))


# The lab's healthy domains send their reports to tlsrpt@<domain>: that note is not about DANE.
RUA_NOTE = "tlsrpt-rua-same-domain"


def by_code(result: Inspection) -> dict[str, list[str]]:
    """Findings by code, less the lab's own rua note."""
    out: dict[str, list[str]] = {}
    for f in result.judgement.findings:
        if f.code != RUA_NOTE:
            out.setdefault(f.code, []).append(f.message)
    return out


def test_matching_signed_tlsa_is_dane_present_for_each_host(lab: Lab) -> None:
    result = inspect(lab, "dane-good")
    sec = result.judgement.dns_security
    assert sec is not None
    assert (sec.mx, sec.sts, sec.validates) == ("signed", "signed", True)
    assert sec.resolver == "{}:{}".format(*lab.dns_address)
    for host in ("mx1.dane-good.test", "mx2.dane-good.test"):
        verdict = sec.tlsa_for(host)
        assert verdict is not None and verdict.matches is True and verdict.dnssec == "signed"
    first = sec.tlsa_for("mx1.dane-good.test")
    assert first is not None and len(first.records) == 2
    assert set(by_code(result)) == {"dane-present"}
    assert result.judgement.enforce_ready is True


def test_dane_ta_matches_the_intermediate_the_server_sends(lab: Lab) -> None:
    result = inspect(lab, "dane-ta")
    probe = next(p for p in result.facts.mx_probes if p.host == "mx1.dane-ta.test")
    assert all(len(a.cert_chain_der) == 2 for a in probe.address_probes())
    sec = result.judgement.dns_security
    assert sec is not None
    verdict = sec.tlsa_for("mx1.dane-ta.test")
    assert verdict is not None and verdict.records[0].startswith("2 1 1 ")
    assert verdict.matches is True
    assert "dane-tlsa-mismatch" not in by_code(result)


def test_a_record_for_another_certificate_is_a_mismatch_naming_the_address(lab: Lab) -> None:
    result = inspect(lab, "dane-mismatch")
    (message,) = by_code(result)["dane-tlsa-mismatch"]
    assert lab.address_of("mx2.dane-mismatch.test") in message
    assert lab.address_of("mx1.dane-mismatch.test") not in message
    assert result.judgement.enforce_ready is False


def test_tlsa_in_an_unsigned_zone_is_a_warning(lab: Lab) -> None:
    result = inspect(lab, "dane-unsigned")
    assert "dane-unsigned" in by_code(result) and "dane-present" not in by_code(result)
    sec = result.judgement.dns_security
    assert sec is not None and sec.mx == "unsigned" and sec.validates is True


def test_a_resolver_that_does_not_validate_makes_everything_unknown(labs: Labs) -> None:
    chosen = [s for s in scenarios.ALL if s.name == "dane-good"]
    result = inspect(labs.get(chosen, validating=False), "dane-good")
    sec = result.judgement.dns_security
    assert sec is not None and sec.validates is False
    assert (sec.mx, sec.sts) == ("unknown", "unknown")
    assert "does not validate" in by_code(result)["dane-unsigned"][0]


def test_an_mx_alias_is_reported_and_still_probed(lab: Lab) -> None:
    result = inspect(lab, "mx-cname")
    (message,) = by_code(result)["mx-cname"]
    assert "mx1.mx-cname.test" in message and "smtp.mx-cname.test" in message
    assert all(p.cert_valid for p in result.facts.mx_probes)


def test_caa_is_found_at_the_parent_and_judged_against_the_served_ca(lab: Lab) -> None:
    result = inspect(lab, "caa-blocks")
    caa = result.facts.caa
    assert caa is not None and caa.owner == "caa-blocks.test"
    assert result.facts.policy is not None
    assert ("O", "Let's Encrypt") in result.facts.policy.cert_issuer
    assert "caa-blocks-issuer" in by_code(result)
    assert "caa-blocks-issuer" not in by_code(inspect(lab, "caa-allows"))
    assert set(by_code(inspect(lab, "caa-unknown"))) == {"caa-issuer-unknown"}


def test_the_json_contract_of_the_new_keys(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["dane-mismatch", "good", "caa-blocks"]
    code = main(["check", "--json", *map(lab.domain, names), *lab_network_args(lab)])
    objects = {o["domain"]: o for o in map(json.loads, capsys.readouterr().out.splitlines())}
    assert code == 1  # dane-tlsa-mismatch is an error
    for obj in objects.values():
        assert set(obj["dnssec"]) == DNSSEC_KEYS
        assert set(obj["caa"]) == CAA_KEYS
        for mx in obj["mx_tls"]:
            assert set(mx["tlsa"]) == TLSA_KEYS
    mismatch = objects[lab.domain("dane-mismatch")]
    tlsa = {m["host"]: m["tlsa"] for m in mismatch["mx_tls"]}
    assert tlsa["mx1.dane-mismatch.test"]["matches"] is True
    assert tlsa["mx2.dane-mismatch.test"]["matches"] is False
    assert tlsa["mx2.dane-mismatch.test"]["dnssec"] == "signed"
    assert tlsa["mx2.dane-mismatch.test"]["records"][0].startswith("3 1 1 ")
    assert mismatch["dnssec"]["validating"] is True and mismatch["dnssec"]["mx"] == "signed"
    good = objects[lab.domain("good")]
    assert good["dnssec"]["mx"] == "unsigned"
    assert all(
        m["tlsa"] == {"present": False, "dnssec": "unsigned", "records": [], "matches": None}
        for m in good["mx_tls"]
    )
    caa = objects[lab.domain("caa-blocks")]["caa"]
    assert caa["records"] == ['0 issue "digicert.com"']
    assert caa["issuer_domains"] == ["letsencrypt.org"]


def test_the_human_output_names_the_resolver_and_shows_a_dane_column(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", lab.domain("dane-mismatch"), *lab_network_args(lab)])
    out = capsys.readouterr().out
    assert "DANE" in out and "MISMATCH signed" in out and "match signed" in out
    assert "resolver {}:{}".format(*lab.dns_address) in out and "validating" in out


def test_a_failed_signed_name_probe_leaves_validation_unknown_not_false(labs: Labs) -> None:
    broken_root = Scenario(
        name="root-fails",
        domain="root-fails.test",
        description="The resolver answers SERVFAIL for the root",
        dns_faults=(DnsFault(".", "servfail"),),
    )
    lab = labs.get([broken_root])
    net = Network.from_config(lab.probe_config(timeout=2))
    info = asyncio.run(probe_resolver(net.resolver, 2.0))
    configured = "{}:{}".format(*lab.dns_address)
    assert info.validates is None
    assert info.name == configured  # no answer came, so the configured resolver is named
    assert dnssec_state(False, info.validates) == "unknown"


def test_a_failing_tlsa_lookup_in_a_signed_zone_is_a_dns_warning(lab: Lab) -> None:
    result = inspect(lab, "dane-servfail")
    (message,) = by_code(result)["dns-error"]
    assert "_25._tcp.mx1.dane-servfail.test" in message and "SERVFAIL" in message
    assert {f.severity for f in result.judgement.findings if f.code == "dns-error"} == {"warning"}


def test_dane_ee_pins_a_private_ca_certificate_that_mta_sts_rejects(lab: Lab) -> None:
    # DANE-EE ignores the CA, so DANE senders deliver; MTA-STS senders still need a public CA.
    result = inspect(lab, "dane-private-ca")
    sec = result.judgement.dns_security
    assert sec is not None
    verdict = sec.tlsa_for("mx2.dane-private-ca.test")
    assert verdict is not None and verdict.matches is True
    assert "dane-tlsa-mismatch" not in by_code(result)
    assert "mx-cert-invalid" in by_code(result)


def test_an_aliased_mx_finds_its_tlsa_records_at_the_alias_target(lab: Lab) -> None:
    result = inspect(lab, "mx-cname")
    lookup = next(t for t in result.facts.tlsa if t.host == "mx1.mx-cname.test")
    assert lookup.base == "smtp.mx-cname.test" and lookup.name == "_25._tcp.smtp.mx-cname.test"
    sec = result.judgement.dns_security
    assert sec is not None
    verdict = sec.tlsa_for("mx1.mx-cname.test")
    assert verdict is not None and verdict.present and verdict.matches is True
    (message,) = by_code(result)["dane-present"]
    assert "_25._tcp.smtp.mx-cname.test" in message


def test_issuer_names_of_broken_certificates_are_empty_not_errors() -> None:
    assert certificate_issuer(None) == ()
    assert certificate_issuer(b"\x30\x03\x02\x01\x05") == ()
