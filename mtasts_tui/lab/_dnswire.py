"""The DNS server's fast path: a bounded parser for plain queries and a renderer for answers.

dnspython's message API spends about 0.18 ms parsing a query and rendering its answer (0.03 ms
here): it was half of the lab's CPU when a fleet benchmark sends thousands of queries. A plain
query (one question, no other records but an EDNS0 OPT record without options) takes this path;
anything else, and any answer this renderer cannot write, goes through dnspython.

The bytes are the ones dnspython writes: the question as received, names compressed against the
same table in the same order, each rrset's records shuffled with ``random.shuffle`` as
``Rdataset.to_wire`` shuffles them (``tests/lab/test_lab_dns_fast.py`` compares both renderings
byte for byte: every name of every scenario, with each type it holds, A and MX).
"""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Sequence
from typing import NamedTuple

import dns.name
import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.PTR
import dns.rdtypes.ANY.SOA
import dns.rrset

QR = 0x8000
AA = 0x0400
RD = 0x0100
RA = 0x0080
AD = 0x0020
_OPCODE = 0x7800
_DO = 0x8000
_HEADER = struct.Struct("!HHHHHH")
_QUESTION_TAIL = struct.Struct("!HH")
_OPT = struct.Struct("!HHBBHH")
_RR = struct.Struct("!HHI")
_SOA_NUMBERS = struct.Struct("!IIIII")
_U16 = struct.Struct("!H")
_OPT_TYPE = 41
_OUR_PAYLOAD = 1232
"""What the answer's OPT record advertises (``make_response(..., our_payload=1232)``)."""
_OPT_RR = b"\x00" + struct.pack("!HHIH", _OPT_TYPE, _OUR_PAYLOAD, 0, 0)
MAX_NAME = 255
_PLAIN_NAME = re.compile(rb"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
"""Labels whose text form needs no escaping (others go the full way, which escapes them)."""

_WITH_NAMES = frozenset(
    {
        dns.rdatatype.MX,
        dns.rdatatype.CNAME,
        dns.rdatatype.NS,
        dns.rdatatype.PTR,
        dns.rdatatype.SOA,
    }
)
"""Types whose names dnspython compresses: written here through the same table."""
_FIXED = frozenset(
    {
        dns.rdatatype.A,
        dns.rdatatype.AAAA,
        dns.rdatatype.TXT,
        dns.rdatatype.SPF,
        dns.rdatatype.TLSA,
        dns.rdatatype.CAA,
    }
)
"""Types without names: their wire form never depends on what was written before."""
RENDERED = _WITH_NAMES | _FIXED
TYPE_TEXT: dict[int, str] = {rdtype: dns.rdatatype.to_text(rdtype) for rdtype in RENDERED}
_NAMED = (dns.rdtypes.ANY.CNAME.CNAME, dns.rdtypes.ANY.NS.NS, dns.rdtypes.ANY.PTR.PTR)
"""Every type this renderer writes; an answer holding any other goes through dnspython."""

_CACHE_SIZE = 100_000
"""Prepared rdatas and names kept (cleared when full): the zone's, reused by every answer."""

_Labels = tuple[tuple[bytes, bytes], ...]
"""A name as (the name from this label on in lower-case wire form, label as spelled) pairs,
root excluded. Lowering wire form lowers only letters: length bytes are below 64."""
_Part = bytes | _Labels


class PlainQuery(NamedTuple):
    """A query with one question and nothing unusual, as :func:`parse_plain_query` read it."""

    id: int
    flags: int
    labels: tuple[bytes, ...]
    """The question's labels as spelled, without the root label."""
    rdtype: int
    rdclass: int
    question: bytes
    """The question section as received (the answer echoes it)."""
    payload: int | None
    """The EDNS0 payload size offered; ``None``: no OPT record."""
    dnssec_ok: bool


def parse_plain_query(wire: bytes) -> PlainQuery | None:
    """The query in ``wire`` if it is plain, else ``None`` (dnspython's full parser decides).

    Plain: not a response, opcode QUERY, exactly one question (no compression pointer in it),
    no answer or authority records, at most one additional record which is an EDNS0 (version 0)
    OPT record without options, and nothing after it."""
    end = len(wire)
    if end < 17:
        return None
    qid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(wire)
    if flags & (QR | _OPCODE) or qdcount != 1 or ancount or nscount or arcount > 1:
        return None
    labels: list[bytes] = []
    pos = 12
    while True:
        if pos >= end:
            return None
        length = wire[pos]
        if length == 0:
            pos += 1
            break
        if length > 63:  # a compression pointer or a reserved label type
            return None
        labels.append(wire[pos + 1 : pos + 1 + length])
        pos += 1 + length
        if pos - 12 >= MAX_NAME:
            return None
    if pos + 4 > end:
        return None
    rdtype, rdclass = _QUESTION_TAIL.unpack_from(wire, pos)
    pos += 4
    question = wire[12:pos]
    payload: int | None = None
    dnssec_ok = False
    if arcount:
        if end - pos != 11 or wire[pos] != 0:
            return None
        otype, payload, extended_rcode, version, ednsflags, rdlength = _OPT.unpack_from(
            wire, pos + 1
        )
        if otype != _OPT_TYPE or extended_rcode or version or rdlength:
            return None
        dnssec_ok = bool(ednsflags & _DO)
        pos += 11
    if pos != end:
        return None
    return PlainQuery(qid, flags, tuple(labels), rdtype, rdclass, question, payload, dnssec_ok)


def plain_name(labels: Sequence[bytes]) -> str | None:
    """The name as ``Name.to_text(omit_final_dot=True).lower()`` spells it, when no label
    needs escaping; ``None`` otherwise."""
    joined = b".".join(labels)
    if _PLAIN_NAME.fullmatch(joined) is None:
        return None
    return joined.decode("ascii").lower()


def _suffixes(labels: Sequence[bytes], wire: bytes | None = None) -> _Labels:
    """The name's :data:`_Labels`; ``wire``: its wire form, if at hand."""
    if wire is None:
        wire = b"".join(bytes((len(label),)) + label for label in labels) + b"\x00"
    lowered = wire.lower()
    pairs: list[tuple[bytes, bytes]] = []
    offset = 0
    for label in labels:
        pairs.append((lowered[offset:], label))
        offset += 1 + len(label)
    return tuple(pairs)


class Renderer:
    """Writes answers; keeps what it prepared of the zone's (immutable) rdatas and names."""

    def __init__(self) -> None:
        self._rdatas: dict[int, tuple[dns.rdata.Rdata, tuple[_Part, ...]]] = {}
        self._names: dict[int, tuple[dns.name.Name, _Labels]] = {}

    def _name(self, name: dns.name.Name) -> _Labels:
        kept = self._names.get(id(name))
        if kept is not None and kept[0] is name:
            return kept[1]
        if len(self._names) >= _CACHE_SIZE:
            self._names.clear()
        labels = _suffixes(name.labels[:-1])
        self._names[id(name)] = (name, labels)  # the reference keeps id(name) from being reused
        return labels

    def _parts(self, rdata: dns.rdata.Rdata) -> tuple[_Part, ...] | None:
        """The rdata's wire form: fixed bytes, and names still to compress; ``None``: not a
        type written here."""
        kept = self._rdatas.get(id(rdata))
        if kept is not None and kept[0] is rdata:
            return kept[1]
        if len(self._rdatas) >= _CACHE_SIZE:
            self._rdatas.clear()
        parts: tuple[_Part, ...]
        if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
            parts = (_U16.pack(rdata.preference), self._name(rdata.exchange))
        elif isinstance(rdata, dns.rdtypes.ANY.SOA.SOA):
            numbers = _SOA_NUMBERS.pack(
                rdata.serial, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum
            )
            parts = (self._name(rdata.mname), self._name(rdata.rname), numbers)
        elif isinstance(rdata, _NAMED) and rdata.rdtype in _WITH_NAMES:
            parts = (self._name(rdata.target),)
        elif rdata.rdtype in _FIXED:
            parts = (rdata.to_wire() or b"",)
        else:
            return None
        self._rdatas[id(rdata)] = (rdata, parts)  # the reference keeps id(rdata) from reuse
        return parts

    def render(
        self,
        query: PlainQuery,
        flags: int,
        answer: Sequence[tuple[dns.name.Name, dns.rrset.RRset]],
        authority: Sequence[dns.rrset.RRset],
        additional: Sequence[dns.rrset.RRset],
        limit: int,
    ) -> bytes | None:
        """The answer in wire format; ``None`` if it holds a type this renderer does not write,
        an empty rrset or a name that is not absolute, or does not fit in ``limit`` bytes."""
        out = bytearray(12)
        out += query.question
        compress: dict[bytes, int] = {}
        offset = 12
        asked = _suffixes(query.labels, query.question[:-4])
        for key, label in asked:
            compress[key] = offset
            offset += 1 + len(label)
        counts = [0, 0, 0]
        sections = (
            (0, answer),
            (1, [(rrset.name, rrset) for rrset in authority]),
            (2, [(rrset.name, rrset) for rrset in additional]),
        )
        for section, rrsets in sections:
            for owner, rrset in rrsets:
                if rrset.rdtype not in RENDERED or not rrset or not owner.is_absolute():
                    return None
                # The question's name is new in every query: not one for the kept names.
                owner_labels = asked if owner.labels[:-1] == query.labels else self._name(owner)
                head = _RR.pack(rrset.rdtype, rrset.rdclass, rrset.ttl)
                rdatas = list(rrset)
                random.shuffle(rdatas)  # as Rdataset.to_wire does
                for rdata in rdatas:
                    _write_name(out, compress, owner_labels)
                    out += head
                    start = len(out)
                    out += b"\x00\x00"
                    parts = self._parts(rdata)
                    if parts is None:
                        return None
                    for part in parts:
                        if isinstance(part, bytes):
                            out += part
                        else:
                            _write_name(out, compress, part)
                    _U16.pack_into(out, start, len(out) - start - 2)
                counts[section] += len(rdatas)
        if query.payload is not None:
            out += _OPT_RR
            counts[2] += 1
        if len(out) > limit:
            return None
        _HEADER.pack_into(out, 0, query.id, flags, 1, *counts)
        return bytes(out)


def _write_name(out: bytearray, compress: dict[bytes, int], labels: _Labels) -> None:
    """``Name.to_wire`` with a compression table: a pointer to the longest suffix already
    written, each new suffix remembered where it starts (if a pointer can reach it)."""
    for key, label in labels:
        pointer = compress.get(key)
        if pointer is not None:
            out += _U16.pack(0xC000 | pointer)
            return
        if len(out) <= 0x3FFF:
            compress[key] = len(out)
        out.append(len(label))
        out += label
    out.append(0)
