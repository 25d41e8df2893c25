"""Plain-text and JSON output shared by the headless commands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from mtasts_tui.core.findings import Finding, sort_findings
from mtasts_tui.core.text import printable

_MARK = {"error": "✗ error  ", "warning": "! warning", "info": "· info   "}

# json.dumps(ensure_ascii=False) already escapes C0; these it leaves raw: DEL, the C1 controls
# (U+009B is a one-byte CSI on many terminals), the bidi embeddings, overrides and isolates, the
# line/paragraph separators and lone surrogates. Escaped as \uXXXX they stay valid JSON and cannot
# restyle a terminal or reorder what it shows.
_JSON_UNSAFE = {
    code: f"\\u{code:04x}"
    for code in [
        0x7F,
        *range(0x80, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0xD800, 0xE000),  # lone surrogates from "\ud800" in a report cannot be encoded
    ]
}


def dumps(data: object, *, compact: bool = False, indent: int | None = None) -> str:
    """JSON text with readable IDNs (``ensure_ascii=False``) but no control or bidi characters."""
    if compact:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(data, ensure_ascii=False, indent=indent)
    return text.translate(_JSON_UNSAFE)


def write_findings(out: TextIO, findings: Iterable[Finding], indent: str = "  ") -> None:
    items = sort_findings(findings)
    if not items:
        out.write(f"{indent}no findings\n")
        return
    for f in items:
        out.write(f"{indent}{_MARK[f.severity]} [{f.code}] {printable(f.message)}\n")


def write_json(out: TextIO, data: object, *, compact: bool = False) -> None:
    out.write(dumps(data, compact=compact, indent=None if compact else 2) + "\n")
