"""Turn summaries and verdicts into plain text and JSON-ready dicts.

Pure: returns strings and dicts; printing is the command's job. Every remote string (organisation
names, hostnames, result types, report ids, file names) goes through :func:`clean` before it is
shown, so a report cannot smuggle terminal escape sequences onto the screen. JSON output needs no
such care: ``json.dumps`` escapes control characters itself.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from mtasts_tui.core.findings import Finding, FindingJson
from mtasts_tui.core.text import one_line
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.summary import DomainSummary
from mtasts_tui.reports.verdict import Verdict

BAR_WIDTH = 24
FULL = "█"
FAIL = "░"
TOP_N = 10
WRAP = 96


def clean(text: object) -> str:
    """Printable form of untrusted text on one line: ``core.text.one_line``, the one escaper."""
    return one_line(str(text))


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix."""
    if dt is None:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ratio_text(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.1f} %"


def finding_to_json(finding: Finding) -> FindingJson:
    """A problem or warning as ``{severity, code, message, subject}`` (subject may be null):
    ``reports --json`` promises ``subject``, which names the file, member or attachment."""
    return finding.to_json(subject=True)


def report_to_json(report: ParsedReport, *, duplicate: bool) -> dict[str, Any]:
    """One entry of the ``reports`` array of ``reports --json``."""
    policies = []
    for p in report.policies:
        by_type: dict[str, int] = {}
        for d in p.failure_details:
            by_type[d.result_type] = by_type.get(d.result_type, 0) + d.failed_session_count
        policies.append(
            {
                "policy_type": p.policy_type,
                "policy_domain": p.policy_domain,
                "successful": p.successful,
                "failed": p.failed,
                "failures_by_result_type": by_type,
            }
        )
    return {
        "file": report.source,
        "organization": report.organization,
        "report_id": report.report_id,
        "start": iso(report.start),
        "end": iso(report.end),
        "duplicate": duplicate,
        "warnings": [finding_to_json(w) for w in report.warnings],
        "policies": policies,
    }


def domain_to_json(summary: DomainSummary, verdict: Verdict) -> dict[str, Any]:
    """One value of the ``domains`` object of ``reports --json``."""
    ratio = summary.success_ratio
    return {
        "successful": summary.successful,
        "failed": summary.failed,
        "success_ratio": None if ratio is None else round(ratio, 6),
        "days": {
            d.day.isoformat(): {"successful": d.successful, "failed": d.failed}
            for d in summary.days
        },
        "failures_by_result_type": summary.failures_by_result_type,
        "failures_by_mx": summary.failures_by_mx,
        "failures_by_organization": summary.failures_by_organization,
        "verdict": verdict.to_json(),
    }


def bar(successful: int, failed: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A bar as long as the day's sessions (relative to ``largest``): █ successful, ░ failed."""
    total = successful + failed
    if total <= 0 or largest <= 0:
        return ""
    cells = max(1, round(total / largest * width))
    bad = round(failed / total * cells)
    if failed and not bad:
        bad = 1  # a single failure must stay visible
    if bad == cells and successful:
        bad = cells - 1 if cells > 1 else cells
    return FULL * (cells - bad) + FAIL * bad


def _ranked_lines(title: str, counts: Mapping[str, int]) -> list[str]:
    if not counts:
        return []
    lines = [f"  {title}:"]
    items = list(counts.items())
    width = max(len(clean(k)) for k, _ in items[:TOP_N])
    for key, n in items[:TOP_N]:
        lines.append(f"    {clean(key):<{width}}  {n:>10,}")
    if len(items) > TOP_N:
        rest = sum(n for _, n in items[TOP_N:])
        lines.append(f"    … and {len(items) - TOP_N} more ({rest:,} sessions)")
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WRAP, initial_indent=indent, subsequent_indent=indent) or [indent]


def domain_text(summary: DomainSummary, verdict: Verdict) -> list[str]:
    """The human section for one domain: day table with bars, breakdowns, verdict and fixes."""
    name = clean(summary.domain)
    lines = [name, "=" * min(len(name), WRAP)]
    lines.append(
        f"{summary.successful:,} successful, {summary.failed:,} failed sessions, "
        f"{ratio_text(summary.success_ratio)} successful; "
        f"{summary.days_covered} day(s), {summary.reports:,} report(s)."
    )
    if summary.days:
        largest = max(d.successful + d.failed for d in summary.days)
        lines.append("")
        lines.append(f"  {'Day':<10}  {'Successful':>12}  {'Failed':>10}  {'Success':>8}")
        for d in summary.days:
            total = d.successful + d.failed
            ratio = d.successful / total if total else None
            lines.append(
                f"  {d.day.isoformat():<10}  {d.successful:>12,}  {d.failed:>10,}  "
                f"{ratio_text(ratio):>8}  {bar(d.successful, d.failed, largest)}"
            )
        lines.append(f"  ({FULL} successful, {FAIL} failed; bar length = sessions that day)")
    breakdowns = [
        *_ranked_lines("Failures by result type", summary.failures_by_result_type),
        *_ranked_lines("Failures by receiving MX", summary.failures_by_mx),
        *_ranked_lines("Failures by sending organisation", summary.failures_by_organization),
    ]
    if breakdowns:
        lines.append("")
        lines.extend(breakdowns)
    lines.append("")
    headline = {
        "safe": "safe to enforce",
        "sts-failures": "NOT safe to enforce",
        "no-sts-data": "not enough data",
        "no-data": "not enough data",
    }[verdict.status]
    lines.append(f"  Verdict: {headline}")
    lines.extend(_wrap(verdict.message, "    "))
    for cause in verdict.causes:
        hosts = ", ".join(clean(h) for h in cause.mx_hosts[:5])
        if len(cause.mx_hosts) > 5:
            hosts += f", … ({len(cause.mx_hosts) - 5} more)"
        effect = "blocks mail" if cause.blocks_mail else "policy not applied"
        lines.append(
            f"    - {clean(cause.result_type)}: {cause.count:,} session(s), {effect}"
            + (f", on {hosts}" if hosts else "")
        )
        lines.extend(_wrap("Fix: " + clean(cause.fix), "        "))
    return lines


def problems_text(problems: Iterable[Finding]) -> list[str]:
    lines: list[str] = []
    for f in problems:
        where = f"{clean(f.subject)}: " if f.subject else ""
        lines.append(f"  {f.severity} {f.code}: {where}{clean(f.message)}")
    return lines
