"""The lean DNS reader (issue 12): the same outcome as dnspython's, or no opinion at all.

`probe.dnswire` reads the answers a check asks for without dnspython's object graph, and
`probe.dns.judge_reply` reads them as dnspython's resolution would. Where the reader is not sure
of a message it returns None and dnspython judges the same bytes. These tests hold both to
that: generated answers give dnspython's outcome to the byte, hostile bytes give None or a
well-formed reply and never an exception, and on the wire an odd answer still ends as
dnspython would have ended it.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Iterator
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtasts_tui.lab import DnsFault, Lab, Scenario
from mtasts_tui.probe import dnswire
from mtasts_tui.probe.dns import (
    TRUNCATED,
    Denial,
    Found,
    Outcome,
    _denial,
    _found,
    _resolve_full,
    judge_reply,
    query_wire,
)
from mtasts_tui.probe.network import Network, ProbeConfig

QNAME = "Mta-STS.Example.TEST."


def _response(
    qname: str,
    rdtype: str,
    answer: list[dns.rrset.RRset],
    *,
    rcode: int = dns.rcode.NOERROR,
    authority: list[dns.rrset.RRset] | None = None,
    additional: list[dns.rrset.RRset] | None = None,
    flags: int = 0,
) -> bytes:
    query = dns.message.make_query(qname, rdtype, use_edns=0, want_dnssec=True)
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.Rcode(rcode))
    response.flags |= flags
    response.answer.extend(answer)
    response.authority.extend(authority or [])
    response.additional.extend(additional or [])
    return response.to_wire()


def _dnspython(wire: bytes, qname: str, rdtype: str) -> Outcome:
    """What the dnspython path makes of the same bytes (``probe.dns._resolve_full``)."""
    response = dns.message.from_wire(wire)
    name = dns.name.from_text(qname)
    if response.rcode() == dns.rcode.NXDOMAIN:
        return "nxdomain", None, None, _denial(response)
    assert isinstance(response, dns.message.QueryMessage)
    answer = dns.resolver.Answer(name, dns.rdatatype.from_text(rdtype), dns.rdataclass.IN, response)
    if answer.rrset is None:
        return "nodata", None, None, _denial(response)
    return "ok", _found(answer), None, None


def _lean(wire: bytes, rdtype: str) -> Outcome | None:
    reply = dnswire.parse(wire)
    assert reply is not None, "the lean reader should be sure of this answer"
    return judge_reply(reply, dnswire.TYPES[rdtype], None)


def _same(lean: Outcome | None, theirs: Outcome) -> None:
    assert lean is not None
    status, found, why, denial = lean
    assert (status, why) == (theirs[0], theirs[2])
    assert denial == theirs[3]
    if theirs[1] is None:
        assert found is None
        return
    assert isinstance(found, Found)
    expected = theirs[1]

    def comparable(found: Found) -> tuple[object, ...]:
        records = sorted((r.owner, r.rtype, r.rclass, repr(r.value)) for r in found.records)
        extra = sorted((r.owner, r.rtype, r.rclass, repr(r.value)) for r in found.additional)
        return records, extra, found.ttl, found.owner, found.authenticated

    assert comparable(found) == comparable(expected)


SOA = dns.rrset.from_text(
    "example.test.", 600, "IN", "SOA", "ns.example.test. h.example.test. 1 2 3 4 60"
)


@pytest.mark.parametrize(
    ("rdtype", "answer"),
    [
        ("A", [dns.rrset.from_text(QNAME, 300, "IN", "A", "192.0.2.2", "192.0.2.1")]),
        ("AAAA", [dns.rrset.from_text(QNAME, 300, "IN", "AAAA", "2001:db8::1", "::ffff:1.2.3.4")]),
        ("TXT", [dns.rrset.from_text(QNAME, 60, "IN", "TXT", '"v=STSv1; " "id=1;"', '"other"')]),
        ("MX", [dns.rrset.from_text(QNAME, 60, "IN", "MX", "10 MX1.Example.test.", "0 .")]),
        ("MX", [dns.rrset.from_text(QNAME, 60, "IN", "MX", r"5 we\.ird\032na\"me.test.")]),
        (
            "CAA",
            [dns.rrset.from_text(QNAME, 60, "IN", "CAA", '0 issue "ca.example"', '128 iodef ""')],
        ),
        ("TLSA", [dns.rrset.from_text(QNAME, 60, "IN", "TLSA", "3 1 1 " + "ab" * 32)]),
        ("CNAME", [dns.rrset.from_text(QNAME, 60, "IN", "CNAME", "Target.example.test.")]),
        ("SOA", [dns.rrset.from_text(QNAME, 60, "IN", "SOA", "a. b. 1 2 3 4 5")]),
        ("A", []),
    ],
)
def test_a_plain_answer_reads_as_dnspython_reads_it(
    rdtype: str, answer: list[dns.rrset.RRset]
) -> None:
    wire = _response(QNAME, rdtype, answer, authority=[] if answer else [SOA], flags=dns.flags.AD)
    _same(_lean(wire, rdtype), _dnspython(wire, QNAME, rdtype))


def test_an_alias_chain_is_followed_as_dnspython_follows_it() -> None:
    answer = [
        dns.rrset.from_text(QNAME, 60, "IN", "CNAME", "Hop1.example.test."),
        dns.rrset.from_text("hop1.example.test.", 30, "IN", "CNAME", "hop2.EXAMPLE.test."),
        dns.rrset.from_text("HOP2.example.test.", 300, "IN", "A", "192.0.2.7"),
    ]
    wire = _response(QNAME, "A", answer)
    lean = _lean(wire, "A")
    _same(lean, _dnspython(wire, QNAME, "A"))
    assert lean is not None and lean[1] is not None
    assert lean[1].owner == "hop2.example.test" and lean[1].ttl == 300
    # A chain that ends nowhere is "no such record" at its end.
    dangling = _response(QNAME, "A", answer[:2], authority=[SOA])
    _same(_lean(dangling, "A"), _dnspython(dangling, QNAME, "A"))


def test_negative_answers_carry_the_soa_ttl_and_the_ad_bit() -> None:
    for rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        wire = _response(QNAME, "TXT", [], rcode=rcode, authority=[SOA], flags=dns.flags.AD)
        lean = _lean(wire, "TXT")
        _same(lean, _dnspython(wire, QNAME, "TXT"))
        assert lean is not None and lean[3] == Denial(True, 60.0)
    bare = _response(QNAME, "TXT", [])
    assert _lean(bare, "TXT") == ("nodata", None, None, Denial(False, 30.0))


def test_a_record_sent_twice_counts_once() -> None:
    wire = _response(
        QNAME, "TXT", [dns.rrset.from_text(QNAME, 60, "IN", "TXT", '"v=STSv1; id=1;"')]
    )
    qid, flags, qd, _, ns, ar = struct.unpack_from("!HHHHHH", wire)
    question_end = 12 + len(dns.name.from_text(QNAME).to_wire() or b"") + 4
    opt = 11  # the OPT record closes the message
    record = wire[question_end : len(wire) - opt]
    doubled = struct.pack("!HHHHHH", qid, flags, qd, 2, ns, ar) + wire[12:question_end]
    doubled += record + record + wire[len(wire) - opt :]
    lean = _lean(doubled, "TXT")
    assert lean is not None and lean[1] is not None and len(lean[1].records) == 1
    _same(lean, _dnspython(doubled, QNAME, "TXT"))


_LABEL = st.text(alphabet="abcXYZ019-_", min_size=1, max_size=12)
_NAME = st.lists(_LABEL, min_size=1, max_size=4).map(lambda labels: ".".join(labels) + ".test.")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def _answers(draw: st.DrawFn) -> tuple[str, list[dns.rrset.RRset], int]:
    rdtype = draw(st.sampled_from(["A", "AAAA", "TXT", "MX", "CAA", "TLSA", "CNAME"]))
    owner = draw(_NAME)
    sets: list[dns.rrset.RRset] = []
    hops = draw(st.integers(0, 3)) if rdtype != "CNAME" else 0
    at = owner
    for _ in range(hops):
        target = draw(_NAME)
        sets.append(dns.rrset.from_text(at, draw(st.integers(0, 9999)), "IN", "CNAME", target))
        at = target
    values = {
        "A": st.ip_addresses(v=4).map(str),
        "AAAA": st.ip_addresses(v=6).map(str),
        "TXT": st.lists(st.text(alphabet='ab =;\\"', max_size=8), min_size=1, max_size=3).map(
            lambda parts: " ".join(
                '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts
            )
        ),
        "MX": st.tuples(st.integers(0, 65535), _NAME).map(lambda t: f"{t[0]} {t[1]}"),
        "CAA": st.tuples(st.sampled_from([0, 128]), st.sampled_from(["issue", "iodef", "x1"])).map(
            lambda t: f'{t[0]} {t[1]} "v;x"'
        ),
        "TLSA": st.one_of(
            st.binary(min_size=32, max_size=32).map(lambda b: "3 1 1 " + b.hex()),
            st.binary(min_size=1, max_size=40).map(lambda b: "2 0 0 " + b.hex()),
        ),
        "CNAME": _NAME,
    }[rdtype]
    if draw(st.booleans()):
        rdatas = draw(st.lists(values, min_size=1, max_size=4))
        sets.append(dns.rrset.from_text(at, draw(st.integers(0, 99999)), "IN", rdtype, *rdatas))
    rcode = dns.rcode.NXDOMAIN if not sets and draw(st.booleans()) else dns.rcode.NOERROR
    return owner, sets, rcode


@given(_answers(), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_answers_read_as_dnspython_reads_them(
    case: tuple[str, list[dns.rrset.RRset], int], with_soa: bool, ad: bool
) -> None:
    owner, sets, rcode = case
    rdtype = next(
        (
            s
            for s in ["A", "AAAA", "TXT", "MX", "CAA", "TLSA"]
            if any(dns.rdatatype.to_text(r.rdtype) == s for r in sets)
        ),
        "CNAME" if sets else "A",
    )
    wire = _response(
        owner,
        rdtype,
        sets,
        rcode=rcode,
        authority=[SOA] if with_soa else [],
        flags=dns.flags.AD if ad else 0,
    )
    _same(_lean(wire, rdtype), _dnspython(wire, owner, rdtype))


def _header(qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0, flags: int = 0x8180) -> bytes:
    return struct.pack("!HHHHHH", 7, flags, qd, an, ns, ar)


QUESTION = b"\x07example\x04test\x00" + struct.pack("!HH", 1, 1)


def _rr(owner: bytes, rtype: int, data: bytes, rclass: int = 1) -> bytes:
    return owner + struct.pack("!HHIH", rtype, rclass, 60, len(data)) + data


def _one(record: bytes) -> bytes:
    return _header(an=1) + QUESTION + record


PTR = b"\xc0\x0c"
"""A name pointing at the question's."""
ADDRESS = b"\x01\x02\x03\x04"


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(_header(qd=0), id="no question"),
        pytest.param(_header(qd=2) + QUESTION + QUESTION, id="two questions"),
        pytest.param(_header(flags=0x0100) + QUESTION, id="a query, not a response"),
        pytest.param(_header(an=1) + QUESTION + _rr(b"\xc0\x0c", 13, b"\x01a\x01b"), id="HINFO"),
        pytest.param(_header(an=1) + QUESTION + _rr(b"\xc0\x0c", 1, b"\x01\x02\x03"), id="short A"),
        pytest.param(_header(an=1) + QUESTION + _rr(b"\xc0\x0c", 16, b""), id="empty TXT"),
        pytest.param(_header(an=1) + QUESTION + _rr(b"\xc0\x0c", 16, b"\x05ab"), id="cut TXT"),
        pytest.param(
            _header(an=1) + QUESTION + _rr(b"\xc0\x0c", 257, b"\x00\x03is-x"), id="CAA tag"
        ),
        pytest.param(
            _header(an=1) + QUESTION + _rr(b"\xc0\x0c", 5, b"\xc0\x0c\x00"), id="CNAME tail"
        ),
        pytest.param(
            _header(an=1) + QUESTION + _rr(b"\xc0\x30", 1, b"\x01\x02\x03\x04"),
            id="forward pointer",
        ),
        pytest.param(
            _header(an=1) + QUESTION + _rr(b"\xc0\x1d", 1, b"\x01\x02\x03\x04"), id="self pointer"
        ),
        pytest.param(
            _header(an=1) + QUESTION + _rr(b"\x41", 1, b"\x01\x02\x03\x04"), id="label type 0x40"
        ),
        pytest.param(_header(an=1) + QUESTION + _rr(b"\x00", 41, b""), id="OPT in the answer"),
        pytest.param(
            _header(ar=2) + QUESTION + _rr(b"\x00", 41, b"") + _rr(b"\x00", 41, b""), id="two OPTs"
        ),
        pytest.param(
            _header(ar=1) + QUESTION + _rr(b"\xc0\x0c", 41, b""), id="OPT not at the root"
        ),
        pytest.param(_header() + QUESTION + b"\x00", id="trailing byte"),
        pytest.param(_header(an=1) + QUESTION, id="a record missing"),
        pytest.param(
            _header()
            + b"\x3f"
            + b"a" * 63
            + b"\x3f"
            + b"a" * 63
            + b"\x3f"
            + b"a" * 63
            + b"\x3f"
            + b"a" * 63
            + b"\x00"
            + struct.pack("!HH", 1, 1),
            id="name of 257 bytes",
        ),
        pytest.param(_header(an=dnswire.MAX_RECORDS + 1) + QUESTION, id="too many records"),
    ],
)
def test_the_reader_has_no_opinion_on_what_it_does_not_vouch_for(wire: bytes) -> None:
    assert dnswire.parse(wire) is None


@given(st.binary(max_size=600))
@settings(max_examples=500, deadline=None)
def test_hostile_bytes_give_a_reply_or_none_and_never_an_exception(wire: bytes) -> None:
    reply = dnswire.parse(_header(an=2, ns=1) + QUESTION + wire)
    if reply is not None:
        assert len(reply.answer) + len(reply.authority) + len(reply.additional) <= 3
        judge_reply(reply, dnswire.A, None)


def test_what_the_reader_leaves_is_judged_by_dnspython() -> None:
    extended = _response(QNAME, "A", [], rcode=dns.rcode.BADVERS)
    assert dnswire.parse(extended) is not None
    assert judge_reply(dnswire.parse(extended), dnswire.A, None) is None  # type: ignore[arg-type]
    truncated = _response(QNAME, "A", [], flags=dns.flags.TC)
    assert judge_reply(dnswire.parse(truncated), dnswire.A, None) is None  # type: ignore[arg-type]
    servfail = _response(QNAME, "A", [], rcode=dns.rcode.SERVFAIL)
    assert judge_reply(dnswire.parse(servfail), dnswire.A, None) is None  # type: ignore[arg-type]
    answered = _response(
        QNAME,
        "A",
        [dns.rrset.from_text(QNAME, 60, "IN", "A", "192.0.2.1")],
        rcode=dns.rcode.NXDOMAIN,
    )
    assert judge_reply(dnswire.parse(answered), dnswire.A, None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["mta-sts.example.com", ".", "_25._tcp.MX.example.org."])
@pytest.mark.parametrize(("edns", "ednsflags", "payload"), [(0, dns.flags.DO, 1232), (-1, 0, 512)])
def test_a_lean_query_is_dnspythons_query_byte_for_byte(
    name: str, edns: int, ednsflags: int, payload: int
) -> None:
    theirs = dns.message.make_query(name, "TLSA")
    theirs.use_edns(edns, ednsflags, payload)
    theirs.id = 4242
    question = dnswire.encode_name(name)
    assert question is not None
    qname, key = question
    assert key == dns.name.from_text(name).to_text(omit_final_dot=True).lower()
    ours = dnswire.encode_query(4242, qname, dnswire.TLSA, theirs.flags, edns, ednsflags, payload)
    assert ours == query_wire(theirs) == theirs.to_wire()


@pytest.mark.parametrize("name", ["a\\.b.example", "ünï.example", "a..b", "x" * 64 + ".example"])
def test_names_the_lean_writer_does_not_vouch_for_are_left_to_dnspython(name: str) -> None:
    assert dnswire.encode_name(name) is None


# --- on the wire, against the lab's DNS server -------------------------------------------------

ODD = Scenario(
    name="odd",
    domain="odd.test",
    description="answers the lean reader leaves to dnspython",
    records=(
        ("alias.odd.test", "CNAME", "real.odd.test."),
        ("real.odd.test", "A", "192.0.2.10"),
    ),
    dns_faults=(
        DnsFault("_mta-sts.odd.test", "truncate", rdtype="TXT"),
        DnsFault("mx.odd.test", "servfail"),
    ),
)


@pytest.fixture(scope="module")
def odd_lab() -> Iterator[Lab]:
    with Lab([ODD]) as lab:
        yield lab


def _ask(config: ProbeConfig, name: str, rdtype: str) -> Outcome:
    net = Network.from_config(config)
    return asyncio.run(_resolve_full(net.resolver, name, rdtype, 3.0))


def test_on_the_wire_an_alias_resolves_and_failures_end_as_dnspython_ends_them(
    odd_lab: Lab,
) -> None:
    config = odd_lab.probe_config(timeout=3.0)
    status, found, _, _ = _ask(config, "alias.odd.test", "A")
    assert status == "ok" and found is not None
    assert [r.value for r in found.records] == ["192.0.2.10"] and found.owner == "real.odd.test"
    assert _ask(config, "_mta-sts.odd.test", "TXT")[:3] == ("error", None, TRUNCATED)
    assert _ask(config, "mx.odd.test", "MX")[:3] == (
        "error",
        None,
        "SERVFAIL from every name server",
    )
    status, _, _, denial = _ask(config, "nothing.odd.test", "A")
    assert status == "nxdomain" and denial is not None


class _Scripted(asyncio.DatagramProtocol):
    """A name server that answers every query with the next reply of a script (the query's ID
    and question patched in), and counts the queries."""

    def __init__(self, replies: list[Callable[[dns.message.Message], list[bytes]]]) -> None:
        self.replies = replies
        self.queries = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        script = self.replies[min(self.queries, len(self.replies) - 1)]
        self.queries += 1
        for wire in script(query):
            self.transport.sendto(wire, addr)


def _with_hinfo(query: dns.message.Message) -> list[bytes]:
    """A true answer with an HINFO record beside it: dnspython reads it, the lean reader not."""
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", "192.0.2.20"))
    response.additional.append(dns.rrset.from_text(name, 60, "IN", "HINFO", '"PC" "Linux"'))
    return [response.to_wire()]


def _garbage_then_answer(query: dns.message.Message) -> list[bytes]:
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", "192.0.2.21"))
    wire = response.to_wire()
    other = dns.message.make_response(dns.message.make_query("elsewhere.test", "A"))
    other.id = query.id
    return [wire[:2] + b"\xff" * 20, other.to_wire(), wire]


async def _scripted(
    replies: list[Callable[[dns.message.Message], list[bytes]]],
) -> tuple[Outcome, int]:
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        lambda: _Scripted(replies), local_addr=("127.0.0.1", 0)
    )
    try:
        port = transport.get_extra_info("sockname")[1]
        net = Network.from_config(ProbeConfig(resolvers=(("127.0.0.1", port),), timeout=3.0))
        outcome = await _resolve_full(net.resolver, "host.scripted.test", "A", 3.0)
        return outcome, server.queries
    finally:
        transport.close()


def test_an_answer_the_lean_reader_leaves_is_resolved_by_dnspython() -> None:
    (status, found, _, _), queries = asyncio.run(_scripted([_with_hinfo]))
    assert status == "ok" and found is not None
    assert [r.value for r in found.records] == ["192.0.2.20"]
    assert queries == 2  # the lean query, then dnspython's own from the start


def test_junk_and_answers_to_other_questions_are_dropped_and_the_true_answer_taken() -> None:
    (status, found, _, _), queries = asyncio.run(_scripted([_garbage_then_answer]))
    assert status == "ok" and found is not None
    assert [r.value for r in found.records] == ["192.0.2.21"]
    assert queries == 1


@given(st.lists(st.binary(min_size=1, max_size=63), min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_names_are_written_as_dnspython_writes_them(labels: list[bytes]) -> None:
    theirs = dns.name.Name([*labels, b""]).to_text(omit_final_dot=True)
    assert dnswire.name_text(labels) == theirs
