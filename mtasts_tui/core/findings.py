"""Findings: what every rule reports instead of raising.

A finding's ``code`` is a stable contract (scripts match on it), registered with its area,
default severity and meaning in ``core/codes.REGISTRY``; its ``message`` is for people and says
what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from mtasts_tui.core.codes import REGISTRY, Severity

__all__ = [
    "REGISTRY",
    "Finding",
    "FindingJson",
    "FindingKeys",
    "Severity",
    "error",
    "has_errors",
    "info",
    "sort_findings",
    "warning",
]

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class FindingKeys(TypedDict):
    """The keys every finding has, in every command's output (a contract)."""

    severity: str
    code: str
    message: str


class FindingJson(FindingKeys, total=False):
    """The one JSON shape of a finding: ``FindingKeys`` always, the others where documented.

    ``subject`` in ``reports --json`` (the file or member a problem is about) and in drift
    findings; ``was``, ``now`` and ``first_seen`` in drift findings (``check --baseline``,
    ``watch``); ``at`` in ``history`` timelines and ``watch`` changes.
    """

    subject: str | None
    was: str | None
    now: str | None
    first_seen: str
    at: str


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    """error: senders will not apply it as meant; warning: works but risky; info: context."""
    code: str
    """Stable machine-readable identifier, e.g. ``policy-mx-invalid``."""
    message: str
    """Plain-English explanation that says what to do."""
    subject: str | None = None
    """What the finding is about (a line, a host, a pattern), when there is one."""

    def to_json(self, *, subject: bool = False) -> FindingJson:
        """The ``FindingJson`` shape: ``severity``, ``code`` and ``message`` (what ``lint`` and
        ``check`` promise), plus ``subject`` (possibly null) when asked for."""
        out: FindingJson = {"severity": self.severity, "code": self.code, "message": self.message}
        if subject:
            out["subject"] = self.subject
        return out


def error(code: str, message: str, subject: str | None = None) -> Finding:
    return Finding("error", code, message, subject)


def warning(code: str, message: str, subject: str | None = None) -> Finding:
    return Finding("warning", code, message, subject)


def info(code: str, message: str, subject: str | None = None) -> Finding:
    return Finding("info", code, message, subject)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
