"""The lab's DNS adds the MX hosts' addresses to MX answers, as many resolvers do (switchable)."""

from __future__ import annotations

from collections.abc import Iterator

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest

from mtasts_tui.lab import Lab, MxServer, scenarios

MANY = [f"mx{i}.wide.test" for i in range(40)]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    near = scenarios.healthy(
        "near",
        "Two MX hosts in the zone",
        mx_overrides={"mx1.near.test": MxServer(ipv6=MxServer())},
    )
    wide = scenarios.healthy(
        "wide", "Forty MX hosts: their addresses overflow a UDP answer", mx_hosts=MANY
    )
    with Lab([near, wide]) as running:
        yield running


def _ask(lab: Lab, name: str, *, tcp: bool = False) -> dns.message.Message:
    host, port = lab.dns_address
    query = dns.message.make_query(name, "MX", use_edns=0, payload=1232)
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=2)
    return dns.query.udp(query, host, port=port, timeout=2)


def _addresses(message: dns.message.Message) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for rrset in message.additional:
        key = (rrset.name.to_text(omit_final_dot=True), dns.rdatatype.to_text(rrset.rdtype))
        found.setdefault(key, set()).update(r.to_text() for r in rrset)
    return found


def test_an_mx_answer_carries_the_hosts_addresses(lab: Lab) -> None:
    found = _addresses(_ask(lab, "near.test"))
    assert found[("mx1.near.test", "A")] == {lab.address_of("mx1.near.test")}
    assert found[("mx2.near.test", "A")] == set(lab.addresses_of("mx2.near.test"))
    assert (("mx1.near.test", "AAAA") in found) == lab.ipv6  # only what the lab publishes


def test_switched_off_the_additional_section_stays_empty(lab: Lab) -> None:
    lab.set_dns_additional(False)
    try:
        answer = _ask(lab, "near.test")
    finally:
        lab.set_dns_additional(True)
    assert answer.answer and not answer.additional


def test_addresses_that_do_not_fit_a_udp_answer_are_left_out_rather_than_truncating(
    lab: Lab,
) -> None:
    udp = _ask(lab, "wide.test")
    assert not udp.flags & dns.flags.TC
    assert len(udp.answer[0]) == len(MANY) and not udp.additional
    tcp = _ask(lab, "wide.test", tcp=True)
    assert len(_addresses(tcp)) == len(MANY)  # TCP has room for all of them
