"""Small assertions shared by the core specification tests."""

from __future__ import annotations

from collections.abc import Iterable

from mtasts_tui.core.findings import Finding


def codes(findings: Iterable[Finding]) -> list[str]:
    return [f.code for f in findings]


def severity_of(findings: Iterable[Finding], code: str) -> str:
    matching = {f.severity for f in findings if f.code == code}
    assert len(matching) == 1, f"expected one severity for {code}, got {matching}"
    return matching.pop()


def policy_text(*lines: str, eol: str = "\r\n") -> str:
    return "".join(line + eol for line in lines)
