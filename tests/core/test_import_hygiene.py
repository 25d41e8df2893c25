"""The core is headless: importing it must not pull in Textual or Rich (nor network libraries).

Checked in a fresh interpreter, the harlequin way, so nothing imported by other tests can hide
an offending import.
"""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import importlib, json, pkgutil, sys
import mtasts_tui.core as core
names = [m.name for m in pkgutil.iter_modules(core.__path__, core.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""

FORBIDDEN = ("textual", "rich", "httpx", "dns")
"""UI libraries belong to mtasts_tui.tui, network libraries to mtasts_tui.probe."""


def _import_core_in_a_fresh_interpreter() -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_core_modules_import_neither_ui_nor_network_libraries() -> None:
    result = _import_core_in_a_fresh_interpreter()
    assert len(result["modules"]) >= 12  # every core module was really imported
    offenders = [
        name
        for name in result["loaded"]
        if any(name == top or name.startswith(top + ".") for top in FORBIDDEN)
    ]
    assert offenders == []
