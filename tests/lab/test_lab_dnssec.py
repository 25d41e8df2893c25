"""The lab's resolver plays a validating one: AD on signed zones when asked, TLSA, CAA, CNAME."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from mtasts_tui.lab import Lab, scenarios

from tests.conftest import Labs


def ask(lab: Lab, name: str, rdtype: str, *, dnssec: bool = True) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
    host, port = lab.dns_address
    return dns.query.udp(query, host, port=port, timeout=2)


def ad(response: dns.message.Message) -> bool:
    return bool(response.flags & dns.flags.AD)


def test_a_signed_zone_gets_ad_only_when_the_query_asks_for_dnssec(lab: Lab) -> None:
    assert ad(ask(lab, lab.domain("dane-good"), "MX"))
    assert not ad(ask(lab, lab.domain("dane-good"), "MX", dnssec=False))
    plain = dns.message.make_query(lab.domain("dane-good"), "MX")
    plain.flags |= dns.flags.AD  # RFC 6840 §5.7: the AD bit in a query asks for it too
    host, port = lab.dns_address
    assert ad(dns.query.udp(plain, host, port=port, timeout=2))


def test_an_unsigned_zone_never_gets_ad(lab: Lab) -> None:
    assert not ad(ask(lab, lab.domain("good"), "MX"))
    assert not ad(ask(lab, f"_25._tcp.mx1.{lab.domain('dane-unsigned')}", "TLSA"))


def test_a_signed_denial_gets_ad_too(lab: Lab) -> None:
    response = ask(lab, f"_25._tcp.mx2.{lab.domain('dane-ta')}", "TLSA")
    assert response.rcode() == dns.rcode.NXDOMAIN and ad(response)


def test_the_root_is_signed_so_a_validating_lab_sets_ad_on_it(lab: Lab) -> None:
    response = ask(lab, ".", "SOA")
    assert response.rcode() == dns.rcode.NOERROR and ad(response)
    assert [r.rdtype for r in response.answer] == [dns.rdatatype.SOA]


def test_a_non_validating_lab_never_sets_ad(labs: Labs) -> None:
    lab = labs.get(scenarios.DEMO, validating=False)
    assert not ad(ask(lab, ".", "SOA"))
    assert not ad(ask(lab, scenarios.DEMO_DOMAIN, "MX"))


@pytest.mark.parametrize(("name", "usage"), [("dane-good", 3), ("dane-ta", 2)])
def test_tlsa_records_are_served_in_wire_format(lab: Lab, name: str, usage: int) -> None:
    response = ask(lab, f"_25._tcp.mx1.{lab.domain(name)}", "TLSA")
    rdatas = [r for rrset in response.answer for r in rrset if r.rdtype == dns.rdatatype.TLSA]
    assert rdatas and {r.usage for r in rdatas} == {usage}
    assert all(len(r.cert) in (32, 64) or r.mtype == 0 for r in rdatas)


def test_tlsa_records_follow_the_certificates_of_each_start() -> None:
    values = []
    for _ in range(2):
        with Lab(scenarios.DEMO) as lab:
            response = ask(lab, f"_25._tcp.mx1.{scenarios.DEMO_DOMAIN}", "TLSA")
            values.append([r.to_text() for rrset in response.answer for r in rrset])
    assert len(values[0]) == len(values[1]) == 1
    assert values[0] != values[1]  # a new CA per start, and only the current record is served


def test_caa_and_an_mx_alias_are_served(lab: Lab) -> None:
    caa = ask(lab, lab.domain("caa-blocks"), "CAA")
    assert [r.to_text() for rrset in caa.answer for r in rrset] == ['0 issue "digicert.com"']
    alias = ask(lab, f"mx1.{lab.domain('mx-cname')}", "A")
    types = [rrset.rdtype for rrset in alias.answer]
    assert types == [dns.rdatatype.CNAME, dns.rdatatype.A]  # the target got the MX's address
