"""The Lab: every scenario's DNS, HTTPS and SMTP servers on loopback, in one background thread."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import dns.asyncresolver
import dns.name
import dns.rdatatype
import dns.resolver
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mtasts_tui.core.domain import normalize_host

from ._net import IPV6_LOOPBACK, ipv6_loopback_available
from .certs import CertStore
from .dns_server import DnsQuery, DnsServer, Zone
from .https_server import HttpsServer, HttpsSite
from .model import MxServer, PolicyHost, Scenario
from .smtp_server import MxBinding, SmtpServers

if TYPE_CHECKING:
    from mtasts_tui.probe.network import ProbeConfig

MAIN_ADDRESS = "127.0.0.1"
"""DNS and the ordinary HTTPS hosts."""
MX_BASE = ipaddress.IPv4Address("127.1.0.1")
"""SMTP servers: 127.1.0.1, 127.1.0.2, ... (one per MX host name)."""
SPECIAL_HTTPS_BASE = ipaddress.IPv4Address("127.2.0.1")
"""Policy hosts that hang or refuse before TLS."""
UNREACHABLE_BASE = ipaddress.IPv4Address("127.3.0.1")
"""MX hosts where nothing listens."""
POLICY_BASE = ipaddress.IPv4Address("127.4.0.1")
"""Ordinary policy hosts when a lab spreads them (``policy_addresses`` > 1)."""
MAX_POLICY_ADDRESSES = 256

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


def _nth(base: ipaddress.IPv4Address, n: int) -> str:
    """The n-th host address after ``base``, skipping .0 and .255 in the last octet."""
    start = int(base) & 0xFF
    offset = start - 1 + n
    return str(
        ipaddress.IPv4Address((int(base) & ~0xFFFF) + (offset // 254) * 256 + offset % 254 + 1)
    )


def _host(name: str) -> str:
    return normalize_host(name)


class Lab:
    """Real servers on loopback for a set of scenarios.

    ``with Lab(scenarios.ALL) as lab:`` starts them in one background thread running its own
    asyncio loop; point a resolver at ``lab.dns_address``, trust ``lab.ca_file``, and connect to
    ``lab.https_port`` / ``lab.smtp_port`` on the addresses DNS gives.
    """

    def __init__(
        self,
        scenarios: Iterable[Scenario] = (),
        *,
        smtp_idle_timeout: float = 30.0,
        validating: bool = True,
        policy_addresses: int = 1,
        dns_additional: bool = True,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
    ) -> None:
        if not 1 <= policy_addresses <= MAX_POLICY_ADDRESSES:
            raise ValueError(f"policy_addresses must be 1-{MAX_POLICY_ADDRESSES}")
        self.policy_addresses = policy_addresses
        """Ordinary policy hosts share 127.0.0.1 (1), or are spread round robin over this many
        addresses from 127.4.0.1, as a fleet's policy hosts on many web servers would be."""
        self.scenarios: list[Scenario] = list(scenarios)
        self.smtp_idle_timeout = smtp_idle_timeout
        self.validating = validating
        """The DNS server plays a validating resolver (AD on signed answers); ``False``: one
        that never validates."""
        self.loop_factory = loop_factory
        """Makes the event loop the servers run on (``uvloop.new_event_loop`` in the fleet
        benchmark, for a lab that costs less CPU); ``None``: asyncio's own."""
        self.dns_additional = dns_additional
        """MX answers carry the MX hosts' addresses in their additional section, as many
        resolvers do; ``False``: they do not (``set_dns_additional`` switches it while running)."""
        self._by_name: dict[str, Scenario] = {}
        domains: set[str] = set()
        for s in self.scenarios:
            if s.name in self._by_name:
                raise ValueError(f"two scenarios named {s.name!r}")
            if _host(s.domain) in domains:
                raise ValueError(f"two scenarios for domain {s.domain!r}")
            self._by_name[s.name] = s
            domains.add(_host(s.domain))
        self.ipv6 = ipv6_loopback_available()
        """Whether ``::1`` can be bound here; without it no AAAA record is published."""
        self._zone, self._site, self._mx = self._build()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._certs: CertStore | None = None
        self._dns: DnsServer | None = None
        self._https: HttpsServer | None = None
        self._smtp: SmtpServers | None = None

    # --- building (pure data, done in __init__) -------------------------------------------

    def _build(self) -> tuple[Zone, HttpsSite, list[MxBinding]]:
        zone = Zone()
        site = HttpsSite()
        mx: list[MxBinding] = []
        mx_defined: dict[str, MxServer] = {}
        counters = {"mx": 0, "special": 0, "unreachable": 0}

        def allocate(kind: str, base: ipaddress.IPv4Address) -> str:
            address = _nth(base, counters[kind])
            counters[kind] += 1
            return address

        for s in self.scenarios:
            for record in s.records:
                zone.add(record)
            for fault in s.dns_faults:
                zone.add_fault(fault)
            if s.signed:
                zone.sign(s.domain)
                for host in s.mx_servers:
                    zone.sign(host)
        auto: list[tuple[str, str, str]] = []
        v6_claimed = False
        for s in self.scenarios:
            https_hosts: dict[str, PolicyHost] = dict(s.extra_https)
            if s.policy_host is not None:
                https_hosts[s.policy_hostname] = s.policy_host
            for raw, behaviour in https_hosts.items():
                name = _host(raw)
                known = site.hosts.get(name)
                if known is not None:
                    if known != behaviour:
                        raise ValueError(f"HTTPS host {name} defined twice, differently")
                    continue
                site.hosts[name] = behaviour
                if behaviour.hang or behaviour.refuse:
                    address = allocate("special", SPECIAL_HTTPS_BASE)
                elif self.policy_addresses > 1:
                    address = _nth(POLICY_BASE, len(site.addresses) % self.policy_addresses)
                else:
                    address = MAIN_ADDRESS
                site.addresses[name] = address
                auto.append((name, "A", address))
                for node in behaviour.more:
                    extra = allocate("special", SPECIAL_HTTPS_BASE)
                    site.nodes[(extra, name)] = node
                    auto.append((name, "A", extra))
                # ::1 is shared by every IPv6 policy host: only ordinary serving fits there.
                if behaviour.ipv6 and self.ipv6 and not (behaviour.hang or behaviour.refuse):
                    site.nodes[(IPV6_LOOPBACK, name)] = behaviour
                    auto.append((name, "AAAA", IPV6_LOOPBACK))
            for raw, server in s.mx_servers.items():
                name = _host(raw)
                known_mx = mx_defined.get(name)
                if known_mx is not None:
                    if known_mx != server:
                        raise ValueError(f"MX host {name} defined twice, differently")
                    continue
                mx_defined[name] = server
                for mx_node in (server, *server.more):
                    if mx_node.listen:
                        address = allocate("mx", MX_BASE)
                    else:
                        address = allocate("unreachable", UNREACHABLE_BASE)
                    mx.append(MxBinding(name, address, mx_node))
                    auto.append((name, "A", address))
                if server.ipv6 is not None:
                    if v6_claimed:
                        raise ValueError(f"{name}: a lab holds one IPv6 MX address (::1)")
                    v6_claimed = True
                    if self.ipv6:
                        mx.append(MxBinding(name, IPV6_LOOPBACK, server.ipv6))
                    # Without IPv6 here, ::1 is unreachable anyway: publish only a silent one.
                    if self.ipv6 or not server.ipv6.listen:
                        auto.append((name, "AAAA", IPV6_LOOPBACK))
        # Automatic addresses only for names the scenarios gave none of their own.
        own = {
            (name, rdtype)
            for name, rdtype, _ in auto
            if zone.has(name, rdtype) or zone.has(name, "CNAME")
        }
        for name, rdtype, address in auto:
            if (name, rdtype) not in own:
                zone.add((name, rdtype, address))
        # An MX host that is an alias: its addresses go on the CNAME target instead.
        aliased = [
            (target, rdtype, address)
            for name, rdtype, address in auto
            if name in mx_defined and (target := _mx_cname_target(zone, name)) is not None
        ]
        taken = {(t, r) for t, r, _ in aliased if zone.has(t, r)}
        for target, rdtype, address in aliased:
            if (target, rdtype) not in taken:
                zone.add((target, rdtype, address))
        return zone, site, mx

    def _publish_tlsa(self, certs: CertStore) -> None:
        """TLSA records describe the certificates minted at start, so they are added now."""
        bindings: dict[str, MxBinding] = {}
        for binding in self._mx:  # the first node of a host is the one its records describe
            bindings.setdefault(binding.hostname, binding)
        specs = [t for s in self.scenarios for t in s.tlsa]
        for spec in specs:
            self._zone.remove(f"_25._tcp.{_host(spec.owner or spec.host)}", "TLSA")
        for spec in specs:
            server = bindings[_host(spec.host)].server
            chain = certs.chain_der(_host(spec.host), server.cert, server.issuer)
            if not spec.matches:
                cert = certs.rogue_der()
            elif spec.usage == 2:
                cert = chain[1] if len(chain) > 1 else certs.ca_der()
            else:
                cert = chain[0]
            data = _association(cert, spec.selector, spec.mtype)
            value = f"{spec.usage} {spec.selector} {spec.mtype} {data.hex()}"
            self._zone.add((f"_25._tcp.{_host(spec.owner or spec.host)}", "TLSA", value))

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Lab:
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("the lab is already running")
            self._tmp = tempfile.TemporaryDirectory(prefix="mtasts-lab-")
            self._certs = CertStore(Path(self._tmp.name))
            self._publish_tlsa(self._certs)
            loop = (self.loop_factory or asyncio.new_event_loop)()
            thread = threading.Thread(
                target=_run_loop, args=(loop,), name="mtasts-lab", daemon=True
            )
            self._loop, self._thread = loop, thread
            thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._astart(), loop).result(START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self

    async def _astart(self) -> None:
        assert self._certs is not None
        self._dns = DnsServer(self._zone, MAIN_ADDRESS)
        self._dns.validating = self.validating
        self._dns.additional = self.dns_additional
        await self._dns.start()
        self._https = HttpsServer(self._site, self._certs, MAIN_ADDRESS)
        await self._https.start()
        self._smtp = SmtpServers(self._mx, self._certs, self.smtp_idle_timeout)
        await self._smtp.start()

    async def _astop(self) -> None:
        for server in (self._smtp, self._https, self._dns):
            if server is not None:
                await server.close()

    def stop(self) -> None:
        """Stop every server and remove the temporary CA file; safe to call twice."""
        with self._lock:
            loop, thread, tmp = self._loop, self._thread, self._tmp
            self._loop = self._thread = self._tmp = None
        if loop is not None and thread is not None:
            if loop.is_running():
                try:
                    asyncio.run_coroutine_threadsafe(self._astop(), loop).result(STOP_TIMEOUT)
                finally:
                    loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT)
        if tmp is not None:
            tmp.cleanup()
        self._dns = self._https = self._smtp = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None

    # --- what clients need ----------------------------------------------------------------

    def _need(self) -> tuple[DnsServer, HttpsServer, SmtpServers, CertStore]:
        if self._dns is None or self._https is None or self._smtp is None or self._certs is None:
            raise RuntimeError("the lab is not running")
        return self._dns, self._https, self._smtp, self._certs

    @property
    def dns_address(self) -> tuple[str, int]:
        """``(ip, port)`` of the DNS server (UDP and TCP)."""
        return (MAIN_ADDRESS, self._need()[0].port)

    @property
    def ca_file(self) -> str:
        """PEM file with the lab's trusted CA (removed by ``stop``)."""
        return str(self._need()[3].ca_file)

    @property
    def https_port(self) -> int:
        return self._need()[1].port

    @property
    def smtp_port(self) -> int:
        return self._need()[2].port

    def smtp_sessions(self, address: str) -> int:
        """SMTP connections the lab accepted on ``address`` since it started."""
        return self._need()[2].sessions_by_address.get(address, 0)

    def dns_queries(self, name: str, type_text: str) -> int:
        """How many queries for (``name``, type) the lab's DNS server has answered or dropped."""
        owner = dns.name.from_text(name.rstrip(".") + ".").to_text(omit_final_dot=True).lower()
        return self._need()[0].asked[(owner, dns.rdatatype.from_text(type_text))]

    def smtp_session_starts(self, address: str) -> list[float]:
        """``time.monotonic()`` of the latest SMTP connections accepted on ``address``."""
        return list(self._need()[2].started_by_address.get(address, ()))

    def set_dns_delay(self, seconds: float) -> None:
        """Delay every DNS answer by ``seconds`` (0 to reset)."""
        self._need()[0].delay = max(0.0, float(seconds))

    def set_dns_additional(self, on: bool) -> None:
        """Whether MX answers carry the MX hosts' addresses (see ``dns_additional``)."""
        self.dns_additional = on
        self._need()[0].additional = on

    def dns_log(self, name: str | None = None, rdtype: str | None = None) -> list[DnsQuery]:
        """The latest queries, in the order answered (only ``name``/``rdtype`` if given)."""
        wanted = None if name is None else _host(name)
        return [
            q
            for q in list(self._need()[0].log)
            if (wanted is None or q.name == wanted) and (rdtype is None or q.rdtype == rdtype)
        ]

    def scenario(self, name: str) -> Scenario:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no scenario named {name!r}") from None

    def domain(self, name: str) -> str:
        return self.scenario(name).domain

    def address_of(self, host: str) -> str:
        """The loopback address the lab gave an MX or HTTPS host."""
        name = _host(host)
        for binding in self._mx:
            if binding.hostname == name:
                return binding.address
        if name in self._site.addresses:
            return self._site.addresses[name]
        raise KeyError(f"the lab has no host {host!r}")

    def addresses_of(self, host: str) -> list[str]:
        """Every address the lab gave an MX or HTTPS host (IPv6 only when published)."""
        name = _host(host)
        found = [
            b.address
            for b in self._mx
            if b.hostname == name and (b.address != IPV6_LOOPBACK or self.ipv6)
        ]
        if name in self._site.addresses:
            found.append(self._site.addresses[name])
            found += [a for a, h in self._site.nodes if h == name]
        if not found:
            raise KeyError(f"the lab has no host {host!r}")
        return found

    def mx_server(self, host: str) -> MxServer:
        for binding in self._mx:
            if binding.hostname == _host(host):
                return binding.server
        raise KeyError(f"the lab has no MX host {host!r}")

    def probe_config(self, timeout: float = 5.0, smtp: bool = True) -> ProbeConfig:
        """Probe settings that send every lookup and connection to this lab, trusting its CA."""
        from mtasts_tui.probe.network import ProbeConfig

        return ProbeConfig(
            resolvers=(self.dns_address,),
            ca_file=self.ca_file,
            https_port=self.https_port,
            smtp_port=self.smtp_port,
            timeout=timeout,
            smtp=smtp,
        )

    def write_server_cert(self, name: str, directory: Path) -> tuple[Path, Path]:
        """Write a certificate chain and key for ``name``, signed by the lab CA, into ``directory``.

        For a real web server (nginx, Caddy, Apache) that the lab's DNS points at: clients that
        trust ``ca_file`` accept it. Returns ``(chain_file, key_file)``; the key is private (0600).
        """
        leaf = self._need()[3].ca.issue_cert(name)
        chain = directory / f"{name}.crt"
        key = directory / f"{name}.key"
        chain.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        key.touch(mode=0o600)
        key.write_bytes(leaf.private_key_pem.bytes())
        return chain, key

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting only the lab CA."""
        return ssl.create_default_context(cafile=self.ca_file)

    def resolver(self, lifetime: float = 3.0) -> dns.resolver.Resolver:
        """A blocking dnspython resolver that asks only the lab."""
        resolver = dns.resolver.Resolver(configure=False)
        self._configure(resolver, lifetime)
        return resolver

    def async_resolver(self, lifetime: float = 3.0) -> dns.asyncresolver.Resolver:
        """An asyncio dnspython resolver that asks only the lab."""
        resolver = dns.asyncresolver.Resolver(configure=False)
        self._configure(resolver, lifetime)
        return resolver

    def _configure(self, resolver: dns.resolver.BaseResolver, lifetime: float) -> None:
        host, port = self.dns_address
        resolver.nameservers = [host]
        resolver.port = port
        resolver.lifetime = lifetime
        resolver.timeout = min(lifetime, 1.0)
        resolver.cache = None


def _mx_cname_target(zone: Zone, name: str) -> str | None:
    rrsets = zone.rrsets.get(dns.name.from_text(name + "."), {})
    cname = rrsets.get(dns.rdatatype.CNAME)
    return next(iter(cname)).target.to_text(omit_final_dot=True) if cname else None


def _association(cert_der: bytes, selector: int, mtype: int) -> bytes:
    """TLSA data computed independently of the checker's matcher, so a bug cannot cancel out."""
    selected = cert_der
    if selector == 1:
        cert = x509.load_der_x509_certificate(cert_der)
        selected = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if mtype == 1:
        return hashlib.sha256(selected).digest()
    if mtype == 2:
        return hashlib.sha512(selected).digest()
    return selected


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        try:
            # Let late arrivals (a connection accepted as the listeners closed) reach their
            # handlers, which then close themselves; only then cancel what is left.
            for _ in range(10):
                loop.run_until_complete(asyncio.sleep(0))
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=1))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
