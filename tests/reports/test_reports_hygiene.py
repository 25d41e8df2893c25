"""The report reader is a headless core: importing it must not pull in Textual or Rich."""

from __future__ import annotations

import subprocess
import sys


def test_reports_package_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, mtasts_tui.reports, mtasts_tui.reports.command, mtasts_tui.reports.render;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_complete() -> None:
    import mtasts_tui.reports as pkg

    for name in pkg.__all__:
        assert hasattr(pkg, name), name
