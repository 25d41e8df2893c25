"""An authoritative DNS server for the lab's names, over UDP and TCP on one port.

Speaks the real wire protocol through dnspython's message API, except for plain queries (one
question, no fault on its name), which ``_dnswire`` parses and answers with the same bytes at a
seventh of the CPU. Answers follow CNAMEs inside the lab (like a recursive answer), distinguish
NXDOMAIN from NODATA (both with the zone's SOA), add the MX hosts' addresses to MX answers (as
many resolvers do), set TC when a UDP answer does not fit, and survive garbage.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import socket
import struct
import time
from collections import deque
from collections.abc import Iterable
from typing import NamedTuple

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from ._dnswire import (
    AA,
    AD,
    QR,
    RA,
    RD,
    RENDERED,
    TYPE_TEXT,
    Renderer,
    parse_plain_query,
    plain_name,
)
from ._net import (
    BIND_ATTEMPTS,
    TcpService,
    UdpService,
    bind_same_port,
    check_loopback,
    is_addr_in_use,
)
from .model import JUNK_ADDITIONAL, JUNK_ADDRESS, DnsFault, Record

TTL = 300
MAX_CNAME_CHAIN = 8
IDLE_TIMEOUT = 10.0
LOG_SIZE = 10_000
"""Queries remembered in :attr:`DnsServer.log` (the oldest go first)."""
ASKED_SIZE = 50_000
"""(name, type) pairs counted in :attr:`DnsServer.asked` (the least recently asked go first)."""
_SOA = "ns.lab.{zone} hostmaster.lab.{zone} 1 3600 600 86400 60"

_Key = tuple[dns.name.Name, int]
_ROOT_SOA = dns.rrset.from_text(
    dns.name.root, 86400, "IN", "SOA", "a.root.lab.test. hostmaster.lab.test. 1 1800 900 604800 60"
)


def _name(text: str) -> dns.name.Name:
    return dns.name.from_text(text.rstrip(".") + ".")


def txt_rdata(value: str | Iterable[str]) -> dns.rdata.Rdata:
    """A TXT rdata from one string or the several strings of one record (UTF-8, unescaped)."""
    strings = [value] if isinstance(value, str) else list(value)
    return dns.rdtypes.ANY.TXT.TXT(
        dns.rdataclass.IN, dns.rdatatype.TXT, [s.encode("utf-8") for s in strings]
    )


class Zone:
    """The lab's records, indexed by owner name and type; names compare case-insensitively."""

    def __init__(self) -> None:
        self.rrsets: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
        self.existing: set[dns.name.Name] = set()
        """Owner names plus their ancestors (empty non-terminals answer NODATA, not NXDOMAIN)."""
        self.apexes: dict[dns.name.Name, dns.rrset.RRset] = {}
        """Zone apex -> its SOA rrset. The lab serves one zone per top-level label (``test.``)."""
        self._tops: dict[bytes, dns.name.Name] = {}
        """Lower-case top-level label -> its apex (finding a name's zone is one lookup)."""
        self.faults: dict[tuple[dns.name.Name, int | None], DnsFault] = {}
        self.signed: set[dns.name.Name] = set()
        """Names whose subtree the lab's resolver treats as DNSSEC-validated."""

    def sign(self, name: str) -> None:
        """Treat ``name`` and every name below it as signed (answers get AD when asked)."""
        self.signed.add(_name(name))

    def is_signed(self, name: dns.name.Name) -> bool:
        return any(name.is_subdomain(top) for top in self.signed)

    def remove(self, owner_text: str, type_text: str) -> None:
        """Drop one rrset (the lab re-adds TLSA records when it restarts with a new CA)."""
        node = self.rrsets.get(_name(owner_text))
        if node is not None:
            node.pop(dns.rdatatype.from_text(type_text), None)

    def add(self, record: Record, ttl: int = TTL) -> None:
        owner_text, type_text, value = record
        owner = _name(owner_text)
        rdtype = dns.rdatatype.from_text(type_text)
        if rdtype == dns.rdatatype.TXT:
            rdata = txt_rdata(value)
        else:
            if not isinstance(value, str):
                raise ValueError(f"{type_text} value for {owner_text} must be a string")
            rdata = dns.rdata.from_text(
                dns.rdataclass.IN, rdtype, value, origin=dns.name.root, relativize=False
            )
        node = self.rrsets.setdefault(owner, {})
        rrset = node.get(rdtype)
        if rrset is None:
            rrset = node[rdtype] = dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype)
        rrset.add(rdata, ttl)
        if dns.rdatatype.CNAME in node and len(node) > 1:
            raise ValueError(f"{owner_text}: a CNAME cannot coexist with other data")
        apex = dns.name.Name(owner.labels[-2:])
        if apex not in self.apexes:
            self.apexes[apex] = dns.rrset.from_text(
                apex, 60, "IN", "SOA", _SOA.format(zone=apex.to_text())
            )
            self._tops[apex.labels[0].lower()] = apex
        name = owner
        while name != dns.name.root and name not in self.existing:
            self.existing.add(name)
            name = name.parent()

    def has(self, owner: str, type_text: str) -> bool:
        return dns.rdatatype.from_text(type_text) in self.rrsets.get(_name(owner), {})

    def addresses_of(self, targets: list[dns.name.Name]) -> list[dns.rrset.RRset]:
        """The A and AAAA rrsets of the given names that the lab holds (no CNAMEs followed).

        Not those a fault covers: the fault is there to exercise the address lookup itself."""
        found: list[dns.rrset.RRset] = []
        for target in dict.fromkeys(targets):
            node = self.rrsets.get(target, {})
            found += [
                node[t]
                for t in (dns.rdatatype.A, dns.rdatatype.AAAA)
                if t in node and self.fault_for(target, t) is None
            ]
        return found

    def add_fault(self, fault: DnsFault) -> None:
        rdtype = dns.rdatatype.from_text(fault.rdtype) if fault.rdtype else None
        self.faults[(_name(fault.name), rdtype)] = fault

    def fault_for(self, qname: dns.name.Name, rdtype: int) -> DnsFault | None:
        return self.faults.get((qname, rdtype)) or self.faults.get((qname, None))

    def apex_of(self, name: dns.name.Name) -> dns.name.Name | None:
        # Every apex is a top-level name (see ``add``): the name's last label says which.
        if len(name.labels) < 2 or not name.is_absolute():
            return None
        return self._tops.get(name.labels[-2].lower())

    def chase(
        self, qname: dns.name.Name, rdtype: int
    ) -> tuple[dns.rcode.Rcode, list[tuple[dns.name.Name, dns.rrset.RRset]]]:
        """``(rcode, [(owner, rrset), ...])``, following CNAMEs inside the lab; each owner is
        spelled as asked (the question, or the CNAME target pointing there)."""
        answer: list[tuple[dns.name.Name, dns.rrset.RRset]] = []
        name = qname
        for _ in range(MAX_CNAME_CHAIN):
            node = self.rrsets.get(name)
            if node is None:
                return (dns.rcode.NOERROR if name in self.existing else dns.rcode.NXDOMAIN), answer
            if rdtype == dns.rdatatype.ANY:
                answer.extend((name, rrset) for rrset in node.values())
                return dns.rcode.NOERROR, answer
            if rdtype in node:
                answer.append((name, node[rdtype]))
                return dns.rcode.NOERROR, answer
            cname = node.get(dns.rdatatype.CNAME)
            if cname is None:
                return dns.rcode.NOERROR, answer
            answer.append((name, cname))
            name = next(iter(cname)).target
        return dns.rcode.SERVFAIL, answer  # a CNAME loop


def _renamed(rrset: dns.rrset.RRset, owner: dns.name.Name) -> dns.rrset.RRset:
    """The rrset under ``owner`` as spelled in the question (servers echo the query's case)."""
    if owner.to_text() == rrset.name.to_text():
        return rrset
    copy = dns.rrset.RRset(owner, rrset.rdclass, rrset.rdtype)
    for rdata in rrset:
        copy.add(rdata, rrset.ttl)
    return copy


class DnsQuery(NamedTuple):
    """One query the server answered (or chose not to), for tests that count round trips."""

    name: str
    """Lower case, no trailing dot."""
    rdtype: str
    """``"A"``, ``"MX"``, ..."""
    received: float
    """``time.monotonic()`` when it arrived."""
    answered: float | None
    """When the answer left (after any delay); ``None``: never (dropped or unparseable)."""


def _mx_targets(answer: list[dns.rrset.RRset]) -> list[dns.name.Name]:
    return [rdata.exchange for r in answer if r.rdtype == dns.rdatatype.MX for rdata in r]


def _junk_additional(targets: list[dns.name.Name], fault: DnsFault) -> list[dns.rrset.RRset]:
    """What a broken or hostile resolver might add: wrong class, wrong type, other names, and a
    true-looking address for an MX host only after more record sets than anyone should read."""
    junk: list[dns.rrset.RRset] = []
    for owner, type_text, value in fault.records:
        text = value if isinstance(value, str) else " ".join(f'"{v}"' for v in value)
        junk.append(dns.rrset.from_text(_name(owner), TTL, "IN", type_text, text))
    wrong_class = r"\# 4 " + socket.inet_aton(JUNK_ADDRESS).hex()  # an A record of class HS
    for target in targets:
        junk.append(dns.rrset.from_text(target, TTL, "HS", "A", wrong_class))
        junk.append(dns.rrset.from_text(target, TTL, "IN", "TXT", f'"{JUNK_ADDRESS}"'))
    parent = targets[0] if targets else dns.name.root
    for i in range(JUNK_ADDITIONAL):
        name = dns.name.Name((f"junk{i}".encode(), *parent.labels))
        junk.append(dns.rrset.from_text(name, TTL, "IN", "A", JUNK_ADDRESS))
    junk += [dns.rrset.from_text(t, TTL, "IN", "A", JUNK_ADDRESS) for t in targets]
    return junk


def _formerr(wire: bytes) -> bytes | None:
    """A FORMERR reply built from the raw header of an unparseable query, if it has one."""
    if len(wire) < 12 or wire[2] & 0x80:  # too short, or itself a response: stay silent
        return None
    return wire[:2] + bytes([0x80 | (wire[2] & 0x78), dns.rcode.FORMERR]) + bytes(8)


def _servfail(wire: bytes) -> bytes | None:
    reply = _formerr(wire)
    return None if reply is None else reply[:3] + bytes([dns.rcode.SERVFAIL]) + reply[4:]


class DnsServer:
    """Serves a :class:`Zone` on ``host:port`` over UDP and TCP."""

    def __init__(self, zone: Zone, host: str = "127.0.0.1") -> None:
        check_loopback(host)
        self.zone = zone
        self.host = host
        self.port = 0
        self.delay = 0.0
        """Extra seconds before every answer (``Lab.set_dns_delay``)."""
        self.validating = True
        """Play a validating resolver: set AD on signed answers (and on the root, which is
        signed) when the query has the DO or AD bit (RFC 6840 §5.7-5.8). ``False``: a resolver
        that never validates, so AD is never set."""
        self.additional = True
        """Add the A and AAAA records of the MX hosts to MX answers (RFC 1035 §3.3.9), as BIND
        and many resolvers do; ``False``: leave them out, as minimal-responses resolvers do."""
        self.queries = 0
        self.asked: collections.Counter[tuple[str, int]] = collections.Counter()
        """Queries per (name, type) (tests count what a run-wide cache saves with it), for the
        :data:`ASKED_SIZE` pairs asked most recently (a name asked again moves to the end).
        Names as in :attr:`log`: lower case, no final dot (``Lab.dns_queries`` spells them so)."""
        self.log: deque[DnsQuery] = deque(maxlen=LOG_SIZE)
        """The latest queries, in the order they were answered."""
        self._udp: UdpService | None = None
        self._tcp = TcpService(self._serve_tcp)
        self._renderer = Renderer()

    async def start(self) -> None:
        last: OSError | None = None
        for _ in range(BIND_ATTEMPTS):
            udp = UdpService(self.on_datagram)
            port = udp.bind(self.host)
            try:
                _, listening, _ = bind_same_port([self.host], port=port)
            except OSError as exc:
                udp.close()
                if not is_addr_in_use(exc):
                    raise
                last = exc
                continue
            self._udp = udp
            self.port = port
            udp.serve()
            self._tcp.serve(listening)
            return
        raise OSError(errno.EADDRINUSE, "no port free for both UDP and TCP") from last

    async def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        await self._tcp.close()

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        fast = self._fast(data, udp=True)
        if fast is None:
            self._tcp.spawn(self._answer_udp(data, addr))
            return
        self.queries += 1
        received = time.monotonic()
        reply, name, rdtype = fast
        self._count(name, rdtype)
        if self.delay > 0:
            # A timer, not a task: the cheapest way to hold a plain answer back.
            asyncio.get_running_loop().call_later(
                self.delay, self._send_udp, reply, addr, name, rdtype, received
            )
        else:
            self._send_udp(reply, addr, name, rdtype, received)

    def _send_udp(
        self,
        reply: bytes,
        addr: tuple[str, int],
        name: str,
        rdtype: int,
        received: float,
    ) -> None:
        if self._udp is not None:
            self._udp.sendto(reply, addr)
        self.log.append(DnsQuery(name, TYPE_TEXT[rdtype], received, time.monotonic()))

    async def _answer_udp(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = await self.answer(data, udp=True)
        if reply is not None and self._udp is not None:
            self._udp.sendto(reply, addr)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                header = await asyncio.wait_for(reader.readexactly(2), IDLE_TIMEOUT)
            except (TimeoutError, asyncio.IncompleteReadError):
                return
            (length,) = struct.unpack("!H", header)
            wire = await asyncio.wait_for(reader.readexactly(length), IDLE_TIMEOUT)
            reply = await self.answer(wire, udp=False)
            if reply is not None:
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()

    async def answer(self, wire: bytes, *, udp: bool) -> bytes | None:
        """The reply to one query in wire format, or ``None`` to stay silent."""
        self.queries += 1
        received = time.monotonic()
        fast = self._fast(wire, udp=udp)
        if fast is not None:
            plain, name, rdtype = fast
            self._count(name, rdtype)
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            self.log.append(DnsQuery(name, TYPE_TEXT[rdtype], received, time.monotonic()))
            return plain
        asked: list[dns.rrset.RRset] = []
        try:
            reply = await self._answer(wire, udp=udp, asked=asked)
        except asyncio.CancelledError:
            raise
        except Exception:  # a lab bug must not take the server down: say SERVFAIL
            reply = _servfail(wire)
        if asked:
            name = asked[0].name.to_text(omit_final_dot=True).lower()
            rdtype_text = dns.rdatatype.to_text(asked[0].rdtype)
            answered = time.monotonic() if reply is not None else None
            self.log.append(DnsQuery(name, rdtype_text, received, answered))
        return reply

    def _count(self, name: str, rdtype: int) -> None:
        key = (name, rdtype)
        self.asked[key] = self.asked.pop(key, 0) + 1
        if len(self.asked) > ASKED_SIZE:
            del self.asked[next(iter(self.asked))]

    def _fast(self, wire: bytes, *, udp: bool) -> tuple[bytes, str, int] | None:
        """``(reply, name as logged, type)`` for a plain query that no fault touches, answered
        without dnspython's message API; ``None``: let the full path answer it.

        Pure: nothing is counted or logged here, so the full path can take over whatever this
        one declines (or trips over)."""
        try:
            query = parse_plain_query(wire)
            if (
                query is None
                or query.rdclass != dns.rdataclass.IN
                or query.rdtype not in RENDERED
                or not query.labels  # the root: the full path knows it
            ):
                return None
            name = plain_name(query.labels)
            if name is None:
                return None
            qname = dns.name.Name((*query.labels, b""))
            if self.zone.faults and self.zone.fault_for(qname, query.rdtype) is not None:
                return None
            apex = self.zone.apex_of(qname)
            if apex is None:
                return None
            wants_ad = query.dnssec_ok or bool(query.flags & dns.flags.AD)
            plan = self._plan(qname, query.rdtype, apex, wants_ad, None)
            flags = QR | AA | RA | (query.flags & RD) | plan.rcode
            if plan.authentic:
                flags |= AD
            limit = 65535
            if udp:
                limit = 512 if query.payload is None else max(512, query.payload)
            reply = self._renderer.render(
                query, flags, plan.answer, plan.authority, plan.additional, limit
            )
        except Exception:  # a slip here costs speed, never an answer
            return None
        return None if reply is None else (reply, name, query.rdtype)

    def _plan(
        self,
        qname: dns.name.Name,
        rdtype: int,
        apex: dns.name.Name,
        wants_ad: bool,
        fault: DnsFault | None,
    ) -> _Plan:
        """What the answer to a question in one of the lab's zones holds."""
        rcode, chain = self.zone.chase(qname, rdtype)
        answer = [rrset for _, rrset in chain]
        complete = bool(answer) and (rdtype == dns.rdatatype.ANY or answer[-1].rdtype == rdtype)
        authority: list[dns.rrset.RRset] = []
        if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) and not complete:
            authority.append(self.zone.apexes[apex])  # negative answer: the SOA
        targets = _mx_targets(answer)
        additional: list[dns.rrset.RRset] = []
        if fault is not None and fault.kind == "junk-additional":
            additional = _junk_additional(targets, fault)
        elif self.additional:
            additional = self.zone.addresses_of(targets)
        authentic = False
        if self.validating and wants_ad:
            names = [qname, *(owner for owner, _ in chain)]
            names += [rd.target for r in answer if r.rdtype == dns.rdatatype.CNAME for rd in r]
            authentic = all(self.zone.is_signed(n) for n in names)
        return _Plan(rcode, chain, authority, additional, authentic)

    async def _answer(
        self, wire: bytes, *, udp: bool, asked: list[dns.rrset.RRset]
    ) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return _formerr(wire)
        asked.extend(query.question[:1])
        if query.flags & dns.flags.QR:
            return None
        response = dns.message.make_response(query, recursion_available=True, our_payload=1232)
        response.flags |= dns.flags.AA
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
            return response.to_wire()
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        self._count(question.name.to_text(omit_final_dot=True).lower(), question.rdtype)
        fault = self.zone.fault_for(question.name, question.rdtype)
        if fault is not None and fault.kind == "drop":
            return None
        delay = self.delay + (fault.delay if fault is not None and fault.kind == "delay" else 0)
        if delay > 0:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind == "truncate":
            response.flags |= dns.flags.TC  # even over TCP: a broken server or middlebox
            return response.to_wire()
        if fault is not None and fault.kind in ("servfail", "refused"):
            response.set_rcode(
                dns.rcode.SERVFAIL if fault.kind == "servfail" else dns.rcode.REFUSED
            )
            return response.to_wire()
        if question.rdclass != dns.rdataclass.IN:
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        wants_ad = bool(query.ednsflags & dns.flags.DO or query.flags & dns.flags.AD)
        if question.name == dns.name.root:
            # The probe "does this resolver validate?" asks the root, which is always signed.
            if question.rdtype in (dns.rdatatype.SOA, dns.rdatatype.ANY):
                response.answer.append(_ROOT_SOA)
            else:
                response.authority.append(_ROOT_SOA)
            if self.validating and wants_ad:
                response.flags |= dns.flags.AD
            return response.to_wire()
        apex = self.zone.apex_of(question.name)
        if apex is None:  # not ours: an authoritative server refuses
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        plan = self._plan(question.name, question.rdtype, apex, wants_ad, fault)
        response.set_rcode(plan.rcode)
        response.answer.extend(_renamed(rrset, owner) for owner, rrset in plan.answer)
        response.authority.extend(plan.authority)
        response.additional.extend(plan.additional)
        if plan.authentic:
            response.flags |= dns.flags.AD
        junk = fault is not None and fault.kind == "junk-additional"
        if not udp:  # TCP carries up to 64 KiB, whatever payload size an EDNS query offered
            return response.to_wire(max_size=65535)
        limit = max(512, query.payload) if query.edns >= 0 else 512
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            if response.additional and not junk:
                # Additional data is a courtesy: leave it out rather than truncate (RFC 2181 §9).
                response.additional.clear()
                with contextlib.suppress(dns.exception.TooBig):
                    return response.to_wire(max_size=limit)
            truncated = dns.message.make_response(query, recursion_available=True, our_payload=1232)
            truncated.flags |= dns.flags.AA | dns.flags.TC
            return truncated.to_wire()


class _Plan(NamedTuple):
    """An answer before it is rendered (the fast and the full path share it)."""

    rcode: dns.rcode.Rcode
    answer: list[tuple[dns.name.Name, dns.rrset.RRset]]
    """``(owner as asked, rrset)``: the CNAMEs followed, then the records asked for."""
    authority: list[dns.rrset.RRset]
    additional: list[dns.rrset.RRset]
    authentic: bool
    """Set AD: a validating resolver asked to, and every name involved is signed."""
