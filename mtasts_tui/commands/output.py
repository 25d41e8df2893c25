"""Plain-text output shared by the headless commands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from mtasts_tui.core.findings import Finding, sort_findings
from mtasts_tui.core.text import printable

_MARK = {"error": "✗ error  ", "warning": "! warning", "info": "· info   "}


def write_findings(out: TextIO, findings: Iterable[Finding], indent: str = "  ") -> None:
    items = sort_findings(findings)
    if not items:
        out.write(f"{indent}no findings\n")
        return
    for f in items:
        out.write(f"{indent}{_MARK[f.severity]} [{f.code}] {printable(f.message)}\n")


def write_json(out: TextIO, data: object, *, compact: bool = False) -> None:
    if compact:
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
