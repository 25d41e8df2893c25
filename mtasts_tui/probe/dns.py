"""DNS lookups that tell "no such record" apart from "the lookup failed".

The resolution logic is dnspython's (``dns.resolver._Resolution``: name server order, retries,
TC → TCP, SERVFAIL/REFUSED handling, the same exceptions and ``Answer``); only the UDP I/O is
ours. dnspython opens, binds and closes a socket and starts a task for every query, which was
a third of a fleet run's CPU (issue 12). Here the queries to one name server share a connected
UDP socket read by one loop callback, matched by ID and question, and are written straight to
the wire. A socket serves at most ``MAX_QUERIES_PER_SOCKET`` queries, so the source port still
changes (an off-path spoofer must guess it as well as the ID), and it closes as soon as no query
waits on it: nothing outlives the run.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import secrets
import socket
import struct
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import dns.asyncbackend
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.OPT
import dns.resolver
import dns.rrset

from mtasts_tui.core.facts import LookupStatus, MxLookup, MxRecord, TxtLookup
from mtasts_tui.core.zone import txt_strings_from_rdata
from mtasts_tui.probe import dnswire


@dataclass(frozen=True, slots=True)
class Found:
    """A positive answer: the records of the asked type where the CNAME chain, if any, ends."""

    records: tuple[dnswire.Record, ...]
    ttl: float
    """The TTL of that record set (its least)."""
    owner: str
    """Lower case, no final dot: the asked name, or the end of the alias chain."""
    authenticated: bool
    """The resolver's AD bit: it validated the answer with DNSSEC."""
    additional: tuple[dnswire.Record, ...] = ()
    server: tuple[str, int] | None = None
    """The name server that answered."""


@dataclass(frozen=True, slots=True)
class Denial:
    """What came with a "no such name" or "no such record"."""

    authenticated: bool
    negative_ttl: float
    """How long the "no" may be kept (RFC 2308 §5): the lesser of the authority SOA's TTL and
    its minimum field; ``NEGATIVE_TTL`` when the response carries no SOA."""


Outcome = tuple[LookupStatus, Found | None, str | None, Denial | None]


async def _resolve(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, timeout: float
) -> tuple[LookupStatus, Found | None, str | None]:
    status, answer, why, _ = await _resolve_full(resolver, name, rdtype, timeout)
    return status, answer, why


async def _resolve_full(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, timeout: float
) -> Outcome:
    """:func:`_resolve`, plus what came with a negative answer (its SOA says how long the "no"
    holds).

    The first query goes out on the lean path (``probe.dnswire``) and settles the plain
    outcomes: an answer, "no such record", "no such name". Everything else (a timeout, a
    truncated answer, SERVFAIL, REFUSED, an answer the lean reader is not sure of) is resolved
    by dnspython's logic from the start, within what is left of the time.
    """
    started = time.monotonic()
    outcome = await _fast(resolver, name, rdtype, timeout)  # bounded by its own timer
    if outcome is not None:
        return outcome
    left = timeout - (time.monotonic() - started)
    try:
        if left <= 0:
            raise dns.exception.Timeout(timeout=timeout)  # type: ignore[no-untyped-call]
        # One timer in this task, not a task per query (what ``wait_for`` costs).
        async with asyncio.timeout(left + 0.5):
            answer = await resolve(resolver, name, rdtype, left)
    except dns.resolver.NXDOMAIN as exc:
        responses = exc.kwargs.get("responses") or {}
        return "nxdomain", None, None, _denial(next(iter(responses.values()), None))
    except dns.resolver.NoAnswer as exc:
        response = exc.kwargs.get("response")
        if _truncated(response):
            return "error", None, TRUNCATED, None
        return "nodata", None, None, _denial(response)
    except dns.resolver.NoNameservers as exc:
        return "error", None, _no_nameservers_reason(exc), None
    except (dns.exception.Timeout, TimeoutError):
        return "error", None, f"timed out after {timeout:g} s", None
    except dns.exception.DNSException as exc:
        return "error", None, f"{type(exc).__name__}: {exc}", None
    if _truncated(answer.response):
        # Cut even over TCP: what is missing may be the record we look for.
        return "error", None, TRUNCATED, None
    return "ok", _found(answer), None, None


async def _fast(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, timeout: float
) -> Outcome | None:
    """The outcome of one lean query to the first name server, or None: dnspython's turn."""
    qtype = dnswire.TYPES.get(rdtype)
    server = _plain_server(resolver)
    question = dnswire.encode_name(name)
    if qtype is None or server is None or question is None:
        return None
    qname, key = question
    try:
        reply = await _udp_lean(resolver, server, qname, key, qtype, min(resolver.timeout, timeout))
    except (dns.exception.Timeout, OSError):
        return None
    return None if reply is None else judge_reply(reply, qtype, server)


def judge_reply(reply: dnswire.Reply, qtype: int, server: tuple[str, int] | None) -> Outcome | None:
    """What a response to our one question says, as dnspython's resolution would read it; None
    for what only dnspython decides (truncation, other rcodes, a chain too long, an answer
    beside NXDOMAIN)."""
    if reply.flags & dnswire.TC or reply.rcode not in (dnswire.NOERROR, dnswire.NXDOMAIN):
        return None
    owner = reply.qname
    records: list[dnswire.Record] = []
    ttl = 0.0
    # dns.message.QueryMessage.resolve_chaining: follow aliases within the answer section.
    for _ in range(dns.message.MAX_CHAIN):
        records, ttl = _rrset(reply.answer, owner, qtype)
        if records or qtype == dnswire.CNAME:
            break
        alias, _ = _rrset(reply.answer, owner, dnswire.CNAME)
        if not alias:
            break
        owner = str(alias[0].value).lower()
    else:
        return None  # ChainTooLong
    authenticated = bool(reply.flags & dnswire.AD)
    if reply.rcode == dnswire.NXDOMAIN:
        if records:
            return None
        return "nxdomain", None, None, Denial(authenticated, _soa_ttl(reply.authority))
    if not records:
        return "nodata", None, None, Denial(authenticated, _soa_ttl(reply.authority))
    found = Found(tuple(records), ttl, owner, authenticated, reply.additional, server)
    return "ok", found, None, None


def _rrset(
    section: tuple[dnswire.Record, ...], owner: str, rtype: int
) -> tuple[list[dnswire.Record], float]:
    """The records of one set, in order, each once, and the set's TTL: the least of every copy.
    dnspython merges repeated records into one set the same way, and keeps only the last one of
    a type that allows one record per name (CNAME, SOA)."""
    out: list[dnswire.Record] = []
    seen: set[bytes] = set()
    ttl = float("inf")
    for record in section:
        if record.owner == owner and record.rtype == rtype and record.rclass == dnswire.IN:
            ttl = min(ttl, record.ttl)
            if rtype in _SINGLETONS:
                out = [record]
            elif record.data not in seen:
                seen.add(record.data)
                out.append(record)
    return out, ttl


_SINGLETONS = frozenset({dnswire.CNAME, dnswire.SOA})


def _soa_ttl(authority: tuple[dnswire.Record, ...]) -> float:
    """RFC 2308 §5 for the first SOA set of the authority section: the lesser of its TTL and
    its minimum field; ``NEGATIVE_TTL`` when there is none."""
    owner = next((r.owner for r in authority if r.rtype == dnswire.SOA), None)
    soa, ttl = _rrset(authority, owner, dnswire.SOA) if owner is not None else ([], 0.0)
    if not soa or not isinstance(soa[0].value, int):
        return NEGATIVE_TTL
    return float(min(ttl, soa[0].value))


def _plain_server(resolver: dns.asyncresolver.Resolver) -> tuple[str, int] | None:
    """The first name server, when the resolver asks plain UDP queries of it (what dnspython's
    resolution tries first); None when anything about the resolver is unusual."""
    r = resolver
    if r.cache is not None or r.keyname is not None or r.ednsoptions or r.rotate:
        return None
    if r.edns > 255 or not r._nameservers:
        return None
    first = r._nameservers[0]
    if type(first) is dns.nameserver.Do53Nameserver:
        return first.address, first.port
    if isinstance(first, str) and _is_address(first):
        return first, r.nameserver_ports.get(first, r.port)
    return None


@functools.lru_cache(maxsize=64)
def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _found(answer: dns.resolver.Answer) -> Found:
    """dnspython's answer as :class:`Found` (the path for what the lean reader leaves)."""
    rrset = answer.rrset
    assert rrset is not None  # an Answer without a set raised NoAnswer
    additional = tuple(r for s in answer.response.additional for r in records_of(s))
    server = (str(answer.nameserver), answer.port or 53) if answer.nameserver else None
    return Found(
        records_of(rrset),
        float(rrset.ttl),
        rrset.name.to_text(omit_final_dot=True).lower(),
        bool(answer.response.flags & dns.flags.AD),
        additional,
        server,
    )


def records_of(rrset: dns.rrset.RRset) -> tuple[dnswire.Record, ...]:
    """The records of a dnspython set, with their values as ``probe.dnswire`` reads them."""
    owner = rrset.name.to_text(omit_final_dot=True).lower()
    return tuple(
        dnswire.Record(owner, rrset.rdtype, rrset.rdclass, rrset.ttl, _value(rrset.rdclass, r))
        for r in rrset
    )


def _value(rdclass: int, rdata: dns.rdata.Rdata) -> dnswire.Value:
    kind = rdata.rdtype
    if kind in (dnswire.A, dnswire.AAAA):
        return str(rdata.address) if rdclass == dnswire.IN else None  # type: ignore[attr-defined]
    if kind == dnswire.MX:
        exchange = rdata.exchange.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
        return dnswire.Mx(int(rdata.preference), str(exchange))  # type: ignore[attr-defined]
    if kind == dnswire.TXT:
        return dnswire.Txt(tuple(rdata.strings))  # type: ignore[attr-defined]
    if kind == dnswire.CNAME:
        return str(rdata.target.to_text(omit_final_dot=True))  # type: ignore[attr-defined]
    if kind == dnswire.SOA:
        return int(rdata.minimum)  # type: ignore[attr-defined]
    if kind == dnswire.CAA:
        r: Any = rdata
        return dnswire.Caa(int(r.flags), bytes(r.tag), bytes(r.value))
    if kind == dnswire.TLSA:
        r = rdata
        return dnswire.Tlsa(int(r.usage), int(r.selector), int(r.mtype), bytes(r.cert))
    return None


def _denial(response: object) -> Denial:
    if not isinstance(response, dns.message.Message):
        return Denial(False, NEGATIVE_TTL)
    authority = tuple(r for s in response.authority for r in records_of(s))
    return Denial(bool(response.flags & dns.flags.AD), _soa_ttl(authority))


def kept_for(status: LookupStatus, answer: Found | None, denial: Denial | None) -> float:
    """How long the outcome of one lookup (``_resolve_full``) may be kept: an answer for its TTL,
    a "no such record" as its SOA says (RFC 2308 §5), a failure not at all."""
    if status == "error":
        return 0.0
    if answer is not None:
        return answer.ttl
    return denial.negative_ttl if denial is not None else NEGATIVE_TTL


TRUNCATED = "the answer was truncated (TC) even over TCP"

MAX_QUERIES_PER_SOCKET = 256
"""Queries sent from one UDP source port before a fresh socket takes over."""
RECEIVE_BUFFER = 1 << 20
"""Bytes of answers the shared socket may hold before the loop reads them."""


async def resolve(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, lifetime: float
) -> dns.resolver.Answer:
    """``resolver.resolve(name, rdtype, lifetime=..., search=False)``, with the shared UDP I/O.

    The loop is dnspython's ``asyncresolver.Resolver.resolve``; TCP (after TC) and anything but
    plain Do53 name servers go through dnspython's own I/O.
    """
    resolution = _Resolution(resolver, name, rdtype, dns.rdataclass.IN, False, True, False)
    start = time.time()
    while True:
        request, answer = resolution.next_request()
        if answer is not None:
            return answer
        assert request is not None
        done = False
        while not done:
            nameserver, tcp, backoff = resolution.next_nameserver()
            if backoff:
                await asyncio.sleep(backoff)
            timeout = resolver._compute_timeout(start, lifetime, resolution.errors)
            try:
                if not tcp and type(nameserver) is dns.nameserver.Do53Nameserver:
                    response = await _udp(request, nameserver.address, nameserver.port, timeout)
                else:
                    request.set_random_id()  # type: ignore[no-untyped-call]
                    response = await nameserver.async_query(
                        request,
                        timeout=timeout,
                        source=None,
                        source_port=0,
                        max_size=tcp,
                        backend=dns.asyncbackend.get_default_backend(),
                    )
            except Exception as ex:
                _, done = resolution.query_result(None, ex)
                continue
            answer, done = resolution.query_result(response, None)
            if answer is not None:
                return answer


class _Resolution(dns.resolver._Resolution):
    """dnspython's resolution, building each plain query without its generic path (a random ID
    drawn twice, EDNS set up twice, an OPT record built per query): a sixth of our DNS CPU."""

    def next_request(
        self,
    ) -> tuple[dns.message.QueryMessage | None, dns.resolver.Answer | None]:
        r = self.resolver
        if not self.qnames or r.cache or r.keyname is not None or r.ednsoptions or r.edns > 255:
            return super().next_request()  # anything unusual: dnspython's own way
        self.qname = self.qnames.pop(0)
        request = dns.message.QueryMessage(id=0)  # the ID is drawn when the query is sent
        request.flags = dns.flags.Flag(dns.flags.RD if r.flags is None else r.flags)
        request.find_rrset(
            request.question, self.qname, self.rdclass, self.rdtype, create=True, force_unique=True
        )
        if r.edns >= 0:
            flags = (r.ednsflags & 0xFF00FFFF) | (r.edns << 16)
            request.opt = dns.rrset.from_rdata(dns.name.root, flags, _opt(r.payload))
            request.request_payload = r.payload
        # From here on exactly as dnspython's next_request.
        self.nameservers = r._enrich_nameservers(r._nameservers, r.nameserver_ports, r.port)
        if r.rotate:
            random.shuffle(self.nameservers)
        self.current_nameservers = self.nameservers[:]
        self.errors = []
        self.nameserver = None
        self.tcp_attempt = False
        self.retry_with_tcp = False
        self.request = request
        self.backoff = 0.10
        return request, None


@functools.cache
def _opt(payload: int) -> dns.rdtypes.ANY.OPT.OPT:
    """The OPT record data (immutable, so one per payload size serves every query)."""
    return dns.rdtypes.ANY.OPT.OPT(payload, dns.rdatatype.OPT, ())  # type: ignore[no-untyped-call]


def query_wire(request: dns.message.Message) -> bytes:
    """``request.to_wire()`` for a plain query (one question, EDNS without options, no TSIG),
    written directly: dnspython's renderer costs more than the rest of sending."""
    if request.keyname is not None or request.options or len(request.question) != 1:
        return request.to_wire()
    question = request.question[0]
    opt = request.edns >= 0
    wire = struct.pack("!HHHHHH", request.id, request.flags, 1, 0, 0, 1 if opt else 0)
    owner = question.name.to_wire()
    assert owner is not None  # no file given: the name's bytes
    wire += owner + struct.pack("!HH", question.rdtype, question.rdclass)
    if opt:
        # dnspython keeps the extended RCODE, version and flags in ``ednsflags``: the OPT TTL.
        ttl = request.ednsflags & 0xFFFFFFFF
        wire += b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, request.payload, ttl, 0)
    return wire


@dataclass(frozen=True, slots=True)
class _Lean:
    """A lean query in flight: the question its answer must repeat, and the query's bytes
    (dnspython reads them back to judge a reply the lean reader is not sure of)."""

    key: str
    qtype: int
    wire: bytes


_Question = dns.message.Message | _Lean
_Result = dns.message.Message | dnswire.Reply | None
"""dnspython's response to a dnspython query; to a lean one, the lean reply, or None for "an
answer that only dnspython should judge"."""


class _Channel:
    """A connected UDP socket to one name server, shared by the queries in flight to it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, address: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.loop = loop
        self.key = (address, port)
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.pending: dict[int, tuple[_Question, asyncio.Future[_Result]]] = {}
        self.sent = 0
        try:
            self.sock.setblocking(False)
            # Answers to hundreds of queries in flight can land at once: a buffer that overflows
            # drops them, and each drop costs a retry timeout (the kernel caps it at rmem_max).
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            self.sock.connect((address, port))  # the kernel drops datagrams from anyone else
            loop.add_reader(self.sock.fileno(), self._readable)
        except BaseException:
            self.sock.close()
            raise

    def _readable(self) -> None:
        for _ in range(64):
            try:
                wire = self.sock.recv(65535)
            except BlockingIOError:
                return
            except OSError as exc:  # ICMP unreachable: this name server is not there
                for _, future in self.pending.values():
                    if not future.done():
                        future.set_exception(exc)
                return
            self._deliver(wire)

    def _deliver(self, wire: bytes) -> None:
        if len(wire) < 12:
            return
        waiting = self.pending.get(int.from_bytes(wire[:2], "big"))
        if waiting is None:
            return
        question, future = waiting
        if future.done():
            return
        if isinstance(question, _Lean):
            reply = dnswire.parse(wire)
            if reply is None:
                # Not sure of it: if dnspython takes it for our answer, dnspython's path decides.
                if _answers(dns.message.from_wire(question.wire), wire) is not None:
                    future.set_result(None)
            elif (
                # Our question, class IN, a standard query's answer; anything else is dropped
                # (as dnspython's ``is_response`` drops it) and the query waits on.
                reply.qname == question.key
                and reply.qtype == question.qtype
                and reply.qclass == dnswire.IN
                and not reply.flags & _OPCODE
            ):
                future.set_result(reply)
            return
        answer = _answers(question, wire)
        if isinstance(answer, dns.message.Truncated):
            future.set_exception(answer)
        elif answer is not None:
            future.set_result(answer)

    def close(self) -> None:
        channels = _CHANNELS.get(self.loop)
        if channels is not None and channels.get(self.key) is self:
            del channels[self.key]
        try:
            self.loop.remove_reader(self.sock.fileno())
        except (ValueError, RuntimeError):  # the loop is already closed
            pass
        self.sock.close()


_OPCODE = 0x7800


def _answers(
    request: dns.message.Message, wire: bytes
) -> dns.message.Message | dns.message.Truncated | None:
    """As dnspython's UDP query with ignore_errors: the response when ``wire`` answers
    ``request``, its Truncated error when the answer came cut short, else None (a reply that
    does not parse or answers another question is dropped, and the query waits on)."""
    try:
        response = dns.message.from_wire(wire, raise_on_truncation=True)
    except dns.message.Truncated as exc:
        return exc if request.is_response(exc.message()) else None  # type: ignore[no-untyped-call]
    except Exception:
        return None
    return response if request.is_response(response) else None


_CHANNELS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, int], _Channel]] = (
    weakref.WeakKeyDictionary()
)


async def _udp(
    request: dns.message.Message, address: str, port: int, timeout: float
) -> dns.message.Message:
    def make(qid: int) -> tuple[_Question, bytes]:
        request.id = qid
        return request, query_wire(request)

    response = await _exchange(address, port, make, timeout)
    assert isinstance(response, dns.message.Message)
    return response


async def _udp_lean(
    resolver: dns.asyncresolver.Resolver,
    server: tuple[str, int],
    qname: bytes,
    key: str,
    qtype: int,
    timeout: float,
) -> dnswire.Reply | None:
    """One query written by ``probe.dnswire``, as dnspython's resolution would first send it;
    the reply, or None when only dnspython should judge it."""
    flags = dns.flags.RD if resolver.flags is None else resolver.flags

    def make(qid: int) -> tuple[_Question, bytes]:
        wire = dnswire.encode_query(
            qid, qname, qtype, flags, resolver.edns, resolver.ednsflags, resolver.payload
        )
        return _Lean(key, qtype, wire), wire

    reply = await _exchange(server[0], server[1], make, timeout)
    assert not isinstance(reply, dns.message.Message)
    return reply


async def _exchange(
    address: str, port: int, make: Callable[[int], tuple[_Question, bytes]], timeout: float
) -> _Result:
    loop = asyncio.get_running_loop()
    channels = _CHANNELS.setdefault(loop, {})
    channel = channels.get((address, port))
    if channel is None or channel.sent >= MAX_QUERIES_PER_SOCKET:
        # The retired socket stays open only until its last query is answered.
        channel = channels[(address, port)] = _Channel(loop, address, port)
    qid = secrets.randbits(16)
    while qid in channel.pending:
        qid = secrets.randbits(16)
    question, wire = make(qid)
    future: asyncio.Future[_Result] = loop.create_future()
    channel.pending[qid] = (question, future)
    channel.sent += 1
    timer = loop.call_later(timeout, _expire, future, timeout)
    try:
        try:
            channel.sock.send(wire)
        except BlockingIOError:
            await loop.sock_sendall(channel.sock, wire)
        return await future
    finally:
        timer.cancel()
        del channel.pending[qid]
        if not channel.pending:
            channel.close()


def _expire(future: asyncio.Future[_Result], timeout: float) -> None:
    if not future.done():
        future.set_exception(dns.exception.Timeout(timeout=timeout))  # type: ignore[no-untyped-call]


def _truncated(response: object) -> bool:
    return isinstance(response, dns.message.Message) and bool(response.flags & dns.flags.TC)


def _no_nameservers_reason(exc: dns.resolver.NoNameservers) -> str:
    text = str(exc)
    if "Truncated" in text or "truncat" in text.lower():
        return TRUNCATED
    if "SERVFAIL" in text:
        return "SERVFAIL from every name server"
    if "REFUSED" in text:
        return "REFUSED by every name server"
    return "no name server answered"


async def lookup_txt(resolver: dns.asyncresolver.Resolver, name: str, timeout: float) -> TxtLookup:
    status, answer, why = await _resolve(resolver, name, "TXT", timeout)
    if answer is None:
        return TxtLookup(name=name, status=status, error=why)
    records = tuple(
        tuple(txt_strings_from_rdata(r.value.strings))
        for r in answer.records
        if isinstance(r.value, dnswire.Txt)
    )
    return TxtLookup(
        name=name,
        status="ok" if records else "nodata",
        records=records,
        authenticated=answer.authenticated,
    )


async def lookup_mx(resolver: dns.asyncresolver.Resolver, domain: str, timeout: float) -> MxLookup:
    return (await lookup_mx_ttl(resolver, domain, timeout))[0]


async def lookup_mx_ttl(
    resolver: dns.asyncresolver.Resolver, domain: str, timeout: float
) -> tuple[MxLookup, float]:
    """:func:`lookup_mx`, plus how long it may be kept (0: a failure, not at all)."""
    lookup, ttl, _ = await lookup_mx_response(resolver, domain, timeout)
    return lookup, ttl


async def lookup_mx_response(
    resolver: dns.asyncresolver.Resolver, domain: str, timeout: float
) -> tuple[MxLookup, float, tuple[dnswire.Record, ...]]:
    """:func:`lookup_mx_ttl`, plus the answer's additional section: it may already hold the
    addresses of the MX hosts (``probe.glue``)."""
    status, answer, why, denial = await _resolve_full(resolver, domain, "MX", timeout)
    if answer is None:
        return MxLookup(status=status, error=why), kept_for(status, None, denial), ()
    records = tuple(
        MxRecord(host=r.value.exchange, preference=r.value.preference)
        for r in answer.records
        if isinstance(r.value, dnswire.Mx)
    )
    # A null MX (RFC 7505: "0 .") says the domain accepts no mail.
    real = tuple(r for r in records if r.host not in ("", "."))
    lookup = MxLookup(
        status="ok" if real else "nodata",
        records=real,
        null_mx=len(real) < len(records),
        authenticated=answer.authenticated,
    )
    return lookup, answer.ttl, answer.additional


async def lookup_addresses(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[list[str], str | None]:
    """IPv4 then IPv6 addresses of ``host`` (both asked at once), and an error if none came."""
    addresses, why, _ = await lookup_addresses_ttl(resolver, host, timeout)
    return addresses, why


NEGATIVE_TTL = 30.0
"""Seconds to keep a "no such name" or "no such record" whose response carries no SOA (with
one, RFC 2308 §5 says how long: ``Denial.negative_ttl``)."""


async def lookup_addresses_ttl(
    resolver: dns.asyncresolver.Resolver, host: str, timeout: float
) -> tuple[list[str], str | None, float]:
    """:func:`lookup_addresses`, plus how long the answer may be kept (0: a failure, not at all)."""
    v4, v6 = await asyncio.gather(
        lookup_family(resolver, host, "A", timeout), lookup_family(resolver, host, "AAAA", timeout)
    )
    return combine_families(host, v4, v6)


AddressType = Literal["A", "AAAA"]


@dataclass(frozen=True)
class Family:
    """What one address lookup (A or AAAA) of a host found."""

    status: LookupStatus
    addresses: tuple[str, ...] = ()
    """Numeric order, not answer order (servers rotate answers): the same run every time, and
    the per-host cap falls on the same addresses."""
    ttl: float = 0.0
    """Seconds it may be kept: the record's TTL, a "none" as its SOA says, 0 for a failure."""
    error: str | None = None
    owner: str = ""
    """The name owning the records (lower case, no trailing dot; "" when none came): the asked
    name itself, unless that is an alias and the answer followed it."""


def family_from_records(rdtype: AddressType, records: Iterable[dnswire.Record]) -> Family:
    """The addresses in one A or AAAA record set (of an answer, or an MX answer's additional
    data): the set's TTL is its records' least."""
    wanted = dnswire.A if rdtype == "A" else dnswire.AAAA
    chosen = [r for r in records if r.rtype == wanted and isinstance(r.value, str)]
    if not chosen:
        return Family("nodata", ttl=NEGATIVE_TTL)
    found = {str(r.value) for r in chosen}
    addresses = tuple(sorted(found, key=ipaddress.ip_address))
    ttl = float(min(r.ttl for r in chosen))
    return Family("ok", addresses, ttl, owner=chosen[0].owner)


async def lookup_family(
    resolver: dns.asyncresolver.Resolver, host: str, rdtype: AddressType, timeout: float
) -> Family:
    """The A or the AAAA addresses of ``host``: one half of :func:`lookup_addresses_ttl`, so a
    probe of the IPv4 addresses can start while the IPv6 answer is still on its way."""
    status, answer, why, denial = await _resolve_full(resolver, host, rdtype, timeout)
    if answer is None:
        return Family(status, ttl=kept_for(status, None, denial), error=why)
    return family_from_records(rdtype, answer.records)


def combine_families(host: str, v4: Family, v6: Family) -> tuple[list[str], str | None, float]:
    """IPv4 then IPv6 addresses, the lookup error if none came, and how long to keep it all."""
    addresses = [*v4.addresses, *v6.addresses]
    statuses = (v4.status, v6.status)
    if "error" in statuses:
        ttl = 0.0  # half an answer is not kept: the next domain asks again
    else:
        ttls = [f.ttl for f in (v4, v6) if f.status == "ok"]
        ttl = min(ttls) if ttls else min(v4.ttl, v6.ttl)
    if addresses:
        return addresses, None, ttl
    if "error" in statuses:
        return [], f"address lookup failed: {v4.error or v6.error}", 0.0
    if v4.status == "nxdomain":
        return [], f"{host} does not exist in DNS (NXDOMAIN)", ttl
    return [], f"{host} has no A or AAAA record", ttl
