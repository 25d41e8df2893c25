"""The import boundaries are import-linter contracts in pyproject.toml; this runs them in the suite
too, so a forbidden import fails locally before CI (`.ci/run` runs `lint-imports` as well)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_boundaries_the_team_relies_on_are_declared() -> None:
    forbidden = {
        str(source): set(map(str, c["forbidden_modules"]))
        for c in _contracts()
        for source in c["source_modules"]
    }
    assert {"textual", "rich", "httpx", "dns"} <= forbidden["mtasts_tui.core"]
    assert {"mtasts_tui.tui", "mtasts_tui.probe", "mtasts_tui.lab", "mtasts_tui.commands"} <= (
        forbidden["mtasts_tui.core"]
    )
    assert {"mtasts_tui.tui", "mtasts_tui.lab"} <= forbidden["mtasts_tui.probe"]
    assert "mtasts_tui.tui" in forbidden["mtasts_tui.reports"]


def test_every_import_contract_is_kept() -> None:
    tool = Path(sys.executable).parent / "lint-imports"
    if not tool.exists():
        pytest.skip("lint-imports is not installed (pip install -e '.[test]')")
    done = subprocess.run(
        [str(tool), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in done.stdout
