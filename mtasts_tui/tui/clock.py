"""Time as the wizard shows it: real, or fixed so screenshots and snapshots never change."""

from __future__ import annotations

from datetime import UTC, date, datetime

FIXED_NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, deterministic: bool = False) -> None:
        self.deterministic = deterministic

    def now(self) -> datetime:
        return FIXED_NOW if self.deterministic else datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()

    def elapsed(self, seconds: float | None) -> str:
        if seconds is None:
            return ""
        if self.deterministic:
            return "·· ms"
        return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
