"""Run the console script in-process: ``main([...])`` with captured output."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mtasts_tui.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[[Sequence[str | Path]], Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def _run(argv: Sequence[str | Path]) -> Result:
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run
