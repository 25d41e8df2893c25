"""Fixtures for the TLS-RPT reader tests (sample reports live in ``tlsrpt_samples``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | dict[str, Any]], Path]:
    """write(name, bytes-or-dict) -> path under tmp_path (dicts are JSON-encoded)."""

    def _write(name: str, content: bytes | dict[str, Any]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(content).encode() if isinstance(content, dict) else content
        path.write_bytes(data)
        return path

    return _write
