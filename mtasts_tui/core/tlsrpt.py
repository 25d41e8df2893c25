"""The `_smtp._tls` TLS-RPT record (RFC 8460 §3) and its report destinations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mtasts_tui.core.domain import is_hostname
from mtasts_tui.core.findings import Finding, error, has_errors, warning
from mtasts_tui.core.senders import MOX
from mtasts_tui.core.text import quoted
from mtasts_tui.core.txtrecord import (
    TxtRecord,
    case_hint,
    discover,
    parse_fields,
    strictly_prefixed,
)

TLSRPT_VERSION = "v=TLSRPTv1"

_LOCAL_PART_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.%-]+\Z")
_URI_CHARS_RE = re.compile(r"^[\x21-\x7e]+\Z")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*\Z")
_NOT_IN_URI = '"<>\\^`{|}'
"""Printable ASCII that RFC 3986 never allows unencoded."""
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def rua_syntax_problem(uri: str) -> str | None:
    """Why ``uri`` is outside the RFC 8460 ``tlsrpt-uri`` grammar, or None.

    Such a destination makes the whole record syntactically invalid, so strict reporters
    (mox) ignore every destination in it, not just this one.
    """
    if not uri:
        return "the destination is empty (a ',' with nothing before or after it)"
    if not _URI_CHARS_RE.match(uri):
        return "a URI may not hold blanks, control or non-ASCII characters (percent-encode them)"
    if any(ch in uri for ch in ",;!"):
        return "',', ';' and '!' must be percent-encoded inside a destination"
    if any(ch in uri for ch in _NOT_IN_URI):
        return (
            'it holds a character URIs never contain (one of " < > \\ ^ ` { | }); percent-encode it'
        )
    if _BAD_PERCENT_RE.search(uri):
        return "a '%' must start a percent-encoding such as %2C (two hex digits)"
    scheme, sep, _rest = uri.partition(":")
    if not sep or not _SCHEME_RE.match(scheme):
        return "it has no scheme; write mailto:reports@example.com or https://..."
    return None


def rua_problem(uri: str) -> str | None:
    """Why ``uri`` cannot receive reports, or None for a usable mailto: or https: URI."""
    syntax = rua_syntax_problem(uri)
    if syntax:
        return syntax
    scheme, _sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if scheme == "mailto":
        address = rest.split("?", 1)[0]
        local, at, domain = address.rpartition("@")
        if not at or not local or not _LOCAL_PART_RE.match(local):
            return "a mailto: destination needs an address such as mailto:tlsrpt@example.com"
        if not is_hostname(domain.rstrip(".")) or "." not in domain:
            return f"{quoted(domain)} is not a valid mail domain"
        return None
    if scheme == "https":
        parts = urlsplit(uri)
        host = parts.hostname or ""
        if not parts.netloc or not host:
            return "an https: destination needs a host, e.g. https://reports.example.com/tlsrpt"
        if not is_hostname(host.rstrip(".")):
            return f"{quoted(host)} is not a valid host name"
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return "the port is not a number"
        return None
    return f"the {quoted(scheme)} scheme is not supported; reporters accept only mailto: and https:"


def is_valid_rua(uri: str) -> bool:
    return rua_problem(uri) is None


def split_rua(value: str) -> list[str]:
    """``a, b`` → [a, b]: destinations are comma separated with optional blanks around commas."""
    return [part.strip(" \t") for part in value.split(",")]


@dataclass(frozen=True, slots=True)
class TlsRptCheck:
    valid: bool
    """True when reporters find exactly one well-formed record with a usable destination."""
    rua: tuple[str, ...]
    """The usable destinations (mailto: and https:), in record order."""
    record: str | None
    """The selected record, strings joined; None when none begins with v=TLSRPTv1."""
    findings: tuple[Finding, ...] = field(default=())


def check_tlsrpt_records(records: Sequence[TxtRecord]) -> TlsRptCheck:
    """Apply the reporter's discovery rule to every TXT record at ``_smtp._tls.<domain>``."""
    candidates, near = discover(records, TLSRPT_VERSION)
    if not candidates:
        if near:
            finding = error(
                "tlsrpt-invalid",
                f"The TXT record {quoted(near)} looks like a TLS-RPT record but does not begin "
                "with exactly 'v=TLSRPTv1;', so reporters discard it. Publish "
                "'v=TLSRPTv1; rua=mailto:tlsrpt@<domain>'.",
                subject=near,
            )
        else:
            finding = warning(
                "tlsrpt-missing",
                "No _smtp._tls TXT record: senders will not report TLS failures to you, so you "
                "cannot tell whether enforce would block mail. Publish "
                "'v=TLSRPTv1; rua=mailto:tlsrpt@<domain>' before testing mode.",
            )
        return TlsRptCheck(valid=False, rua=(), record=None, findings=(finding,))
    if len(candidates) > 1:
        return TlsRptCheck(
            valid=False,
            rua=(),
            record=None,
            findings=(
                error(
                    "tlsrpt-multiple",
                    f"{len(candidates)} _smtp._tls TXT records begin with 'v=TLSRPTv1;'; "
                    "reporters then assume you do not want reports. Merge them into one record "
                    "with a comma-separated rua list.",
                ),
            ),
        )
    record = candidates[0]
    findings: list[Finding] = []
    parsed = parse_fields(
        record, TLSRPT_VERSION, value_checked=frozenset({"rua"}), strict_parsers=MOX
    )
    for problem in parsed.problems:
        findings.append(
            error(
                "tlsrpt-invalid",
                f"The _smtp._tls record is not valid: {problem}. Reporters ignore an invalid "
                "record.",
                subject=record,
            )
        )
    ruas = [value for name, value in parsed.fields if name == "rua"]
    usable: list[str] = []
    if not ruas:
        findings.append(
            error(
                "tlsrpt-invalid",
                "The _smtp._tls record has no rua field, so reporters have nowhere to send "
                "reports. Add '; rua=mailto:tlsrpt@<domain>'." + case_hint(parsed.fields, "rua"),
                subject=record,
            )
        )
    else:
        if len(ruas) > 1:
            findings.append(
                warning(
                    "tlsrpt-compat",
                    f"The record has {len(ruas)} rua fields. The grammar allows it, but "
                    f"reporters differ: {MOX} sends to every one, others may use only the first. "
                    "List all destinations in one rua, separated by commas.",
                    subject=record,
                )
            )
        findings.extend(_syntax_findings(record, ruas))
        bad: list[tuple[str, str]] = []
        for uri in split_rua(ruas[0]):
            uri_problem = rua_problem(uri)
            if uri_problem:
                bad.append((uri, uri_problem))
            else:
                usable.append(uri)
        for uri, why in bad:
            if rua_syntax_problem(uri):
                continue  # already an error for the whole record
            findings.append(
                Finding(
                    "error" if not usable else "warning",
                    "tlsrpt-invalid",
                    f"Report destination {quoted(uri)} is unusable: {why}."
                    + (
                        " No other destination is usable, so no reports will arrive."
                        if not usable
                        else " Reports still go to the other destinations."
                    ),
                    subject=uri,
                )
            )
    if not strictly_prefixed(record, TLSRPT_VERSION):
        findings.append(
            warning(
                "tlsrpt-compat",
                "The record has a blank before the first ';'. The RFC 8460 grammar allows it, "
                "but its own discovery rule keeps only records that begin with the literal "
                "'v=TLSRPTv1;', so a reporter that follows that sentence discards the record. "
                "Write 'v=TLSRPTv1;' without the blank.",
                subject=record,
            )
        )
    valid = not has_errors(findings)
    return TlsRptCheck(
        valid=valid,
        rua=tuple(usable) if valid else (),
        record=record,
        findings=tuple(findings),
    )


def _syntax_findings(record: str, ruas: Sequence[str]) -> list[Finding]:
    """Destinations outside the ``tlsrpt-uri`` grammar: the record itself is invalid."""
    findings: list[Finding] = []
    for value in ruas:
        for uri in split_rua(value):
            problem = rua_syntax_problem(uri)
            if problem:
                findings.append(
                    error(
                        "tlsrpt-invalid",
                        f"Report destination {quoted(uri)} breaks the RFC 8460 grammar: {problem}. "
                        f"{MOX} and other strict reporters then ignore the whole record, "
                        "so no reports arrive at any destination.",
                        subject=record,
                    )
                )
    return findings


def tlsrpt_record_value(rua: Sequence[str]) -> str:
    """The TXT value to publish at ``_smtp._tls.<domain>``."""
    return f"{TLSRPT_VERSION}; rua={','.join(rua)}"
