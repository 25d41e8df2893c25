"""The mx pattern rule (RFC 8461 §3.2 and §4.1), in one place.

A pattern is a host name or ``*.`` followed by a host name. The wildcard stands for exactly one
whole left-most label: ``*.example.com`` matches ``mail.example.com`` but neither ``example.com``
nor ``a.b.example.com``. Matching ignores case and a trailing dot on the MX host (DNS hands out
names such as ``MX1.Example.COM.``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import idna

from mtasts_tui.core.domain import ldh_problem, normalize_host
from mtasts_tui.core.findings import Finding, error, info, warning
from mtasts_tui.core.senders import MOX, TLSPOL, who
from mtasts_tui.core.text import quoted

if TYPE_CHECKING:
    # Only a type: the policy parser imports this module for its mx rule.
    from mtasts_tui.core.policy import Mode

_DIGITS_RE = re.compile(r"^[0-9]+\Z")


def mx_pattern_problem(pattern: str) -> str | None:
    """What makes ``pattern`` unusable as an mx value, or None when it is valid.

    Unusable means outside ``["*."] Domain`` of RFC 8461 §3.2 (RFC 5321 ``Domain``, A-labels
    only) or something no MX host name can ever be, such as an IP address.
    """
    if pattern == "":
        return "the mx value is empty"
    if not pattern.isascii():
        try:
            a_label = idna.encode(pattern.removeprefix("*."), uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return "it holds non-ASCII characters and is not a valid internationalised name"
        prefix = "*." if pattern.startswith("*.") else ""
        return f"internationalised names must be written as A-labels: use {prefix}{a_label}"
    if is_ip_pattern(pattern):
        return (
            f"it is an IP address; mx patterns name hosts and no MX host name can equal an "
            f"address ({who(TLSPOL, MOX)} reject the whole policy). Write the name of the MX "
            "host instead, e.g. mail.example.com"
        )
    if pattern.endswith("."):
        return (
            "it ends with a dot; policy patterns are written without the root dot "
            f"(the RFC grammar has none and {MOX} rejects the policy): use {pattern.rstrip('.')}"
        )
    body = pattern[2:] if pattern.startswith("*.") else pattern
    if "*" in body:
        return "a wildcard may only be the whole left-most label, as in *.example.com"
    problem = ldh_problem(body)
    if problem:
        return problem
    if pattern.startswith("*.") and len(body) > 251:
        return "no host name under it fits in 253 characters (the wildcard needs two more)"
    labels = body.split(".")
    for label in labels:
        if label[:4].lower() == "xn--" and not _decodes(label):
            return (
                f"the label {quoted(label)} starts with 'xn--' but is not a valid A-label (its "
                f"punycode does not decode to a valid internationalised name; {MOX} rejects "
                "the policy). Convert the name with an IDNA tool"
            )
    if _DIGITS_RE.match(labels[-1]):
        return (
            f"its last label {quoted(labels[-1])} is all digits; no top-level domain is (RFC 3696 "
            "§2), so no MX host can have this name"
        )
    return None


def mx_pattern_compat_problem(pattern: str) -> str | None:
    """What the RFC allows in a valid pattern but some sender rejects, or None."""
    if mx_pattern_problem(pattern) is not None:
        return None
    body = pattern[2:] if pattern.startswith("*.") else pattern
    for label in body.split("."):
        if label[2:4] == "--" and label[:4].lower() != "xn--":
            return (
                f"the label {quoted(label)} has '--' in its third and fourth characters, which "
                "IDNA reserves for A-labels (RFC 5891 §4.2.3.1). RFC 5321 allows the name, but "
                f"{MOX} rejects the whole policy"
            )
    return None


def is_ip_pattern(pattern: str) -> bool:
    """An IPv4 or IPv6 address, an address literal, or all-digit labels that read as one."""
    text = pattern.removesuffix(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
        text = text[5:] if text[:5].lower() == "ipv6:" else text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        body = text.removeprefix("*.")
        return bool(body) and all(_DIGITS_RE.match(label) for label in body.split("."))
    return True


def is_valid_mx_pattern(pattern: str) -> bool:
    return mx_pattern_problem(pattern) is None


def mx_pattern_findings(pattern: str) -> list[Finding]:
    """The findings for one mx value: policy-mx-ip, policy-mx-invalid or policy-compat."""
    problem = mx_pattern_problem(pattern)
    if problem is None:
        compat = mx_pattern_compat_problem(pattern)
        if compat is None:
            return []
        return [
            warning(
                "policy-compat",
                f"mx pattern {quoted(pattern)}: {compat}. Senders that reject the policy ignore "
                "MTA-STS for the domain; rename the host if you can.",
                subject=pattern,
            )
        ]
    code = "policy-mx-ip" if is_ip_pattern(pattern) else "policy-mx-invalid"
    return [
        error(
            code,
            f"mx pattern {quoted(pattern)} is invalid: {problem}. Senders cannot match MX "
            "hosts against it; write a host name or *. followed by a host name.",
            subject=pattern,
        )
    ]


def _decodes(label: str) -> bool:
    try:
        idna.decode(label.lower())
    except (idna.IDNAError, UnicodeError):
        return False
    return True


def mx_matches(pattern: str, host: str) -> bool:
    """True when the MX ``host`` is allowed by ``pattern`` (RFC 8461 §4.1)."""
    pat = pattern.lower()
    name = normalize_host(host)
    if not pat or not name:
        return False
    if pat.startswith("*."):
        suffix = pat[1:]  # ".example.com"
        if not name.endswith(suffix):
            return False
        first = name[: -len(suffix)]
        return bool(first) and "." not in first
    return name == pat


def covering_patterns(patterns: Iterable[str], host: str) -> list[str]:
    """The patterns that allow ``host``, in policy order."""
    return [p for p in patterns if mx_matches(p, host)]


def coverage(patterns: Sequence[str], hosts: Iterable[str]) -> dict[str, list[str]]:
    """For each host (as given), the patterns that cover it; an empty list means uncovered."""
    return {host: covering_patterns(patterns, host) for host in hosts}


def coverage_findings(patterns: Sequence[str], hosts: Sequence[str], mode: Mode) -> list[Finding]:
    """Compare the policy's patterns with the domain's real MX hosts.

    An uncovered MX is an error in enforce (senders refuse it), a warning in testing (the reports
    will show failures and enforce would refuse it), and information in none.
    """
    findings: list[Finding] = []
    if not hosts:
        return findings
    valid_patterns = [p for p in patterns if is_valid_mx_pattern(p)]
    for host in hosts:
        if covering_patterns(valid_patterns, host):
            continue
        shown = normalize_host(host)
        if mode == "enforce":
            findings.append(
                error(
                    "mx-not-covered",
                    f"MX {shown} matches no mx pattern: senders that honour MTA-STS will refuse to "
                    f"deliver to it. Add 'mx: {shown}' (or a *. pattern for its parent) or remove "
                    "the MX record.",
                    subject=shown,
                )
            )
        elif mode == "testing":
            findings.append(
                warning(
                    "mx-not-covered",
                    f"MX {shown} matches no mx pattern: mail to it would be refused in enforce "
                    f"mode, and testing-mode reports will show failures. Add 'mx: {shown}' before "
                    "you enforce.",
                    subject=shown,
                )
            )
        else:
            findings.append(
                info(
                    "mx-not-covered",
                    f"MX {shown} matches no mx pattern (no effect while mode is none).",
                    subject=shown,
                )
            )
    for pattern in valid_patterns:
        if not any(mx_matches(pattern, host) for host in hosts):
            findings.append(
                warning(
                    "policy-mx-unused",
                    f"mx pattern {pattern} matches none of the domain's current MX hosts. Remove "
                    "it if that host no longer receives mail, so the policy says what is true.",
                    subject=pattern,
                )
            )
    return findings
