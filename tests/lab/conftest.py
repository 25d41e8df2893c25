from __future__ import annotations

from collections.abc import Iterator

import pytest

from mtasts_tui.lab import Lab, scenarios


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """Every scenario in ``scenarios.ALL``, started once per test module."""
    with Lab(scenarios.ALL) as running:
        yield running
