"""The package runs as ``python -m mtasts_tui``, and the offline commands stay headless."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RFC_POLICY = (
    b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n"
)


def test_python_dash_m_runs_lint_on_standard_input() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mtasts_tui",
            "lint",
            "policy",
            "-",
            "--json",
            "--host",
            "mx.example.net",
        ],
        input=RFC_POLICY,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["valid"] is True
    assert doc["coverage"] == {"mx.example.net": True}


def test_python_dash_m_usage_error_exits_two() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mtasts_tui", "lint", "policy", "/nonexistent/mta-sts.txt"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_lint_and_export_do_not_import_textual(tmp_path: Path) -> None:
    script = f"""
import sys
from mtasts_tui.cli import main
assert main(["lint", "sts-record", "v=STSv1; id=abc", "--json"]) == 0
assert main(["export", "--domain", "example.com", "--mode", "none", "--max-age", "86400",
             "--out", {str(tmp_path / "b")!r}]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] == "textual"))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
