"""The queries we write ourselves are byte for byte the ones dnspython would send (issue 12).

`probe.dns` builds plain queries and their wire form without dnspython's generic path, for
speed; these tests hold it to dnspython's output for the settings `check` uses and for others.
"""

from __future__ import annotations

import dns.asyncresolver
import dns.edns
import dns.flags
import dns.message
import dns.nameserver
import dns.rdataclass
import pytest

from mtasts_tui.probe.dns import _Resolution, query_wire


def _resolver(edns: int, ednsflags: int, payload: int) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", 53)]
    resolver.cache = None
    resolver.use_edns(edns, ednsflags, payload)
    return resolver


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [("mta-sts.example.com", "A"), (".", "SOA"), ("_25._tcp.mx.example.org", "TLSA")],
)
@pytest.mark.parametrize(
    ("edns", "ednsflags", "payload"),
    [(0, dns.flags.DO, 1232), (0, 0, 4096), (-1, 0, 512)],
)
def test_a_query_is_written_as_dnspython_writes_it(
    name: str, rdtype: str, edns: int, ednsflags: int, payload: int
) -> None:
    resolver = _resolver(edns, ednsflags, payload)
    ours, _ = _Resolution(
        resolver, name, rdtype, dns.rdataclass.IN, False, True, False
    ).next_request()
    theirs = dns.message.make_query(name, rdtype)
    theirs.use_edns(edns, ednsflags, payload)
    assert ours is not None
    ours.id = theirs.id = 4242
    assert query_wire(ours) == ours.to_wire() == theirs.to_wire()
    assert ours.payload == theirs.payload and ours.request_payload == theirs.request_payload


def test_an_unusual_resolver_gets_dnspythons_own_request() -> None:
    resolver = _resolver(0, dns.flags.DO, 1232)
    resolver.use_edns(0, 0, 1232, options=[dns.edns.GenericOption(65001, b"x")])
    request, _ = _Resolution(
        resolver, "example.com", "MX", dns.rdataclass.IN, False, True, False
    ).next_request()
    assert request is not None and request.options
    request.id = 7
    assert query_wire(request) == request.to_wire()  # options: dnspython writes it
