"""A lean reader and writer of the DNS messages a check exchanges with its resolver.

dnspython turns every response into a graph of immutable objects (names, rdata, rdatasets) and
spent 75-165 µs on each of the ~7 answers a domain needs: with the resolution logic around it,
a third of a fleet run's CPU (issue 12). The answers we ask for have a handful of fixed shapes,
so this module reads them with ``struct`` into plain tuples, in a few microseconds.

It only says yes when it is sure. Anything it does not fully understand (a record type outside
:data:`_KNOWN`, more than one question, an OPT record out of place, a name it cannot read, a
record whose data does not add up, more than :data:`MAX_RECORDS` records) makes :func:`parse`
return None, and the caller hands the same bytes to dnspython, which then decides exactly as it
always did. Values are rendered as dnspython renders them (names via the same escaping), so the
two paths give the same results.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Final, NamedTuple, TypeAlias

import dns.ipv6

A: Final = 1
NS: Final = 2
CNAME: Final = 5
SOA: Final = 6
MX: Final = 15
TXT: Final = 16
AAAA: Final = 28
OPT: Final = 41
RRSIG: Final = 46
NSEC: Final = 47
NSEC3: Final = 50
TLSA: Final = 52
CAA: Final = 257
IN: Final = 1

TYPES: Final = {
    "A": A,
    "AAAA": AAAA,
    "MX": MX,
    "TXT": TXT,
    "CNAME": CNAME,
    "SOA": SOA,
    "TLSA": TLSA,
    "CAA": CAA,
}
"""The types a check asks for, by name: the ones the lean path may ask."""

QR: Final = 0x8000
TC: Final = 0x0200
AD: Final = 0x0020
NOERROR: Final = 0
NXDOMAIN: Final = 3

MAX_RECORDS: Final = 1024
"""Records in one message read here; a bigger one goes to dnspython (a UDP or TCP answer holds
at most 64 KiB, so dnspython's own reading is bounded too)."""

_DECODED: Final = frozenset(TYPES.values())
_OPAQUE: Final = frozenset({NS, RRSIG, NSEC, NSEC3})
"""Types a DNSSEC-aware resolver adds to the answers we ask for: carried, never looked into."""
_KNOWN: Final = _DECODED | _OPAQUE | {OPT}

_TLSA_LENGTHS: Final = {1: 32, 2: 64}
_ESCAPED: Final = frozenset(b'"().;\\@$')
_PLAIN: Final = bytes(sorted(frozenset(range(0x21, 0x7F)) - _ESCAPED))
"""Bytes a name label shows as they are (``label.translate(None, _PLAIN)`` is empty)."""


class Mx(NamedTuple):
    preference: int
    exchange: str


class Txt(NamedTuple):
    strings: tuple[bytes, ...]


class Caa(NamedTuple):
    flags: int
    tag: bytes
    value: bytes


class Tlsa(NamedTuple):
    usage: int
    selector: int
    mtype: int
    cert: bytes


Value: TypeAlias = "str | int | Mx | Txt | Caa | Tlsa | None"
"""A/AAAA: the address; CNAME: the target; SOA: its minimum field; MX, TXT, CAA, TLSA: their
fields; any other type or class: None."""


@dataclass(frozen=True, slots=True)
class Record:
    owner: str
    """The owner name as dnspython writes it, without the final dot, lower case: the key that
    questions and chains are matched on (DNS names compare without regard to ASCII case)."""
    rtype: int
    rclass: int
    ttl: int
    value: Value
    data: bytes = b""
    """The record data as sent (names uncompressed): what two copies of a record share."""


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    flags: int
    rcode: int
    """With the extended bits from the OPT record, as dnspython reports it."""
    qname: str
    qtype: int
    qclass: int
    answer: tuple[Record, ...]
    authority: tuple[Record, ...]
    additional: tuple[Record, ...]


class _Unsure(Exception):
    """Raised inside :func:`parse`: something this reader does not vouch for."""


def label_text(label: bytes) -> str:
    """One label as dnspython's ``Name.to_text`` writes it (``dns.name._escapify``)."""
    if not label.translate(None, _PLAIN):
        return label.decode("ascii")
    out = []
    for c in label:
        if c in _ESCAPED:
            out.append("\\" + chr(c))
        elif 0x20 < c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03d}")
    return "".join(out)


def name_text(labels: list[bytes]) -> str:
    """A name as ``Name.to_text(omit_final_dot=True)`` writes it: "." for the root."""
    return ".".join(label_text(label) for label in labels) if labels else "."


def encode_name(name: str) -> tuple[bytes, str] | None:
    """The wire form of a name whose every byte shows as it is in text (no escapes), case kept,
    the final dot optional; with the key its answer's question will carry (:class:`Record`
    ``owner``). None for anything dnspython should encode (escapes, other bytes, too long)."""
    text = name[:-1] if name.endswith(".") else name
    if not text:
        return b"\x00", "."
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    out = bytearray()
    for label in raw.split(b"."):
        if not 0 < len(label) < 64 or label.translate(None, _PLAIN):
            return None
        out.append(len(label))
        out += label
    out.append(0)
    # Plain labels are written in text as they are, so the key is the text in lower case.
    return (bytes(out), text.lower()) if len(out) <= 255 else None


def encode_query(
    qid: int, qname_wire: bytes, qtype: int, flags: int, edns: int, ednsflags: int, payload: int
) -> bytes:
    """A query with one question and, when ``edns`` >= 0, an OPT record without options: the
    bytes dnspython writes for the same query (``probe.dns.query_wire``)."""
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns >= 0 else 0)
    wire = header + qname_wire + struct.pack("!HH", qtype, IN)
    if edns >= 0:
        ttl = ((ednsflags & 0xFF00FFFF) | (edns << 16)) & 0xFFFFFFFF
        wire += b"\x00" + struct.pack("!HHIH", OPT, payload, ttl, 0)
    return wire


def parse(wire: bytes) -> Reply | None:
    """The response in ``wire``, or None when this reader is not sure of it (see the module)."""
    try:
        return _parse(wire)
    except (_Unsure, struct.error, IndexError, ValueError):
        return None


def _parse(wire: bytes) -> Reply:
    qid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", wire, 0)
    if not flags & QR or qd != 1 or an + ns + ar > MAX_RECORDS:
        raise _Unsure
    labels, at = _read_name(wire, 12)
    qtype, qclass = struct.unpack_from("!HH", wire, at)
    at += 4
    sections: list[tuple[Record, ...]] = []
    rcode = flags & 0x000F
    opt_seen = False
    for section, count in enumerate((an, ns, ar)):
        records: list[Record] = []
        for _ in range(count):
            owner, at = _read_name(wire, at)
            rtype, rclass, ttl, length = struct.unpack_from("!HHIH", wire, at)
            at += 10
            end = at + length
            if end > len(wire) or rtype not in _KNOWN:
                raise _Unsure
            if rtype == OPT:
                # One OPT, in the additional section, owned by the root (RFC 6891 §6.1.1).
                if section != 2 or opt_seen or owner:
                    raise _Unsure
                opt_seen = True
                rcode |= (ttl >> 24) << 4
                at = end
                continue
            value, data = _value(wire, at, end, rtype, rclass)
            records.append(Record(_key(owner), rtype, rclass, ttl, value, data))
            at = end
        sections.append(tuple(records))
    if at != len(wire):
        raise _Unsure  # trailing bytes: dnspython calls that a malformed message
    return Reply(
        qid, flags, rcode, _key(labels), qtype, qclass, sections[0], sections[1], sections[2]
    )


def _key(labels: list[bytes]) -> str:
    return name_text([label.lower() for label in labels])


def _read_name(wire: bytes, at: int) -> tuple[list[bytes], int]:
    """The labels of the name at ``at`` and where the data after it starts. Compression
    pointers must point backwards, so a name can neither loop nor grow past 255 bytes."""
    labels: list[bytes] = []
    size = 1
    after = -1
    limit = at
    while True:
        length = wire[at]
        if length == 0:
            at += 1
            break
        if length >= 0xC0:
            pointer = ((length & 0x3F) << 8) | wire[at + 1]
            if pointer >= limit:
                raise _Unsure
            if after < 0:
                after = at + 2
            at = limit = pointer
            continue
        if length > 63:
            raise _Unsure  # the 0x40 and 0x80 label types are obsolete
        label = wire[at + 1 : at + 1 + length]
        if len(label) != length:
            raise _Unsure
        size += length + 1
        if size > 255:
            raise _Unsure
        labels.append(label)
        at += 1 + length
    return labels, (after if after >= 0 else at)


def _value(wire: bytes, at: int, end: int, rtype: int, rclass: int) -> tuple[Value, bytes]:
    """The decoded value and the uncompressed data of one record; _Unsure when the data does
    not fill its length exactly or breaks a rule dnspython enforces."""
    raw = wire[at:end]
    if rtype in _OPAQUE:
        return None, raw
    if rtype in (A, AAAA) and rclass != IN:
        return None, raw  # A and AAAA mean addresses only in class IN
    if rtype == A:
        if len(raw) != 4:
            raise _Unsure
        return socket.inet_ntoa(raw), raw
    if rtype == AAAA:
        if len(raw) != 16:
            raise _Unsure
        return dns.ipv6.inet_ntoa(raw), raw
    if rtype == TXT:
        strings: list[bytes] = []
        i = 0
        while i < len(raw):
            n = raw[i]
            piece = raw[i + 1 : i + 1 + n]
            if len(piece) != n:
                raise _Unsure
            strings.append(piece)
            i += 1 + n
        if not strings:
            raise _Unsure
        return Txt(tuple(strings)), raw
    if rtype in (CNAME, MX):
        start = at + 2 if rtype == MX else at
        if start > end:
            raise _Unsure
        labels, after = _read_name(wire, start)
        if after != end:
            raise _Unsure
        target = name_text(labels)
        data = raw[:2] + _name_wire(labels) if rtype == MX else _name_wire(labels)
        if rtype == MX:
            return Mx(int.from_bytes(raw[:2], "big"), target), data
        return target, data
    if rtype == SOA:
        mname, after = _read_name(wire, at)
        rname, after = _read_name(wire, after)
        if end - after != 20:
            raise _Unsure
        minimum = struct.unpack_from("!I", wire, after + 16)[0]
        return int(minimum), _name_wire(mname) + _name_wire(rname) + wire[after:end]
    if rtype == TLSA:
        # dnspython holds SHA-256 and SHA-512 data to their lengths (RFC 6698 §2.1.3).
        if len(raw) < 3 or len(raw) - 3 != _TLSA_LENGTHS.get(raw[2], len(raw) - 3):
            raise _Unsure
        return Tlsa(raw[0], raw[1], raw[2], raw[3:]), raw
    # CAA (RFC 8659 §4.1): flags, a counted tag dnspython wants alphanumeric, then the value.
    if len(raw) < 2 or len(raw) < 2 + raw[1]:
        raise _Unsure
    tag = raw[2 : 2 + raw[1]]
    if not tag or not tag.isalnum():
        raise _Unsure
    return Caa(raw[0], tag, raw[2 + len(tag) :]), raw


def _name_wire(labels: list[bytes]) -> bytes:
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"
