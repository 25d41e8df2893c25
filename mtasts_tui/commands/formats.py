"""Output formats for `check` and `watch`: text, json, csv, junit, markdown.

``check`` writes every domain; ``watch`` writes only what changed (JUnit lists every domain, so a
CI run shows each as a test case). json and csv stream line by line; junit and markdown keep one
small summary per domain and write the document at the end.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from mtasts_tui.commands.monitor import Outcome
from mtasts_tui.commands.output import write_json
from mtasts_tui.core.drift import DriftFinding
from mtasts_tui.core.text import one_line, printable

Command = Literal["check", "watch"]

_MARK = {"error": "✗ error  ", "warning": "! warning", "info": "· info   "}
_XML_UNSAFE = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")

CHECK_CSV = ["domain", "checked_at", "enforce_ready", "verdict", "mode", "errors", "warnings"]
CHECK_CSV += ["infos", "codes", "drift"]
WATCH_CSV = ["domain", "checked_at", "severity", "code", "was", "now", "first_seen", "message"]


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in _list(data.get("findings")) if isinstance(f, dict)]


def _count(data: dict[str, Any], severity: str) -> int:
    return sum(1 for f in _findings(data) if f.get("severity") == severity)


def _failed(outcome: Outcome, command: Command) -> bool:
    """A test failure: errors now (check), or something got worse (watch)."""
    if command == "watch":
        return outcome.worse
    return _count(outcome.data, "error") > 0 or any(d.severity == "error" for d in outcome.drift)


def _ready(data: dict[str, Any]) -> str:
    ready = data.get("enforce_ready")
    return "yes" if ready is True else ("no" if ready is False else "unknown")


def md(text: object) -> str:
    """Remote text as inert Markdown: one line, every markup character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(str(text)))


def xml_text(text: object) -> str:
    return _XML_UNSAFE.sub("?", printable(str(text)))


@dataclass
class _Row:
    outcome: Outcome


class Report:
    """Writes outcomes in one format; call :meth:`close` once at the end."""

    def __init__(self, fmt: str, out: TextIO, command: Command) -> None:
        self.fmt = fmt
        self.out = out
        self.command = command
        self._rows: list[_Row] = []
        self._csv: Any = None

    def changed(self, outcome: Outcome) -> bool:
        return bool(changes(outcome))

    def add(self, outcome: Outcome, human: Callable[[], None] | None = None) -> None:
        if self.fmt in ("junit", "markdown"):
            self._rows.append(_Row(outcome))
            return
        if self.command == "watch" and not self.changed(outcome):
            return
        getattr(self, f"_add_{self.fmt}")(outcome, human)
        self.out.flush()

    def close(self) -> None:
        if self.fmt == "junit":
            self._write_junit()
        elif self.fmt == "markdown":
            self._write_markdown()
        self.out.flush()

    # -- streaming formats

    def _add_text(self, outcome: Outcome, human: Callable[[], None] | None) -> None:
        if self.command == "check" and human is not None:
            human()
            if outcome.drift:
                self.out.write("   changed since the baseline:\n")
                for d in outcome.drift:
                    self.out.write(_drift_line(d, "   "))
            return
        name = one_line(outcome.domain)
        for c in changes(outcome):
            self.out.write(f"{name}: {_MARK[c.severity]} [{c.code}] {one_line(c.message)}\n")

    def _add_json(self, outcome: Outcome, _human: object) -> None:
        if self.command == "check":
            write_json(self.out, outcome.data, compact=True)
            return
        write_json(
            self.out,
            {
                "domain": outcome.domain,
                "checked_at": outcome.data.get("checked_at"),
                "first_check": outcome.first,
                "got_worse": outcome.worse,
                "enforce_ready": outcome.data.get("enforce_ready"),
                "verdict": outcome.data.get("verdict"),
                "check_failed": outcome.failed,
                "drift": [d.to_json() for d in outcome.drift],
                "changes": [c.to_json() for c in outcome.changes],
            },
            compact=True,
        )

    def _writer(self, header: list[str]) -> Any:
        if self._csv is None:
            self._csv = csv.writer(self.out, lineterminator="\n")
            self._csv.writerow(header)
        return self._csv

    def _add_csv(self, outcome: Outcome, _human: object) -> None:
        data = outcome.data
        if self.command == "check":
            policy = data.get("policy") if isinstance(data.get("policy"), dict) else {}
            self._writer(CHECK_CSV).writerow(
                [
                    outcome.domain,
                    data.get("checked_at", ""),
                    _ready(data),
                    one_line(_verdict(data)),
                    (policy or {}).get("mode") or "",
                    _count(data, "error"),
                    _count(data, "warning"),
                    _count(data, "info"),
                    " ".join(sorted({str(f.get("code")) for f in _findings(data)})),
                    " ".join(d.code for d in outcome.drift),
                ]
            )
            return
        writer = self._writer(WATCH_CSV)
        for c in changes(outcome):
            row = [outcome.domain, data.get("checked_at", ""), c.severity, c.code, one_line(c.was)]
            writer.writerow([*row, one_line(c.now), c.first_seen, one_line(c.message)])

    # -- whole-document formats

    def _write_junit(self) -> None:
        suite = ET.Element("testsuite", name=f"mtasts-tui {self.command}")
        failures = 0
        for row in self._rows:
            o = row.outcome
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"mtasts-tui.{self.command}",
                name=xml_text(o.domain),
                time=f"{float(o.data.get('elapsed') or 0):.3f}",
            )
            lines = [f"{_verdict(o.data)}"]
            lines += [
                f"[{f.get('severity')}] {f.get('code')}: {f.get('message')}"
                for f in _findings(o.data)
            ]
            lines += [f"[{c.severity}] {c.code}: {c.message}" for c in changes(o) if c.drift]
            if _failed(o, self.command):
                failures += 1
                reasons = [
                    f"{f.get('code')}" for f in _findings(o.data) if f.get("severity") == "error"
                ]
                reasons += [d.code for d in o.drift if d.severity in ("error", "warning")]
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=xml_text(", ".join(reasons) or _verdict(o.data)),
                    type="got-worse" if self.command == "watch" else "error-findings",
                )
                failure.text = xml_text("\n".join(lines))
            out = ET.SubElement(case, "system-out")
            out.text = xml_text("\n".join(lines))
        suite.set("tests", str(len(self._rows)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        root = ET.Element("testsuites", name="mtasts-tui")
        root.append(suite)
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(ET.tostring(root, encoding="unicode") + "\n")

    def _write_markdown(self) -> None:
        rows = self._rows
        if self.command == "watch":
            rows = [r for r in rows if self.changed(r.outcome)]
            self.out.write("### mtasts-tui watch\n\n")
            if not rows:
                self.out.write("No changes.\n\n")
                return
            self.out.write("| Domain | Severity | Change | Was | Now | First seen |\n")
            self.out.write("|---|---|---|---|---|---|\n")
            for row in rows:
                for c in changes(row.outcome):
                    self.out.write(
                        f"| {md(row.outcome.domain)} | {c.severity} | {md(c.code)} | "
                        f"{md(c.was)} | {md(c.now)} | {md(c.first_seen)} |\n"
                    )
            self.out.write("\n")
            return
        self.out.write("### mtasts-tui check\n\n")
        self.out.write("| Domain | Ready to enforce | Errors | Warnings | Verdict |\n")
        self.out.write("|---|---|---|---|---|\n")
        for row in rows:
            data = row.outcome.data
            self.out.write(
                f"| {md(row.outcome.domain)} | {_ready(data)} | {_count(data, 'error')} | "
                f"{_count(data, 'warning')} | {md(_verdict(data))} |\n"
            )
        self.out.write("\n")
        for row in rows:
            items = [f for f in _findings(row.outcome.data) if f.get("severity") != "info"]
            if not items and not row.outcome.drift:
                continue
            self.out.write(f"**{md(row.outcome.domain)}**\n\n")
            for f in items:
                self.out.write(
                    f"- {md(f.get('severity'))} `{md(f.get('code'))}`: {md(f.get('message'))}\n"
                )
            for drift in row.outcome.drift:
                self.out.write(f"- changed, {drift.severity} `{drift.code}`: {md(drift.message)}\n")
            self.out.write("\n")


@dataclass(frozen=True, slots=True)
class Change:
    """One printed change of `watch`: a drift finding, a finding change, a first or failed check."""

    severity: str
    code: str
    message: str
    was: str = ""
    now: str = ""
    first_seen: str = ""
    drift: bool = False


def changes(outcome: Outcome) -> list[Change]:
    at = str(outcome.data.get("checked_at", ""))
    if outcome.failed is not None:
        return [Change("error", "check-failed", outcome.failed, first_seen=at)]
    out: list[Change] = []
    if outcome.first:
        verdict = _verdict(outcome.data)
        out.append(Change("info", "first-check", verdict, now=verdict, first_seen=at))
    for d in outcome.drift:
        out.append(
            Change(d.severity, d.code, d.message, d.was or "", d.now or "", d.first_seen, True)
        )
    for c in outcome.changes:
        out.append(Change(c.severity, c.code, c.message, first_seen=c.at))
    return out


def _drift_line(d: DriftFinding, indent: str) -> str:
    return f"{indent}{_MARK[d.severity]} [{d.code}] {one_line(d.message)}\n"


def _verdict(data: dict[str, Any]) -> str:
    verdict = data.get("verdict")
    if isinstance(verdict, str) and verdict:
        return verdict
    findings = _findings(data)
    failed = [f for f in findings if f.get("code") == "check-failed"]
    if failed:
        return f"check failed: {failed[0].get('message', '')}"
    return "ready to enforce" if data.get("enforce_ready") is True else "not ready to enforce"
