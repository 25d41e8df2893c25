"""Parse one RFC 8460 report (bytes or an already-decoded dict) into a :class:`ParsedReport`.

Pure: no I/O. Tolerant by design — real senders send ``mx-host`` as a string, counts as strings,
naive timestamps, ``contact-info: null``, BOMs. Each such bend becomes a warning Finding on the
report; only input that is not a report at all raises :class:`ReportParseError`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, info, warning
from mtasts_tui.reports.model import (
    KNOWN_POLICY_TYPES,
    NO_POLICY_FOUND,
    FailureDetail,
    ParsedReport,
    PolicyResult,
)

KNOWN_RESULT_TYPES = frozenset(
    {
        "starttls-not-supported",
        "certificate-host-mismatch",
        "certificate-expired",
        "certificate-not-trusted",
        "validation-failure",
        "tlsa-invalid",
        "dnssec-invalid",
        "dane-required",
        "sts-policy-fetch-error",
        "sts-policy-invalid",
        "sts-webpki-invalid",
    }
)

# Keys whose presence marks a JSON object as (an attempt at) a TLS-RPT report.
_REPORT_KEYS = ("policies", "report-id", "date-range", "organization-name")
# RFC 8460 §5.1 file name: sender!policy-domain!begin!end[!unique-id].json[.gz]
_FILENAME_RE = re.compile(r"^[^!/\\]+!([^!/\\]+)!\d+!\d+(?:![A-Za-z0-9]+)?\.json(?:\.gz)?$")
_MAX_TEXT = 4096  # longer remote strings are cut: they are shown, never interpreted

MAX_JSON_VALUES = 250_000
"""Most JSON values (roughly: commas plus opening brackets) one report may hold.

Bytes alone do not bound the work: 20 MiB of ``[{},{},…]`` is seven million objects. The text is
counted before it is parsed, so a report over this is refused at the cost of one scan."""
MAX_POLICIES = 1_000
"""Policies read from one report; the rest are dropped and counted."""
MAX_FAILURE_DETAILS = 1_000
"""failure-details read per policy; the rest are dropped and counted."""
MAX_LIST_ITEMS = 1_000
"""mx-host and policy-string entries read per policy; the rest are dropped and counted."""
MAX_COUNT = 10**12
"""Largest session count taken as sent; larger ones are clamped (no sender sees more)."""
_MAX_INT_DIGITS = 19
_HUGE: int = 10**_MAX_INT_DIGITS


class ReportParseError(ValueError):
    """The input is not a TLS-RPT report (not JSON, not an object, no report fields)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def domain_from_filename(name: str) -> str | None:
    """The policy domain from an RFC 8460 §5.1 file name, e.g. ``sndr!example.net!1!2.json.gz``."""
    base = re.split(r"[/\\]", name)[-1]
    m = _FILENAME_RE.match(base)
    return _norm_domain(m.group(1)) if m else None


def decode_json(data: bytes, source: str) -> tuple[Any, list[Finding]]:
    """JSON-decode report bytes, tolerating a BOM and surrounding whitespace."""
    notes: list[Finding] = []
    try:
        encoding = json.detect_encoding(data)
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReportParseError(_unreadable("not UTF-8 text", source)) from exc
    if text.startswith("\ufeff") or encoding == "utf-8-sig":
        notes.append(info("report-bom", "The report starts with a byte-order mark.", source))
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise ReportParseError(_unreadable("the file is empty", source))
    values = text.count(",") + text.count("{") + text.count("[")
    if values > MAX_JSON_VALUES:
        raise ReportParseError(
            _unreadable(
                f"the report holds more than {MAX_JSON_VALUES:,} JSON values (the limit)", source
            )
        )
    try:
        return json.loads(text, parse_int=_parse_int), notes
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ReportParseError(_unreadable(f"not valid JSON ({str(exc)[:200]})", source)) from exc


def _parse_int(digits: str) -> int:
    """JSON integers, without the cost (or the 4300-digit error) of converting huge ones.

    Anything longer than 19 digits is over :data:`MAX_COUNT` anyway and gets clamped later.
    """
    if len(digits) > _MAX_INT_DIGITS:
        return -_HUGE if digits.startswith("-") else _HUGE
    return int(digits)


def parse_report(
    data: bytes | Mapping[str, Any], source: str, *, domain_hint: str | None = None
) -> ParsedReport:
    """Parse one report. Raises only :class:`ReportParseError`, for input that is not a report.

    ``domain_hint`` (from the file name or the e-mail's ``TLS-Report-Domain``) fills in a missing
    ``policy-domain``, which real senders leave out for ``no-policy-found``.
    """
    notes: list[Finding] = []
    if isinstance(data, bytes | bytearray | memoryview):
        doc, notes = decode_json(bytes(data), source)
    else:
        doc = data
    if not isinstance(doc, Mapping):
        raise ReportParseError(
            _unreadable(f"the JSON is a {type(doc).__name__}, not a report object", source)
        )
    obj = _Obj(doc)
    if not any(obj.has(k) for k in _REPORT_KEYS):
        raise ReportParseError(
            _unreadable("the JSON has none of the RFC 8460 report fields", source)
        )
    ctx = _Ctx(source, notes)

    organization = ctx.text(obj.get("organization-name"), "organization-name")
    if organization is None:
        ctx.warn("report-organization-missing", "The report has no organization-name.")
    contact = ctx.text(obj.get("contact-info"), "contact-info")
    if contact is None:
        ctx.note("report-contact-missing", "The report has no contact-info.")
    report_id = ctx.text(obj.get("report-id"), "report-id")
    if report_id is None:
        ctx.warn(
            "report-id-missing",
            "The report has no report-id, so duplicates of it cannot be recognised.",
        )

    start = end = None
    date_range = obj.get("date-range")
    if isinstance(date_range, Mapping):
        dr = _Obj(date_range)
        start = ctx.timestamp(dr.get("start-datetime"), "start-datetime")
        end = ctx.timestamp(dr.get("end-datetime"), "end-datetime")
        if start is not None and end is not None and end < start:
            ctx.warn("report-date-range-reversed", "The report's end-datetime is before its start.")
    else:
        ctx.warn("report-date-range-missing", "The report has no date-range object.")

    raw_policies = obj.get("policies")
    items: list[Any]
    if isinstance(raw_policies, list):
        items = raw_policies
    elif isinstance(raw_policies, Mapping):
        ctx.warn("report-policies-not-array", "policies is an object, not an array (RFC 8460 §4).")
        items = [raw_policies]
    else:
        ctx.warn("report-policies-missing", "The report has no policies array.")
        items = []

    if len(items) > MAX_POLICIES:
        ctx.dropped["policies"] += len(items) - MAX_POLICIES
        items = items[:MAX_POLICIES]
    policies = [ctx.policy(p, i) for i, p in enumerate(items)]
    known_domains = {p.policy_domain for p in policies if p.policy_domain}
    fallback = domain_hint or (next(iter(known_domains)) if len(known_domains) == 1 else None)
    resolved: list[PolicyResult] = []
    for p in policies:
        if p.policy_domain is None:
            if p.policy_type != NO_POLICY_FOUND:
                ctx.warn("report-policy-domain-missing", "A policy has no policy-domain.")
            if fallback is not None:
                p = replace(p, policy_domain=fallback)
        resolved.append(p)
    ctx.report_dropped()

    return ParsedReport(
        source=source,
        organization=organization,
        contact=contact,
        report_id=report_id,
        start=start,
        end=end,
        policies=tuple(resolved),
        warnings=tuple(ctx.findings),
    )


def _unreadable(why: str, source: str) -> Finding:
    return warning("report-unreadable", f"Skipped: {why}.", source)


def _norm_key(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def _norm_domain(value: str) -> str | None:
    d = normalize_host(value)
    return d or None


class _Obj:
    """A JSON object looked up by RFC key, forgiving case, underscores and stray spaces."""

    def __init__(self, doc: Mapping[Any, Any]) -> None:
        self._doc = doc
        self._norm: dict[str, Any] | None = None

    def _normed(self) -> dict[str, Any]:
        if self._norm is None:
            self._norm = {_norm_key(k): v for k, v in self._doc.items() if isinstance(k, str)}
        return self._norm

    def has(self, key: str) -> bool:
        return key in self._doc or key in self._normed()

    def get(self, key: str) -> Any:
        if key in self._doc:
            return self._doc[key]
        return self._normed().get(key)


class _Ctx:
    """Collects the findings for one report while its parts are parsed."""

    def __init__(self, source: str, findings: list[Finding]) -> None:
        self.source = source
        self.findings = findings
        self._seen: set[str] = {f.code for f in findings}
        self.dropped: Counter[str] = Counter()
        """Entries past the caps, per kind (policies, failure-details, ...)."""

    def report_dropped(self) -> None:
        if not self.dropped:
            return
        parts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.dropped.items()))
        lost = (
            " Their session counts are not included."
            if self.dropped.get("policies")
            else " The policies' totals still count them."
        )
        self.warn(
            "report-entries-dropped",
            f"The report has more entries than are read: {parts} dropped (limits: "
            f"{MAX_POLICIES:,} policies, {MAX_FAILURE_DETAILS:,} failure-details and "
            f"{MAX_LIST_ITEMS:,} mx-host or policy-string entries per policy).{lost}",
        )

    def warn(self, code: str, message: str) -> None:
        # One finding per code per report: a 500-entry report with string counts says it once.
        if code not in self._seen:
            self._seen.add(code)
            self.findings.append(warning(code, message, self.source))

    def note(self, code: str, message: str) -> None:
        if code not in self._seen:
            self._seen.add(code)
            self.findings.append(info(code, message, self.source))

    def text(self, value: Any, name: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            s = value.strip()[:_MAX_TEXT]
            return s or None
        if isinstance(value, bool | int | float):
            self.warn("report-field-not-string", f"{name} is a {type(value).__name__}, not text.")
            return str(value)
        self.warn("report-field-not-string", f"{name} is a {type(value).__name__}, not text.")
        return None

    def strings(self, value: Any, name: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip()[:_MAX_TEXT],) if value.strip() else ()
        if isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                self.dropped[f"{name} entries"] += len(value) - MAX_LIST_ITEMS
                value = value[:MAX_LIST_ITEMS]
            out = [s for s in (self.text(v, name) for v in value) if s is not None]
            return tuple(out)
        self.warn("report-field-not-string", f"{name} is a {type(value).__name__}, not text.")
        return ()

    def hosts(self, value: Any, name: str) -> tuple[str, ...]:
        out: list[str] = []
        for h in self.strings(value, name):
            d = _norm_domain(h)
            if d is not None and d not in out:
                out.append(d)
        return tuple(out)

    def count(self, value: Any, name: str) -> int | None:
        """A session count; None when missing or unusable (the caller decides the fallback)."""
        if value is None:
            return None
        if isinstance(value, bool):
            self.warn("report-count-invalid", f"{name} is true/false, not a number; counted as 0.")
            return 0
        if isinstance(value, int):
            if value < 0:
                self.warn("report-count-invalid", f"{name} is negative; counted as 0.")
                return 0
            return self._clamp(value, name)
        if isinstance(value, float):
            if math.isfinite(value) and value >= 0 and value == int(value):
                self.warn("report-count-not-integer", f"{name} is written as a decimal number.")
                return self._clamp(int(value), name)
            self.warn("report-count-invalid", f"{name} is not a whole number; counted as 0.")
            return 0
        if isinstance(value, str):
            s = value.strip()
            if s.isascii() and s.isdigit():
                self.warn("report-count-string", f"{name} is a string, not a JSON number.")
                return self._clamp(int(s) if len(s) <= _MAX_INT_DIGITS else MAX_COUNT + 1, name)
        self.warn("report-count-invalid", f"{name} is not a number; counted as 0.")
        return 0

    def _clamp(self, value: int, name: str) -> int:
        if value > MAX_COUNT:
            self.warn(
                "report-count-clamped",
                f"{name} is larger than {MAX_COUNT:,}; counted as {MAX_COUNT:,}.",
            )
            return MAX_COUNT
        return value

    def timestamp(self, value: Any, name: str) -> datetime | None:
        try:
            return self._timestamp(value, name)
        except (OverflowError, ValueError, OSError):
            # e.g. 9999-12-31T23:00:00-05:00 is past datetime.max once converted to UTC
            self.warn("report-date-invalid", f"{name} is out of range; ignored.")
            return None

    def _timestamp(self, value: Any, name: str) -> datetime | None:
        if value is None:
            self.warn("report-date-missing", f"The report has no {name}.")
            return None
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 <= value < 253402300800
        ):
            self.warn("report-date-epoch", f"{name} is a Unix time, not RFC 3339 text.")
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            s = value.strip().upper()
            if s.endswith("Z"):
                s = s[:-1] + "+00:00"
            try:
                dt = datetime.fromisoformat(s)
            except ValueError:
                pass
            else:
                if dt.tzinfo is None or dt.utcoffset() is None:
                    self.warn(
                        "report-date-no-timezone",
                        f"{name} has no time zone; assumed UTC (RFC 3339 requires one).",
                    )
                    return dt.replace(tzinfo=UTC)
                return dt.astimezone(UTC)
        self.warn("report-date-invalid", f"{name} is not an RFC 3339 date-time; ignored.")
        return None

    def policy(self, raw: Any, index: int) -> PolicyResult:
        if not isinstance(raw, Mapping):
            self.warn("report-policy-invalid", f"policies[{index}] is not an object; skipped.")
            return PolicyResult("unknown", None, (), (), 0, 0, ())
        entry = _Obj(raw)
        pol_raw = entry.get("policy")
        pol = _Obj(pol_raw if isinstance(pol_raw, Mapping) else {})
        if not isinstance(pol_raw, Mapping):
            self.warn("report-policy-missing", "A policies entry has no policy object.")

        ptype = (self.text(pol.get("policy-type"), "policy-type") or "").lower()
        if not ptype:
            self.warn("report-policy-type-missing", "A policy has no policy-type.")
            ptype = "unknown"
        elif ptype not in KNOWN_POLICY_TYPES:
            self.warn("report-policy-type-unknown", f"Unknown policy-type {ptype!r}; kept.")

        domain_text = self.text(pol.get("policy-domain"), "policy-domain")
        domain = _norm_domain(domain_text) if domain_text else None
        mx_value = pol.get("mx-host")
        if mx_value is None:
            mx_value = pol.get("mx-host-pattern")
        mx_hosts = self.hosts(mx_value, "mx-host")
        policy_strings = self.strings(pol.get("policy-string"), "policy-string")

        summary_raw = entry.get("summary")
        summary = _Obj(summary_raw if isinstance(summary_raw, Mapping) else {})
        if not isinstance(summary_raw, Mapping):
            self.warn("report-summary-missing", "A policy has no summary object; counts are 0.")

        details_raw = entry.get("failure-details")
        if details_raw is None:
            details_raw = []
        elif isinstance(details_raw, Mapping):
            details_raw = [details_raw]
        elif not isinstance(details_raw, list):
            self.warn("report-failure-details-invalid", "failure-details is not an array.")
            details_raw = []
        if len(details_raw) > MAX_FAILURE_DETAILS:
            self.dropped["failure-details"] += len(details_raw) - MAX_FAILURE_DETAILS
            details_raw = details_raw[:MAX_FAILURE_DETAILS]
        details = tuple(d for d in (self.detail(d) for d in details_raw) if d is not None)
        details_sum = sum(d.failed_session_count for d in details)

        successful = self.count(
            summary.get("total-successful-session-count"), "total-successful-session-count"
        )
        if successful is None:
            self.warn(
                "report-count-missing",
                "total-successful-session-count is missing; counted as 0.",
            )
            successful = 0
        failed = self.count(
            summary.get("total-failure-session-count"), "total-failure-session-count"
        )
        if failed is None:
            self.warn(
                "report-count-missing",
                "total-failure-session-count is missing; the failure-details counts are used.",
            )
            failed = details_sum
        elif failed == 0 and details_sum > 0:
            self.warn(
                "report-counts-inconsistent",
                "total-failure-session-count is 0 but failure-details list failures; "
                "the failure-details counts are used.",
            )
            failed = details_sum
        return PolicyResult(ptype, domain, policy_strings, mx_hosts, successful, failed, details)

    def detail(self, raw: Any) -> FailureDetail | None:
        if not isinstance(raw, Mapping):
            self.warn("report-failure-detail-invalid", "A failure-details entry is not an object.")
            return None
        d = _Obj(raw)
        rtype = (self.text(d.get("result-type"), "result-type") or "").lower()
        if not rtype:
            self.warn("report-result-type-missing", "A failure-details entry has no result-type.")
            rtype = "unspecified"
        elif rtype not in KNOWN_RESULT_TYPES:
            self.note(
                "report-result-type-unknown",
                f"Result type {rtype!r} is not in RFC 8460 §4.3; it is kept and counted.",
            )
        mx_value = d.get("receiving-mx-hostname")
        if mx_value is None:
            mx_value = d.get("mx-host")
        mx_hosts = self.hosts(mx_value, "receiving-mx-hostname")
        count = self.count(d.get("failed-session-count"), "failed-session-count")
        if count is None:
            self.warn("report-count-missing", "failed-session-count is missing; counted as 0.")
            count = 0
        return FailureDetail(
            result_type=rtype,
            sending_mta_ip=self.text(d.get("sending-mta-ip"), "sending-mta-ip"),
            receiving_mx_hostname=mx_hosts[0] if mx_hosts else None,
            receiving_ip=self.text(d.get("receiving-ip"), "receiving-ip"),
            failed_session_count=count,
            additional_information=self.text(
                d.get("additional-information"), "additional-information"
            ),
            failure_reason_code=self.text(d.get("failure-reason-code"), "failure-reason-code"),
            receiving_mx_helo=self.text(d.get("receiving-mx-helo"), "receiving-mx-helo"),
        )
