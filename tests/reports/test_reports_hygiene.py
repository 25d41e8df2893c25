"""The reports package's public names. (That it never imports Textual, Rich or the wizard is an
import-linter contract in pyproject.toml.)"""

from __future__ import annotations


def test_public_api_complete() -> None:
    import mtasts_tui.reports as pkg

    for name in pkg.__all__:
        assert hasattr(pkg, name), name
