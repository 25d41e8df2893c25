"""Can each TLS-RPT ``rua`` destination receive reports? The judgement of what the rua probe saw.

Pure: ``probe/rua.py`` looks (MX or address records of a ``mailto:`` domain, a TLS answer from an
``https:`` endpoint) and fills in :class:`RuaProbe`; :func:`rua_findings` turns that into findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, info, warning

RuaScheme = Literal["mailto", "https"]


@dataclass(frozen=True, slots=True)
class RuaTarget:
    """Where one destination delivers to."""

    uri: str
    """The destination as written in the record."""
    scheme: RuaScheme
    host: str
    """The mail domain (``mailto:``) or web host (``https:``), lower-case, no trailing dot."""
    port: int | None = None
    """An explicit ``https:`` port; None for the default."""


def rua_target(uri: str) -> RuaTarget | None:
    """The mail domain or web host of a usable ``mailto:``/``https:`` URI; None otherwise."""
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not sep:
        return None
    if scheme == "mailto":
        address = unquote(rest.split("?", 1)[0])
        _local, at, domain = address.rpartition("@")
        domain = normalize_host(domain)
        return RuaTarget(uri, "mailto", domain) if at and domain else None
    if scheme == "https":
        try:
            parts = urlsplit(uri)
            port = parts.port
        except ValueError:
            return None
        host = normalize_host(parts.hostname or "")
        return RuaTarget(uri, "https", host, port) if host else None
    return None


@dataclass(frozen=True, slots=True)
class RuaProbe:
    """What the probe saw for one destination."""

    target: RuaTarget
    deliverable: bool | None
    """True: it can receive reports; False: it cannot; None: the probe could not tell."""
    detail: str
    """In words: the MX hosts found, the null MX, the HTTP answer or the TLS problem."""


def is_same_domain(mail_domain: str, policy_domain: str) -> bool:
    """True when ``mail_domain`` is the policy domain or a name under it."""
    d = normalize_host(policy_domain)
    m = normalize_host(mail_domain)
    return m == d or m.endswith("." + d)


def rua_findings(domain: str, probes: tuple[RuaProbe, ...]) -> list[Finding]:
    """``tlsrpt-rua-undeliverable`` (warning) and ``tlsrpt-rua-same-domain`` (info) findings."""
    out: list[Finding] = []
    for probe in probes:
        target = probe.target
        if probe.deliverable is False:
            what = "mailbox" if target.scheme == "mailto" else "endpoint"
            out.append(
                warning(
                    "tlsrpt-rua-undeliverable",
                    f"The TLS-RPT destination {target.uri} cannot receive reports: "
                    f"{probe.detail}. Reporters will drop the reports for that {what}; fix it "
                    "or list a destination that works.",
                    target.uri,
                )
            )
        if target.scheme == "mailto" and is_same_domain(target.host, domain):
            out.append(
                info(
                    "tlsrpt-rua-same-domain",
                    f"Reports go to a mailbox under {domain} itself ({target.uri}). When mail to "
                    f"{domain} fails TLS, the reports about that failure may not arrive either: "
                    "add a destination on another domain or an https: endpoint.",
                    target.uri,
                )
            )
    return out
