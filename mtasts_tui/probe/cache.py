"""Run-wide sharing for one `check` over many domains (issue 12).

A hosting company's thousands of domains sit on a few provider MX clusters. Within one run:

- the addresses of an MX host are resolved once and kept until their TTL runs out;
- each distinct (MX host, address) STARTTLS probe runs once; every domain using that host gets
  the same per-address result (its JSON still lists every address);
- HTTPS connections are pooled per (address, SNI name): one domain's policy connection is
  never reused for another name, so certificates and policies cannot mix;
- at most ``per_address`` connections go to one destination address at once, and new
  connections start at no more than ``rate`` per second over the whole run.

Every table is bounded (least recently used entries go first), so memory stays flat however
long the domain list. Lookups and probes in flight are shared too: a hundred domains asking for
the same host at once cause one query, not a hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from mtasts_tui.core.caa import CaaLookup
from mtasts_tui.core.dane import TlsaLookup
from mtasts_tui.core.facts import MxAddressProbe, MxLookup, ResolverInfo
from mtasts_tui.probe.dns import (
    AddressType,
    Family,
    combine_families,
    lookup_addresses,
    lookup_family,
    lookup_mx,
    lookup_mx_response,
)

if TYPE_CHECKING:
    import dns.asyncresolver

    from mtasts_tui.probe.dane import CaaAnswer
    from mtasts_tui.probe.http1 import Connection
    from mtasts_tui.probe.network import Network

PER_ADDRESS = 4
"""Connections at once to one destination address: a shared provider MX sees a few, not a flood."""
MAX_ENTRIES = 1024
"""Entries per table; enough for every shared host of a fleet, small enough to stay flat."""
MAX_POOLS = 64
"""HTTPS pools (address, SNI name) kept, each with at most one idle connection; the least
recently used is closed first."""
RUN_LONG = 24 * 3600.0
"""Kept for the whole run: STARTTLS probe results, and whether the resolver validates DNSSEC
(a `watch` cycle starts a new cache)."""
NEGATIVE_TTL = 30.0
"""Seconds a failed or empty address lookup is kept (it has no TTL of its own to honour)."""

K = TypeVar("K")
V = TypeVar("V")


class _Table(Generic[K, V]):
    """A bounded LRU of values with expiry, sharing the work of a key already in flight."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._done: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._flying: dict[K, asyncio.Task[tuple[V, float]]] = {}
        self.misses = 0
        self.hits = 0

    def __len__(self) -> int:
        return len(self._done)

    def peek(self, key: K) -> V | None:
        """The value kept for ``key`` if there is a fresh one; never starts any work."""
        kept = self._done.get(key)
        return kept[1] if kept is not None and kept[0] > time.monotonic() else None

    def cancel_flying(self) -> None:
        for task in list(self._flying.values()):
            task.cancel()

    async def get(self, key: K, make: Callable[[], Awaitable[tuple[V, float]]]) -> V:
        """The value for ``key``; ``make`` returns (value, seconds to keep it) when none is kept.

        Callers waiting on a shared task are shielded from each other: one caller's deadline
        cancels its own wait, never the work the others wait for.
        """
        now = time.monotonic()
        kept = self._done.get(key)
        if kept is not None:
            if kept[0] > now:
                self._done.move_to_end(key)
                self.hits += 1
                return kept[1]
            del self._done[key]
        task = self._flying.get(key)
        if task is None:
            self.misses += 1
            task = asyncio.ensure_future(make())
            self._flying[key] = task
            task.add_done_callback(lambda t, k=key: self._landed(k, t))  # type: ignore[misc]
        else:
            self.hits += 1
        value, _ = await asyncio.shield(task)
        return value

    def _landed(self, key: K, task: asyncio.Task[tuple[V, float]]) -> None:
        self._flying.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return
        self.put(key, *task.result())

    def put(self, key: K, value: V, keep: float) -> None:
        """Keep ``value`` for ``keep`` seconds (an answer that came along with another one)."""
        if keep <= 0:
            return
        self._done[key] = (time.monotonic() + keep, value)
        self._done.move_to_end(key)
        while len(self._done) > self.limit:
            self._done.popitem(last=False)


class _Gate:
    """A per-address semaphore that exists only while someone holds or waits for it."""

    __slots__ = ("semaphore", "users")

    def __init__(self, size: int) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.users = 0


class RunCache:
    """What one run shares between its domains: lookups, probe results, pools and limits."""

    def __init__(
        self,
        *,
        per_address: int = PER_ADDRESS,
        rate: float | None = None,
        max_entries: int = MAX_ENTRIES,
        max_pools: int = MAX_POOLS,
    ) -> None:
        if per_address < 1:
            raise ValueError("per_address must be at least 1")
        if rate is not None and rate <= 0:
            raise ValueError("rate must be more than 0")
        self.per_address = per_address
        self.rate = rate
        self.addresses: _Table[str, tuple[list[str], str | None]] = _Table(max_entries)
        """MX host name -> (addresses, lookup error), until the smallest TTL runs out."""
        self.families: _Table[tuple[str, AddressType], Family] = _Table(max_entries)
        """(host name, "A" or "AAAA") -> that half of its addresses, also filled from the
        additional section of MX answers (``probe.glue``)."""
        self.mx: _Table[str, MxLookup] = _Table(max_entries)
        """Mail domain -> its MX answer (the inspection and the TLS-RPT rua check share it)."""
        self.records: _Table[tuple[str, str], object] = _Table(max_entries)
        """(name, type) -> any other lookup result (TLSA, CAA), until its TTL runs out."""
        self.smtp: _Table[tuple[str, str], MxAddressProbe] = _Table(max_entries)
        """(MX host, address) -> that address's STARTTLS probe, for the whole run."""
        self.max_pools = max_pools
        self._pools: OrderedDict[tuple[str, str], _Pool] = OrderedDict()
        self._gates: dict[str, _Gate] = {}
        self._next_start = 0.0
        self._rate_lock = asyncio.Lock()
        self.connections = 0
        """New connections started through :meth:`slot` (a figure for benchmarks and tests)."""

    async def host_addresses(
        self, resolver: dns.asyncresolver.Resolver, host: str, timeout: float
    ) -> tuple[list[str], str | None]:
        """The addresses of an MX host, asked once per TTL for the whole run."""

        async def ask() -> tuple[tuple[list[str], str | None], float]:
            v4, v6 = await asyncio.gather(
                self.host_family(resolver, host, "A", timeout),
                self.host_family(resolver, host, "AAAA", timeout),
            )
            addresses, why, ttl = combine_families(host, v4, v6)
            return (addresses, why), ttl

        addresses, why = await self.addresses.get(host.lower(), ask)
        return list(addresses), why

    async def host_family(
        self, resolver: dns.asyncresolver.Resolver, host: str, rdtype: AddressType, timeout: float
    ) -> Family:
        """The A or the AAAA half of :meth:`host_addresses`, asked once per TTL for the run."""

        async def ask() -> tuple[Family, float]:
            family = await lookup_family(resolver, host, rdtype, timeout)
            return family, family.ttl

        return await self.families.get((host.lower(), rdtype), ask)

    def owns_addresses(self, host: str) -> bool:
        """Whether ``host`` is known, right now, to own address records itself: then it is no
        alias (a CNAME cannot share its name with other data, RFC 2181 §10.1)."""
        for rdtype in ("A", "AAAA"):
            family = self.families.peek((host.lower(), rdtype))
            if family is not None and family.owner == host.lower():
                return True
        return False

    async def mx_answer(
        self, resolver: dns.asyncresolver.Resolver, domain: str, timeout: float
    ) -> MxLookup:
        """The MX answer of ``domain``; the host addresses it carried are kept as if asked."""
        from mtasts_tui.probe.glue import mx_glue

        async def ask() -> tuple[MxLookup, float]:
            lookup, ttl, response = await lookup_mx_response(resolver, domain, timeout)
            for key, family in mx_glue(response, (r.host for r in lookup.records)).items():
                self.families.put(key, family, family.ttl)
            return lookup, ttl

        return await self.mx.get(domain.lower(), ask)

    # --- limits -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, address: str) -> AsyncIterator[None]:
        """Hold one of the few connections allowed to ``address``, started within the rate."""
        gate = self._gates.get(address)
        if gate is None:
            gate = self._gates[address] = _Gate(self.per_address)
        gate.users += 1
        try:
            async with gate.semaphore:
                await self._pace()
                self.connections += 1
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                self._gates.pop(address, None)

    async def _pace(self) -> None:
        """Space new connections 1/rate seconds apart over the whole run."""
        if self.rate is None:
            return
        async with self._rate_lock:
            now = time.monotonic()
            wait = self._next_start - now
            self._next_start = max(now, self._next_start) + 1.0 / self.rate
        if wait > 0:
            await asyncio.sleep(wait)

    # --- HTTPS pools --------------------------------------------------------------------

    def idle_https(self, address: str, sni: str) -> Connection | None:
        """The kept connection for exactly this (address, SNI name), if it can still carry a
        request; never another name's. The pair counts as used (the least recent goes first)."""
        key = (address, sni.lower())
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _Pool()
            while len(self._pools) > self.max_pools:
                _, old = self._pools.popitem(last=False)
                old.drop()
        else:
            self._pools.move_to_end(key)
        conn, pool.idle = pool.idle, None
        if conn is not None and not conn.usable(time.monotonic()):
            conn.abort()  # the server closed it, sent something unasked, or it waited too long
            return None
        return conn

    def keep_https(self, address: str, sni: str, conn: Connection) -> None:
        """Keep ``conn`` for the next fetch of exactly this pair: one per pair, and none for a
        pair evicted meanwhile. What is not kept is closed."""
        pool = self._pools.get((address, sni.lower()))
        if pool is None or pool.idle is not None:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        pool.idle = conn

    def pool_keys(self) -> list[tuple[str, str]]:
        return list(self._pools)

    async def aclose(self) -> None:
        """Close every pooled connection and stop what is still in flight (the end of the run)."""
        for table in (self.addresses, self.families, self.mx, self.records, self.smtp):
            table.cancel_flying()
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            # At once, not with a TLS goodbye: the loop may end right after the run does.
            pool.drop(polite=False)


class _Pool:
    """What is kept for one (address, SNI name): at most one idle connection."""

    __slots__ = ("idle",)

    def __init__(self) -> None:
        self.idle: Connection | None = None

    def drop(self, *, polite: bool = True) -> None:
        if self.idle is not None:
            self.idle.close() if polite else self.idle.abort()
            self.idle = None


async def mx_of(net: Network, domain: str, timeout: float) -> MxLookup:
    """The MX answer for ``domain``, shared through the run's cache when there is one."""
    if net.cache is None:
        return await lookup_mx(net.resolver, domain, timeout)
    return await net.cache.mx_answer(net.resolver, domain, timeout)


async def addresses_of(net: Network, host: str, timeout: float) -> tuple[list[str], str | None]:
    """The addresses of a mail host, shared through the run's cache when there is one."""
    if net.cache is None:
        return await lookup_addresses(net.resolver, host, timeout)
    return await net.cache.host_addresses(net.resolver, host, timeout)


async def mx_host_records(
    net: Network, hosts: list[str], timeout: float
) -> tuple[tuple[TlsaLookup, ...], tuple[tuple[str, str], ...]]:
    """TLSA records and aliases of the MX hosts (``probe.dane.lookup_mx_hosts``), each host's
    asked once per run-cache lifetime and shared by every domain using it."""
    from mtasts_tui.probe.dane import lookup_mx_hosts, mx_hosts_kept

    cache = net.cache
    if cache is None:
        return await lookup_mx_hosts(net.resolver, hosts, timeout)

    async def one(host: str) -> tuple[tuple[TlsaLookup, ...], tuple[tuple[str, str], ...]]:
        async def ask() -> tuple[object, float]:
            plain = [host] if cache.owns_addresses(host) else []
            tlsa, cnames, keep = await mx_hosts_kept(net.resolver, [host], timeout, plain=plain)
            failed = any(t.status == "error" for t in tlsa)
            # Kept while every answer behind it lives (its TTL), never past the run's horizon.
            return (tlsa, cnames), 0.0 if failed else min(keep, RUN_LONG)

        return await cache.records.get((host.lower(), "TLSA+CNAME"), ask)  # type: ignore[return-value]

    parts = await asyncio.gather(*(one(h) for h in hosts))
    tlsa = tuple(t for found, _ in parts for t in found)
    cnames = tuple(c for _, found in parts for c in found)
    return tlsa, cnames


async def caa_of(net: Network, name: str, timeout: float) -> CaaLookup:
    """The relevant CAA set of ``name`` (``probe.dane.lookup_caa``). The names above it (the
    domain, its parents, the TLD: what a fleet has in common) are asked once per TTL for the
    whole run; ``name`` itself, a domain's own policy host, is always asked."""
    from mtasts_tui.probe.dane import caa_at, lookup_caa

    cache = net.cache
    if cache is None:
        return await lookup_caa(net.resolver, name, timeout)

    async def shared(owner: str) -> CaaAnswer:
        async def ask() -> tuple[object, float]:
            return await caa_at(net.resolver, owner, timeout)

        return await cache.records.get((owner.lower(), "CAA"), ask)  # type: ignore[return-value]

    return await lookup_caa(net.resolver, name, timeout, ask=shared)


async def resolver_of(net: Network, timeout: float) -> ResolverInfo:
    """Which resolver answers and whether it validates: asked once per run, not per domain
    (nor once a minute): a failed probe is not kept, so the next domain asks again."""
    from mtasts_tui.probe.dane import probe_resolver

    if net.cache is None:
        return await probe_resolver(net.resolver, timeout)

    async def ask() -> tuple[object, float]:
        info = await probe_resolver(net.resolver, timeout)
        return info, RUN_LONG if info.validates is not None else 0.0

    return await net.cache.records.get(("", "resolver"), ask)  # type: ignore[return-value]
