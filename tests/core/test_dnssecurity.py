"""DNSSEC, DANE, MX aliases and CAA as the judge sees them (hand-built facts, real certificates)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mtasts_tui.core.caa import CaaLookup, CaaRecord
from mtasts_tui.core.dane import TlsaLookup, TlsaRecord
from mtasts_tui.core.dnssecurity import caa_lines_to_add
from mtasts_tui.core.facts import DomainFacts, MxAddressProbe, MxProbe, ResolverInfo
from mtasts_tui.core.judge import judge
from mtasts_tui.lab.certs import CertStore

from tests.core.test_judge import facts, good_policy

HOST = "mx1.example.com"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[bytes, ...]]:
    yield CertStore(Path(tmp_path_factory.mktemp("ca"))).chain_der(HOST)


def spki_sha256(cert_der: bytes) -> bytes:
    key = x509.load_der_x509_certificate(cert_der).public_key()
    return hashlib.sha256(
        key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).digest()


def with_addresses(*addresses: MxAddressProbe) -> MxProbe:
    return MxProbe.from_addresses(HOST, addresses)


def address(ip: str, chain: tuple[bytes, ...]) -> MxAddressProbe:
    return MxAddressProbe(
        address=ip,
        reachable=True,
        starttls=True,
        tls_version="TLSv1.3",
        cert_valid=True,
        cert_names=(HOST,),
        cert_chain_der=chain,
    )


def dane_facts(chain: tuple[bytes, ...], *, signed: bool = True, **changes: object) -> DomainFacts:
    record = TlsaRecord(3, 1, 1, spki_sha256(chain[0]))
    base = facts(
        mx_probes=(with_addresses(address("192.0.2.1", chain), address("192.0.2.2", chain)),),
        tlsa=(TlsaLookup(HOST, "ok", (record,), authenticated=signed),),
        resolver=ResolverInfo("192.0.2.53:53", validates=True),
    )
    base = replace(base, mx=replace(base.mx, authenticated=signed))
    return replace(base, **changes)  # type: ignore[arg-type]


def by_code(f: DomainFacts) -> dict[str, str]:
    return {x.code: x.severity for x in judge(f).findings}


def test_matching_signed_tlsa_on_every_address_is_dane_present_and_ready(
    chain: tuple[bytes, ...],
) -> None:
    j = judge(dane_facts(chain))
    assert {f.code for f in j.findings} == {"dane-present"}
    assert j.enforce_ready is True
    sec = j.dns_security
    assert sec is not None and sec.mx == "signed" and sec.validates is True
    tlsa = sec.tlsa_for(HOST)
    assert tlsa is not None and tlsa.matches is True and tlsa.dnssec == "signed"
    assert sec.to_json() == {
        "resolver": "192.0.2.53:53",
        "validating": True,
        "mx": "signed",
        "sts_record": "unknown",  # the hand-built TXT answer carries no AD bit at all
    }


def test_one_address_with_another_certificate_is_a_mismatch_that_blocks(
    chain: tuple[bytes, ...], tmp_path: Path
) -> None:
    other = CertStore(tmp_path).chain_der(HOST)  # same name, another CA and key
    probe = with_addresses(address("192.0.2.1", chain), address("192.0.2.2", other))
    j = judge(dane_facts(chain, mx_probes=(probe,)))
    mismatch = next(f for f in j.findings if f.code == "dane-tlsa-mismatch")
    assert mismatch.severity == "error"
    assert "192.0.2.2" in mismatch.message and "192.0.2.1" not in mismatch.message
    assert j.enforce_ready is False
    assert any("TLSA" in b for b in j.blockers)


def test_unsigned_tlsa_is_a_warning_and_does_not_block(chain: tuple[bytes, ...]) -> None:
    f = dane_facts(chain, signed=False)
    assert by_code(f) == {"dane-unsigned": "warning"}
    assert judge(f).enforce_ready is True
    sec = judge(f).dns_security
    assert sec is not None and sec.mx == "unsigned"


def test_a_resolver_that_never_sets_ad_leaves_everything_unknown(
    chain: tuple[bytes, ...],
) -> None:
    f = dane_facts(chain, signed=False, resolver=ResolverInfo("10.0.0.1:53", validates=False))
    sec = judge(f).dns_security
    assert sec is not None and sec.validates is False
    verdict = sec.tlsa_for(HOST)
    assert verdict is not None
    assert (sec.mx, verdict.dnssec) == ("unknown", "unknown")
    message = next(x for x in judge(f).findings if x.code == "dane-unsigned").message
    assert "10.0.0.1:53" in message and "does not validate" in message


def test_an_ad_bit_anywhere_proves_the_resolver_validates_even_if_the_probe_was_lost(
    chain: tuple[bytes, ...],
) -> None:
    f = dane_facts(chain, resolver=ResolverInfo("10.0.0.1:53", validates=None))
    sts = replace(f.sts, authenticated=False)
    sec = judge(replace(f, sts=sts)).dns_security
    assert sec is not None and sec.validates is True and sec.sts == "unsigned"


def test_an_mx_that_is_a_cname_is_a_warning_naming_the_target() -> None:
    f = facts(mx_cnames=((HOST, "smtp.example.net"),))
    findings = [x for x in judge(f).findings if x.code == "mx-cname"]
    assert [x.severity for x in findings] == ["warning"]
    assert "smtp.example.net" in findings[0].message and "2181" in findings[0].message


def test_caa_that_forbids_the_policy_hosts_ca_is_reported() -> None:
    policy = replace(good_policy(), cert_issuer=(("O", "Let's Encrypt"), ("CN", "R11")))
    caa = CaaLookup(
        "mta-sts.example.com", "ok", "example.com", (CaaRecord(0, "issue", "pki.goog"),)
    )
    assert by_code(facts(policy=policy, caa=caa)) == {"caa-blocks-issuer": "warning"}
    allowed = replace(caa, records=(CaaRecord(0, "issue", "letsencrypt.org"),))
    assert by_code(facts(policy=policy, caa=allowed)) == {}
    # A policy host that answered nothing has no certificate to renew.
    dead = replace(policy, status=None, error="refused")
    assert "caa-blocks-issuer" not in by_code(facts(policy=dead, caa=caa))


def test_the_bundle_gets_a_caa_line_only_when_a_set_blocks_a_known_ca() -> None:
    le = (("O", "Let's Encrypt"), ("CN", "R11"))
    policy = replace(good_policy(), cert_issuer=le)
    blocking = CaaLookup(
        "mta-sts.example.com", "ok", "example.com", (CaaRecord(0, "issue", "pki.goog"),)
    )
    (line,) = caa_lines_to_add(facts(policy=policy, caa=blocking))
    assert line.split()[0] == "mta-sts.example.com." and line.endswith('issue "letsencrypt.org"')
    assert (
        caa_lines_to_add(facts(policy=policy, caa=CaaLookup("mta-sts.example.com", "none"))) == ()
    )
    assert caa_lines_to_add(facts(policy=policy)) == ()  # not looked up
    unknown = replace(policy, cert_issuer=(("O", "Private CA"),))
    assert caa_lines_to_add(facts(policy=unknown, caa=blocking)) == ()
