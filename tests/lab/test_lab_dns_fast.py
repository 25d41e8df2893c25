"""The lab DNS server's fast path answers plain queries with the bytes dnspython would render.

The fast path (``mtasts_tui/lab/_dnswire.py``) parses plain queries itself and writes their
answers without dnspython's message API; everything else goes the full way. Both must say the
same thing, byte for byte, and nothing may be answered from a stale copy of the lab's state.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections.abc import Iterator

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import pytest

from mtasts_tui.lab import DnsFault, Lab, scenarios
from mtasts_tui.lab import dns_server as dns_server_module
from mtasts_tui.lab._dnswire import parse_plain_query
from mtasts_tui.lab.dns_server import DnsServer, Zone


def _questions(zone: Zone) -> list[tuple[str, str]]:
    """Every name the zone knows (owners and empty non-terminals) with each type it holds, and
    with A and MX (denials, additional addresses); names it does not know; a few in upper case."""
    asked: list[tuple[str, str]] = []
    for name in sorted(zone.existing):
        held = {dns.rdatatype.RdataType.make(t).name for t in zone.rrsets.get(name, {})}
        spelled = name.to_text()
        asked += [(spelled, rdtype) for rdtype in sorted(held | {"A", "MX"})]
    asked += [(f"nothing-here.{apex.to_text()}", "TXT") for apex in zone.apexes]
    asked += [(name.upper(), rdtype) for name, rdtype in asked[::9]]
    return asked


async def _both(server: DnsServer, wire: bytes, udp: bool) -> tuple[bytes | None, bytes | None]:
    """The fast path's answer and the full path's, each with the same random state (dnspython
    shuffles the records of an rrset)."""
    random.seed(1234)
    fast = server._fast(wire, udp=udp)
    random.seed(1234)
    full = await server._answer(wire, udp=udp, asked=[])
    return (None if fast is None else fast[0]), full


def _faulted(zone: Zone, name: str) -> bool:
    return any(owner == dns.name.from_text(name) for owner, _ in zone.faults)


def test_plain_answers_are_byte_for_byte_what_the_full_path_renders(lab: Lab) -> None:
    zone = lab._zone  # every scenario, TLSA records included (the lab has started)
    server = DnsServer(zone)  # never started: the tests call its two paths directly

    async def compare() -> tuple[int, list[tuple[str, str, bool]]]:
        same = 0
        declined: list[tuple[str, str, bool]] = []
        for name, rdtype in _questions(zone):
            query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
            for udp in (True, False):
                fast, full = await _both(server, query.to_wire(), udp)
                if fast is None:
                    declined.append((name, rdtype, udp))
                else:
                    assert fast == full, (name, rdtype, udp)
                    same += 1
        return same, declined

    same, declined = asyncio.run(compare())
    assert same > 2000
    # It declines only names with a fault (they must see every query) and UDP answers too big
    # for the payload offered (the full path drops the additional section or truncates).
    for name, rdtype, udp in declined:
        if not _faulted(zone, name):
            assert udp, (name, rdtype)
            query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
            tcp_answer = asyncio.run(server._answer(query.to_wire(), udp=False, asked=[]))
            assert tcp_answer is not None and len(tcp_answer) > 1232, (name, rdtype)


@pytest.mark.parametrize("validating", [True, False])
@pytest.mark.parametrize("additional", [True, False])
def test_every_request_bit_and_lab_setting_renders_the_same(
    lab: Lab, validating: bool, additional: bool
) -> None:
    zone = lab._zone
    server = DnsServer(zone)
    server.validating = validating
    server.additional = additional
    signed = sorted(n.to_text() for n in zone.existing if zone.is_signed(n))
    names = [lab.domain("good"), "CASE.test", f"_mta-sts.{lab.domain('cname-sts')}", *signed[:12]]
    queries: list[dns.message.Message] = []
    for name in names:
        for rdtype in ("MX", "TXT", "A", "TLSA"):
            queries.append(dns.message.make_query(name, rdtype, use_edns=False))
            queries.append(dns.message.make_query(name, rdtype, use_edns=0, payload=512))
            queries.append(dns.message.make_query(name, rdtype, want_dnssec=True, payload=4096))
            no_rd = dns.message.make_query(name, rdtype, flags=dns.flags.AD)  # AD, no RD
            queries.append(no_rd)

    async def compare() -> int:
        same = 0
        for query in queries:
            for udp in (True, False):
                fast, full = await _both(server, query.to_wire(), udp)
                if fast is not None:
                    assert fast == full, (query.question, udp)
                    same += 1
        return same

    assert asyncio.run(compare()) > len(queries)


def _raw_udp(lab: Lab, query: dns.message.Message) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(query.to_wire(), lab.dns_address)
        reply, _ = sock.recvfrom(65535)
    return reply


def test_a_repeated_question_gets_the_same_answer_but_for_its_id(lab: Lab) -> None:
    first = dns.message.make_query(f"_mta-sts.{lab.domain('good')}", "TXT", want_dnssec=True)
    again = dns.message.make_query(f"_mta-sts.{lab.domain('good')}", "TXT", want_dnssec=True)
    first.id, again.id = 0x1111, 0x2222
    one, two = _raw_udp(lab, first), _raw_udp(lab, again)
    assert one[:2] == b"\x11\x11" and two[:2] == b"\x22\x22"
    assert one[2:] == two[2:]
    assert dns.message.from_wire(one).answer


@pytest.fixture
def fresh_lab() -> Iterator[Lab]:
    """A lab of its own: these tests change its zone and settings while it runs."""
    with Lab([scenarios.healthy("fresh", "changes under test")]) as running:
        yield running


def _ask(lab: Lab, name: str, rdtype: str, *, tcp: bool = False) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
    host, port = lab.dns_address
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=2)
    return dns.query.udp(query, host, port=port, timeout=2)


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_a_zone_or_fault_change_is_seen_by_the_next_query(fresh_lab: Lab, tcp: bool) -> None:
    domain = fresh_lab.domain("fresh")
    name = f"_smtp._tls.{domain}"
    before = _ask(fresh_lab, name, "TXT", tcp=tcp)
    assert [len(rrset) for rrset in before.answer] == [1]

    fresh_lab._zone.add((name, "TXT", "v=TLSRPTv1; rua=mailto:second@fresh.test"))
    grown = _ask(fresh_lab, name, "TXT", tcp=tcp)
    assert [len(rrset) for rrset in grown.answer] == [2]

    fresh_lab._zone.remove(name, "TXT")
    assert _ask(fresh_lab, name, "TXT", tcp=tcp).answer == []

    fresh_lab._zone.add_fault(DnsFault(domain, "servfail", rdtype="MX"))
    assert _ask(fresh_lab, domain, "MX", tcp=tcp).rcode() == dns.rcode.SERVFAIL
    assert _ask(fresh_lab, f"mta-sts.{domain}", "A", tcp=tcp).answer

    fresh_lab._zone.sign(domain)
    signed = _ask(fresh_lab, f"mta-sts.{domain}", "A", tcp=tcp)
    assert signed.flags & dns.flags.AD


def test_lab_settings_apply_to_the_next_query(fresh_lab: Lab) -> None:
    domain = fresh_lab.domain("fresh")
    assert _ask(fresh_lab, domain, "MX").additional
    fresh_lab.set_dns_additional(False)
    assert not _ask(fresh_lab, domain, "MX").additional
    fresh_lab.set_dns_additional(True)
    assert _ask(fresh_lab, domain, "MX").additional

    fresh_lab.set_dns_delay(0.25)
    for tcp in (False, True):
        started = time.perf_counter()
        assert _ask(fresh_lab, domain, "MX", tcp=tcp).answer
        assert time.perf_counter() - started >= 0.25
    fresh_lab.set_dns_delay(0)
    delayed = fresh_lab.dns_log(domain, "MX")[-2:]
    assert [q.answered is not None and q.answered - q.received >= 0.25 for q in delayed] == [
        True,
        True,
    ]


def test_the_asked_counter_keeps_the_most_recently_asked_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dns_server_module, "ASKED_SIZE", 3)
    lab = Lab([scenarios.healthy("count", "counted")])
    server = DnsServer(lab._zone)
    domain = lab.domain("count")

    async def ask(name: str, *, full: bool = False) -> None:
        # An EDNS option sends a query the full way; both ways count alike.
        cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"12345678")
        options: list[dns.edns.Option] = [cookie] if full else []
        query = dns.message.make_query(name, "A", use_edns=0, options=options)
        assert (server._fast(query.to_wire(), udp=True) is None) == full
        assert await server.answer(query.to_wire(), udp=True) is not None

    async def run() -> None:
        for prefix in ("a", "b", "c"):
            await ask(f"{prefix}.{domain}")
        await ask(f"A.{domain.upper()}", full=True)
        for prefix in ("d", "e"):
            await ask(f"{prefix}.{domain}")

    asyncio.run(run())
    # "b" and "c" went first; "a", asked twice (names compare in any case), kept its count
    # when it moved to the end.
    assert dict(server.asked) == {
        (f"a.{domain}", dns.rdatatype.A): 2,
        (f"d.{domain}", dns.rdatatype.A): 1,
        (f"e.{domain}", dns.rdatatype.A): 1,
    }
    assert server.queries == 6


def _header(flags: int = 0x0100, qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack("!HHHHHH", 0x4242, flags, qd, an, ns, ar)


QUESTION = b"\x04good\x04test\x00" + struct.pack("!HH", 1, 1)
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)


def _signed_query() -> bytes:
    query = dns.message.make_query("good.test", "A")
    query.use_tsig(dns.tsigkeyring.from_text({"key.": "c2VjcmV0c2VjcmV0"}), "key.")
    return query.to_wire()


def _cookie_query() -> bytes:
    cookie = dns.edns.GenericOption(dns.edns.OptionType.COOKIE, b"12345678")
    return dns.message.make_query("good.test", "A", use_edns=0, options=[cookie]).to_wire()


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(_header(flags=0x8100) + QUESTION, id="a response"),
        pytest.param(_header(flags=0x2100) + QUESTION, id="opcode NOTIFY"),
        pytest.param(_header(qd=2) + QUESTION + QUESTION, id="two questions"),
        pytest.param(_header(qd=0), id="no question"),
        pytest.param(_header(an=1) + QUESTION, id="an answer record"),
        pytest.param(_header() + b"\x04good\xc0\x0c" + QUESTION[-4:], id="compressed question"),
        pytest.param(_header() + QUESTION[:-2], id="cut short"),
        pytest.param(_header() + QUESTION + b"\x00", id="trailing byte"),
        pytest.param(_header(ar=1) + QUESTION + OPT[:-2] + b"\x00\x04abcd", id="OPT with data"),
        pytest.param(
            _header(ar=1) + QUESTION + OPT.replace(b"\x00\x00\x80\x00", b"\x00\x01\x80\x00"),
            id="EDNS version 1",
        ),
        pytest.param(_header() + b"\x3f" + b"a" * 63 + b"\x00" * 200, id="unterminated name"),
        pytest.param(_signed_query(), id="TSIG"),
        pytest.param(_cookie_query(), id="EDNS cookie"),
    ],
)
def test_anything_unusual_goes_the_full_way(wire: bytes) -> None:
    assert parse_plain_query(wire) is None


def test_a_plain_query_is_read_as_dnspython_reads_it() -> None:
    query = dns.message.make_query("Good.TEST", "MX", want_dnssec=True, payload=1400)
    query.flags |= dns.flags.AD
    plain = parse_plain_query(query.to_wire())
    assert plain is not None
    assert (plain.id, plain.labels, plain.rdtype, plain.rdclass) == (
        query.id,
        (b"Good", b"TEST"),
        dns.rdatatype.MX,
        1,
    )
    assert plain.payload == 1400 and plain.dnssec_ok
    assert plain.flags == query.flags
    no_edns = parse_plain_query(dns.message.make_query("good.test", "A").to_wire())
    assert no_edns is not None and no_edns.payload is None and not no_edns.dnssec_ok


def test_names_that_need_escaping_in_the_log_go_the_full_way(lab: Lab) -> None:
    server = DnsServer(lab._zone)
    odd = dns.name.Name((b"we ird", b"good", b"test", b""))
    query = dns.message.make_query(odd, "A")
    assert server._fast(query.to_wire(), udp=True) is None
    reply = asyncio.run(server.answer(query.to_wire(), udp=True))
    assert reply is not None and dns.message.from_wire(reply).rcode() == dns.rcode.NXDOMAIN
    assert server.log[-1].name == "we\\032ird.good.test"


def test_a_burst_of_queries_is_answered_in_full(lab: Lab) -> None:
    """The server reads many datagrams per wake-up: none may be lost or answered twice."""
    names = [f"_mta-sts.{lab.domain('good')}", lab.domain("good"), "nothing.good.test"]
    queries = [dns.message.make_query(names[i % 3], "TXT", want_dnssec=True) for i in range(300)]
    for i, query in enumerate(queries):
        query.id = i
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.settimeout(3)
        for query in queries:
            sock.sendto(query.to_wire(), lab.dns_address)
        ids = [struct.unpack("!H", sock.recv(65535)[:2])[0] for _ in queries]
    assert sorted(ids) == list(range(300))
