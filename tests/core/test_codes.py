"""The finding-code registry is the contract: the code, the registry and the README agree.

The package is read as source (``ast``), so a code counts as used only where the program
produces or matches it, not where a comment or message mentions it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from mtasts_tui.core.codes import AREAS, CODES, REGISTRY, readme_with_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mtasts_tui"
REGISTRY_FILE = PACKAGE / "core" / "codes.py"

CODE_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")

PRODUCERS: dict[str, int] = {
    # findings.error/warning/info and the report parser's warn/note take the code first.
    "error": 0,
    "warning": 0,
    "info": 0,
    "warn": 0,
    "note": 0,
    "_expiring": 0,
    "_Problem": 0,
    # Constructors that take a severity first.
    "Finding": 1,
    "DriftFinding": 1,
    "_Change": 1,
    "Change": 1,
    # at, severity, code.
    "TimelineEntry": 2,
}
"""Callables whose argument at this position is a finding code."""


def _literals(node: ast.AST) -> Iterator[str]:
    """Code-shaped string constants in ``node``: a literal, either branch of ``a if c else b``,
    or the members of a set, list or tuple display."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if CODE_SHAPE.match(node.value):
            yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.Set | ast.List | ast.Tuple):
        for element in node.elts:
            yield from _literals(element)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _mentions_code(node: ast.expr) -> bool:
    text = ast.unparse(node)
    return "code" in text


def codes_in_source(tree: ast.AST) -> Iterator[str]:
    """Every finding code that a module produces, passes on or compares against."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            position = PRODUCERS.get(_name(node.func))
            if position is not None and len(node.args) > position:
                yield from _literals(node.args[position])
            for keyword in node.keywords:
                # code="...", and a lab scenario's expect={...} set of codes.
                if keyword.arg in {"code", "expect"}:
                    yield from _literals(keyword.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield from _literals(value)
        elif isinstance(node, ast.Assign):
            # code = "policy-mx-ip" if ... else "policy-mx-invalid"
            if any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
                yield from _literals(node.value)
        elif isinstance(node, ast.Compare):
            # f.get("code") == "check-failed", finding.code in {...}
            sides = [node.left, *node.comparators]
            for side in sides:
                if any(_mentions_code(other) for other in sides if other is not side):
                    yield from _literals(side)


def used_codes() -> dict[str, set[str]]:
    """Code → the package files that use it (the registry itself excluded)."""
    used: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == REGISTRY_FILE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for code in codes_in_source(tree):
            used.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return used


def test_the_scanner_finds_codes_in_every_form_they_are_written() -> None:
    source = """
error("a-b", "m")
ctx.warn("c-d", "m")
Finding("info", "e-f", "m")
TimelineEntry(at, "info", "g-h", "m")
code = "i-j" if x else "k-l"
out = {"severity": "error", "code": "m-n"}
if f.get("code") == "o-p": pass
Scenario(expect={"q-r"})
healthy("not-a-code")
"""
    found = set(codes_in_source(ast.parse(source)))
    assert found == {"a-b", "c-d", "e-f", "g-h", "i-j", "k-l", "m-n", "o-p", "q-r"}


def test_the_scanner_sees_the_whole_package() -> None:
    used = used_codes()
    assert len(used) >= 90
    assert {"policy-mx-ip", "policy-mx-invalid", "mode-downgraded", "check-failed"} <= set(used)


def test_every_code_used_in_the_package_is_registered() -> None:
    unregistered = {code: files for code, files in used_codes().items() if code not in REGISTRY}
    assert unregistered == {}, "add these codes to mtasts_tui/core/codes.py"


def test_every_registered_code_is_used_somewhere() -> None:
    assert sorted(set(REGISTRY) - set(used_codes())) == []


def test_registry_entries_are_unique_complete_and_in_known_areas() -> None:
    assert len(REGISTRY) == len(CODES)
    for entry in CODES:
        assert CODE_SHAPE.match(entry.code), entry.code
        assert entry.area in AREAS, entry
        assert entry.meaning and "\n" not in entry.meaning and "|" not in entry.meaning, entry


def test_readme_table_is_generated_from_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, "run: python scripts/readme_codes.py"
    for entry in CODES:
        assert f"`{entry.code}`" in readme
