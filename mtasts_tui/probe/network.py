"""The network settings every probe shares: one resolver, one TLS trust store, one clock.

Built once from the command line (``--resolver``, ``--ca-file``, ports, ``--timeout``) so that every
lookup and every certificate check of a run goes through the same place.
"""

from __future__ import annotations

import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # dnspython loads in `Network.from_config`, inside a worker: the wizard draws its first
    # frame before paying for it (issue 12), and the options below stay cheap to parse.
    import dns.asyncresolver


class NetworkConfigError(ValueError):
    """A network option is unusable; the message says which and why."""


@dataclass(frozen=True)
class ProbeConfig:
    resolvers: tuple[tuple[str, int], ...] = ()
    """DNS servers to ask; empty means the system's (/etc/resolv.conf)."""
    ca_file: str | None = None
    """PEM bundle to trust instead of the system store."""
    https_port: int = 443
    smtp_port: int = 25
    timeout: float = 10.0
    """Seconds for each step, and for the whole inspection of one domain."""
    smtp: bool = True
    """Probe each MX with STARTTLS."""
    ehlo_name: str = "mtasts-tui.invalid"
    """The name we announce in EHLO: .invalid says plainly that we are a checker, not a sender."""


def parse_resolver(text: str) -> tuple[str, int]:
    """``1.1.1.1``, ``127.0.0.1:5353``, ``::1`` or ``[::1]:5353`` → (address, port)."""
    value = text.strip()
    port = 53
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        port = _port(port_text, text)
    else:
        host = value
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise NetworkConfigError(f"--resolver {text!r}: give an IP address, not a name") from None
    return host, port


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise NetworkConfigError(f"--resolver {whole!r}: the port must be 1-65535")
    return int(text)


class NetworkOptions(Protocol):
    """The parsed network options (`--resolver`, `--ca-file`, ports, `--timeout`, `--no-smtp`)."""

    resolver: list[str]
    ca_file: str | None
    https_port: int
    smtp_port: int
    timeout: float
    no_smtp: bool


def config_from_args(args: NetworkOptions) -> ProbeConfig:
    """The shared network options of `check` and the wizard. Raises NetworkConfigError."""
    if args.timeout <= 0:
        raise NetworkConfigError("--timeout must be more than 0 seconds")
    for name in ("https_port", "smtp_port"):
        if not 0 < getattr(args, name) < 65536:
            raise NetworkConfigError(f"--{name.replace('_', '-')} must be 1-65535")
    return ProbeConfig(
        resolvers=tuple(parse_resolver(r) for r in args.resolver),
        ca_file=args.ca_file,
        https_port=args.https_port,
        smtp_port=args.smtp_port,
        timeout=args.timeout,
        smtp=not args.no_smtp,
    )


def build_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Verification as a careful sender does it: chain, expiry, host name, TLS 1.2 or newer."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise NetworkConfigError(f"--ca-file {ca_file}: cannot load certificates ({exc})") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def diagnostic_ssl_context() -> ssl.SSLContext:
    """Accept anything, to read what a server offers after verification failed.

    Only used for a second look (TLS version, certificate names); never to trust.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    try:
        context.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:  # pragma: no cover - depends on the OpenSSL build
        pass
    return context


@dataclass
class Network:
    config: ProbeConfig
    resolver: dns.asyncresolver.Resolver
    ssl_context: ssl.SSLContext
    diagnostic_context: ssl.SSLContext = field(default_factory=diagnostic_ssl_context)

    @classmethod
    def from_config(cls, config: ProbeConfig) -> Network:
        import dns.asyncresolver
        import dns.flags
        import dns.nameserver
        import dns.resolver

        if config.resolvers:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(host, port) for host, port in config.resolvers
            ]
        else:
            try:
                resolver = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration as exc:
                raise NetworkConfigError(
                    "no system DNS resolver is configured; pass --resolver IP"
                ) from exc
        resolver.cache = None  # every inspection sees the live state
        # The DO bit asks for DNSSEC: a validating resolver then reports AD on validated answers.
        resolver.use_edns(0, dns.flags.DO, 1232)
        resolver.timeout = min(config.timeout, 3.0)
        resolver.lifetime = config.timeout
        return cls(config, resolver, build_ssl_context(config.ca_file))


class Deadline:
    """The whole-run bound: each step gets the lesser of its own timeout and what is left."""

    def __init__(self, seconds: float) -> None:
        self.step = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def for_step(self) -> float:
        return max(0.01, min(self.step, self.remaining()))
