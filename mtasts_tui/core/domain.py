"""Domain names as people type them: IDN, uppercase, a trailing dot.

One rule for "is this a host name" (RFC 5321 ``Domain``: LDH labels of 1-63 octets, at most 253
octets in all), shared by the domain input, the mx patterns and the export's file names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import idna

from mtasts_tui.core.text import clip, quoted

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z", re.IGNORECASE)
_ALL_DIGITS_AND_DOTS = re.compile(r"^[0-9.]+\Z")


@dataclass(frozen=True, slots=True)
class DomainName:
    ascii: str
    """A-label (punycode) form, lowercase, without a trailing dot: what DNS and files use."""
    unicode: str
    """U-label form for display; equal to ``ascii`` for plain ASCII names."""

    @property
    def is_idn(self) -> bool:
        return self.ascii != self.unicode

    def display(self) -> str:
        """``bücher.example (xn--bcher-kva.example)`` for IDNs, the plain name otherwise."""
        return f"{self.unicode} ({self.ascii})" if self.is_idn else self.ascii


def ldh_problem(name: str) -> str | None:
    """Why an ASCII name is not an RFC 5321 host name, or None when it is one."""
    if not name:
        return "the name is empty"
    if len(name) > 253:
        return "the name is longer than 253 characters"
    for label in name.split("."):
        if not label:
            return "the name has an empty label (two dots in a row, or a leading dot)"
        if len(label) > 63:
            return f"the label {label[:20]}… is longer than 63 characters"
        if not _LABEL_RE.match(label):
            return (
                f"the label {quoted(label)} may only hold letters, digits and inner hyphens"
                if label.isascii()
                else f"the label {quoted(label)} is not ASCII"
            )
    return None


NAME_LIMIT = 253
"""Characters in a DNS name, without the trailing dot (RFC 1035: 255 octets on the wire)."""

MTA_STS_PREFIXES = ("_mta-sts.", "mta-sts.")
"""The names MTA-STS itself needs under a policy domain (RFC 8461 3.1 and 3.2)."""
TLSRPT_PREFIX = "_smtp._tls."
"""The TLS-RPT record's name under the domain (RFC 8460 3)."""


def prefixes_too_long(domain: str, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The ``prefixes`` whose ``prefix + domain`` name DNS cannot hold.

    A domain of 243 to 253 characters is a valid mail domain, yet ``_smtp._tls.<domain>`` (from
    243) and ``_mta-sts.<domain>`` (from 245) are longer than a DNS name may be, so those records
    can never be published.
    """
    return tuple(p for p in prefixes if len(p) + len(domain) > NAME_LIMIT)


def is_hostname(name: str) -> bool:
    return ldh_problem(name) is None


def parse_domain(text: str, *, min_labels: int = 2) -> DomainName | str:
    """Normalise what a person typed into a domain, or return a message saying what is wrong.

    Case is folded, one trailing dot is dropped, and Unicode names are converted to their A-label
    (IDNA 2008 with UTS 46 mapping), so ``Bücher.Example.`` and ``xn--bcher-kva.example`` are the
    same domain.
    """
    raw = text.strip()
    if not raw:
        return "Enter a domain name, e.g. example.com."
    if any(ch in raw for ch in "/\\:@ \t") or ".." in raw:
        return (
            f"{quoted(raw)} is not a domain name: leave out URLs, paths, ports and e-mail "
            "addresses."
        )
    if raw.endswith("."):
        raw = raw[:-1]
    if raw.startswith("."):
        return f"{quoted(text.strip())} starts with a dot; write the domain without it."
    if raw.isascii():
        ascii_name = raw.lower()
        labels_to_check = ascii_name.split(".")
        if any(label.startswith("xn--") for label in labels_to_check):
            try:
                unicode_name = idna.decode(ascii_name)
            except idna.IDNAError as exc:
                return f"{quoted(raw)} has an invalid punycode label: {clip(str(exc))}."
        else:
            unicode_name = ascii_name
    else:
        try:
            ascii_name = idna.encode(raw, uts46=True).decode("ascii")
            unicode_name = idna.decode(ascii_name)
        except (idna.IDNAError, UnicodeError) as exc:
            return f"{quoted(raw)} is not a valid internationalised domain name: {clip(str(exc))}."
    problem = ldh_problem(ascii_name)
    if problem:
        return f"{quoted(raw)} is not a valid host name: {problem}."
    if _ALL_DIGITS_AND_DOTS.match(ascii_name):
        return f"{quoted(raw)} is an IP address; MTA-STS applies to domain names."
    if ascii_name.count(".") + 1 < min_labels:
        return f"{quoted(raw)} is a single label; enter the full mail domain, e.g. example.com."
    return DomainName(ascii=ascii_name, unicode=unicode_name)


def normalize_host(host: str) -> str:
    """Compare form of a host name from DNS or a pattern: lowercase, no trailing dot."""
    host = host.strip()
    if host.endswith("."):
        host = host[:-1]
    return host.lower()
