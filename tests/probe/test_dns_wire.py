"""Our DNS query I/O (issue 12): dnspython's bytes on the wire, sockets shared and then closed.

`probe.dns` builds plain queries and their wire form without dnspython's generic path, and
queries to one name server share a UDP socket, for speed; these tests hold the bytes to
dnspython's output and the sockets to their bounds, against the lab's real DNS server.
"""

from __future__ import annotations

import asyncio
import socket

import dns.asyncresolver
import dns.edns
import dns.flags
import dns.message
import dns.nameserver
import dns.rdataclass
import pytest

from mtasts_tui.lab import Lab
from mtasts_tui.probe import dns as probe_dns
from mtasts_tui.probe.dns import _Resolution, lookup_mx, lookup_txt, query_wire
from mtasts_tui.probe.network import Network


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
    resolver.use_edns(
        0, 0, 1232, options=[dns.edns.GenericOption(dns.edns.OptionType.make(65001), b"x")]
    )
    request, _ = _Resolution(
        resolver, "example.com", "MX", dns.rdataclass.IN, False, True, False
    ).next_request()
    assert request is not None and request.options
    request.id = 7
    assert query_wire(request) == request.to_wire()  # options: dnspython writes it


def test_lookups_in_flight_share_a_socket_that_closes_when_the_last_is_answered(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = lab.domain("good")
    opened: list[probe_dns._Channel] = []

    class Counted(probe_dns._Channel):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            opened.append(self)

    monkeypatch.setattr(probe_dns, "_Channel", Counted)

    async def many() -> tuple[set[str], int, int]:
        resolver = Network.from_config(lab.probe_config()).resolver
        before = lab.dns_queries(domain, "MX")
        found = await asyncio.gather(*(lookup_mx(resolver, domain, 3.0) for _ in range(40)))
        channels = probe_dns._CHANNELS.get(asyncio.get_running_loop(), {})
        return {f.status for f in found}, lab.dns_queries(domain, "MX") - before, len(channels)

    statuses, asked, open_channels = asyncio.run(many())
    assert statuses == {"ok"}
    assert asked == 40  # every lookup is its own query (no cache here), none retried
    assert len(opened) == 1  # forty queries in flight, one socket
    assert open_channels == 0 and opened[0].sock.fileno() == -1  # closed once all were answered


def test_a_silent_name_server_costs_its_timeout_and_leaves_no_socket_open() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never read: no answer, no ICMP error
        resolver = _resolver(0, dns.flags.DO, 1232)
        resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", silent.getsockname()[1])]
        resolver.timeout = 0.2

        async def ask() -> tuple[str, str | None, int]:
            found = await lookup_txt(resolver, "example.test", 0.5)
            channels = probe_dns._CHANNELS.get(asyncio.get_running_loop(), {})
            return found.status, found.error, len(channels)

        status, error, open_channels = asyncio.run(ask())
    assert status == "error" and error == "timed out after 0.5 s"
    assert open_channels == 0
